//! Materials rules.
//!
//! A vocabulary word is only a material of the part where the document says
//! so. Rules, from most to least specific:
//! - `labelled_material`: a component label and its value, on one line
//!   ("Housing: PBT, UL94V-0", "Core Material ....Ferrite",
//!   "Contact material     Ag + Au-Alloy", "端子 … 磷青铜") or on the next
//!   line, as flattened tables print them ("外壳材料\n\nLCP（液晶聚合物）");
//! - `material_table`: short cells below a MATERIAL / 材质 column header;
//! - `declaration_substance`: every substance of a material declaration
//!   (documents with homogeneous materials and CAS numbers);
//! - `made_of_statement`: "enclosure made with 100% recycled aluminium";
//! - `plating_phrase`: "Matte Tin(Sn) lead finish", "gold plated contacts"
//!   (not when offered as an option: "contact us for gold-plated parts").
//!
//! Named-but-absent materials are dropped: "lead-free", "Pb-free", "PVC-free",
//! "Silicone Free", and anything in a compliance clause (RoHS lists,
//! exemptions, restricted substances).

use crate::util::{clause_bounds, has_any_stem, lazy_re};
use crate::vocab::{self, Class, Hit};
use crate::{Evidence, MaterialFinding};

/// Last word of a label that names a part of the product (or "material").
const HEADS: &[&str] = &[
    "case",
    "housing",
    "body",
    "shell",
    "cover",
    "enclosure",
    "contact",
    "terminal",
    "pin",
    "insulator",
    "insulation",
    "jacket",
    "sheath",
    "conductor",
    "shield",
    "shielding",
    "filler",
    "binder",
    "leadframe",
    "frame",
    "plating",
    "plate",
    "finish",
    "core",
    "electrode",
    "spring",
    "lid",
    "substrate",
    "post",
    "reinforcement",
    "wire",
    "compound",
    "encapsulant",
    "encapsulation",
    "attach",
    "material",
    "base",
    "lens",
    "tab",
    "cathode",
    "anode",
    "separator",
    "can",
    "cap",
    "gasket",
    "seal",
    "o-ring",
    "button",
    "bracket",
    "screw",
    "actuator",
    "lever",
    "magnet",
    "coil",
    "bobbin",
    "winding",
    "diaphragm",
    "membrane",
    "foil",
    "latch",
    "lock",
    "mold",
    "molding",
    "moulding",
    "die",
    "chip",
    "wafer",
    "rotor",
    "stator",
    "slider",
    "wiper",
    "ink",
    "glaze",
    "termination",
    "dielectric",
    "sleeve",
    "ferrule",
    "washer",
    "nut",
    "knob",
    "handle",
    "strap",
    "underplate",
    "underplating",
    "coating",
    "stem",
    "shaft",
    "spacer",
    "film",
    "laminate",
    "bezel",
    "chassis",
    "keycap",
    "header",
    "receptacle",
    "plug",
    "socket",
    "solder",
    "upholstery",
    "fabric",
    "textile",
    "cushion",
    "composition",
    "panel",
    "seat",
    "backrest",
    "armrest",
    "leg",
    "shelf",
    "door",
    "glass",
    // German, Italian, French, Spanish: housing, material(s)
    "gehäuse",
    "werkstoff",
    "materiale",
    "materiali",
    "matériau",
    "matériaux",
    "boîtier",
    "involucro",
    "carcasa",
];

/// Words that make a label about something other than what the part is made
/// of ("Contact resistance", "Carrier tape", "Terminal connections").
const BAD_LABEL_WORDS: &[&str] = &[
    "tape",
    "reel",
    "carrier",
    "packaging",
    "packing",
    "box",
    "tray",
    "bag",
    "label",
    "marking",
    "color",
    "colour",
    "resistance",
    "force",
    "strength",
    "current",
    "voltage",
    "temperature",
    "rating",
    "size",
    "dimension",
    "dimensions",
    "pitch",
    "thickness",
    "width",
    "length",
    "height",
    "weight",
    "type",
    "number",
    "no",
    "model",
    "capacity",
    "life",
    "humidity",
    "polarity",
    "code",
    "area",
    "form",
    "data",
    "connections",
    "arrangement",
    "style",
    "retention",
    "durability",
    "category",
    "categorization",
    "spec",
    "specification",
    "standard",
    "test",
    "gap",
    "clearance",
    "torque",
    "diameter",
    "count",
    "quantity",
    "qty",
    "mating",
    "cycles",
    "insertion",
    "withdrawal",
    "solderability",
    "flammability",
    "profile",
    "option",
    "orientation",
    "position",
    "method",
    "process",
    "description",
    "identification",
    "layout",
    "mounting",
    "configuration",
    "version",
    "designation",
];

const ZH_HEADS: &[&str] = &[
    "外壳",
    "壳体",
    "端子",
    "主体",
    "本体",
    "材质",
    "材料",
    "基材",
    "镀层",
    "电镀",
    "绝缘体",
    "胶芯",
    "弹片",
    "焊片",
    "锁扣",
    "接触件",
    "插针",
    "针脚",
    "导体",
    "护套",
    "屏蔽",
    "铁壳",
    "塑胶",
    "五金",
];

const ZH_BAD: &[&str] = &[
    "颜色", "厚度", "尺寸", "电流", "电压", "温度", "数量", "封装", "包装", "类型", "形状", "构造",
    "布局", "位置", "方法", "阻抗", "电阻", "寿命", "力", "受限", "有害",
];

/// Compliance wording: a material named here is restricted, not used.
const REGULATORY: &[&str] = &[
    "rohs",
    "exempt",
    "directive",
    "restrict",
    "hazardous",
    "svhc",
    "reach",
    "allowable",
    "allowed",
    "limit",
    "threshold",
    "ppm",
    "complian",
    "halogen",
    "prohibit",
    "declarable",
    "containing lead",
    "受限",
    "有害",
    "限制",
    "阈值",
    "豁免",
    "卤素",
];

lazy_re!(
    DECLARATION,
    r"(?i)homogeneous\s+material|material\s+declaration|material\s+data\s+sheet|product\s+content\s+declaration|full\s+material|material\s+composition|substance\s+name"
);
lazy_re!(pub(crate) CAS, r"(?-u:\b)\d{2,7}-\d{2}-\d(?-u:\b)");
lazy_re!(TABLE_HEADER, r"MATERIALS?|材质|材料");
lazy_re!(
    MADE_OF,
    r"(?i)(?-u:\b)(?:made|manufactured|constructed|built|crafted|formed|molded|moulded|fabricated)\s+(?:primarily\s+|entirely\s+|mostly\s+|mainly\s+|partly\s+|partially\s+|completely\s+)?(?:of|from|with|out\s+of|using)\s+"
);
lazy_re!(
    PLATING,
    r"(?i)(?-u:\b)(?:finish(?:ed)?|plat(?:ing|ed)|underplat(?:e|ing)|electroplated)(?-u:\b)"
);
// between the metal and the finish word: "(Sn) lead ", "-", " "
lazy_re!(
    PLATING_TAIL,
    r"(?i)^(?:\s*\([A-Za-z]{1,2}\))?[\s\-]*(?:(?:lead|terminal|contact|surface)\s+)?$"
);

// Wording that makes a finish one of several options ("Contact JST for
// gold-plated products", "also available with gold plating").
lazy_re!(
    OPTIONAL,
    r"(?i)please\s+contact|(?-u:\b)contact\s+(?:us|your|our|sales|(?-i:[A-Z]{2,}))(?-u:\b)|(?-u:\b)(?:available|on\s+request|upon\s+request|can\s+be|may\s+be|consult|optional|alternatives?|options?)(?-u:\b)"
);

/// Finishes are metals; "plastic finish" or "glass finish" is a texture.
const PLATING_METALS: &[&str] = &[
    "tin",
    "nickel",
    "gold",
    "silver",
    "palladium",
    "copper",
    "zinc",
    "chromium",
    "platinum",
];

