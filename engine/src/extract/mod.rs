//! Field extraction with verified citations.
//!
//! Every source produces the same [`candidate::Candidate`]: the
//! deterministic [`candidate::Source`]s (`declaration`: IPC-1752A trees;
//! `sheet`: spreadsheet columns; `table`: table columns by header, row by
//! row; `rules`: the rules over the text, scoped to the subject's regions)
//! and the language model ([`llm`]). The learned scorer ([`model`]) may
//! re-rank them. Every candidate is then verified ([`verify`]): each quote
//! must be the document text at its span, and the first must state the
//! value. Unverifiable candidates are dropped and counted. The reconciler
//! picks one mass (the best-supported; the others are runners-up) and
//! merges countries, materials and recycled claims across documents into
//! the wire types.

mod candidate;
mod declaration;
pub mod llm;
pub mod model;
mod rules;
mod sheet;
mod table;
pub mod verify;

use candidate::{Candidate, DocContext, Source, Value};

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::document::{Document, IngestStatus};
use crate::library::{Engine, EngineError};
use crate::search::resolve_documents;
use crate::text::{CharIndex, CharRange, fold_key};

pub use attest_rules::{OriginRole, RULES_VERSION, Scope};

/// Version of the extraction pipeline around the rules (reconciler,
/// verifier, sheet and declaration readers).
pub const PIPELINE_VERSION: &str = "extract-3";

