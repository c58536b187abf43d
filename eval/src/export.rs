//! `attest-eval export-gold`: every reviewer decision in a data directory
//! as gold cases in the dev-set format, so reviewed documents can join the
//! gold set and retrain the scorer.
//!
//! A case is one document version and one subject; it holds the values the
//! reviewers accepted or corrected, each with its evidence snippet (from
//! the cited quote). Rejected values are left out. A field nobody decided
//! is written empty, as the format has no "unlabelled": review every value
//! of a document before its case joins a gold set (the notes file lists
//! which fields each case's decisions cover). With `--docs`, the documents
//! as received are copied under their source names, so the cases resolve
//! against that folder as a corpus root.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use anyhow::Context;
use attest_engine::catalog::Catalog;
use attest_engine::originals::Originals;
use attest_engine::review::{ReviewItem, Settled, settled};

use crate::gold::{GoldCase, GoldRecycled};

/// Evidence snippets are one line of 5 to 60 characters.
const SNIPPET_MAX: usize = 60;
const SNIPPET_MIN: usize = 5;

/// A one-line snippet of `quote` of at most 60 characters, around the first
/// place that states `needle` (when given).
pub fn snippet(quote: &str, needle: Option<&str>) -> Option<String> {
    let flat: Vec<char> = quote
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .collect();
    if flat.len() < SNIPPET_MIN {
        return None;
    }
    if flat.len() <= SNIPPET_MAX {
        return Some(flat.iter().collect());
    }
    let text: String = flat.iter().collect();
    let at = needle
        .and_then(|n| text.to_lowercase().find(&n.to_lowercase()))
        .map(|byte| text[..byte].chars().count())
        .unwrap_or(0);
    let start = at
        .saturating_sub(SNIPPET_MAX / 3)
        .min(flat.len() - SNIPPET_MAX);
    let s: String = flat[start..start + SNIPPET_MAX].iter().collect();
    Some(s.trim().to_owned())
}

/// The number as a quote writes it (`0.105`, `2`, `30`).
fn number_text(v: f64) -> String {
    let s = format!("{v}");
    s.strip_suffix(".0").map(str::to_owned).unwrap_or(s)
}

/// The number a value begins with (`3.1` of `3.1 g`).
fn leading_number(value: &str) -> String {
    value
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
        .collect()
}

/// A source name as a relative path inside the docs folder.
fn safe_relative(source: &str) -> Option<PathBuf> {
    let p = Path::new(source);
    let parts: Vec<_> = p
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_owned()),
            _ => None,
        })
        .collect();
    if parts.is_empty() {
        return None;
    }
    Some(parts.iter().collect())
}

#[derive(Default)]
struct Draft {
    doc: String,
    subject: String,
    /// Grams, the value as written, the quote.
    mass: Option<(f64, String, String)>,
    origin: Vec<(String, String)>,
    materials: Vec<(String, String)>,
    recycled: Vec<(f64, String)>,
    decided_fields: Vec<&'static str>,
}

pub struct Exported {
    pub cases: usize,
    pub decisions: usize,
    pub skipped: Vec<String>,
}

