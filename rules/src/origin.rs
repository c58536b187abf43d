//! Country-of-origin rules.
//!
//! Only cues that speak about where the product was made count:
//! - `made_in`: "Made in China", "Manufactured in Mexico", "Assembled in the USA";
//! - `origin_label`: "Country of origin: Japan", "Final manufacturing location
//!   China", "Assembly \nLocation  China", "Assembly Location  no unit  CN",
//!   "Manufacturing site: Kuala Lumpur, Malaysia", and the sites of a
//!   semiconductor's stages: "Wafer fab: Taiwan", "Assembly: Malaysia",
//!   "Test: Philippines" (each stage's country counts);
//! - `origin_label_zh`: "产地 中国", "原产地：日本";
//! - `made_in_zh`: "中国制造".
//!
//! Each finding carries the stages it names ([`origin_roles`]): "Wafer fab:
//! Taiwan" is the wafer fab's country, "Assembled in Mexico" the assembly's,
//! "Made in China" names no stage.
//!
//! Everything else that names a country is ignored: addresses and
//! "Printed in USA" (the leaflet, not the part),
//! headquarters, sales offices, "sold in", "shipped to", "Designed in
//! California", use locations and electricity grids in carbon reports.

use crate::country::{country_prefix, is_cjk};
use crate::util::{has_any_stem, lazy_re, line_after, line_before, window};
use crate::{Evidence, OriginFinding, OriginRole};

lazy_re!(
    MADE_IN,
    r"(?i)(?:(?-u:\b)(?P<verb>made|manufactured|produced|assembled|fabricated|built|melted|poured|cast|forged|smelted|refined|grown|woven|knitted|sewn)[ \t]+in[ \t]+(?:the[ \t]+)?|(?P<local>hergestellt|produziert|gefertigt|fabriqu[ée]e?s?|produite?s?|prodott[oaie]|fabbricat[oaie]|realizzat[oaie]|fabricad[oa]s?|hech[oa]s?|producid[oa]s?)[ \t]+(?:in|en|au|aux)[ \t]+(?:der[ \t]+|la[ \t]+|le[ \t]+)?)"
);

lazy_re!(
    LABEL,
    r"(?i)(?-u:\b)(?:country[ \t]+of[ \t]+(?:origin|manufacture|manufacturing|assembly|production)|(?:place|location)s?[ \t]+of[ \t]+(?:origin|manufacture|manufacturing|assembly|production)(?:[ \t]+(?:sites?|plants?|facilit(?:y|ies))(?:\(s\))?)?|origin[ \t]+country|origin[ \t]+of[ \t]+(?:the[ \t]+)?(?:goods|products?|merchandise)|(?:final[ \t]+)?(?:assembly|manufacturing|manufacture|production)\s+(?:locations?|sites?|country|plants?|places?|facilit(?:y|ies))|(?:wafer[ \t]+)?fab(?:rication)?[ \t]+(?:location|site|country|plant))(?-u:\b)|(?-u:\b)(?:origin|(?:wafer[ \t]+)?fab(?:rication)?|assembly|test(?:ing)?)[ \t]*[:：]|(?-u:\b)(?:the|its|their)[ \t]+(?:country[ \t]+of[ \t]+)?origin[ \t]+(?:is|was)(?-u:\b)"
);

// COO is only an abbreviation in capitals.
lazy_re!(COO, r"(?-u:\b)C\.?O\.?O\.?[ \t]*[:：]");

lazy_re!(
    LABEL_ZH,
    r"(?:原产地|原产国|原产|产地|生产地|制造地|制造国|生产国)[ \t]*[:：]?[ \t]*"
);

lazy_re!(MADE_ZH, r"制造|生产");

lazy_re!(
    SEP,
    r"(?i)^(?:[ \t]*\([^)\n]{0,20}\))?[\s]*(?:[:：=\-–]|\.{2,})?\s*(?:no[ \t]+unit\s+)?"
);

/// The stages of making a product that a label, a column header or a verb
/// names: "Wafer fab location" the wafer fab, "Final assembly site" and
/// "assembled" the assembly, "Test" the test, "Country of manufacture",
/// "produced" and "生产地" manufacturing, "melted" the melt. "Made in",
/// "Country of origin" and "COO" name none.
pub fn origin_roles(label: &str) -> Vec<OriginRole> {
    let l = label.to_lowercase();
    let words: Vec<&str> = l
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |stems: &[&str]| words.iter().any(|w| stems.iter().any(|s| w.starts_with(s)));
    let mut out = Vec::new();
    if has(&["wafer"]) || words.contains(&"fab") {
        out.push(OriginRole::WaferFab);
    }
    if has(&["assembl"]) {
        out.push(OriginRole::Assembly);
    }
    if words
        .iter()
        .any(|w| ["test", "tested", "testing"].contains(w))
    {
        out.push(OriginRole::Test);
    }
    if has(&["melt", "smelt", "poured"]) {
        out.push(OriginRole::Melt);
    }
    if has(&[
        "manufactur",
        "production",
        "produced",
        "fabricat",
        "built",
        "forged",
        "cast",
        "refined",
        "grown",
        "woven",
        "knitted",
        "sewn",
    ]) || l.contains("生产")
        || l.contains("制造")
    {
        out.push(OriginRole::Manufacturing);
    }
    out.sort();
    out.dedup();
    out
}

