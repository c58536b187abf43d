//! Prints what the rules find in a text file (or stdin), with the quotes.
//!
//!     cargo run -p attest-rules --example scan -- FILE [--json]
//!     pdftotext datasheet.pdf - | cargo run -p attest-rules --example scan
//!
//! Meant for checking the rules on real documents by eye.

use std::io::Read;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let json = args.iter().any(|a| a == "--json");
    let path = args.iter().find(|a| !a.starts_with("--"));
    let mut bytes = Vec::new();
    let read = match path {
        Some(p) if p != "-" => std::fs::File::open(p).and_then(|mut f| f.read_to_end(&mut bytes)),
        _ => std::io::stdin().read_to_end(&mut bytes),
    };
    if let Err(e) = read {
        eprintln!("scan: cannot read input: {e}");
        std::process::exit(1);
    }
    let text = String::from_utf8_lossy(&bytes);
    let whole = 0..text.len();
    let f = attest_rules::extract(&text, std::slice::from_ref(&whole));
    if json {
        match serde_json::to_string_pretty(&f) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("scan: {e}"),
        }
        return;
    }
    let quote = |e: attest_rules::Evidence| -> String {
        text.get(e.start..e.end)
            .unwrap_or("<bad span>")
            .replace('\n', "⏎")
            .chars()
            .take(160)
            .collect()
    };
    println!(
        "rules {}  ({} bytes)",
        attest_rules::RULES_VERSION,
        text.len()
    );
    for m in &f.mass {
        println!(
            "mass      {:>12.6} g  ({} {})  {:.2} {:<26} «{}»",
            m.grams,
            m.value,
            m.unit,
            m.confidence,
            m.rule,
            quote(m.evidence)
        );
    }
    for o in &f.origin {
        println!(
            "origin    {}  {:.2} {:<26} «{}»",
            o.country,
            o.confidence,
            o.rule,
            quote(o.evidence)
        );
    }
    for m in &f.materials {
        // flag quotes a verifier would not accept for the canonical name
        let raw = text
            .get(m.evidence.start..m.evidence.end)
            .unwrap_or_default();
        let flag = if attest_rules::vocab::mentions(raw, &m.name) {
            ""
        } else {
            "  ⚠ name not in quote"
        };
        println!(
            "material  {:<22} {:.2} {:<26} «{}»{flag}",
            m.name,
            m.confidence,
            m.rule,
            quote(m.evidence)
        );
    }
    for r in &f.recycled {
        println!(
            "recycled  {:>5}% {:<14} {:<16} {:.2} {:<24} «{}»",
            r.percent,
            r.material.as_deref().unwrap_or("(product)"),
            format!("{:?}", r.kind),
            r.confidence,
            r.rule,
            quote(r.evidence)
        );
    }
}
