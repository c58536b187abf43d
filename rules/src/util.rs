//! Shared helpers: regions, numbers, char-boundary-safe windows, clauses.
//!
//! Every offset handed out here is on a char boundary of the string it refers
//! to, so slicing with `get` never fails on valid input and callers never
//! index directly.

use std::ops::Range;

/// Declares a lazily compiled regex. A pattern that fails to compile yields
/// `None` and its rule is skipped instead of panicking; every module has a test
/// asserting its patterns compile.
macro_rules! lazy_re {
    ($vis:vis $name:ident, $pat:expr) => {
        $vis static $name: std::sync::LazyLock<Option<regex::Regex>> =
            std::sync::LazyLock::new(|| regex::Regex::new($pat).ok());
    };
}
pub(crate) use lazy_re;

/// A decimal number as printed in documents: "105", "2.1", ".5", "0,07"
/// (decimal comma), "1,800" (thousands separator).
pub(crate) const NUM: &str = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?|\.\d+)";

/// Parses a number matched by [`NUM`] (or a plain/scientific number from a
/// table cell). A comma followed by exactly three digits is a thousands
/// separator unless the integer part is 0 ("0,064" is a decimal comma).
pub(crate) fn parse_number(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() || s.len() > 40 {
        return None;
    }
    let cleaned: String = if s.contains(',') {
        if s.contains('.') {
            s.replace(',', "")
        } else {
            let mut parts = s.split(',');
            let head = parts.next().unwrap_or_default();
            let rest: Vec<&str> = parts.collect();
            let thousands = head != "0"
                && !head.is_empty()
                && rest
                    .iter()
                    .all(|p| p.len() == 3 && p.chars().all(|c| c.is_ascii_digit()));
            if thousands {
                s.replace(',', "")
            } else if rest.len() == 1 {
                s.replace(',', ".")
            } else {
                return None;
            }
        }
    } else {
        s.to_string()
    };
    let v: f64 = cleaned.parse().ok()?;
    v.is_finite().then_some(v)
}