// "produced in an owned plant located in Rubbiano (Italy)", "by ECS's
// factory located in eastern China", "mills based in Sweden"
lazy_re!(
    PLANT_IN,
    r"(?i)(?-u:\b)(?:plants?|factory|factories|facility|facilities|mills?|works|smelters?|casthouses?|foundry|foundries|refinery|refineries|(?:production|manufacturing|factory|plant)[ \t]+sites?)[ \t]*,?[ \t]+(?:(?:is|are)[ \t]+)?(?:located|based|situated)[ \t]+in[ \t]+"
);

/// Words of a place between "located in" and its country: "Rubbiano
/// (Italy)", "eastern China", "the south of France".
const PLACE_WORDS: usize = 5;

pub(crate) fn find(text: &str, base: usize) -> Vec<OriginFinding> {
    let mut out = Vec::new();
    plant_in(text, base, &mut out);
    made_in(text, base, &mut out);
    // "we plan to open a plant located in Mexico by 2026": a statement of
    // intent names no site the product comes from
    out.retain(|o| {
        let start = o.evidence.start - base;
        let end = o.evidence.end - base;
        let (cs, _) = crate::util::clause_bounds(text, start, end, 200);
        let before = text.get(cs..start).unwrap_or_default();
        let tail = crate::util::window(text, end, 40);
        let tail = tail.find([',', ';', '.']).map_or(tail, |k| &tail[..k]);
        !(crate::util::intention(before) || crate::util::intention(tail))
    });
    labelled(text, base, &mut out);
    column_sites(text, base, &mut out);
    coo_column(text, base, &mut out);
    chinese(text, base, &mut out);
    out
}

// A column header naming sites: "Assembly site", "Production plants",
// "Country of origin". Matched inside glued header rows too
// ("…cyclesAssembly siteRHF-indicator"), where it starts with a capital.
lazy_re!(
    SITE_COLUMN,
    r"(?i)(?:(?:final[ \t]+)?(?:assembly|production|manufacturing|fab(?:rication)?|test(?:ing)?)[ \t]+(?:sites?|locations?|plants?|facilit(?:y|ies))|country[ \t]+of[ \t]+(?:origin|manufacture|assembly|production))"
);

/// Rows read below a site column header.
const SITE_ROWS: usize = 8;

/// The sites of a column headed by a site label, printed on the rows
/// below the header ("Assembly site" above "D-22529 HAMBURG, Germany;
/// Bangkok, Thailand"): every country that ends a place on the next few
/// rows, until a row names none. Only where the header row itself gives
/// the label no value, which [`labelled`] reads.
fn column_sites(text: &str, base: usize, out: &mut Vec<OriginFinding>) {
    let Some(re) = SITE_COLUMN.as_ref() else {
        return;
    };
    for m in re.find_iter(text) {
        let prev = text[..m.start()].chars().next_back();
        let glued = prev.is_some_and(char::is_alphanumeric);
        let capital = m.as_str().starts_with(|c: char| c.is_uppercase());
        if glued && !(capital && prev.is_some_and(char::is_lowercase)) {
            continue;
        }
        if text[m.end()..]
            .chars()
            .next()
            .is_some_and(char::is_alphabetic)
            && !text[m.end()..].starts_with(|c: char| c.is_uppercase())
        {
            continue;
        }
        let before = line_before(text, m.start(), 20);
        if has_any_stem(before, &["use", "customer", "sales", "sold", "ship"]) {
            continue;
        }
        let rest_of_line = line_after(text, m.end(), 200);
        // a value on the header row is the label's own, read by `labelled`
        let value = rest_of_line.trim_start_matches(|c: char| !c.is_alphanumeric());
        if country_prefix(value, true).is_some() || !site_countries(rest_of_line).is_empty() {
            continue;
        }
        let mut pos = m.end() + rest_of_line.len();
        let mut found_any = false;
        let mut seen: Vec<&'static str> = Vec::new();
        for _ in 0..SITE_ROWS {
            let Some(nl) = text[pos..].find('\n') else {
                break;
            };
            let row_start = pos + nl + 1;
            let row = line_after(text, row_start, 400);
            pos = row_start + row.len();
            if row.trim().is_empty() {
                continue;
            }
            let sites = site_countries(row);
            if sites.is_empty() {
                if found_any {
                    break;
                }
                continue;
            }
            found_any = true;
            for (code, end) in sites {
                if seen.contains(&code) {
                    continue;
                }
                seen.push(code);
                push(
                    out,
                    base,
                    Found {
                        start: m.start(),
                        end: row_start + end,
                        country: code,
                        roles: origin_roles(m.as_str()),
                        confidence: 0.7,
                        rule: "origin_site_column",
                    },
                );
            }
        }
    }
}