lazy_re!(
    MADE_OF_GAP,
    r"(?i)^(?:\s*(?:\d{1,3}(?:[.,]\d+)?\s*(?:%|percent(?-u:\b)|per\s*cent(?-u:\b))|(?:recycled|certified|post[\s\-]?consumer|pre[\s\-]?consumer|post[\s\-]?industrial|pcr|pcc|die[\s\-]?cast|anodi[sz]ed|brushed|solid|pure|premium|durable|bio[\s\-]?based|renewable|responsibly\s+sourced|high[\s\-]?grade|a|an|the|and|or|up\s+to|at\s+least|over|more\s+than)(?-u:\b))[\s,]*)*$"
);
lazy_re!(
    LEAD_IN,
    r"^[ \t]*(?:[-•·*▪●■◆]+[ \t]*|\d{1,2}[.)][ \t]+|\(\d{1,2}\)[ \t]*)?"
);

pub(crate) fn find(text: &str, base: usize) -> Vec<MaterialFinding> {
    let lines = line_spans(text);
    let is_declaration = is_declaration(text);
    let mut out = Vec::new();
    labelled(text, base, &lines, !is_declaration, &mut out);
    // a table headed by part, material, substance and CAS columns is a
    // declaration however its CAS numbers are glued to their neighbours
    let columns = crate::columns::declaration_columns(text, base, &mut out);
    if columns {
        // read
    } else if is_declaration {
        if !declaration_rows(text, base, &mut out) {
            declaration(text, base, &lines, &mut out);
        }
    } else {
        table_sections(text, base, &lines, &mut out);
        component_table(text, base, &lines, &mut out);
    }
    made_of(text, base, &mut out);
    consists_of(text, base, &mut out);
    plating_phrases(text, base, &mut out);
    composition(text, base, &lines, &mut out);
    device_phrases(text, base, &mut out);
    out
}

// "6.0A SILICON RECTIFIER", "Silicon epitaxial planar diode", "GLASS FAST
// RECOVERY RECTIFIER": a semiconductor named by what it is made of.
lazy_re!(
    DEVICE_OF,
    r"(?i)(?-u:\b)(?P<m>silicon[ \t]+carbide|silicon|glass)(?:[ \t\-]+(?:epitaxial|planar|passivated|fast|ultra[ \t\-]?fast|super[ \t\-]?fast|recovery|switching|small|signal|power|general|purpose|junction|standard|zener|schottky|barrier|bridge|high|voltage|efficiency|sealed|surface|mount|smd))*[ \t\-]+(?:diodes?|rectifiers?|transistors?|thyristors?|mosfets?)(?-u:\b)"
);
// "Glass passivated die construction", "glass passivation",
// "Hermetically sealed glass" (body)
lazy_re!(
    GLASS_BODY,
    r"(?i)(?-u:\b)(?:glass[ \t\-]+passivat(?:ed|ion)|hermetically[ \t]+sealed[ \t]+glass)(?-u:\b)"
);
// "Molding compound meets UL 94 V-0 flammability rating"
lazy_re!(
    MEETS_UL94,
    r"(?i)(?-u:\b)(?:meets|is[ \t]+rated|rated|conforms[ \t]+to)[ \t]+UL[ \t\-]?94"
);

/// Semiconductor datasheets name the die and body materials in fixed
/// phrases: a device named by its material ("silicon rectifier"), glass
/// passivation or a sealed glass body, and the material a flammability
/// rating is stated for ("Molding compound meets UL 94 V-0").
fn device_phrases(text: &str, base: usize, out: &mut Vec<MaterialFinding>) {
    let mut found: Vec<(usize, usize, usize, &'static str)> = Vec::new();
    if let Some(re) = DEVICE_OF.as_ref() {
        for c in re.captures_iter(text) {
            let (Some(all), Some(m)) = (c.get(0), c.name("m")) else {
                continue;
            };
            if let Some(canon) = vocab::canonical(m.as_str()) {
                found.push((m.start(), m.end(), all.end(), canon));
            }
        }
    }
    if let Some(re) = GLASS_BODY.as_ref() {
        for m in re.find_iter(text) {
            found.push((m.start(), m.end(), m.end(), "glass"));
        }
    }
    if let Some(re) = MEETS_UL94.as_ref() {
        for m in re.find_iter(text) {
            let before = crate::util::line_before(text, m.start(), 60);
            let from = m.start() - before.len();
            // the material directly before the verb
            let hits = vocab::scan(before, true, false);
            let Some(h) = hits.last() else { continue };
            if !before[h.end..].trim().is_empty() {
                continue;
            }
            found.push((from + h.start, from + h.end, m.end(), h.canon));
        }
    }
    for (start, end, quote_end, canon) in found {
        let clause = text.get(start..quote_end).unwrap_or_default();
        if vocab::negated(text, start, end) || regulatory(clause) {
            continue;
        }
        let (s, e) = crate::util::trim_span(text, start, quote_end);
        out.push(MaterialFinding {
            name: canon.to_owned(),
            evidence: Evidence {
                start: base + s,
                end: base + e,
            },
            confidence: 0.6,
            rule: "device_phrase",
        });
    }
}

// "Materials used", "Material composition", "Materials used in Nest
// Protect", "The chart below details the materials used to create …".
lazy_re!(
    COMPOSITION_HEADER,
    r"(?i)(?-u:\b)(?:materials?\s+(?:used|use|composition|breakdown|content)(?-u:\b)|(?:material|product)\s+composition(?-u:\b))"
);
// a share or a mass printed in a legend cell: "21.13%", "166 g", "8g"
lazy_re!(
    LEGEND_FIGURE,
    r"(?i)^\s*(?:\d+(?:[.,]\d+)?\s*(?:%|g|kg|grams?)?\s*)?(?P<name>[^\d%]*?)\s*(?:\d+(?:[.,]\d+)?\s*(?:%|g|kg|grams?))?\s*$"
);

/// Lines after a composition heading that are read as its chart's legend.
const LEGEND_LINES: usize = 40;

/// The legend of a product's material-composition chart or table
/// ("Materials used … Metals 21.13% · Plastics · Glass and ceramic
/// materials · Battery"): cells (short lines, or runs split by tabs or wide
/// gaps) within [`LEGEND_LINES`] lines after the heading that consist of
/// material names only — "Glass and ceramic materials" is glass and
/// ceramic, "Metals" the class of metals; "Battery", "Electronics" and
/// "Others" are assemblies, not materials, and are skipped. The legend
/// ends at the first line about packaging.
fn composition(text: &str, base: usize, lines: &[(usize, usize)], out: &mut Vec<MaterialFinding>) {
    let (Some(head), Some(fig)) = (COMPOSITION_HEADER.as_ref(), LEGEND_FIGURE.as_ref()) else {
        return;
    };
    let mut done_until = 0;
    for (i, &(ls, le)) in lines.iter().enumerate() {
        if i < done_until {
            continue;
        }
        let Some(line) = text.get(ls..le) else {
            continue;
        };
        if !head.is_match(line) || has_any_stem(line, vocab::PACKAGING) {
            continue;
        }
        done_until = i + 1;
        for &(s, e) in lines.iter().skip(i + 1).take(LEGEND_LINES) {
            let Some(l) = text.get(s..e) else { break };
            if has_any_stem(l, vocab::PACKAGING) {
                break;
            }
            done_until += 1;
            for (cs, cell) in cells(l) {
                let Some(name) = fig.captures(cell).and_then(|c| c.name("name")) else {
                    continue;
                };
                let from = s + cs + name.start();
                for (ms, me, canon) in legend_materials(name.as_str()) {
                    out.push(MaterialFinding {
                        name: canon.to_owned(),
                        evidence: Evidence {
                            start: base + from + ms,
                            end: base + from + me,
                        },
                        confidence: 0.6,
                        rule: "composition_legend",
                    });
                }
            }
        }
    }
}

/// A line's cells: split at tabs and at gaps of two or more spaces.
pub(crate) fn cells(line: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let gap = if b[i] == b'\t' {
            1
        } else if b[i] == b' ' && b.get(i + 1) == Some(&b' ') {
            b[i..].iter().take_while(|&&c| c == b' ').count()
        } else {
            0
        };
        if gap > 0 {
            if i > start {
                out.push((start, &line[start..i]));
            }
            i += gap;
            start = i;
        } else {
            i += 1;
        }
    }
    if start < line.len() {
        out.push((start, &line[start..]));
    }
    out.into_iter()
        .filter(|(_, c)| !c.trim().is_empty())
        .collect()
}

