//! The language-model extractor.
//!
//! The model reads the excerpts most likely to hold the four facts (chosen
//! deterministically: chunks that mention field cues and the subject, within
//! the prompt's token budget) as numbered lines, and answers JSON that
//! follows a schema: each value with the number of the line that states it.
//! Small models copy quotes badly but point at lines well. Nothing it says
//! is trusted: the cited line (or, for a line number off by one, its
//! neighbour) of the document becomes the citation, and the value must be
//! supported by that line's text. Text that reads like an instruction is
//! never evidence. Whatever fails is dropped and counted. The numbering is
//! a pure function of the excerpts recorded in provenance, so a recorded
//! answer can be verified again.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

use super::candidate::{Candidate, Value};
use super::verify::{self, MatchKind};
use super::{Citation, Field};
use crate::chunk::{ChunkConfig, chunk_document};
use crate::document::Document;
use crate::llm::{CallParams, JsonRequest, LlmClient, estimate_tokens};
use crate::prompts::{PromptRef, PromptSet};
use crate::text::{CharIndex, CharRange, slice_chars};

pub const PROMPT_ID: &str = "extract_fields";
pub const PROMPT_VERSION: &str = "v2";
/// Confidence of a verified value on the line the model cited.
pub const LLM_CONFIDENCE: f32 = 0.7;
/// Confidence of a verified value on a line next to the one it cited.
pub const LLM_FUZZY_CONFIDENCE: f32 = 0.6;
/// Confidence of a verified value found on another line than the cited one.
pub const LLM_ELSEWHERE_CONFIDENCE: f32 = 0.55;
/// Most of the raw answer kept in provenance.
const RAW_KEEP_CHARS: usize = 8_000;

/// One excerpt shown to the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Excerpt {
    pub document_id: String,
    pub page: u32,
    pub start: usize,
    pub end: usize,
}

/// What the language model was asked, what it answered and what survived
/// verification; enough to re-run and re-check the call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
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
    /// Reported values by where they were found: on the `cited` line, on
    /// a `neighbour` of it, or `elsewhere` among the lines shown.
    pub located: BTreeMap<String, usize>,
    /// Values citing a line that was not shown.
    pub dropped_unlocated: usize,
    /// Values their line (and its neighbours) does not state, or stated by
    /// an instruction.
    pub dropped_unsupported: usize,
    /// The answer as received (truncated), so verification can be re-run.
    pub response: Option<String>,
    /// What happened to each proposed value's quote.
    #[serde(default)]
    pub quotes: Vec<QuoteCheck>,
}

/// One proposed value's line and its fate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct QuoteCheck {
    pub field: Field,
    /// The line number the model cited.
    #[serde(default)]
    pub line: Option<u64>,
    /// The text of the line that supports the value (or of the cited line).
    pub quote: String,
    /// `exact` when the cited line states it, `fuzzy` when a neighbour
    /// does; `None` when neither.
    pub matched: Option<MatchKind>,
    /// Unused with line citations (kept for recorded answers of v1).
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

/// The JSON schema the model's answer must follow, for `lines` numbered
/// lines.
pub fn answer_schema(lines: usize) -> Json {
    // Bounded lists keep the answer inside the output budget.
    let line = json!({"type": "integer", "minimum": 1, "maximum": lines.max(1)});
    let list = |props: Json, required: Json, max: u32| {
        json!({"type": "array", "maxItems": max, "items": {
            "type": "object", "properties": props, "required": required,
            "additionalProperties": false}})
    };
    json!({
        "type": "object",
        "properties": {
            "mass": list(json!({"value": {"type": "number"}, "unit": {"type": "string", "maxLength": 12}, "line": line}),
                         json!(["value", "unit", "line"]), 2),
            "origin": list(json!({"country": {"type": "string", "maxLength": 60}, "line": line}),
                           json!(["country", "line"]), 2),
            "materials": list(json!({"name": {"type": "string", "maxLength": 60}, "line": line}),
                              json!(["name", "line"]), 5),
            "recycled_content": list(json!({"percent": {"type": "number"}, "material": {"type": "string", "maxLength": 60}, "line": line}),
                                     json!(["percent", "material", "line"]), 3),
        },
        "required": ["mass", "origin", "materials", "recycled_content"],
        "additionalProperties": false
    })
}

