//! Tables written in text: HTML tables (rendered with ` | ` between
//! cells), Markdown pipe tables, tab-separated lines and fixed-width
//! columns (declarations exported as text). They become the same
//! [`Table`] model as a PDF page's tables, so the extractors read a column
//! by its header whatever the format.

use crate::document::{PageSpan, Table, TableCell, TableRow};
use crate::text::CharRange;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Pipe,
    Tab,
    Fixed,
}

struct Line<'a> {
    text: &'a str,
    /// Code point offset of the line in the document.
    start: usize,
}

/// Cells of a line as (byte start, byte end) within it, trimmed.
fn cells(line: &str, kind: Kind) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut push = |a: usize, b: usize| {
        let s = &line[a..b];
        let lead = s.len() - s.trim_start().len();
        let trail = s.len() - s.trim_end().len();
        if a + lead < b - trail {
            out.push((a + lead, b - trail));
        } else {
            out.push((a, a));
        }
    };
    match kind {
        Kind::Pipe | Kind::Tab => {
            let sep = if kind == Kind::Pipe { '|' } else { '\t' };
            let body = if kind == Kind::Pipe {
                let t = line.trim();
                let lead = line.len() - line.trim_start().len();
                let inner_start = lead + usize::from(t.starts_with('|'));
                let inner_end = lead + t.len() - usize::from(t.ends_with('|') && t.len() > 1);
                (inner_start, inner_end.max(inner_start))
            } else {
                (0, line.len())
            };
            let mut a = body.0;
            for (i, c) in line[body.0..body.1].char_indices() {
                if c == sep {
                    push(a, body.0 + i);
                    a = body.0 + i + 1;
                }
            }
            push(a, body.1);
        }
        Kind::Fixed => {
            // Runs of two or more spaces separate columns.
            let bytes = line.as_bytes();
            let mut a = None;
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b' ' && bytes.get(i + 1) == Some(&b' ') {
                    if let Some(s) = a.take() {
                        push(s, i);
                    }
                    while i < bytes.len() && bytes[i] == b' ' {
                        i += 1;
                    }
                    continue;
                }
                if a.is_none() && bytes[i] != b' ' {
                    a = Some(i);
                }
                i += 1;
            }
            if let Some(s) = a {
                push(s, line.len());
            }
        }
    }
    out
}

fn kind_of(line: &str) -> Option<Kind> {
    let t = line.trim();
    if t.matches('|').count() >= 2 || (t.contains(" | ") && t.matches('|').count() >= 1) {
        Some(Kind::Pipe)
    } else if line.contains('\t') {
        Some(Kind::Tab)
    } else if t.contains("  ") && cells(line, Kind::Fixed).len() >= 2 {
        Some(Kind::Fixed)
    } else {
        None
    }
}

/// `|---|:--:|` under a Markdown header.
fn is_separator(line: &str) -> bool {
    let t = line.trim();
    t.contains('-') && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' ' | '+'))
}

/// Column positions of a fixed-width line's cells, in display columns
/// (a Chinese character takes two).
fn starts(line: &str) -> Vec<usize> {
    let col = |b: usize| {
        line[..b]
            .chars()
            .map(|c| if crate::text::is_cjk(c) { 2 } else { 1 })
            .sum::<usize>()
    };
    cells(line, Kind::Fixed).iter().map(|c| col(c.0)).collect()
}