/// The materials a legend cell names, when it names nothing else: its
/// parts (split at "and", "&", ",", "/") are each one vocabulary material
/// or "metal(s)", with an optional trailing "materials".
fn legend_materials(cell: &str) -> Vec<(usize, usize, &'static str)> {
    let trimmed = cell.trim_end();
    if trimmed.is_empty() || trimmed.chars().count() > 40 {
        return Vec::new();
    }
    let lower = trimmed.to_lowercase();
    if lower.len() != trimmed.len() {
        return Vec::new();
    }
    let body = lower
        .strip_suffix(" materials")
        .or_else(|| lower.strip_suffix(" material"))
        .unwrap_or(&lower);
    let mut found = Vec::new();
    let mut at = 0;
    for part in body.split([',', '&', '/']).flat_map(|p| p.split(" and ")) {
        let off = body[at..].find(part).map_or(at, |k| at + k);
        at = off + part.len();
        let word = part.trim();
        if word.is_empty() {
            continue;
        }
        let lead = part.len() - part.trim_start().len();
        let (s, e) = (off + lead, off + lead + word.len());
        let canon = match word {
            "metal" | "metals" => Some("metal"),
            // (lower casing kept the length; the boundaries are checked)
            _ => trimmed.get(s..e).and_then(vocab::canonical),
        };
        match canon {
            Some(c) => found.push((s, e, c)),
            None => return Vec::new(),
        }
    }
    found
}

/// "Matte Tin(Sn) lead finish with Nickel(Ni) underplate", "gold plated
/// contacts", "tin-plated": a metal named right before a finish word is the
/// part's plating, even without a label.
fn plating_phrases(text: &str, base: usize, out: &mut Vec<MaterialFinding>) {
    let (Some(re), Some(tail_re)) = (PLATING.as_ref(), PLATING_TAIL.as_ref()) else {
        return;
    };
    for m in re.find_iter(text) {
        let before = crate::util::line_before(text, m.start(), 40);
        let from = m.start() - before.len();
        // the metal directly before the finish word, "Tin(Sn)" read as one
        let hits = vocab::scan(before, false, true);
        let Some(h) = hits
            .iter()
            .rev()
            .take(2)
            .find(|h| before.get(h.end..).is_some_and(|t| tail_re.is_match(t)))
            .copied()
        else {
            continue;
        };
        if vocab::negated(before, h.start, h.end) {
            continue;
        }
        if !PLATING_METALS.contains(&h.canon) {
            continue;
        }
        let (cs, ce) = clause_bounds(text, m.start(), m.end(), 120);
        // "Contact JST for gold-plated products", "also available with …": an option, not this part
        if text
            .get(cs..ce)
            .is_some_and(|c| regulatory(c) || OPTIONAL.as_ref().is_some_and(|re| re.is_match(c)))
        {
            continue;
        }
        let abs = Hit {
            start: from + h.start,
            end: from + h.end,
            ..h
        };
        let quote_end = Hit {
            end: m.end(),
            ..abs
        };
        push(
            out,
            base,
            text,
            abs.start,
            &quote_end,
            0.65,
            "plating_phrase",
        );
    }
}

/// Material declarations name their substances with CAS numbers; the check
/// digit keeps dates ("2020-10-9") from looking like them.
pub(crate) fn is_declaration(text: &str) -> bool {
    if DECLARATION.as_ref().is_some_and(|re| re.is_match(text)) {
        return true;
    }
    let Some(re) = CAS.as_ref() else { return false };
    let mut valid = std::collections::HashSet::new();
    for m in re.find_iter(text) {
        if cas_checksum_ok(m.as_str()) {
            valid.insert(m.as_str());
            if valid.len() >= 3 {
                return true;
            }
        }
    }
    false
}

pub(crate) fn cas_checksum_ok(cas: &str) -> bool {
    let digits: Vec<u32> = cas.chars().filter_map(|c| c.to_digit(10)).collect();
    let Some((&check, body)) = digits.split_last() else {
        return false;
    };
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| (i as u32 + 1) * d)
        .sum();
    sum % 10 == check
}

pub(crate) fn line_spans(text: &str) -> Vec<(usize, usize)> {
    let mut v = Vec::new();
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            v.push((start, i));
            start = i + 1;
        }
    }
    v.push((start, text.len()));
    v
}

pub(crate) fn push(
    out: &mut Vec<MaterialFinding>,
    base: usize,
    text: &str,
    quote_start: usize,
    hit: &Hit,
    confidence: f32,
    rule: &'static str,
) {
    // Quote label → material when compact, the material alone otherwise.
    let start = if hit.end.saturating_sub(quote_start) <= 200 && quote_start <= hit.start {
        quote_start
    } else {
        hit.start
    };
    let (start, end) = crate::util::trim_span(text, start, hit.end);
    if start >= end {
        return;
    }
    let confidence = if hit.class == Class::Symbol {
        confidence - 0.05
    } else {
        confidence
    };
    out.push(MaterialFinding {
        name: hit.canon.to_string(),
        evidence: Evidence {
            start: base + start,
            end: base + end,
        },
        confidence,
        rule,
    });
}

pub(crate) fn regulatory(s: &str) -> bool {
    has_any_stem(s, REGULATORY)
}

fn words_lower(label: &str) -> Vec<String> {
    // drop parentheticals: "Case Material (UL94V-0)"
    let mut cleaned = String::new();
    let mut depth = 0usize;
    for c in label.chars() {
        match c {
            '(' | '（' | '[' => depth += 1,
            ')' | '）' | ']' => depth = depth.saturating_sub(1),
            _ if depth == 0 => cleaned.push(c),
            _ => {}
        }
    }
    cleaned
        .split(|c: char| c.is_whitespace() || matches!(c, '/' | ',' | '&'))
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric() && c != '-')
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

fn is_head(w: &str) -> bool {
    HEADS.contains(&w)
        || w.strip_suffix('s').is_some_and(|s| HEADS.contains(&s))
        || w.strip_suffix("es").is_some_and(|s| HEADS.contains(&s))
}

/// Does this label name a part of the product (or its material)?
fn label_ok(label: &str) -> bool {
    let label = label.trim();
    if label.is_empty() || label.chars().count() > 40 {
        return false;
    }
    let words = words_lower(label);
    if words.is_empty() || words.len() > 6 {
        return false;
    }
    if words.iter().any(|w| BAD_LABEL_WORDS.contains(&w.as_str()))
        || ZH_BAD.iter().any(|b| label.contains(b))
    {
        return false;
    }
    // "Main materials used": the participle after the head
    let words = match words.split_last() {
        Some((l, rest)) if !rest.is_empty() && matches!(l.as_str(), "used" | "employed") => {
            rest.to_vec()
        }
        _ => words,
    };
    let last = words.last().map(String::as_str).unwrap_or_default();
    if last.chars().any(crate::country::is_cjk) {
        return ZH_HEADS.iter().any(|h| last.ends_with(h));
    }
    // Latin labels are short noun phrases, not sentences
    words
        .iter()
        .filter(|w| w.chars().all(|c| c.is_ascii_alphabetic() || c == '-'))
        .count()
        + 1
        >= words.len()
        && is_head(last)
}

/// How a label is separated from its value on a line.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Form {
    /// "Housing: PBT"
    Colon,
    /// "Core Material ......Ferrite"
    Leaders,
    /// "Contact material     Ag + Au-Alloy" (layout columns, tabs)
    Columns,
    /// "housing PA9T (UL94V-0) black": one space, so the value must open
    /// with the material (checked by the caller)
    LeadingWord,
    /// the line is only a label; its value is on the next line
    WholeLine,
}

