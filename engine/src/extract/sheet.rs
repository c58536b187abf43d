//! Spreadsheet rows: values read by column, with the header cell that gives
//! the column's meaning (and unit) cited next to the value cell.

use super::{Candidate, Candidates, cite_chars};
use crate::document::{Document, SheetLayout, SheetRow};
use crate::text::{CharIndex, fold_key, slice_chars};

fn cell<'a>(doc: &'a Document, row: &SheetRow, i: usize) -> Option<&'a str> {
    let c = row.cells.get(i)?;
    slice_chars(&doc.text, c.start, c.end)
}

/// Unit named in a header such as "weight (kg)", "Product weight [g]",
/// "Weight_lbs".
fn header_unit(header: &str) -> Option<&'static str> {
    let h = header.to_ascii_lowercase();
    let tokens: Vec<&str> = h
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    for (t, unit) in [
        ("kg", "kg"),
        ("kgs", "kg"),
        ("g", "g"),
        ("grams", "g"),
        ("mg", "mg"),
        ("lb", "lb"),
        ("lbs", "lb"),
    ] {
        if tokens.contains(&t) {
            return Some(unit);
        }
    }
    None
}

fn is_mass_header(h: &str) -> bool {
    let k = fold_key(h);
    (k.contains("weight") || k.contains("mass"))
        && ![
            "co2", "carbon", "emission", "ratio", "percent", "share", "packag", "shipping",
        ]
        .iter()
        .any(|x| k.contains(x))
}

fn is_origin_header(h: &str) -> bool {
    let k = fold_key(h);
    [
        "assemblylocation",
        "countryoforigin",
        "origin",
        "manufacturingcountry",
        "madein",
        "manufacturinglocation",
    ]
    .iter()
    .any(|x| k.contains(x))
        && !k.contains("use")
}

pub(super) fn candidates(
    doc: &Document,
    idx: &CharIndex,
    layout: &SheetLayout,
    regions: &[std::ops::Range<usize>],
    out: &mut Candidates,
) {
    for row in &layout.rows {
        let span = idx.bytes(row.span);
        if !regions
            .iter()
            .any(|r| r.start <= span.start && span.end <= r.end)
        {
            continue;
        }
        let Some(header) = layout
            .headers
            .iter()
            .find(|(s, _)| *s == row.sheet)
            .and_then(|(_, i)| layout.rows.get(*i))
        else {
            continue;
        };
        if std::ptr::eq(header, row) {
            continue;
        }
        for (i, hc) in header.cells.iter().enumerate() {
            let Some(h) = slice_chars(&doc.text, hc.start, hc.end) else {
                continue;
            };
            let Some(value) = cell(doc, row, i).map(str::trim).filter(|v| !v.is_empty()) else {
                continue;
            };
            if is_mass_header(h)
                && let Some(unit) = header_unit(h)
                && let Ok(v) = value.parse::<f64>()
                && let Some(grams) = attest_rules::units::to_grams(v, unit)
                && grams > 0.0
            {
                out.mass.push(Candidate {
                    value: (grams, v, unit.to_owned()),
                    citations: vec![
                        cite_chars(doc, idx, row.cells[i]),
                        cite_chars(doc, idx, *hc),
                    ],
                    confidence: 0.9,
                    extractor: "sheet:column".into(),
                });
            }
            if is_origin_header(h)
                && let Some(code) = attest_rules::country::to_alpha2(value)
            {
                out.origin.push(Candidate {
                    value: code.to_owned(),
                    citations: vec![
                        cite_chars(doc, idx, row.cells[i]),
                        cite_chars(doc, idx, *hc),
                    ],
                    confidence: 0.9,
                    extractor: "sheet:column".into(),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_units_and_meanings() {
        assert_eq!(header_unit("weight"), None);
        assert_eq!(header_unit("Product weight (kg)"), Some("kg"));
        assert_eq!(header_unit("Weight_lbs"), Some("lb"));
        assert!(is_mass_header("Product weight (kg)"));
        assert!(!is_mass_header("Product's carbon footprint (PCF, kg CO2e)"));
        assert!(!is_mass_header("Weight of packaging (kg)"));
        assert!(is_origin_header("assembly_location"));
        assert!(!is_origin_header("use_location"));
    }
}
