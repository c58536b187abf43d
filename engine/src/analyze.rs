//! Document-level analysis: the kind of document and the subjects (part
//! numbers, product names) it is about.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use crate::document::{DocumentKind, Format};

static PART_NUMBER: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\b[A-Z0-9][A-Z0-9]{1,}(?:[-./][A-Z0-9]+){0,4}\b").ok());

static PRODUCT_NAME: LazyLock<Option<Regex>> = LazyLock::new(|| {
    // "OptiPlex 7760", "PowerEdge C4130", "MacBook Air", "Mate 9", "Chromecast"
    Regex::new(r"\b(?:[A-Z][a-z]+[A-Z][a-z]+|[A-Z][a-z]{2,}) (?:[A-Z]?\d{1,5}[A-Za-z]?|Air|Pro|Max|Mini)\b").ok()
});

/// Tokens that look like part numbers but name standards, units or
/// regulations.
fn is_noise(token: &str) -> bool {
    const PREFIXES: [&str; 14] = [
        "ISO", "IEC", "UL9", "AEC", "JESD", "MIL", "EN6", "CO2", "IPC", "ASTM", "RoHS", "REACH",
        "EIA", "JIS",
    ];
    let upper = token.to_ascii_uppercase();
    PREFIXES
        .iter()
        .any(|p| upper.starts_with(&p.to_ascii_uppercase()))
        || token.chars().filter(|c| c.is_ascii_digit()).count() * 10 >= token.len() * 9
        || token.len() < 4
        || token.len() > 30
        || token.contains('/') && token.chars().filter(|c| c.is_ascii_digit()).count() > 5
}

/// Up to 10 subjects, most salient first: part numbers and product names
/// that recur in the document, appear early, or appear in its file name.
/// A column header that names part numbers ("Part No.", "Ordering code",
/// "Type", "Model", "型号"…).
pub(crate) fn is_part_header(h: &str) -> bool {
    let k = crate::text::fold_key(h);
    [
        "partno",
        "partnumber",
        "part",
        "pn",
        "mpn",
        "orderingcode",
        "ordercode",
        "orderingnumber",
        "ordernumber",
        "orderingpartnumber",
        "ordering",
        "type",
        "typenumber",
        "model",
        "modelno",
        "catalognumber",
        "catalogno",
        "productnumber",
        "device",
        "item",
        "型号",
        "料号",
        "品番",
    ]
    .iter()
    .any(|x| k == *x || (x.len() >= 6 && k.starts_with(x)))
}

/// Part numbers listed in tables with a header: the cells of a part-number
/// column ("Part No.", "Ordering code"…), or of the first column. A cell
/// counts when it reads like a part number (letters and digits, no more
/// than two words).
pub fn table_subjects(text: &str, tables: &[crate::document::Table]) -> Vec<String> {
    let idx = crate::text::CharIndex::new(text);
    let mut out: Vec<String> = Vec::new();
    for t in tables.iter().filter(|t| t.header_rows > 0) {
        let col = (0..t.columns)
            .find(|&c| is_part_header(&t.header(text, &idx, c).join(" ")))
            .unwrap_or(0);
        for row in t.body() {
            let Some(cell) = row.cell(col).and_then(|r| text.get(idx.bytes(r))) else {
                continue;
            };
            // Footnote markers are not part of the number.
            let cell: String = cell
                .chars()
                .filter(|c| !"¹²³⁴⁵⁶⁷⁸⁹⁰⁽⁾*†‡".contains(*c))
                .collect();
            let cell = cell.trim();
            let looks_like_part = (3..=40).contains(&cell.chars().count())
                && cell.split_whitespace().count() <= 2
                && cell.chars().any(|c| c.is_ascii_digit())
                && cell.chars().any(|c| c.is_alphabetic());
            let key = crate::text::fold_key(cell);
            if looks_like_part
                && !is_noise(cell)
                && !out.iter().any(|o| crate::text::fold_key(o) == key)
            {
                out.push(cell.to_owned());
            }
        }
    }
    out
}

