//! Recycled-content rules.
//!
//! A claim is a percentage directly followed by recycled wording, optionally
//! a material: "30% post-consumer recycled plastic", "100% recycled
//! aluminium", "contains 35% PCR", "up to 50% recycled plastic" (the stated
//! bound), "30-50% …" (the upper end), "between 10% and 85% PCC"; or a
//! labelled figure: "Recycled content: 35%", "PCR content of 30%".
//!
//! Not claims: "recyclable" (a property, not content), recycling and recovery
//! rates, "x% of waste recycled", take-back programmes. A claim about the
//! packaging ("Packaging contains up to 80% recycled paper", "52% recycled
//! content in fiber packaging") is reported with `scope: packaging` and the
//! packaging material ("paper packaging"), never as the product's.

use crate::recycled::kind_of;
use crate::util::{clause_bounds, floor_boundary, has_any_stem, lazy_re, parse_number};
use crate::vocab;
use crate::{Evidence, RecycledFinding, Scope};

const PCT: &str = r"\d{1,3}(?:[.,]\d+)?";

lazy_re!(
    PERCENT,
    &format!(
        r"(?i)(?P<pre>(?-u:\b)(?:up\s+to|as\s+much\s+as|a\s+maximum\s+of|maximum\s+of|at\s+least|over|more\s+than|minimum\s+of|greater\s+than|approximately|approx\.|about|nearly|almost|around)\s+)?(?:(?P<between>between\s+){PCT}\s*(?:%|％|percent|per\s*cent)?\s+and\s+|(?P<range>{PCT})\s*(?:%|％|percent|per\s*cent)?\s*(?:-|–|—|to)\s*)?(?P<num>{PCT})\s*(?:%|％|-?\s*percent(?-u:\b)|-?\s*per\s*cent(?-u:\b))(?P<ormore>\s+or\s+(?:more|greater|above|higher))?"
    )
);

lazy_re!(
    LABEL_FIRST,
    &format!(
        r"(?i)(?-u:\b)(?P<q>(?:(?:post|pre)[\s\-]?consumer|post[\s\-]?industrial)\s+)?(?:recycled|PCR|PCC|PIR|PIC)\s+(?:(?P<mat>[a-z]+)\s+)?content\s*(?:[:：=]|(?-u:\b)of(?-u:\b)|(?-u:\b)is(?-u:\b)|(?-u:\b)was(?-u:\b))?\s*(?:approx\.?\s*|about\s+)?(?P<num>{PCT})\s*(?:%|％|percent(?-u:\b))"
    )
);

// "The scrap content of 6000-series alloy billet we produced in 2011 was
// around 70 percent", "the recycled content of the housing is 30%": the
// share named after what it is the share of.
lazy_re!(
    CONTENT_OF,
    &format!(
        r"(?i)(?-u:\b)(?P<q>(?:(?:post|pre)[\s\-]?consumer|post[\s\-]?industrial)\s+)?(?:recycled|scrap|PCR|PCC)\s+content\s+of\s+(?P<subj>[^.;:%\n]{{1,60}}?)\s+(?:is|was|are|were|amounts?\s+to|amounted\s+to)\s+(?:(?:approximately|approx\.|about|around|nearly|roughly|some|close\s+to)\s+)?(?P<num>{PCT})\s*(?:%|％|percent(?-u:\b)|per\s*cent(?-u:\b))"
    )
);

