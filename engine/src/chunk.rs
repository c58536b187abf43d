//! Structure-aware chunking with spans.
//!
//! Chunks never cross a page; within a page they follow paragraphs, then
//! lines, then words, and stay under a token budget estimated for the
//! embedding model (CJK characters count one token each). A spreadsheet is
//! chunked by whole rows, and each chunk's embedding text carries the
//! sheet's header row so a row is searchable by its column names. The
//! stored chunk text is always exactly the document text of its span.

use crate::document::{PageSpan, SheetLayout};
use crate::text::is_cjk;
use crate::text::{CharIndex, CharRange};

#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    pub index: u32,
    pub page: u32,
    pub span: CharRange,
    /// `text[span]` exactly.
    pub text: String,
    /// What is embedded: the text, with context (e.g. the header row) when
    /// that helps retrieval.
    pub embed_text: String,
}

#[derive(Debug, Clone, Copy)]
pub struct ChunkConfig {
    pub max_tokens: usize,
}

impl Default for ChunkConfig {
    fn default() -> Self {
        // all-MiniLM-L6-v2 reads 256 word pieces; leave room for the
        // tokenizer's estimate error and special tokens.
        Self { max_tokens: 200 }
    }
}

/// A cheap, conservative estimate of word pieces.
pub fn estimate_tokens(s: &str) -> usize {
    let mut cjk = 0usize;
    let mut other = 0usize;
    for c in s.chars() {
        if is_cjk(c) {
            cjk += 1;
        } else if !c.is_whitespace() {
            other += 1;
        }
    }
    cjk + other.div_ceil(3)
}

pub fn chunk_document(
    text: &str,
    pages: &[PageSpan],
    sheet: Option<&SheetLayout>,
    cfg: ChunkConfig,
) -> Vec<Chunk> {
    let idx = CharIndex::new(text);
    let mut pieces: Vec<(u32, std::ops::Range<usize>, Option<String>)> = Vec::new();
    match sheet {
        Some(layout) => sheet_pieces(text, &idx, pages, layout, cfg, &mut pieces),
        None => {
            for p in pages {
                let r = idx.bytes(CharRange {
                    start: p.start,
                    end: p.end,
                });
                for piece in split_budget(text, r, cfg.max_tokens) {
                    pieces.push((p.page, piece, None));
                }
            }
        }
    }
    pieces
        .into_iter()
        .filter(|(_, r, _)| !text[r.clone()].trim().is_empty())
        .enumerate()
        .map(|(i, (page, r, prefix))| {
            let chunk_text = text[r.clone()].to_owned();
            let embed_text = match prefix {
                Some(p) => format!("{chunk_text}\n{p}"),
                None => chunk_text.clone(),
            };
            Chunk {
                index: i as u32,
                page,
                span: idx.chars(r),
                text: chunk_text,
                embed_text,
            }
        })
        .collect()
}

fn sheet_pieces(
    text: &str,
    idx: &CharIndex,
    pages: &[PageSpan],
    layout: &SheetLayout,
    cfg: ChunkConfig,
    out: &mut Vec<(u32, std::ops::Range<usize>, Option<String>)>,
) {
    let header_of = |sheet: &str| {
        layout
            .headers
            .iter()
            .find(|(s, _)| s == sheet)
            .and_then(|(_, i)| layout.rows.get(*i))
            .map(|r| text[idx.bytes(r.span)].to_owned())
    };
    let page_of = |c: usize| {
        pages
            .iter()
            .find(|p| c >= p.start && c < p.end.max(p.start + 1))
            .map(|p| p.page)
            .unwrap_or(1)
    };
    // Rows are whole units: a row is split only when it alone is far over
    // the budget. The header goes into the embedded text after the rows, so
    // the model's truncation drops header columns before row values.
    let mut current: Option<(u32, std::ops::Range<usize>, String)> = None;
    for row in &layout.rows {
        let r = idx.bytes(row.span);
        let page = page_of(row.span.start);
        let header = header_of(&row.sheet).unwrap_or_default();
        if let Some((p, cur, h)) = current.take() {
            let merged = cur.start..r.end;
            if p == page && h == header && estimate_tokens(&text[merged.clone()]) <= cfg.max_tokens
            {
                current = Some((p, merged, h));
                continue;
            }
            out.push((p, cur, Some(h)));
        }
        if estimate_tokens(&text[r.clone()]) > cfg.max_tokens * 2 {
            for piece in split_budget(text, r, cfg.max_tokens) {
                out.push((page, piece, Some(header.clone())));
            }
        } else {
            current = Some((page, r, header));
        }
    }
    if let Some((p, cur, h)) = current {
        out.push((p, cur, Some(h)));
    }
}