/// Splits a line into (label start, label end, value start, form), offsets
/// in the line.
fn split_label(line: &str) -> Option<(usize, usize, usize, Form)> {
    let lead = LEAD_IN
        .as_ref()
        .and_then(|re| re.find(line))
        .map_or(0, |m| m.end());
    let body = line.get(lead..)?;
    if body.trim().is_empty() {
        return None;
    }
    let head_window = crate::util::floor_boundary(body, 50);
    let window = body.get(..head_window).unwrap_or(body);

    // the earliest separator wins
    let colon = window.find([':', '：']).map(|p| {
        (
            p,
            p + body
                .get(p..)
                .and_then(|t| t.chars().next())
                .map_or(1, char::len_utf8),
            Form::Colon,
        )
    });
    let leaders = window.find("...").or_else(|| window.find('…')).map(|p| {
        let rest = body.get(p..).unwrap_or_default();
        let end = p + rest
            .find(|c: char| c != '.' && c != '…' && c != ' ')
            .unwrap_or(rest.len());
        (p, end, Form::Leaders)
    });
    let columns = window.find('\t').or_else(|| window.find("  ")).map(|p| {
        let rest = body.get(p..).unwrap_or_default();
        let end = p + rest
            .find(|c: char| c != ' ' && c != '\t')
            .unwrap_or(rest.len());
        (p, end, Form::Columns)
    });
    let best = [colon, leaders, columns]
        .into_iter()
        .flatten()
        .filter(|(p, _, _)| *p > 0)
        .min_by_key(|(p, _, _)| *p);
    if let Some((p, vs, form)) = best {
        return Some((lead, lead + p, lead + vs, form));
    }
    // "housing PA9T (UL94V-0) black", "端子 Sit uip 磷青铜": a label word, one space, a value
    let words: Vec<(usize, &str)> = body
        .split(' ')
        .scan(0usize, |pos, w| {
            let at = *pos;
            *pos += w.len() + 1;
            Some((at, w))
        })
        .take(3)
        .collect();
    for n in (1..=2).rev() {
        if words.len() > n {
            let (vat, _) = words[n];
            let label = body.get(..vat)?.trim_end();
            if label_ok(label) {
                return Some((lead, lead + label.len(), lead + vat, Form::LeadingWord));
            }
        }
    }
    Some((lead, line.trim_end().len(), line.len(), Form::WholeLine))
}

fn next_value_line(text: &str, lines: &[(usize, usize)], idx: usize) -> Option<(usize, usize)> {
    let mut breaks = 0;
    for &(s, e) in lines.iter().skip(idx + 1) {
        breaks += 1;
        if breaks > 3 {
            return None;
        }
        let line = text.get(s..e)?;
        if line.trim().is_empty() {
            continue;
        }
        return (line.trim().chars().count() <= 80).then_some((s, e));
    }
    None
}

/// `next_line`: whether a label may take its value from the next line. Not in
/// declarations, whose flattened columns pair a label with another row's cell.
fn labelled(
    text: &str,
    base: usize,
    lines: &[(usize, usize)],
    next_line: bool,
    out: &mut Vec<MaterialFinding>,
) {
    for (idx, &(ls, le)) in lines.iter().enumerate() {
        let Some(line) = text.get(ls..le) else {
            continue;
        };
        if line.len() > 400 || line.trim().is_empty() {
            continue;
        }
        let Some((lab_s, lab_e, val_s, form)) = split_label(line) else {
            continue;
        };
        let mut found = false;
        if let Some(label) = line.get(lab_s..lab_e).filter(|l| label_ok(l)) {
            let span = match form {
                Form::WholeLine => next_value_line(text, lines, idx)
                    .filter(|_| next_line)
                    .map(|(s, e)| (s, e, 0.75)),
                _ => {
                    let value = line.get(val_s..).unwrap_or_default();
                    if value.trim().is_empty() {
                        next_value_line(text, lines, idx)
                            .filter(|_| next_line)
                            .map(|(s, e)| (s, e, 0.75))
                    } else {
                        let ve = crate::util::floor_boundary(line, val_s + 150).max(val_s);
                        let conf = match form {
                            Form::Colon | Form::Leaders => 0.85,
                            Form::Columns => 0.8,
                            _ => 0.7,
                        };
                        Some((ls + val_s, ls + ve, conf))
                    }
                }
            };
            if let Some((vs, ve, conf)) = span {
                // a single space is a weak separator: the value must open with the material
                let must_open = form == Form::LeadingWord && label.is_ascii();
                found = emit(text, base, ls + lab_s, vs, ve, conf, must_open, out);
            }
        }
        if !found && next_line && form != Form::WholeLine {
            // the whole line may label a value on the next line ("焊片 Contact")
            let whole = line.trim();
            if label_ok(whole) {
                let lead = line.len() - line.trim_start().len();
                if let Some((vs, ve)) = next_value_line(text, lines, idx) {
                    found = emit(text, base, ls + lead, vs, ve, 0.75, false, out);
                }
            }
        }
        if !found {
            labelled_cells(text, base, ls, line, out);
        }
    }
}

/// A label and its value in one cell of a line whose columns the text
/// layer separated by tabs, the cell not the first: "(mA) (Ω) (V)\tContact
/// material Ag + Au-alloy" (a ratings table beside a contacts table).
fn labelled_cells(text: &str, base: usize, ls: usize, line: &str, out: &mut Vec<MaterialFinding>) {
    let mut at = 0;
    for (k, cell) in line.split('\t').enumerate() {
        let cs = at;
        at += cell.len() + 1;
        if k == 0 || cell.trim().is_empty() {
            continue;
        }
        let Some((lab_s, lab_e, val_s, form)) = split_label(cell) else {
            continue;
        };
        if form == Form::WholeLine || !cell.get(lab_s..lab_e).is_some_and(label_ok) {
            continue;
        }
        let value = cell.get(val_s..).unwrap_or_default();
        if value.trim().is_empty() {
            continue;
        }
        let ve = crate::util::floor_boundary(cell, val_s + 150).max(val_s);
        let must_open = form == Form::LeadingWord;
        emit(
            text,
            base,
            ls + cs + lab_s,
            ls + cs + val_s,
            ls + cs + ve,
            0.7,
            must_open,
            out,
        );
    }
}

/// Reports the materials named in `text[vs..ve]`, quoted from `quote_start`.
#[allow(clippy::too_many_arguments)]
fn emit(
    text: &str,
    base: usize,
    quote_start: usize,
    vs: usize,
    ve: usize,
    conf: f32,
    must_open: bool,
    out: &mut Vec<MaterialFinding>,
) -> bool {
    let Some(value) = text.get(vs..ve) else {
        return false;
    };
    if regulatory(value) {
        return false;
    }
    let hits = vocab::scan(value, true, true);
    // "Tinned copper alloy", "Gold-plated brass": a finish word may come first
    let opens = |p: &str| {
        p.split_whitespace().all(|w| {
            let w = w.to_lowercase();
            w.ends_with("plated")
                || matches!(w.as_str(), "tinned" | "silvered" | "annealed" | "hard")
        })
    };
    if must_open
        && !hits
            .first()
            .is_some_and(|h| value.get(..h.start).is_some_and(opens))
    {
        return false;
    }
    let mut any = false;
    let mut prev_end: Option<usize> = None;
    for h in hits {
        if vocab::negated(value, h.start, h.end) {
            continue;
        }
        // "P.B.T. polyester", "PA66 nylon": the class word right after a
        // material names that material again
        let restated = matches!(h.canon, "polyester" | "plastic" | "nylon" | "polyamide")
            && prev_end.is_some_and(|e| value.get(e..h.start).is_some_and(|g| g.trim().is_empty()));
        prev_end = Some(h.end);
        // "(gold plating available …)": an option, not this part
        let after = value.get(h.end..).unwrap_or_default();
        let after = &after[..after.find(['(', ')', ',', ';']).unwrap_or(after.len())];
        let after = &after[..crate::util::floor_boundary(after, 40)];
        if restated || OPTIONAL.as_ref().is_some_and(|re| re.is_match(after)) {
            continue;
        }
        let abs = Hit {
            start: vs + h.start,
            end: vs + h.end,
            ..h
        };
        push(
            out,
            base,
            text,
            quote_start,
            &abs,
            conf,
            "labelled_material",
        );
        any = true;
    }
    any
}