// A column header whose cells are countries.
lazy_re!(
    COO_HEADER,
    r"(?i)^(?:country[ \t]+of[ \t]+(?:origin|manufacture|manufacturing|assembly|production)|origin[ \t]+country|(?-i:COO|C\.O\.O\.)|country[ \t]+\((?-i:COO)\)|made[ \t]+in)$"
);

/// Rows read below a country column header.
const COO_ROWS: usize = 25;

/// A line's cells (split at tabs and gaps of two or more spaces) as
/// trimmed (start, end) byte ranges.
fn gap_cells(line: &str) -> Vec<(usize, usize)> {
    crate::materials::cells(line)
        .into_iter()
        .map(|(s, c)| {
            let lead = c.len() - c.trim_start().len();
            (s + lead, s + c.trim_end().len())
        })
        .collect()
}

/// A table column headed "Country of Origin" / "COO": each row's cell in
/// that column, when the whole cell is a country name or code, is the
/// origin of that row's part ("ABC-123    Malaysia    8536.69"). Rows must
/// have the header's number of cells; the column ends at the first row that
/// does not, once a country was read.
fn coo_column(text: &str, base: usize, out: &mut Vec<OriginFinding>) {
    let Some(head_re) = COO_HEADER.as_ref() else {
        return;
    };
    let lines = crate::materials::line_spans(text);
    for (i, &(ls, le)) in lines.iter().enumerate() {
        let Some(line) = text.get(ls..le) else {
            continue;
        };
        let cells = gap_cells(line);
        if cells.len() < 2 {
            continue;
        }
        let Some(k) = cells
            .iter()
            .position(|&(s, e)| head_re.is_match(line[s..e].trim()))
        else {
            continue;
        };
        let (hs, he) = cells[k];
        let mut seen: Vec<&'static str> = Vec::new();
        for &(rs, re) in lines.iter().skip(i + 1).take(COO_ROWS) {
            let Some(row) = text.get(rs..re) else { break };
            if row.trim().is_empty() {
                continue;
            }
            let rc = gap_cells(row);
            if rc.len() != cells.len() {
                if seen.is_empty() {
                    continue;
                }
                break;
            }
            let (cs, ce) = rc[k];
            let cell = &row[cs..ce];
            let Some((code, len)) = country_prefix(cell, true) else {
                continue;
            };
            if len != cell.len() || seen.contains(&code) {
                continue;
            }
            seen.push(code);
            // the header and the cell, when close enough to quote together
            let start = if rs + ce - (ls + hs) <= 600 {
                ls + hs
            } else {
                rs + cs
            };
            push(
                out,
                base,
                Found {
                    start,
                    end: rs + ce,
                    country: code,
                    roles: origin_roles(&line[hs..he]),
                    confidence: 0.8,
                    rule: "origin_column",
                },
            );
        }
    }
}

struct Found {
    start: usize,
    end: usize,
    country: &'static str,
    roles: Vec<OriginRole>,
    confidence: f32,
    rule: &'static str,
}

fn push(out: &mut Vec<OriginFinding>, base: usize, f: Found) {
    let Found {
        start,
        end,
        country,
        roles,
        confidence,
        rule,
    } = f;
    out.push(OriginFinding {
        country: country.to_string(),
        roles,
        evidence: Evidence {
            start: base + start,
            end: base + end,
        },
        confidence,
        rule,
    });
}

/// "China or Malaysia", "China, Vietnam": the document hedges between sites.
fn followed_by_alternative(text: &str, end: usize) -> bool {
    let after = line_after(text, end, 40);
    let t = after.trim_start();
    let rest = if let Some(r) = t.strip_prefix("or ") {
        r
    } else if let Some(r) = t.strip_prefix("and/or ") {
        r
    } else if let Some(r) = t.strip_prefix(',') {
        r
    } else if let Some(r) = t.strip_prefix('/') {
        r
    } else {
        return false;
    };
    country_prefix(rest.trim_start(), false).is_some()
}

// "manufactured at our facility in Penang, Malaysia", "produced by our
// plant in Brno, Czech Republic": the place follows a short phrase naming
// the site.
lazy_re!(
    VERB_AT,
    r"(?i)(?-u:\b)(?:made|manufactured|produced|assembled|fabricated|built)[ \t]+(?:at|by)[ \t]+[^.;:\n\d]{1,50}?[ \t]in[ \t]+(?:the[ \t]+)?"
);

// "We manufacture Unistrut fittings in Wayne, MI", "Kaleseramik
// manufactures various ceramic products in the Company's plant in Turkey":
// a maker, an active making verb, what it makes, then the place.
lazy_re!(
    MAKER_MAKES,
    r"(?:(?-u:\b)(?i:we|they)|(?-u:\b)[A-Z][\w&'’.-]*)[ \t]+(?i:(?:also|currently|still|now)[ \t]+)?(?i:manufactures?|produces?|assembles?|makes|fabricates?)[ \t]+[^.;:\d]{1,60}?\s(?i:in)[ \t]+(?i:the[ \t]+)?"
);