pub fn subjects(text: &str, source: &str, format: Format) -> Vec<String> {
    if matches!(format, Format::Csv | Format::Xlsx) {
        // Every row of a dataset is its own subject; they are found per
        // request by scanning rows, not listed here.
        return Vec::new();
    }
    let source_key = crate::text::fold_key(source);
    let head_end = text
        .char_indices()
        .nth(1500)
        .map(|(b, _)| b)
        .unwrap_or(text.len());
    let mut scores: HashMap<String, (f64, usize)> = HashMap::new();
    let mut order = 0usize;
    let mut add = |tok: &str, pos: usize, weight: f64| {
        let e = scores.entry(tok.to_owned()).or_insert((0.0, order));
        order += 1;
        e.0 += weight;
        if pos < head_end {
            e.0 += 1.0;
        }
    };
    if let Some(re) = PART_NUMBER.as_ref() {
        for m in re.find_iter(text) {
            let t = m.as_str();
            let has_letter = t.chars().any(|c| c.is_ascii_alphabetic());
            let has_digit = t.chars().any(|c| c.is_ascii_digit());
            if has_letter && has_digit && !is_noise(t) {
                add(t, m.start(), 1.0);
            }
        }
    }
    if let Some(re) = PRODUCT_NAME.as_ref() {
        for m in re.find_iter(text) {
            add(m.as_str(), m.start(), 1.5);
        }
    }
    let mut ranked: Vec<(String, f64, usize)> = scores
        .into_iter()
        .map(|(t, (mut s, first))| {
            let key = crate::text::fold_key(&t);
            if key.len() >= 3 && source_key.contains(&key) {
                s += 5.0;
            }
            (t, s, first)
        })
        .filter(|(_, s, _)| *s >= 2.5)
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.2.cmp(&b.2)));
    let mut out: Vec<String> = Vec::new();
    for (t, _, _) in ranked {
        let key = crate::text::fold_key(&t);
        if out.iter().any(|o| crate::text::fold_key(o) == key) {
            continue;
        }
        out.push(t);
        if out.len() == 10 {
            break;
        }
    }
    out
}

/// The kind of supplier document, from its format and vocabulary.
pub fn classify(text: &str, format: Format) -> DocumentKind {
    match format {
        Format::Csv | Format::Xlsx => return DocumentKind::Sheet,
        Format::Ipc1752Xml => return DocumentKind::Declaration,
        _ => {}
    }
    let sample: String = text.chars().take(20_000).collect::<String>().to_lowercase();
    let has = |words: &[&str]| words.iter().filter(|w| sample.contains(*w)).count();
    let scores = [
        (
            DocumentKind::Certificate,
            has(&[
                "certificate of origin",
                "affidavit",
                "hereby certif",
                "country of origin:",
            ]) * 2,
        ),
        (
            DocumentKind::Declaration,
            has(&[
                "material declaration",
                "homogeneous material",
                "casrn",
                "cas number",
                "product content",
                "mass %",
                "mass (%)",
                "material data sheet",
                "material weight",
                "substance",
            ]),
        ),
        (
            DocumentKind::Report,
            has(&[
                "environmental report",
                "carbon footprint",
                "co2e",
                "life cycle",
                "lifecycle",
                "recycled",
                "sustainab",
                "environmental product declaration",
            ]),
        ),
        (
            DocumentKind::Datasheet,
            has(&[
                "datasheet",
                "data sheet",
                "absolute maximum",
                "electrical characteristics",
                "specification",
                "dimensions",
                "features",
                "规格",
                "特性",
            ]),
        ),
    ];
    scores
        .into_iter()
        .filter(|(_, s)| *s >= 2)
        .max_by_key(|(_, s)| *s)
        .map(|(k, _)| k)
        .unwrap_or(DocumentKind::Other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_recurring_part_numbers_and_products() {
        let text = "G5V-1 Relay\nUltra-miniature relay G5V-1 for signal circuits.\nISO9001 certified. \
                    Model G5V-1-DC5 ... G5V-1-DC12\nOrdering: G5V-1";
        let s = subjects(text, "Omron_G5V-1_relay.pdf", Format::Pdf);
        assert_eq!(s.first().map(String::as_str), Some("G5V-1"));
        assert!(!s.iter().any(|x| x.starts_with("ISO")));
        let report = "Dell OptiPlex 7760 carbon footprint. The OptiPlex 7760 all-in-one ...";
        assert!(subjects(report, "dell.pdf", Format::Pdf).contains(&"OptiPlex 7760".to_owned()));
        assert!(subjects("a,b\n1,2", "x.csv", Format::Csv).is_empty());
    }

    #[test]
    fn classifies_by_vocabulary() {
        assert_eq!(
            classify(
                "Product carbon footprint ... kg CO2e ... life cycle",
                Format::Pdf
            ),
            DocumentKind::Report
        );
        assert_eq!(
            classify(
                "MATERIAL DECLARATION Homogeneous Material CASRN",
                Format::Text
            ),
            DocumentKind::Declaration
        );
        // a "material data sheet" is a declaration, not a datasheet
        assert_eq!(
            classify(
                "MATERIAL DATA SHEET Material weight (mg) Average mass (%)",
                Format::Text
            ),
            DocumentKind::Declaration
        );
        assert_eq!(
            classify(
                "Absolute maximum ratings. Electrical characteristics",
                Format::Pdf
            ),
            DocumentKind::Datasheet
        );
        assert_eq!(classify("hello", Format::Text), DocumentKind::Other);
    }
}
