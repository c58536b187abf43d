//! Any bytes named `.pdf`: text or a parse error, never a panic or a hang.
#![no_main]

use std::time::Duration;

use attest_engine::parse::{ParseLimits, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = ParseLimits {
        pdf_timeout: Duration::from_secs(5),
        max_ocr_pages: 0,
        ..ParseLimits::default()
    };
    if let Ok(p) = parse("fuzz.pdf", data, &limits) {
        let chars = p.text.chars().count();
        for page in &p.pages {
            assert!(page.start <= page.end && page.end <= chars);
        }
    }
});
