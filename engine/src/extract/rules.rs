//! The rules source: `attest-rules` over the document text, with the
//! subject scoping every claim goes through (a claim belongs to the product
//! whose region of the document it is in) and the declaration checks that
//! keep substances out of the materials (and a structured declaration's
//! part masses out of its mass).

use super::candidate::{Candidate, DocContext, Source, Value};
use super::cite;
use crate::document::{Document, DocumentKind};
use crate::text::{CharIndex, fold_key};

/// The deterministic rules (`attest-rules`) over the document text, each
/// claim weighed by which product's region of the document it is in.
pub(super) struct Rules;

impl Source for Rules {
    fn candidates(&self, ctx: &DocContext<'_>, out: &mut Vec<Candidate>) {
        rules(ctx.doc, ctx.idx, ctx.regions, ctx.subject, out);
    }
}

fn rules(
    doc: &Document,
    idx: &CharIndex,
    regions: &[std::ops::Range<usize>],
    subject: Option<&str>,
    out: &mut Vec<Candidate>,
) {
    let f = attest_rules::extract(&doc.text, regions);
    let ex = |rule: &str| format!("rules:{rule}");
    let owners = Owners::new(doc, idx, subject);
    // A structured declaration's mass comes from its tree (the stated
    // total, or the sum of its materials): the masses in its rendering are
    // its materials' and substances', not the part's.
    let masses = if doc.declaration.is_some() {
        Vec::new()
    } else {
        f.mass
    };
    for m in masses {
        // a variant row of a weight table is owned by its row's label, not
        // by the product named last before the table
        let confidence = if m.rule == "weight_column_row" {
            m.confidence + row_suffix_bonus(&doc.text, m.evidence.end, subject)
        } else {
            owners.adjust(m.confidence, m.evidence.start, true)
        };
        out.push(Candidate::new(
            Value::mass(m.grams, m.value, m.unit.clone()),
            vec![cite(doc, idx, m.evidence.start..m.evidence.end)],
            confidence.clamp(0.0, 1.0),
            ex(m.rule),
        ));
    }
    for o in f.origin {
        out.push(Candidate::new(
            Value::origin(&o.country, o.roles),
            vec![cite(doc, idx, o.evidence.start..o.evidence.end)],
            owners.adjust(o.confidence, o.evidence.start, false),
            ex(o.rule),
        ));
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
        // a row of the declaration's own table names a homogeneous material
        let row = matches!(
            m.rule,
            "declaration_row" | "declaration_part" | "declaration_material"
        );
        if declaration && !row && is_compound_substance(&m.name) {
            continue;
        }
        if !row
            && substances_from.is_some_and(|s| m.evidence.start >= s)
            && !named_before.contains(&m.name)
        {
            continue;
        }
        out.push(Candidate::new(
            Value::Material(m.name.clone()),
            vec![cite(doc, idx, m.evidence.start..m.evidence.end)],
            owners.adjust(m.confidence, m.evidence.start, false),
            ex(m.rule),
        ));
    }
    let demoted = unnamed_rival_claims(&doc.text, subject, &f.recycled);
    for (i, r) in f.recycled.into_iter().enumerate() {
        let mut confidence = owners.adjust(r.confidence, r.evidence.start, false);
        if demoted.contains(&i) {
            confidence *= 0.5;
        }
        let kind = serde_json::to_value(r.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| "unspecified".into());
        out.push(Candidate::new(
            Value::Recycled {
                material: r.material.clone(),
                percent: r.percent,
                kind,
                scope: r.scope,
            },
            vec![cite(doc, idx, r.evidence.start..r.evidence.end)],
            confidence,
            ex(r.rule),
        ));
    }
}

/// Whole-product recycled shares that disagree ("Each of the Dune panels
/// has 18% …", "six Cirrus and six Ultima panels, all of which have … 80
/// percent") cannot all be the requested product's: where the sentence of
/// some of them names the requested subject, the others (indices into
/// `claims`) belong to other products.
fn unnamed_rival_claims(
    text: &str,
    subject: Option<&str>,
    claims: &[attest_rules::RecycledFinding],
) -> Vec<usize> {
    let Some(subject) = subject else {
        return Vec::new();
    };
    let mentions = mentions_of(text, subject);
    let whole: Vec<usize> = (0..claims.len())
        .filter(|&i| {
            claims[i].material.is_none() && claims[i].scope == attest_rules::Scope::Product
        })
        .collect();
    let distinct = |v: &[usize]| {
        let mut p: Vec<f64> = v.iter().map(|&i| claims[i].percent).collect();
        p.sort_by(f64::total_cmp);
        p.dedup_by(|a, b| (*a - *b).abs() < 0.5);
        p.len()
    };
    if distinct(&whole) < 2 {
        return Vec::new();
    }
    let (named, unnamed): (Vec<usize>, Vec<usize>) = whole.into_iter().partition(|&i| {
        let (a, b) = sentence_of(text, claims[i].evidence.start, claims[i].evidence.end);
        mentions.iter().any(|&m| m >= a && m < b)
    });
    if named.is_empty() {
        return Vec::new();
    }
    unnamed
}