/// The numbered lines of the excerpts, in order: the document (index in
/// `docs`) and code point range of each non-blank line, surrounding
/// whitespace trimmed. Line `n` of the prompt is `lines[n - 1]`.
pub(crate) fn numbered_lines(
    docs: &[(Arc<Document>, Vec<Range<usize>>)],
    excerpts: &[Excerpt],
) -> Vec<(usize, CharRange)> {
    let mut out = Vec::new();
    for e in excerpts {
        let Some(di) = docs.iter().position(|(d, _)| d.meta.id == e.document_id) else {
            continue;
        };
        let text = &docs[di].0.text;
        let Some(slice) = slice_chars(text, e.start, e.end) else {
            continue;
        };
        let mut at = e.start;
        for line in slice.split('\n') {
            let n = line.chars().count();
            let lead = line.chars().take_while(|c| c.is_whitespace()).count();
            let body = line.trim();
            if !body.is_empty() {
                let start = at + lead;
                out.push((
                    di,
                    CharRange {
                        start,
                        end: start + body.chars().count(),
                    },
                ));
            }
            at += n + 1;
        }
    }
    out
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
) -> (Vec<Candidate>, LlmReport) {
    let mut report = LlmReport {
        params: Some(client.params()),
        ..Default::default()
    };
    let prompt = match prompts.get(PROMPT_ID, PROMPT_VERSION) {
        Ok(p) => p,
        Err(e) => {
            report.fail("prompt_missing", e.to_string());
            return (Vec::new(), report);
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
        return (Vec::new(), report);
    }
    // The excerpt headers and line numbers are estimated with the text; if
    // the rendered prompt still exceeds the budget, the last excerpts go.
    let mut chosen = chosen;
    let (rendered, lines) = loop {
        report.excerpts = chosen
            .iter()
            .map(|(di, c)| Excerpt {
                document_id: docs[*di].0.meta.id.clone(),
                page: c.page,
                start: c.span.start,
                end: c.span.end,
            })
            .collect();
        let lines = numbered_lines(&docs, &report.excerpts);
        let mut context = String::new();
        let mut n = 0usize;
        for (k, (di, c)) in chosen.iter().enumerate() {
            let doc = &docs[*di].0;
            context.push_str(&format!(
                "[excerpt {} | {} | page {}]\n",
                k + 1,
                doc.meta.source,
                c.page
            ));
            while let Some((ldi, r)) = lines.get(n) {
                if *ldi != *di || r.start < c.span.start || r.end > c.span.end {
                    break;
                }
                n += 1;
                let t = slice_chars(&doc.text, r.start, r.end).unwrap_or_default();
                context.push_str(&format!("L{n}: {t}\n"));
            }
            context.push('\n');
        }
        let vars = BTreeMap::from([
            ("subject", subject_text.to_owned()),
            ("context", context.trim_end().to_owned()),
        ]);
        let rendered = match prompt.render(&vars) {
            Ok(r) => r,
            Err(e) => {
                report.fail("prompt_invalid", e.to_string());
                return (Vec::new(), report);
            }
        };
        let size = estimate_tokens(&rendered.system) + estimate_tokens(&rendered.user);
        if size <= client.config().max_prompt_tokens || chosen.len() <= 1 {
            break (rendered, lines);
        }
        chosen.pop();
    };
    let request = JsonRequest {
        system: rendered.system,
        user: rendered.user,
        schema_name: "extracted_fields".into(),
        schema: answer_schema(lines.len()),
    };
    let answer = match client.complete_json(&request, deadline).await {
        Ok(a) => a,
        Err(e) => {
            report.fail(e.code(), e.to_string());
            return (Vec::new(), report);
        }
    };
    report.record(&answer);
    let cands = verify_answer(&answer.value, &docs, &lines, &mut report);
    (cands, report)
}

/// Whether the line's text `text` states the value the model proposed for
/// `field`; the value as reported when it does.
fn accept(field: Field, item: &Json, text: &str) -> Option<Value> {
    let str_of = |k: &str| {
        item.get(k)
            .and_then(Json::as_str)
            .map(str::trim)
            .unwrap_or("")
            .to_owned()
    };
    let num_of = |k: &str| item.get(k).and_then(Json::as_f64);
    let lower = text.to_lowercase();
    let packaging = attest_rules::vocab::PACKAGING
        .iter()
        .any(|w| lower.contains(w));
    match field {
        Field::Mass => {
            let (v, unit) = (num_of("value")?, str_of("unit"));
            let grams = attest_rules::units::to_grams(v, &unit)?;
            (grams > 0.0 && states_quantity(text, v, &unit)).then_some(Value::mass(grams, v, unit))
        }
        Field::Origin => {
            // The line must say it is an origin: a country in an address
            // or a standard's name is not one.
            let stated = ORIGIN_CUES.iter().any(|c| lower.contains(c));
            let code = attest_rules::country::to_alpha2(&str_of("country"))?;
            (stated && verify::country_supported(text, code))
                .then(|| Value::origin(code, Vec::new()))
        }
        Field::Materials => {
            // Only names the materials vocabulary knows: a model copying a
            // heading ("Application") is not a material.
            let name = attest_rules::vocab::canonical(&str_of("name"))?.to_owned();
            (!packaging && verify::material_supported(text, &name)).then_some(Value::Material(name))
        }
        Field::RecycledContent => {
            let p = num_of("percent")?;
            let given = str_of("material");
            // The material as the vocabulary names it ("post-consumer
            // recycled plastic" → "plastic"); a name it does not know is
            // not reported under another.
            let material = material_named(&given);
            (p > 0.0
                && p <= 100.0
                && (given.is_empty() || material.is_some())
                && !packaging
                && verify::quote_has_number(text, p)
                && (lower.contains("recycl") || text.contains("再生") || text.contains("回收")))
            .then_some(Value::Recycled {
                material,
                percent: p,
                kind: "unspecified".into(),
                scope: crate::extract::Scope::Product,
            })
        }
    }
}

/// Whether a line speaks of the field at all (origin lines are checked for
/// origin wording in any case).
fn cued(field: Field, text: &str) -> bool {
    let lower = text.to_lowercase();
    let any = |cues: &[&str]| cues.iter().any(|c| lower.contains(c));
    match field {
        Field::Mass => any(MASS_CUES),
        Field::Materials => any(MATERIAL_CUES),
        Field::Origin | Field::RecycledContent => true,
    }
}

/// Where the line that states a model's value is, relative to the line it
/// cited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Cited,
    Neighbour,
    Elsewhere,
}

