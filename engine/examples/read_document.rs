//! Prints what attest reads from one file: the canonical text (tabs shown
//! as `⇥`), then each page's source and each table with its header and
//! rows. A diagnostic for parser and layout work.
//!
//! usage: cargo run -p attest-engine --example read_document -- FILE [--tables]

use attest_engine::parse::{ParseLimits, parse};
use attest_engine::text::CharIndex;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args
        .first()
        .ok_or_else(|| anyhow::anyhow!("usage: read_document FILE"))?;
    let bytes = std::fs::read(path)?;
    let parsed = parse(path, &bytes, &ParseLimits::default())?;
    println!("format {:?}, extractor {}", parsed.format, parsed.extractor);
    let mut subjects = attest_engine::analyze::subjects(&parsed.text, path, parsed.format);
    subjects.extend(attest_engine::analyze::table_subjects(
        &parsed.text,
        &parsed.tables,
    ));
    println!("subjects {subjects:?}");
    if let Some(l) = &parsed.layout {
        for p in &l.pages {
            println!(
                "page {} {}x{} pt from {}",
                p.page, p.width, p.height, p.source
            );
        }
        println!("{} word boxes", l.boxes.len());
    }
    if !args.iter().any(|a| a == "--tables") {
        println!("{}", parsed.text.replace('\t', "⇥"));
    }
    let idx = CharIndex::new(&parsed.text);
    for (i, t) in parsed.tables.iter().enumerate() {
        println!(
            "-- table {} ({} columns, {} header rows, {} rows)",
            i + 1,
            t.columns,
            t.header_rows,
            t.rows.len()
        );
        for r in &t.rows {
            let cells: Vec<String> = r
                .cells
                .iter()
                .map(|c| format!("{}:{}", c.col, &parsed.text[idx.bytes(c.span)]))
                .collect();
            println!(
                "  p{}{} {}",
                r.page,
                if r.repeated_header {
                    " (repeated header)"
                } else {
                    ""
                },
                cells.join(" | ")
            );
        }
    }
    Ok(())
}
