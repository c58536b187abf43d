//! The language-model extractor.
//!
//! The model reads the excerpts most likely to hold the four facts (chosen
//! deterministically: chunks that mention field cues and the subject, within
//! the prompt's token budget) and answers JSON that follows a schema, each
//! value with a quote. Nothing it says is trusted: every quote is located
//! in the document ([`verify::locate`]) inside the excerpts it was shown,
//! the located text (not the model's quote) becomes the citation, and the
//! value must be supported by that text. Text that reads like an
//! instruction is never evidence. Whatever fails is dropped and counted.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::verify::{self, MatchKind};
use super::{Candidate, Candidates, Citation, Field};
use crate::chunk::{ChunkConfig, chunk_document};
use crate::document::Document;
use crate::llm::{CallParams, JsonRequest, LlmClient, estimate_tokens};
use crate::prompts::{PromptRef, PromptSet};
use crate::text::{CharIndex, CharRange, slice_chars};

pub const PROMPT_ID: &str = "extract_fields";
pub const PROMPT_VERSION: &str = "v1";
/// Confidence of a verified value located exactly or after normalisation.
pub const LLM_CONFIDENCE: f32 = 0.7;
/// Confidence of a verified value whose quote was only matched fuzzily.
pub const LLM_FUZZY_CONFIDENCE: f32 = 0.6;
/// Most of the raw answer kept in provenance.
const RAW_KEEP_CHARS: usize = 8_000;

/// One excerpt shown to the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Excerpt {
    pub document_id: String,
    pub page: u32,
    pub start: usize,
    pub end: usize,
}

/// What the language model was asked, what it answered and what survived
/// verification; enough to re-run and re-check the call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LlmReport {
    pub prompt: Option<PromptRef>,
    pub params: Option<CallParams>,
    /// `ok`, or the failure code (`timeout`, `rate_limited`, `malformed`, ...).
    pub outcome: String,
    pub error: Option<String>,
    pub attempts: u32,
    pub latency_ms: u64,
    /// Served from the answer cache.
    #[serde(default)]
    pub cached: bool,
    pub prompt_tokens: Option<u32>,
    pub completion_tokens: Option<u32>,
    pub excerpts: Vec<Excerpt>,
    pub proposed: usize,
    /// Located quotes by match kind (`exact`, `normalised`, `fuzzy`).
    pub located: BTreeMap<String, usize>,
    /// Values whose quote is not in the excerpts.
    pub dropped_unlocated: usize,
    /// Values whose located text does not contain them, or is an instruction.
    pub dropped_unsupported: usize,
    /// The answer as received (truncated), so verification can be re-run.
    pub response: Option<String>,
    /// What happened to each proposed value's quote.
    #[serde(default)]
    pub quotes: Vec<QuoteCheck>,
}

/// One proposed value's quote and its fate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuoteCheck {
    pub field: Field,
    pub quote: String,
    /// How it was located; `None` when it was not.
    pub matched: Option<MatchKind>,
    /// Edits per character to the closest passage in the excerpts.
    pub edit_rate: Option<f64>,
    /// `reported`, `unlocated` or `unsupported`.
    pub outcome: String,
}

impl LlmReport {
    /// Records a successful call.
    pub(crate) fn record(&mut self, answer: &crate::llm::JsonAnswer) {
        self.outcome = "ok".into();
        self.attempts = answer.attempts;
        self.latency_ms = answer.latency_ms;
        self.cached = answer.cached;
        self.prompt_tokens = answer.prompt_tokens;
        self.completion_tokens = answer.completion_tokens;
        self.response = Some(answer.raw.chars().take(RAW_KEEP_CHARS).collect());
    }

    /// Records a failure.
    pub(crate) fn fail(&mut self, code: &str, error: String) {
        self.outcome = code.into();
        self.error = Some(error);
    }
}

/// The JSON schema the model's answer must follow.
pub fn answer_schema() -> Value {
    // Bounded lists and quotes keep the answer inside the output budget.
    let quote = json!({"type": "string", "maxLength": 160});
    let list = |props: Value, required: Value, max: u32| {
        json!({"type": "array", "maxItems": max, "items": {
            "type": "object", "properties": props, "required": required,
            "additionalProperties": false}})
    };
    json!({
        "type": "object",
        "properties": {
            "mass": list(json!({"value": {"type": "number"}, "unit": {"type": "string", "maxLength": 12}, "quote": quote}),
                         json!(["value", "unit", "quote"]), 2),
            "origin": list(json!({"country": {"type": "string", "maxLength": 60}, "quote": quote}),
                           json!(["country", "quote"]), 2),
            "materials": list(json!({"name": {"type": "string", "maxLength": 60}, "quote": quote}),
                              json!(["name", "quote"]), 5),
            "recycled_content": list(json!({"percent": {"type": "number"}, "material": {"type": "string", "maxLength": 60}, "quote": quote}),
                                     json!(["percent", "material", "quote"]), 3),
        },
        "required": ["mass", "origin", "materials", "recycled_content"],
        "additionalProperties": false
    })
}