impl Place {
    fn name(self) -> &'static str {
        match self {
            Place::Cited => "cited",
            Place::Neighbour => "neighbour",
            Place::Elsewhere => "elsewhere",
        }
    }

    fn confidence(self) -> f32 {
        match self {
            Place::Cited => LLM_CONFIDENCE,
            Place::Neighbour => LLM_FUZZY_CONFIDENCE,
            Place::Elsewhere => LLM_ELSEWHERE_CONFIDENCE,
        }
    }
}

/// Re-checks a model answer against the documents: the part of the
/// extractor that decides what is reported, kept pure so that a recorded
/// answer can be verified again from provenance (`lines` is
/// [`numbered_lines`] of the recorded excerpts).
pub(crate) fn verify_answer(
    answer: &Json,
    docs: &[(Arc<Document>, Vec<Range<usize>>)],
    lines: &[(usize, CharRange)],
    report: &mut LlmReport,
) -> Vec<Candidate> {
    let mut out = Vec::new();
    let extractor = format!("llm:{PROMPT_ID}/{PROMPT_VERSION}");
    let items = |k: &str| {
        answer
            .get(k)
            .and_then(Json::as_array)
            .cloned()
            .unwrap_or_default()
    };
    for (field, key) in [
        (Field::Mass, "mass"),
        (Field::Origin, "origin"),
        (Field::Materials, "materials"),
        (Field::RecycledContent, "recycled_content"),
    ] {
        for item in items(key) {
            report.proposed += 1;
            let cited = item.get("line").and_then(Json::as_u64);
            let line_text = |n: u64| -> Option<(usize, CharRange, String)> {
                let (di, r) = *lines.get(usize::try_from(n).ok()?.checked_sub(1)?)?;
                let t = slice_chars(&docs[di].0.text, r.start, r.end)?.to_owned();
                Some((di, r, t))
            };
            let mut check = QuoteCheck {
                field,
                line: cited,
                quote: cited
                    .and_then(line_text)
                    .map(|(_, _, t)| t.chars().take(160).collect())
                    .unwrap_or_default(),
                matched: None,
                edit_rate: None,
                outcome: "unlocated".into(),
            };
            let Some(n) = cited.filter(|&n| line_text(n).is_some()) else {
                report.dropped_unlocated += 1;
                report.quotes.push(check);
                continue;
            };
            check.outcome = "unsupported".into();
            // The cited line, then its neighbours (a number off by one),
            // then the other lines shown, nearest first: a small model
            // often states the right value with the wrong line number. The
            // value must still be stated on the line that is cited.
            let mut tries: Vec<u64> = vec![n];
            tries.extend(n.checked_sub(1));
            tries.push(n + 1);
            let mut rest: Vec<u64> = (1..=lines.len() as u64)
                .filter(|l| l.abs_diff(n) > 1)
                .collect();
            rest.sort_by_key(|l| l.abs_diff(n));
            tries.extend(rest);
            let found = tries.iter().enumerate().find_map(|(k, &t)| {
                let (di, r, text) = line_text(t)?;
                // An instruction cannot be evidence, whatever it states.
                if verify::looks_like_instruction(&text) {
                    return None;
                }
                let place = match k {
                    0 => Place::Cited,
                    _ if t.abs_diff(n) == 1 => Place::Neighbour,
                    _ => Place::Elsewhere,
                };
                if place == Place::Elsewhere && !cued(field, &text) {
                    return None;
                }
                accept(field, &item, &text).map(|a| (place, di, r, text, a))
            });
            let Some((place, di, r, text, accepted)) = found else {
                report.dropped_unsupported += 1;
                report.quotes.push(check);
                continue;
            };
            *report.located.entry(place.name().to_owned()).or_default() += 1;
            check.matched = Some(if place == Place::Cited {
                MatchKind::Exact
            } else {
                MatchKind::Fuzzy
            });
            check.quote = text.chars().take(160).collect();
            check.outcome = "reported".into();
            report.quotes.push(check);
            let doc = &docs[di].0;
            let idx = CharIndex::new(&doc.text);
            let citation: Citation = super::cite_chars(doc, &idx, r);
            let confidence = place.confidence();
            out.push(Candidate::new(
                accepted,
                vec![citation],
                confidence,
                extractor.clone(),
            ));
        }
    }
    out
}

