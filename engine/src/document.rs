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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

/// Where a document is in its ingest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestError {
    pub code: String,
    pub message: String,
}

/// Metadata about a document; what `GET /v1/documents/{id}` returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
}

impl Document {
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
}