pub async fn export_gold(
    data_dir: &Path,
    database_url: Option<&str>,
    object_store_url: Option<&str>,
    tenant: Option<&str>,
    out: &Path,
    docs_out: Option<&Path>,
) -> anyhow::Result<Exported> {
    // Opening a catalog creates one: a mistyped directory must not read as
    // a service with no decisions.
    anyhow::ensure!(
        database_url.is_some() || data_dir.join("catalog.sqlite3").is_file(),
        "{} holds no attest catalog (catalog.sqlite3)",
        data_dir.display()
    );
    let catalog = Catalog::connect(data_dir, database_url)
        .with_context(|| format!("cannot open the catalog of {}", data_dir.display()))?;
    let originals = Originals::open(data_dir, object_store_url)?;
    let decided = catalog.decided_reviews(tenant)?;
    let mut drafts: BTreeMap<(String, String), Draft> = BTreeMap::new();
    let mut skipped = Vec::new();
    let decisions = decided.len();
    for (_, stored) in decided {
        let Ok(item) = serde_json::from_str::<ReviewItem>(&stored.body) else {
            skipped.push(format!("{}: unreadable item", stored.id));
            continue;
        };
        let Some(doc) = catalog.get(&item.document_id) else {
            skipped.push(format!(
                "{}: document {} is gone",
                item.id, item.document_id
            ));
            continue;
        };
        let draft = drafts
            .entry((item.document_id.clone(), item.subject.clone()))
            .or_insert_with(|| Draft {
                doc: doc.meta.source.clone(),
                subject: item.subject.clone(),
                ..Draft::default()
            });
        let field = match item.field {
            attest_engine::extract::Field::Mass => "mass_g",
            attest_engine::extract::Field::Origin => "origin",
            attest_engine::extract::Field::Materials => "materials",
            attest_engine::extract::Field::RecycledContent => "recycled",
        };
        if !draft.decided_fields.contains(&field) {
            draft.decided_fields.push(field);
        }
        let Some((value, written, quote)) = settled(&item) else {
            continue;
        };
        match value {
            Settled::Mass(g) => draft.mass = Some((g, written, quote)),
            Settled::Origin(c) => draft.origin.push((c, quote)),
            Settled::Material(m) => draft.materials.push((m, quote)),
            Settled::Recycled(p) => draft.recycled.push((p, quote)),
        }
    }

    let mut lines = Vec::new();
    let mut notes = String::from(
        "# Cases exported from review decisions\n\n\
         Each case holds the values reviewers accepted or corrected; a field \
         no decision covers is written empty.\n\n| case | document | subject | decided fields |\n|---|---|---|---|\n",
    );
    let mut copied: BTreeMap<String, String> = BTreeMap::new();
    for ((doc_id, _), d) in &drafts {
        let mut evidence = BTreeMap::new();
        let mut keep = |field: &str, quote: &str, needle: Option<String>| -> bool {
            match snippet(quote, needle.as_deref()) {
                Some(s) => {
                    evidence.entry(field.to_owned()).or_insert(s);
                    true
                }
                None => false,
            }
        };
        let mass_g = match &d.mass {
            Some((g, written, q)) if keep("mass_g", q, Some(leading_number(written))) => Some(*g),
            _ => None,
        };
        let mut origin: Vec<String> = Vec::new();
        for (c, q) in &d.origin {
            if !origin.contains(c) && keep("origin", q, None) {
                origin.push(c.clone());
            }
        }
        let mut materials: Vec<String> = Vec::new();
        for (m, q) in &d.materials {
            if !materials.contains(m) && keep("materials", q, Some(m.clone())) {
                materials.push(m.clone());
            }
        }
        let mut recycled: Vec<GoldRecycled> = Vec::new();
        for (p, q) in &d.recycled {
            if !recycled.iter().any(|r| r.pct == *p) && keep("recycled", q, Some(number_text(*p))) {
                recycled.push(GoldRecycled {
                    material: None,
                    pct: *p,
                });
            }
        }
        let id = format!(
            "review-{}-{}",
            &doc_id[..doc_id.len().min(12)],
            d.subject
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                })
                .collect::<String>()
        );
        let doc_path = match docs_out {
            Some(dir) => {
                let rel = safe_relative(&d.doc)
                    .with_context(|| format!("source name {:?} is not a file name", d.doc))?;
                let rel_text = rel.to_string_lossy().into_owned();
                // Two versions under one source name: the later is kept
                // apart.
                let rel_text = match copied.get(&rel_text) {
                    Some(other) if other != doc_id => format!("{doc_id}/{rel_text}"),
                    _ => rel_text,
                };
                let target = dir.join(&rel_text);
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                let bytes = originals.get(doc_id).await?;
                std::fs::write(&target, bytes).with_context(|| {
                    format!(
                        "cannot copy the original of {doc_id} to {}",
                        target.display()
                    )
                })?;
                copied.insert(rel_text.clone(), doc_id.clone());
                rel_text
            }
            None => d.doc.clone(),
        };
        let case = GoldCase {
            id: id.clone(),
            doc: doc_path.clone(),
            subject: Some(d.subject.clone()),
            mass_g,
            origin,
            materials,
            recycled,
            evidence,
        };
        notes.push_str(&format!(
            "| {id} | {doc_path} | {} | {} |\n",
            d.subject,
            d.decided_fields.join(", ")
        ));
        lines.push(serde_json::to_string(&case)?);
    }
    let mut body = lines.join("\n");
    if !body.is_empty() {
        body.push('\n');
    }
    std::fs::write(out, body).with_context(|| format!("cannot write {}", out.display()))?;
    let notes_path = out.with_extension("notes.md");
    std::fs::write(&notes_path, notes)?;
    Ok(Exported {
        cases: drafts.len(),
        decisions,
        skipped,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn snippets_are_one_short_line_around_the_value() {
        assert_eq!(
            snippet("Weight\t\tApprox. 2 g", None).unwrap(),
            "Weight Approx. 2 g"
        );
        assert!(snippet("2 g", None).is_none());
        let long = format!(
            "{} recycled content 30% in the housing {}",
            "x ".repeat(40),
            "y ".repeat(40)
        );
        let s = snippet(&long, Some("30")).unwrap();
        assert!(s.chars().count() <= 60 && s.contains("30%"), "{s}");
        assert_eq!(number_text(2.0), "2");
        assert_eq!(leading_number(" 3.1 g"), "3.1");
        assert_eq!(number_text(0.105), "0.105");
        assert_eq!(
            safe_relative("../../etc/passwd").unwrap(),
            PathBuf::from("etc/passwd")
        );
        assert!(safe_relative("/").is_none());
    }
}