const CUES: &[&str] = &[
    "weight",
    "mass",
    "重量",
    "质量",
    "gram",
    " g ",
    " kg",
    " mg",
    "made in",
    "origin",
    "country",
    "assembl",
    "manufactur",
    "material",
    "recycl",
    "再生",
    "产地",
    "housing",
    "plating",
    "lead frame",
    "copper",
    "alumin",
    "plastic",
    "steel",
    "epoxy",
];

/// Excerpts for the prompt: the chunks inside `regions` ranked by cue and
/// subject mentions, kept within `budget` tokens, in document order.
pub(crate) fn select_excerpts(
    docs: &[(Arc<Document>, Vec<Range<usize>>)],
    subject: Option<&str>,
    cfg: ChunkConfig,
    budget: usize,
) -> Vec<(usize, crate::chunk::Chunk)> {
    let subject = subject.map(str::to_lowercase);
    let mut scored: Vec<(f32, usize, crate::chunk::Chunk)> = Vec::new();
    for (di, (doc, regions)) in docs.iter().enumerate() {
        let idx = CharIndex::new(&doc.text);
        for c in chunk_document(&doc.text, &doc.pages, doc.sheet.as_ref(), cfg) {
            let b = idx.bytes(c.span);
            if !regions.iter().any(|r| r.start < b.end && b.start < r.end) {
                continue;
            }
            let t = c.text.to_lowercase();
            let cues = CUES.iter().filter(|k| t.contains(*k)).count() as f32;
            let subj = subject
                .as_deref()
                .map(|s| t.matches(s).count().min(3) as f32)
                .unwrap_or(0.0);
            let numbers = t.chars().any(|ch| ch.is_ascii_digit()) as u8 as f32;
            // Earlier chunks break ties: titles and summaries come first.
            let early = 1.0 / (1.0 + c.index as f32);
            scored.push((cues + 2.0 * subj + numbers + early, di, c));
        }
    }
    scored.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then(a.1.cmp(&b.1))
            .then(a.2.index.cmp(&b.2.index))
    });
    let mut used = 0usize;
    let mut chosen: Vec<(usize, crate::chunk::Chunk)> = Vec::new();
    for (score, di, c) in scored {
        if score < 1.0 {
            continue;
        }
        let cost = estimate_tokens(&c.text) + 12;
        if used + cost > budget {
            continue;
        }
        used += cost;
        chosen.push((di, c));
    }
    chosen.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.index.cmp(&b.1.index)));
    chosen
}

