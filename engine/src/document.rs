//! The document model: what attest knows about one ingested file.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::text::CharRange;

/// Tenant used until multi-tenancy is configured.
pub const DEFAULT_TENANT: &str = "default";

/// Identifier derived from the tenant and the file's bytes: the same file
/// ingested twice gets the same id, so a re-ingest is a no-op.
pub fn document_id(tenant: &str, bytes: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(tenant.as_bytes());
    h.update([0u8]);
    h.update(bytes);
    let digest = h.finalize();
    hex(&digest[..16])
}

/// Full SHA-256 of the content, kept for provenance.
pub fn content_sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    Datasheet,
    Declaration,
    Report,
    Certificate,
    Sheet,
    Other,
}

/// The file format a parser recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Pdf,
    Text,
    Markdown,
    Html,
    Csv,
    Xlsx,
    Ipc1752Xml,
}

/// One page of the canonical text (1-based page numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PageSpan {
    pub page: u32,
    pub start: usize,
    pub end: usize,
}

/// One row of a spreadsheet: the row's range in the canonical text and the
/// range of every cell, so a citation can address a single cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetRow {
    /// Sheet name (the file name for CSV).
    pub sheet: String,
    /// 1-based row number in the sheet.
    pub row: u32,
    pub span: CharRange,
    pub cells: Vec<CharRange>,
    /// 0-based column of the first cell (a sheet may start at column C).
    #[serde(default)]
    pub first_col: u32,
}

/// A spreadsheet cell a citation quotes: `Sheet1!C14` and the value as the
/// sheet displays it (never a formula's text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CellRef {
    pub sheet: String,
    /// `Sheet!A1` reference.
    pub cell: String,
    pub value: String,
}

/// Spreadsheet column letters of a 0-based column: 0 → A, 27 → AB.
pub fn column_letters(mut col: u32) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    out.reverse();
    String::from_utf8_lossy(&out).into_owned()
}

/// Rows of every sheet, with the header row of each sheet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetLayout {
    pub rows: Vec<SheetRow>,
    /// Index into `rows` of each sheet's header row, by sheet name.
    pub headers: Vec<(String, usize)>,
}

/// A structured material declaration (IPC-1752A / IEC 62474), with the span
/// of every value in the canonical text rendered from it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Declaration {
    pub product: Option<Cited<String>>,
    pub total_mass: Option<CitedMass>,
    pub materials: Vec<DeclaredMaterial>,
    pub origin: Vec<Cited<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeclaredMaterial {
    pub name: Cited<String>,
    pub mass: Option<CitedMass>,
    pub substances: Vec<DeclaredSubstance>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeclaredSubstance {
    pub name: Cited<String>,
    pub cas: Option<String>,
    pub mass: Option<CitedMass>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cited<T> {
    pub value: T,
    pub span: CharRange,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CitedMass {
    pub value: f64,
    pub unit: String,
    pub span: CharRange,
}

/// A table of a document (a PDF page's detected table, an HTML, Markdown or
/// fixed-width text table), one line of the canonical text per row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Table {
    pub columns: u32,
    /// The first `header_rows` rows name the columns.
    pub header_rows: u32,
    pub rows: Vec<TableRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TableRow {
    pub page: u32,
    pub span: CharRange,
    pub cells: Vec<TableCell>,
    /// A header row repeated where the table continues on another page.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub repeated_header: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TableCell {
    pub col: u32,
    pub span: CharRange,
}

impl Table {
    /// The header text above a column (header rows joined), empty when the
    /// table has no header.
    pub fn header<'a>(
        &self,
        text: &'a str,
        idx: &crate::text::CharIndex,
        col: u32,
    ) -> Vec<&'a str> {
        self.rows
            .iter()
            .take(self.header_rows as usize)
            .filter_map(|r| r.cells.iter().find(|c| c.col == col))
            .filter_map(|c| text.get(idx.bytes(c.span)))
            .collect()
    }

    /// Data rows (after the header, without repeated headers).
    pub fn body(&self) -> impl Iterator<Item = &TableRow> {
        self.rows
            .iter()
            .skip(self.header_rows as usize)
            .filter(|r| !r.repeated_header)
    }
}

impl TableRow {
    pub fn cell(&self, col: u32) -> Option<CharRange> {
        self.cells.iter().find(|c| c.col == col).map(|c| c.span)
    }
}

/// Where each page of a PDF came from and where its words are drawn.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TextLayout {
    pub pages: Vec<PageGeometry>,
    /// Word boxes in text order (sorted by `start`).
    pub boxes: Vec<WordBox>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PageGeometry {
    pub page: u32,
    /// Page size in points, as displayed.
    pub width: f32,
    pub height: f32,
    /// `pdftotext`, `pdf-extract` or `ocr`.
    pub source: String,
}

/// A word of the canonical text (code points `start..end`) and the
/// rectangle it is drawn in on its page: PDF points, origin at the page's
/// top-left corner as displayed, y downwards. `line` numbers the physical
/// lines of the page. Stored as an array to keep records small.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(from = "WordBoxRepr", into = "WordBoxRepr")]
pub struct WordBox {
    pub start: u32,
    pub end: u32,
    pub page: u32,
    pub line: u32,
    pub rect: crate::layout::Rect,
}

type WordBoxRepr = (u32, u32, u32, u32, f32, f32, f32, f32);

impl From<WordBoxRepr> for WordBox {
    fn from(t: WordBoxRepr) -> Self {
        WordBox {
            start: t.0,
            end: t.1,
            page: t.2,
            line: t.3,
            rect: crate::layout::Rect::new(t.4, t.5, t.6, t.7),
        }
    }
}

impl From<WordBox> for WordBoxRepr {
    fn from(b: WordBox) -> Self {
        (
            b.start, b.end, b.page, b.line, b.rect.x0, b.rect.y0, b.rect.x1, b.rect.y1,
        )
    }
}

/// A rectangle on a page that a citation covers (one per line).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PageBox {
    pub page: u32,
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
}

