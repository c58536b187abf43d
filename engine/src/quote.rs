//! Quotes located in a text: exactly, then with case, whitespace, quotes
//! and dashes normalised, then within a bounded edit rate. The verifier
//! and the chat citations use it for quotes a language model proposed.

/// How a quote proposed by a language model was found in the document.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    Exact,
    /// Equal once case, whitespace runs, quotes and dashes are normalised.
    Normalised,
    /// Within [`FUZZY_MAX_ERROR_RATE`] edits per character of the quote.
    Fuzzy,
}

/// A quote located in a document, in code points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Located {
    pub start: usize,
    pub end: usize,
    pub kind: MatchKind,
    pub edits: usize,
}

/// Fuzzy matches may differ from the quote by at most this many edits per
/// quote character (one typo in ten). Measured on the dev set
/// (`eval/reports/llm/report.json`, `quotes`): of 197 quotes the local
/// model proposed, 93 were found exactly or normalised and 4 within this
/// rate; every quote of 12 characters or more between 0.1 and 0.35 was a
/// different fact ("Copper (CuO)2", "Amazon co. UK", "1920*1080 kg"), so a
/// wider threshold would only have admitted wrong values.
pub const FUZZY_MAX_ERROR_RATE: f64 = 0.1;
/// Quotes shorter than this are only matched exactly or normalised: a
/// short fuzzy match is too easily a different passage.
pub const FUZZY_MIN_CHARS: usize = 12;
/// Longer quotes are not searched fuzzily (bounded work per quote).
pub const FUZZY_MAX_CHARS: usize = 400;

fn normalise_char(c: char) -> char {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{2032}' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{2033}' => '"',
        '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
        '\u{00B5}' => '\u{03BC}',
        c if c.is_whitespace() => ' ',
        c => c
            .to_lowercase()
            .next()
            .filter(|_| c.to_lowercase().count() == 1)
            .unwrap_or(c),
    }
}

/// Normalised characters of `text` with, for each, its code point index in
/// the original; whitespace runs collapse to one space.
fn normalised(text: &str) -> (Vec<char>, Vec<usize>) {
    let mut chars = Vec::with_capacity(text.len());
    let mut map = Vec::with_capacity(text.len());
    for (i, c) in text.chars().enumerate() {
        let n = normalise_char(c);
        if n == ' ' && chars.last() == Some(&' ') {
            continue;
        }
        chars.push(n);
        map.push(i);
    }
    (chars, map)
}

/// Locates `quote` in `text`, preferring matches inside `windows` (code
/// point ranges the quote should come from, e.g. the excerpts a model was
/// shown); fuzzy matching only searches inside the windows.
pub fn locate(text: &str, quote: &str, windows: &[std::ops::Range<usize>]) -> Option<Located> {
    let quote = quote.trim();
    if quote.is_empty() {
        return None;
    }
    let in_windows = |s: usize, e: usize| windows.iter().any(|w| s >= w.start && e <= w.end);
    let qlen = quote.chars().count();
    // Exact.
    let idx = crate::text::CharIndex::new(text);
    let mut first = None;
    for (b, _) in text.match_indices(quote) {
        let r = idx.chars(b..b + quote.len());
        let hit = Located {
            start: r.start,
            end: r.end,
            kind: MatchKind::Exact,
            edits: 0,
        };
        if windows.is_empty() || in_windows(r.start, r.end) {
            return Some(hit);
        }
        first.get_or_insert(hit);
    }
    if first.is_some() {
        return first;
    }
    // Normalised.
    let (tn, tmap) = normalised(text);
    let (qn, _) = normalised(quote);
    let qn: Vec<char> = {
        let mut q = qn;
        while q.last() == Some(&' ') {
            q.pop();
        }
        q
    };
    if qn.is_empty() || qn.len() > tn.len() {
        return None;
    }
    let mut first = None;
    for s in 0..=(tn.len() - qn.len()) {
        if tn[s..s + qn.len()] == qn[..] {
            let (start, end) = (tmap[s], tmap[s + qn.len() - 1] + 1);
            let hit = Located {
                start,
                end,
                kind: MatchKind::Normalised,
                edits: 0,
            };
            if windows.is_empty() || in_windows(start, end) {
                return Some(hit);
            }
            first.get_or_insert(hit);
        }
    }
    if first.is_some() {
        return first;
    }
    // Fuzzy, inside the windows only.
    if !(FUZZY_MIN_CHARS..=FUZZY_MAX_CHARS).contains(&qlen) {
        return None;
    }
    let budget = (qn.len() as f64 * FUZZY_MAX_ERROR_RATE).floor() as usize;
    closest_in(&tn, &tmap, &qn, windows).filter(|l| l.edits <= budget)
}

/// The closest passage to `quote` inside `windows` and its edits per quote
/// character, whatever the distance (for diagnostics: how far a quote that
/// was not accepted was from the text).
pub fn closest(
    text: &str,
    quote: &str,
    windows: &[std::ops::Range<usize>],
) -> Option<(Located, f64)> {
    let (tn, tmap) = normalised(text);
    let (mut qn, _) = normalised(quote.trim());
    while qn.last() == Some(&' ') {
        qn.pop();
    }
    if qn.is_empty() || qn.len() > FUZZY_MAX_CHARS {
        return None;
    }
    closest_in(&tn, &tmap, &qn, windows).map(|l| (l, l.edits as f64 / qn.len() as f64))
}

