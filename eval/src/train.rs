//! `attest-eval train`: labels the deterministic candidates of every gold
//! case, trains the learned scorer, and measures it with grouped
//! cross-validation (a document's candidates are never scored by a model
//! that saw the document).
//!
//! Writes the model (trained on every case) and a folds file: the model of
//! each fold and which fold each document fell in. `run --scorer-folds`
//! reads the folds file so that dev-set numbers for the `model` and `auto`
//! modes are out-of-fold.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use attest_engine::config::Settings;
use attest_engine::document::DEFAULT_TENANT;
use attest_engine::extract::model::Observation;
use attest_engine::extract::{ExtractRequest, Extractors, Field, observations};
use attest_scorer::{CvReport, Example, Model, TrainOptions};

use crate::gold::{GoldCase, GoldRecycled};
use crate::runner::Backend;
use crate::score::{mass_correct, material_matches, recycled_matches};

/// The fold models of a cross-validation and the fold of each document.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FoldModels {
    pub fold_of_document: BTreeMap<String, usize>,
    pub models: Vec<Model>,
    pub cv: CvReport,
}

impl FoldModels {
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let f: FoldModels = serde_json::from_slice(
            &std::fs::read(path).with_context(|| path.display().to_string())?,
        )?;
        for m in &f.models {
            m.check()
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        }
        Ok(f)
    }

    /// The extractors with the scorer that did not see `doc`; the shipped
    /// scorer for documents outside the training set.
    pub fn extractors_for(&self, doc: &str, base: &Extractors) -> Extractors {
        let mut x = base.clone();
        if let Some(m) = self
            .fold_of_document
            .get(doc)
            .and_then(|&i| self.models.get(i))
        {
            // The fold model with the cross-validation report of the whole
            // procedure, which decides the fields it is trusted on.
            let mut m = m.clone();
            m.training.cv = Some(self.cv.clone());
            x.scorer = Some(Arc::new(m));
        }
        x
    }
}

/// Whether a candidate is one of the case's gold values.
fn label(case: &GoldCase, o: &Observation) -> bool {
    match o.field {
        Field::Mass => matches!((case.mass_g, o.grams), (Some(g), Some(p)) if mass_correct(g, p)),
        Field::Origin => case.origin.iter().any(|c| c.eq_ignore_ascii_case(&o.key)),
        Field::Materials => case.materials.iter().any(|g| material_matches(g, &o.value)),
        Field::RecycledContent => {
            let (material, pct) = o.key.split_once('|').unwrap_or(("", ""));
            let material = (!material.is_empty()).then(|| material.to_owned());
            pct.parse::<f64>().is_ok_and(|p| {
                case.recycled
                    .iter()
                    .any(|g: &GoldRecycled| recycled_matches(g, &material, p))
            })
        }
    }
}

pub async fn train(
    gold_paths: Vec<PathBuf>,
    roots: Vec<PathBuf>,
    out: PathBuf,
    folds_out: PathBuf,
    folds: usize,
) -> anyhow::Result<()> {
    let cases = crate::gold::load_all(&gold_paths)?;
    let (backend, _tmp) = crate::open_backend(&None, Settings::load(None)?).await?;
    let Backend::InProcess(engine) = &backend else {
        anyhow::bail!("training runs in-process");
    };
    let ids = backend.ingest(&cases, &roots).await?;
    let mut examples = Vec::new();
    let mut hasher = Sha256::new();
    for case in &cases {
        let Some(doc_id) = ids.get(&case.doc) else {
            eprintln!("skipping {}: document not found", case.id);
            continue;
        };
        let req = ExtractRequest {
            subject: case.subject.clone(),
            document_ids: Some(vec![doc_id.clone()]),
            ..Default::default()
        };
        let obs = observations(engine, DEFAULT_TENANT, &req)
            .await
            .with_context(|| case.id.clone())?;
        for o in obs {
            let x = o.features();
            let y = label(case, &o);
            hasher.update(format!("{}|{}|{:?}|{}\n", case.doc, y, x, o.field_name()).as_bytes());
            examples.push(Example {
                x,
                label: y,
                // Cases share a document (dataset rows): folds split by
                // document, never inside one.
                group: case.doc.clone(),
                field: o.field_name().to_owned(),
            });
        }
    }
    anyhow::ensure!(!examples.is_empty(), "no candidates to train on");
    let opts = TrainOptions::default();
    let cv = attest_scorer::cross_validate(&examples, folds, &opts);
    let mut model = attest_scorer::train(&examples, &opts);
    model.training.cv = Some(cv.report.clone());
    model.training.data_sha256 = Some(format!("{:x}", hasher.finalize()));
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&out, model.to_json())?;
    let fm = FoldModels {
        fold_of_document: cv.fold_of_group.clone(),
        models: cv.fold_models.clone(),
        cv: cv.report.clone(),
    };
    if let Some(dir) = folds_out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&folds_out, serde_json::to_string_pretty(&fm)?)?;
    let positives = examples.iter().filter(|e| e.label).count();
    println!(
        "{} candidates ({} correct) from {} cases · {}-fold grouped CV: AUC {:.3}, accuracy {:.3}, log loss {:.3}",
        examples.len(),
        positives,
        cases.len(),
        cv.report.folds,
        cv.report.auc,
        cv.report.accuracy,
        cv.report.log_loss
    );
    for (f, r) in &cv.report.per_field {
        println!(
            "  {f:<17} {:>4} candidates, {:>3} correct, AUC {:.3}, accuracy {:.3}",
            r.examples, r.positives, r.auc, r.accuracy
        );
    }
    println!(
        "model → {} · folds → {}",
        out.display(),
        folds_out.display()
    );
    Ok(())
}