/// Whether what a maker makes "in" a place is a product, not an order, a
/// market or a customer ("we manufacture to order for customers in
/// Germany" says where the customers are).
fn makes_a_thing(phrase: &str) -> bool {
    const NOT_A_THING: &[&str] = &[
        "for",
        "to",
        "customer",
        "customers",
        "client",
        "clients",
        "market",
        "markets",
        "sale",
        "sales",
        "sold",
        "use",
        "order",
        "orders",
        "demand",
    ];
    !phrase
        .split(|c: char| !c.is_alphanumeric())
        .skip(2)
        .any(|w| NOT_A_THING.contains(&w.to_lowercase().as_str()))
}

/// The country of the plant or factory that makes the product: the first
/// country named within a few words after "located in" or after "made at
/// our plant in", in the same clause.
fn plant_in(text: &str, base: usize, out: &mut Vec<OriginFinding>) {
    let (Some(re), Some(at_re), Some(maker_re)) =
        (PLANT_IN.as_ref(), VERB_AT.as_ref(), MAKER_MAKES.as_ref())
    else {
        return;
    };
    for m in re.find_iter(text).chain(at_re.find_iter(text)).chain(
        maker_re
            .find_iter(text)
            .filter(|m| makes_a_thing(m.as_str())),
    ) {
        let clause = window(text, m.end(), 80);
        let clause = clause
            .find(['.', ';', '\n'])
            .map_or(clause, |k| &clause[..k]);
        let mut at = 0;
        for _ in 0..=PLACE_WORDS {
            let rest = &clause[at..];
            let lead = rest.len() - rest.trim_start_matches([' ', '\t', '(', ',']).len();
            let start = at + lead;
            if start >= clause.len() {
                break;
            }
            let place = &clause[start..];
            if let Some((code, len)) =
                country_prefix(place, false).or_else(|| crate::country::capital_prefix(place))
            {
                let end = m.end() + start + len;
                let conf = if followed_by_alternative(text, end) {
                    0.6
                } else {
                    0.8
                };
                push(
                    out,
                    base,
                    Found {
                        start: m.start(),
                        end,
                        country: code,
                        roles: vec![OriginRole::Manufacturing],
                        confidence: conf,
                        rule: "plant_located_in",
                    },
                );
                break;
            }
            // the next word
            let word = clause[start..]
                .find([' ', '\t', '(', ','])
                .map_or(clause.len(), |k| start + k);
            at = word;
        }
        if !out.iter().any(|o| o.evidence.start == base + m.start()) {
            us_site(text, base, m.start(), m.end(), "plant_located_in", out);
        }
    }
}

/// A site cue followed at once by a US town and its state's postal code
/// ("casthouses, located in St. Augustine, FL, Monett, MO"): the United
/// States, read only right after a site or production cue, so an office
/// address elsewhere ("Malvern, PA") is not one.
fn us_site(
    text: &str,
    base: usize,
    cue_start: usize,
    cue_end: usize,
    rule: &'static str,
    out: &mut Vec<OriginFinding>,
) {
    let after = line_after(text, cue_end, 80);
    let Some(end) = crate::country::us_town_state(after) else {
        return;
    };
    push(
        out,
        base,
        Found {
            start: cue_start,
            end: cue_end + end,
            country: "US",
            roles: vec![OriginRole::Manufacturing],
            confidence: 0.7,
            rule,
        },
    );
}

fn made_in(text: &str, base: usize, out: &mut Vec<OriginFinding>) {
    let Some(re) = MADE_IN.as_ref() else { return };
    for c in re.captures_iter(text) {
        let (Some(all), Some(verb)) = (c.get(0), c.name("verb").or_else(|| c.name("local"))) else {
            continue;
        };
        let before = line_before(text, all.start(), 30).to_lowercase();
        if before.trim_end().ends_with("not")
            || before.contains("designed")
            || before.contains("except")
        {
            continue;
        }
        let Some((code, len)) = country_prefix(window(text, all.end(), 120), false) else {
            us_site(text, base, all.start(), all.end(), "made_in", out);
            continue;
        };
        let end = all.end() + len;
        // "melted and manufactured in the USA": both stages.
        let mut roles = origin_roles(verb.as_str());
        if before.trim_end().ends_with(" and") && origin_roles(&before).contains(&OriginRole::Melt)
        {
            roles.push(OriginRole::Melt);
            roles.sort();
            roles.dedup();
        }
        let mut conf: f32 = if verb.as_str().eq_ignore_ascii_case("made") {
            0.9
        } else {
            0.85
        };
        if followed_by_alternative(text, end) {
            conf = 0.6;
        }
        push(
            out,
            base,
            Found {
                start: all.start(),
                end,
                country: code,
                roles,
                confidence: conf,
                rule: "made_in",
            },
        );
    }
}

