//! OCR for PDF pages without a text layer: poppler's `pdftoppm` renders the
//! page, Tesseract reads it, and its word boxes (pixels at the render
//! resolution) become page points for the same layout code as any text
//! layer. Both tools run as child processes, killed at the deadline.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::pdf::{RunError, run_child};
use crate::layout::{PageWords, Rect, Word};

/// Render resolution for OCR: Tesseract reads 10-point text best at about
/// 300 dpi.
const DPI: f32 = 300.0;
/// Words Tesseract is less sure of than this (0-100) are dropped.
const MIN_CONFIDENCE: f32 = 30.0;

/// Tesseract languages to use: English and Simplified Chinese when their
/// data is installed (`None` when Tesseract or `pdftoppm` is missing).
pub(crate) fn languages() -> Option<String> {
    static LANGS: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    LANGS
        .get_or_init(|| {
            let pdftoppm = Command::new("pdftoppm").arg("-v").output().is_ok();
            let out = Command::new("tesseract")
                .arg("--list-langs")
                .output()
                .ok()?;
            if !pdftoppm {
                return None;
            }
            let listed = String::from_utf8_lossy(&out.stdout).to_string()
                + &String::from_utf8_lossy(&out.stderr);
            let have: Vec<&str> = ["eng", "chi_sim"]
                .into_iter()
                .filter(|l| listed.lines().any(|x| x.trim() == *l))
                .collect();
            (!have.is_empty()).then(|| have.join("+"))
        })
        .clone()
}

/// Reads one page (1-based) of the PDF at `pdf` by OCR.
pub(crate) fn ocr_page(
    pdf: &Path,
    page: u32,
    langs: &str,
    timeout: Duration,
) -> Result<PageWords, RunError> {
    let dir = tempfile::tempdir().map_err(|e| RunError::Failed(e.to_string()))?;
    let prefix = dir.path().join("page");
    let n = page.to_string();
    let dpi = (DPI as u32).to_string();
    let started = std::time::Instant::now();
    let mut render = Command::new("pdftoppm");
    render
        .args(["-r", &dpi, "-f", &n, "-l", &n, "-png", "-singlefile"])
        .arg(pdf)
        .arg(&prefix);
    run_child(render, timeout)?;
    let png = prefix.with_extension("png");
    let (w_px, h_px) = png_size(&png).ok_or_else(|| RunError::Failed("no page image".into()))?;
    let left = timeout
        .saturating_sub(started.elapsed())
        .max(Duration::from_secs(1));
    let mut tess = Command::new("tesseract");
    tess.arg(&png)
        .arg("stdout")
        .args(["-l", langs, "--psm", "3", "tsv"])
        // One thread per page: pages are the unit of parallelism.
        .env("OMP_THREAD_LIMIT", "1");
    let tsv = run_child(tess, left)?;
    let scale = 72.0 / DPI;
    Ok(PageWords {
        width: w_px as f32 * scale,
        height: h_px as f32 * scale,
        words: parse_tsv(&String::from_utf8_lossy(&tsv), scale),
    })
}

/// Width and height of a PNG, from its header.
fn png_size(path: &Path) -> Option<(u32, u32)> {
    let mut head = [0u8; 24];
    use std::io::Read;
    std::fs::File::open(path).ok()?.read_exact(&mut head).ok()?;
    if &head[..8] != b"\x89PNG\r\n\x1a\n" {
        return None;
    }
    let w = u32::from_be_bytes(head[16..20].try_into().ok()?);
    let h = u32::from_be_bytes(head[20..24].try_into().ok()?);
    Some((w, h))
}

/// Tesseract's TSV: `level page block par line word left top width height
/// conf text`; level 5 rows are words.
pub(crate) fn parse_tsv(tsv: &str, scale: f32) -> Vec<Word> {
    tsv.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.splitn(12, '\t').collect();
            if f.len() < 12 || f[0] != "5" {
                return None;
            }
            let num = |i: usize| f[i].trim().parse::<f32>().ok().filter(|v| v.is_finite());
            let (left, top, width, height, conf) = (num(6)?, num(7)?, num(8)?, num(9)?, num(10)?);
            let text = f[11].trim();
            if text.is_empty() || conf < MIN_CONFIDENCE {
                return None;
            }
            Some(Word {
                text: text.to_owned(),
                rect: Rect::new(
                    left * scale,
                    top * scale,
                    (left + width) * scale,
                    (top + height) * scale,
                ),
            })
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn tesseract_tsv_words_become_points() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
                   1\t1\t0\t0\t0\t0\t0\t0\t2550\t3300\t-1\t\n\
                   5\t1\t1\t1\t1\t1\t300\t600\t150\t50\t96.5\tWeight\n\
                   5\t1\t1\t1\t1\t2\t500\t600\t100\t50\t12.0\t~\n\
                   5\t1\t1\t1\t1\t3\t700\t600\t100\tx\t90\tbad\n";
        let words = parse_tsv(tsv, 72.0 / 300.0);
        assert_eq!(words.len(), 1);
        assert_eq!(words[0].text, "Weight");
        let r = words[0].rect;
        assert!((r.x0 - 72.0).abs() < 1e-3 && (r.y0 - 144.0).abs() < 1e-3);
        assert!((r.x1 - 108.0).abs() < 1e-3 && (r.y1 - 156.0).abs() < 1e-3);
    }
}
