//! The gold-label format (../shared/eval/GOLD_FORMAT.md, version 1).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoldRecycled {
    pub material: Option<String>,
    pub pct: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoldCase {
    pub id: String,
    pub doc: String,
    pub subject: Option<String>,
    pub mass_g: Option<f64>,
    pub origin: Vec<String>,
    pub materials: Vec<String>,
    pub recycled: Vec<GoldRecycled>,
    #[serde(default)]
    pub evidence: BTreeMap<String, String>,
}

/// Reads a JSON Lines gold file, checking ids are unique.
pub fn load(path: &Path) -> anyhow::Result<Vec<GoldCase>> {
    let text = std::fs::read_to_string(path)?;
    let mut cases = Vec::new();
    let mut ids = BTreeSet::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let case: GoldCase = serde_json::from_str(line)
            .map_err(|e| anyhow::anyhow!("{}:{}: {e}", path.display(), n + 1))?;
        anyhow::ensure!(
            ids.insert(case.id.clone()),
            "{}:{}: duplicate id {}",
            path.display(),
            n + 1,
            case.id
        );
        cases.push(case);
    }
    Ok(cases)
}

/// Several gold files as one set (a dev set and reviewed cases, say); ids
/// must be unique across them.
pub fn load_all(paths: &[std::path::PathBuf]) -> anyhow::Result<Vec<GoldCase>> {
    let mut cases = Vec::new();
    let mut ids = BTreeSet::new();
    for p in paths {
        for case in load(p)? {
            anyhow::ensure!(
                ids.insert(case.id.clone()),
                "{}: id {} is already used by an earlier gold file",
                p.display(),
                case.id
            );
            cases.push(case);
        }
    }
    Ok(cases)
}