// Labels that name a recycled share in other words: "Share of recycled
// material: 60%", "Recycled content (%): 30", "Recycled content in
// plastics: 35%", "Recycled plastics: 23%", "Secondary material content:
// 40%", "Rezyklatanteil: 30 %", "Contenuto totale di materiale riciclato
// % 5,71". The number must carry a percent sign, or the label must (a "%"
// in its brackets or between it and the number).
lazy_re!(
    LABEL_FORMS,
    &format!(
        r"(?i)(?-u:\b)(?P<label>(?:(?:post|pre)[\s\-]?consumer\s+|post[\s\-]?industrial\s+)?(?:(?:total\s+)?(?:share|percentage|proportion|fraction|amount)\s+of\s+(?:(?:post|pre)[\s\-]?consumer\s+)?recycled\s+(?:materials?|content|(?P<mat2>[a-z]+))|(?:total\s+)?recycled\s+(?:materials?\s+)?content(?:\s+by\s+(?:weight|mass)|\s+in\s+(?:the\s+)?(?P<mat3>[a-z]+))?|recycled\s+(?P<mat4>[a-z]+)[ \t]*[:：=]|secondary\s+(?:raw\s+)?materials?\s+content|recycled\s+input|rezyklat[\s\-]?anteil|recycling[\s\-]?anteil|contenuto\s+(?:totale\s+)?di\s+(?:materiale\s+)?riciclato|contenido\s+(?:de\s+material\s+)?reciclado|teneur\s+en\s+(?:mati[eè]res?\s+)?recycl[ée]+s?))(?P<paren>[ \t]*\([^)\n]{{0,40}}\))?[ \t]*(?:[:：=]|(?-u:\b)is(?-u:\b)|(?-u:\b)was(?-u:\b))?[ \t]*(?:(?:approx(?:imately|\.)?|about|around|ca\.)[ \t]*)?(?:(?P<pre>%)[ \t]+)?(?P<num>{PCT})(?:[ \t]*(?P<unit>%|％|percent(?-u:\b)))?"
    )
);

lazy_re!(
    MIXED,
    r"(?i)^\s*(?:and|or|and/or|&|\+)\s+(?:responsibl|sustainabl|renewabl|bio|fair|certified|fsc|virgin|natural)"
);

// "… in parts containing more than 25% post-consumer recycled content":
// the share names which parts a requirement applies to, not what the
// product contains.
lazy_re!(
    CONDITION,
    r"(?i)(?-u:\b)(?:parts?|products?|items?|components?|plastics?|materials?|goods)\s+(?:containing|that\s+contains?|which\s+contains?|with)\s*$"
);

/// Before the percentage, these turn it into an end-of-life or waste figure.
const END_OF_LIFE: &[&str] = &[
    "recycling rate",
    "recovery",
    "recovered",
    "landfill",
    "end-of-life",
    "end of life",
    "take-back",
    "take back",
    "waste",
    "collected",
    "diverted",
    "diversion",
    "recyclab",
];

/// Words between the percentage and the material that keep the claim going.
fn qualifier(w: &str) -> Option<bool> {
    // Some(true): recycled-content marker; Some(false): neutral qualifier
    match w {
        "recycled" | "pcr" | "pcc" | "pir" | "pic" | "post-consumer" | "postconsumer"
        | "pre-consumer" | "preconsumer" | "post-industrial" | "postindustrial" => Some(true),
        "post" | "pre" | "consumer" | "industrial" | "certified" | "of" | "ocean-bound"
        | "closed-loop" | "closed" | "loop" | "post‑consumer" => Some(false),
        _ => None,
    }
}

fn adjective(w: &str) -> bool {
    matches!(
        w,
        "die-cast"
            | "die"
            | "cast"
            | "certified"
            | "high-quality"
            | "high-grade"
            | "ocean-bound"
            | "closed-loop"
            | "responsibly"
            | "sourced"
            | "rare"
            | "earth"
            | "high-performance"
            | "engineering"
    )
}

/// Tokens as (start, end, lower-case word without surrounding punctuation),
/// stopping at clause punctuation.
fn tokens(s: &str, max: usize) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    let mut i = 0;
    for raw in s.split_inclusive(char::is_whitespace) {
        let at = i;
        i += raw.len();
        let word = raw.trim_end();
        if word.is_empty() {
            continue;
        }
        let stop = word.ends_with([',', ';', ':', '.', ')', '(']) || word.starts_with('(');
        let clean = word.trim_matches(|c: char| !c.is_alphanumeric() && c != '-');
        if !clean.is_empty() {
            let off = word.find(clean).unwrap_or(0);
            out.push((at + off, at + off + clean.len(), clean.to_lowercase()));
        }
        if stop || out.len() >= max {
            break;
        }
    }
    out
}

