//! Parsers: bytes of one file → canonical text with a page map, plus the
//! structure a format carries (spreadsheet cells, declaration tree).
//!
//! The format is decided by the file's content first and its name second, so
//! a PDF named `.txt` is still read as a PDF, and a file named `.pdf` that is
//! not one gets a clear error instead of garbage text.

mod html;
mod ipc1752;
mod ocr;
mod pdf;
mod pdf_words;
mod sheet;
mod text_tables;

use std::time::Duration;

use crate::document::{
    Declaration, Format, PageGeometry, PageSpan, SheetLayout, Table, TableCell, TableRow,
    TextLayout, WordBox,
};
use crate::layout::{PageLayout, lay_out};
use crate::text::{CharIndex, canonicalize};

pub use pdf::{PdfExtractor, RunError, TextLayer, layer_words, pdftotext_available, run_child};

/// Bounds every parser works within.
#[derive(Debug, Clone)]
pub struct ParseLimits {
    pub max_bytes: u64,
    /// Wall-clock budget for one PDF extractor run.
    pub pdf_timeout: Duration,
    /// Below this many letters/digits per page, an extractor's output counts
    /// as "almost nothing" and the fallback extractor is tried.
    pub min_chars_per_page: usize,
    /// Maximum cells read from a spreadsheet (zip bombs expand enormously).
    pub max_cells: usize,
    /// Maximum bytes a spreadsheet's zip may unpack to, checked before the
    /// workbook is read.
    pub max_unpacked_bytes: u64,
    /// Pages of one PDF read by OCR at most, and the time they may take.
    pub max_ocr_pages: usize,
    pub ocr_budget: Duration,
}

impl Default for ParseLimits {
    fn default() -> Self {
        Self {
            max_bytes: 64 * 1024 * 1024,
            pdf_timeout: Duration::from_secs(60),
            min_chars_per_page: 40,
            max_cells: 2_000_000,
            max_unpacked_bytes: 128 * 1024 * 1024,
            max_ocr_pages: 50,
            ocr_budget: Duration::from_secs(300),
        }
    }
}

/// The result of parsing one file. Offsets are code points into `text`.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub format: Format,
    pub text: String,
    pub pages: Vec<PageSpan>,
    pub extractor: String,
    pub sheet: Option<SheetLayout>,
    pub declaration: Option<Declaration>,
    pub tables: Vec<Table>,
    /// Page geometry and word boxes (PDFs).
    pub layout: Option<TextLayout>,
}

/// Why a file could not be read. `code()` is stable and machine-readable.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ParseError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is {size} bytes, over the limit of {limit} bytes")]
    TooLarge { size: u64, limit: u64 },
    #[error("the file's name says {claimed} but its content is not: {detail}")]
    FormatMismatch {
        claimed: &'static str,
        detail: String,
    },
    #[error("unsupported file format: {0}")]
    Unsupported(String),
    #[error("malformed {format}: {reason}")]
    Malformed {
        format: &'static str,
        reason: String,
    },
    #[error("the workbook unpacks to more than {limit} bytes (at least {size})")]
    Unpacks { size: u64, limit: u64 },
    #[error("the workbook has {cells} cells, over the limit of {limit}")]
    TooManyCells { cells: u64, limit: u64 },
    #[error("the PDF is encrypted with a password; it cannot be read without it")]
    Encrypted,
    #[error("the PDF has {pages} page(s) but no text layer; it needs OCR")]
    NeedsOcr { pages: usize },
    #[error("the document contains no text")]
    NoText,
}

impl ParseError {
    pub fn code(&self) -> &'static str {
        match self {
            ParseError::Empty => "empty_file",
            ParseError::TooLarge { .. }
            | ParseError::Unpacks { .. }
            | ParseError::TooManyCells { .. } => "file_too_large",
            ParseError::Encrypted => "encrypted_document",
            ParseError::FormatMismatch { .. } => "format_mismatch",
            ParseError::Unsupported(_) => "unsupported_format",
            ParseError::Malformed { .. } => "malformed_document",
            ParseError::NeedsOcr { .. } => "needs_ocr",
            ParseError::NoText => "no_text",
        }
    }
}

