//! Chunks of any text: every chunk's span is inside its page and the text
//! at the span is the chunk's text, code point for code point.
#![no_main]

use attest_engine::chunk::{ChunkConfig, chunk_document};
use attest_engine::document::PageSpan;
use attest_engine::text::{CharIndex, CharRange};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&budget, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let chars = text.chars().count();
    // Up to three pages, cut where the input says.
    let cuts: Vec<usize> = rest
        .iter()
        .take(2)
        .map(|&b| {
            if chars == 0 {
                0
            } else {
                usize::from(b) % (chars + 1)
            }
        })
        .collect();
    let mut bounds = vec![0];
    bounds.extend(cuts);
    bounds.push(chars);
    bounds.sort_unstable();
    let pages: Vec<PageSpan> = bounds
        .windows(2)
        .enumerate()
        .map(|(i, w)| PageSpan {
            page: i as u32 + 1,
            start: w[0],
            end: w[1],
        })
        .collect();
    let cfg = ChunkConfig {
        max_tokens: 1 + usize::from(budget % 128),
    };
    let idx = CharIndex::new(&text);
    for c in chunk_document(&text, &pages, None, cfg) {
        assert!(
            c.span.start <= c.span.end && c.span.end <= chars,
            "{:?}",
            c.span
        );
        let page = &pages[(c.page - 1) as usize];
        assert!(c.span.start >= page.start && c.span.end <= page.end);
        let bytes = idx.bytes(CharRange {
            start: c.span.start,
            end: c.span.end,
        });
        assert_eq!(&text[bytes], c.text);
    }
});