pub(crate) fn find(text: &str, base: usize) -> Vec<RecycledFinding> {
    let mut out = Vec::new();
    percent_first(text, base, &mut out);
    label_first(text, base, &mut out);
    label_forms(text, base, &mut out);
    out
}

/// The material a label's material slot names, when the whole slot is one
/// vocabulary word ("plastics"); abbreviations and other words give none.
fn slot_material(slot: &str) -> Option<&'static str> {
    vocab::scan(slot, false, false)
        .into_iter()
        .find(|h| h.start == 0 && h.end == slot.len())
        .map(|h| h.canon)
}

/// The claims [`LABEL_FORMS`] reads, where no other rule read the same
/// number.
fn label_forms(text: &str, base: usize, out: &mut Vec<RecycledFinding>) {
    let Some(re) = LABEL_FORMS.as_ref() else {
        return;
    };
    for c in re.captures_iter(text) {
        let (Some(all), Some(label), Some(num)) = (c.get(0), c.name("label"), c.name("num")) else {
            continue;
        };
        let percent_sign = c.name("unit").is_some()
            || c.name("pre").is_some()
            || c.name("paren").is_some_and(|p| p.as_str().contains('%'));
        if !percent_sign {
            continue;
        }
        // a bare number must end its cell: "Recycled content (%): 30"
        if c.name("unit").is_none()
            && text[num.end()..].chars().next().is_some_and(|ch| {
                ch.is_alphanumeric()
                    || (ch == '.'
                        && text[num.end() + 1..].starts_with(|d: char| d.is_ascii_digit()))
            })
        {
            continue;
        }
        let Some(percent) = parse_number(num.as_str()).filter(|p| *p > 0.0 && *p <= 100.0) else {
            continue;
        };
        let (ns, ne) = (base + num.start(), base + num.end());
        if out
            .iter()
            .any(|f| f.evidence.start <= ns && ne <= f.evidence.end)
        {
            continue;
        }
        // the material a label names: "recycled plastics", "content in
        // plastics"; any other word there ("recycled fiber", "recycled
        // input") is not the product's material
        let slot = c.name("mat2").or(c.name("mat3")).or(c.name("mat4"));
        let material = slot.and_then(|m| slot_material(m.as_str()));
        let slot_word = slot.map(|m| m.as_str().to_lowercase());
        if slot.is_some()
            && material.is_none()
            && !matches!(slot_word.as_deref(), Some("input" | "inputs"))
            && !slot_word
                .as_deref()
                .is_some_and(|w| has_any_stem(w, crate::vocab::PACKAGING))
        {
            continue;
        }
        let Some((scope, pack_material)) = context(text, all.start(), all.end()) else {
            continue;
        };
        let material = match scope {
            Scope::Product => material.map(str::to_string),
            Scope::Packaging => Some(packaging_name(
                pack_material.or(slot.and_then(|m| packaging_material(m.as_str()))),
            )),
        };
        out.push(RecycledFinding {
            material,
            percent,
            kind: kind_of(label.as_str()),
            scope,
            evidence: Evidence {
                start: base + all.start(),
                end: base + all.end(),
            },
            confidence: 0.75,
            rule: "recycled_share_label",
        });
    }
}

/// What the words around a claim say about it: `None` when they make it
/// an end-of-life or waste figure or a target; otherwise whether it is about the
/// packaging, and the packaging material named there.
fn context(text: &str, start: usize, end: usize) -> Option<(Scope, Option<&'static str>)> {
    let (cs, ce) = clause_bounds(text, start, end, 200);
    let near_from = floor_boundary(text, start.saturating_sub(50)).max(cs);
    if has_any_stem(text.get(near_from..start).unwrap_or_default(), END_OF_LIFE) {
        return None;
    }
    let before_from = floor_boundary(text, start.saturating_sub(80)).max(cs);
    let before = text.get(before_from..start).unwrap_or_default();
    // after: up to 30 bytes, the clause end, or the next percentage
    let after_to = floor_boundary(text, (end + 30).min(ce.max(end)));
    let mut after = text.get(end..after_to).unwrap_or_default();
    if let Some(p) = after.find('%') {
        after = after.get(..p).unwrap_or_default();
    }
    // "our goal is 50% recycled content by 2025": a target, not a claim
    let clause_before = text.get(cs..start).unwrap_or_default();
    if crate::util::intention(clause_before) || crate::util::intention(after) {
        return None;
    }
    let claim = text.get(start..end).unwrap_or_default();
    let packaging = [before, claim, after]
        .iter()
        .any(|t| has_any_stem(t, crate::vocab::PACKAGING));
    if !packaging {
        return Some((Scope::Product, None));
    }
    let clause = text.get(cs..ce).unwrap_or_default();
    let material = [claim, after, before, clause]
        .iter()
        .find_map(|t| packaging_material(t));
    Some((Scope::Packaging, material))
}

