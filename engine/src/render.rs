//! Page images: a PDF page rendered to PNG by poppler's `pdftoppm` (the
//! engine that reads the text layer, so boxes and pixels agree), off the
//! async runtime, killed at a deadline, and cached on disk per document
//! version (document ids derive from content, so a new version never sees
//! an old image). Crops around a citation's boxes make evidence packs.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::document::{Document, Format, PageBox};
use crate::parse::{RunError, run_child};

/// Widths a page may be rendered at, in pixels.
pub const MIN_WIDTH: u32 = 100;
pub const MAX_WIDTH: u32 = 2400;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RenderError {
    #[error("the document has no page images (only PDFs do)")]
    NotPdf,
    #[error("the document has no page {0}")]
    NoSuchPage(u32),
    #[error("width must be between {MIN_WIDTH} and {MAX_WIDTH} pixels")]
    BadWidth,
    #[error("rendering the page took longer than the limit")]
    TimedOut,
    #[error("rendering the page failed: {0}")]
    Failed(String),
}

/// Renders page `page` of a PDF document at `width` pixels, reading the
/// original from `original` and caching the image under `cache_dir`.
pub fn page_png(
    doc: &Document,
    original: &Path,
    cache_dir: &Path,
    page: u32,
    width: u32,
    timeout: Duration,
) -> Result<Vec<u8>, RenderError> {
    check(doc, page)?;
    if !(MIN_WIDTH..=MAX_WIDTH).contains(&width) {
        return Err(RenderError::BadWidth);
    }
    let cached = cache_dir
        .join(&doc.meta.id)
        .join(format!("p{page}-w{width}.png"));
    if let Ok(bytes) = std::fs::read(&cached) {
        return Ok(bytes);
    }
    let png = render(
        original,
        page,
        &["-scale-to-x", &width.to_string(), "-scale-to-y", "-1"],
        timeout,
    )?;
    store(&cached, &png);
    Ok(png)
}

/// Renders the part of a page around `boxes` (all on `page`) at `dpi`,
/// with `margin` points around them.
pub fn crop_png(
    doc: &Document,
    original: &Path,
    page: u32,
    boxes: &[PageBox],
    margin: f32,
    dpi: u32,
    timeout: Duration,
) -> Result<Vec<u8>, RenderError> {
    check(doc, page)?;
    let geo = doc
        .layout
        .as_ref()
        .and_then(|l| l.pages.iter().find(|p| p.page == page))
        .ok_or(RenderError::NoSuchPage(page))?;
    let on_page: Vec<&PageBox> = boxes.iter().filter(|b| b.page == page).collect();
    let (x0, y0, x1, y1) = on_page.iter().fold(
        (f32::MAX, f32::MAX, f32::MIN, f32::MIN),
        |(a, b, c, d), r| (a.min(r.x0), b.min(r.y0), c.max(r.x1), d.max(r.y1)),
    );
    if on_page.is_empty() {
        return Err(RenderError::Failed("no box on that page".into()));
    }
    let scale = dpi as f32 / 72.0;
    let x = ((x0 - margin).max(0.0) * scale) as u32;
    let y = ((y0 - margin).max(0.0) * scale) as u32;
    let w = (((x1 + margin).min(geo.width) * scale) as u32)
        .saturating_sub(x)
        .max(1);
    let h = (((y1 + margin).min(geo.height) * scale) as u32)
        .saturating_sub(y)
        .max(1);
    render(
        original,
        page,
        &[
            "-r",
            &dpi.to_string(),
            "-x",
            &x.to_string(),
            "-y",
            &y.to_string(),
            "-W",
            &w.to_string(),
            "-H",
            &h.to_string(),
        ],
        timeout,
    )
}

fn check(doc: &Document, page: u32) -> Result<(), RenderError> {
    if doc.meta.format != Some(Format::Pdf) {
        return Err(RenderError::NotPdf);
    }
    if page == 0 || page as usize > doc.pages.len() {
        return Err(RenderError::NoSuchPage(page));
    }
    Ok(())
}