/// Parses one file. Never panics; a PDF extractor that panics or hangs is
/// contained (see [`pdf`]).
pub fn parse(name: &str, bytes: &[u8], limits: &ParseLimits) -> Result<Parsed, ParseError> {
    if bytes.is_empty() {
        return Err(ParseError::Empty);
    }
    if bytes.len() as u64 > limits.max_bytes {
        return Err(ParseError::TooLarge {
            size: bytes.len() as u64,
            limit: limits.max_bytes,
        });
    }
    let format = sniff(name, bytes)?;
    let parsed = match format {
        Format::Pdf => {
            let (pages, extractor) = pdf::extract_words(bytes, limits)?;
            let laid_out: Vec<(PageLayout, PageGeometry)> = pages
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    (
                        lay_out(&p.words),
                        PageGeometry {
                            page: i as u32 + 1,
                            width: p.words.width,
                            height: p.words.height,
                            source: p.source.to_owned(),
                        },
                    )
                })
                .collect();
            from_laid_out(laid_out, &extractor)
        }
        Format::Xlsx => sheet::parse_xlsx(name, bytes, limits)?,
        Format::Csv => sheet::parse_csv(name, &decode_text(bytes))?,
        Format::Ipc1752Xml => ipc1752::parse(&decode_text(bytes))?,
        Format::Html => {
            let text = html::to_text(&decode_text(bytes));
            with_text_tables(from_pages(format, &[text], "html"))
        }
        Format::Text | Format::Markdown => {
            let text = decode_text(bytes);
            // Form feeds separate pages in plain-text exports.
            let pages: Vec<String> = text.split('\u{c}').map(str::to_owned).collect();
            with_text_tables(from_pages(format, &pages, "text"))
        }
    };
    if crate::text::content_chars(&parsed.text) == 0 {
        return Err(ParseError::NoText);
    }
    Ok(parsed)
}

fn with_text_tables(mut p: Parsed) -> Parsed {
    p.tables = text_tables::detect(&p.text, &p.pages);
    p
}

fn ext_of(name: &str) -> String {
    std::path::Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Decides the format from magic bytes, then from the name.
pub fn sniff(name: &str, bytes: &[u8]) -> Result<Format, ParseError> {
    let ext = ext_of(name);
    let head = &bytes[..bytes.len().min(1024)];
    let is_pdf = head.windows(5).any(|w| w == b"%PDF-");
    let is_zip = bytes.starts_with(b"PK\x03\x04");
    if is_pdf {
        return Ok(Format::Pdf);
    }
    if is_zip {
        return match ext.as_str() {
            "xlsx" | "xlsm" | "xlsb" | "ods" | "" => Ok(Format::Xlsx),
            _ => Err(ParseError::Unsupported(format!(
                "a zip archive named .{ext} (only .xlsx spreadsheets are read)"
            ))),
        };
    }
    if ext == "pdf" {
        return Err(ParseError::FormatMismatch {
            claimed: "PDF",
            detail: "no %PDF- header".into(),
        });
    }
    if matches!(ext.as_str(), "xlsx" | "xls" | "xlsm") {
        return Err(ParseError::FormatMismatch {
            claimed: "spreadsheet",
            detail: "not a zip-based workbook".into(),
        });
    }
    if text_encoding(bytes).is_none() {
        return Err(ParseError::Unsupported(format!(
            "binary content{}",
            if ext.is_empty() {
                String::new()
            } else {
                format!(" named .{ext}")
            }
        )));
    }
    let lower_head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let trimmed = lower_head.trim_start_matches('\u{feff}').trim_start();
    if ext == "xml"
        || (trimmed.starts_with("<?xml") && ipc1752::looks_like_declaration(&lower_head))
    {
        return Ok(Format::Ipc1752Xml);
    }
    Ok(match ext.as_str() {
        "csv" | "tsv" => Format::Csv,
        "html" | "htm" | "xhtml" => Format::Html,
        "md" | "markdown" => Format::Markdown,
        _ if trimmed.starts_with("<!doctype html") || trimmed.starts_with("<html") => Format::Html,
        _ => Format::Text,
    })
}

/// How a text file is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextEncoding {
    Utf8,
    /// With a byte order mark, as Windows tools export text and CSV.
    Utf16Le,
    Utf16Be,
    /// Not UTF-8, a few bytes above 0x7F: Latin-1 as Windows writes it.
    Windows1252,
}

