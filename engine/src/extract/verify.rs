//! Citation verification and reconciliation.
//!
//! A candidate survives only if each of its citations is the document text
//! at its span (`text[start..end] == quote`, in code points) and its first
//! citation contains the value: the number for masses and percentages, the
//! country name or code for origins, the material word for materials.

use std::collections::BTreeMap;

use super::{
    Candidate, Candidates, Citation, Field, Fields, MassValue, MaterialValue, OriginValue,
    RecycledValue,
};
use crate::document::Document;
use crate::text::{fold_key, slice_chars};

/// Candidates less confident than this are not reported.
pub const MIN_CONFIDENCE: f32 = 0.5;

/// The quote is exactly the document's text at the cited span.
pub fn citation_matches(doc: &Document, c: &Citation) -> bool {
    c.document_id == doc.meta.id
        && c.end > c.start
        && slice_chars(&doc.text, c.start, c.end) == Some(c.quote.as_str())
        && doc.page_of(c.start) == c.page
}

/// Numbers written in a quote (decimal point or comma, thousands
/// separators dropped).
pub fn numbers_in(quote: &str) -> Vec<f64> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let flush = |cur: &mut String, out: &mut Vec<f64>| {
        let t = cur.trim_end_matches(['.', ',']);
        if !t.is_empty() {
            // "1,234.5" → 1234.5; "0,07" → 0.07
            let normalised = if t.contains('.') {
                t.replace(',', "")
            } else if t.matches(',').count() == 1
                && t.split(',').nth(1).is_some_and(|d| d.len() != 3)
            {
                t.replace(',', ".")
            } else {
                t.replace(',', "")
            };
            if let Ok(v) = normalised.parse::<f64>() {
                out.push(v);
            }
        }
        cur.clear();
    };
    for ch in quote.chars() {
        if ch.is_ascii_digit() || (!cur.is_empty() && (ch == '.' || ch == ',')) {
            cur.push(ch);
        } else {
            flush(&mut cur, &mut out);
        }
    }
    flush(&mut cur, &mut out);
    out
}

pub fn quote_has_number(quote: &str, value: f64) -> bool {
    numbers_in(quote)
        .iter()
        .any(|n| (n - value).abs() <= 1e-9_f64.max(value.abs() * 1e-9))
}

fn supported(
    doc_by_id: &BTreeMap<&str, &Document>,
    cites: &[Citation],
    check: impl Fn(&str) -> bool,
) -> bool {
    !cites.is_empty()
        && cites.iter().all(|c| {
            doc_by_id
                .get(c.document_id.as_str())
                .is_some_and(|d| citation_matches(d, c))
        })
        && cites.first().is_some_and(|c| check(&c.quote))
}

fn merge<V: Clone, K: Ord>(cands: Vec<Candidate<V>>, key: impl Fn(&V) -> K) -> Vec<Candidate<V>> {
    let mut groups: BTreeMap<K, Candidate<V>> = BTreeMap::new();
    let mut order: Vec<K> = Vec::new();
    for c in cands {
        let k = key(&c.value);
        match groups.get_mut(&k) {
            Some(g) => {
                if c.confidence > g.confidence {
                    g.confidence = c.confidence;
                    g.extractor = c.extractor.clone();
                }
                for cit in c.citations {
                    if g.citations.len() < 3 && !g.citations.contains(&cit) {
                        g.citations.push(cit);
                    }
                }
            }
            None => {
                order.push(key(&c.value));
                groups.insert(key(&c.value), c);
            }
        }
    }
    let mut out: Vec<Candidate<V>> = groups.into_values().collect();
    out.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    out
}

