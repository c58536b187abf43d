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
pub mod llm;
pub mod model;
mod sheet;
mod table;
pub mod verify;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::document::{Document, DocumentKind, IngestStatus};
use crate::ingest::{Engine, EngineError};
use crate::search::resolve_documents;
use crate::text::{CharIndex, CharRange, fold_key};

pub use attest_rules::{RULES_VERSION, Scope};

/// Version of the extraction pipeline around the rules (reconciler,
/// verifier, sheet and declaration readers).
pub const PIPELINE_VERSION: &str = "extract-3";

/// Which extractors answer a request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
    /// `rules`, `model`, `llm` or `auto` (the default).
    #[serde(default)]
    pub mode: Option<Mode>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// The material; for a packaging claim "packaging" or "<material>
    /// packaging" ("paper packaging").
    pub material: Option<String>,
    pub percent: f64,
    /// post_consumer, pre_consumer or unspecified.
    pub kind: String,
    /// `product` or `packaging`: what the claim is about.
    #[serde(default)]
    pub scope: Scope,
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunnerUp {
    pub field: Field,
    pub value: String,
    pub confidence: f32,
    pub extractor: String,
    pub citation: Option<Citation>,
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

/// A recycled-content claim before reconciliation: material, percent,
/// kind (`post_consumer`…) and scope.
pub(crate) type RecycledClaim = (Option<String>, f64, String, Scope);

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
    pub recycled: Vec<Candidate<RecycledClaim>>,
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

fn rules_candidates(
    doc: &Document,
    idx: &CharIndex,
    regions: &[std::ops::Range<usize>],
    subject: Option<&str>,
    out: &mut Candidates,
) {
    let f = attest_rules::extract(&doc.text, regions);
    let ex = |rule: &str| format!("rules:{rule}");
    let owners = Owners::new(doc, idx, subject);
    for m in f.mass {
        out.mass.push(Candidate {
            value: (m.grams, m.value, m.unit.clone()),
            citations: vec![cite(doc, idx, m.evidence.start..m.evidence.end)],
            confidence: owners.adjust(m.confidence, m.evidence.start, true),
            extractor: ex(m.rule),
        });
    }
    for o in f.origin {
        out.origin.push(Candidate {
            value: o.country.clone(),
            citations: vec![cite(doc, idx, o.evidence.start..o.evidence.end)],
            confidence: owners.adjust(o.confidence, o.evidence.start, false),
            extractor: ex(o.rule),
        });
    }
    let declaration = doc.meta.kind == Some(DocumentKind::Declaration);
    // A declaration lists its homogeneous materials, then the substances in
    // them with their CAS numbers: a name first seen in the substance part
    // is a substance (chromium in a nickel silver), not a material.
    let substances_from = if declaration {
        first_cas_number(&doc.text)
    } else {
        None
    };
    let named_before: std::collections::HashSet<String> = f
        .materials
        .iter()
        .filter(|m| substances_from.is_some_and(|s| m.evidence.start < s))
        .map(|m| m.name.clone())
        .collect();
    // Only where the materials do come first (a flattened page may print
    // the substance columns' header before them).
    let substances_from = substances_from.filter(|_| named_before.len() >= 2);
    for m in f.materials {
        if declaration && is_compound_substance(&m.name) {
            continue;
        }
        if substances_from.is_some_and(|s| m.evidence.start >= s) && !named_before.contains(&m.name)
        {
            continue;
        }
        out.materials.push(Candidate {
            value: m.name.clone(),
            citations: vec![cite(doc, idx, m.evidence.start..m.evidence.end)],
            confidence: owners.adjust(m.confidence, m.evidence.start, false),
            extractor: ex(m.rule),
        });
    }
    for r in f.recycled {
        let kind = serde_json::to_value(r.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| "unspecified".into());
        out.recycled.push(Candidate {
            value: (r.material.clone(), r.percent, kind, r.scope),
            citations: vec![cite(doc, idx, r.evidence.start..r.evidence.end)],
            confidence: owners.adjust(r.confidence, r.evidence.start, false),
            extractor: ex(r.rule),
        });
    }
}

/// Byte offset of the first CAS registry number (its check digit right)
/// in a text: where a declaration's substance list starts.
fn first_cas_number(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit()
            || (i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'-'))
        {
            i += 1;
            continue;
        }
        let start = i;
        let run = |from: usize| {
            (from..b.len())
                .take_while(|&k| b[k].is_ascii_digit())
                .count()
        };
        let a = run(start);
        let (dash1, c) = (start + a, start + a + 1);
        let b2 = if b.get(dash1) == Some(&b'-') {
            run(c)
        } else {
            0
        };
        let (dash2, d) = (c + b2, c + b2 + 1);
        let ok_shape = (2..=7).contains(&a)
            && b2 == 2
            && b.get(dash2) == Some(&b'-')
            && run(d) == 1
            && !b
                .get(d + 1)
                .is_some_and(|x| x.is_ascii_alphanumeric() || *x == b'-');
        if ok_shape {
            let digits: Vec<u32> = text[start..d]
                .bytes()
                .filter(u8::is_ascii_digit)
                .map(|x| u32::from(x - b'0'))
                .collect();
            let check = u32::from(b[d] - b'0');
            let sum: u32 = digits
                .iter()
                .rev()
                .enumerate()
                .map(|(k, v)| (k as u32 + 1) * v)
                .sum();
            if sum % 10 == check {
                return Some(start);
            }
        }
        i = start + a.max(1);
    }
    None
}