/// Clamps regions to the text, shrinks them onto char boundaries, drops empty
/// ones, sorts and merges overlaps, so rules can slice without checks.
pub(crate) fn normalise_regions(text: &str, regions: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = regions
        .iter()
        .filter_map(|r| {
            let start = ceil_boundary(text, r.start.min(text.len()));
            let end = floor_boundary(text, r.end.min(text.len()));
            (start < end).then_some(start..end)
        })
        .collect();
    out.sort_by_key(|r| (r.start, r.end));
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(out.len());
    for r in out {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

pub(crate) fn floor_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

pub(crate) fn ceil_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

pub(crate) fn prev_char(s: &str, i: usize) -> Option<char> {
    s.get(..i)?.chars().next_back()
}

/// A superscript or subscript character (footnote markers "¹", "⁽²⁾",
/// formula indices "₂"), which ends a word rather than continuing it.
pub(crate) fn is_script_mark(c: char) -> bool {
    matches!(c, '¹' | '²' | '³' | '\u{2070}'..='\u{209f}')
}

/// A character that continues a word: letters and digits, but not a
/// superscript or subscript after it.
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() && !is_script_mark(c)
}

pub(crate) fn next_char(s: &str, i: usize) -> Option<char> {
    s.get(i..)?.chars().next()
}

/// `s[i..i + max]`, shortened onto a char boundary. Anchored regexes run on
/// such windows so each try costs O(max), not O(rest of the text).
pub(crate) fn window(s: &str, i: usize, max: usize) -> &str {
    let end = floor_boundary(s, i.saturating_add(max));
    s.get(i..end.max(i)).unwrap_or_default()
}

/// The text from `i` back to at most `max` bytes, never crossing a line break.
pub(crate) fn line_before(s: &str, i: usize, max: usize) -> &str {
    let from = floor_boundary(s, i.saturating_sub(max));
    let seg = s.get(from..i).unwrap_or_default();
    match seg.rfind('\n') {
        Some(nl) => seg.get(nl + 1..).unwrap_or_default(),
        None => seg,
    }
}

/// The text from `i` to at most `max` bytes on, never crossing a line break.
pub(crate) fn line_after(s: &str, i: usize, max: usize) -> &str {
    let to = floor_boundary(s, i.saturating_add(max));
    let seg = s.get(i..to).unwrap_or_default();
    match seg.find('\n') {
        Some(nl) => seg.get(..nl).unwrap_or_default(),
        None => seg,
    }
}

/// Bounds of the sentence-like clause around `start..end`, at most `max` bytes
/// either side. Clauses end at . ! ? ; (when followed by a space or line
/// break), bullets, and blank lines; single line breaks do not end a clause
/// because PDF text wraps mid-sentence.
/// A line that starts a list item: "- ", "• ", "* ", "1) ", "a) ".
fn starts_list_item(t: &str) -> bool {
    let mut chars = t.chars();
    match (chars.next(), chars.next()) {
        (Some('-' | '–' | '•' | '*' | '·' | '▪' | '●' | '■' | '►'), Some(' ' | '\t')) => {
            true
        }
        (Some(c), Some(')')) if c.is_ascii_alphanumeric() => true,
        _ => false,
    }
}

pub(crate) fn clause_bounds(s: &str, start: usize, end: usize, max: usize) -> (usize, usize) {
    let lo = floor_boundary(s, start.saturating_sub(max));
    let hi = floor_boundary(s, end.saturating_add(max));
    let before = s.get(lo..start).unwrap_or_default();
    let after = s.get(end..hi).unwrap_or_default();

    let mut cstart = lo;
    for (i, ch) in before.char_indices().rev() {
        let terminal = match ch {
            '.' if abbreviation_dot(before, i) => false,
            '.' | '!' | '?' | ';' => sentence_end(before, i + ch.len_utf8()),
            '•' | '·' | '●' | '▪' | '。' | '；' => true,
            // a blank line (the previous line holds only whitespace), or
            // this line starts a list item
            '\n' => {
                before
                    .get(..i)
                    .is_some_and(|h| h.trim_end_matches([' ', '\t', '\r']).ends_with('\n'))
                    || before
                        .get(i + 1..)
                        .is_some_and(|t| starts_list_item(t.trim_start_matches([' ', '\t'])))
            }
            _ => false,
        };
        if terminal {
            cstart = lo + i + ch.len_utf8();
            break;
        }
    }

    let mut cend = hi;
    for (i, ch) in after.char_indices() {
        let terminal = match ch {
            '.' if abbreviation_dot(after, i) => false,
            '.' | '!' | '?' | ';' => sentence_end(after, i + ch.len_utf8()),
            '•' | '·' | '●' | '▪' | '。' | '；' => true,
            // a blank line, or a line that starts a new list item
            '\n' => after.get(i + 1..).is_some_and(|t| {
                let t = t.trim_start_matches([' ', '\t', '\r']);
                t.starts_with('\n') || starts_list_item(t)
            }),
            _ => false,
        };
        if terminal {
            cend = end + i;
            break;
        }
    }
    (cstart, cend)
}

/// Whether the punctuation ending at `at` in `s` ends a sentence: what
/// follows is whitespace or the end, directly or after closing quotes and
/// brackets ("… by our battery supplier.” Fairphone also …").
fn sentence_end(s: &str, at: usize) -> bool {
    let rest = s.get(at..).unwrap_or_default();
    let rest = rest.trim_start_matches(['"', '\'', '”', '’', '»', ')', ']']);
    rest.is_empty() || rest.starts_with([' ', '\n', '\r', '\t'])
}

/// "e.g.", "i.e.", "etc.", "approx.", "No." do not end a sentence.
fn abbreviation_dot(s: &str, dot: usize) -> bool {
    let head = s.get(..dot).unwrap_or_default();
    let word: String = head
        .chars()
        .rev()
        .take_while(|c| c.is_alphabetic() || *c == '.')
        .collect();
    let word: String = word.chars().rev().collect::<String>().to_lowercase();
    let numbered = s
        .get(dot + 1..)
        .is_some_and(|t| t.trim_start().starts_with(|c: char| c.is_ascii_digit()));
    match word.as_str() {
        "e.g" | "i.e" | "etc" | "approx" | "vs" | "ca" | "incl" | "typ" | "e" | "g" | "i" => true,
        // "No. 5", "Fig. 3", but "… Yes No. Construction" ends a cell
        "no" | "fig" | "max" | "min" => numbered,
        _ => false,
    }
}

// Wording that makes a statement an intention or a target rather than a
// fact about a product: "our goal is", "aims to", "by the end of 2025",
// "committed to". A plain future ("the new model will include 100%
// recycled fabric") describes a product about to ship and stays a claim.
lazy_re!(
    INTENT,
    r"(?i)(?-u:\b)(?:aim(?:s|ing)?\s+(?:to|for)|plan(?:s|ning)?\s+to|intend(?:s|ing)?\s+to|(?:goals?|targets?|ambitions?|aspirations?|pledges?)\s+(?:is|are|of|to|for)|commitment\s+is|(?:are|is|remain|we're)\s+committed\s+to|strive\s+to|working\s+towards?|by\s+(?:the\s+end\s+of\s+)?(?:fy\s*)?20\d\d)(?-u:\b)"
);

/// Whether `before` (the clause up to a claim) makes the claim an
/// intention or a target: "by the end of 2021, more than half of the
/// products … will be made with recycled plastic", "our goal is 50%
/// recycled content".
pub(crate) fn intention(before: &str) -> bool {
    INTENT.as_ref().is_some_and(|re| re.is_match(before))
}

/// True when `stem` occurs in `hay` (case-insensitive) at a word start, i.e.
/// not preceded by a letter or digit. Used for context cue lists where stems
/// ("packag") must match "packaging" and "packaged". CJK has no spaces
/// between words, so a CJK stem matches anywhere.
#[cfg(test)]
pub(crate) fn has_stem(hay: &str, stem: &str) -> bool {
    has_any_stem(hay, &[stem])
}

pub(crate) fn has_any_stem(hay: &str, stems: &[&str]) -> bool {
    if hay.is_empty() {
        return false;
    }
    let lower = hay.to_lowercase();
    stems.iter().any(|stem| stem_in_lower(&lower, stem))
}

fn stem_in_lower(lower: &str, stem: &str) -> bool {
    // A plain byte scan: the windows are short and the stems many, so the
    // set-up of a substring searcher per stem would dominate.
    let (hay, needle) = (lower.as_bytes(), stem.as_bytes());
    let Some(&first) = needle.first() else {
        return false;
    };
    if hay.len() < needle.len() {
        return false;
    }
    for at in 0..=hay.len() - needle.len() {
        if hay[at] != first || &hay[at..at + needle.len()] != needle {
            continue;
        }
        if !stem.is_ascii() || !prev_char(lower, at).is_some_and(char::is_alphanumeric) {
            return true;
        }
    }
    false
}

/// Trims ASCII/Unicode whitespace from both ends of `start..end` in `s`.
pub(crate) fn trim_span(s: &str, start: usize, end: usize) -> (usize, usize) {
    let seg = s.get(start..end).unwrap_or_default();
    let lead = seg.len() - seg.trim_start().len();
    let trail = seg.len() - seg.trim_end().len();
    if lead + trail >= seg.len() {
        return (start, start);
    }
    (start + lead, end - trail)
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::single_range_in_vec_init,
    clippy::reversed_empty_ranges
)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_number("105"), Some(105.0));
        assert_eq!(parse_number("2.1"), Some(2.1));
        assert_eq!(parse_number(".5"), Some(0.5));
        assert_eq!(parse_number("0,07"), Some(0.07));
        assert_eq!(parse_number("0,064"), Some(0.064));
        assert_eq!(parse_number("12,5"), Some(12.5));
        assert_eq!(parse_number("1,800"), Some(1800.0));
        assert_eq!(parse_number("1,234,567.5"), Some(1_234_567.5));
        assert_eq!(parse_number("4.4999999999999998E-2"), Some(0.045));
        assert_eq!(parse_number("1,2,3"), None);
        assert_eq!(parse_number(""), None);
        assert_eq!(parse_number("abc"), None);
        assert_eq!(parse_number("inf"), None);
        assert_eq!(parse_number("NaN"), None);
    }

    #[test]
    fn regions_are_clamped_and_merged() {
        let t = "ab€cd"; // € is 3 bytes at 2..5
        assert_eq!(normalise_regions(t, &[0..t.len()]), vec![0..7]);
        assert_eq!(normalise_regions(t, &[3..100]), vec![5..7]);
        assert_eq!(normalise_regions(t, &[0..3]), vec![0..2]);
        assert_eq!(normalise_regions(t, &[5..6, 0..1, 1..2]), vec![0..2, 5..6]);
        assert_eq!(
            normalise_regions(t, &[4..3, 50..60]),
            Vec::<Range<usize>>::new()
        );
        assert_eq!(normalise_regions("", &[0..0]), Vec::<Range<usize>>::new());
    }

    #[test]
    fn lines_and_clauses() {
        let s = "first line\nWeight: 2 g here\nlast";
        let i = s.find("2 g").unwrap();
        assert_eq!(line_before(s, i, 100), "Weight: ");
        assert_eq!(line_after(s, i, 100), "2 g here");
        let p = "Intro. The box is made of 100% recycled paper; the case is not. End";
        let i = p.find("100%").unwrap();
        let (a, b) = clause_bounds(p, i, i + 4, 200);
        assert_eq!(&p[a..b], " The box is made of 100% recycled paper");
        let e = "x. components containing lead in a glass, e.g. piezo devices, or in a glass matrix. Next";
        let i = e.rfind("glass").unwrap();
        let (a, b) = clause_bounds(e, i, i + 5, 200);
        assert!(e[a..b].contains("containing lead"), "{}", &e[a..b]);
        let q = "100% \nrecycled aluminum\n\nnext para";
        let (a, b) = clause_bounds(q, 0, 4, 200);
        assert_eq!(&q[a..b], "100% \nrecycled aluminum");
        // a sentence closed inside quotes or brackets ends there
        let r = "it says “fair gold.” The frame is 75% recycled (PCR.) Next one.";
        let i = r.find("75%").unwrap();
        let (a, b) = clause_bounds(r, i, i + 3, 200);
        assert_eq!(
            r[a..b].trim_start_matches('”'),
            " The frame is 75% recycled (PCR"
        );
        assert!(intention("Our goal is"));
        assert!(intention(
            "by the end of 2021, half of the products will be"
        ));
        assert!(!intention("a commitment to the highest standards"));
    }

    #[test]
    fn stems() {
        assert!(has_stem("Total packaging 133 g", "packag"));
        assert!(!has_stem("unpackaged", "packag"));
        assert!(has_any_stem("Gross Weight", &["net", "gross"]));
    }
}
