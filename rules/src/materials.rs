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
//! - `made_of_statement`: "enclosure made with 100% recycled aluminium".
//!
//! Named-but-absent materials are dropped: "lead-free", "Pb-free", "PVC-free",
//! "Silicone Free", and anything in a compliance clause (RoHS lists,
//! exemptions, restricted substances).

use crate::util::{clause_bounds, has_any_stem, lazy_re};
use crate::vocab::{self, Class, Hit};
use crate::{Evidence, MaterialFinding};

/// Last word of a label that names a part of the product (or "material").
const HEADS: &[&str] = &[
    "case", "housing", "body", "shell", "cover", "enclosure", "contact", "terminal", "pin", "insulator",
    "insulation", "jacket", "sheath", "conductor", "shield", "shielding", "filler", "binder", "leadframe",
    "frame", "plating", "plate", "finish", "core", "electrode", "spring", "lid", "substrate", "post",
    "reinforcement", "wire", "compound", "encapsulant", "encapsulation", "attach", "material", "base", "lens",
    "tab", "cathode", "anode", "separator", "can", "cap", "gasket", "seal", "o-ring", "button",
    "bracket", "screw", "actuator", "lever", "magnet", "coil", "bobbin", "winding", "diaphragm", "membrane",
    "foil", "latch", "lock", "mold", "molding", "moulding", "die", "chip", "wafer", "rotor", "stator",
    "slider", "wiper", "ink", "glaze", "termination", "dielectric", "sleeve", "ferrule", "washer", "nut",
    "knob", "handle", "strap", "underplate", "underplating", "coating", "stem", "shaft", "spacer", "film",
    "laminate", "bezel", "chassis", "keycap", "header", "receptacle", "plug", "socket", "solder",
];

/// Words that make a label about something other than what the part is made
/// of ("Contact resistance", "Carrier tape", "Terminal connections").
const BAD_LABEL_WORDS: &[&str] = &[
    "tape", "reel", "carrier", "packaging", "packing", "box", "tray", "bag", "label", "marking", "color",
    "colour", "resistance", "force", "strength", "current", "voltage", "temperature", "rating", "size",
    "dimension", "dimensions", "pitch", "thickness", "width", "length", "height", "weight", "type", "number",
    "no", "model", "capacity", "life", "humidity", "polarity", "code", "area", "form", "data", "connections",
    "arrangement", "style", "retention", "durability", "category", "categorization", "spec",
    "specification", "standard", "test", "gap", "clearance", "torque", "diameter", "count", "quantity",
    "qty", "mating", "cycles", "insertion", "withdrawal", "solderability", "flammability", "profile",
    "option", "orientation", "position", "method", "process", "description", "identification", "layout",
    "mounting", "configuration", "version", "designation",
];

const ZH_HEADS: &[&str] = &[
    "外壳", "壳体", "端子", "主体", "本体", "材质", "材料", "基材", "镀层", "电镀", "绝缘体", "胶芯", "弹片", "焊片",
    "锁扣", "接触件", "插针", "针脚", "导体", "护套", "屏蔽", "铁壳", "塑胶", "五金",
];

const ZH_BAD: &[&str] = &[
    "颜色", "厚度", "尺寸", "电流", "电压", "温度", "数量", "封装", "包装", "类型", "形状", "构造", "布局", "位置",
    "方法", "阻抗", "电阻", "寿命", "力", "受限", "有害",
];

/// Compliance wording: a material named here is restricted, not used.
const REGULATORY: &[&str] = &[
    "rohs", "exempt", "directive", "restrict", "hazardous", "svhc", "reach", "allowable", "allowed", "limit",
    "threshold", "ppm", "complian", "halogen", "prohibit", "declarable", "containing lead", "受限", "有害",
    "限制", "阈值", "豁免", "卤素",
];

const PACKAGING: &[&str] = &[
    "packag", "box", "carton", "bag", "chipboard", "paperboard", "cardboard", "manual", "user guide",
    "insert", "wrap", "包装",
];