/// The material of a packaging claim: "paper", "fiber", "cardboard"…
fn packaging_material(t: &str) -> Option<&'static str> {
    let low = t.to_lowercase();
    [
        ("chipboard", "chipboard"),
        ("paperboard", "paperboard"),
        ("cardboard", "cardboard"),
        ("corrugated", "cardboard"),
        ("paper", "paper"),
        ("fibre", "fiber"),
        ("fiber", "fiber"),
        ("pulp", "pulp"),
        ("plastic", "plastic"),
        ("foam", "foam"),
        ("纸", "paper"),
    ]
    .into_iter()
    .find(|(w, _)| low.contains(w))
    .map(|(_, m)| m)
}

/// The material name a packaging claim reports: "paper packaging", or
/// "packaging" when no material is named.
fn packaging_name(material: Option<&str>) -> String {
    match material {
        Some(m) => format!("{m} packaging"),
        None => "packaging".to_owned(),
    }
}

fn percent_first(text: &str, base: usize, out: &mut Vec<RecycledFinding>) {
    let Some(re) = PERCENT.as_ref() else { return };
    for c in re.captures_iter(text) {
        let (Some(all), Some(num)) = (c.get(0), c.name("num")) else {
            continue;
        };
        let Some(percent) = parse_number(num.as_str()).filter(|p| *p > 0.0 && *p <= 100.0) else {
            continue;
        };
        let rest_end = floor_boundary(text, all.end() + 120);
        let Some(rest) = text.get(all.end()..rest_end) else {
            continue;
        };
        let toks = tokens(rest, 10);

        let mut qual_words: Vec<&str> = Vec::new();
        let mut marker = false;
        let mut said_recycled = false;
        let mut last_end = 0;
        let mut i = 0;
        while let Some((_, e, w)) = toks.get(i) {
            match qualifier(w) {
                Some(m) => {
                    // "of" only right after the percentage: "35% of the plastic is recycled" is not a claim
                    if w == "of" && i > 0 {
                        break;
                    }
                    marker |= m;
                    said_recycled |= w == "recycled";
                    qual_words.push(w);
                    last_end = *e;
                    i += 1;
                }
                None => break,
            }
        }
        if !marker {
            continue;
        }
        // "recycled and responsibly sourced", "recycled or bio-based": a
        // share of mixed origins, not a recycled share
        if MIXED
            .as_ref()
            .is_some_and(|re| re.is_match(rest.get(last_end..).unwrap_or_default()))
        {
            continue;
        }
        // "of" with nothing after it is "35% of …" prose
        if qual_words.first() == Some(&"of") && qual_words.len() == 1 {
            continue;
        }

        // the material right after the qualifiers, skipping adjectives
        while toks.get(i).is_some_and(|(_, _, w)| adjective(w)) {
            i += 1;
        }
        let mut material: Option<&'static str> = None;
        let mut mat_end = last_end;
        let mut generic = false;
        if let Some((ts, _, w)) = toks.get(i) {
            if matches!(
                w.as_str(),
                "content"
                    | "contents"
                    | "material"
                    | "materials"
                    | "resin"
                    | "resins"
                    | "feedstock"
                    | "source"
                    | "sources"
            ) {
                generic = true;
                mat_end = toks.get(i).map_or(last_end, |t| t.1);
            } else if let Some(h) = rest
                .get(*ts..)
                .and_then(|t| vocab::scan(t, true, false).into_iter().next())
                .filter(|h| h.start == 0)
            {
                material = Some(h.canon);
                mat_end = ts + h.end;
            }
        }

        let start = all.start();
        if is_breakdown(text, start) {
            continue;
        }
        let before = text
            .get(floor_boundary(text, start.saturating_sub(40))..start)
            .unwrap_or_default();
        if CONDITION.as_ref().is_some_and(|re| re.is_match(before)) {
            continue;
        }
        let mut quote_start = start;
        let mut conf: f32 = 0.85;
        let mut backward = false;
        if material.is_none() && !generic {
            // "the plastic resins … contain between 10% and 85% PCC"
            let (cs, _) = clause_bounds(text, start, all.end(), 200);
            let from = floor_boundary(text, start.saturating_sub(80)).max(cs);
            let before = text.get(from..start).unwrap_or_default();
            if let Some(h) = vocab::scan(before, false, false)
                .into_iter()
                .rfind(|h| !vocab::negated(before, h.start, h.end))
            {
                material = Some(h.canon);
                quote_start = from + h.start;
                backward = true;
                conf -= 0.1;
            }
        }
        let end = all.end() + mat_end;
        let Some((scope, pack_material)) = context(text, start, end) else {
            continue;
        };

        let pre = c
            .name("pre")
            .map(|p| p.as_str().to_lowercase())
            .unwrap_or_default();
        if c.name("between").is_some() || c.name("range").is_some() {
            conf -= 0.25;
        } else if pre.starts_with("up") || pre.contains("maximum") || pre.starts_with("as much") {
            conf -= 0.1;
        } else if !pre.is_empty()
            && !pre.starts_with("approx")
            && !pre.starts_with("about")
            && !pre.starts_with("around")
        {
            conf -= 0.15;
        }
        if c.name("ormore").is_some() {
            conf -= 0.15;
        }
        if !said_recycled {
            conf -= 0.05;
        }
        if backward && end.saturating_sub(quote_start) > 200 {
            quote_start = start;
        }
        let phrase = qual_words.join(" ");
        let material = match scope {
            Scope::Product => material.map(str::to_string),
            Scope::Packaging => Some(packaging_name(pack_material.or(material))),
        };
        out.push(RecycledFinding {
            material,
            percent,
            kind: kind_of(&phrase),
            scope,
            evidence: Evidence {
                start: base + quote_start,
                end: base + end,
            },
            confidence: conf.clamp(0.0, 1.0),
            rule: "percent_recycled",
        });
    }
}