fn render(
    original: &Path,
    page: u32,
    args: &[&str],
    timeout: Duration,
) -> Result<Vec<u8>, RenderError> {
    let dir = tempfile::tempdir().map_err(|e| RenderError::Failed(e.to_string()))?;
    let prefix = dir.path().join("page");
    let n = page.to_string();
    let mut cmd = Command::new("pdftoppm");
    cmd.args(["-png", "-f", &n, "-l", &n, "-singlefile"])
        .args(args)
        .arg(original)
        .arg(&prefix);
    run_child(cmd, timeout).map_err(|e| match e {
        RunError::TimedOut => RenderError::TimedOut,
        e => RenderError::Failed(e.to_string()),
    })?;
    std::fs::read(prefix.with_extension("png")).map_err(|e| RenderError::Failed(e.to_string()))
}

/// Writes a cache file atomically; a failure only costs a re-render.
fn store(path: &Path, bytes: &[u8]) {
    let Some(dir) = path.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let tmp = path.with_extension("partial");
    if std::fs::write(&tmp, bytes).is_ok() {
        let _ = std::fs::rename(&tmp, path);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::parse::{ParseLimits, parse};
    use crate::testpdf::{Page, pdf};

    fn document(bytes: &[u8]) -> Document {
        let p = parse("t.pdf", bytes, &ParseLimits::default()).unwrap();
        Document {
            meta: crate::document::DocumentMeta {
                id: "doc1".into(),
                tenant: "t".into(),
                source: "t.pdf".into(),
                sha256: String::new(),
                bytes: bytes.len() as u64,
                status: crate::document::IngestStatus::Ready,
                error: None,
                kind: None,
                format: Some(p.format),
                extractor: Some(p.extractor),
                subjects: Vec::new(),
                pages: p.pages.len() as u32,
                chunks: 0,
                chars: 0,
                created_at: 0,
                ingested_at: None,
            },
            text: p.text,
            pages: p.pages,
            sheet: None,
            declaration: None,
            tables: p.tables,
            layout: p.layout,
        }
    }

    #[test]
    fn pages_render_at_the_asked_width_are_cached_and_cut_off_when_slow() {
        let bytes = pdf(&[Page::letter().text(72.0, 100.0, 12.0, "Weight 2 g")]);
        let doc = document(&bytes);
        let dir = tempfile::tempdir().unwrap();
        let original = dir.path().join("original.pdf");
        std::fs::write(&original, &bytes).unwrap();
        let cache = dir.path().join("pages");
        let png = page_png(&doc, &original, &cache, 1, 306, Duration::from_secs(30)).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let w = u32::from_be_bytes(png[16..20].try_into().unwrap());
        let h = u32::from_be_bytes(png[20..24].try_into().unwrap());
        assert_eq!((w, h), (306, 396));
        assert!(cache.join("doc1").join("p1-w306.png").exists());
        // The cached image answers even with no time left to render.
        assert_eq!(
            page_png(&doc, &original, &cache, 1, 306, Duration::ZERO).unwrap(),
            png
        );
        // A render that overruns its deadline is killed and reported.
        assert_eq!(
            page_png(&doc, &original, &cache, 1, 2400, Duration::ZERO),
            Err(RenderError::TimedOut)
        );
        assert_eq!(
            page_png(&doc, &original, &cache, 2, 306, Duration::from_secs(30)),
            Err(RenderError::NoSuchPage(2))
        );
        assert_eq!(
            page_png(&doc, &original, &cache, 1, 5000, Duration::from_secs(30)),
            Err(RenderError::BadWidth)
        );
        let b = doc.layout.as_ref().unwrap().boxes_for(0, 6);
        let crop = crop_png(&doc, &original, 1, &b, 10.0, 72, Duration::from_secs(30)).unwrap();
        let cw = u32::from_be_bytes(crop[16..20].try_into().unwrap());
        assert!((60..=70).contains(&cw), "crop width {cw}");
    }
}