fn table_sections(
    text: &str,
    base: usize,
    lines: &[(usize, usize)],
    out: &mut Vec<MaterialFinding>,
) {
    let Some(header_re) = TABLE_HEADER.as_ref() else {
        return;
    };
    let mut idx = 0;
    while idx < lines.len() {
        let (ls, le) = lines[idx];
        idx += 1;
        let Some(line) = text.get(ls..le) else {
            continue;
        };
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.chars().count() > 60 || regulatory(trimmed) {
            continue;
        }
        let Some(m) = header_re.find(line) else {
            continue;
        };
        // "MATERIAL: …" is a labelled field, not a column header
        if line
            .get(m.end()..)
            .is_some_and(|t| t.trim_start().starts_with([':', '：']))
        {
            continue;
        }
        let mut seen = 0;
        let mut j = idx;
        while j < lines.len() && seen < 12 {
            let (s, e) = lines[j];
            j += 1;
            let Some(cell) = text.get(s..e) else { break };
            let t = cell.trim();
            if t.is_empty() {
                continue;
            }
            seen += 1;
            if t.chars().count() > 80 || regulatory(t) {
                break;
            }
            for h in vocab::scan(cell, true, false) {
                if vocab::negated(cell, h.start, h.end) {
                    continue;
                }
                let abs = Hit {
                    start: s + h.start,
                    end: s + h.end,
                    ..h
                };
                push(out, base, text, s, &abs, 0.6, "material_table");
            }
        }
    }
}

/// The homogeneous materials of a flattened declaration whose arithmetic
/// confirms its total: the materials named in the labels of its mass rows
/// ([`crate::balance::row_labels`]), not the substances listed beside them.
/// Used only when the rows name at least two materials; `false` leaves the
/// document to the line scan.
fn declaration_rows(text: &str, base: usize, out: &mut Vec<MaterialFinding>) -> bool {
    let mut found = Vec::new();
    for row in crate::balance::row_labels(text) {
        let Some(label) = text.get(row.clone()) else {
            continue;
        };
        if regulatory(label) {
            continue;
        }
        // "Ni/Ag" in a row's material cell is that row's one material,
        // named as printed, not two
        let groups: Vec<(usize, usize)> = SYMBOL_GROUP
            .as_ref()
            .map(|re| {
                re.find_iter(label)
                    .filter(|m| m.as_str().split('/').all(vocab::is_symbol))
                    .map(|m| (m.start(), m.end()))
                    .collect()
            })
            .unwrap_or_default();
        for &(s, e) in &groups {
            found.push(MaterialFinding {
                name: label[s..e].to_lowercase(),
                evidence: Evidence {
                    start: base + row.start + s,
                    end: base + row.start + e,
                },
                confidence: 0.7,
                rule: "declaration_row",
            });
        }
        let before = found.len();
        let hits = vocab::scan(label, true, true);
        for (k, h) in hits.iter().enumerate() {
            if groups.iter().any(|&(s, e)| h.start < e && s < h.end) {
                continue;
            }
            if h.class == Class::Symbol && !standalone(label, h) {
                continue;
            }
            if vocab::negated(label, h.start, h.end) {
                continue;
            }
            // a part named for its function ("Die Attach  High Temp
            // Solder"): the material is the one that follows
            if PART_NAMES.contains(&h.canon) && k + 1 < hits.len() {
                continue;
            }
            let abs = Hit {
                start: row.start + h.start,
                end: row.start + h.end,
                ..*h
            };
            push(
                &mut found,
                base,
                text,
                abs.start,
                &abs,
                0.75,
                "declaration_row",
            );
        }
        // a row whose material cell reads only "Plating": the plating is
        // that row's homogeneous material, its metal not printed
        if found.len() == before
            && let Some(m) = PLATING_CELL.as_ref().and_then(|re| re.find(label))
        {
            found.push(MaterialFinding {
                name: "plating".to_owned(),
                evidence: Evidence {
                    start: base + row.start + m.start(),
                    end: base + row.start + m.end(),
                },
                confidence: 0.6,
                rule: "declaration_row",
            });
        }
    }
    let distinct: std::collections::HashSet<&str> = found.iter().map(|f| f.name.as_str()).collect();
    if distinct.len() < 2 {
        return false;
    }
    out.extend(found);
    true
}

lazy_re!(PLATING_CELL, r"(?i)(?-u:\b)plating\s*$");

/// Materials that also name the part made of them: in a declaration row,
/// the part's name when another material follows it.
const PART_NAMES: &[&str] = &["die attach"];

lazy_re!(
    SYMBOL_GROUP,
    r"(?-u:\b)[A-Z][a-z]?(?:/[A-Z][a-z]?)+(?-u:\b)"
);

/// Symbols only as stand-alone cells: "Cu", "(Sn)", "Ni/Au".
fn standalone(line: &str, h: &Hit) -> bool {
    let ok = |c: Option<char>| c.is_none_or(|c| !crate::util::is_word_char(c));
    ok(crate::util::prev_char(line, h.start)) && ok(crate::util::next_char(line, h.end))
}

// Right after a name, what makes it a substance row of a declaration: its
// CAS number, or the CAS cell of a withheld one ("Epoxy resin Trade
// Secret"), allowing one further word ("SiO2 Glass Cloth 65997-17-3") and
// a bracketed qualifier ("Silica (fused) 60676-86-0").
lazy_re!(
    SUBSTANCE_TAIL,
    r"(?i)^[ \t]*(?:\([^()\n]{1,20}\)[ \t]*)?(?:[A-Za-z]{2,12}[ \t]+)?(?:\d{2,7}-\d{2}-\d(?-u:\b)|trade[ \t]+secret|proprietary|confidential)"
);

/// Whether the name ending at `end` of `line` is a substance: its CAS
/// number (or a withheld one) follows it.
fn substance_name(line: &str, end: usize) -> bool {
    let tail = crate::util::window(line, end, 40);
    SUBSTANCE_TAIL
        .as_ref()
        .and_then(|re| re.find(tail))
        .is_some_and(|m| {
            let t = m.as_str();
            !t.chars().any(|c| c.is_ascii_digit())
                || CAS
                    .as_ref()
                    .and_then(|re| re.find(t))
                    .is_some_and(|c| cas_checksum_ok(c.as_str()))
        })
}

/// The line scan of a declaration whose rows could not be read: every
/// material named in it, except that the substances (a name followed by
/// its CAS number) give way to the homogeneous materials when at least two
/// of those are named ("Silicon Die  Bond wire  Die Attach  Mold compound
/// … #1 Silica (fused) 60676-86-0").
fn declaration(text: &str, base: usize, lines: &[(usize, usize)], out: &mut Vec<MaterialFinding>) {
    let mut materials = Vec::new();
    let mut substances = Vec::new();
    declaration_scan(text, base, lines, &mut materials, &mut substances);
    let distinct: std::collections::HashSet<&str> =
        materials.iter().map(|f| f.name.as_str()).collect();
    if distinct.len() >= 2 {
        out.extend(materials);
    } else {
        let mut all: Vec<MaterialFinding> = materials.into_iter().chain(substances).collect();
        all.sort_by_key(|f| f.evidence.start);
        out.extend(all);
    }
}

fn declaration_scan(
    text: &str,
    base: usize,
    lines: &[(usize, usize)],
    materials: &mut Vec<MaterialFinding>,
    substances: &mut Vec<MaterialFinding>,
) {
    for &(ls, le) in lines {
        let Some(line) = text.get(ls..le) else {
            continue;
        };
        if line.trim().is_empty() {
            continue;
        }
        let short = line.len() <= 120;
        if short && regulatory(line) {
            continue;
        }
        for h in vocab::scan(line, true, true) {
            if h.class == Class::Symbol && !standalone(line, &h) {
                continue;
            }
            if vocab::negated(line, h.start, h.end) {
                continue;
            }
            if !short {
                let (cs, ce) = clause_bounds(line, h.start, h.end, 80);
                if line.get(cs..ce).is_some_and(regulatory) {
                    continue;
                }
            }
            let abs = Hit {
                start: ls + h.start,
                end: ls + h.end,
                ..h
            };
            let out = if substance_name(line, h.end) {
                &mut *substances
            } else {
                &mut *materials
            };
            push(
                out,
                base,
                text,
                abs.start,
                &abs,
                0.7,
                "declaration_substance",
            );
        }
    }
}

