//! Field extraction with verified citations.
//!
//! Candidates come from three deterministic extractors: the rules over the
//! document text (`attest-rules`), the column-aware reader for spreadsheets
//! ([`sheet`]) and the structured reader for XML declarations
//! ([`declaration`]). Every candidate is turned into citations and verified
//! ([`verify`]): the quote must be the document text at its span, and must
//! contain the value it supports. Unverifiable candidates are dropped and
//! counted. The reconciler then picks one mass (the best-supported) and
//! merges countries, materials and recycled claims across documents.

mod declaration;
mod sheet;
pub mod verify;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::document::{Document, DocumentKind, IngestStatus};
use crate::ingest::{Engine, EngineError};
use crate::search::resolve_documents;
use crate::text::{CharIndex, CharRange, fold_key};

pub use attest_rules::RULES_VERSION;

/// Version of the extraction pipeline around the rules (reconciler,
/// verifier, sheet and declaration readers).
pub const PIPELINE_VERSION: &str = "extract-1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Mass,
    Origin,
    Materials,
    RecycledContent,
}

pub const ALL_FIELDS: [Field; 4] = [
    Field::Mass,
    Field::Origin,
    Field::Materials,
    Field::RecycledContent,
];

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExtractRequest {
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub document_ids: Option<Vec<String>>,
    #[serde(default)]
    pub fields: Option<Vec<Field>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Citation {
    pub document_id: String,
    pub page: u32,
    /// Code point offsets into the document's canonical text.
    pub start: usize,
    pub end: usize,
    pub quote: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MassValue {
    pub grams: f64,
    pub value: f64,
    pub unit: String,
    pub citations: Vec<Citation>,
    pub confidence: f32,
    pub extractor: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OriginValue {
    pub country: String,
    pub citations: Vec<Citation>,
    pub confidence: f32,
    pub extractor: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MaterialValue {
    pub name: String,
    pub citations: Vec<Citation>,
    pub confidence: f32,
    pub extractor: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecycledValue {
    pub material: Option<String>,
    pub percent: f64,
    /// post_consumer, pre_consumer or unspecified.
    pub kind: String,
    pub citations: Vec<Citation>,
    pub confidence: f32,
    pub extractor: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Fields {
    pub mass: Option<MassValue>,
    pub origin: Vec<OriginValue>,
    pub materials: Vec<MaterialValue>,
    pub recycled_content: Vec<RecycledValue>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentRef {
    pub id: String,
    pub source: String,
    pub sha256: String,
    pub extractor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    pub request_id: String,
    pub mode: String,
    pub extractors: BTreeMap<String, String>,
    pub documents: Vec<DocumentRef>,
    /// Store point ids of the chunks that hold the cited text.
    pub chunks_read: Vec<u64>,
    /// Catalog generation the answer was computed against.
    pub index_generation: u64,
    pub embedding_model: String,
    /// Candidates dropped because their citation failed verification.
    pub dropped_unverified: usize,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtractResponse {
    pub subject: Option<String>,
    pub fields: Fields,
    pub not_found: Vec<Field>,
    pub provenance: Provenance,
}

#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("give a subject or document_ids")]
    NothingToExtractFrom,
    #[error("unknown document ids: {0:?}")]
    UnknownDocuments(Vec<String>),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// A candidate before reconciliation, with spans already in code points.
#[derive(Debug, Clone)]
pub(crate) struct Candidate<V> {
    pub value: V,
    pub citations: Vec<Citation>,
    pub confidence: f32,
    pub extractor: String,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Candidates {
    pub mass: Vec<Candidate<(f64, f64, String)>>,
    pub origin: Vec<Candidate<String>>,
    pub materials: Vec<Candidate<String>>,
    pub recycled: Vec<Candidate<(Option<String>, f64, String)>>,
}

pub(crate) fn cite(doc: &Document, idx: &CharIndex, bytes: std::ops::Range<usize>) -> Citation {
    let CharRange { start, end } = idx.chars(bytes.clone());
    Citation {
        document_id: doc.meta.id.clone(),
        page: doc.page_of(start),
        start,
        end,
        quote: doc.text.get(bytes).unwrap_or_default().to_owned(),
    }
}

pub(crate) fn cite_chars(doc: &Document, idx: &CharIndex, r: CharRange) -> Citation {
    cite(doc, idx, idx.bytes(r))
}

/// Byte ranges of the parts of a document that are about the subject:
/// the whole text, or for a spreadsheet the matching rows.
fn regions(
    doc: &Document,
    idx: &CharIndex,
    subject: Option<&str>,
) -> Option<Vec<std::ops::Range<usize>>> {
    match (&doc.sheet, subject) {
        (Some(layout), Some(s)) => {
            let key = fold_key(s);
            let rows: Vec<std::ops::Range<usize>> = layout
                .rows
                .iter()
                .map(|r| idx.bytes(r.span))
                .filter(|r| fold_key(&doc.text[r.clone()]).contains(&key))
                .collect();
            (!rows.is_empty()).then_some(rows)
        }
        // A dataset without a subject has no one answer.
        (Some(layout), None) if layout.rows.len() > 2 => None,
        #[allow(clippy::single_range_in_vec_init)] // one region: the whole text
        _ => Some(vec![0..doc.text.len()]),
    }
}

fn rules_candidates(
    doc: &Document,
    idx: &CharIndex,
    regions: &[std::ops::Range<usize>],
    subject: Option<&str>,
    out: &mut Candidates,
) {
    let f = attest_rules::extract(&doc.text, regions);
    let ex = |rule: &str| format!("rules:{rule}");
    let requested = subject
        .map(|s| mentions_of(&doc.text, s))
        .unwrap_or_default();
    // Other products the document is about, when the subject is one of them.
    let others: Vec<usize> = match subject {
        Some(s) if !requested.is_empty() => {
            let key = fold_key(s);
            doc.meta
                .subjects
                .iter()
                .filter(|o| {
                    let k = fold_key(o);
                    !k.contains(&key) && !key.contains(&k)
                })
                .flat_map(|o| mentions_of(&doc.text, o))
                .collect()
        }
        _ => Vec::new(),
    };
    for m in f.mass {
        out.mass.push(Candidate {
            value: (m.grams, m.value, m.unit.clone()),
            citations: vec![cite(doc, idx, m.evidence.start..m.evidence.end)],
            confidence: (m.confidence + ownership_bonus(&requested, &others, m.evidence.start))
                .clamp(0.0, 1.0),
            extractor: ex(m.rule),
        });
    }
    for o in f.origin {
        out.origin.push(Candidate {
            value: o.country.clone(),
            citations: vec![cite(doc, idx, o.evidence.start..o.evidence.end)],
            confidence: o.confidence,
            extractor: ex(o.rule),
        });
    }
    let declaration = doc.meta.kind == Some(DocumentKind::Declaration);
    for m in f.materials {
        if declaration && is_compound_substance(&m.name) {
            continue;
        }
        out.materials.push(Candidate {
            value: m.name.clone(),
            citations: vec![cite(doc, idx, m.evidence.start..m.evidence.end)],
            confidence: m.confidence,
            extractor: ex(m.rule),
        });
    }
    for r in f.recycled {
        let kind = serde_json::to_value(r.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| "unspecified".into());
        out.recycled.push(Candidate {
            value: (r.material.clone(), r.percent, kind),
            citations: vec![cite(doc, idx, r.evidence.start..r.evidence.end)],
            confidence: r.confidence,
            extractor: ex(r.rule),
        });
    }
}

/// Byte offsets where the subject is written (case-insensitive).
fn mentions_of(text: &str, subject: &str) -> Vec<usize> {
    let needle = subject.trim().to_lowercase();
    if needle.chars().count() < 3 {
        return Vec::new();
    }
    let hay = text.to_lowercase();
    // Lower-casing can change byte lengths; positions only need to be
    // approximately right, and the haystack is the same text otherwise.
    if hay.len() != text.len() {
        return Vec::new();
    }
    hay.match_indices(&needle).map(|(i, _)| i).collect()
}

/// A document about several products (a series datasheet, a report on
/// three monitors) states one mass per product, each after the product's
/// name in reading order. A mass whose nearest preceding product mention is
/// the requested subject gains confidence; one that follows another
/// product's name loses it.
fn ownership_bonus(requested: &[usize], others: &[usize], at: usize) -> f32 {
    let last_requested = requested.iter().copied().filter(|&m| m <= at).max();
    let last_other = others.iter().copied().filter(|&m| m <= at).max();
    match (last_requested, last_other) {
        (Some(r), Some(o)) if o > r => -0.1,
        (Some(_), _) => 0.1,
        (None, Some(_)) => -0.1,
        (None, None) => 0.0,
    }
}

/// A material declaration lists homogeneous materials (ferrite, copper
/// wire, mold compound) and, inside each, the substances they contain.
/// Compounds that only occur as substances (oxides, fillers, pigments) are
/// not what a part is made of at the level the materials field reports.
fn is_compound_substance(name: &str) -> bool {
    let n = name.to_lowercase();
    n.ends_with("oxide")
        || n.ends_with("hydroxide")
        || n.ends_with("carbonate")
        || n.ends_with("sulfate")
        || n.ends_with("trioxide")
        || matches!(n.as_str(), "carbon black" | "silica" | "silicon dioxide")
}

/// Runs the deterministic extractors over the documents of a request.
#[tracing::instrument(skip(engine, req), fields(subject = ?req.subject))]
pub async fn extract(
    engine: &Engine,
    tenant: &str,
    request_id: &str,
    req: &ExtractRequest,
) -> Result<ExtractResponse, ExtractError> {
    let subject = req
        .subject
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if subject.is_none() && req.document_ids.as_ref().is_none_or(Vec::is_empty) {
        return Err(ExtractError::NothingToExtractFrom);
    }
    if let Some(ids) = &req.document_ids {
        let unknown: Vec<String> = ids
            .iter()
            .filter(|id| {
                engine
                    .catalog
                    .get(id)
                    .is_none_or(|d| d.meta.tenant != tenant)
            })
            .cloned()
            .collect();
        if !unknown.is_empty() {
            return Err(ExtractError::UnknownDocuments(unknown));
        }
    }
    let _guard = engine.read_guard().await;
    let generation = engine.catalog.generation();
    // Explicit documents are read whether or not they spell the subject the
    // same way; the subject then narrows rows within them.
    let ids = match &req.document_ids {
        Some(ids) if !ids.is_empty() => ids.clone(),
        _ => resolve_documents(engine, tenant, None, subject).unwrap_or_default(),
    };
    let docs: Vec<Arc<Document>> = ids
        .iter()
        .filter_map(|id| engine.catalog.get(id))
        .filter(|d| d.meta.status == IngestStatus::Ready)
        .collect();
    let wanted: Vec<Field> = req.fields.clone().unwrap_or_else(|| ALL_FIELDS.to_vec());
    let subject_owned = subject.map(str::to_owned);
    let docs_for_task = docs.clone();
    // Rules are CPU work over whole documents: off the async runtime.
    let (candidates, notes) = tokio::task::spawn_blocking(move || {
        let mut c = Candidates::default();
        let mut notes = Vec::new();
        for doc in &docs_for_task {
            let idx = CharIndex::new(&doc.text);
            let Some(regions) = regions(doc, &idx, subject_owned.as_deref()) else {
                notes.push(format!(
                    "{}: a dataset with many rows needs a subject to pick a row",
                    doc.meta.source
                ));
                continue;
            };
            // Structured readers first: on equal confidence the first wins.
            if doc.meta.kind == Some(DocumentKind::Declaration) && doc.declaration.is_some() {
                declaration::candidates(doc, &idx, &mut c);
            }
            if let Some(layout) = &doc.sheet {
                sheet::candidates(doc, &idx, layout, &regions, &mut c);
            }
            rules_candidates(doc, &idx, &regions, subject_owned.as_deref(), &mut c);
        }
        (c, notes)
    })
    .await
    .map_err(|e| EngineError::Internal(format!("extract task: {e}")))?;

    let by_id: BTreeMap<&str, &Document> = docs
        .iter()
        .map(|d| (d.meta.id.as_str(), d.as_ref()))
        .collect();
    let (fields, dropped) = verify::reconcile(candidates, &by_id, &wanted);
    let not_found: Vec<Field> = wanted
        .iter()
        .copied()
        .filter(|f| match f {
            Field::Mass => fields.mass.is_none(),
            Field::Origin => fields.origin.is_empty(),
            Field::Materials => fields.materials.is_empty(),
            Field::RecycledContent => fields.recycled_content.is_empty(),
        })
        .collect();
    let chunks_read = chunks_for(&fields, &docs, engine.config.chunk);
    let mut extractors = BTreeMap::new();
    extractors.insert("rules".to_owned(), RULES_VERSION.to_owned());
    extractors.insert("pipeline".to_owned(), PIPELINE_VERSION.to_owned());
    Ok(ExtractResponse {
        subject: req.subject.clone(),
        fields,
        not_found,
        provenance: Provenance {
            request_id: request_id.to_owned(),
            mode: "rules".into(),
            extractors,
            documents: docs
                .iter()
                .map(|d| DocumentRef {
                    id: d.meta.id.clone(),
                    source: d.meta.source.clone(),
                    sha256: d.meta.sha256.clone(),
                    extractor: d.meta.extractor.clone(),
                })
                .collect(),
            chunks_read,
            index_generation: generation,
            embedding_model: engine.embedder.model_name().to_owned(),
            dropped_unverified: dropped,
            notes,
        },
    })
}

/// Point ids of the chunks containing each citation, recomputed from the
/// chunker (deterministic for a document's text).
fn chunks_for(fields: &Fields, docs: &[Arc<Document>], cfg: crate::chunk::ChunkConfig) -> Vec<u64> {
    let mut cites: Vec<&Citation> = Vec::new();
    if let Some(m) = &fields.mass {
        cites.extend(&m.citations);
    }
    fields
        .origin
        .iter()
        .for_each(|v| cites.extend(&v.citations));
    fields
        .materials
        .iter()
        .for_each(|v| cites.extend(&v.citations));
    fields
        .recycled_content
        .iter()
        .for_each(|v| cites.extend(&v.citations));
    let mut out = Vec::new();
    for doc in docs {
        let mine: Vec<&&Citation> = cites
            .iter()
            .filter(|c| c.document_id == doc.meta.id)
            .collect();
        if mine.is_empty() {
            continue;
        }
        let chunks = crate::chunk::chunk_document(&doc.text, &doc.pages, doc.sheet.as_ref(), cfg);
        for c in chunks {
            if mine
                .iter()
                .any(|q| q.start < c.span.end && q.end > c.span.start)
            {
                out.push(crate::store::point_id(&doc.meta.id, c.index));
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::is_compound_substance;

    #[test]
    fn a_mass_belongs_to_the_product_named_before_it() {
        use super::ownership_bonus;
        // "CR2330 … 3.8 g … CR2032 … 2.9 g", asking about CR2032 (at 50).
        assert!(ownership_bonus(&[50], &[0], 80) > 0.0);
        assert!(ownership_bonus(&[50], &[0], 20) < 0.0);
        assert_eq!(ownership_bonus(&[], &[], 20), 0.0);
    }

    #[test]
    fn declaration_substances_are_told_from_materials() {
        for s in [
            "Iron oxide",
            "antimony trioxide",
            "carbon black",
            "Silica",
            "aluminium hydroxide",
        ] {
            assert!(is_compound_substance(s), "{s}");
        }
        for m in ["ferrite", "copper", "epoxy resin", "alumina", "tin"] {
            assert!(!is_compound_substance(m), "{m}");
        }
    }
}