fn labelled(text: &str, base: usize, out: &mut Vec<OriginFinding>) {
    let Some(sep_re) = SEP.as_ref() else { return };
    // (pattern, confidence of a country name after it)
    let labels = [(LABEL.as_ref(), 0.85_f32), (COO.as_ref(), 0.95)];
    for (re, base_conf) in labels {
        let Some(re) = re else { continue };
        for m in re.find_iter(text) {
            let before = line_before(text, m.start(), 20);
            // "use location", "customer location" are about the use phase
            if has_any_stem(before, &["use", "customer", "sales", "sold", "ship"]) {
                continue;
            }
            let Some(rest) = Some(window(text, m.end(), 300)) else {
                continue;
            };
            let skip = sep_re.find(rest).map_or(0, |s| s.end());
            let sep = rest.get(..skip).unwrap_or_default();
            if sep.matches('\n').count() > 2 {
                continue;
            }
            let vstart = m.end() + skip;
            let Some(value) = Some(window(text, vstart, 200)) else {
                continue;
            };
            let label_conf = if m.as_str().to_lowercase().starts_with("country") {
                0.95
            } else {
                base_conf
            };
            if let Some((code, len)) = country_prefix(value, true) {
                let written = value.get(..len).unwrap_or_default();
                let is_code =
                    written.len() <= 3 && written.chars().all(|ch| ch.is_ascii_uppercase());
                let conf = if is_code {
                    label_conf - 0.05
                } else {
                    label_conf
                };
                let conf = if followed_by_alternative(text, vstart + len) {
                    0.6
                } else {
                    conf
                };
                push(
                    out,
                    base,
                    Found {
                        start: m.start(),
                        end: vstart + len,
                        country: code,
                        roles: origin_roles(m.as_str()),
                        confidence: conf,
                        rule: "origin_label",
                    },
                );
                continue;
            }
            // "Sedan (France), Clervaux (Luxembourg)": a list of sites, each
            // a short place name with its country after a comma or in
            // brackets; every country it names is a site's.
            if is_site_label(m.as_str()) {
                let line = line_after(text, vstart, 200);
                let sites = site_countries(line);
                for &(code, end) in &sites {
                    push(
                        out,
                        base,
                        Found {
                            start: m.start(),
                            end: vstart + end,
                            country: code,
                            roles: origin_roles(m.as_str()),
                            confidence: label_conf - 0.1,
                            rule: "origin_label",
                        },
                    );
                }
                if !sites.is_empty() {
                    continue;
                }
            }
            // "Kuala Lumpur, Malaysia": a short place name, a comma, a country
            // name (never a code: "Malvern, PA" is Pennsylvania, not Panama).
            let line = line_after(text, vstart, 80);
            let mut offset: usize = 0;
            for part in line.split(',') {
                // the place name(s) before this comma
                let words = line.get(..offset.saturating_sub(1)).unwrap_or_default();
                if offset > 0 {
                    let lead = part.len() - part.trim_start().len();
                    if let Some((code, len)) = country_prefix(part.trim_start(), false) {
                        let place_ok = words.split(',').all(|w| {
                            let w = w.trim();
                            !w.is_empty()
                                && w.split_whitespace().count() <= 3
                                && w.chars().all(|ch| {
                                    ch.is_alphabetic() || ch == ' ' || ch == '-' || ch == '.'
                                })
                        });
                        if place_ok {
                            let end = vstart + offset + lead + len;
                            push(
                                out,
                                base,
                                Found {
                                    start: m.start(),
                                    end,
                                    country: code,
                                    roles: origin_roles(m.as_str()),
                                    confidence: label_conf - 0.1,
                                    rule: "origin_label",
                                },
                            );
                        }
                        break;
                    }
                }
                offset += part.len() + 1;
                if offset > line.len() {
                    break;
                }
            }
        }
    }
}

/// A label that introduces places rather than one country: "Production
/// site(s)", "Manufacturing plants", "Location of production".
fn is_site_label(label: &str) -> bool {
    let l = label.to_lowercase();
    ["site", "plant", "facilit", "location", "place"]
        .iter()
        .any(|w| l.contains(w))
}

/// Words that make a list of places a company's reach, not its sites.
const REACH_WORDS: &[&str] = &[
    "countries",
    "worldwide",
    "continent",
    "europe",
    "asia",
    "africa",
    "south america",
    "north america",
    "latin america",
    "middle east",
];

/// Words a site's place name may have before its country.
const SITE_PLACE_WORDS: usize = 4;

