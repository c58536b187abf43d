//! Any bytes as a workbook (zip) or CSV: rows or a parse error, with every
//! row's span inside the text.
#![no_main]

use attest_engine::parse::{ParseLimits, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = ParseLimits {
        max_cells: 100_000,
        max_unpacked_bytes: 16 * 1024 * 1024,
        ..ParseLimits::default()
    };
    let name = if data.starts_with(b"PK") {
        "sheet.xlsx"
    } else {
        "sheet.csv"
    };
    if let Ok(p) = parse(name, data, &limits) {
        let chars = p.text.chars().count();
        if let Some(sheet) = &p.sheet {
            for row in &sheet.rows {
                assert!(row.span.start <= row.span.end && row.span.end <= chars);
                for c in &row.cells {
                    assert!(c.start <= c.end && c.end <= chars);
                }
            }
        }
    }
});