/// Runs the model over the documents and returns verified candidates.
pub(crate) async fn candidates(
    client: &LlmClient,
    prompts: &PromptSet,
    docs: Vec<(Arc<Document>, Vec<Range<usize>>)>,
    subject: Option<&str>,
    cfg: ChunkConfig,
    deadline: Instant,
) -> (Candidates, LlmReport) {
    let mut report = LlmReport {
        params: Some(client.params()),
        ..Default::default()
    };
    let prompt = match prompts.get(PROMPT_ID, PROMPT_VERSION) {
        Ok(p) => p,
        Err(e) => {
            report.fail("prompt_missing", e.to_string());
            return (Candidates::default(), report);
        }
    };
    report.prompt = Some(prompt.reference());
    let subject_text = subject.unwrap_or("(the product the excerpts describe)");
    let overhead = estimate_tokens(&prompt.system) + estimate_tokens(&prompt.user) + 40;
    let budget = client.config().max_prompt_tokens.saturating_sub(overhead);
    let docs_for_select = docs.clone();
    let subject_owned = subject.map(str::to_owned);
    let chosen = tokio::task::spawn_blocking(move || {
        select_excerpts(&docs_for_select, subject_owned.as_deref(), cfg, budget)
    })
    .await
    .unwrap_or_default();
    if chosen.is_empty() {
        report.outcome = "no_context".into();
        return (Candidates::default(), report);
    }
    // The excerpt headers are estimated with the text; if the rendered
    // prompt still exceeds the budget, the last excerpts go.
    let mut chosen = chosen;
    let (rendered, windows) = loop {
        let mut context = String::new();
        let mut windows: Vec<Vec<Range<usize>>> = vec![Vec::new(); docs.len()];
        report.excerpts.clear();
        for (n, (di, c)) in chosen.iter().enumerate() {
            let doc = &docs[*di].0;
            context.push_str(&format!(
                "[excerpt {} | {} | page {}]\n{}\n\n",
                n + 1,
                doc.meta.source,
                c.page,
                c.text.trim_end()
            ));
            windows[*di].push(c.span.start..c.span.end);
            report.excerpts.push(Excerpt {
                document_id: doc.meta.id.clone(),
                page: c.page,
                start: c.span.start,
                end: c.span.end,
            });
        }
        let vars = BTreeMap::from([
            ("subject", subject_text.to_owned()),
            ("context", context.trim_end().to_owned()),
        ]);
        let rendered = match prompt.render(&vars) {
            Ok(r) => r,
            Err(e) => {
                report.fail("prompt_invalid", e.to_string());
                return (Candidates::default(), report);
            }
        };
        let size = estimate_tokens(&rendered.system) + estimate_tokens(&rendered.user);
        if size <= client.config().max_prompt_tokens || chosen.len() <= 1 {
            break (rendered, windows);
        }
        chosen.pop();
    };
    let request = JsonRequest {
        system: rendered.system,
        user: rendered.user,
        schema_name: "extracted_fields".into(),
        schema: answer_schema(),
    };
    let answer = match client.complete_json(&request, deadline).await {
        Ok(a) => a,
        Err(e) => {
            report.fail(e.code(), e.to_string());
            return (Candidates::default(), report);
        }
    };
    report.record(&answer);
    let cands = verify_answer(&answer.value, &docs, &windows, &mut report);
    (cands, report)
}