/// The byte range of the sentence around `start..end`: from after the last
/// sentence end (". ", "! ", "? ", a line break) before it, to the next.
fn sentence_of(text: &str, start: usize, end: usize) -> (usize, usize) {
    let is_end = |b: &[u8], k: usize| {
        b[k] == b'\n'
            || (matches!(b[k], b'.' | b'!' | b'?')
                && b.get(k + 1).is_none_or(|c| c.is_ascii_whitespace()))
    };
    let b = text.as_bytes();
    let lo = start.saturating_sub(600);
    let a = (lo..start.min(b.len()))
        .rev()
        .find(|&k| is_end(b, k))
        .map_or(lo, |k| k + 1);
    let hi = (end + 600).min(b.len());
    let z = (end.min(b.len())..hi).find(|&k| is_end(b, k)).unwrap_or(hi);
    (a, z)
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
    subject_mentions_where(doc, subject, |_| true)
}

/// [`subject_mentions`] counting only the other subjects `other` accepts.
fn subject_mentions_where(
    doc: &Document,
    subject: Option<&str>,
    other: impl Fn(&str) -> bool,
) -> (Vec<usize>, Vec<usize>) {
    let requested = subject
        .map(|s| mentions_of(&doc.text, s))
        .unwrap_or_default();
    let others: Vec<usize> = match subject {
        Some(s) if !requested.is_empty() => {
            let key = fold_key(s);
            doc.meta
                .subjects
                .iter()
                .filter(|o| other(o))
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
        let (requested, others) =
            subject_mentions_where(doc, subject, |o| part_like(o) && !series_of_requested(o));
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

/// How a variant row of a weight table ("80-pin TQFP PN  0.30") fits the
/// part asked about: orderable part numbers end with the package's code
/// ("TL16C754CPN"), so a row whose label ends with a code of two to four
/// capitals or digits that ends the subject is that part's row (+0.2);
/// any other row is a sibling's, below the reporting threshold (-0.15).
fn row_suffix_bonus(text: &str, value_end: usize, subject: Option<&str>) -> f32 {
    // rows that differ answer only for a named part
    let Some(subject) = subject else {
        return -0.15;
    };
    let key: String = subject
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_uppercase();
    let line_start = text
        .get(..value_end)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let row = text.get(line_start..value_end).unwrap_or_default();
    let label = row.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    let code = label.split_whitespace().last().unwrap_or_default();
    let is_code = (2..=4).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && code.chars().any(|c| c.is_ascii_uppercase());
    if is_code && key.len() > code.len() && key.ends_with(code) {
        0.2
    } else {
        -0.15
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

#[cfg(test)]
mod tests {
    use super::{is_compound_substance, row_suffix_bonus};

    #[test]
    fn a_weight_row_belongs_to_the_part_whose_number_ends_with_its_code() {
        let text = "PACKAGE\tWEIGHT IN GRAMS\n64-pin TQFP PM\t0.25\n80-pin TQFP PN\t0.30\n";
        let end_of = |v: &str| text.find(v).map(|i| i + v.len()).unwrap_or_default();
        let (pm, pn) = (end_of("0.25"), end_of("0.30"));
        assert!(row_suffix_bonus(text, pm, Some("TL16CP754CPM")) > 0.0);
        assert!(row_suffix_bonus(text, pn, Some("TL16CP754CPM")) < 0.0);
        assert!(row_suffix_bonus(text, pn, Some("TL16C754CPN")) > 0.0);
        // a series name matches no row; no subject picks none
        assert!(row_suffix_bonus(text, pm, Some("TL16C754C")) < 0.0);
        assert!(row_suffix_bonus(text, pm, None) < 0.0);
    }

    #[test]
    fn rival_whole_product_shares_go_to_the_product_their_sentence_names() {
        let text = "Armstrong has added a trio of Dune panels. Each of the Dune panels has 18% \
            post-consumer recycled content.\n\nOther products are six Cirrus and six Ultima \
            panels, all of which have a total recycled content of 80 percent.";
        let whole = 0..text.len();
        let f = attest_rules::extract(text, std::slice::from_ref(&whole));
        let pct = |v: Vec<usize>| -> Vec<f64> { v.into_iter().map(|i| f.recycled[i].percent).collect() };
        assert_eq!(f.recycled.len(), 2);
        assert_eq!(pct(super::unnamed_rival_claims(text, Some("Dune"), &f.recycled)), [80.0]);
        assert_eq!(pct(super::unnamed_rival_claims(text, Some("Ultima"), &f.recycled)), [18.0]);
        // a subject no sentence names keeps every claim
        assert!(super::unnamed_rival_claims(text, Some("Tectum"), &f.recycled).is_empty());
        // one share stated twice is no rivalry
        let one = "The Dune panel has 18% recycled content. Every panel we make has 18% recycled content.";
        let whole = 0..one.len();
        let g = attest_rules::extract(one, std::slice::from_ref(&whole));
        assert!(super::unnamed_rival_claims(one, Some("Dune"), &g.recycled).is_empty());
    }

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