/// Splits a byte range into pieces under the budget, preferring paragraph,
/// then line, then word boundaries; trims surrounding whitespace.
fn split_budget(
    text: &str,
    range: std::ops::Range<usize>,
    budget: usize,
) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let units = boundaries(text, range.clone(), &["\n\n", "\n", " "], budget);
    let mut cur: Option<std::ops::Range<usize>> = None;
    for u in units {
        cur = match cur {
            Some(c) if estimate_tokens(&text[c.start..u.end]) <= budget => Some(c.start..u.end),
            Some(c) => {
                out.push(c);
                Some(u)
            }
            None => Some(u),
        };
    }
    out.extend(cur);
    out.into_iter().filter_map(|r| trim(text, r)).collect()
}

/// Recursively cuts a range at the first separator that yields units under
/// the budget; falls back to fixed-size character windows.
fn boundaries(
    text: &str,
    range: std::ops::Range<usize>,
    seps: &[&str],
    budget: usize,
) -> Vec<std::ops::Range<usize>> {
    if estimate_tokens(&text[range.clone()]) <= budget {
        return vec![range];
    }
    let Some((sep, rest)) = seps.split_first() else {
        // No separator left: cut on character boundaries.
        let mut out = Vec::new();
        let mut start = range.start;
        let mut count = 0;
        for (i, c) in text[range.clone()].char_indices() {
            count += if is_cjk(c) { 3 } else { 1 };
            if count >= budget * 3 {
                let end = range.start + i + c.len_utf8();
                out.push(start..end);
                start = end;
                count = 0;
            }
        }
        if start < range.end {
            out.push(start..range.end);
        }
        return out;
    };
    let mut out = Vec::new();
    let mut start = range.start;
    let slice = &text[range.clone()];
    for (i, _) in slice.match_indices(sep) {
        let end = range.start + i + sep.len();
        out.extend(boundaries(text, start..end, rest, budget));
        start = end;
    }
    if start < range.end {
        out.extend(boundaries(text, start..range.end, rest, budget));
    }
    out
}

fn trim(text: &str, r: std::ops::Range<usize>) -> Option<std::ops::Range<usize>> {
    let s = &text[r.clone()];
    let lead = s.len() - s.trim_start().len();
    let t = s.trim();
    (!t.is_empty()).then(|| r.start + lead..r.start + lead + t.len())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::text::slice_chars;

    fn pages_of(text: &str) -> Vec<PageSpan> {
        vec![PageSpan {
            page: 1,
            start: 0,
            end: text.chars().count(),
        }]
    }

    #[test]
    fn chunks_keep_exact_spans_and_budget() {
        let para = "Weight: approx. 105 mg. Case: molded plastic. ".repeat(40);
        let text = format!("重量 1.6 克\n\n{para}\n\nEnd line");
        let chunks = chunk_document(
            &text,
            &pages_of(&text),
            None,
            ChunkConfig { max_tokens: 60 },
        );
        assert!(chunks.len() > 3);
        for c in &chunks {
            assert_eq!(
                slice_chars(&text, c.span.start, c.span.end).unwrap(),
                c.text
            );
            assert!(estimate_tokens(&c.text) <= 60, "{}", c.text);
        }
        assert!(chunks[0].text.starts_with("重量"));
        assert!(chunks.last().unwrap().text.ends_with("End line"));
    }

    #[test]
    fn chunks_do_not_cross_pages() {
        let text = "page one\n\npage two";
        let pages = vec![
            PageSpan {
                page: 1,
                start: 0,
                end: 8,
            },
            PageSpan {
                page: 2,
                start: 10,
                end: 18,
            },
        ];
        let chunks = chunk_document(text, &pages, None, ChunkConfig::default());
        assert_eq!(chunks.len(), 2);
        assert_eq!((chunks[1].page, chunks[1].text.as_str()), (2, "page two"));
    }

    #[test]
    fn long_unbroken_cjk_text_is_cut() {
        let text = "中".repeat(1000);
        let chunks = chunk_document(
            &text,
            &pages_of(&text),
            None,
            ChunkConfig { max_tokens: 100 },
        );
        assert!(chunks.len() >= 10);
        assert!(chunks.iter().all(|c| estimate_tokens(&c.text) <= 100));
    }
}
