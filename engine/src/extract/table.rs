//! Tables read by column: a mass or origin column named by its header, read
//! row by row, each row belonging to the part number written in it.
//!
//! A datasheet that lists several part numbers with a weight each keeps
//! them apart only here: the rules read text, and a table row's number
//! means nothing without the header above it. A row is about the requested
//! subject when its part-number cell (a column headed "Part No.", "Ordering
//! code", "Type", "Model"…, or the first column) names it; a table whose
//! rows name no subject answers only when it has a single data row.
//! Citations: the row (which holds the value and the part number), then the
//! header cell that gives the column its meaning and unit.

use super::candidate::{Candidate, DocContext, Source, Value};
use super::cite_chars;
use crate::analyze::is_part_header;
use crate::document::{Document, Table, TableRow};
use crate::text::{CharIndex, fold_key, slice_chars};

/// Unit named in a header such as "weight (kg)", "Product weight [g]",
/// "Weight_lbs", "重量 (克)".
pub(super) fn header_unit(header: &str) -> Option<&'static str> {
    let h = header.to_lowercase();
    let tokens: Vec<&str> = h
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    for (t, unit) in [
        ("kg", "kg"),
        ("kgs", "kg"),
        ("g", "g"),
        ("gr", "g"),
        ("grams", "g"),
        ("gram", "g"),
        ("mg", "mg"),
        ("lb", "lb"),
        ("lbs", "lb"),
        ("oz", "oz"),
        ("克", "g"),
        ("毫克", "mg"),
        ("千克", "kg"),
    ] {
        if tokens.contains(&t) {
            return Some(unit);
        }
    }
    None
}

pub(super) fn is_mass_header(h: &str) -> bool {
    let k = fold_key(h);
    (k.contains("weight") || k.contains("mass") || k.contains("重量") || k.contains("质量"))
        && ![
            "co2",
            "carbon",
            "emission",
            "ratio",
            "percent",
            "share",
            "packag",
            "shipping",
            "reel",
            "gross",
            "carton",
            "molecular",
        ]
        .iter()
        .any(|x| k.contains(x))
}

pub(super) fn is_origin_header(h: &str) -> bool {
    let k = fold_key(h);
    [
        "assemblylocation",
        "assemblysite",
        "assemblycountry",
        "countryoforigin",
        "origin",
        "manufacturingcountry",
        "madein",
        "manufacturinglocation",
        "manufacturingsite",
        "countryofmanufacture",
        "countryofproduction",
        "productionsite",
        "productionlocation",
        "waferfab",
        "testsite",
        "testlocation",
        "coo",
        "原产地",
        "产地",
    ]
    .iter()
    .any(|x| k == *x || (x.len() > 3 && k.contains(x)))
        && !k.contains("use")
}

/// A column of recycled-content shares: "Recycled content (%)", "Post-consumer
/// recycled content". Recyclability and packaging columns are not.
pub(super) fn is_recycled_header(h: &str) -> bool {
    let k = fold_key(h);
    k.contains("recycled")
        && (k.contains("content") || k.contains("%") || k.contains("percent") || k.contains("share"))
        && !["recyclab", "packag", "waste", "endoflife"]
            .iter()
            .any(|x| k.contains(x))
}

/// The share in a recycled-content cell, the upper bound of a range: "24%",
/// "0 – 24%", "30" (the header names the percent), "up to 50 %".
fn cell_share(cell: &str, header_percent: bool) -> Option<f64> {
    let t = cell.trim();
    let percent = t.ends_with('%');
    if !percent && !header_percent {
        return None;
    }
    let body = t.trim_end_matches('%').trim();
    let body = body
        .strip_prefix("up to")
        .or_else(|| body.strip_prefix("Up to"))
        .unwrap_or(body)
        .trim();
    // a range's upper bound
    let last = body
        .rsplit(['–', '-', '—'])
        .next()
        .map(str::trim)
        .filter(|l| !l.is_empty())?;
    if body != last {
        let first = body[..body.len() - last.len()].trim_end_matches(['–', '-', '—', ' ']);
        first.trim().replace(',', ".").parse::<f64>().ok()?;
    }
    let v: f64 = last.trim_end_matches('%').trim().replace(',', ".").parse().ok()?;
    (v > 0.0 && v <= 100.0).then_some(v)
}