/// Whether `text` writes the number `v` directly followed by `unit`
/// ("105 mg", "0.105g", "3,01 kg"): a unit letter elsewhere on the line
/// ("2.4 V … range") does not make a number a mass.
fn states_quantity(text: &str, v: f64, unit: &str) -> bool {
    let unit = unit.trim().to_lowercase();
    if unit.is_empty() {
        return false;
    }
    let lower = text.to_lowercase();
    let b = lower.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit()
            || (i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'.'))
        {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len()
            && (b[i].is_ascii_digit()
                || ((b[i] == b'.' || b[i] == b',') && b.get(i + 1).is_some_and(u8::is_ascii_digit)))
        {
            i += 1;
        }
        let number = &lower[start..i];
        if verify::quote_has_number(number, v) {
            // The word after the number, as a unit: "mg", "grams", "克".
            let rest = lower[i..].trim_start();
            let word: String = rest
                .chars()
                .take_while(|c| c.is_alphabetic() || *c == 'µ')
                .collect();
            let same = |a: &str, b: &str| {
                attest_rules::units::to_grams(1.0, a)
                    .zip(attest_rules::units::to_grams(1.0, b))
                    .is_some_and(|(x, y)| (x - y).abs() <= 1e-12 * x.max(y))
            };
            if !word.is_empty() && same(&word, &unit) {
                return true;
            }
        }
    }
    false
}

/// Words that say a line is about a weight or what a part is made of: a
/// value found away from the line the model cited must sit on such a line.
const MASS_CUES: &[&str] = &["weight", "mass", "weigh", "重量", "质量", "净重"];
const MATERIAL_CUES: &[&str] = &[
    "material",
    "made of",
    "made from",
    "case",
    "housing",
    "body",
    "contact",
    "terminal",
    "plating",
    "plated",
    "finish",
    "frame",
    "wire",
    "enclosure",
    "insulat",
    "shell",
    "core",
    "conductor",
    "mold",
    "mould",
    "材",
    "镀",
];

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

/// Maps a failure to the note an answer carries when it falls back.
pub fn degraded_note(report: &LlmReport) -> Option<String> {
    (report.outcome != "ok").then(|| {
        format!(
            "language model unavailable ({}); answered from the other extractors",
            report.error.as_deref().unwrap_or(report.outcome.as_str())
        )
    })
}

#[cfg(test)]
mod tests {
    use super::states_quantity;

    #[test]
    fn a_quantity_is_a_number_followed_by_its_unit() {
        assert!(states_quantity("Weight: approx. 105 mg", 105.0, "mg"));
        assert!(states_quantity("Product Weight 13.23kg", 13.23, "kg"));
        assert!(!states_quantity(
            "zener voltage range selection: 2.4V to 75V",
            2.4,
            "g"
        ));
        assert!(!states_quantity("page 1 of 1", 1.0, "g"));
        assert!(!states_quantity(
            "98% paper and fiber-based packaging",
            98.0,
            "g"
        ));
        assert!(states_quantity("12 grams", 12.0, "g"));
        assert!(!states_quantity("12 gauge", 12.0, "g"));
    }
}