/// Re-checks a model answer against the documents: the part of the
/// extractor that decides what is reported, kept pure so that a recorded
/// answer can be verified again from provenance.
pub(crate) fn verify_answer(
    answer: &Value,
    docs: &[(Arc<Document>, Vec<Range<usize>>)],
    windows: &[Vec<Range<usize>>],
    report: &mut LlmReport,
) -> Candidates {
    let mut out = Candidates::default();
    let extractor = format!("llm:{PROMPT_ID}/{PROMPT_VERSION}");
    let items = |k: &str| {
        answer
            .get(k)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let str_of = |v: &Value, k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .unwrap_or("")
            .to_owned()
    };
    let num_of = |v: &Value, k: &str| v.get(k).and_then(Value::as_f64);
    for (field, key) in [
        (Field::Mass, "mass"),
        (Field::Origin, "origin"),
        (Field::Materials, "materials"),
        (Field::RecycledContent, "recycled_content"),
    ] {
        for item in items(key) {
            report.proposed += 1;
            let quote = str_of(&item, "quote");
            let closest = docs
                .iter()
                .zip(windows)
                .filter_map(|((d, _), w)| verify::closest(&d.text, &quote, w))
                .map(|(_, rate)| rate)
                .min_by(f64::total_cmp);
            let mut check = QuoteCheck {
                field,
                quote: quote.chars().take(160).collect(),
                matched: None,
                edit_rate: closest,
                outcome: "unlocated".into(),
            };
            let Some((doc, located)) = docs.iter().zip(windows).find_map(|((d, _), w)| {
                (!w.is_empty())
                    .then(|| verify::locate(&d.text, &quote, w))
                    .flatten()
                    .map(|l| (d, l))
            }) else {
                report.dropped_unlocated += 1;
                report.quotes.push(check);
                continue;
            };
            check.matched = Some(located.kind);
            check.outcome = "unsupported".into();
            let kind = match located.kind {
                MatchKind::Exact => "exact",
                MatchKind::Normalised => "normalised",
                MatchKind::Fuzzy => "fuzzy",
            };
            *report.located.entry(kind.to_owned()).or_default() += 1;
            let idx = CharIndex::new(&doc.text);
            let citation: Citation = super::cite_chars(
                doc,
                &idx,
                CharRange {
                    start: located.start,
                    end: located.end,
                },
            );
            let text = citation.quote.as_str();
            let confidence = if located.kind == MatchKind::Fuzzy {
                LLM_FUZZY_CONFIDENCE
            } else {
                LLM_CONFIDENCE
            };
            // The whole line(s) around the quote: an instruction cannot
            // hide behind a short quote taken out of it.
            let line = enclosing_lines(&doc.text, located.start, located.end);
            if verify::looks_like_instruction(&line) {
                report.dropped_unsupported += 1;
                report.quotes.push(check);
                continue;
            }
            let ok = match field {
                Field::Mass => {
                    let (value, unit) = (num_of(&item, "value"), str_of(&item, "unit"));
                    match value.zip(attest_rules::units::to_grams(value.unwrap_or(0.0), &unit)) {
                        Some((v, grams))
                            if grams > 0.0
                                && verify::quote_has_number(text, v)
                                && text.to_lowercase().contains(&unit.to_lowercase()) =>
                        {
                            out.mass.push(Candidate {
                                value: (grams, v, unit.clone()),
                                citations: vec![citation.clone()],
                                confidence,
                                extractor: extractor.clone(),
                            });
                            true
                        }
                        _ => false,
                    }
                }
                Field::Origin => {
                    let name = str_of(&item, "country");
                    // The line must say it is an origin: a country in an
                    // address or a standard's name is not one.
                    let stated = ORIGIN_CUES.iter().any(|c| line.to_lowercase().contains(c));
                    match attest_rules::country::to_alpha2(&name) {
                        Some(code) if stated && verify::country_supported(text, code) => {
                            out.origin.push(Candidate {
                                value: code.to_owned(),
                                citations: vec![citation.clone()],
                                confidence,
                                extractor: extractor.clone(),
                            });
                            true
                        }
                        _ => false,
                    }
                }
                Field::Materials => {
                    // Only names the materials vocabulary knows: a model
                    // copying a heading ("Application") is not a material.
                    let name = attest_rules::vocab::canonical(&str_of(&item, "name"))
                        .unwrap_or_default()
                        .to_owned();
                    let packaging = attest_rules::vocab::PACKAGING
                        .iter()
                        .any(|w| line.to_lowercase().contains(w));
                    if !name.is_empty() && !packaging && verify::material_supported(text, &name) {
                        out.materials.push(Candidate {
                            value: name,
                            citations: vec![citation.clone()],
                            confidence,
                            extractor: extractor.clone(),
                        });
                        true
                    } else {
                        false
                    }
                }
                Field::RecycledContent => {
                    let pct = num_of(&item, "percent");
                    let given = str_of(&item, "material");
                    // The material as the vocabulary names it ("post-consumer
                    // recycled plastic" → "plastic"); a name it does not
                    // know is not reported under another.
                    let material = material_named(&given);
                    let lower = text.to_lowercase();
                    let packaging = attest_rules::vocab::PACKAGING
                        .iter()
                        .any(|w| line.to_lowercase().contains(w));
                    match pct {
                        Some(p)
                            if p > 0.0
                                && p <= 100.0
                                && (given.is_empty() || material.is_some())
                                && !packaging
                                && verify::quote_has_number(text, p)
                                && (lower.contains("recycl")
                                    || text.contains("再生")
                                    || text.contains("回收")) =>
                        {
                            out.recycled.push(Candidate {
                                value: (
                                    material,
                                    p,
                                    "unspecified".into(),
                                    crate::extract::Scope::Product,
                                ),
                                citations: vec![citation.clone()],
                                confidence,
                                extractor: extractor.clone(),
                            });
                            true
                        }
                        _ => false,
                    }
                }
            };
            if ok {
                check.outcome = "reported".into();
            } else {
                report.dropped_unsupported += 1;
            }
            report.quotes.push(check);
        }
    }
    out
}

/// Words that say a line states where a product is made.
const ORIGIN_CUES: &[&str] = &[
    "made in",
    "origin",
    "country of",
    "assembl",
    "manufactur",
    "produced in",
    "产地",
    "原产",
    "制造",
];

/// The vocabulary's name for the material a phrase ends with.
fn material_named(phrase: &str) -> Option<String> {
    let words: Vec<&str> = phrase.split_whitespace().collect();
    (0..words.len())
        .find_map(|i| attest_rules::vocab::canonical(&words[i..].join(" ")))
        .map(str::to_owned)
}

/// The full lines of `text` that the code point range touches.
fn enclosing_lines(text: &str, start: usize, end: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut s = start.min(chars.len());
    while s > 0 && chars[s - 1] != '\n' {
        s -= 1;
    }
    let mut e = end.min(chars.len());
    while e < chars.len() && chars[e] != '\n' {
        e += 1;
    }
    slice_chars(text, s, e).unwrap_or_default().to_owned()
}

/// Maps a failure to the note an answer carries when it falls back.
pub fn degraded_note(report: &LlmReport) -> Option<String> {
    (report.outcome != "ok").then(|| {
        format!(
            "language model unavailable ({}); answered from the other extractors",
            report.error.as_deref().unwrap_or(report.outcome.as_str())
        )
    })
}