/// The encoding of a text file, or `None` for binary content: NUL bytes
/// (outside UTF-16), a high share of control bytes, or mostly bytes above
/// 0x7F that are not UTF-8.
fn text_encoding(bytes: &[u8]) -> Option<TextEncoding> {
    let sample = &bytes[..bytes.len().min(8192)];
    let utf16 = match sample {
        [0xff, 0xfe, ..] => Some(TextEncoding::Utf16Le),
        [0xfe, 0xff, ..] => Some(TextEncoding::Utf16Be),
        _ => None,
    };
    if let Some(enc) = utf16 {
        let decoded = decode_as(&sample[..sample.len() & !1], enc);
        let n = decoded.chars().count().max(1);
        let bad = decoded
            .chars()
            .filter(|&c| c == '\u{fffd}' || c == '\0' || (c.is_control() && !c.is_whitespace()))
            .count();
        return (bad * 100 <= n).then_some(enc);
    }
    if sample.contains(&0) {
        return None;
    }
    let control = sample
        .iter()
        .filter(|&&b| b < 0x09 || (0x0e..0x20).contains(&b) && b != 0x1b)
        .count();
    if control * 100 > sample.len() {
        return None;
    }
    let utf8 = std::str::from_utf8(sample).is_ok()
        // A multi-byte sequence cut by the sample boundary is fine.
        || std::str::from_utf8(&sample[..sample.len().saturating_sub(4)]).is_ok();
    if utf8 {
        return Some(TextEncoding::Utf8);
    }
    let high = sample.iter().filter(|&&b| b >= 0x80).count();
    (high * 10 <= sample.len()).then_some(TextEncoding::Windows1252)
}

/// Windows-1252 code points for bytes 0x80 to 0x9F (the rest is Latin-1);
/// the five unassigned bytes become U+FFFD.
const CP1252_HIGH: [char; 32] = [
    '€', '\u{fffd}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{fffd}', 'Ž',
    '\u{fffd}', '\u{fffd}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{fffd}',
    'ž', 'Ÿ',
];

fn decode_as(bytes: &[u8], enc: TextEncoding) -> String {
    match enc {
        TextEncoding::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
        TextEncoding::Utf16Le | TextEncoding::Utf16Be => {
            let units = bytes.chunks_exact(2).map(|p| match enc {
                TextEncoding::Utf16Le => u16::from_le_bytes([p[0], p[1]]),
                _ => u16::from_be_bytes([p[0], p[1]]),
            });
            char::decode_utf16(units)
                .map(|c| c.unwrap_or('\u{fffd}'))
                .collect()
        }
        TextEncoding::Windows1252 => bytes
            .iter()
            .map(|&b| match b {
                0x80..=0x9f => CP1252_HIGH[usize::from(b - 0x80)],
                _ => char::from(b),
            })
            .collect(),
    }
}

fn decode_text(bytes: &[u8]) -> String {
    let enc = text_encoding(bytes).unwrap_or(TextEncoding::Utf8);
    let s = decode_as(bytes, enc);
    s.trim_start_matches('\u{feff}').to_owned()
}

