//! The learned scorer in the pipeline.
//!
//! Every deterministic candidate is described to the scorer
//! ([`attest_scorer::CandidateInput`]: its quote and the text around it, cue
//! and distractor words, units, distance to the subject's mentions, the
//! document kind, agreement with other candidates) and gets the scorer's
//! probability of being right as its confidence. The reconciler then keeps
//! what clears [`super::verify::MIN_CONFIDENCE`], as in rules mode. The
//! same description is what the training command labels against the gold
//! set, so training and serving see identical features.

use std::collections::BTreeMap;

use attest_scorer::{CandidateInput, Model};
use sha2::{Digest, Sha256};

use super::candidate::{Candidate, Value};
use super::rules::subject_mentions;
use super::{Citation, Field, Mode};
use crate::document::{Document, DocumentKind};
use crate::text::{CharIndex, CharRange};

/// Text kept on each side of a quote for the scorer.
const CONTEXT_CHARS: usize = 300;

/// `scorer-1 (features-1, 3f2a…)`: version, features and a hash of the
/// weights, for provenance.
pub fn describe(m: &Model) -> String {
    let h = format!("{:x}", Sha256::digest(m.to_json().as_bytes()));
    format!("{} ({}, {})", m.version, m.feature_version, &h[..12])
}

/// The scorer shipped with attest (trained by `attest-eval train`).
pub const BUILTIN_SCORER: &str = include_str!("../../../scorer/models/scorer-1.json");

pub fn builtin_scorer() -> Option<Model> {
    match Model::from_json(BUILTIN_SCORER) {
        Ok(m) => Some(m),
        Err(e) => {
            tracing::error!(error = %e, "the shipped scorer does not load");
            None
        }
    }
}

/// A candidate as the scorer sees it, owned.
#[derive(Debug, Clone)]
pub struct Observation {
    pub field: Field,
    pub document_id: String,
    pub extractor: String,
    pub rule_confidence: f32,
    pub quote: String,
    pub before: String,
    pub after: String,
    pub value: String,
    pub grams: Option<f64>,
    pub subject_distance: Option<usize>,
    pub other_subject_closer: bool,
    pub doc_kind: &'static str,
    pub position: f32,
    pub same_value_count: usize,
    pub field_candidate_count: usize,
    /// The value in the form the gold set compares: grams, country code,
    /// material name, or `material|percent`.
    pub key: String,
}

impl Observation {
    pub fn input(&self) -> CandidateInput<'_> {
        CandidateInput {
            field: field_name(self.field),
            extractor: &self.extractor,
            rule_confidence: self.rule_confidence,
            quote: &self.quote,
            before: &self.before,
            after: &self.after,
            value: &self.value,
            grams: self.grams,
            subject_distance: self.subject_distance,
            other_subject_closer: self.other_subject_closer,
            doc_kind: self.doc_kind,
            position: self.position,
            same_value_count: self.same_value_count,
            field_candidate_count: self.field_candidate_count,
        }
    }

    pub fn field_name(&self) -> &'static str {
        field_name(self.field)
    }

    pub fn features(&self) -> Vec<f32> {
        attest_scorer::features(&self.input())
    }
}

pub fn field_name(f: Field) -> &'static str {
    match f {
        Field::Mass => "mass",
        Field::Origin => "origin",
        Field::Materials => "materials",
        Field::RecycledContent => "recycled_content",
    }
}

fn kind_name(k: Option<DocumentKind>) -> &'static str {
    match k {
        Some(DocumentKind::Datasheet) => "datasheet",
        Some(DocumentKind::Declaration) => "declaration",
        Some(DocumentKind::Report) => "report",
        Some(DocumentKind::Sheet) => "dataset",
        Some(DocumentKind::Certificate) | Some(DocumentKind::Other) | None => "other",
    }
}

struct Raw<'a> {
    field: Field,
    citation: Option<&'a Citation>,
    extractor: &'a str,
    confidence: f32,
    value: String,
    grams: Option<f64>,
    key: String,
}

fn raws(c: &[Candidate]) -> Vec<Raw<'_>> {
    c.iter()
        .map(|c| {
            let (value, grams, key) = match &c.value {
                Value::Mass {
                    grams, value, unit, ..
                } => (format!("{value} {unit}"), Some(*grams), format!("{grams}")),
                Value::Origin { country: v, .. } | Value::Material(v) => {
                    (v.clone(), None, v.to_lowercase())
                }
                Value::Recycled {
                    material, percent, ..
                } => {
                    let material = material.clone().unwrap_or_default();
                    (
                        format!("{percent}% {material}"),
                        None,
                        format!("{}|{percent}", material.to_lowercase()),
                    )
                }
            };
            Raw {
                field: c.value.field(),
                citation: c.citations.first(),
                extractor: &c.extractor,
                confidence: c.confidence,
                value,
                grams,
                key,
            }
        })
        .collect()
}