impl TextLayout {
    /// One box per physical line the code point range covers, in text
    /// order: the union of the boxes of the words it overlaps.
    pub fn boxes_for(&self, start: usize, end: usize) -> Vec<PageBox> {
        let first = self.boxes.partition_point(|b| (b.end as usize) <= start);
        let mut out: Vec<(u32, u32, crate::layout::Rect)> = Vec::new();
        for b in self.boxes[first..]
            .iter()
            .take_while(|b| (b.start as usize) < end)
            .filter(|b| (b.end as usize) > start)
        {
            match out
                .iter_mut()
                .find(|(p, l, _)| *p == b.page && *l == b.line)
            {
                Some((_, _, r)) => *r = r.union(&b.rect),
                None => out.push((b.page, b.line, b.rect)),
            }
        }
        out.into_iter()
            .map(|(page, _, r)| PageBox {
                page,
                x0: r.x0,
                y0: r.y0,
                x1: r.x1,
                y1: r.y1,
            })
            .collect()
    }

    /// Whether the text of a page was read by OCR.
    pub fn is_ocr(&self, page: u32) -> bool {
        self.pages
            .iter()
            .any(|p| p.page == page && p.source == "ocr")
    }
}

/// Where a document is in its ingest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IngestStatus {
    /// Accepted and stored; waiting for the worker.
    Queued,
    /// Parsed, chunked, embedded and searchable.
    Ready,
    /// Could not be ingested; `error` says why.
    Failed,
}

/// A per-document failure with a stable code and a human reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IngestError {
    pub code: String,
    pub message: String,
}

/// Metadata about a document; what `GET /v1/documents/{id}` returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DocumentMeta {
    pub id: String,
    pub tenant: String,
    /// The source name (file name or upload name); a new file under the same
    /// source name replaces the old document.
    pub source: String,
    pub sha256: String,
    pub bytes: u64,
    pub status: IngestStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<IngestError>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<DocumentKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<Format>,
    /// Which text extractor produced the canonical text (e.g. `pdf-extract`,
    /// `pdftotext`, `xlsx`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extractor: Option<String>,
    #[serde(default)]
    pub subjects: Vec<String>,
    #[serde(default)]
    pub pages: u32,
    #[serde(default)]
    pub chunks: u32,
    #[serde(default)]
    pub chars: usize,
    /// Unix milliseconds.
    pub created_at: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ingested_at: Option<u64>,
}

/// A fully parsed document: metadata plus canonical text and its structure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub meta: DocumentMeta,
    pub text: String,
    pub pages: Vec<PageSpan>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<SheetLayout>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declaration: Option<Declaration>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tables: Vec<Table>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<TextLayout>,
}

impl Document {
    /// A citation of `quote`, the text at code points `start..end`, with
    /// the boxes it covers on the page and whether OCR read it.
    #[cfg(feature = "service")]
    pub fn citation(&self, start: usize, end: usize, quote: String) -> crate::extract::Citation {
        let page = self.page_of(start);
        let (boxes, ocr) = match &self.layout {
            Some(l) => (l.boxes_for(start, end), l.is_ocr(page)),
            None => (Vec::new(), false),
        };
        crate::extract::Citation {
            document_id: self.meta.id.clone(),
            page,
            start,
            end,
            cell: self.cell_at(start, end),
            quote,
            boxes,
            ocr,
        }
    }

    /// The spreadsheet cell that holds the code points `start..end`.
    pub fn cell_at(&self, start: usize, end: usize) -> Option<CellRef> {
        let sheet = self.sheet.as_ref()?;
        let i = sheet.rows.partition_point(|r| r.span.end < start);
        let row = sheet.rows.get(i).filter(|r| r.span.start <= start)?;
        let (k, c) = row
            .cells
            .iter()
            .enumerate()
            .find(|(_, c)| c.start <= start && end <= c.end && c.end > c.start)?;
        let value = crate::text::slice_chars(&self.text, c.start, c.end)?.to_owned();
        Some(CellRef {
            sheet: row.sheet.clone(),
            cell: format!(
                "{}!{}{}",
                row.sheet,
                column_letters(row.first_col + k as u32),
                row.row
            ),
            value,
        })
    }

    /// The page a code point offset falls on (the last page for the end).
    pub fn page_of(&self, offset: usize) -> u32 {
        self.pages
            .iter()
            .find(|p| offset >= p.start && offset < p.end)
            .or(self.pages.last().filter(|p| offset >= p.end))
            .map(|p| p.page)
            .unwrap_or(1)
    }
}

pub fn now_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_depends_on_tenant_and_content() {
        let a = document_id("t1", b"abc");
        assert_eq!(a.len(), 32);
        assert_eq!(a, document_id("t1", b"abc"));
        assert_ne!(a, document_id("t2", b"abc"));
        assert_ne!(a, document_id("t1", b"abd"));
    }

    #[test]
    fn column_letters_count_like_a_spreadsheet() {
        let got: Vec<String> = [0, 2, 25, 26, 27, 51, 52, 701, 702]
            .map(column_letters)
            .to_vec();
        assert_eq!(got, ["A", "C", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]);
    }
}