lazy_re!(
    DECLARATION,
    r"(?i)homogeneous\s+material|material\s+declaration|material\s+data\s+sheet|product\s+content\s+declaration|full\s+material|material\s+composition|substance\s+name|均质材料"
);
lazy_re!(CAS, r"\b\d{2,7}-\d{2}-\d\b");
lazy_re!(TABLE_HEADER, r"MATERIALS?|材质|材料");
lazy_re!(
    MADE_OF,
    r"(?i)\b(?:made|manufactured|constructed|built|crafted|formed|molded|moulded|fabricated)\s+(?:primarily\s+|entirely\s+|mostly\s+|mainly\s+|partly\s+|partially\s+|completely\s+)?(?:of|from|with|out\s+of|using)\s+"
);
lazy_re!(LEAD_IN, r"^[ \t]*(?:[-•·*▪●■◆]+[ \t]*|\d{1,2}[.)][ \t]+|\(\d{1,2}\)[ \t]*)?");

pub(crate) fn find(text: &str, base: usize) -> Vec<MaterialFinding> {
    let lines = line_spans(text);
    let mut out = Vec::new();
    labelled(text, base, &lines, &mut out);
    table_sections(text, base, &lines, &mut out);
    declaration(text, base, &lines, &mut out);
    made_of(text, base, &mut out);
    out
}

fn line_spans(text: &str) -> Vec<(usize, usize)> {
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

fn push(out: &mut Vec<MaterialFinding>, base: usize, text: &str, quote_start: usize, hit: &Hit, confidence: f32, rule: &'static str) {
    // Quote label → material when compact, the material alone otherwise.
    let start = if hit.end.saturating_sub(quote_start) <= 200 && quote_start <= hit.start { quote_start } else { hit.start };
    let (start, end) = crate::util::trim_span(text, start, hit.end);
    if start >= end {
        return;
    }
    let confidence = if hit.class == Class::Symbol { confidence - 0.05 } else { confidence };
    out.push(MaterialFinding {
        name: hit.canon.to_string(),
        evidence: Evidence { start: base + start, end: base + end },
        confidence,
        rule,
    });
}

fn regulatory(s: &str) -> bool {
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
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '-').to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

fn is_head(w: &str) -> bool {
    HEADS.contains(&w) || w.strip_suffix('s').is_some_and(|s| HEADS.contains(&s)) || w.strip_suffix("es").is_some_and(|s| HEADS.contains(&s))
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
    if words.iter().any(|w| BAD_LABEL_WORDS.contains(&w.as_str())) || ZH_BAD.iter().any(|b| label.contains(b)) {
        return false;
    }
    let last = words.last().map(String::as_str).unwrap_or_default();
    if last.chars().any(crate::country::is_cjk) {
        return ZH_HEADS.iter().any(|h| last.ends_with(h));
    }
    // Latin labels are short noun phrases, not sentences
    words.iter().filter(|w| w.chars().all(|c| c.is_ascii_alphabetic() || c == '-')).count() + 1 >= words.len()
        && is_head(last)
}

/// Splits a line into (label start, label end, value start), offsets in the line.
/// `strict` forms (a label word followed by a single space) need the value to
/// begin with a material; the caller checks that.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Form {
    Colon,
    Leaders,
    Columns,
    LeadingWord,
    WholeLine,
}

