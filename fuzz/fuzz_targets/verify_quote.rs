//! The quote verifier on any text and quote: a location inside the text,
//! and an exact match is the quote itself.
#![no_main]

use attest_engine::quote::{MatchKind, locate};
use attest_engine::text::{CharIndex, CharRange};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let (text, quote) = s.split_once('\u{1}').unwrap_or((&s, ""));
    let chars = text.chars().count();
    if let Some(l) = locate(text, quote, &[]) {
        assert!(l.start <= l.end && l.end <= chars, "{l:?}");
        if l.kind == MatchKind::Exact {
            let idx = CharIndex::new(text);
            let r = idx.bytes(CharRange {
                start: l.start,
                end: l.end,
            });
            assert_eq!(&text[r], quote.trim());
        }
    }
});