/// Describes every candidate, in order, for scoring or training.
pub(crate) fn observe(
    c: &[Candidate],
    docs: &BTreeMap<&str, &Document>,
    subject: Option<&str>,
) -> Vec<Option<Observation>> {
    let raws = raws(c);
    // Agreement counts per document and field.
    let mut per_field: BTreeMap<(String, Field), usize> = BTreeMap::new();
    let mut per_value: BTreeMap<(String, Field, String), usize> = BTreeMap::new();
    for r in &raws {
        if let Some(cit) = r.citation {
            *per_field
                .entry((cit.document_id.clone(), r.field))
                .or_default() += 1;
            *per_value
                .entry((cit.document_id.clone(), r.field, r.key.clone()))
                .or_default() += 1;
        }
    }
    let mut cache: BTreeMap<&str, (CharIndex, Vec<usize>, Vec<usize>)> = BTreeMap::new();
    raws.iter()
        .map(|r| {
            let cit = r.citation?;
            let doc = docs.get(cit.document_id.as_str())?;
            let (idx, requested, others) = cache.entry(doc.meta.id.as_str()).or_insert_with(|| {
                let idx = CharIndex::new(&doc.text);
                let (requested, others) = subject_mentions(doc, subject);
                (idx, requested, others)
            });
            let total = idx.len_chars().max(1);
            let span = idx.bytes(CharRange {
                start: cit.start,
                end: cit.end,
            });
            let before_start = idx.bytes(CharRange {
                start: cit.start.saturating_sub(CONTEXT_CHARS),
                end: cit.start,
            });
            let after_end = idx.bytes(CharRange {
                start: cit.end,
                end: (cit.end + CONTEXT_CHARS).min(total),
            });
            let at = span.start;
            let subject_distance = requested.iter().map(|&m| m.abs_diff(at)).min();
            let last_req = requested.iter().copied().filter(|&m| m <= at).max();
            let last_other = others.iter().copied().filter(|&m| m <= at).max();
            let other_subject_closer = matches!((last_req, last_other), (Some(r), Some(o)) if o > r)
                || (last_req.is_none() && last_other.is_some());
            Some(Observation {
                field: r.field,
                document_id: doc.meta.id.clone(),
                extractor: r.extractor.to_owned(),
                rule_confidence: r.confidence,
                quote: cit.quote.clone(),
                before: doc.text.get(before_start).unwrap_or_default().to_owned(),
                after: doc.text.get(after_end).unwrap_or_default().to_owned(),
                value: r.value.clone(),
                grams: r.grams,
                subject_distance,
                other_subject_closer,
                doc_kind: kind_name(doc.meta.kind),
                position: cit.start as f32 / total as f32,
                same_value_count: per_value
                    .get(&(doc.meta.id.clone(), r.field, r.key.clone()))
                    .copied()
                    .unwrap_or(1),
                field_candidate_count: per_field
                    .get(&(doc.meta.id.clone(), r.field))
                    .copied()
                    .unwrap_or(1),
                key: r.key.clone(),
            })
        })
        .collect()
}

/// The learned scorer is trusted, outside `model` mode, only on the fields
/// where its cross-validated ranking skill (AUC) reaches this.
pub const MIN_FIELD_AUC: f64 = 0.6;

/// Whether the scorer ranks a field's candidates better than chance by a
/// margin, according to its own cross-validation report.
pub fn skilled_on(scorer: &Model, field: Field) -> bool {
    scorer
        .training
        .cv
        .as_ref()
        .and_then(|cv| cv.per_field.get(field_name(field)))
        .is_some_and(|f| f.auc >= MIN_FIELD_AUC)
}

/// Replaces each deterministic candidate's confidence with the scorer's
/// probability (`model`), or, in the other modes and only on the fields
/// the scorer is skilled on ([`skilled_on`]), with its average with the
/// rule's confidence. Language-model candidates are left as they are.
pub(crate) fn rescore(
    c: &mut [Candidate],
    docs: &BTreeMap<&str, &Document>,
    subject: Option<&str>,
    scorer: &Model,
    mode: Mode,
) {
    // `model` reports the learned probability alone; `auto` (and `llm`'s
    // fallback) averages it with the rule's own confidence, an ensemble of
    // the hand-set and the learned scorer.
    let scores: Vec<Option<f32>> = observe(c, docs, subject)
        .into_iter()
        .map(|o| {
            o.and_then(|o| {
                let p = scorer.score(&o.input());
                if mode == Mode::Model {
                    Some(p)
                } else if skilled_on(scorer, o.field) {
                    Some((p + o.rule_confidence) / 2.0)
                } else {
                    None
                }
            })
        })
        .collect();
    for (cand, score) in c.iter_mut().zip(scores) {
        if let Some(p) = score
            && !cand.extractor.starts_with("llm:")
        {
            cand.confidence = p;
        }
    }
}