/// Where the requested subject is written, and where the document's other
/// products are (only when the subject is one of several), in bytes.
pub(crate) fn subject_mentions(doc: &Document, subject: Option<&str>) -> (Vec<usize>, Vec<usize>) {
    let requested = subject
        .map(|s| mentions_of(&doc.text, s))
        .unwrap_or_default();
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
    (requested, others)
}

/// Byte offsets where the subject is written (case-insensitive).
fn mentions_of(text: &str, subject: &str) -> Vec<usize> {
    let needle = subject.trim().to_ascii_lowercase();
    if needle.chars().count() < 3 {
        return Vec::new();
    }
    // ASCII case folding keeps every byte offset (full Unicode lower-casing
    // can change lengths: "Ω" → "ω").
    let hay = text.to_ascii_lowercase();
    hay.match_indices(&needle).map(|(i, _)| i).collect()
}

/// Who a claim at a byte offset belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    Requested,
    Other,
    Unknown,
}

/// Regions of a document by subject. A document about several products (a
/// series datasheet, a report on three monitors, a letter followed by
/// another company's certificate) states each product's facts after its
/// name; a table row belongs to the part number written in it. A claim in a
/// table row belongs to that row's part; elsewhere, to the subject named
/// last before it (outside table rows).
struct Owners {
    requested: Vec<usize>,
    others: Vec<usize>,
    /// Byte ranges of table rows.
    rows: Vec<std::ops::Range<usize>>,
}

impl Owners {
    fn new(doc: &Document, idx: &CharIndex, subject: Option<&str>) -> Self {
        let (requested, _) = subject_mentions(doc, subject);
        // Other products are known by part numbers (one token of letters
        // and digits): detected names such as "Note 1" start no region.
        let part_like = |s: &str| {
            s.chars().count() >= 4
                && !s.contains(char::is_whitespace)
                && s.chars().any(|c| c.is_ascii_digit())
                && s.chars().any(char::is_alphabetic)
        };
        // "R1A-R1M" names the series R1K belongs to, not another product.
        let series_of_requested = |o: &str| {
            let Some(req) = subject.map(fold_key) else {
                return false;
            };
            let parts: Vec<String> = o
                .split(['-', '–', '~'])
                .map(fold_key)
                .filter(|p| !p.is_empty())
                .collect();
            parts.len() == 2 && {
                let common = parts[0]
                    .chars()
                    .zip(parts[1].chars())
                    .take_while(|(a, b)| a == b)
                    .count();
                common >= 2
                    && req.starts_with(
                        &parts[0][..parts[0]
                            .char_indices()
                            .nth(common)
                            .map_or(parts[0].len(), |(i, _)| i)],
                    )
            }
        };
        let others: Vec<usize> = match subject {
            Some(s) if !requested.is_empty() => {
                let key = fold_key(s);
                doc.meta
                    .subjects
                    .iter()
                    .filter(|o| part_like(o) && !series_of_requested(o))
                    .filter(|o| {
                        let k = fold_key(o);
                        !k.contains(&key) && !key.contains(&k)
                    })
                    .flat_map(|o| mentions_of(&doc.text, o))
                    .collect()
            }
            _ => Vec::new(),
        };
        // Outside tables a region starts where a line starts with a
        // product's name (a heading, a title, a column of its own), not
        // where a sentence mentions another part in passing.
        let text = &doc.text;
        let starts_line = |&m: &usize| {
            let line_start = text[..m].rfind('\n').map_or(0, |i| i + 1);
            let line_end = text[m..].find('\n').map_or(text.len(), |i| m + i);
            text[line_start..m]
                .chars()
                .all(|c| c.is_whitespace() || "•-*·▪".contains(c))
                && text[line_start..line_end].split_whitespace().count() <= 8
        };
        let mut rows: Vec<std::ops::Range<usize>> = doc
            .tables
            .iter()
            .flat_map(|t| t.rows.iter().map(|r| idx.bytes(r.span)))
            .collect();
        rows.sort_by_key(|r| r.start);
        let in_row = |m: &usize| rows.iter().any(|r| r.contains(m));
        // A line or row naming several products ("6A05 thru 6A10", a list of
        // variants) speaks of them all: it starts no one's region.
        let line_of = |m: usize| {
            (
                text[..m].rfind('\n').map_or(0, |i| i + 1),
                text[m..].find('\n').map_or(text.len(), |i| m + i),
            )
        };
        let all: Vec<usize> = requested.iter().chain(others.iter()).copied().collect();
        let alone = |m: &usize| {
            let (a, b) = line_of(*m);
            all.iter().filter(|&&o| o >= a && o < b).count() == 1
        };
        let keep = |v: Vec<usize>| -> Vec<usize> {
            v.into_iter()
                .filter(|m| (in_row(m) || starts_line(m)) && alone(m))
                .collect()
        };
        Self {
            requested: keep(requested),
            others: keep(others),
            rows,
        }
    }

