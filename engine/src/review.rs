//! The review queue. Values below a confidence threshold, and masses that
//! another candidate disputes, become review items of the document version
//! they were read from. A reviewer accepts, corrects (with a span of the
//! document as evidence, verified like any citation) or rejects them; from
//! then on extraction answers with the decision for that document version
//! (`extractor: "review"`, confidence 1.0). A new version of the document
//! is a new id, so its values come back to the queue.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::catalog::ReviewFilter;
use crate::extract::{
    Citation, ExtractResponse, Field, MassValue, MaterialValue, OriginValue, verify,
};
use crate::library::Engine;

/// Values reported with a lower confidence are reviewed.
pub const REVIEW_BELOW: f32 = 0.6;
pub const REVIEW_EXTRACTOR: &str = "review";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    Open,
    Accepted,
    Corrected,
    Rejected,
}

impl ReviewStatus {
    fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Open => "open",
            ReviewStatus::Accepted => "accepted",
            ReviewStatus::Corrected => "corrected",
            ReviewStatus::Rejected => "rejected",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    Accept,
    Correct,
    Reject,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Decision {
    pub decision: DecisionKind,
    /// The corrected value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The corrected value's evidence in the document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub citation: Option<Citation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The reviewer's key id (`open` without keys).
    pub reviewer: String,
    /// Unix seconds.
    pub decided_at: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReviewItem {
    pub id: String,
    pub status: ReviewStatus,
    pub document_id: String,
    pub subject: String,
    pub field: Field,
    /// The value as reported: `0.105 g`, `JP`, `copper`, `30%`.
    pub value: String,
    pub confidence: f32,
    pub extractor: String,
    /// Why it is in the queue.
    pub reason: String,
    pub citation: Option<Citation>,
    /// Other values the documents gave for the field.
    pub alternatives: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
}

/// A reviewer's answer.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    pub decision: DecisionKind,
    /// `correct`: the value (`3.1 g`, `Germany`, `brass`, `30%`).
    #[serde(default)]
    pub value: Option<String>,
    /// `correct`: the evidence, as code point offsets into the document's
    /// text (`GET /v1/documents/{id}/text`).
    #[serde(default)]
    pub start: Option<usize>,
    #[serde(default)]
    pub end: Option<usize>,
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("review item {0} not found")]
    NotFound(String),
    #[error("review item {0} was already decided")]
    Decided(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("catalog: {0}")]
    Catalog(#[from] crate::catalog::CatalogError),
}

fn item_id(tenant: &str, doc: &str, subject: &str, field: Field, value: &str) -> String {
    let h = Sha256::digest(format!(
        "{tenant}\u{1f}{doc}\u{1f}{subject}\u{1f}{field:?}\u{1f}{value}"
    ));
    h.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The field's wire name.
pub(crate) fn field_name(f: Field) -> &'static str {
    match f {
        Field::Mass => "mass",
        Field::Origin => "origin",
        Field::Materials => "materials",
        Field::RecycledContent => "recycled_content",
    }
}

/// Each reported value: (field, key, confidence, extractor, citation).
fn values(r: &ExtractResponse) -> Vec<(Field, String, f32, String, Option<Citation>)> {
    let f = &r.fields;
    let mut out = Vec::new();
    if let Some(m) = &f.mass {
        out.push((
            Field::Mass,
            format!("{} g", m.grams),
            m.confidence,
            m.extractor.clone(),
            m.citations.first().cloned(),
        ));
    }
    for o in &f.origin {
        out.push((
            Field::Origin,
            o.country.clone(),
            o.confidence,
            o.extractor.clone(),
            o.citations.first().cloned(),
        ));
    }
    for m in &f.materials {
        out.push((
            Field::Materials,
            m.name.clone(),
            m.confidence,
            m.extractor.clone(),
            m.citations.first().cloned(),
        ));
    }
    for v in &f.recycled_content {
        out.push((
            Field::RecycledContent,
            format!("{}%", v.percent),
            v.confidence,
            v.extractor.clone(),
            v.citations.first().cloned(),
        ));
    }
    out
}

/// Applies the decisions about this answer's documents and subject, then
/// queues its uncertain values. Best effort: a catalog error is logged and
/// the answer goes out as extracted.
pub fn settle(engine: &Engine, tenant: &str, resp: &mut ExtractResponse, wanted: &[Field]) {
    let Some(subject) = resp
        .subject
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    else {
        return;
    };
    let subject = subject.to_owned();
    if let Err(e) = apply(engine, tenant, &subject, resp, wanted) {
        tracing::error!(error = %e, "cannot apply review decisions");
    }
    if let Err(e) = enqueue(engine, tenant, &subject, resp) {
        tracing::error!(error = %e, "cannot queue values for review");
    }
}

fn apply(
    engine: &Engine,
    tenant: &str,
    subject: &str,
    resp: &mut ExtractResponse,
    wanted: &[Field],
) -> Result<(), ReviewError> {
    let docs: Vec<String> = resp
        .provenance
        .documents
        .iter()
        .map(|d| d.id.clone())
        .collect();
    let decided = engine.catalog.decisions_for(tenant, &docs, subject)?;
    for stored in decided {
        let Ok(item) = serde_json::from_str::<ReviewItem>(&stored.body) else {
            continue;
        };
        let Some(d) = &item.decision else {
            continue;
        };
        let f = &mut resp.fields;
        let applied = match (item.field, d.decision) {
            (Field::Mass, kind) => match &mut f.mass {
                Some(m) if format!("{} g", m.grams) == item.value => {
                    match kind {
                        DecisionKind::Accept => {
                            m.confidence = 1.0;
                            m.extractor = REVIEW_EXTRACTOR.into();
                        }
                        DecisionKind::Reject => f.mass = None,
                        DecisionKind::Correct => {
                            if let (Some(v), Some(c)) = (&d.value, &d.citation)
                                && let Some((value, unit, grams)) = parse_mass(v)
                            {
                                *m = MassValue {
                                    grams,
                                    value,
                                    unit,
                                    derived: false,
                                    citations: vec![c.clone()],
                                    confidence: 1.0,
                                    extractor: REVIEW_EXTRACTOR.into(),
                                };
                            }
                        }
                    }
                    true
                }
                _ => false,
            },
            (Field::Origin, kind) => decide_listed(
                &mut f.origin,
                |o| o.country.clone(),
                &item.value,
                kind,
                |o| {
                    o.confidence = 1.0;
                    o.extractor = REVIEW_EXTRACTOR.into();
                },
                |_| {
                    let (v, c) = (d.value.as_ref()?, d.citation.as_ref()?);
                    Some(OriginValue {
                        country: v.clone(),
                        roles: Vec::new(),
                        citations: vec![c.clone()],
                        confidence: 1.0,
                        extractor: REVIEW_EXTRACTOR.into(),
                    })
                },
            ),
            (Field::Materials, kind) => decide_listed(
                &mut f.materials,
                |m| m.name.clone(),
                &item.value,
                kind,
                |m| {
                    m.confidence = 1.0;
                    m.extractor = REVIEW_EXTRACTOR.into();
                },
                |_| {
                    let (v, c) = (d.value.as_ref()?, d.citation.as_ref()?);
                    Some(MaterialValue {
                        name: v.clone(),
                        citations: vec![c.clone()],
                        confidence: 1.0,
                        extractor: REVIEW_EXTRACTOR.into(),
                    })
                },
            ),
            (Field::RecycledContent, kind) => decide_listed(
                &mut f.recycled_content,
                |r| format!("{}%", r.percent),
                &item.value,
                kind,
                |r| {
                    r.confidence = 1.0;
                    r.extractor = REVIEW_EXTRACTOR.into();
                },
                |r| {
                    let (v, c) = (d.value.as_ref()?, d.citation.as_ref()?);
                    let mut r = r.clone();
                    r.percent = parse_percent(v)?;
                    r.citations = vec![c.clone()];
                    r.confidence = 1.0;
                    r.extractor = REVIEW_EXTRACTOR.into();
                    Some(r)
                },
            ),
        };
        if applied {
            resp.provenance.notes.push(format!(
                "review {} ({}) applied to {} {}",
                item.id,
                item.status.as_str(),
                field_name(item.field),
                item.value
            ));
        }
    }
    let f = &resp.fields;
    resp.not_found = wanted
        .iter()
        .copied()
        .filter(|w| match w {
            Field::Mass => f.mass.is_none(),
            Field::Origin => f.origin.is_empty(),
            Field::Materials => f.materials.is_empty(),
            Field::RecycledContent => f.recycled_content.is_empty(),
        })
        .collect();
    Ok(())
}

fn enqueue(
    engine: &Engine,
    tenant: &str,
    subject: &str,
    resp: &ExtractResponse,
) -> Result<(), ReviewError> {
    let all = values(resp);
    for (field, key, confidence, extractor, citation) in &all {
        if extractor == REVIEW_EXTRACTOR {
            continue;
        }
        let Some(c) = citation else {
            continue;
        };
        let disputed: Vec<String> = resp
            .provenance
            .runners_up
            .iter()
            .filter(|r| r.field == *field && *field == Field::Mass)
            .map(|r| r.value.clone())
            .collect();
        let reason = if *confidence < REVIEW_BELOW {
            format!("confidence {confidence:.2} is below {REVIEW_BELOW}")
        } else if !disputed.is_empty() {
            "other candidates give another value".to_owned()
        } else {
            continue;
        };
        let mut alternatives = disputed;
        alternatives.extend(
            all.iter()
                .filter(|(f, k, ..)| f == field && k != key)
                .map(|(_, k, ..)| k.clone()),
        );
        let id = item_id(tenant, &c.document_id, subject, *field, key);
        let item = ReviewItem {
            id: id.clone(),
            status: ReviewStatus::Open,
            document_id: c.document_id.clone(),
            subject: subject.to_owned(),
            field: *field,
            value: key.clone(),
            confidence: *confidence,
            extractor: extractor.clone(),
            reason,
            citation: Some(c.clone()),
            alternatives,
            decision: None,
        };
        let body = serde_json::to_string(&item).unwrap_or_default();
        if engine.catalog.open_review(
            &id,
            tenant,
            &c.document_id,
            subject,
            field_name(*field),
            &body,
        )? {
            metrics::counter!("attest_review_items_opened_total", "field" => field_name(*field))
                .increment(1);
        }
    }
    Ok(())
}

/// The ids of the review items this answer's values have (or would have):
/// every reported value with a citation, whether or not it was queued.
pub fn item_ids(tenant: &str, resp: &ExtractResponse) -> Vec<String> {
    let Some(subject) = resp
        .subject
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    else {
        return Vec::new();
    };
    values(resp)
        .into_iter()
        .filter_map(|(field, key, _, _, c)| {
            Some(item_id(tenant, &c?.document_id, subject, field, &key))
        })
        .collect()
}

/// Applies a decision to the listed value whose key is `key`: accepted
/// values are marked reviewed, rejected ones removed, corrected ones
/// replaced. False when no listed value has the key.
fn decide_listed<T>(
    list: &mut Vec<T>,
    key_of: impl Fn(&T) -> String,
    key: &str,
    kind: DecisionKind,
    mark: impl FnOnce(&mut T),
    corrected: impl FnOnce(&T) -> Option<T>,
) -> bool {
    let Some(i) = list.iter().position(|v| key_of(v) == key) else {
        return false;
    };
    match kind {
        DecisionKind::Accept => mark(&mut list[i]),
        DecisionKind::Reject => {
            list.remove(i);
        }
        DecisionKind::Correct => {
            if let Some(v) = corrected(&list[i]) {
                list[i] = v;
            }
        }
    }
    true
}

/// The value a decision settles on, in the units of the gold labels.
#[derive(Debug, Clone, PartialEq)]
pub enum Settled {
    /// Grams.
    Mass(f64),
    /// ISO 3166-1 alpha-2.
    Origin(String),
    /// Lower case.
    Material(String),
    /// Percent.
    Recycled(f64),
}

/// What a decided item says is in the document: the accepted or corrected
/// value, as settled and as written, and the quote that states it. `None`
/// for open and rejected items, and for a value that does not read as its
/// field.
pub fn settled(item: &ReviewItem) -> Option<(Settled, String, String)> {
    let d = item.decision.as_ref()?;
    let (value, quote) = match d.decision {
        DecisionKind::Reject => return None,
        DecisionKind::Accept => (item.value.clone(), item.citation.as_ref()?.quote.clone()),
        DecisionKind::Correct => (d.value.clone()?, d.citation.as_ref()?.quote.clone()),
    };
    let v = match item.field {
        Field::Mass => Settled::Mass(parse_mass(&value)?.2),
        Field::Origin => Settled::Origin(attest_rules::country::to_alpha2(&value)?.to_owned()),
        Field::Materials => Settled::Material(value.trim().to_lowercase()),
        Field::RecycledContent => Settled::Recycled(parse_percent(&value)?),
    };
    Some((v, value, quote))
}

/// `3.1 g`, `105 mg`, `0.2 oz` → (value, unit, grams).
fn parse_mass(s: &str) -> Option<(f64, String, f64)> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(s.len());
    let value: f64 = s[..split].replace(',', ".").trim().parse().ok()?;
    let unit = s[split..].trim().to_owned();
    let grams = attest_rules::units::to_grams(value, &unit)?;
    (value.is_finite() && value >= 0.0).then_some((value, unit, grams))
}