/// Which extractors answer a request.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The deterministic extractors, with their own confidences.
    Rules,
    /// The deterministic extractors' candidates, scored by the learned model.
    Model,
    /// The language model alone (falls back to `model` when it fails).
    Llm,
    /// Model-scored candidates and the language model, merged.
    #[default]
    Auto,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Rules => "rules",
            Mode::Model => "model",
            Mode::Llm => "llm",
            Mode::Auto => "auto",
        }
    }

    pub fn parse(s: &str) -> Option<Mode> {
        [Mode::Rules, Mode::Model, Mode::Llm, Mode::Auto]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// The learned scorer and the language model, shared by every request.
#[derive(Debug, Clone, Default)]
pub struct Extractors {
    pub llm: Option<Arc<crate::llm::LlmClient>>,
    pub prompts: Arc<crate::prompts::PromptSet>,
    pub scorer: Option<Arc<attest_scorer::Model>>,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
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

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtractRequest {
    #[serde(default)]
    #[schema(max_length = 200)]
    pub subject: Option<String>,
    #[serde(default)]
    #[schema(max_items = 1000)]
    pub document_ids: Option<Vec<String>>,
    #[serde(default)]
    pub fields: Option<Vec<Field>>,
    /// `rules`, `model`, `llm` or `auto` (the default).
    #[serde(default)]
    pub mode: Option<Mode>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Citation {
    pub document_id: String,
    pub page: u32,
    /// Code point offsets into the document's canonical text.
    pub start: usize,
    pub end: usize,
    pub quote: String,
    /// Where the quote is drawn on its page(s), one box per line (PDFs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub boxes: Vec<crate::document::PageBox>,
    /// The quote was read by OCR from a scanned page.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ocr: bool,
    /// Spreadsheets: the cell quoted (`Sheet1!C14`) and its displayed value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell: Option<crate::document::CellRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MassValue {
    pub grams: f64,
    pub value: f64,
    pub unit: String,
    /// No quote states this mass: it is the sum of the masses the
    /// citations state (a declaration's homogeneous materials, when it
    /// states no total).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub derived: bool,
    pub citations: Vec<Citation>,
    pub confidence: f32,
    pub extractor: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OriginValue {
    pub country: String,
    /// The stages of making the product stated to happen in this country
    /// (`wafer_fab`, `assembly`, `test`, `manufacturing`, `melt`); empty
    /// when the documents name none ("Made in China").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<String>, example = json!(["assembly"]))]
    pub roles: Vec<OriginRole>,
    pub citations: Vec<Citation>,
    pub confidence: f32,
    pub extractor: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MaterialValue {
    pub name: String,
    pub citations: Vec<Citation>,
    pub confidence: f32,
    pub extractor: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RecycledValue {
    /// The material; for a packaging claim "packaging" or "<material>
    /// packaging" ("paper packaging").
    pub material: Option<String>,
    pub percent: f64,
    /// post_consumer, pre_consumer or unspecified.
    pub kind: String,
    /// `product` or `packaging`: what the claim is about.
    #[serde(default)]
    #[schema(value_type = String, example = "product")]
    pub scope: Scope,
    pub citations: Vec<Citation>,
    pub confidence: f32,
    pub extractor: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Fields {
    pub mass: Option<MassValue>,
    pub origin: Vec<OriginValue>,
    pub materials: Vec<MaterialValue>,
    pub recycled_content: Vec<RecycledValue>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DocumentRef {
    pub id: String,
    pub source: String,
    pub sha256: String,
    pub extractor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
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
    /// For single-valued fields (mass), the verified values that ranked
    /// below the one reported, best first.
    #[serde(default)]
    pub runners_up: Vec<RunnerUp>,
    pub notes: Vec<String>,
    /// An extractor the mode asked for did not answer; the values come
    /// from the others (see `notes`).
    #[serde(default)]
    pub degraded: bool,
    /// The language model call, when the mode used one.
    #[serde(default)]
    pub llm: Option<llm::LlmReport>,
}

/// A verified value that was not reported because a better one was.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RunnerUp {
    pub field: Field,
    pub value: String,
    pub confidence: f32,
    pub extractor: String,
    pub citation: Option<Citation>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
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

pub(crate) fn cite(doc: &Document, idx: &CharIndex, bytes: std::ops::Range<usize>) -> Citation {
    let CharRange { start, end } = idx.chars(bytes.clone());
    doc.citation(
        start,
        end,
        doc.text.get(bytes).unwrap_or_default().to_owned(),
    )
}

pub fn cite_chars(doc: &Document, idx: &CharIndex, r: CharRange) -> Citation {
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

/// The deterministic sources, structured readers first: on equal
/// confidence the first wins.
const SOURCES: &[&dyn Source] = &[
    &declaration::Declarations,
    &sheet::Sheets,
    &table::Tables,
    &rules::Rules,
];

/// What the deterministic sources read in one document about one subject.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Reading {
    /// The parts of the text about the subject; `None` when the document
    /// cannot answer without one (a dataset with many rows).
    pub regions: Option<Vec<std::ops::Range<usize>>>,
    pub candidates: Vec<Candidate>,
}

/// The versions a stored reading was made with; another version reads the
/// document again.
pub fn reading_versions() -> String {
    format!("{PIPELINE_VERSION}+{RULES_VERSION}")
}

/// Reads one document with every deterministic source.
fn read_document(doc: &Document, subject: Option<&str>) -> Reading {
    let idx = CharIndex::new(&doc.text);
    let Some(regions) = regions(doc, &idx, subject) else {
        return Reading {
            regions: None,
            candidates: Vec::new(),
        };
    };
    let ctx = DocContext {
        doc,
        idx: &idx,
        regions: &regions,
        subject,
    };
    let mut candidates = Vec::new();
    for source in SOURCES {
        source.candidates(&ctx, &mut candidates);
    }
    Reading {
        regions: Some(regions),
        candidates,
    }
}

/// The reading stored in the catalog for this document version, subject
/// and extractor versions, or a new one, then stored.
fn reading(catalog: &Catalog, doc: &Document, subject: Option<&str>) -> Reading {
    let versions = reading_versions();
    let key = subject.unwrap_or_default();
    if let Some(r) = catalog
        .stored_reading(&doc.meta.id, key, &versions)
        .and_then(|b| serde_json::from_slice::<Reading>(&b).ok())
    {
        return r;
    }
    let r = read_document(doc, subject);
    match serde_json::to_vec(&r) {
        Ok(bytes) => {
            if let Err(e) =
                catalog.store_readings(&doc.meta.id, &versions, &[(key.to_owned(), bytes)])
            {
                tracing::warn!(document = %doc.meta.id, error = %e, "reading not stored");
            }
        }
        Err(e) => tracing::warn!(document = %doc.meta.id, error = %e, "reading not encoded"),
    }
    r
}

/// Recognised subjects read at ingest, besides the document without one.
const READ_AT_INGEST: usize = 8;

/// The readings of a new document version that requests are likely to ask
/// for (without a subject, and each of its first recognised subjects),
/// encoded for [`Catalog::store_readings`] with their versions.
pub fn readings_at_ingest(doc: &Document) -> (String, Vec<(String, Vec<u8>)>) {
    let subjects = std::iter::once(None).chain(
        doc.meta
            .subjects
            .iter()
            .take(READ_AT_INGEST)
            .map(|s| Some(s.as_str())),
    );
    let encoded = subjects
        .filter_map(|s| {
            let bytes = serde_json::to_vec(&read_document(doc, s)).ok()?;
            Some((s.unwrap_or_default().to_owned(), bytes))
        })
        .collect();
    (reading_versions(), encoded)
}

/// Documents of a request and the deterministic extractors' candidates.
struct Gathered {
    docs: Vec<Arc<Document>>,
    generation: u64,
    candidates: Vec<Candidate>,
    notes: Vec<String>,
    /// Each document with the regions about the subject.
    regions: Vec<(Arc<Document>, Vec<std::ops::Range<usize>>)>,
}

async fn gather(
    engine: &Engine,
    tenant: &str,
    req: &ExtractRequest,
) -> Result<Gathered, ExtractError> {
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
    // Documents are immutable snapshots: once read under the guard they
    // stay consistent with `generation` without holding it (so a slow
    // language model never delays publishing).
    let (docs, generation) = {
        let _guard = engine.read_guard().await;
        let generation = engine.catalog.generation();
        // Explicit documents are read whether or not they spell the subject
        // the same way; the subject then narrows rows within them.
        let ids = match &req.document_ids {
            Some(ids) if !ids.is_empty() => ids.clone(),
            _ => resolve_documents(engine, tenant, None, subject).unwrap_or_default(),
        };
        let docs: Vec<Arc<Document>> = ids
            .iter()
            .filter_map(|id| engine.catalog.get(id))
            .filter(|d| d.meta.status == IngestStatus::Ready)
            .collect();
        (docs, generation)
    };
    let subject_owned = subject.map(str::to_owned);
    let docs_for_task = docs.clone();
    let catalog = engine.catalog.clone();
    // Readings are stored per document version; a missing one is CPU work
    // over a whole document: off the async runtime.
    let (candidates, notes, llm_docs) = tokio::task::spawn_blocking(move || {
        let mut c: Vec<Candidate> = Vec::new();
        let mut notes = Vec::new();
        let mut llm_docs = Vec::new();
        for doc in &docs_for_task {
            let r = reading(&catalog, doc, subject_owned.as_deref());
            let Some(regions) = r.regions else {
                notes.push(format!(
                    "{}: a dataset with many rows needs a subject to pick a row",
                    doc.meta.source
                ));
                continue;
            };
            c.extend(r.candidates);
            llm_docs.push((doc.clone(), regions));
        }
        (c, notes, llm_docs)
    })
    .await
    .map_err(|e| EngineError::Internal(format!("extract task: {e}")))?;

    Ok(Gathered {
        docs,
        generation,
        candidates,
        notes,
        regions: llm_docs,
    })
}

/// The deterministic candidates of a request as the learned scorer sees
/// them (the training command labels these against the gold set).
pub async fn observations(
    engine: &Engine,
    tenant: &str,
    req: &ExtractRequest,
) -> Result<Vec<model::Observation>, ExtractError> {
    let g = gather(engine, tenant, req).await?;
    let by_id: BTreeMap<&str, &Document> = g
        .docs
        .iter()
        .map(|d| (d.meta.id.as_str(), d.as_ref()))
        .collect();
    let subject = req
        .subject
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    Ok(model::observe(&g.candidates, &by_id, subject)
        .into_iter()
        .flatten()
        .collect())
}

/// Extracts the four fields for a request with the extractors its mode
/// asks for; see [`Mode`].
#[tracing::instrument(skip(engine, x, req), fields(subject = ?req.subject, mode = ?req.mode))]
pub async fn extract(
    engine: &Engine,
    x: &Extractors,
    tenant: &str,
    request_id: &str,
    req: &ExtractRequest,
) -> Result<ExtractResponse, ExtractError> {
    let mode = req.mode.unwrap_or_default();
    let subject = req
        .subject
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let wanted: Vec<Field> = req.fields.clone().unwrap_or_else(|| ALL_FIELDS.to_vec());
    let Gathered {
        docs,
        generation,
        mut candidates,
        mut notes,
        regions: llm_docs,
    } = gather(engine, tenant, req).await?;
    let by_id: BTreeMap<&str, &Document> = docs
        .iter()
        .map(|d| (d.meta.id.as_str(), d.as_ref()))
        .collect();
    let mut extractors = BTreeMap::new();
    extractors.insert("rules".to_owned(), RULES_VERSION.to_owned());
    extractors.insert("pipeline".to_owned(), PIPELINE_VERSION.to_owned());
    let mut degraded = false;
    if matches!(mode, Mode::Model | Mode::Llm | Mode::Auto) {
        match &x.scorer {
            Some(scorer) => {
                model::rescore(&mut candidates, &by_id, subject, scorer, mode);
                extractors.insert("model".to_owned(), model::describe(scorer));
            }
            None if mode == Mode::Model => {
                degraded = true;
                notes.push("no learned scorer loaded; rule confidences used".into());
            }
            None => {}
        }
    }
    let mut llm_report = None;
    if matches!(mode, Mode::Llm | Mode::Auto) {
        match &x.llm {
            Some(client) => {
                let (found, report) = llm::candidates(
                    client,
                    &x.prompts,
                    llm_docs,
                    subject,
                    engine.config.chunk,
                    client.deadline(),
                )
                .await;
                if let Some(p) = &report.prompt {
                    extractors.insert(
                        "llm".to_owned(),
                        format!("{}/{} on {}", p.id, p.version, client.config().model),
                    );
                }
                match llm::degraded_note(&report) {
                    Some(note) => {
                        degraded = true;
                        notes.push(note);
                    }
                    None if mode == Mode::Llm => candidates = found,
                    None => {
                        let kept = gap_filling(found, &candidates);
                        candidates.extend(kept);
                    }
                }
                llm_report = Some(report);
            }
            None => {
                if mode == Mode::Llm {
                    degraded = true;
                    notes.push(
                        "no language model configured (ATTEST_LLM_BASE_URL); answered from the other extractors"
                            .into(),
                    );
                }
            }
        }
    }
    discount_ocr(&mut candidates);
    let (fields, dropped, runners_up) = verify::reconcile(candidates, &by_id, &wanted);
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
    let mut resp = ExtractResponse {
        subject: req.subject.clone(),
        fields,
        not_found,
        provenance: Provenance {
            request_id: request_id.to_owned(),
            mode: mode.as_str().into(),
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
            dropped_unverified: {
                metrics::counter!("attest_values_dropped_total", "reason" => "unverified")
                    .increment(dropped as u64);
                dropped
            },
            runners_up,
            notes,
            degraded,
            llm: llm_report,
        },
    };
    crate::review::settle(engine, tenant, &mut resp, &wanted);
    Ok(resp)
}

/// Text read by OCR may misread a digit: values cited from it are less
/// certain than the same words read from a text layer.
const OCR_CONFIDENCE: f32 = 0.85;

/// Lowers the confidence of candidates cited from OCR text.
fn discount_ocr(candidates: &mut [Candidate]) {
    for c in candidates
        .iter_mut()
        .filter(|c| c.citations.iter().any(|x| x.ocr))
    {
        c.confidence *= OCR_CONFIDENCE;
    }
}

/// The language model's candidates as `auto` mode takes them beside the
/// deterministic `others`: where those have a confident value for a
/// field, only model values that agree with one of them (raising its
/// confidence) are kept; a field they are silent on takes the model's
/// verified values. A model that cannot help then adds no wrong value to a
/// field the rules answered.
fn gap_filling(mine: Vec<Candidate>, others: &[Candidate]) -> Vec<Candidate> {
    let confident: Vec<&Value> = others
        .iter()
        .filter(|c| c.confidence >= verify::MIN_CONFIDENCE)
        .map(|c| &c.value)
        .collect();
    let agrees = |v: &Value, o: &Value| match (v, o) {
        // Masses agree within 2%, as the reconciler groups them.
        (Value::Mass { grams: a, .. }, Value::Mass { grams: b, .. }) => {
            (a - b).abs() <= 0.02 * a.max(*b)
        }
        _ => v.field() == o.field() && v.key() == o.key(),
    };
    mine.into_iter()
        .filter(|c| {
            let field = c.value.field();
            let answered: Vec<&&Value> = confident.iter().filter(|o| o.field() == field).collect();
            answered.is_empty() || answered.iter().any(|o| agrees(&c.value, o))
        })
        .collect()
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