/// "a total recycled content of 80 percent, including 15 percent
/// post-consumer": a share introduced as part of a share stated just
/// before it in the same clause is a breakdown of that claim, not a claim.
fn is_breakdown(text: &str, start: usize) -> bool {
    let (cs, _) = clause_bounds(text, start, start, 160);
    let from = floor_boundary(text, start.saturating_sub(120)).max(cs);
    let before = text.get(from..start).unwrap_or_default().to_lowercase();
    let lead = before.trim_end_matches([' ', '\t', '\n', '(', ',']);
    [
        "including",
        "incl.",
        "of which",
        "which includes",
        "comprising",
    ]
    .iter()
    .any(|w| lead.ends_with(w))
        && (lead.contains('%') || lead.contains("percent"))
}

fn label_first(text: &str, base: usize, out: &mut Vec<RecycledFinding>) {
    let (Some(label), Some(content_of)) = (LABEL_FIRST.as_ref(), CONTENT_OF.as_ref()) else {
        return;
    };
    for c in label
        .captures_iter(text)
        .chain(content_of.captures_iter(text))
    {
        let (Some(all), Some(num)) = (c.get(0), c.name("num")) else {
            continue;
        };
        let Some(percent) = parse_number(num.as_str()).filter(|p| *p > 0.0 && *p <= 100.0) else {
            continue;
        };
        let material = c.name("mat").and_then(|m| slot_material(m.as_str()));
        // the share's subject may name its material ("of aluminium
        // extrusions"); a subject naming none leaves the material open
        let material = material.or_else(|| {
            c.name("subj").and_then(|m| {
                vocab::scan(m.as_str(), false, false)
                    .first()
                    .map(|h| h.canon)
            })
        });
        let Some((scope, pack_material)) = context(text, all.start(), all.end()) else {
            continue;
        };
        // an unknown word in the material slot ("Recycled fiber content") is
        // not the product's; about the packaging, it names its material
        let material = match scope {
            Scope::Product if c.name("mat").is_some() && material.is_none() => continue,
            Scope::Product => material.map(str::to_string),
            Scope::Packaging => Some(packaging_name(
                pack_material.or(c.name("mat").and_then(|m| packaging_material(m.as_str()))),
            )),
        };
        out.push(RecycledFinding {
            material,
            percent,
            kind: kind_of(all.as_str()),
            scope,
            evidence: Evidence {
                start: base + all.start(),
                end: base + all.end(),
            },
            confidence: 0.8,
            rule: "recycled_content_label",
        });
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::RecycledKind::{self, *};

    fn claims(text: &str) -> Vec<(Option<String>, f64, RecycledKind, String)> {
        find(text, 0)
            .into_iter()
            .map(|f| {
                (
                    f.material,
                    f.percent,
                    f.kind,
                    text[f.evidence.start..f.evidence.end].to_string(),
                )
            })
            .collect()
    }

    fn one(text: &str) -> (Option<String>, f64, RecycledKind, String) {
        let v = claims(text);
        assert_eq!(v.len(), 1, "{text}: {v:?}");
        v[0].clone()
    }

    #[test]
    fn patterns_compile() {
        assert!(PERCENT.is_some());
        assert!(LABEL_FIRST.is_some());
    }

    #[test]
    fn basic_claims() {
        assert_eq!(
            one("The housing uses 30% post-consumer recycled plastic."),
            (
                Some("plastic".into()),
                30.0,
                PostConsumer,
                "30% post-consumer recycled plastic".into()
            )
        );
        assert_eq!(
            one("Enclosure made with 100% recycled aluminium"),
            (
                Some("aluminium".into()),
                100.0,
                Unspecified,
                "100% recycled aluminium".into()
            )
        );
        assert_eq!(
            one("The case contains 35% PCR."),
            (None, 35.0, PostConsumer, "35% PCR".into())
        );
        assert_eq!(
            one("External enclosure contains\n20% post consumer recycled plastic"),
            (
                Some("plastic".into()),
                20.0,
                PostConsumer,
                "20% post consumer recycled plastic".into()
            )
        );
        assert_eq!(
            one("100% \nrecycled aluminum \nenclosure"),
            (
                Some("aluminium".into()),
                100.0,
                Unspecified,
                "100% \nrecycled aluminum".into()
            )
        );
        assert_eq!(
            one("We use 100 percent recycled tin in the solder of the main logic board."),
            (
                Some("tin".into()),
                100.0,
                Unspecified,
                "100 percent recycled tin".into()
            )
        );
        let (m, p, _, q) =
            one("an aluminum alloy made of 100 percent certified recycled aluminum,");
        assert_eq!(
            (m.as_deref(), p, q.as_str()),
            (
                Some("aluminium"),
                100.0,
                "100 percent certified recycled aluminum"
            )
        );
    }

    #[test]
    fn targets_are_not_claims() {
        assert!(claims("Our goal is to use 50% recycled plastic in every product.").is_empty());
        assert!(claims("We aim for 75% recycled content by 2025.").is_empty());
        assert!(claims("All new devices: 30% recycled plastic by the end of 2025.").is_empty());
        // a noun phrase is not a target, and a sentence closed inside
        // quotes ends there
        let (m, p, _, _) = one(
            "“a commitment to the highest standards by our supplier.” The frame is 75% post-consumer recycled plastics.",
        );
        assert_eq!((m.as_deref(), p), (Some("plastic"), 75.0));
        // a claim beside a target is still a claim
        let (m, p, _, _) =
            one("The enclosure contains 35% recycled plastic. Our goal is to go further.");
        assert_eq!((m.as_deref(), p), (Some("plastic"), 35.0));
    }

    #[test]
    fn bounds_and_ranges() {
        let (m, p, k, q) =
            one("There will also be up to 50% post-consumer recycled plastic in products");
        assert_eq!(
            (m.as_deref(), p, k, q.as_str()),
            (
                Some("plastic"),
                50.0,
                PostConsumer,
                "up to 50% post-consumer recycled plastic"
            )
        );
        let (m, p, _, q) = one("and 30-50% post-consumer recycled plastic");
        assert_eq!(
            (m.as_deref(), p, q.as_str()),
            (
                Some("plastic"),
                50.0,
                "30-50% post-consumer recycled plastic"
            )
        );
        let (m, p, k, _) =
            one("the plastic resins used for Lenovo products contain between 10% and 85% PCC.");
        assert_eq!((m.as_deref(), p, k), (Some("plastic"), 85.0, PostConsumer));
        let (_, p, _, _) = one("we use 35 percent or more recycled plastic in seven components");
        assert_eq!(p, 35.0);
        let (m, p, k, _) = one("Some plastic resins also contain between 20% and 99% PIC.");
        assert_eq!((m.as_deref(), p, k), (Some("plastic"), 99.0, PreConsumer));
    }

    #[test]
    fn die_cast_and_fabric() {
        let v = claims(
            "will include 100% post-consumer recycled fabric, 100% recycled die-cast aluminium, and 30-50% post-consumer recycled plastic",
        );
        let got: Vec<(Option<&str>, f64)> = v.iter().map(|c| (c.0.as_deref(), c.1)).collect();
        assert_eq!(
            got,
            [
                (Some("fabric"), 100.0),
                (Some("aluminium"), 100.0),
                (Some("plastic"), 50.0)
            ]
        );
    }

    #[test]
    fn label_first_forms() {
        assert_eq!(
            one("Recycled content: 35%"),
            (None, 35.0, Unspecified, "Recycled content: 35%".into())
        );
        let (m, p, k, _) = one("Post-consumer recycled plastic content of 30%");
        assert_eq!((m.as_deref(), p, k), (Some("plastic"), 30.0, PostConsumer));
        let (_, p, k, _) = one("PCR content 25 %");
        assert_eq!((p, k), (25.0, PostConsumer));
    }

    #[test]
    fn content_of_a_named_subject() {
        let (m, p, _, q) = one(
            "The scrap content of 6000-series alloy billet we produced in 2011 was around 70 percent.",
        );
        assert_eq!((m, p), (None, 70.0));
        assert!(q.starts_with("scrap content of") && q.ends_with("70 percent"));
        let (m, p, _, _) = one("The recycled content of the aluminium enclosure is 35%.");
        assert_eq!((m.as_deref(), p), (Some("aluminium"), 35.0));
        // a recycling rate is not content
        assert!(claims("The recycling rate of aluminium was 75 percent.").is_empty());
    }

    #[test]
    fn shares_labelled_in_other_words() {
        // a material word and a number on a later line are not a label
        assert_eq!(
            claims("20% post consumer recycled plastic\n\n98%")
                .iter()
                .map(|c| c.1)
                .collect::<Vec<_>>(),
            [20.0]
        );
        for (t, pct, mat) in [
            ("Recycled content (%): 30", 30.0, None),
            ("Share of recycled material: 60%", 60.0, None),
            ("Percentage of recycled material 35%", 35.0, None),
            (
                "Recycled material content is approximately 20 percent",
                20.0,
                None,
            ),
            ("Rezyklatanteil: 30 %", 30.0, None),
            (
                "Contenuto totale di materiale riciclato   %   5,71",
                5.71,
                None,
            ),
            (
                "Total recycled content (pre- and post-consumer): 42%",
                42.0,
                None,
            ),
            ("Recycled content by weight: 17.5%", 17.5, None),
            (
                "Recycled plastics: 23% of total plastic weight",
                23.0,
                Some("plastic"),
            ),
            ("Secondary material content: 40%", 40.0, None),
            ("Recycled content in plastics: 35%", 35.0, Some("plastic")),
        ] {
            let (m, p, _, _) = one(t);
            assert_eq!((m.as_deref(), p), (mat, pct), "{t}");
        }
        let (m, p, _, _) = one("Recycled packaging: 80%");
        assert_eq!((m.as_deref(), p), (Some("packaging"), 80.0));
        for t in [
            "Recycled water: 50%",
            "Recycled content (%): 2021",
            "Recycled content: 30 kg",
            "Recyclable content: 90%",
        ] {
            assert!(claims(t).is_empty(), "{t}: {:?}", claims(t));
        }
    }

    #[test]
    fn pcc_and_material_words() {
        let (m, p, k, _) = one(
            "In 2007, we began using 30% PCC recycled plastic, using end-of-life PET water bottles",
        );
        assert_eq!((m.as_deref(), p, k), (Some("plastic"), 30.0, PostConsumer));
        let (m, p, k, _) = one(
            "ThinkPad notebooks with 30% PCC recycled material from end-of-life electronic equipment",
        );
        assert_eq!((m, p, k), (None, 30.0, PostConsumer));
    }

    #[test]
    fn a_breakdown_of_a_stated_share_is_not_a_second_claim() {
        let c = claims(
            "all of which have a total recycled content of 80 percent, including 15 percent post-consumer.",
        );
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(c[0].1, 80.0);
        // a share that starts its own clause is its own claim
        let c = claims(
            "The frame has 80% recycled content. Including packaging, 15% recycled content.",
        );
        assert_eq!(c.len(), 2, "{c:?}");
    }

    #[test]
    fn distractors() {
        for t in [
            "100% recyclable packaging",
            "The product is 85% recyclable by weight.",
            "Fraction Recycled (remainder to landfill)  fraction  0.94",
            "Recycling rate: 90%",
            "85% of waste recycled at our sites",
            "At end of life, 90% of the materials are recycled.",
            "we participate in take-back programs for 99 percent of the countries where we sell products",
            // recycled and responsibly sourced, or bio-based: not a recycled share
            "The 13-inch MacBook Air packaging is made with 100 percent\nrecycled and responsibly sourced wood fiber.",
            "63.1% recycled and bio-based content",
            "more than 10% of all plastics purchased from suppliers contained recycled content",
            "Product Category Rule (PCR) for Preparing an EPD",
            "35% of the plastic is recycled",
            "UL requires at least 90 percent diversion through methods other than waste to energy",
            "150% recycled aluminium",
            "0% recycled plastic",
        ] {
            assert!(claims(t).is_empty(), "{t}: {:?}", claims(t));
        }
    }

    #[test]
    fn packaging_claims_are_reported_with_their_scope_and_material() {
        for (t, material, pct) in [
            (
                "52% \nrecycled content in \nfiber packaging",
                "fiber packaging",
                52.0,
            ),
            (
                "The chipboard material that forms the underlying structural layer of the box base and lid is made of 100% recycled content.",
                "chipboard packaging",
                100.0,
            ),
            (
                "·Packaging contains up to 80% recycled\npaper.",
                "paper packaging",
                80.0,
            ),
        ] {
            let found = find(t, 0);
            assert_eq!(found.len(), 1, "{t}: {found:?}");
            let f = &found[0];
            assert_eq!(
                (f.material.as_deref(), f.percent, f.scope),
                (Some(material), pct, Scope::Packaging),
                "{t}"
            );
            let quote = &t[f.evidence.start..f.evidence.end];
            assert!(
                quote.contains(&format!("{pct}")) || quote.contains(&format!("{}", pct as u32)),
                "{quote}"
            );
        }
        // and a product claim stays the product's
        let f = find(
            "External enclosure contains 20% post consumer recycled plastic",
            0,
        );
        assert_eq!(f[0].scope, Scope::Product);
    }

    #[test]
    fn neighbouring_packaging_item_does_not_spoil_a_product_claim() {
        let t = "100% \nrecycled tin in the \nsolder of the main \nlogic board  \n94% \nof the packaging is \nfiber based";
        let v = claims(t);
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(v[0].0.as_deref(), Some("tin"));
    }
}
