//! Compares positioned-text sources for PDFs on a folder of PDFs, in one
//! run, through the same layout code ([`attest_engine::layout`]):
//! characters recovered (letters and digits of the laid-out text), tables
//! detected, time per page, and failures (errors, panics, timeouts).
//!
//! Sources: poppler's `pdftotext -bbox` and pdf-extract's glyph stream
//! always; with `--features compare-pdf-layers`, also `pdf_oxide`'s words
//! and PDFium's characters (through `pdfium-render`, the library given by
//! `--pdfium PATH` or `$ATTEST_PDFIUM_LIB`; `scripts/compare-pdf-layers.sh`
//! takes it from the `pypdfium2` wheel).
//!
//! usage: cargo run --release -p attest-engine --example pdf_layers [--features compare-pdf-layers] -- [--pdfium LIB] DIR...

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use attest_engine::ingest::collect_files;
use attest_engine::layout::{PageWords, lay_out};
use attest_engine::parse::{TextLayer, layer_words};
use attest_engine::text::content_chars;

const TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Default, Clone)]
struct Totals {
    docs: usize,
    pages: usize,
    chars: usize,
    /// Letters and digits relative to the best source on the same file.
    share_of_best: f64,
    tables: usize,
    table_rows: usize,
    /// Lines with a weight/mass label and a number after it on the line.
    paired: usize,
    elapsed: Duration,
    failures: Vec<String>,
}

type Source = (
    &'static str,
    Box<dyn Fn(&[u8]) -> Result<Vec<PageWords>, String>>,
);

fn sources(pdfium: Option<String>) -> Vec<Source> {
    #[cfg_attr(not(feature = "compare-pdf-layers"), allow(unused_mut))]
    let mut v: Vec<Source> = vec![
        (
            "pdftotext -bbox",
            Box::new(|b: &[u8]| layer_words(b, TextLayer::Poppler, TIMEOUT)),
        ),
        (
            "pdf-extract glyphs",
            Box::new(|b: &[u8]| layer_words(b, TextLayer::PdfExtract, TIMEOUT)),
        ),
    ];
    #[cfg(feature = "compare-pdf-layers")]
    {
        v.push(("pdf_oxide words", Box::new(extra::oxide_words)));
        match pdfium {
            Some(lib) => v.push((
                "PDFium chars",
                Box::new(move |b: &[u8]| extra::pdfium_words(&lib, b)),
            )),
            None => eprintln!("no PDFium library given (--pdfium or ATTEST_PDFIUM_LIB); skipped"),
        }
    }
    #[cfg(not(feature = "compare-pdf-layers"))]
    {
        let _ = pdfium;
        eprintln!("pdf_oxide and PDFium need --features compare-pdf-layers; skipped");
    }
    v
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut pdfium = std::env::var("ATTEST_PDFIUM_LIB").ok();
    if let Some(i) = args.iter().position(|a| a == "--pdfium") {
        args.remove(i);
        if i < args.len() {
            pdfium = Some(args.remove(i));
        }
    }
    let dirs: Vec<std::path::PathBuf> = args.into_iter().map(Into::into).collect();
    let files: Vec<_> = collect_files(&dirs)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("pdf")))
        .collect();
    let sources = sources(pdfium);
    let mut totals: BTreeMap<&str, Totals> = BTreeMap::new();
    let header: Vec<&str> = sources.iter().map(|(n, _)| *n).collect();
    println!("| file | {} |", header.join(" | "));
    println!("|---|{}", "---|".repeat(header.len()));
    for f in &files {
        let Ok(bytes) = std::fs::read(f) else {
            continue;
        };
        let mut row = Vec::new();
        let mut chars_by_source = Vec::new();
        for (name, run) in &sources {
            let started = Instant::now();
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&bytes)))
                .unwrap_or_else(|_| Err("panicked".into()));
            let elapsed = started.elapsed();
            let t = totals.entry(name).or_default();
            t.elapsed += elapsed;
            match result {
                Ok(pages) => {
                    let layouts: Vec<_> = pages.iter().map(lay_out).collect();
                    let chars: usize = layouts.iter().map(|l| content_chars(&l.text)).sum();
                    let tables: usize = layouts.iter().map(|l| l.tables.len()).sum();
                    t.paired += layouts
                        .iter()
                        .map(|l| paired_labels(&l.text))
                        .sum::<usize>();
                    t.docs += 1;
                    t.pages += pages.len();
                    t.chars += chars;
                    t.tables += tables;
                    t.table_rows += layouts
                        .iter()
                        .flat_map(|l| &l.tables)
                        .map(|t| t.rows.len())
                        .sum::<usize>();
                    row.push(format!(
                        "{} p, {chars} ch, {tables} tables, {} ms",
                        pages.len(),
                        elapsed.as_millis()
                    ));
                    chars_by_source.push(Some(chars));
                }
                Err(e) => {
                    let short: String = e.chars().take(60).collect();
                    t.failures.push(format!(
                        "{}: {short}",
                        f.file_name().unwrap_or_default().to_string_lossy()
                    ));
                    row.push(format!("failed ({short})"));
                    chars_by_source.push(None);
                }
            }
        }
        let best = chars_by_source
            .iter()
            .flatten()
            .copied()
            .max()
            .unwrap_or(0)
            .max(1);
        for ((name, _), c) in sources.iter().zip(&chars_by_source) {
            if let (Some(t), Some(c)) = (totals.get_mut(name), c) {
                t.share_of_best += *c as f64 / best as f64;
            }
        }
        println!(
            "| {} | {} |",
            f.file_name().unwrap_or_default().to_string_lossy(),
            row.join(" | ")
        );
    }
    println!();
    println!(
        "| source | files read | pages | letters+digits | mean share of best | tables | table rows | weight labels with their value | ms/page | failures |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (name, _) in &sources {
        let t = totals.get(name).cloned().unwrap_or_default();
        println!(
            "| {name} | {}/{} | {} | {} | {:.3} | {} | {} | {} | {:.1} | {} |",
            t.docs,
            files.len(),
            t.pages,
            t.chars,
            t.share_of_best / files.len().max(1) as f64,
            t.tables,
            t.table_rows,
            t.paired,
            t.elapsed.as_secs_f64() * 1000.0 / t.pages.max(1) as f64,
            if t.failures.is_empty() {
                "0".to_owned()
            } else {
                format!("{} ({})", t.failures.len(), t.failures.join("; "))
            }
        );
    }
}

