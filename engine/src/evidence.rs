//! Evidence packs: an extraction answer with, for every cited value, the
//! quote, the document's hash and an image of the page around the cited
//! boxes, as one ZIP an assurer can file.
//!
//! Layout of the archive:
//! - `evidence.json`: the subject, the request id and, per value, its
//!   field, value, confidence, extractor and citations (document id, source,
//!   sha256, page, span, quote, boxes, and the image file of each page it
//!   covers);
//! - `extract.json`: the extraction answer exactly as `/v1/extract` gives it
//!   (provenance included), so the pack reproduces from its own content;
//! - `images/<n>-p<page>.png`: the crops, rendered at 144 dpi with 24 points
//!   around the boxes.

use std::io::Write;
use std::time::Duration;

use serde::Serialize;
use serde_json::{Value, json};

use crate::document::{Document, PageBox};
use crate::extract::{Citation, ExtractResponse};
use crate::render;

const DPI: u32 = 144;
const MARGIN: f32 = 24.0;

#[derive(Debug, Serialize)]
struct PackedCitation<'a> {
    document_id: &'a str,
    source: String,
    sha256: String,
    page: u32,
    start: usize,
    end: usize,
    quote: &'a str,
    boxes: &'a [PageBox],
    ocr: bool,
    images: Vec<String>,
}

/// Finds a cited document and the path of its original file.
pub type DocumentLookup<'a> =
    dyn Fn(&str) -> Option<(std::sync::Arc<Document>, std::path::PathBuf)> + 'a;

/// Every value of an answer with its field name, as JSON, and its citations.
fn values(resp: &ExtractResponse) -> Vec<(&'static str, Value, &[Citation])> {
    let f = &resp.fields;
    let mut out: Vec<(&'static str, Value, &[Citation])> = Vec::new();
    if let Some(m) = &f.mass {
        out.push(("mass", json!({"grams": m.grams, "value": m.value, "unit": m.unit, "confidence": m.confidence, "extractor": m.extractor}), &m.citations));
    }
    for o in &f.origin {
        out.push((
            "origin",
            json!({"country": o.country, "confidence": o.confidence, "extractor": o.extractor}),
            &o.citations,
        ));
    }
    for m in &f.materials {
        out.push((
            "materials",
            json!({"name": m.name, "confidence": m.confidence, "extractor": m.extractor}),
            &m.citations,
        ));
    }
    for r in &f.recycled_content {
        out.push(("recycled_content", json!({"material": r.material, "percent": r.percent, "kind": r.kind, "confidence": r.confidence, "extractor": r.extractor}), &r.citations));
    }
    out
}

/// Builds the archive. `doc_of` finds a cited document and the path of its
/// original; crops that cannot be rendered are left out and noted.
pub fn pack(
    resp: &ExtractResponse,
    doc_of: &DocumentLookup<'_>,
    timeout: Duration,
) -> Result<Vec<u8>, String> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut notes: Vec<String> = Vec::new();
    let mut n = 0usize;
    let mut entries = Vec::new();
    for (field, value, cites) in values(resp) {
        let mut packed = Vec::new();
        for c in cites {
            let Some((doc, original)) = doc_of(&c.document_id) else {
                notes.push(format!("document {} is no longer stored", c.document_id));
                continue;
            };
            let mut images = Vec::new();
            let mut pages: Vec<u32> = c.boxes.iter().map(|b| b.page).collect();
            pages.dedup();
            for page in pages {
                n += 1;
                match render::crop_png(&doc, &original, page, &c.boxes, MARGIN, DPI, timeout) {
                    Ok(png) => {
                        let name = format!("images/{n}-p{page}.png");
                        zip.start_file(&name, stored).map_err(|e| e.to_string())?;
                        zip.write_all(&png).map_err(|e| e.to_string())?;
                        images.push(name);
                    }
                    Err(e) => notes.push(format!("{} page {page}: {e}", doc.meta.source)),
                }
            }
            packed.push(PackedCitation {
                document_id: &c.document_id,
                source: doc.meta.source.clone(),
                sha256: doc.meta.sha256.clone(),
                page: c.page,
                start: c.start,
                end: c.end,
                quote: &c.quote,
                boxes: &c.boxes,
                ocr: c.ocr,
                images,
            });
        }
        entries.push(json!({"field": field, "value": value, "citations": packed}));
    }
    let manifest = json!({
        "subject": resp.subject,
        "request_id": resp.provenance.request_id,
        "values": entries,
        "not_found": resp.not_found,
        "notes": notes,
    });
    for (name, body) in [
        ("evidence.json", serde_json::to_vec_pretty(&manifest)),
        ("extract.json", serde_json::to_vec_pretty(resp)),
    ] {
        zip.start_file(name, opts).map_err(|e| e.to_string())?;
        zip.write_all(&body.map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    }
    Ok(zip.finish().map_err(|e| e.to_string())?.into_inner())
}
