//! Spreadsheets: every row a record, every cell addressable by a citation.
//!
//! CSV: the canonical text is the file itself (cleaned like any text), so a
//! citation quotes the cell exactly as the supplier wrote it. XLSX: each row
//! is rendered as one line, cells joined by ` | `, each sheet introduced by a
//! `Sheet: NAME` line.

use std::io::Cursor;

use calamine::{Data, Reader, open_workbook_auto_from_rs};

use super::{ParseError, ParseLimits, Parsed};
use crate::document::{Format, PageSpan, SheetLayout, SheetRow};
use crate::text::{CharIndex, CharRange, canonicalize};

pub const CELL_SEPARATOR: &str = " | ";

pub(super) fn parse_csv(name: &str, raw: &str) -> Result<Parsed, ParseError> {
    let text = canonicalize(raw);
    let delimiter = if name.to_ascii_lowercase().ends_with(".tsv") {
        '\t'
    } else {
        ','
    };
    let idx = CharIndex::new(&text);
    let sheet_name = std::path::Path::new(name)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(name)
        .to_owned();
    let mut layout = SheetLayout::default();
    for (n, (row, cells)) in split_csv(&text, delimiter).into_iter().enumerate() {
        if text[row.clone()].trim().is_empty() {
            continue;
        }
        if layout.headers.is_empty() {
            layout.headers.push((sheet_name.clone(), layout.rows.len()));
        }
        layout.rows.push(SheetRow {
            sheet: sheet_name.clone(),
            row: n as u32 + 1,
            span: idx.chars(row),
            cells: cells.into_iter().map(|c| idx.chars(c)).collect(),
            first_col: 0,
        });
    }
    if layout.rows.is_empty() {
        return Err(ParseError::NoText);
    }
    let end = idx.len_chars();
    Ok(Parsed {
        format: Format::Csv,
        text,
        pages: vec![PageSpan {
            page: 1,
            start: 0,
            end,
        }],
        extractor: "csv".into(),
        sheet: Some(layout),
        declaration: None,
        tables: Vec::new(),
        layout: None,
    })
}

/// Splits CSV text into rows and cells (byte ranges), honouring quoted
/// fields that contain delimiters and newlines. A cell's range excludes its
/// surrounding quotes.
fn split_csv(
    text: &str,
    delim: char,
) -> Vec<(std::ops::Range<usize>, Vec<std::ops::Range<usize>>)> {
    let mut rows = Vec::new();
    let mut cells = Vec::new();
    let mut row_start = 0;
    let mut cell_start = 0;
    let mut in_quotes = false;
    let mut quoted_cell = false;
    let push_cell =
        |cells: &mut Vec<std::ops::Range<usize>>, start: usize, end: usize, quoted: bool| {
            let (mut s, mut e) = (start, end);
            if quoted && e >= s + 2 && text[s..e].starts_with('"') && text[s..e].ends_with('"') {
                s += 1;
                e -= 1;
            }
            cells.push(s..e);
        };
    for (i, c) in text.char_indices() {
        if in_quotes {
            if c == '"' {
                in_quotes = false;
            }
            continue;
        }
        if c == '"' && i == cell_start {
            in_quotes = true;
            quoted_cell = true;
        } else if c == '"' {
            // An escaped quote ("") re-enters the quoted state.
            in_quotes = quoted_cell;
        } else if c == delim {
            push_cell(&mut cells, cell_start, i, quoted_cell);
            cell_start = i + c.len_utf8();
            quoted_cell = false;
        } else if c == '\n' {
            push_cell(&mut cells, cell_start, i, quoted_cell);
            rows.push((row_start..i, std::mem::take(&mut cells)));
            row_start = i + 1;
            cell_start = i + 1;
            quoted_cell = false;
        }
    }
    if row_start < text.len() {
        push_cell(&mut cells, cell_start, text.len(), quoted_cell);
        rows.push((row_start..text.len(), cells));
    }
    rows
}

/// (sheet, row number, first column, row byte range, cell byte ranges, is header)
type RenderedRow = (
    String,
    u32,
    u32,
    std::ops::Range<usize>,
    Vec<std::ops::Range<usize>>,
    bool,
);

/// Refuses a workbook whose parts unpack to more than `limit` bytes, by
/// their declared sizes first (instant), then by inflating each part up to
/// the limit (a zip can understate its sizes): the time and memory a zip
/// bomb can take are bounded by the limit, not by the bomb.
fn check_unpacked_size(bytes: &[u8], limit: u64) -> Result<(), ParseError> {
    use std::io::Read;
    let mut zip = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(z) => z,
        // The workbook reader says what is wrong with it.
        Err(_) => return Ok(()),
    };
    let mut declared = 0u64;
    for i in 0..zip.len() {
        if let Ok(f) = zip.by_index_raw(i) {
            declared = declared.saturating_add(f.size());
        }
    }
    if declared > limit {
        return Err(ParseError::Unpacks {
            size: declared,
            limit,
        });
    }
    let mut total = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let Ok(mut f) = zip.by_index(i) else {
            continue;
        };
        loop {
            match f.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    total = total.saturating_add(n as u64);
                    if total > limit {
                        return Err(ParseError::Unpacks { size: total, limit });
                    }
                }
            }
        }
    }
    Ok(())
}