/// Detects tables in a canonical text.
pub(crate) fn detect(text: &str, pages: &[PageSpan]) -> Vec<Table> {
    let mut lines = Vec::new();
    let mut at = 0usize;
    for l in text.split('\n') {
        lines.push(Line { text: l, start: at });
        at += l.chars().count() + 1;
    }
    let page_of = |c: usize| {
        pages
            .iter()
            .find(|p| c >= p.start && c < p.end.max(p.start + 1))
            .map_or(1, |p| p.page)
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(kind) = kind_of(lines[i].text) else {
            i += 1;
            continue;
        };
        let width = cells(lines[i].text, kind).len();
        let first_starts = starts(lines[i].text);
        let mut j = i + 1;
        let mut separator = None;
        while j < lines.len() {
            let l = lines[j].text;
            if kind == Kind::Pipe && separator.is_none() && j == i + 1 && is_separator(l) {
                separator = Some(j);
                j += 1;
                continue;
            }
            if kind_of(l) != Some(kind) || cells(l, kind).len() != width {
                break;
            }
            // Fixed-width rows share their column starts.
            if kind == Kind::Fixed {
                let s = starts(l);
                if s.len() != first_starts.len()
                    || s.iter().zip(&first_starts).any(|(a, b)| a.abs_diff(*b) > 2)
                {
                    break;
                }
            }
            j += 1;
        }
        let rows: Vec<&Line> = (i..j)
            .filter(|&k| Some(k) != separator)
            .map(|k| &lines[k])
            .collect();
        if rows.len() >= 2 && width >= 2 {
            let table_rows: Vec<TableRow> = rows
                .iter()
                .map(|l| {
                    let line_cells = cells(l.text, kind);
                    let ch = |b: usize| l.start + l.text[..b].chars().count();
                    TableRow {
                        page: page_of(l.start),
                        span: CharRange {
                            start: l.start,
                            end: l.start + l.text.chars().count(),
                        },
                        cells: line_cells
                            .iter()
                            .enumerate()
                            .filter(|(_, c)| c.1 > c.0)
                            .map(|(col, c)| TableCell {
                                col: col as u32,
                                span: CharRange {
                                    start: ch(c.0),
                                    end: ch(c.1),
                                },
                            })
                            .collect(),
                        repeated_header: false,
                    }
                })
                .collect();
            let header_rows = match separator {
                Some(s) => (s - i) as u32,
                None => {
                    let digits = |l: &Line| l.text.chars().any(|c| c.is_ascii_digit());
                    u32::from(
                        rows.len() >= 3 && !digits(rows[0]) && rows[1..].iter().any(|l| digits(l)),
                    )
                }
            };
            out.push(Table {
                columns: width as u32,
                header_rows,
                rows: table_rows,
            });
        }
        i = j.max(i + 1);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::text::slice_chars;

    fn page(text: &str) -> Vec<PageSpan> {
        vec![PageSpan {
            page: 1,
            start: 0,
            end: text.chars().count(),
        }]
    }

    fn cell(text: &str, t: &Table, row: usize, col: u32) -> String {
        let c = t.rows[row].cell(col).unwrap();
        slice_chars(text, c.start, c.end).unwrap().to_owned()
    }

    #[test]
    fn markdown_html_tab_and_fixed_width_tables() {
        let md = "Intro\n| Part | Weight (g) |\n|---|---:|\n| XA-1 | 0.5 |\n| XA-2 | 0.7 |\nEnd";
        let t = detect(md, &page(md));
        assert_eq!(t.len(), 1);
        assert_eq!((t[0].columns, t[0].header_rows, t[0].rows.len()), (2, 1, 3));
        assert_eq!(cell(md, &t[0], 2, 1), "0.7");

        let html = "Weight | 2 g | \nCase | Plastic | ";
        let t = detect(html, &page(html));
        assert_eq!(cell(html, &t[0], 0, 1), "2 g");

        let fixed = "Component   Material      Weight (g)\nLeadframe   Copper Alloy  0.02426\nDie         Silicon       0.00263\n重量        合金          1.6";
        let t = detect(fixed, &page(fixed));
        assert_eq!(t.len(), 1);
        assert_eq!((t[0].columns, t[0].header_rows, t[0].rows.len()), (3, 1, 4));
        assert_eq!(cell(fixed, &t[0], 1, 1), "Copper Alloy");
        assert_eq!(cell(fixed, &t[0], 3, 2), "1.6");

        let tabs = "A\tB\n1\t2";
        assert_eq!(detect(tabs, &page(tabs))[0].rows.len(), 2);
        let prose = "This is prose.  Two spaces after a sentence.\nAnd another line.";
        assert!(detect(prose, &page(prose)).is_empty());
    }
}
