//! Questions in plain language, answered with numbered, verified citations.
//!
//! A question about the four fields ("How much does the 1N4148 weigh?",
//! "and where is it made?") is answered from the extraction pipeline in
//! plain sentences, each value followed by its citation marker. Any other
//! question is answered by the language model from retrieved passages when
//! one is configured: it returns claims with quotes, every quote is located
//! in its passage and every number of a claim must be in its quote, or the
//! claim is dropped. Without a language model (or when it fails or nothing
//! it says can be confirmed) the answer is the most relevant passages, each
//! citing its best-matching line. The subject of a follow-up question comes
//! from the conversation when the question does not name one.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::catalog::Catalog;
use crate::document::Document;
use crate::extract::llm::LlmReport;
use crate::extract::verify::{self, citation_matches, numbers_in};
use crate::extract::{
    Citation, DocumentRef, ExtractError, ExtractRequest, ExtractResponse, Extractors, Field, Mode,
    Provenance, extract,
};
use crate::library::{Engine, EngineError};
use crate::llm::JsonRequest;
use crate::search::{SearchHit, SearchRequest, search};
use crate::text::{CharIndex, CharRange, slice_chars};

pub const ANSWER_PROMPT_ID: &str = "answer";
pub const ANSWER_PROMPT_VERSION: &str = "v1";
/// Passages retrieved for a question.
const PASSAGES: usize = 4;
pub const MAX_QUESTION_CHARS: usize = 2_000;
pub const MAX_HISTORY: usize = 40;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    System,
    User,
    Assistant,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Turn {
    pub role: Role,
    pub content: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AskRequest {
    #[schema(min_length = 1, max_length = 2000)]
    pub question: String,
    #[serde(default)]
    #[schema(max_items = 1000)]
    pub document_ids: Option<Vec<String>>,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub subject: Option<String>,
    /// Earlier turns of the conversation, oldest first.
    #[serde(default)]
    pub history: Vec<Turn>,
    /// Extraction mode for questions about the four fields.
    #[serde(default)]
    pub mode: Option<Mode>,
}

/// A numbered citation of an answer: the verified citation and the
/// document's source name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AskCitation {
    pub n: usize,
    pub source: String,
    #[serde(flatten)]
    pub citation: Citation,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AskProvenance {
    pub request_id: String,
    /// `extraction`, `llm` or `passages`: how the answer was composed.
    pub mode: String,
    /// Where the subject came from: `request`, `question`, `conversation`.
    pub subject_from: Option<String>,
    pub fields: Vec<Field>,
    pub documents: Vec<DocumentRef>,
    pub index_generation: u64,
    /// Citations or claims removed because they could not be verified.
    pub dropped_unverified: usize,
    pub degraded: bool,
    pub notes: Vec<String>,
    pub llm: Option<LlmReport>,
    /// The extraction the answer was written from.
    pub extraction: Option<Provenance>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AskResponse {
    pub answer: String,
    pub subject: Option<String>,
    pub citations: Vec<AskCitation>,
    pub provenance: AskProvenance,
}

#[derive(Debug, thiserror::Error)]
pub enum AskError {
    #[error("{0}")]
    BadRequest(String),
    #[error(transparent)]
    Extract(#[from] ExtractError),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// Which of the four fields a question asks about.
pub fn fields_asked(question: &str) -> Vec<Field> {
    let q = question.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| q.contains(w));
    if has(&[
        "tell me about",
        "summary",
        "summarise",
        "summarize",
        "overview",
        "all facts",
        "four facts",
        "what do you know",
    ]) {
        return crate::extract::ALL_FIELDS.to_vec();
    }
    let mut out = Vec::new();
    if has(&["weigh", "mass", "heavy", "重量", "质量", "多重"]) {
        out.push(Field::Mass);
    }
    let materials = has(&[
        "made of",
        "made from",
        "material",
        "composition",
        "composed",
        "contain",
        "consist",
        "材料",
        "材质",
    ]);
    if has(&[
        "where",
        "made in",
        "origin",
        "country",
        "manufactured in",
        "assembled",
        "produced in",
        "产地",
        "哪里",
    ]) || (!materials && has(&["manufactured", "produced"]))
    {
        out.push(Field::Origin);
    }
    if materials {
        out.push(Field::Materials);
    }
    if has(&["recycl", "再生", "回收"]) {
        out.push(Field::RecycledContent);
    }
    out
}

/// The product or part a text names: a subject some document was
/// recognised to be about (longest first), or an identifier-like word
/// (letters and digits) that documents mention.
fn subject_in(catalog: &Catalog, tenant: &str, text: &str) -> Option<String> {
    if let Some(s) = catalog.subjects_named_in(tenant, text).into_iter().next() {
        return Some(s);
    }
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || matches!(c, '?' | ',' | ';' | '!' | '"' | '(' | ')'))
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .collect();
    // "Latitude 5480" before "5480": a name with its number is more specific.
    for (i, w) in words.iter().enumerate() {
        let idish = w.chars().any(|c| c.is_ascii_digit()) && w.chars().count() >= 3;
        if !idish {
            continue;
        }
        if i > 0 && words[i - 1].chars().all(char::is_alphabetic) && words[i - 1].len() > 2 {
            let pair = format!("{} {}", words[i - 1], w);
            if !catalog.find_subject(tenant, &pair).is_empty() {
                return Some(pair);
            }
        }
        if !catalog.find_subject(tenant, w).is_empty() {
            return Some((*w).to_owned());
        }
    }
    None
}

fn weight_text(v: f64) -> String {
    let s = format!("{v:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Numbered citations, each verified against its document; the same span
/// cited twice keeps one number.
#[derive(Default)]
struct Cites {
    list: Vec<AskCitation>,
    dropped: usize,
}

impl Cites {
    fn add(&mut self, engine: &Engine, c: &Citation) -> Option<usize> {
        let doc = engine.catalog.get(&c.document_id)?;
        if !citation_matches(&doc, c) {
            self.dropped += 1;
            return None;
        }
        if let Some(e) = self.list.iter().find(|e| {
            e.citation.document_id == c.document_id
                && e.citation.start == c.start
                && e.citation.end == c.end
        }) {
            return Some(e.n);
        }
        let n = self.list.len() + 1;
        self.list.push(AskCitation {
            n,
            source: doc.meta.source.clone(),
            citation: c.clone(),
        });
        Some(n)
    }

    /// ` [1]`, ` [1][2]`, or `None` when no citation survived.
    fn markers(&mut self, engine: &Engine, cs: &[Citation]) -> Option<String> {
        let ns: Vec<usize> = cs.iter().filter_map(|c| self.add(engine, c)).collect();
        let mut ns = ns;
        ns.dedup();
        (!ns.is_empty()).then(|| ns.iter().map(|n| format!("[{n}]")).collect::<String>())
    }
}

fn join_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [a] => a.clone(),
        [a, b] => format!("{a} and {b}"),
        _ => format!(
            "{} and {}",
            items[..items.len() - 1].join(", "),
            items[items.len() - 1]
        ),
    }
}

/// "The X is made of a [1] and b [2]." or, with no items, "The documents
/// do not state what the X is made of." (`missing` names the subject `{}`).
fn list_sentence(name: &str, items: &[String], verb: &str, missing: &str) -> String {
    if items.is_empty() {
        format!(
            "The documents do not state {}.",
            missing.replace("{}", name)
        )
    } else {
        format!("The {name} {verb} {}.", join_list(items))
    }
}

/// Plain sentences for the extracted fields, each value with its markers.
fn sentences(
    engine: &Engine,
    name: &str,
    fields: &[Field],
    r: &ExtractResponse,
    cites: &mut Cites,
) -> Vec<String> {
    let mut out = Vec::new();
    for f in fields {
        match f {
            Field::Mass => match &r.fields.mass {
                Some(m) => {
                    let grams = if m.unit == "g" {
                        String::new()
                    } else {
                        format!(" ({} g)", weight_text(m.grams))
                    };
                    if let Some(mk) = cites.markers(engine, &m.citations) {
                        out.push(format!(
                            "The {name} weighs {} {}{grams} {mk}.",
                            weight_text(m.value),
                            m.unit
                        ));
                    }
                }
                None => out.push(format!("The documents do not state a mass for the {name}.")),
            },
            Field::Origin => {
                let items: Vec<String> = r
                    .fields
                    .origin
                    .iter()
                    .filter_map(|o| {
                        let country = attest_rules::country::name_of(&o.country)
                            .unwrap_or(o.country.as_str());
                        cites
                            .markers(engine, &o.citations)
                            .map(|mk| format!("{country} {mk}"))
                    })
                    .collect();
                out.push(list_sentence(
                    name,
                    &items,
                    "is made in",
                    "where the {} is made",
                ));
            }
            Field::Materials => {
                let items: Vec<String> = r
                    .fields
                    .materials
                    .iter()
                    .take(10)
                    .filter_map(|m| {
                        cites
                            .markers(engine, &m.citations)
                            .map(|mk| format!("{} {mk}", m.name))
                    })
                    .collect();
                out.push(list_sentence(
                    name,
                    &items,
                    "is made of",
                    "what the {} is made of",
                ));
            }
            Field::RecycledContent => {
                let items: Vec<String> = r
                    .fields
                    .recycled_content
                    .iter()
                    .filter_map(|v| {
                        let pct = weight_text(v.percent);
                        let what = match (&v.material, v.scope) {
                            (Some(m), crate::extract::Scope::Packaging) => {
                                let m = m.trim_end_matches("packaging").trim();
                                if m.is_empty() {
                                    format!("{pct}% recycled content in its packaging")
                                } else {
                                    format!("{pct}% recycled {m} in its packaging")
                                }
                            }
                            (None, crate::extract::Scope::Packaging) => {
                                format!("{pct}% recycled content in its packaging")
                            }
                            (Some(m), _) => format!("{pct}% recycled {m}"),
                            (None, _) => format!("{pct}% recycled content"),
                        };
                        cites
                            .markers(engine, &v.citations)
                            .map(|mk| format!("{what} {mk}"))
                    })
                    .collect();
                out.push(list_sentence(
                    name,
                    &items,
                    "contains",
                    "recycled content for the {}",
                ));
            }
        }
    }
    out
}

/// The line of a passage that shares the most words with the question, as
/// a code point range in the document.
fn best_line(hit: &SearchHit, question: &str) -> Range<usize> {
    let terms: Vec<String> = question
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .filter(|w| {
            !matches!(
                *w,
                "the"
                    | "and"
                    | "what"
                    | "which"
                    | "does"
                    | "how"
                    | "are"
                    | "for"
                    | "with"
                    | "this"
                    | "that"
                    | "its"
                    | "about"
                    | "from"
                    | "have"
                    | "has"
                    | "there"
            )
        })
        .map(str::to_owned)
        .collect();
    let mut best = (0usize, hit.start..hit.end);
    let mut offset = hit.start;
    for line in hit.text.split_inclusive('\n') {
        let len = line.chars().count();
        let trimmed = line.trim_end();
        let lower = trimmed.to_lowercase();
        let score = terms.iter().filter(|t| lower.contains(t.as_str())).count();
        if score > best.0 && !trimmed.trim().is_empty() {
            let lead = trimmed.chars().take_while(|c| c.is_whitespace()).count();
            best = (score, offset + lead..offset + trimmed.chars().count());
        }
        offset += len;
    }
    best.1
}

fn citation_at(doc: &Document, r: Range<usize>) -> Option<Citation> {
    let quote = slice_chars(&doc.text, r.start, r.end)?.to_owned();
    Some(doc.citation(r.start, r.end, quote))
}

/// Answers a question; see the module documentation.
pub async fn ask(
    engine: &Engine,
    x: &Extractors,
    tenant: &str,
    request_id: &str,
    req: &AskRequest,
) -> Result<AskResponse, AskError> {
    let question = req.question.trim();
    if question.is_empty() {
        return Err(AskError::BadRequest("the question is empty".into()));
    }
    if question.chars().count() > MAX_QUESTION_CHARS {
        return Err(AskError::BadRequest(format!(
            "the question is longer than {MAX_QUESTION_CHARS} characters"
        )));
    }
    if req.history.len() > MAX_HISTORY {
        return Err(AskError::BadRequest(format!(
            "at most {MAX_HISTORY} earlier turns"
        )));
    }
    // Subject: given, named in the question, or the latest one named in
    // the conversation.
    // Finding a subject scans document texts: off the async runtime.
    let (catalog, t, q, history) = (
        engine.catalog.clone(),
        tenant.to_owned(),
        question.to_owned(),
        req.history.clone(),
    );
    let (subject, subject_from) = match req.subject.as_deref().map(str::trim) {
        Some(s) if !s.is_empty() => (Some(s.to_owned()), Some("request")),
        _ => tokio::task::spawn_blocking(move || match subject_in(&catalog, &t, &q) {
            Some(s) => (Some(s), Some("question")),
            None => match history
                .iter()
                .rev()
                .filter(|turn| turn.role != Role::System)
                .find_map(|turn| subject_in(&catalog, &t, &turn.content))
            {
                Some(s) => (Some(s), Some("conversation")),
                None => (None, None),
            },
        })
        .await
        .map_err(|e| EngineError::Internal(format!("subject lookup: {e}")))?,
    };
    let fields = fields_asked(question);
    let mut cites = Cites::default();
    let mut notes = Vec::new();
    let has_docs = req.document_ids.as_ref().is_some_and(|d| !d.is_empty());
    if !fields.is_empty() && (subject.is_some() || has_docs) {
        let er = ExtractRequest {
            subject: subject.clone(),
            document_ids: req.document_ids.clone(),
            fields: Some(fields.clone()),
            mode: req.mode,
        };
        let r = extract(engine, x, tenant, request_id, &er).await?;
        let name = subject.clone().unwrap_or_else(|| "product".into());
        let answer = sentences(engine, &name, &fields, &r, &mut cites).join(" ");
        let mut p = r.provenance.clone();
        p.llm = None;
        return Ok(AskResponse {
            answer,
            subject,
            citations: cites.list,
            provenance: AskProvenance {
                request_id: request_id.to_owned(),
                mode: "extraction".into(),
                subject_from: subject_from.map(str::to_owned),
                fields,
                documents: r.provenance.documents.clone(),
                index_generation: r.provenance.index_generation,
                dropped_unverified: cites.dropped + r.provenance.dropped_unverified,
                degraded: r.provenance.degraded,
                notes: r.provenance.notes.clone(),
                llm: r.provenance.llm.clone(),
                extraction: Some(p),
            },
        });
    }
    if !fields.is_empty() {
        notes.push(
            "name the product or part (or pick documents) to get its extracted values".into(),
        );
    }
    let generation = engine.catalog.generation();
    let sreq = SearchRequest {
        query: question.to_owned(),
        document_ids: req.document_ids.clone(),
        subject: subject.clone(),
        limit: PASSAGES,
    };
    let mut hits = search(engine, tenant, &sreq).await?;
    if hits.is_empty() && subject.is_some() {
        // The subject may be spelled differently in the documents.
        hits = search(
            engine,
            tenant,
            &SearchRequest {
                subject: None,
                ..sreq.clone()
            },
        )
        .await?;
    }
    let docs: BTreeMap<String, Arc<Document>> = hits
        .iter()
        .filter_map(|h| {
            engine
                .catalog
                .get(&h.document_id)
                .map(|d| (h.document_id.clone(), d))
        })
        .collect();
    let documents: Vec<DocumentRef> = docs
        .values()
        .map(|d| DocumentRef {
            id: d.meta.id.clone(),
            source: d.meta.source.clone(),
            sha256: d.meta.sha256.clone(),
            extractor: d.meta.extractor.clone(),
        })
        .collect();
    let use_llm = !matches!(req.mode, Some(Mode::Rules) | Some(Mode::Model));
    let mut llm_report = None;
    let mut degraded = false;
    if let (Some(client), true, false) = (&x.llm, use_llm, hits.is_empty()) {
        let (claims, report) =
            llm_claims(client, x, question, subject.as_deref(), &hits, &docs).await;
        if let Some(note) = crate::extract::llm::degraded_note(&report) {
            degraded = true;
            notes.push(note);
        }
        llm_report = Some(report);
        let mut sentences = Vec::new();
        for (text, c) in claims {
            if let Some(mk) = cites.markers(engine, std::slice::from_ref(&c)) {
                let text = text.trim_end_matches(['.', ' ']);
                sentences.push(format!("{text} {mk}."));
            }
        }
        if !sentences.is_empty() {
            return Ok(AskResponse {
                answer: sentences.join(" "),
                subject,
                citations: cites.list,
                provenance: AskProvenance {
                    request_id: request_id.to_owned(),
                    mode: "llm".into(),
                    subject_from: subject_from.map(str::to_owned),
                    fields,
                    documents,
                    index_generation: generation,
                    dropped_unverified: cites.dropped
                        + llm_report
                            .as_ref()
                            .map(|r| r.dropped_unlocated + r.dropped_unsupported)
                            .unwrap_or(0),
                    degraded,
                    notes,
                    llm: llm_report,
                    extraction: None,
                },
            });
        }
        if !degraded {
            notes.push(
                "the language model's answer could not be confirmed in the documents; showing the most relevant passages"
                    .into(),
            );
        }
    }
    let answer = if hits.is_empty() {
        "No document answers this question.".to_owned()
    } else {
        let mut lines = vec!["The most relevant passages:".to_owned()];
        for h in &hits {
            let Some(doc) = docs.get(&h.document_id) else {
                continue;
            };
            let Some(c) = citation_at(doc, best_line(h, question)) else {
                continue;
            };
            if let Some(mk) = cites.markers(engine, std::slice::from_ref(&c)) {
                let q: String = c.quote.split_whitespace().collect::<Vec<_>>().join(" ");
                let short: String = q.chars().take(240).collect();
                let ell = if short.len() < q.len() { "…" } else { "" };
                lines.push(format!(
                    "- “{short}{ell}” {mk} ({}, page {})",
                    doc.meta.source, c.page
                ));
            }
        }
        lines.join("\n")
    };
    Ok(AskResponse {
        answer,
        subject,
        citations: cites.list,
        provenance: AskProvenance {
            request_id: request_id.to_owned(),
            mode: "passages".into(),
            subject_from: subject_from.map(str::to_owned),
            fields,
            documents,
            index_generation: generation,
            dropped_unverified: cites.dropped,
            degraded,
            notes,
            llm: llm_report,
            extraction: None,
        },
    })
}

fn claims_schema() -> Value {
    json!({
        "type": "object",
        "properties": {"claims": {"type": "array", "maxItems": 3, "items": {
            "type": "object",
            "properties": {
                "text": {"type": "string", "maxLength": 300},
                "passage": {"type": "integer"},
                "quote": {"type": "string", "maxLength": 300}
            },
            "required": ["text", "passage", "quote"],
            "additionalProperties": false}}},
        "required": ["claims"],
        "additionalProperties": false
    })
}

/// Asks the language model for claims over the passages and keeps those
/// whose quote is in the cited passage and holds every number the claim
/// states.
async fn llm_claims(
    client: &crate::llm::LlmClient,
    x: &Extractors,
    question: &str,
    subject: Option<&str>,
    hits: &[SearchHit],
    docs: &BTreeMap<String, Arc<Document>>,
) -> (Vec<(String, Citation)>, LlmReport) {
    let mut report = LlmReport {
        params: Some(client.params()),
        ..Default::default()
    };
    let prompt = match x.prompts.get(ANSWER_PROMPT_ID, ANSWER_PROMPT_VERSION) {
        Ok(p) => p,
        Err(e) => {
            report.fail("prompt_missing", e.to_string());
            return (Vec::new(), report);
        }
    };
    report.prompt = Some(prompt.reference());
    let mut passages = String::new();
    let budget = client
        .config()
        .max_prompt_tokens
        .saturating_sub(crate::llm::estimate_tokens(&prompt.system) + 200);
    let mut used = 0usize;
    let mut shown: Vec<&SearchHit> = Vec::new();
    for h in hits {
        let cost = crate::llm::estimate_tokens(&h.text) + 12;
        if used + cost > budget {
            break;
        }
        used += cost;
        shown.push(h);
        passages.push_str(&format!(
            "[{}] ({}, page {})\n{}\n\n",
            shown.len(),
            h.source,
            h.page,
            h.text.trim_end()
        ));
        report.excerpts.push(crate::extract::llm::Excerpt {
            document_id: h.document_id.clone(),
            page: h.page,
            start: h.start,
            end: h.end,
        });
    }
    let vars = BTreeMap::from([
        ("question", question.to_owned()),
        ("subject", subject.unwrap_or("(not named)").to_owned()),
        ("passages", passages.trim_end().to_owned()),
    ]);
    let rendered = match prompt.render(&vars) {
        Ok(r) => r,
        Err(e) => {
            report.fail("prompt_invalid", e.to_string());
            return (Vec::new(), report);
        }
    };
    let answer = match client
        .complete_json(
            &JsonRequest {
                system: rendered.system,
                user: rendered.user,
                schema_name: "grounded_answer".into(),
                schema: claims_schema(),
            },
            client.deadline(),
        )
        .await
    {
        Ok(a) => a,
        Err(e) => {
            report.fail(e.code(), e.to_string());
            return (Vec::new(), report);
        }
    };
    report.record(&answer);
    let mut out = Vec::new();
    for claim in answer.value["claims"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        report.proposed += 1;
        let text = claim["text"].as_str().unwrap_or("").trim().to_owned();
        let quote = claim["quote"].as_str().unwrap_or("");
        let passage = claim["passage"]
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| shown.get(i));
        let Some((h, doc)) = passage.and_then(|h| docs.get(&h.document_id).map(|d| (h, d))) else {
            report.dropped_unlocated += 1;
            continue;
        };
        let Some(l) = verify::locate(&doc.text, quote, std::slice::from_ref(&(h.start..h.end)))
        else {
            report.dropped_unlocated += 1;
            continue;
        };
        let kind = format!("{:?}", l.kind).to_lowercase();
        *report.located.entry(kind).or_default() += 1;
        let idx = CharIndex::new(&doc.text);
        let c = crate::extract::cite_chars(
            doc,
            &idx,
            CharRange {
                start: l.start,
                end: l.end,
            },
        );
        let quoted = numbers_in(&c.quote);
        let numbers_ok = numbers_in(&text).iter().all(|n| {
            quoted
                .iter()
                .any(|q| (q - n).abs() <= 1e-9 * n.abs().max(1.0))
        });
        if text.is_empty() || !numbers_ok || verify::looks_like_instruction(&c.quote) {
            report.dropped_unsupported += 1;
            continue;
        }
        out.push((text, c));
    }
    (out, report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_are_mapped_to_fields() {
        assert_eq!(
            fields_asked("How much does the 1N4148 weigh?"),
            vec![Field::Mass]
        );
        assert_eq!(fields_asked("and where is it made?"), vec![Field::Origin]);
        assert_eq!(fields_asked("What is it made of?"), vec![Field::Materials]);
        assert_eq!(
            fields_asked("How much recycled plastic is in the Chromecast?"),
            vec![Field::RecycledContent]
        );
        assert_eq!(fields_asked("Tell me about the G5V-1").len(), 4);
        assert!(fields_asked("What is the maximum operating temperature?").is_empty());
    }

    #[test]
    fn weights_print_without_trailing_zeros() {
        assert_eq!(weight_text(0.105), "0.105");
        assert_eq!(weight_text(2.0), "2");
        assert_eq!(weight_text(13230.0), "13230");
    }

    #[test]
    fn lists_read_as_english() {
        let v = |s: &[&str]| s.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        assert_eq!(join_list(&v(&["a"])), "a");
        assert_eq!(join_list(&v(&["a", "b"])), "a and b");
        assert_eq!(join_list(&v(&["a", "b", "c"])), "a, b and c");
    }
}