fn made_of(text: &str, base: usize, out: &mut Vec<MaterialFinding>) {
    let Some(re) = MADE_OF.as_ref() else { return };
    for m in re.find_iter(text) {
        let (cs, ce) = clause_bounds(text, m.start(), m.end(), 150);
        let subject = text.get(cs..m.start()).unwrap_or_default();
        if has_any_stem(subject, crate::vocab::PACKAGING) || regulatory(subject) {
            continue;
        }
        let window_end = crate::util::floor_boundary(text, (m.end() + 80).min(ce.max(m.end())));
        let Some(window) = text.get(m.end()..window_end) else {
            continue;
        };
        // "will be made with recycled plastic by the end of 2021": a plan,
        // not what the product is made of
        let phrase_end = window.find([',', ';']).unwrap_or(window.len());
        if crate::util::intention(subject)
            || crate::util::intention(window.get(..phrase_end).unwrap_or_default())
        {
            continue;
        }
        // the object of "made of" is a material slot: abbreviations count
        // there ("made of ABS"), symbols do not
        let first = vocab::scan(window, true, false)
            .into_iter()
            .find(|h| !vocab::negated(window, h.start, h.end));
        let Some(h) = first else { continue };
        // the material must be the object of "made of": only amounts and
        // recycled-content wording may stand between them
        let between = window.get(..h.start).unwrap_or_default();
        if !MADE_OF_GAP.as_ref().is_some_and(|re| re.is_match(between)) {
            continue;
        }
        let abs = Hit {
            start: m.end() + h.start,
            end: m.end() + h.end,
            ..h
        };
        let start = line_start_of_subject(text, cs, m.start());
        push(out, base, text, start, &abs, 0.6, "made_of_statement");
    }
}

// "Product components  Weight, kg  Post-consumer material, weight-%": the
// content declaration of an environmental product declaration, one row per
// component
lazy_re!(
    COMPONENT_HEADER,
    r"(?i)^[ \t]*(?:(?:product[ \t]+|main[ \t]+)?(?:components?|constituents?|raw[ \t]+materials?|ingredients?)|componenti(?:[ \t]+de(?:i|l)[ \t]+prodott[oi])?|bestandteile|komponenten|grundstoffe|composants|constituants|componentes)(?:[ \t]*\(.*\))?(?:[ \t]{2,}|\t|[ \t]*$)"
);
lazy_re!(
    COMPONENT_UNITS,
    r"(?i)(?-u:\b)(?:weight|mass|kg|g/m|%|share|amount|peso|gewicht|masse|poids|anteil)"
);
lazy_re!(TOTAL_ROW, r"(?i)^[ \t]*(?:total|sum)(?-u:\b)");

/// Rows read below one component header at most.
const COMPONENT_ROWS: usize = 25;

/// The component table of a product declaration: a header line that starts
/// with "Product components" (or constituents, raw materials, ingredients)
/// and has a weight or share column on it or on a line beside it; below it,
/// every row's first cell (the text before its first number) names a
/// component, and the materials named there are the product's. The table
/// ends at its total row, at the packaging table, or at two lines without a
/// number in a row.
fn component_table(
    text: &str,
    base: usize,
    lines: &[(usize, usize)],
    out: &mut Vec<MaterialFinding>,
) {
    let (Some(header), Some(units), Some(total)) = (
        COMPONENT_HEADER.as_ref(),
        COMPONENT_UNITS.as_ref(),
        TOTAL_ROW.as_ref(),
    ) else {
        return;
    };
    let line_at = |i: usize| lines.get(i).and_then(|&(s, e)| text.get(s..e));
    for idx in 0..lines.len() {
        let Some(line) = line_at(idx) else { continue };
        if !header.is_match(line) || regulatory(line) {
            continue;
        }
        let near = [idx.checked_sub(1), Some(idx), Some(idx + 1)];
        if !near
            .iter()
            .flatten()
            .filter_map(|&i| line_at(i))
            .any(|l| units.is_match(l))
        {
            continue;
        }
        let mut wordy = 0;
        let mut rows = 0;
        for &(s, e) in lines.iter().skip(idx + 1) {
            let Some(row) = text.get(s..e) else { break };
            let t = row.trim();
            if t.is_empty() {
                continue;
            }
            if total.is_match(row) || has_any_stem(t, &["packag"]) || regulatory(t) {
                break;
            }
            let Some(first_num) = row.find(|c: char| c.is_ascii_digit()) else {
                wordy += 1;
                if wordy >= 2 {
                    break;
                }
                continue;
            };
            wordy = 0;
            rows += 1;
            if rows > COMPONENT_ROWS {
                break;
            }
            // the first cell ends at a column gap or at the first number
            let lead = row.len() - row.trim_start().len();
            let body = row.get(lead..).unwrap_or_default();
            let gap = [body.find("  "), body.find('\t')]
                .into_iter()
                .flatten()
                .min()
                .map_or(usize::MAX, |p| lead + p);
            let Some(cell) = row.get(..gap.min(first_num)) else {
                continue;
            };
            for h in vocab::scan(cell, true, false) {
                // pigments and fillers ("Titanium Dioxide") are substances
                if vocab::negated(cell, h.start, h.end) || h.canon.ends_with("oxide") {
                    continue;
                }
                let abs = Hit {
                    start: s + h.start,
                    end: s + h.end,
                    ..h
                };
                push(out, base, text, s, &abs, 0.6, "component_table");
            }
        }
    }
}

// "consist of", "is composed of", "comprised of": what follows, up to the
// clause end, is the list of what the subject is made of
lazy_re!(
    CONSISTS_OF,
    r"(?i)(?-u:\b)(?:consist(?:s|ing)?|(?:is|are|be)[ \t]+(?:made[ \t]+up|composed|comprised))[ \t]+(?:mainly[ \t]+|mostly[ \t]+|primarily[ \t]+|essentially[ \t]+|entirely[ \t]+)?of[ \t\n]+"
);

/// Longest list after "consist of" read for materials.
const LIST_SPAN: usize = 200;

/// "The declared plasterboards consist of a gypsum core and a boardliner
/// wrapping the gypsum core": every material named in the list, up to the
/// end of the clause, is one the subject is made of. Abbreviations count
/// ("consists of PVC and glass fibre"), element symbols do not.
fn consists_of(text: &str, base: usize, out: &mut Vec<MaterialFinding>) {
    let Some(re) = CONSISTS_OF.as_ref() else {
        return;
    };
    for m in re.find_iter(text) {
        let (cs, ce) = clause_bounds(text, m.start(), m.end(), LIST_SPAN);
        let subject = text.get(cs..m.start()).unwrap_or_default();
        if has_any_stem(subject, crate::vocab::PACKAGING) || regulatory(subject) {
            continue;
        }
        let end = crate::util::floor_boundary(text, ce.min(m.end() + LIST_SPAN).max(m.end()));
        let Some(list) = text.get(m.end()..end) else {
            continue;
        };
        if regulatory(list) {
            continue;
        }
        let start = line_start_of_subject(text, cs, m.start());
        for h in vocab::scan(list, true, false) {
            if vocab::negated(list, h.start, h.end) {
                continue;
            }
            let abs = Hit {
                start: m.end() + h.start,
                end: m.end() + h.end,
                ..h
            };
            push(out, base, text, start, &abs, 0.6, "consists_of_list");
        }
    }
}