/// Canonicalises each page and joins them, recording each page's range.
pub(crate) fn from_pages(format: Format, pages: &[String], extractor: &str) -> Parsed {
    let mut text = String::new();
    let mut byte_ranges = Vec::with_capacity(pages.len());
    for page in pages {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        let start = text.len();
        text.push_str(&canonicalize(page));
        byte_ranges.push(start..text.len());
    }
    let idx = CharIndex::new(&text);
    let pages = byte_ranges
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let c = idx.chars(r);
            PageSpan {
                page: i as u32 + 1,
                start: c.start,
                end: c.end,
            }
        })
        .collect();
    Parsed {
        format,
        text,
        pages,
        extractor: extractor.to_owned(),
        sheet: None,
        declaration: None,
        tables: Vec::new(),
        layout: None,
    }
}

/// Laid-out PDF pages → one canonical text with page ranges, word boxes and
/// tables in document offsets; a table continued on the next page becomes
/// one table (see [`join_continued_tables`]).
pub(crate) fn from_laid_out(pages: Vec<(PageLayout, PageGeometry)>, extractor: &str) -> Parsed {
    let mut text = String::new();
    let mut chars = 0usize;
    let mut spans = Vec::with_capacity(pages.len());
    let mut boxes = Vec::new();
    let mut tables: Vec<(Table, PageTableExtent)> = Vec::new();
    let mut geometry = Vec::with_capacity(pages.len());
    for (layout, geo) in pages {
        if !text.is_empty() {
            text.push_str("\n\n");
            chars += 2;
        }
        let start = chars;
        let page = geo.page;
        // The layout writes canonical text; should a source ever produce
        // something canonicalisation changes, the page keeps its text and
        // loses its boxes rather than mis-place them.
        let canonical = canonicalize(&layout.text);
        let exact = canonical == layout.text;
        if !exact {
            tracing::warn!(
                page,
                "laid-out page text was not canonical; its boxes are dropped"
            );
        }
        text.push_str(&canonical);
        let page_chars = canonical.chars().count();
        chars += page_chars;
        spans.push(PageSpan {
            page,
            start,
            end: chars,
        });
        if exact {
            boxes.extend(layout.words.iter().map(|w| WordBox {
                start: (start + w.start) as u32,
                end: (start + w.end) as u32,
                page,
                line: w.line,
                rect: w.rect,
            }));
            let lines_before =
                |at: usize| layout.text.chars().take(at).filter(|&c| c == '\n').count();
            let total_lines = layout.text.lines().count();
            for t in &layout.tables {
                let rows = t
                    .rows
                    .iter()
                    .map(|r| TableRow {
                        page,
                        span: crate::text::CharRange {
                            start: start + r.start,
                            end: start + r.end,
                        },
                        cells: r
                            .cells
                            .iter()
                            .map(|c| TableCell {
                                col: c.col as u32,
                                span: crate::text::CharRange {
                                    start: start + c.start,
                                    end: start + c.end,
                                },
                            })
                            .collect(),
                        repeated_header: false,
                    })
                    .collect();
                let first = t.rows.first().map(|r| r.start).unwrap_or(0);
                let last = t.rows.last().map(|r| r.end).unwrap_or(0);
                tables.push((
                    Table {
                        columns: t.columns as u32,
                        header_rows: t.header_rows as u32,
                        rows,
                    },
                    PageTableExtent {
                        page,
                        edges: t.column_edges.clone(),
                        lines_above: lines_before(first),
                        lines_below: total_lines.saturating_sub(lines_before(last) + 1),
                    },
                ));
            }
        }
        geometry.push(geo);
    }
    let tables = join_continued_tables(&text, tables);
    Parsed {
        format: Format::Pdf,
        text,
        pages: spans,
        extractor: extractor.to_owned(),
        sheet: None,
        declaration: None,
        tables,
        layout: Some(TextLayout {
            pages: geometry,
            boxes,
        }),
    }
}