fn closest_in(
    tn: &[char],
    tmap: &[usize],
    qn: &[char],
    windows: &[std::ops::Range<usize>],
) -> Option<Located> {
    let mut best: Option<Located> = None;
    for w in windows {
        // Normalised positions covering the window.
        let lo = tmap.partition_point(|&i| i < w.start);
        let hi = tmap.partition_point(|&i| i < w.end);
        if hi <= lo {
            continue;
        }
        if let Some((s, e, d)) = best_substring_match(qn, &tn[lo..hi])
            && best.is_none_or(|b| d < b.edits)
        {
            best = Some(Located {
                start: tmap[lo + s],
                end: tmap[lo + e - 1] + 1,
                kind: MatchKind::Fuzzy,
                edits: d,
            });
        }
    }
    best
}

/// Smallest edit distance between `pattern` and any substring of `text`
/// (Sellers' algorithm), with that substring's [start, end).
fn best_substring_match(pattern: &[char], text: &[char]) -> Option<(usize, usize, usize)> {
    let m = pattern.len();
    if m == 0 || text.is_empty() {
        return None;
    }
    // prev[i] / cur[i]: distance for pattern[..i] ending at the current text
    // position; starts[i]: where that alignment began in the text.
    let mut prev: Vec<usize> = (0..=m).collect();
    let mut prev_start: Vec<usize> = vec![0; m + 1];
    let mut cur = vec![0usize; m + 1];
    let mut cur_start = vec![0usize; m + 1];
    let mut best: Option<(usize, usize, usize)> = None;
    for (j, &tc) in text.iter().enumerate() {
        cur[0] = 0;
        cur_start[0] = j + 1;
        for i in 1..=m {
            let sub = prev[i - 1] + usize::from(pattern[i - 1] != tc);
            let del = cur[i - 1] + 1;
            let ins = prev[i] + 1;
            if sub <= del && sub <= ins {
                cur[i] = sub;
                cur_start[i] = if i == 1 { j } else { prev_start[i - 1] };
            } else if ins <= del {
                cur[i] = ins;
                cur_start[i] = prev_start[i];
            } else {
                cur[i] = del;
                cur_start[i] = cur_start[i - 1];
            }
        }
        if best.is_none_or(|b| cur[m] < b.2) {
            best = Some((cur_start[m], j + 1, cur[m]));
        }
        std::mem::swap(&mut prev, &mut cur);
        std::mem::swap(&mut prev_start, &mut cur_start);
    }
    best
}

#[cfg(test)]
#[allow(clippy::single_range_in_vec_init)] // one window: the whole text
mod tests {
    use super::*;
    use crate::text::slice_chars;

    const DOC: &str = "Vishay 1N4148\nMECHANICAL DATA\nCase: MiniMELF\nWeight: approx. 0.105 g\n\
                       Packaging codes / options: 18/10K per 13\" reel\n";

    #[test]
    fn quotes_are_located_exactly_then_normalised_then_fuzzily() {
        let all = [0..DOC.chars().count()];
        let e = locate(DOC, "Weight: approx. 0.105 g", &all).unwrap_or_else(|| panic!("exact"));
        assert_eq!(e.kind, MatchKind::Exact);
        assert_eq!(
            slice_chars(DOC, e.start, e.end),
            Some("Weight: approx. 0.105 g")
        );
        let n = locate(DOC, "weight:  APPROX. 0.105 g", &all).unwrap_or_else(|| panic!("norm"));
        assert_eq!(n.kind, MatchKind::Normalised);
        assert_eq!(
            slice_chars(DOC, n.start, n.end),
            Some("Weight: approx. 0.105 g")
        );
        let f = locate(DOC, "Weight: aprox 0.105 g", &all).unwrap_or_else(|| panic!("fuzzy"));
        assert_eq!(f.kind, MatchKind::Fuzzy);
        assert_eq!(f.edits, 2);
        assert_eq!(
            slice_chars(DOC, f.start, f.end),
            Some("Weight: approx. 0.105 g")
        );
        // Too different, or not where the model was looking.
        assert!(locate(DOC, "Weight: about 2.5 kg each", &all).is_none());
        assert!(locate(DOC, "Weight: aprox 0.105 g", &[0..10]).is_none());
        // Short quotes are never matched fuzzily.
        assert!(locate(DOC, "0.106 g", &all).is_none());
    }

    #[test]
    fn spans_are_code_points_in_any_script() {
        let doc = "型号 AFC07\n重量：1.6 克\n产地：中国\n";
        let l = locate(doc, "重量：1.6 克", &[]).unwrap_or_else(|| panic!("cjk"));
        assert_eq!(slice_chars(doc, l.start, l.end), Some("重量：1.6 克"));
        assert_eq!(l.start, 9);
    }
}