/// Verifies every candidate and merges them into the answer. Returns the
/// fields and the number of candidates dropped by verification.
pub(crate) fn reconcile(
    c: Candidates,
    docs: &BTreeMap<&str, &Document>,
    wanted: &[Field],
) -> (Fields, usize) {
    let mut dropped = 0usize;
    let mut keep = |ok: bool| {
        if !ok {
            dropped += 1;
        }
        ok
    };
    // Below this, a rule is guessing: abstaining is the better answer.
    let confident = |x: f32| x >= MIN_CONFIDENCE;
    let mut c = c;
    c.mass.retain(|m| confident(m.confidence));
    c.origin.retain(|m| confident(m.confidence));
    c.materials.retain(|m| confident(m.confidence));
    c.recycled.retain(|m| confident(m.confidence));
    let mass: Vec<_> = c
        .mass
        .into_iter()
        .filter(|m| m.value.0.is_finite() && m.value.0 > 0.0)
        .filter(|m| {
            keep(supported(docs, &m.citations, |q| {
                quote_has_number(q, m.value.1)
            }))
        })
        .collect();
    let origin: Vec<_> = c
        .origin
        .into_iter()
        .filter(|o| {
            keep(supported(docs, &o.citations, |q| {
                country_supported(q, &o.value)
            }))
        })
        .collect();
    let materials: Vec<_> = c
        .materials
        .into_iter()
        .filter(|m| {
            keep(supported(docs, &m.citations, |q| {
                material_supported(q, &m.value)
            }))
        })
        .collect();
    let recycled: Vec<_> = c
        .recycled
        .into_iter()
        .filter(|r| r.value.1 > 0.0 && r.value.1 <= 100.0)
        .filter(|r| {
            keep(supported(docs, &r.citations, |q| {
                quote_has_number(q, r.value.1)
            }))
        })
        .collect();

    let mut fields = Fields::default();
    if wanted.contains(&Field::Mass) {
        // Group masses that agree within 2%, then take the best group.
        let mut groups: Vec<Candidate<(f64, f64, String)>> = Vec::new();
        for m in mass {
            match groups
                .iter_mut()
                .find(|g| (g.value.0 - m.value.0).abs() <= 0.02 * g.value.0.max(m.value.0))
            {
                Some(g) => {
                    if m.confidence > g.confidence {
                        g.confidence = m.confidence;
                        g.extractor = m.extractor.clone();
                    }
                    for cit in m.citations {
                        if g.citations.len() < 3 && !g.citations.contains(&cit) {
                            g.citations.push(cit);
                        }
                    }
                }
                None => groups.push(m),
            }
        }
        groups.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
        fields.mass = groups.into_iter().next().map(|g| MassValue {
            grams: g.value.0,
            value: g.value.1,
            unit: g.value.2,
            citations: g.citations,
            confidence: g.confidence,
            extractor: g.extractor,
        });
    }
    if wanted.contains(&Field::Origin) {
        fields.origin = merge(origin, |v| v.clone())
            .into_iter()
            .map(|g| OriginValue {
                country: g.value,
                citations: g.citations,
                confidence: g.confidence,
                extractor: g.extractor,
            })
            .collect();
    }
    if wanted.contains(&Field::Materials) {
        fields.materials = merge(materials, |v| v.to_lowercase())
            .into_iter()
            .map(|g| MaterialValue {
                name: g.value,
                citations: g.citations,
                confidence: g.confidence,
                extractor: g.extractor,
            })
            .collect();
    }
    if wanted.contains(&Field::RecycledContent) {
        fields.recycled_content = merge(recycled, |v| (v.0.clone(), (v.1 * 100.0).round() as i64))
            .into_iter()
            .map(|g| RecycledValue {
                material: g.value.0,
                percent: g.value.1,
                kind: g.value.2,
                citations: g.citations,
                confidence: g.confidence,
                extractor: g.extractor,
            })
            .collect();
    }
    (fields, dropped)
}

/// The quote names the country: its code, or a name that normalises to it.
fn country_supported(quote: &str, code: &str) -> bool {
    if quote
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| w == code)
    {
        return true;
    }
    // Any run of 1-4 words that normalises to the code.
    let words: Vec<&str> = quote
        .split(|c: char| !(c.is_alphanumeric() || c == '.'))
        .filter(|w| !w.is_empty())
        .collect();
    for n in 1..=4 {
        for w in words.windows(n) {
            if attest_rules::country::to_alpha2(&w.join(" ")) == Some(code) {
                return true;
            }
        }
    }
    // CJK names are not space-separated.
    quote.chars().count() <= 200
        && (0..quote.chars().count()).any(|i| {
            (2..=5).any(|len| {
                slice_chars(quote, i, i + len)
                    .is_some_and(|s| attest_rules::country::to_alpha2(s) == Some(code))
            })
        })
}

/// The quote mentions the material under one of the spellings the rules
/// vocabulary knows ("Cu" for copper, "磷青铜" for phosphor bronze, ...).
fn material_supported(quote: &str, name: &str) -> bool {
    let (q, n) = (fold_key(quote), fold_key(name));
    !n.is_empty() && (q.contains(&n) || attest_rules::vocab::mentions(quote, name))
}