fn split_label(line: &str) -> Option<(usize, usize, usize, Form)> {
    let lead = LEAD_IN.as_ref().and_then(|re| re.find(line)).map_or(0, |m| m.end());
    let body = line.get(lead..)?;
    if body.trim().is_empty() {
        return None;
    }
    let head_window = crate::util::floor_boundary(body, 50);
    let window = body.get(..head_window).unwrap_or(body);

    // the earliest separator wins
    let colon = window.find([':', '：']).map(|p| (p, p + body[p..].chars().next().map_or(1, char::len_utf8), Form::Colon));
    let leaders = window.find("...").or_else(|| window.find('…')).map(|p| {
        let end = p + body[p..].find(|c: char| c != '.' && c != '…' && c != ' ').unwrap_or(body.len() - p);
        (p, end, Form::Leaders)
    });
    let columns = window.find('\t').or_else(|| window.find("  ")).map(|p| {
        let end = p + body[p..].find(|c: char| c != ' ' && c != '\t').unwrap_or(body.len() - p);
        (p, end, Form::Columns)
    });
    let best = [colon, leaders, columns].into_iter().flatten().filter(|(p, _, _)| *p > 0).min_by_key(|(p, _, _)| *p);
    if let Some((p, vs, form)) = best {
        return Some((lead, lead + p, lead + vs, form));
    }
    // "housing PA9T (UL94V-0) black", "端子 Sit uip 磷青铜": a label word, one space, a value
    let words: Vec<(usize, &str)> = body.split(' ').scan(0usize, |pos, w| {
        let at = *pos;
        *pos += w.len() + 1;
        Some((at, w))
    }).take(3).collect();
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

fn labelled(text: &str, base: usize, lines: &[(usize, usize)], out: &mut Vec<MaterialFinding>) {
    for (idx, &(ls, le)) in lines.iter().enumerate() {
        let Some(line) = text.get(ls..le) else { continue };
        if line.len() > 400 || line.trim().is_empty() {
            continue;
        }
        let Some((lab_s, lab_e, val_s, form)) = split_label(line) else { continue };
        let mut found = false;
        if let Some(label) = line.get(lab_s..lab_e).filter(|l| label_ok(l)) {
            let span = match form {
                Form::WholeLine => next_value_line(text, lines, idx).map(|(s, e)| (s, e, 0.75)),
                _ => {
                    let value = line.get(val_s..).unwrap_or_default();
                    if value.trim().is_empty() {
                        next_value_line(text, lines, idx).map(|(s, e)| (s, e, 0.75))
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
        if !found && form != Form::WholeLine {
            // the whole line may label a value on the next line ("焊片 Contact")
            let whole = line.trim();
            if label_ok(whole) {
                let lead = line.len() - line.trim_start().len();
                if let Some((vs, ve)) = next_value_line(text, lines, idx) {
                    emit(text, base, ls + lead, vs, ve, 0.75, false, out);
                }
            }
        }
    }
}

/// Reports the materials named in `text[vs..ve]`, quoted from `quote_start`.
#[allow(clippy::too_many_arguments)]
fn emit(text: &str, base: usize, quote_start: usize, vs: usize, ve: usize, conf: f32, must_open: bool, out: &mut Vec<MaterialFinding>) -> bool {
    let Some(value) = text.get(vs..ve) else { return false };
    if regulatory(value) {
        return false;
    }
    let hits = vocab::scan(value, true, true);
    if must_open && !hits.first().is_some_and(|h| value.get(..h.start).is_some_and(|p| p.trim().is_empty())) {
        return false;
    }
    let mut any = false;
    for h in hits {
        if vocab::negated(value, h.start, h.end) {
            continue;
        }
        let abs = Hit { start: vs + h.start, end: vs + h.end, ..h };
        push(out, base, text, quote_start, &abs, conf, "labelled_material");
        any = true;
    }
    any
}

fn table_sections(text: &str, base: usize, lines: &[(usize, usize)], out: &mut Vec<MaterialFinding>) {
    let Some(header_re) = TABLE_HEADER.as_ref() else { return };
    let mut idx = 0;
    while idx < lines.len() {
        let (ls, le) = lines[idx];
        idx += 1;
        let Some(line) = text.get(ls..le) else { continue };
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.chars().count() > 60 || regulatory(trimmed) {
            continue;
        }
        let Some(m) = header_re.find(line) else { continue };
        // "MATERIAL: …" is a labelled field, not a column header
        if line.get(m.end()..).is_some_and(|t| t.trim_start().starts_with([':', '：'])) {
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
                let abs = Hit { start: s + h.start, end: s + h.end, ..h };
                push(out, base, text, s, &abs, 0.6, "material_table");
            }
        }
    }
}

fn declaration(text: &str, base: usize, lines: &[(usize, usize)], out: &mut Vec<MaterialFinding>) {
    let phrase = DECLARATION.as_ref().is_some_and(|re| re.is_match(text));
    let cas = CAS.as_ref().map_or(0, |re| re.find_iter(text).take(3).count());
    if !phrase && cas < 3 {
        return;
    }
    for &(ls, le) in lines {
        let Some(line) = text.get(ls..le) else { continue };
        if line.trim().is_empty() {
            continue;
        }
        let short = line.len() <= 120;
        if short && regulatory(line) {
            continue;
        }
        for h in vocab::scan(line, true, true) {
            if h.class == Class::Symbol {
                // symbols only as stand-alone cells: "Cu", "(Sn)", "Ni/Au"
                let standalone = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
                if !standalone(crate::util::prev_char(line, h.start)) || !standalone(crate::util::next_char(line, h.end)) {
                    continue;
                }
            }
            if vocab::negated(line, h.start, h.end) {
                continue;
            }
            if !short {
                let (cs, ce) = clause_bounds(line, h.start, h.end, 120);
                if line.get(cs..ce).is_some_and(regulatory) {
                    continue;
                }
            }
            let abs = Hit { start: ls + h.start, end: ls + h.end, ..h };
            push(out, base, text, abs.start, &abs, 0.7, "declaration_substance");
        }
    }
}

fn made_of(text: &str, base: usize, out: &mut Vec<MaterialFinding>) {
    let Some(re) = MADE_OF.as_ref() else { return };
    for m in re.find_iter(text) {
        let (cs, ce) = clause_bounds(text, m.start(), m.end(), 150);
        let subject = text.get(cs..m.start()).unwrap_or_default();
        if has_any_stem(subject, PACKAGING) || regulatory(subject) {
            continue;
        }
        let window_end = crate::util::floor_boundary(text, (m.end() + 80).min(ce.max(m.end())));
        let Some(window) = text.get(m.end()..window_end) else { continue };
        let first = vocab::scan(window, false, false).into_iter().find(|h| !vocab::negated(window, h.start, h.end));
        let Some(h) = first else { continue };
        // the material must be the object of "made of", not something later in the clause
        let between = window.get(..h.start).unwrap_or_default();
        if has_any_stem(between, PACKAGING) || between.split_whitespace().count() > 5 {
            continue;
        }
        let abs = Hit { start: m.end() + h.start, end: m.end() + h.end, ..h };
        let start = line_start_of_subject(text, cs, m.start());
        push(out, base, text, start, &abs, 0.6, "made_of_statement");
    }
}

/// Quote from the noun before "made of" when it is close: "Enclosure made
/// with 100% recycled aluminum".
fn line_start_of_subject(text: &str, clause_start: usize, verb_start: usize) -> usize {
    let seg = text.get(clause_start..verb_start).unwrap_or_default();
    let trimmed = seg.trim_end();
    let start = match trimmed.char_indices().rev().find(|(_, c)| c.is_whitespace()) {
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
            .map(|f| (f.name, text[f.evidence.start..f.evidence.end].to_string(), f.rule))
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
    fn patterns_compile() {
        for re in [&DECLARATION, &CAS, &TABLE_HEADER, &MADE_OF, &LEAD_IN] {
            assert!(re.is_some());
        }
    }

    #[test]
    fn labelled_lines() {
        assert_eq!(names("Case: molded plastic"), ["plastic"]);
        assert_eq!(names("Housing: PBT, UL94V-0"), ["pbt"]);
        assert_eq!(names("Contact: phosphor bronze, tin plated"), ["phosphor bronze", "tin"]);
        assert_eq!(names("Terminal: brass"), ["brass"]);
        assert_eq!(names("Insulator: LCP"), ["lcp"]);
        assert_eq!(names("Case Material: Molded Plastic. UL Flammability Classification Rating 94V-0"), ["plastic"]);
        assert_eq!(names("Terminals: Lead Free Plating (Matte Tin Finish)."), ["tin"]);
        assert_eq!(names("Core Material ................................Ferrite\nInternal Conductor ...............Ag or Ag/Pd\nTerminal ....................................Ag/Ni/Sn"), ["ferrite", "nickel", "palladium", "silver", "tin"]);
        assert_eq!(names("  1. Conductor:7 strands class B compressed bare copper per ASTM B3"), ["copper"]);
        assert_eq!(names("  2. Insulation:Polyethylene (PE) and Polyvinyl Chloride (PVC)"), ["pe", "pvc"]);
        assert_eq!(names("TERMINAL: PHOSPHOR BRONZE"), ["phosphor bronze"]);
        assert_eq!(names("Base housing: PA, natural (white)"), ["pa"]);
        assert_eq!(names("Post: Copper alloy, tin-plated"), ["copper alloy", "tin"]);
        let v = mats("Housing: PBT, UL94V-0");
        assert_eq!(v[0].1, "Housing: PBT");
    }

    #[test]
    fn label_and_value_on_separate_lines() {
        assert_eq!(names("Contact material\n\nAg + Au-Alloy\n\nContact resistance"), ["gold alloy", "silver"]);
        let v = mats("壳体特性\n外壳材料\n\nLCP（液晶聚合物）\n\n中心线（间距）");
        assert_eq!(v[0].0, "lcp");
        assert_eq!(v[0].1, "外壳材料\n\nLCP");
        assert_eq!(names("端子基材\n\n磷青铜\n\nPCB 端子端接区域电镀材料\n\n金\n\n端子类型"), ["gold", "phosphor bronze"]);
        assert_eq!(names("housing\n\nPA9T (UL94V-0)\n\nblack"), ["pa9t"]);
    }

    #[test]
    fn layout_columns_and_single_space_cells() {
        assert_eq!(names("Contact material                 Ag + Au-Alloy"), ["gold alloy", "silver"]);
        assert_eq!(names("housing PA9T (UL94V-0) black"), ["pa9t"]);
        assert_eq!(names("front shell SUS304 nickel"), ["nickel", "stainless steel"]);
        assert_eq!(names("端子 Sit uip 磷青铜 Phosphor Bronze"), ["phosphor bronze"]);
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
        for want in ["ferrite", "iron oxide", "nickel oxide", "copper", "polyester", "tin", "silver", "carbon black", "silica"] {
            assert!(n.contains(&want.to_string()), "{want} missing from {n:?}");
        }
        // CAS numbers alone are not materials; company lines neither
        assert!(!n.iter().any(|x| x.contains("1309")));
        // exemption clauses in a declaration
        let t2 = "Material Declaration Sheet. Homogeneous material list. 7(c)-I. Electrical and electronic components containing lead in a glass or ceramic other than dielectric ceramic in capacitors.";
        assert!(names(t2).is_empty(), "{:?}", names(t2));
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
        assert!(names("The packaging is made primarily from fiberboard which is highly recyclable.").is_empty());
        assert!(names("Packaging box made of FSC-certified paper.").is_empty());
        assert!(names("The 13-inch MacBook Air packaging is made with 100 percent\nrecycled and responsibly sourced wood fiber.").is_empty());
        // prose never yields abbreviations: PC is a computer here
        assert!(names("HP 246 G8 Notebook PC made with care").is_empty());
    }

    #[test]
    fn offsets_shift_by_base() {
        let text = "....Housing: PBT";
        let v = find(&text[4..], 4);
        assert_eq!(&text[v[0].evidence.start..v[0].evidence.end], "Housing: PBT");
    }
}
