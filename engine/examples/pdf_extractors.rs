//! Compares the two PDF text extractors on a folder of PDFs, in one run:
//! pages, letters/digits extracted, share of broken glyphs, time, and which
//! one the parser keeps.
//!
//! usage: cargo run --release -p attest-engine --example pdf_extractors -- DIR...

use std::time::{Duration, Instant};

use attest_engine::ingest::collect_files;
use attest_engine::parse::{ParseLimits, PdfExtractor, extract_with, parse};
use attest_engine::text::{content_chars, garbage_ratio};

fn main() {
    let dirs: Vec<std::path::PathBuf> = std::env::args().skip(1).map(Into::into).collect();
    let files: Vec<_> = collect_files(&dirs)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("pdf")))
        .collect();
    println!("| file | pdf-extract pages / chars / ms | pdftotext pages / chars / ms | kept |");
    println!("|---|---|---|---|");
    let (mut t1, mut t2) = (Duration::ZERO, Duration::ZERO);
    for f in files {
        let Ok(bytes) = std::fs::read(&f) else {
            continue;
        };
        let mut cells = Vec::new();
        for (which, total) in [
            (PdfExtractor::PdfExtract, &mut t1),
            (PdfExtractor::Pdftotext, &mut t2),
        ] {
            let start = Instant::now();
            let r = extract_with(&bytes, which, Duration::from_secs(60));
            let el = start.elapsed();
            *total += el;
            cells.push(match r {
                Ok(pages) => {
                    let chars: usize = pages.iter().map(|p| content_chars(p)).sum();
                    let bad = pages.iter().map(|p| garbage_ratio(p)).fold(0.0, f64::max);
                    format!(
                        "{} / {chars}{} / {}",
                        pages.len(),
                        if bad > 0.05 { " (garbled)" } else { "" },
                        el.as_millis()
                    )
                }
                Err(e) => format!(
                    "error: {} / {}",
                    e.chars().take(40).collect::<String>(),
                    el.as_millis()
                ),
            });
        }
        let kept = match parse(&f.to_string_lossy(), &bytes, &ParseLimits::default()) {
            Ok(p) => p.extractor,
            Err(e) => format!("failed: {}", e.code()),
        };
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        println!("| {name} | {} | {} | {kept} |", cells[0], cells[1]);
    }
    println!(
        "\ntotal: pdf-extract {} ms, pdftotext {} ms",
        t1.as_millis(),
        t2.as_millis()
    );
}