/// A number and an optional unit written in a cell: "0.052", "1.2 g",
/// "approx. 105 mg", "2,5".
fn cell_mass(cell: &str) -> Option<(f64, Option<&'static str>)> {
    let t = cell.trim();
    let start = t.find(|c: char| c.is_ascii_digit())?;
    let before = t[..start].trim().to_lowercase();
    // "±2", "<1", "-40" are not masses of a part.
    if before.ends_with(['±', '<', '>', '-', '−', '+']) {
        return None;
    }
    let num_end = t[start..]
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .map_or(t.len(), |i| start + i);
    let num = t[start..num_end].trim_end_matches(['.', ',']);
    let v: f64 = if num.contains('.') {
        num.replace(',', "").parse().ok()?
    } else {
        num.replace(',', ".").parse().ok()?
    };
    let rest = t[num_end..].trim_start();
    let unit = header_unit(rest.split_whitespace().next().unwrap_or(""));
    // Anything else after the number (a range, a tolerance, another
    // quantity) makes the cell more than a mass.
    let tail_ok = rest.is_empty()
        || unit.is_some() && rest.split_whitespace().count() <= 2
        || rest.starts_with(['(', '*', '¹', '²', '³']);
    tail_ok.then_some((v, unit))
}

/// The header text of each column, header rows joined.
fn headers(doc: &Document, idx: &CharIndex, table: &Table) -> Vec<String> {
    (0..table.columns)
        .map(|c| table.header(&doc.text, idx, c).join(" "))
        .collect()
}

fn row_in(idx: &CharIndex, row: &TableRow, regions: &[std::ops::Range<usize>]) -> bool {
    let span = idx.bytes(row.span);
    regions
        .iter()
        .any(|r| r.start <= span.start && span.end <= r.end)
}

pub(super) struct Tables;

impl Source for Tables {
    fn candidates(&self, ctx: &DocContext<'_>, out: &mut Vec<Candidate>) {
        columns(ctx.doc, ctx.idx, ctx.subject, ctx.regions, out);
    }
}

