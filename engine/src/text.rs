//! Canonical text and the one offset unit used everywhere.
//!
//! Every span attest reports is a pair of **Unicode code point** offsets into a
//! document's canonical text (`start` inclusive, `end` exclusive), so that
//! `text.chars().skip(start).take(end - start)` equals the quote, whatever the
//! script. Rust strings index by bytes; [`CharIndex`] converts between the two.

use serde::{Deserialize, Serialize};

/// A half-open range of code points in a document's canonical text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CharRange {
    pub start: usize,
    pub end: usize,
}

/// Byte ⇄ code point offset conversion for one text.
///
/// Stores the byte offset of every code point, so a lookup is O(1) one way
/// and O(log n) the other.
#[derive(Debug, Clone)]
pub struct CharIndex {
    byte_of_char: Vec<usize>,
}

impl CharIndex {
    pub fn new(text: &str) -> Self {
        let mut byte_of_char: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        byte_of_char.push(text.len());
        Self { byte_of_char }
    }

    /// Number of code points in the text.
    pub fn len_chars(&self) -> usize {
        self.byte_of_char.len() - 1
    }

    /// Code point offset of a byte offset; a byte inside a code point maps to
    /// the code point that contains it.
    pub fn char_of_byte(&self, byte: usize) -> usize {
        match self.byte_of_char.binary_search(&byte) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// Byte offset of a code point offset (clamped to the end of the text).
    pub fn byte_of_char(&self, ch: usize) -> usize {
        let last = self.byte_of_char.len() - 1;
        self.byte_of_char[ch.min(last)]
    }

    /// The byte range of a code point range.
    pub fn bytes(&self, r: CharRange) -> std::ops::Range<usize> {
        self.byte_of_char(r.start)..self.byte_of_char(r.end.max(r.start))
    }

    pub fn chars(&self, bytes: std::ops::Range<usize>) -> CharRange {
        CharRange {
            start: self.char_of_byte(bytes.start),
            end: self.char_of_byte(bytes.end),
        }
    }
}

/// The slice of `text` between two code point offsets, or `None` when the
/// range is out of bounds or reversed.
pub fn slice_chars(text: &str, start: usize, end: usize) -> Option<&str> {
    if start > end {
        return None;
    }
    let mut it = text
        .char_indices()
        .map(|(b, _)| b)
        .chain(std::iter::once(text.len()));
    let b_start = it.nth(start)?;
    let b_end = if end == start {
        b_start
    } else {
        it.nth(end - start - 1)?
    };
    text.get(b_start..b_end)
}

/// Canonicalises extracted text: unified line endings, no control characters
/// (other than newline and tab), no trailing spaces, at most two consecutive
/// blank lines. Extractors differ in these details; offsets are only stable
/// if every text goes through the same cleaning once, before it is stored.
pub fn canonicalize(raw: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut blank_run = 0usize;
    let unified = raw.replace("\r\n", "\n").replace('\r', "\n");
    for line in unified.split('\n') {
        let cleaned: String = line
            .chars()
            .map(|c| match c {
                '\t' => '\t',
                '\u{a0}' | '\u{2007}' | '\u{202f}' | '\u{feff}' | '\u{200b}' => ' ',
                c if c.is_control() => ' ',
                c => c,
            })
            .collect();
        let cleaned = cleaned.trim_end();
        if cleaned.trim().is_empty() {
            blank_run += 1;
            if blank_run > 2 {
                continue;
            }
            lines.push(String::new());
        } else {
            blank_run = 0;
            lines.push(cleaned.to_owned());
        }
    }
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines.join("\n")
}

/// Letters, digits and CJK characters that carry content: used to judge
/// whether an extractor produced real text or almost nothing.
pub fn content_chars(text: &str) -> usize {
    text.chars().filter(|c| c.is_alphanumeric()).count()
}

/// Share of characters that betray a broken text layer (replacement
/// characters, private-use glyph codes).
pub fn garbage_ratio(text: &str) -> f64 {
    let mut total = 0usize;
    let mut bad = 0usize;
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        total += 1;
        if c == '\u{fffd}' || ('\u{e000}'..='\u{f8ff}').contains(&c) {
            bad += 1;
        }
    }
    if total == 0 {
        0.0
    } else {
        bad as f64 / total as f64
    }
}

/// Chinese, Japanese and Korean characters (and full-width forms): written
/// without spaces, two columns wide, one token each.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3000..=0x9fff | 0xac00..=0xd7af | 0xf900..=0xfaff | 0xff00..=0xffef)
}

/// Lower-cases and keeps only letters and digits: "G5V-1" and "g5v 1" match.
pub fn fold_key(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn char_index_round_trips_on_chinese_text() {
        let text = "重量 1.6 克 weight";
        let idx = CharIndex::new(text);
        assert_eq!(idx.len_chars(), text.chars().count());
        let b = text.find("1.6").unwrap();
        let c = idx.char_of_byte(b);
        assert_eq!(c, 3);
        assert_eq!(idx.byte_of_char(c), b);
        let r = idx.chars(b..b + "1.6 克".len());
        assert_eq!(slice_chars(text, r.start, r.end), Some("1.6 克"));
        assert_eq!(&text[idx.bytes(r)], "1.6 克");
    }

    #[test]
    fn slice_chars_rejects_out_of_range() {
        assert_eq!(slice_chars("abc", 1, 3), Some("bc"));
        assert_eq!(slice_chars("abc", 3, 3), Some(""));
        assert_eq!(slice_chars("abc", 2, 4), None);
        assert_eq!(slice_chars("abc", 2, 1), None);
    }

    #[test]
    fn canonicalize_cleans_whitespace_and_controls() {
        let raw = "a \r\nb\u{0}c\t\n\n\n\n\nd\u{a0}e  \n";
        assert_eq!(canonicalize(raw), "a\nb c\n\n\nd e");
    }

    #[test]
    fn garbage_ratio_counts_replacement_chars() {
        assert_eq!(garbage_ratio("abcd"), 0.0);
        assert!(garbage_ratio("a\u{fffd}\u{fffd}\u{e001}") > 0.7);
        assert_eq!(fold_key("G5V-1 (Omron)"), "g5v1omron");
    }
}