pub(super) fn parse_xlsx(
    _name: &str,
    bytes: &[u8],
    limits: &ParseLimits,
) -> Result<Parsed, ParseError> {
    let malformed = |e: String| ParseError::Malformed {
        format: "spreadsheet",
        reason: e,
    };
    check_unpacked_size(bytes, limits.max_unpacked_bytes)?;
    let mut book = open_workbook_auto_from_rs(Cursor::new(bytes.to_vec()))
        .map_err(|e| malformed(e.to_string()))?;
    let mut text = String::new();
    let mut rows: Vec<RenderedRow> = Vec::new();
    let mut page_bytes = Vec::new();
    let mut cells_seen = 0usize;
    for sheet_name in book.sheet_names() {
        let range = book
            .worksheet_range(&sheet_name)
            .map_err(|e| malformed(e.to_string()))?;
        let (h, w) = range.get_size();
        cells_seen = cells_seen.saturating_add(h.saturating_mul(w));
        if cells_seen > limits.max_cells {
            return Err(ParseError::TooManyCells {
                cells: cells_seen as u64,
                limit: limits.max_cells as u64,
            });
        }
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        let page_start = text.len();
        text.push_str("Sheet: ");
        text.push_str(&sheet_name);
        let (first_row, first_col) = range.start().unwrap_or((0, 0));
        let mut header_done = false;
        for (i, row) in range.rows().enumerate() {
            let rendered: Vec<String> = row.iter().map(render_cell).collect();
            let last = rendered.iter().rposition(|c| !c.is_empty());
            let Some(last) = last else { continue };
            text.push('\n');
            let row_start = text.len();
            let mut cells = Vec::with_capacity(last + 1);
            for (j, cell) in rendered[..=last].iter().enumerate() {
                if j > 0 {
                    text.push_str(CELL_SEPARATOR);
                }
                let s = text.len();
                text.push_str(cell);
                cells.push(s..text.len());
            }
            rows.push((
                sheet_name.clone(),
                first_row + i as u32 + 1,
                first_col,
                row_start..text.len(),
                cells,
                !header_done,
            ));
            header_done = true;
        }
        page_bytes.push(page_start..text.len());
    }
    let idx = CharIndex::new(&text);
    let mut layout = SheetLayout::default();
    for (sheet, row, first_col, span, cells, is_header) in rows {
        if is_header {
            layout.headers.push((sheet.clone(), layout.rows.len()));
        }
        layout.rows.push(SheetRow {
            sheet,
            row,
            span: idx.chars(span),
            cells: cells.into_iter().map(|c| idx.chars(c)).collect(),
            first_col,
        });
    }
    let pages = page_bytes
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let CharRange { start, end } = idx.chars(r);
            PageSpan {
                page: i as u32 + 1,
                start,
                end,
            }
        })
        .collect();
    Ok(Parsed {
        format: Format::Xlsx,
        text,
        pages,
        extractor: "xlsx".into(),
        sheet: Some(layout),
        declaration: None,
        tables: Vec::new(),
        layout: None,
    })
}

/// One line per cell value: newlines inside a cell would break the
/// one-row-one-line rendering.
fn render_cell(d: &Data) -> String {
    let s = match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => dt.to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    };
    s.replace(['\n', '\r', '\t'], " ")
        .replace(CELL_SEPARATOR, " / ")
        .trim()
        .to_owned()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::text::slice_chars;

    #[test]
    fn csv_cells_are_addressable_with_quotes_and_unicode() {
        let raw =
            "name,weight,origin\n\"Relay, small\",2.1,中国\n\"multi\nline\",\"a \"\"q\"\"\",x\n";
        let p = parse_csv("t.csv", raw).unwrap();
        let layout = p.sheet.unwrap();
        assert_eq!(layout.rows.len(), 3);
        let r = &layout.rows[1];
        let cell = |c: &CharRange| slice_chars(&p.text, c.start, c.end).unwrap().to_owned();
        assert_eq!(cell(&r.cells[0]), "Relay, small");
        assert_eq!(cell(&r.cells[1]), "2.1");
        assert_eq!(cell(&r.cells[2]), "中国");
        let r = &layout.rows[2];
        assert_eq!(cell(&r.cells[0]), "multi\nline");
        assert_eq!(cell(&r.cells[1]), "a \"\"q\"\"");
        assert_eq!(layout.headers, vec![("t.csv".to_owned(), 0)]);
    }

    #[test]
    fn garbage_xlsx_is_a_clear_error() {
        let err = parse_xlsx(
            "x.xlsx",
            b"PK\x03\x04 not really a zip",
            &ParseLimits::default(),
        )
        .unwrap_err();
        assert_eq!(err.code(), "malformed_document");
    }
}
