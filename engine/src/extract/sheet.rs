//! Spreadsheet rows: values read by column, with the header cell that gives
//! the column's meaning (and unit) cited next to the value cell.

use super::candidate::{Candidate, DocContext, Source, Value};
use super::cite_chars;
use super::table::{header_unit, is_mass_header, is_origin_header};
use crate::document::{Document, SheetRow};
use crate::text::slice_chars;

fn cell<'a>(doc: &'a Document, row: &SheetRow, i: usize) -> Option<&'a str> {
    let c = row.cells.get(i)?;
    slice_chars(&doc.text, c.start, c.end)
}

pub(super) struct Sheets;

impl Source for Sheets {
    fn candidates(&self, ctx: &DocContext<'_>, out: &mut Vec<Candidate>) {
        let Some(layout) = &ctx.doc.sheet else { return };
        rows(ctx, layout, out);
    }
}

fn rows(ctx: &DocContext<'_>, layout: &crate::document::SheetLayout, out: &mut Vec<Candidate>) {
    let (doc, idx, regions) = (ctx.doc, ctx.idx, ctx.regions);
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
                out.push(Candidate::new(
                    Value::mass(grams, v, unit.to_owned()),
                    vec![
                        cite_chars(doc, idx, row.cells[i]),
                        cite_chars(doc, idx, *hc),
                    ],
                    0.9,
                    "sheet:column",
                ));
            }
            if is_origin_header(h)
                && let Some(code) = attest_rules::country::to_alpha2(value)
            {
                out.push(Candidate::new(
                    Value::origin(code, attest_rules::origin_roles(h)),
                    vec![
                        cite_chars(doc, idx, row.cells[i]),
                        cite_chars(doc, idx, *hc),
                    ],
                    0.9,
                    "sheet:column",
                ));
            }
        }
    }
}