/// The countries of a list of sites on one line, with the end of each
/// country's name: "Sedan (France), Clervaux (Luxembourg)", "Ahiboz Plant
/// (Ankara, Türkiye) and İzmit Plant (İzmit, Türkiye)", "Penang, Malaysia;
/// Suzhou, China". A country counts only where it ends a place, right after
/// an opening bracket, a comma or a semicolon, and is followed by a closing
/// bracket, a separator or the end of the line; a place is at most a few
/// words, so a sentence that happens to name a country is not a list of
/// sites. Country codes are never read here ("Malvern, PA").
fn site_countries(line: &str) -> Vec<(&'static str, usize)> {
    let line = line.trim_end();
    // "facilities in over 90 countries … in Europe, the USA, South America,
    // Russia": a company's reach by region, not a list of sites
    if has_any_stem(line, REACH_WORDS) {
        return Vec::new();
    }
    let mut out: Vec<(&'static str, usize)> = Vec::new();
    let mut words_since = 0;
    let mut i = 0;
    let bytes = line.as_bytes();
    while i < line.len() {
        let c = bytes[i];
        if matches!(c, b'(' | b',' | b';') {
            let start = i + 1 + (line[i + 1..].len() - line[i + 1..].trim_start().len());
            if let Some((code, len)) = country_prefix(&line[start..], false) {
                let end = start + len;
                let after = line[end..].trim_start();
                let closed = after.is_empty()
                    || after.starts_with([')', ',', ';', '.'])
                    || after.starts_with("and ");
                if closed && words_since <= SITE_PLACE_WORDS {
                    if !out.iter().any(|&(c, _)| c == code) {
                        out.push((code, end));
                    }
                    words_since = 0;
                    i = end;
                    continue;
                }
            }
            if c != b'(' {
                words_since = 0;
            }
            i += 1;
            continue;
        }
        if c == b' ' {
            let next = line[i + 1..].trim_start();
            if !next.is_empty() && !next.starts_with(['(', ',', ';']) {
                words_since += 1;
            }
            // "… and İzmit Plant (…)": a new site
            if next.starts_with("and ") {
                words_since = 0;
            }
        }
        i += line[i..].chars().next().map_or(1, char::len_utf8);
    }
    out
}

fn chinese(text: &str, base: usize, out: &mut Vec<OriginFinding>) {
    if let Some(re) = LABEL_ZH.as_ref() {
        for m in re.find_iter(text) {
            if let Some((code, len)) = country_prefix(window(text, m.end(), 120), false) {
                push(
                    out,
                    base,
                    Found {
                        start: m.start(),
                        end: m.end() + len,
                        country: code,
                        roles: origin_roles(m.as_str()),
                        confidence: 0.9,
                        rule: "origin_label_zh",
                    },
                );
            }
        }
    }
    if let Some(re) = MADE_ZH.as_ref() {
        for m in re.find_iter(text) {
            // the country name directly before 制造/生产: try each start up to 7 chars back
            let before = line_before(text, m.start(), 24);
            let mut best: Option<(&'static str, usize)> = None;
            for (i, ch) in before.char_indices() {
                if !is_cjk(ch) {
                    continue;
                }
                let Some(cand) = before.get(i..) else {
                    continue;
                };
                if let Some((code, len)) = country_prefix(cand, false)
                    && len == cand.len()
                {
                    best = Some((code, before.len() - i));
                    break;
                }
            }
            if let Some((code, back)) = best {
                let start = m.start() - back;
                // "中国制造" is "Made in China": no stage named.
                push(
                    out,
                    base,
                    Found {
                        start,
                        end: m.end(),
                        country: code,
                        roles: Vec::new(),
                        confidence: 0.85,
                        rule: "made_in_zh",
                    },
                );
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn origins(text: &str) -> Vec<(String, String, &'static str)> {
        find(text, 0)
            .into_iter()
            .map(|f| {
                (
                    f.country,
                    text[f.evidence.start..f.evidence.end].to_string(),
                    f.rule,
                )
            })
            .collect()
    }

    fn only(text: &str) -> (String, String) {
        let v = origins(text);
        assert_eq!(v.len(), 1, "{text:?}: {v:?}");
        (v[0].0.clone(), v[0].1.clone())
    }

    fn roles(text: &str) -> Vec<(String, Vec<OriginRole>)> {
        find(text, 0)
            .into_iter()
            .map(|f| (f.country, f.roles))
            .collect()
    }

    #[test]
    fn each_statement_names_its_stages() {
        use OriginRole::*;
        assert_eq!(
            roles("Wafer fab: Taiwan\nAssembly: Malaysia\nTest: Philippines"),
            [
                ("TW".into(), vec![WaferFab]),
                ("MY".into(), vec![Assembly]),
                ("PH".into(), vec![Test])
            ]
        );
        assert_eq!(roles("Made in China"), [("CN".into(), vec![])]);
        assert_eq!(roles("Country of origin: Japan"), [("JP".into(), vec![])]);
        assert_eq!(
            roles("Country of manufacture: Germany"),
            [("DE".into(), vec![Manufacturing])]
        );
        assert_eq!(
            roles("Assembled in the USA from imported parts"),
            [("US".into(), vec![Assembly])]
        );
        assert_eq!(
            roles("All bar stock is melted and manufactured in the USA."),
            [("US".into(), vec![Manufacturing, Melt])]
        );
        assert_eq!(roles("生产地：中国"), [("CN".into(), vec![Manufacturing])]);
        assert_eq!(roles("中国制造"), [("CN".into(), vec![])]);
        assert_eq!(origin_roles("Final assembly location"), [Assembly]);
        assert_eq!(origin_roles("COO"), []);
        assert_eq!(origin_roles("Wafer Fab Location"), [WaferFab]);
    }

    #[test]
    fn patterns_compile() {
        for re in [&MADE_IN, &LABEL, &COO, &LABEL_ZH, &MADE_ZH, &SEP] {
            assert!(re.is_some());
        }
    }

    #[test]
    fn a_maker_making_something_somewhere_and_a_stated_origin() {
        let o = origins("We manufacture Unistrut fittings in Wayne, MI and channel in Harvey, IL.");
        assert_eq!(o.first().map(|x| x.0.as_str()), Some("US"), "{o:?}");
        let o = origins(
            "Kaleseramik manufactures various ceramic products\nin the Company’s Çanakkale plant in Turkey.",
        );
        assert_eq!(o.first().map(|x| x.0.as_str()), Some("TR"), "{o:?}");
        let o = origins(
            "Name and location of production site(s): Vilnius asphalt plant production site is located in the Vilnius\nsuburb Riešė.",
        );
        assert_eq!(o.first().map(|x| x.0.as_str()), Some("LT"), "{o:?}");
        // a capital with no site cue is an address
        assert!(origins("Head office: Vilnius, Konstitucijos pr. 7").is_empty());
        let o = origins("The origin is Germany.");
        assert_eq!(o.first().map(|x| x.0.as_str()), Some("DE"), "{o:?}");
        for t in [
            "The preferential origin is the base for duty benefits.",
            "we manufacture to order for customers in Germany and France",
            "Our office is in Malvern, PA.",
        ] {
            let o = origins(t);
            assert!(o.is_empty(), "{t}: {o:?}");
        }
    }

    #[test]
    fn made_in_forms() {
        assert_eq!(only("Made in China"), ("CN".into(), "Made in China".into()));
        assert_eq!(
            only("This relay is manufactured in Mexico."),
            ("MX".into(), "manufactured in Mexico".into())
        );
        assert_eq!(
            only("Assembled in the USA from imported parts"),
            ("US".into(), "Assembled in the USA".into())
        );
        assert_eq!(only("MADE IN JAPAN"), ("JP".into(), "MADE IN JAPAN".into()));
        assert_eq!(
            only("Made in P.R. China"),
            ("CN".into(), "Made in P.R. China".into())
        );
        assert_eq!(
            only("Made in Viet Nam"),
            ("VN".into(), "Made in Viet Nam".into())
        );
    }

    #[test]
    fn labelled_forms() {
        assert_eq!(
            only("Country of origin: Japan"),
            ("JP".into(), "Country of origin: Japan".into())
        );
        assert_eq!(only("COO: TW"), ("TW".into(), "COO: TW".into()));
        assert_eq!(
            only("Final manufacturing location  China \nAdditional product"),
            ("CN".into(), "Final manufacturing location  China".into())
        );
        assert_eq!(
            only(
                "Product Weight  13.23 kg  Screen Size  27”  Assembly \nLocation  China \nProduct Lifetime  4 years  Use Location  EU"
            ),
            ("CN".into(), "Assembly \nLocation  China".into())
        );
        assert_eq!(
            only(
                "Location  Assembly Location  no unit  CN                         \nUse Location  no unit  WW"
            ),
            ("CN".into(), "Assembly Location  no unit  CN".into())
        );
        assert_eq!(
            only("Final Assembly Location: Malaysia"),
            ("MY".into(), "Final Assembly Location: Malaysia".into())
        );
        assert_eq!(
            only("Manufacturing site: Kuala Lumpur, Malaysia"),
            (
                "MY".into(),
                "Manufacturing site: Kuala Lumpur, Malaysia".into()
            )
        );
        assert_eq!(
            only("Origin: Germany"),
            ("DE".into(), "Origin: Germany".into())
        );
    }

    #[test]
    fn lists_of_production_sites() {
        let codes = |t: &str| -> Vec<String> { origins(t).into_iter().map(|o| o.0).collect() };
        assert_eq!(
            codes(
                "Name and location of production site(s): Sedan (France), Clervaux (Luxembourg)."
            ),
            ["FR", "LU"]
        );
        assert_eq!(
            codes(
                "Production Plants: Ahiboz Plant (Ankara, Türkiye) and İzmit Plant (İzmit, Türkiye)"
            ),
            ["TR"]
        );
        assert_eq!(
            codes("Manufacturing sites: Penang, Malaysia; Suzhou, China"),
            ["MY", "CN"]
        );
        assert_eq!(
            roles("Production site: Lyon (France)"),
            [("FR".into(), vec![OriginRole::Manufacturing])]
        );
        // a company's reach is not its sites
        assert!(codes("With 250 production facilities and sales organizations in over 90 countries, 35000 employees worldwide, the Group is present in Europe, the USA, South America, Russia, Asia").is_empty());
        // a sentence that names a country is not a list of sites
        assert!(codes("Production sites: our plants supply customers in the whole of Europe, Germany included").is_empty());
        // codes are not read: "PA" is Pennsylvania
        assert!(codes("Production site: Malvern, PA (USA office)").is_empty());
    }

    #[test]
    fn site_columns_read_the_rows_below() {
        let text = "12NCVersionNumber of processing cyclesAssembly siteRHF-indicator\n\
            MSLPPTMPPT\n\
            934055629146212601235D-22529 HAMBURG, Germany; Bangkok, Thailand; Dongguan, China \n\
            9340556291351612601235D-22529 HAMBURG, Germany; Dongguan, China \n\
            SubpartMaterial groupSubstances\n\
            Other text, Japan\n";
        let o = origins(text);
        let codes: Vec<&str> = o.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(codes, ["DE", "TH", "CN"]);
        assert!(o.iter().all(|x| x.2 == "origin_site_column"));
        assert!(o[0].1.starts_with("Assembly site") && o[0].1.ends_with("Germany"));
        assert_eq!(roles(text)[0], ("DE".into(), vec![OriginRole::Assembly]));
        // a word that merely contains the label, or a label with its own
        // value, is not a column
        assert!(origins("Disassembly sites\nBerlin, Germany\n").is_empty());
        assert_eq!(
            origins("Assembly site: Penang, Malaysia\nBerlin, Germany\n").len(),
            1
        );
    }

    #[test]
    fn us_towns_with_their_state_after_a_site_cue() {
        let (code, quote) = only(
            "These casthouses, located in St. Augustine, FL, Monett, MO, and Phoenix, AZ, utilize proprietary technology.",
        );
        assert_eq!(code, "US");
        assert_eq!(quote, "casthouses, located in St. Augustine, FL");
        assert_eq!(only("Assembled in Austin, TX").0, "US");
        assert_eq!(only("Produced in Lancaster, PA").0, "US");
        // an address is not a site
        assert!(origins("Bourns, Inc., Riverside, CA 92507").is_empty());
        assert!(origins("Contact: Malvern, PA").is_empty());
    }

    #[test]
    fn country_columns_and_more_production_wording() {
        let codes = |t: &str| -> Vec<String> { origins(t).into_iter().map(|o| o.0).collect() };
        let table = "Part Number      Country of Origin     HTS Code\n\
            ABC-123          Malaysia              8536.69\n\
            ABC-124          Thailand              8536.69\n\
            Notes: shipped from Singapore\n";
        assert_eq!(codes(table), ["MY", "TH"]);
        assert!(origins(table).iter().all(|o| o.2 == "origin_column"));
        assert_eq!(codes("Part Number\tCOO\tECCN\nXYZ100\tCN\tEAR99\n"), ["CN"]);
        // a cell that merely contains a country is not the column's value
        assert!(codes("Part\tCOO\nXYZ100\tsee China office\n").is_empty());
        assert_eq!(codes("Origin of goods: Japan"), ["JP"]);
        assert_eq!(
            codes("This product is manufactured at our facility in Penang, Malaysia."),
            ["MY"]
        );
        assert_eq!(
            codes("Produced at our plant in Brno, Czech Republic"),
            ["CZ"]
        );
        assert_eq!(codes("Hergestellt in Deutschland"), ["DE"]);
        assert_eq!(codes("Fabriqué en France"), ["FR"]);
        assert_eq!(codes("Prodotto in Italia"), ["IT"]);
        assert!(codes("Manufactured by our partners in accordance with IEC 60068").is_empty());
    }

    #[test]
    fn chinese_forms() {
        assert_eq!(only("产地 中国"), ("CN".into(), "产地 中国".into()));
        assert_eq!(only("原产地：日本"), ("JP".into(), "原产地：日本".into()));
        assert_eq!(only("本产品为中国制造"), ("CN".into(), "中国制造".into()));
        assert!(origins("中国电器电子产品有害物质限制使用管理办法（China RoHS 2）").is_empty());
        assert!(origins("产地：广东深圳").is_empty());
    }

    #[test]
    fn distractors() {
        for t in [
            "Headquarters Riverside CA",
            "Vishay Intertechnology, Inc., 63 Lancaster Avenue, Malvern, PA 19355",
            "Shenzhen XYZ Co., Ltd. Address: Bao'an District, Shenzhen, China",
            "Sales offices: China - Germany - Korea - Singapore - United States",
            "Sold in Germany and shipped to France.",
            "Use Location  EU",
            "Use location: Europe",
            "EU use phase; use location: United States",
            "Designed in California. ",
            "Assembly \nLocation  EU",
            "Assembly Location: Asia",
            "manufactured in accordance with IEC 60068",
            "I certify that the part was manufactured in the\n2. United States by us",
            "Wholly of foreign origin.",
            "Origin unknown.",
            "Manufactured by GUANGZHOU MARKYN NEW POWER",
            "Customer location: Japan",
            "Manufacturing site: Vishay, Malvern, PA",
            "made in us",
            "Printed in USA",
            "coo: cn",
        ] {
            assert!(origins(t).is_empty(), "{t}: {:?}", origins(t));
        }
    }

    #[test]
    fn intentions_name_no_site() {
        assert!(origins("We plan to open a plant located in Mexico next year.").is_empty());
        assert!(origins("Our goal is for all units to be made in the USA.").is_empty());
        assert!(origins("New models will be made in Vietnam by 2027.").is_empty());
        assert_eq!(origins("The unit is made in Vietnam.").len(), 1);
    }

    #[test]
    fn designed_and_assembled() {
        assert_eq!(
            only("Designed by Apple in California. Assembled in China."),
            ("CN".into(), "Assembled in China".into())
        );
    }

    #[test]
    fn hedged_sites_get_low_confidence() {
        let v = find("Made in China or Malaysia", 0);
        assert!(v.iter().all(|f| f.confidence <= 0.6));
    }
}