fn parse_percent(s: &str) -> Option<f64> {
    let p: f64 = s
        .trim()
        .trim_end_matches('%')
        .trim()
        .replace(',', ".")
        .parse()
        .ok()?;
    (0.0..=100.0).contains(&p).then_some(p)
}

pub fn list(
    engine: &Engine,
    tenant: &str,
    filter: &ReviewFilter,
) -> Result<Vec<ReviewItem>, ReviewError> {
    Ok(engine
        .catalog
        .reviews(tenant, filter)?
        .into_iter()
        .filter_map(|r| serde_json::from_str(&r.body).ok())
        .collect())
}

/// Records a decision; a correction's evidence must state the value.
pub fn decide(
    engine: &Engine,
    tenant: &str,
    id: &str,
    req: &DecisionRequest,
    reviewer: &str,
) -> Result<ReviewItem, ReviewError> {
    let stored = engine
        .catalog
        .review(tenant, id)?
        .ok_or_else(|| ReviewError::NotFound(id.to_owned()))?;
    let mut item: ReviewItem = serde_json::from_str(&stored.body)
        .map_err(|e| ReviewError::BadRequest(format!("unreadable review item: {e}")))?;
    if item.status != ReviewStatus::Open {
        return Err(ReviewError::Decided(id.to_owned()));
    }
    let (status, value, citation) = match req.decision {
        DecisionKind::Accept => (ReviewStatus::Accepted, None, None),
        DecisionKind::Reject => (ReviewStatus::Rejected, None, None),
        DecisionKind::Correct => {
            let (Some(value), Some(start), Some(end)) = (&req.value, req.start, req.end) else {
                return Err(ReviewError::BadRequest(
                    "a correction gives value, start and end (its evidence in the document)".into(),
                ));
            };
            let doc = engine
                .catalog
                .get(&item.document_id)
                .ok_or_else(|| ReviewError::NotFound(item.document_id.clone()))?;
            let quote = crate::text::slice_chars(&doc.text, start, end)
                .filter(|q| !q.trim().is_empty() && end - start <= 2000)
                .ok_or_else(|| {
                    ReviewError::BadRequest(format!(
                        "{start}..{end} is not a span of the document's text (at most 2000 code points)"
                    ))
                })?
                .to_owned();
            let value = value.trim().to_owned();
            let supported = match item.field {
                Field::Mass => {
                    parse_mass(&value).is_some_and(|(v, ..)| verify::quote_has_number(&quote, v))
                }
                Field::Origin => {
                    verify::country_supported(&quote, &value) || quote.contains(&value)
                }
                Field::Materials => verify::material_supported(&quote, &value),
                Field::RecycledContent => {
                    parse_percent(&value).is_some_and(|p| verify::quote_has_number(&quote, p))
                }
            };
            if !supported {
                return Err(ReviewError::BadRequest(format!(
                    "the cited text does not state {value:?}: {quote:?}"
                )));
            }
            (
                ReviewStatus::Corrected,
                Some(value),
                Some(doc.citation(start, end, quote)),
            )
        }
    };
    item.status = status;
    item.decision = Some(Decision {
        decision: req.decision,
        value,
        citation,
        reason: req.reason.clone(),
        reviewer: reviewer.to_owned(),
        decided_at: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    });
    let body = serde_json::to_string(&item).unwrap_or_default();
    if !engine
        .catalog
        .decide_review(tenant, id, status.as_str(), &body)?
    {
        return Err(ReviewError::Decided(id.to_owned()));
    }
    Ok(item)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_apply_to_the_listed_value_with_the_key() {
        let mut list = vec![("JP".to_owned(), 0.5f32), ("CN".to_owned(), 0.9)];
        let key = |v: &(String, f32)| v.0.clone();
        let mark = |v: &mut (String, f32)| v.1 = 1.0;
        assert!(decide_listed(
            &mut list,
            key,
            "JP",
            DecisionKind::Accept,
            mark,
            |_| None
        ));
        assert_eq!(list[0], ("JP".to_owned(), 1.0));
        assert!(!decide_listed(
            &mut list,
            key,
            "DE",
            DecisionKind::Reject,
            mark,
            |_| None
        ));
        assert_eq!(list.len(), 2);
        assert!(decide_listed(
            &mut list,
            key,
            "CN",
            DecisionKind::Correct,
            mark,
            |_| { Some(("TW".to_owned(), 1.0)) }
        ));
        assert_eq!(list[1], ("TW".to_owned(), 1.0));
        assert!(decide_listed(
            &mut list,
            key,
            "JP",
            DecisionKind::Reject,
            mark,
            |_| None
        ));
        assert_eq!(list, vec![("TW".to_owned(), 1.0)]);
    }

    #[test]
    fn corrected_values_are_parsed() {
        assert_eq!(parse_mass("3.1 g"), Some((3.1, "g".to_owned(), 3.1)));
        assert_eq!(parse_mass("105 mg").map(|m| m.2), Some(0.105));
        assert_eq!(parse_mass("2,5 g").map(|m| m.0), Some(2.5));
        assert!(parse_mass("heavy").is_none() && parse_mass("3 parsecs").is_none());
        assert_eq!(parse_percent("30 %"), Some(30.0));
        assert!(parse_percent("130%").is_none());
    }
}