/// Lines where a weight or mass label is followed on the same line by a
/// number: what a flattened specification table loses.
fn paired_labels(text: &str) -> usize {
    text.lines()
        .filter(|l| {
            let low = l.to_lowercase();
            ["weight", "mass", "重量"]
                .iter()
                .filter_map(|k| low.find(k).map(|i| i + k.len()))
                .min()
                .is_some_and(|at| low[at..].chars().any(|c| c.is_ascii_digit()))
        })
        .count()
}

#[cfg(feature = "compare-pdf-layers")]
mod extra {
    use attest_engine::layout::{PageWords, Rect, Word};

    /// pdf_oxide's own word grouping; boxes converted to a top-left origin.
    pub fn oxide_words(bytes: &[u8]) -> Result<Vec<PageWords>, String> {
        let doc = pdf_oxide::PdfDocument::from_bytes(bytes.to_vec()).map_err(|e| e.to_string())?;
        let n = doc.page_count().map_err(|e| e.to_string())?;
        let mut pages = Vec::with_capacity(n);
        for i in 0..n {
            let (x0, y0, x1, y1) = doc.get_page_media_box(i).map_err(|e| e.to_string())?;
            let height = (y1 - y0).abs();
            let words = doc.extract_words(i).map_err(|e| e.to_string())?;
            pages.push(PageWords {
                width: (x1 - x0).abs(),
                height,
                words: words
                    .into_iter()
                    .map(|w| Word {
                        text: w.text,
                        rect: Rect::new(
                            w.bbox.x - x0,
                            y1 - (w.bbox.y + w.bbox.height),
                            w.bbox.x - x0 + w.bbox.width,
                            y1 - w.bbox.y,
                        ),
                    })
                    .collect(),
            });
        }
        Ok(pages)
    }

    /// PDFium's characters with their loose boxes, grouped into words the
    /// way the glyph source does: a space or a gap ends a word.
    pub fn pdfium_words(lib: &str, bytes: &[u8]) -> Result<Vec<PageWords>, String> {
        use pdfium_render::prelude::*;
        let bindings = Pdfium::bind_to_library(lib).map_err(|e| e.to_string())?;
        let pdfium = Pdfium::new(bindings);
        let doc = pdfium
            .load_pdf_from_byte_slice(bytes, None)
            .map_err(|e| e.to_string())?;
        let mut pages = Vec::new();
        for page in doc.pages().iter() {
            let (w, h) = (page.width().value, page.height().value);
            let text = page.text().map_err(|e| e.to_string())?;
            let mut words: Vec<Word> = Vec::new();
            let mut current: Option<(String, Rect)> = None;
            for ch in text.chars().iter() {
                let s = ch.unicode_string().unwrap_or_default();
                let Ok(b) = ch.loose_bounds() else { continue };
                let r = Rect::new(
                    b.left().value,
                    h - b.top().value,
                    b.right().value,
                    h - b.bottom().value,
                );
                if s.trim().is_empty() {
                    if let Some((t, r)) = current.take() {
                        words.push(Word { text: t, rect: r });
                    }
                    continue;
                }
                let joins = current.as_ref().is_some_and(|(_, c)| {
                    let size = c.height().max(r.height());
                    (r.y0 - c.y0).abs() < 0.5 * size
                        && r.x0 >= c.x1 - 0.3 * size
                        && r.x0 - c.x1 < 0.2 * size
                });
                if !joins && let Some((t, r)) = current.take() {
                    words.push(Word { text: t, rect: r });
                }
                match current.as_mut() {
                    Some((t, c)) => {
                        t.push_str(&s);
                        *c = c.union(&r);
                    }
                    None => current = Some((s, r)),
                }
            }
            if let Some((t, r)) = current.take() {
                words.push(Word { text: t, rect: r });
            }
            pages.push(PageWords {
                width: w,
                height: h,
                words,
            });
        }
        Ok(pages)
    }
}