fn columns(
    doc: &Document,
    idx: &CharIndex,
    subject: Option<&str>,
    regions: &[std::ops::Range<usize>],
    out: &mut Vec<Candidate>,
) {
    let key = subject.map(fold_key).filter(|k| k.len() >= 3);
    for table in &doc.tables {
        if table.header_rows == 0 {
            continue;
        }
        let heads = headers(doc, idx, table);
        let mass_cols: Vec<u32> = (0..table.columns)
            .filter(|&c| is_mass_header(&heads[c as usize]))
            .collect();
        let origin_cols: Vec<u32> = (0..table.columns)
            .filter(|&c| is_origin_header(&heads[c as usize]))
            .collect();
        let recycled_cols: Vec<u32> = (0..table.columns)
            .filter(|&c| is_recycled_header(&heads[c as usize]))
            .collect();
        if mass_cols.is_empty() && origin_cols.is_empty() && recycled_cols.is_empty() {
            continue;
        }
        let part_col = (0..table.columns)
            .find(|&c| is_part_header(&heads[c as usize]))
            .or((!mass_cols.contains(&0)).then_some(0));
        let body: Vec<&TableRow> = table.body().collect();
        for row in &body {
            if !row_in(idx, row, regions) {
                continue;
            }
            let part = part_col
                .and_then(|c| row.cell(c))
                .and_then(|r| slice_chars(&doc.text, r.start, r.end))
                .map(fold_key)
                .unwrap_or_default();
            // Whose row is it?
            let confidence = match &key {
                Some(k)
                    if !part.is_empty()
                        && (part == *k
                            || (part.len() >= 4 && k.contains(&part))
                            || part.contains(k.as_str())) =>
                {
                    0.92
                }
                Some(k)
                    if fold_key(
                        slice_chars(&doc.text, row.span.start, row.span.end).unwrap_or(""),
                    )
                    .contains(k.as_str()) =>
                {
                    0.85
                }
                _ if body.len() == 1 => 0.8,
                _ => continue,
            };
            for &c in &mass_cols {
                let Some(span) = row.cell(c) else { continue };
                let Some((v, cell_unit)) =
                    slice_chars(&doc.text, span.start, span.end).and_then(cell_mass)
                else {
                    continue;
                };
                let head_unit = header_unit(&heads[c as usize]);
                let Some(unit) = cell_unit.or(head_unit) else {
                    continue;
                };
                let Some(grams) = attest_rules::units::to_grams(v, unit).filter(|g| *g > 0.0)
                else {
                    continue;
                };
                let mut citations = vec![cite_chars(doc, idx, row.span)];
                if cell_unit.is_none()
                    && let Some(h) = table.rows.first().and_then(|r| r.cell(c))
                {
                    citations.push(cite_chars(doc, idx, h));
                }
                out.push(Candidate::new(
                    Value::mass(grams, v, unit.to_owned()),
                    citations,
                    confidence,
                    "table:column",
                ));
            }
            for &c in &origin_cols {
                let Some(value) = row
                    .cell(c)
                    .and_then(|r| slice_chars(&doc.text, r.start, r.end))
                else {
                    continue;
                };
                let Some(code) = attest_rules::country::to_alpha2(value.trim()) else {
                    continue;
                };
                let mut citations = vec![cite_chars(doc, idx, row.span)];
                if let Some(h) = table.rows.first().and_then(|r| r.cell(c)) {
                    citations.push(cite_chars(doc, idx, h));
                }
                out.push(Candidate::new(
                    Value::origin(code, attest_rules::origin_roles(&heads[c as usize])),
                    citations,
                    confidence,
                    "table:column",
                ));
            }
            for &c in &recycled_cols {
                let head = &heads[c as usize];
                let Some(share) = row
                    .cell(c)
                    .and_then(|r| slice_chars(&doc.text, r.start, r.end))
                    .and_then(|v| cell_share(v, head.contains('%') || fold_key(head).contains("percent")))
                else {
                    continue;
                };
                let mut citations = vec![cite_chars(doc, idx, row.span)];
                if let Some(h) = table.rows.first().and_then(|r| r.cell(c)) {
                    citations.push(cite_chars(doc, idx, h));
                }
                let kind = attest_rules::recycled::kind_of(head);
                let kind = serde_json::to_value(kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_else(|| "unspecified".into());
                out.push(Candidate::new(
                    Value::Recycled {
                        material: None,
                        percent: share,
                        kind,
                        scope: super::Scope::Product,
                    },
                    citations,
                    confidence * 0.9,
                    "table:column",
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_and_cells() {
        assert_eq!(header_unit("Weight (g)"), Some("g"));
        assert_eq!(header_unit("重量 (克)"), Some("g"));
        assert_eq!(header_unit("Weight"), None);
        assert!(is_mass_header("Unit Weight (mg)"));
        assert!(!is_mass_header("Reel weight (g)"));
        assert!(is_origin_header("COO"));
        assert_eq!(header_unit("Product weight (kg)"), Some("kg"));
        assert_eq!(header_unit("Weight_lbs"), Some("lb"));
        assert!(!is_mass_header("Product's carbon footprint (PCF, kg CO2e)"));
        assert!(!is_mass_header("Weight of packaging (kg)"));
        assert!(is_origin_header("assembly_location"));
        assert!(!is_origin_header("use_location"));
        assert!(is_origin_header("Country of Origin"));
        assert!(is_origin_header("Wafer Fab Location"));
        assert!(is_origin_header("Country of manufacture"));
        assert!(is_origin_header("Test site"));
        assert!(!is_origin_header("Test conditions"));
        assert_eq!(cell_mass("0.052"), Some((0.052, None)));
        assert_eq!(cell_mass("1.2 g"), Some((1.2, Some("g"))));
        assert_eq!(cell_mass("approx. 105 mg"), Some((105.0, Some("mg"))));
        assert_eq!(cell_mass("2,5"), Some((2.5, None)));
        assert_eq!(cell_mass("±2"), None);
        assert_eq!(cell_mass("10 to 20"), None);
        assert_eq!(cell_mass("SOT-23"), None);
        assert!(is_recycled_header("Recycled content (%)"));
        assert!(is_recycled_header("Post-consumer recycled content"));
        assert!(!is_recycled_header("Recyclability (%)"));
        assert!(!is_recycled_header("Recycled content of packaging (%)"));
        assert!(!is_recycled_header("Recycled"));
        assert_eq!(cell_share("0 – 24%", true), Some(24.0));
        assert_eq!(cell_share("24%", false), Some(24.0));
        assert_eq!(cell_share("30", true), Some(30.0));
        assert_eq!(cell_share("30", false), None);
        assert_eq!(cell_share("up to 50 %", false), Some(50.0));
        assert_eq!(cell_share("0%", true), None);
        assert_eq!(cell_share("n/a", true), None);
        assert_eq!(cell_share("2.90 – 3.50", false), None);
    }
}