/// Where a table sits on its page, to tell whether it runs on.
#[derive(Debug, Clone)]
pub(crate) struct PageTableExtent {
    page: u32,
    edges: Vec<f32>,
    /// Lines of the page text before the table's first row and after its last.
    lines_above: usize,
    lines_below: usize,
}

/// A table that ends a page (at most a few footer lines below it) and a
/// table that starts the next one (at most a few header lines above it)
/// with the same columns are one table: the continuation's rows join it,
/// and a first row that repeats the header is marked as such (a
/// continuation that brings a header of its own is another table).
fn join_continued_tables(text: &str, tables: Vec<(Table, PageTableExtent)>) -> Vec<Table> {
    const PAGE_FURNITURE: usize = 4;
    let idx = crate::text::CharIndex::new(text);
    let cell_texts = |row: &TableRow| -> Vec<String> {
        row.cells
            .iter()
            .map(|c| {
                text.get(idx.bytes(c.span))
                    .unwrap_or("")
                    .trim()
                    .to_lowercase()
            })
            .collect()
    };
    let mut out: Vec<(Table, PageTableExtent)> = Vec::new();
    for (table, ext) in tables {
        if let Some((prev, pext)) = out.last_mut() {
            let same_columns = prev.columns == table.columns
                && pext.edges.len() == ext.edges.len()
                && pext
                    .edges
                    .iter()
                    .zip(&ext.edges)
                    .all(|(a, b)| (a - b).abs() <= 6.0);
            let runs_on = ext.page == pext.page + 1
                && pext.lines_below <= PAGE_FURNITURE
                && ext.lines_above <= PAGE_FURNITURE;
            if same_columns && runs_on {
                let header: Vec<Vec<String>> = prev
                    .rows
                    .iter()
                    .take(prev.header_rows as usize)
                    .map(&cell_texts)
                    .collect();
                let repeats = table.header_rows > 0
                    && table
                        .rows
                        .first()
                        .is_some_and(|r| header.first() == Some(&cell_texts(r)));
                if table.header_rows == 0 || repeats {
                    let mut rows = table.rows;
                    if repeats {
                        for r in rows.iter_mut().take(table.header_rows as usize) {
                            r.repeated_header = true;
                        }
                    }
                    prev.rows.extend(rows);
                    *pext = PageTableExtent {
                        page: ext.page,
                        edges: ext.edges,
                        lines_above: pext.lines_above,
                        lines_below: ext.lines_below,
                    };
                    continue;
                }
            }
        }
        out.push((table, ext));
    }
    out.into_iter().map(|(t, _)| t).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sniffing_prefers_content_over_name() {
        assert_eq!(sniff("a.txt", b"%PDF-1.4 ...").unwrap(), Format::Pdf);
        assert_eq!(
            sniff("a.pdf", b"hello").unwrap_err().code(),
            "format_mismatch"
        );
        assert_eq!(
            sniff("a.bin", b"\x00\x01\x02").unwrap_err().code(),
            "unsupported_format"
        );
        assert_eq!(sniff("a.csv", b"a,b\n1,2").unwrap(), Format::Csv);
        assert_eq!(sniff("x", b"<!DOCTYPE html><p>x").unwrap(), Format::Html);
    }

    #[test]
    fn empty_and_oversized_files_are_refused() {
        let limits = ParseLimits {
            max_bytes: 4,
            ..ParseLimits::default()
        };
        assert_eq!(parse("a.txt", b"", &limits).unwrap_err(), ParseError::Empty);
        assert_eq!(
            parse("a.txt", b"hello", &limits).unwrap_err().code(),
            "file_too_large"
        );
    }

    #[test]
    fn pages_of_plain_text_split_on_form_feed() {
        let p = parse("a.txt", "one\u{c}двa".as_bytes(), &ParseLimits::default()).unwrap();
        assert_eq!(p.pages.len(), 2);
        let second = p.pages[1];
        assert_eq!(
            crate::text::slice_chars(&p.text, second.start, second.end),
            Some("двa")
        );
    }
}