    fn row_of(&self, at: usize) -> Option<&std::ops::Range<usize>> {
        let i = self.rows.partition_point(|r| r.end <= at);
        self.rows.get(i).filter(|r| r.start <= at)
    }

    fn of(&self, at: usize) -> Owner {
        if let Some(row) = self.row_of(at) {
            let within = |v: &[usize]| v.iter().any(|&m| row.contains(&m));
            if within(&self.requested) {
                return Owner::Requested;
            }
            if within(&self.others) {
                return Owner::Other;
            }
        }
        let outside = |v: &[usize]| {
            v.iter()
                .copied()
                .filter(|&m| m <= at && self.row_of(m).is_none())
                .max()
        };
        match (outside(&self.requested), outside(&self.others)) {
            (Some(r), Some(o)) if o > r => Owner::Other,
            (Some(_), _) => Owner::Requested,
            (None, Some(_)) => Owner::Other,
            (None, None) => Owner::Unknown,
        }
    }

    /// The confidence of a claim at `at` given who owns it: another
    /// product's claim, in a document that also speaks of the requested
    /// one, is halved (below the reporting threshold); a mass gains or loses
    /// a little by ownership, since the first of several masses is not
    /// necessarily the requested product's.
    fn adjust(&self, confidence: f32, at: usize, mass: bool) -> f32 {
        let owner = self.of(at);
        let mut c = confidence;
        if mass {
            c += match owner {
                Owner::Requested => 0.1,
                Owner::Other => -0.1,
                Owner::Unknown => 0.0,
            };
        }
        if owner == Owner::Other && !self.requested.is_empty() {
            c *= 0.5;
        }
        c.clamp(0.0, 1.0)
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

/// Documents of a request and the deterministic extractors' candidates.
struct Gathered {
    docs: Vec<Arc<Document>>,
    generation: u64,
    candidates: Candidates,
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
    // Rules are CPU work over whole documents: off the async runtime.
    let (candidates, notes, llm_docs) = tokio::task::spawn_blocking(move || {
        let mut c = Candidates::default();
        let mut notes = Vec::new();
        let mut llm_docs = Vec::new();
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
            table::candidates(doc, &idx, subject_owned.as_deref(), &regions, &mut c);
            rules_candidates(doc, &idx, &regions, subject_owned.as_deref(), &mut c);
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
                    None => candidates.extend(found),
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
    candidates.discount_ocr();
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
    Ok(ExtractResponse {
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
            dropped_unverified: dropped,
            runners_up,
            notes,
            degraded,
            llm: llm_report,
        },
    })
}

/// Text read by OCR may misread a digit: values cited from it are less
/// certain than the same words read from a text layer.
const OCR_CONFIDENCE: f32 = 0.85;

impl Candidates {
    /// Lowers the confidence of candidates cited from OCR text.
    fn discount_ocr(&mut self) {
        fn each<V>(v: &mut [Candidate<V>]) {
            for c in v.iter_mut().filter(|c| c.citations.iter().any(|x| x.ocr)) {
                c.confidence *= OCR_CONFIDENCE;
            }
        }
        each(&mut self.mass);
        each(&mut self.origin);
        each(&mut self.materials);
        each(&mut self.recycled);
    }

    pub(crate) fn extend(&mut self, other: Candidates) {
        self.mass.extend(other.mass);
        self.origin.extend(other.origin);
        self.materials.extend(other.materials);
        self.recycled.extend(other.recycled);
    }
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
    fn cas_numbers_are_found_by_their_check_digit() {
        use super::first_cas_number;
        assert_eq!(
            first_cas_number("Dated 2020-10-9; Copper 7440-50-8"),
            Some(24)
        );
        assert_eq!(first_cas_number("Iron 7439-89-5 (bad check digit)"), None);
        assert_eq!(first_cas_number("part AB7440-50-8"), None);
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