/// Quote from the noun before "made of" when it is close: "Enclosure made
/// with 100% recycled aluminum".
fn line_start_of_subject(text: &str, clause_start: usize, verb_start: usize) -> usize {
    let seg = text.get(clause_start..verb_start).unwrap_or_default();
    let trimmed = seg.trim_end();
    let start = match trimmed
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_whitespace())
    {
        Some((p, c)) if trimmed.len() - p <= 30 => clause_start + p + c.len_utf8(),
        None if trimmed.len() <= 30 => clause_start + (seg.len() - seg.trim_start().len()),
        _ => verb_start,
    };
    start.min(verb_start)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn mats(text: &str) -> Vec<(String, String, &'static str)> {
        let mut v: Vec<(String, String, &'static str)> = find(text, 0)
            .into_iter()
            .map(|f| {
                (
                    f.name,
                    text[f.evidence.start..f.evidence.end].to_string(),
                    f.rule,
                )
            })
            .collect();
        v.dedup_by(|a, b| a.0 == b.0);
        v
    }

    fn names(text: &str) -> Vec<String> {
        let mut v: Vec<String> = find(text, 0).into_iter().map(|f| f.name).collect();
        v.sort();
        v.dedup();
        v
    }

    #[test]
    fn finishes_dotted_abbreviations_class_words_and_options() {
        assert_eq!(names("\tEnclosure P.B.T. polyester"), vec!["pbt"]);
        assert_eq!(
            names("Terminals Tinned copper alloy, P.C."),
            vec!["copper alloy"]
        );
        assert_eq!(
            names("Material Silver tin oxide (gold plating available not TÜV approved)"),
            vec!["silver tin oxide"]
        );
        assert_eq!(names("Housing: PA66 nylon"), vec!["pa66"]);
        // a class word on its own is still a material
        assert_eq!(names("Housing: polyester"), vec!["polyester"]);
    }

    #[test]
    fn patterns_compile() {
        for re in [
            &DECLARATION,
            &CAS,
            &TABLE_HEADER,
            &MADE_OF,
            &MADE_OF_GAP,
            &PLATING,
            &PLATING_TAIL,
            &OPTIONAL,
            &LEAD_IN,
        ] {
            assert!(re.is_some());
        }
    }

    #[test]
    fn labelled_lines() {
        assert_eq!(names("Case: molded plastic"), ["plastic"]);
        assert_eq!(names("Housing: PBT, UL94V-0"), ["pbt"]);
        assert_eq!(
            names("Contact: phosphor bronze, tin plated"),
            ["phosphor bronze", "tin"]
        );
        assert_eq!(names("Terminal: brass"), ["brass"]);
        assert_eq!(names("Insulator: LCP"), ["lcp"]);
        assert_eq!(
            names("Case Material: Molded Plastic. UL Flammability Classification Rating 94V-0"),
            ["plastic"]
        );
        assert_eq!(
            names("Terminals: Lead Free Plating (Matte Tin Finish)."),
            ["tin"]
        );
        assert_eq!(
            names(
                "Core Material ................................Ferrite\nInternal Conductor ...............Ag or Ag/Pd\nTerminal ....................................Ag/Ni/Sn"
            ),
            ["ferrite", "nickel", "palladium", "silver", "tin"]
        );
        assert_eq!(
            names("  1. Conductor:7 strands class B compressed bare copper per ASTM B3"),
            ["copper"]
        );
        assert_eq!(
            names("  2. Insulation:Polyethylene (PE) and Polyvinyl Chloride (PVC)"),
            ["pe", "pvc"]
        );
        assert_eq!(names("TERMINAL: PHOSPHOR BRONZE"), ["phosphor bronze"]);
        assert_eq!(names("Base housing: PA, natural (white)"), ["polyamide"]);
        assert_eq!(
            names("Post: Copper alloy, tin-plated"),
            ["copper alloy", "tin"]
        );
        let v = mats("Housing: PBT, UL94V-0");
        assert_eq!(v[0].1, "Housing: PBT");
    }

    #[test]
    fn label_and_value_on_separate_lines() {
        assert_eq!(
            names("Contact material\n\nAg + Au-Alloy\n\nContact resistance"),
            ["gold alloy", "silver"]
        );
        let v = mats("壳体特性\n外壳材料\n\nLCP（液晶聚合物）\n\n中心线（间距）");
        assert_eq!(v[0].0, "lcp");
        assert_eq!(v[0].1, "外壳材料\n\nLCP");
        assert_eq!(
            names("端子基材\n\n磷青铜\n\nPCB 端子端接区域电镀材料\n\n金\n\n端子类型"),
            ["gold", "phosphor bronze"]
        );
        assert_eq!(names("housing\n\nPA9T (UL94V-0)\n\nblack"), ["pa9t"]);
    }

    #[test]
    fn layout_columns_and_single_space_cells() {
        assert_eq!(
            names("Contact material                 Ag + Au-Alloy"),
            ["gold alloy", "silver"]
        );
        assert_eq!(names("housing PA9T (UL94V-0) black"), ["pa9t"]);
        assert_eq!(
            names("front shell SUS304 nickel"),
            ["nickel", "stainless steel"]
        );
        assert_eq!(
            names("端子 Sit uip 磷青铜 Phosphor Bronze"),
            ["phosphor bronze"]
        );
        assert!(names("case studies, white papers, and blogs").is_empty());
    }

    #[test]
    fn chinese_labels() {
        assert_eq!(names("外壳材料：PBT"), ["pbt"]);
        assert_eq!(names("端子材料：黄铜镀锡"), ["brass", "tin"]);
        assert!(names("端子额定电流（最大值）\n\n.5 A").is_empty());
        assert!(names("PCB 端子端接区域电镀材料厚度\n\n.025 µm").is_empty());
    }

    #[test]
    fn non_material_labels_and_values() {
        for t in [
            "Case: DO-35 (DO-204AH)",
            "Case: SOT-23",
            "Terminals: Axial Leads, Solderable per MIL-STD-202, Method 208",
            "Contact resistance: 20 mΩ max",
            "Insulation resistance  100 MΩ",
            "Terminal Connections: See Diagram",
            "Material categorization: for definitions of compliance please see www.vishay.com",
            "MATERIAL: .050 x .050 CL THROUGH HOLE TERMINAL STRIP",
            "INSULATOR: LCD UL 94-V0",
            "Carrier tape: polystyrene",
            "Shield: Silicone Free",
            "Plating: Pb-free",
            "Finish: lead-free, halogen-free",
            "Polarity: Color band denotes cathode end",
            "Housing: black",
        ] {
            assert!(names(t).is_empty(), "{t}: {:?}", names(t));
        }
    }

    #[test]
    fn rohs_lists_are_not_materials() {
        let t = "Conclusion:\nThe package meets the following RoHS requirements:\nLead*\nMercury\nCadmium\nHexavalent Chromium\nPolybrominated Biphenyls (PBB)\nMaximum Allowable Limit (wt %)\n1000 ppm";
        assert!(names(t).is_empty(), "{:?}", names(t));
        let t2 = "European RoHS Directive restrictions on lead, mercury, cadmium,\nhexavalent chromium, polybrominated biphenyls (PBB)";
        assert!(names(t2).is_empty());
        assert!(names("Pb free and RoHS compliant").is_empty());
        assert!(names("- Pb free and RoHS compliant\nThis is a Pb − Free Device").is_empty());
    }

    #[test]
    fn declarations() {
        let t = "MATERIAL DECLARATION SHEET\nHomogeneous\nMaterial\nSubstances\nCASRN\nFerrite Material\nIron oxide (Fe2O3)\nNickel oxide (NiO)\n1309-37-1\nCopper (Cu)\nPolyester Resin\n7440-50-8\nTin (Sn)\nSilver (Ag)\nCarbon black\nSilicon dioxide\nHeadquarters Riverside CA";
        let n = names(t);
        for want in [
            "ferrite",
            "iron oxide",
            "nickel oxide",
            "copper",
            "polyester",
            "tin",
            "silver",
            "carbon black",
            "silica",
        ] {
            assert!(n.contains(&want.to_string()), "{want} missing from {n:?}");
        }
        // CAS numbers alone are not materials; company lines neither
        assert!(!n.iter().any(|x| x.contains("1309")));
        // exemption clauses in a declaration
        let t2 = "Material Declaration Sheet. Homogeneous material list. 7(c)-I. Electrical and electronic components containing lead in a glass or ceramic other than dielectric ceramic in capacitors.";
        assert!(names(t2).is_empty(), "{:?}", names(t2));
        // substances named with their CAS numbers give way to the
        // homogeneous materials named beside them
        let t3 = "Material Declaration. Description Silicon Die Die Attach Lead frame Mold compound Plating CAS Number weight(mg) #1 Silicon 7440-21-3 1.2 #1 Epoxy resin Trade Secret 0.1 #2 Silver 7440-22-4 0.3 #1 Copper 7440-50-8 20.1 #2 Iron 7439-89-6 0.5 #1 Silica (fused) 60676-86-0 30.2 #2 Carbon Black 1333-86-4 0.1 #1 Tin 7440-31-5 1.0";
        let n = names(t3);
        for want in ["silicon", "die attach", "molding compound"] {
            assert!(n.contains(&want.to_string()), "{want} missing from {n:?}");
        }
        for not in ["silver", "iron", "carbon black", "silica", "tin"] {
            assert!(!n.contains(&not.to_string()), "{not} in {n:?}");
        }
        // with no homogeneous materials named, the substances stand
        let t4 = "Material Declaration. CAS Number #1 Copper 7440-50-8 20.1 #2 Tin 7440-31-5 1.0";
        assert_eq!(names(t4), ["copper", "tin"]);
    }

    #[test]
    fn material_tables() {
        let t = "DESCRIPTION\n\nMATERIAL\n\nPLATING/COLOR\n\nhousing\n\nPA9T (UL94V-0)\n\nblack\n\ncontact\n\nC1815\n\ncontact area: 1 µ” gold\nover 50 μ” nickel\n\nmid plate\n\nSUS301\n\nclear";
        let n = names(t);
        for want in ["pa9t", "gold", "nickel", "stainless steel"] {
            assert!(n.contains(&want.to_string()), "{want} missing from {n:?}");
        }
        let zh = "名称 NAME\n\n材质\n\n主体 Main body\n\nMATERIALS\n\nLCP(本色)\n\n锁扣 Housing Lock\n\nUL 94V-0\n\nLCP(黑色)\n\n端子 Sit uip 磷青铜 Phosphor Bronze";
        assert_eq!(names(zh), ["lcp", "phosphor bronze"]);
    }

    #[test]
    fn prose() {
        let v = mats("Enclosure made with 100% recycled aluminum.");
        assert_eq!(v[0].0, "aluminium");
        assert_eq!(v[0].1, "Enclosure made with 100% recycled aluminum");
        assert!(
            names("The packaging is made primarily from fiberboard which is highly recyclable.")
                .is_empty()
        );
        assert!(names("Packaging box made of FSC-certified paper.").is_empty());
        assert!(names("The 13-inch MacBook Air packaging is made with 100 percent\nrecycled and responsibly sourced wood fiber.").is_empty());
        // prose never yields abbreviations: PC is a computer here
        assert!(names("HP 246 G8 Notebook PC made with care").is_empty());
    }

    #[test]
    fn cas_numbers_need_a_valid_check_digit() {
        assert!(cas_checksum_ok("7440-50-8"));
        assert!(cas_checksum_ok("7439-92-1"));
        assert!(cas_checksum_ok("60676-86-0"));
        assert!(!cas_checksum_ok("2020-10-9"));
        assert!(!is_declaration(
            "added 2020-10-9, 2020-12-2, 2021-01-5, 2019-11-3"
        ));
        assert!(is_declaration(
            "Copper 7440-50-8 Tin 7440-31-5 Silver 7440-22-4"
        ));
    }

    #[test]
    fn made_of_needs_the_material_as_its_object() {
        assert!(
            names(
                "When using PCB made of hard material composed of fiberglass cloth, please consider"
            )
            .is_empty()
        );
        assert_eq!(
            names("The frame is made from 100% recycled die-cast aluminium."),
            ["aluminium"]
        );
        // a plan for a portfolio is not what this product is made of
        assert!(
            names(
                "By the end of 2021, more than half of the products in our portfolio will be made with recycled plastic."
            )
            .is_empty()
        );
        assert!(names("Our goal is products made from recycled aluminium.").is_empty());
        assert_eq!(
            names("The new model will be made with recycled plastic, shipping in 2021."),
            ["plastic"]
        );
    }

    #[test]
    fn consists_of_lists_every_material_up_to_the_clause_end() {
        assert_eq!(
            names(
                "The declared plasterboards consist of a gypsum core and a boardliner \
                 wrapping the gypsum core. The gypsum core also contains additives."
            ),
            ["board liner", "gypsum"]
        );
        assert_eq!(
            names("TLP115 consists of a GaAℓAs light emitting diode, optically coupled"),
            ["algaas"]
        );
        assert_eq!(
            names("The panel is composed of PVC and glass fibre; the box is steel."),
            ["glass fibre", "pvc"]
        );
        // the packaging's make-up, or a list of what is absent, is not the product's
        assert!(names("The packaging consists of cardboard and polyethylene film.").is_empty());
        assert!(names("The jacket consists of a PVC-free compound.").is_empty());
    }

    #[test]
    fn a_label_in_a_later_tab_cell() {
        assert_eq!(
            names("(mA) (Ω) (V) (V) (mW)\tContact material Ag + Au-alloy\n"),
            ["gold alloy", "silver"]
        );
        // a first cell is the line's own label, read as before; a cell of
        // numbers or prose names nothing
        assert!(names("Rated load\t2 A at 30 VDC\tsilver lining of the market\n").is_empty());
    }

    #[test]
    fn labels_of_furniture_textiles_and_other_languages() {
        for (t, want) in [
            (
                "Main materials used: aluminium (45%), steel (30%), plastics (25%)",
                &["aluminium", "steel", "plastic"][..],
            ),
            (
                "Composition: 60% cotton, 40% polyester",
                &["cotton", "polyester"],
            ),
            ("Glass: tempered soda-lime glass", &["glass"]),
            ("Gehäuse: Polyamid", &["polyamide"]),
            ("Materiale: acciaio inossidabile", &["stainless steel"]),
            ("Matériau : aluminium", &["aluminium"]),
            ("The enclosure is made of ABS.", &["abs"]),
        ] {
            let mut got = names(t);
            got.sort();
            let mut want: Vec<&str> = want.to_vec();
            want.sort();
            assert_eq!(got, want, "{t}");
        }
        // an abbreviation in prose is still not a material
        assert!(names("The enclosure protects the PC inside.").is_empty());
    }

    #[test]
    fn component_tables_of_product_declarations() {
        let t = "The components are detailed here:\n\
                 \x20                      Weight,     Post-consumer material,\n\
                 Product components        kg/m²       weight-%\n\
                 \x20   PVC ( Emulsion)        1.14E+00    0%\n\n\
                 \x20   Plasticizers           5.37E-01    0%\n\
                 \x20   Glass reinforcement    1.00E-02    0%\n\
                 \x20   Titanium Dioxide       2.00E-03    0%\n\
                 \x20   TOTAL                  3.18E+00    0%\n\
                 Packaging materials       kg/m²\n\
                 Product Packaging Cardboard  6.65E-02  2.05%\n";
        let v = mats(t);
        let got: Vec<&str> = v.iter().map(|m| m.0.as_str()).collect();
        assert_eq!(got, ["pvc", "glass"]);
        assert!(v.iter().all(|m| m.2 == "component_table"));
        assert_eq!(v[1].1, "Glass");
        // the same rows under a header with no weight or share column are not a table
        assert!(names("Product components\n  PVC   1\n  Glass  2\n").is_empty());
        // the same table in Italian
        let t = "     Componenti dei prodotti                  Peso (kg)\n\
                 \x20              ACQUA                                177\n\
                 \x20              SABBIA                              1158,5\n\
                 \x20           GRANIGLIA 1                             306\n\
                 \x20               TOTAL                              2336\n";
        assert_eq!(names(t), ["aggregate", "sand"]);
    }

    #[test]
    fn declarations_do_not_pair_labels_with_the_next_row() {
        let t = "MATERIAL DECLARATION SHEET\n4\nEncapsulation\nGold\n7440-57-5\n";
        let v = mats(t);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].1, "Gold");
        assert_eq!(v[0].2, "declaration_substance");
    }

    #[test]
    fn plating_phrases() {
        assert_eq!(
            names("- Matte Tin(Sn) lead finish with Nickel(Ni) underplate"),
            ["nickel", "tin"]
        );
        let v = mats("Gold plated contacts for low resistance");
        assert_eq!(v[0].0, "gold");
        assert_eq!(v[0].1, "Gold plated");
        assert_eq!(names("tin-plated leads"), ["tin"]);
        assert!(names("Lead Free Plating").is_empty());
        assert!(names("Pb-free finish").is_empty());
        assert!(names("glossy plastic finish").is_empty());
        assert!(names("Nickel-free finish").is_empty());
        assert!(names("Note: 1. Contact JST for gold-plated products.").is_empty());
        assert!(names("Also available with gold plating on request").is_empty());
    }

    #[test]
    fn offsets_shift_by_base() {
        let text = "....Housing: PBT";
        let v = find(&text[4..], 4);
        assert_eq!(
            &text[v[0].evidence.start..v[0].evidence.end],
            "Housing: PBT"
        );
    }
}
