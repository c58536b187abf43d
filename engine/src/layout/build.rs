//! The layout algorithm: rows, segments, regions, tables, text.

use crate::text::is_cjk;

use super::{PageCell, PageLayout, PageRow, PageTable, PageWords, Placed, Rect, clean_char};

/// Words beyond this on one page are ignored (a hostile page can hold
/// millions of glyphs; no real page has this many words).
const MAX_WORDS: usize = 100_000;
/// Two words share a row when their vertical extents overlap by at least
/// this share of the smaller height.
const ROW_OVERLAP: f32 = 0.5;
/// A horizontal gap wider than this many row heights separates phrases.
const SEGMENT_GAP: f32 = 0.85;
/// A vertical gutter must be at least this many row heights wide.
const MIN_GUTTER: f32 = 0.6;
/// A vertical gap of more than this many row heights ends a region.
const REGION_BREAK: f32 = 2.0;
/// More than this many row heights of empty space before a row starts a
/// new paragraph (a blank line in the text).
const PARAGRAPH_GAP: f32 = 0.9;
/// A word this much smaller than the word it touches, raised or lowered,
/// is a superscript or subscript.
const SMALL_SCRIPT: f32 = 0.78;
/// On a line outside any table, a gap wider than this many row heights is
/// written as a tab.
const LINE_TAB_GAP: f32 = 1.5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Normal,
    Super,
    Sub,
}

#[derive(Debug, Clone)]
struct W {
    text: String,
    rect: Rect,
    script: Script,
}

#[derive(Debug, Clone)]
struct Row {
    /// Word indices, left to right.
    words: Vec<usize>,
    y0: f32,
    y1: f32,
    /// Median height of the row's normal-size words.
    h: f32,
}

/// Consecutive words of one row without a wide gap between them.
#[derive(Debug, Clone)]
struct Seg {
    words: Vec<usize>,
    x0: f32,
    x1: f32,
}

/// A row as seen inside one column of the page (a subset of its segments).
#[derive(Debug, Clone)]
struct View {
    row: usize,
    segs: Vec<Seg>,
}

enum Block {
    /// One row, its segments separated by tabs.
    Line(View),
    Table(TableBlock),
}

struct TableBlock {
    columns: usize,
    header_rows: usize,
    /// Per row: the physical rows it covers, and per column the words.
    rows: Vec<(Vec<usize>, Vec<Vec<usize>>)>,
    edges: Vec<f32>,
    rect: Rect,
}

/// Lays out one page. Never panics; words with non-finite coordinates or
/// no printable characters are ignored.
pub fn lay_out(page: &PageWords) -> PageLayout {
    let words = sanitize(page);
    if words.is_empty() {
        return PageLayout::default();
    }
    let mut words = words;
    let rows = build_rows(&mut words);
    let h = median(rows.iter().map(|r| r.h).collect()).max(1.0);
    let views: Vec<View> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| View {
            row: i,
            segs: segments(&words, r),
        })
        .collect();
    let mut blocks = Vec::new();
    match twin_columns(&words, &views, h) {
        Some(split) => {
            // Runs of rows between full-width rows are read left side
            // first, then right side.
            let mut run: Vec<View> = Vec::new();
            let flush = |run: &mut Vec<View>, blocks: &mut Vec<Block>| {
                for left in [true, false] {
                    arrange(&words, &rows, side_of(run, split, left), h, 1, blocks);
                }
                run.clear();
            };
            for v in views {
                if v.segs.iter().any(|s| s.x0 < split && s.x1 > split) {
                    flush(&mut run, &mut blocks);
                    arrange(&words, &rows, vec![v], h, 1, &mut blocks);
                } else {
                    run.push(v);
                }
            }
            flush(&mut run, &mut blocks);
        }
        None => arrange(&words, &rows, views, h, 0, &mut blocks),
    }
    write(&words, &rows, &blocks, h)
}

/// A page that shows two copies of one layout side by side (two products
/// described in two columns) is read one side after the other. The split
/// is the vertical line near the middle that the fewest rows cross (titles
/// and footers may); the rows on either side must start with the same
/// labels.
fn twin_columns(words: &[W], views: &[View], h: f32) -> Option<f32> {
    let (min_x, max_x) = views
        .iter()
        .flat_map(|v| v.segs.iter())
        .fold((f32::MAX, f32::MIN), |(a, b), s| (a.min(s.x0), b.max(s.x1)));
    if views.len() < 6 || max_x - min_x < 20.0 * h {
        return None;
    }
    let width = max_x - min_x;
    let centre = min_x + width / 2.0;
    let crossing = |x: f32| {
        views
            .iter()
            .filter(|v| v.segs.iter().any(|s| s.x0 < x && s.x1 > x))
            .count()
    };
    let steps = 40;
    let (x, crossed) = (0..=steps)
        .map(|i| centre - 0.2 * width + 0.4 * width * i as f32 / steps as f32)
        .map(|x| (x, crossing(x)))
        .min_by(|a, b| {
            a.1.cmp(&b.1)
                .then((a.0 - centre).abs().total_cmp(&(b.0 - centre).abs()))
        })?;
    if crossed * 7 > views.len() {
        return None;
    }
    let sides: Vec<View> = views
        .iter()
        .filter(|v| !v.segs.iter().any(|s| s.x0 < x && s.x1 > x))
        .cloned()
        .collect();
    side_by_side(words, &sides, (x, x)).then_some(x)
}

fn sanitize(page: &PageWords) -> Vec<W> {
    page.words
        .iter()
        .take(MAX_WORDS)
        .filter(|w| w.rect.is_finite())
        .filter_map(|w| {
            let text: String = w.text.chars().filter_map(clean_char).collect();
            let text = text.trim();
            if text.is_empty() {
                return None;
            }
            let r = Rect::new(w.rect.x0, w.rect.y0, w.rect.x1, w.rect.y1);
            Some(W {
                // Spaces inside one reported word are kept single.
                text: text.split_whitespace().collect::<Vec<_>>().join(" "),
                rect: Rect {
                    // A degenerate box still needs a height to be placed.
                    y1: if r.height() < 0.1 { r.y0 + 0.1 } else { r.y1 },
                    ..r
                },
                script: Script::Normal,
            })
        })
        .collect()
}

fn median(mut v: Vec<f32>) -> f32 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f32::total_cmp);
    v[v.len() / 2]
}

fn overlap(a0: f32, a1: f32, b0: f32, b1: f32) -> f32 {
    (a1.min(b1) - a0.max(b0)).max(0.0)
}

/// Groups words into physical rows, top to bottom, and marks small raised
/// or lowered words.
fn build_rows(words: &mut [W]) -> Vec<Row> {
    let mut order: Vec<usize> = (0..words.len()).collect();
    let cy = |w: &W| (w.rect.y0 + w.rect.y1) / 2.0;
    order.sort_by(|&a, &b| {
        cy(&words[a])
            .total_cmp(&cy(&words[b]))
            .then(words[a].rect.x0.total_cmp(&words[b].rect.x0))
    });
    let mut rows: Vec<Row> = Vec::new();
    for &i in &order {
        let r = words[i].rect;
        let mut best: Option<(usize, f32)> = None;
        // Rows are created in order of their centres: only the last few can
        // still overlap this word.
        for (k, row) in rows.iter().enumerate().rev().take(12) {
            let ov = overlap(row.y0, row.y1, r.y0, r.y1);
            let ratio = ov / r.height().min(row.y1 - row.y0).max(0.1);
            if ratio < ROW_OVERLAP {
                continue;
            }
            // Two words drawn over each other belong to different rows
            // (checked on rows of ordinary length; a hostile page may hold
            // one endless row).
            let collides = row.words.len() < 400
                && row.words.iter().any(|&o| {
                    let or = words[o].rect;
                    overlap(or.x0, or.x1, r.x0, r.x1) > 0.3 * or.width().min(r.width()).max(0.1)
                });
            if collides {
                continue;
            }
            if best.is_none_or(|(_, b)| ratio > b) {
                best = Some((k, ratio));
            }
        }
        match best {
            Some((k, _)) => {
                let row = &mut rows[k];
                row.words.push(i);
                row.y0 = row.y0.min(r.y0);
                row.y1 = row.y1.max(r.y1);
            }
            None => rows.push(Row {
                words: vec![i],
                y0: r.y0,
                y1: r.y1,
                h: r.height(),
            }),
        }
    }
    for row in &mut rows {
        row.words
            .sort_by(|&a, &b| words[a].rect.x0.total_cmp(&words[b].rect.x0));
        let tallest = row
            .words
            .iter()
            .map(|&i| words[i].rect.height())
            .fold(0.0f32, f32::max);
        let normal: Vec<f32> = row
            .words
            .iter()
            .map(|&i| words[i].rect.height())
            .filter(|&h| h >= SMALL_SCRIPT * tallest)
            .collect();
        row.h = median(normal).max(0.1);
        // A small word touching the word before it, raised above or
        // lowered below it, is a superscript or subscript ("Weight¹",
        // "CO₂"); a small number after a space is just small text.
        for k in 1..row.words.len() {
            let (p, i) = (row.words[k - 1], row.words[k]);
            let (pr, wr) = (words[p].rect, words[i].rect);
            let ph = pr.height();
            let touching = wr.x0 - pr.x1 <= 0.35 * ph && wr.x0 >= pr.x0;
            // A marker is at least about a third of its word's height: next
            // to a much taller box (a rotated axis title, a large heading)
            // a small number is just small text.
            if !touching
                || wr.height() >= SMALL_SCRIPT * ph
                || wr.height() < 0.4 * ph
                || words[i].text.chars().count() > 3
                || words[p].script != Script::Normal
            {
                continue;
            }
            if wr.y1 < pr.y1 - 0.25 * ph {
                words[i].script = Script::Super;
            } else if wr.y0 > pr.y0 + 0.25 * ph {
                words[i].script = Script::Sub;
            }
        }
    }
    rows.sort_by(|a, b| (a.y0 + a.y1).total_cmp(&(b.y0 + b.y1)));
    rows
}

fn segments(words: &[W], row: &Row) -> Vec<Seg> {
    let mut out: Vec<Seg> = Vec::new();
    for &i in &row.words {
        let r = words[i].rect;
        match out.last_mut() {
            Some(s) if r.x0 - s.x1 <= SEGMENT_GAP * row.h => {
                s.words.push(i);
                s.x1 = s.x1.max(r.x1);
            }
            _ => out.push(Seg {
                words: vec![i],
                x0: r.x0,
                x1: r.x1,
            }),
        }
    }
    out
}

/// The rows as seen on one side of a vertical line: the segments whose
/// centre is left (or right) of `split`; rows with none are left out.
fn side_of(views: &[View], split: f32, left: bool) -> Vec<View> {
    views
        .iter()
        .filter_map(|v| {
            let segs: Vec<Seg> = v
                .segs
                .iter()
                .filter(|s| ((s.x0 + s.x1) / 2.0 < split) == left)
                .cloned()
                .collect();
            (!segs.is_empty()).then_some(View { row: v.row, segs })
        })
        .collect()
}

/// Sorted, merged x-intervals covered by `base` and a view's segments.
fn coverage(base: &[(f32, f32)], view: &View) -> Vec<(f32, f32)> {
    let mut iv: Vec<(f32, f32)> = base
        .iter()
        .copied()
        .chain(view.segs.iter().map(|s| (s.x0, s.x1)))
        .collect();
    iv.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut out: Vec<(f32, f32)> = Vec::with_capacity(iv.len());
    for (a, b) in iv {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

fn gutters(cover: &[(f32, f32)], min: f32) -> Vec<(f32, f32)> {
    cover
        .windows(2)
        .map(|w| (w[0].1, w[1].0))
        .filter(|(a, b)| b - a >= min)
        .collect()
}

fn vgap(rows: &[Row], a: usize, b: usize) -> f32 {
    rows[b].y0 - rows[a].y1
}

/// Splits a run of rows (top to bottom) into blocks in reading order.
fn arrange(
    words: &[W],
    rows: &[Row],
    views: Vec<View>,
    h: f32,
    depth: usize,
    out: &mut Vec<Block>,
) {
    let n = views.len();
    let mut i = 0;
    while i < n {
        let mut cover = coverage(&[], &views[i]);
        let mut gaps = gutters(&cover, MIN_GUTTER * h);
        let mut end = i + 1;
        while end < n {
            if vgap(rows, views[end - 1].row, views[end].row) > REGION_BREAK * h {
                break;
            }
            let merged = coverage(&cover, &views[end]);
            let g = gutters(&merged, MIN_GUTTER * h);
            if g.is_empty() {
                break;
            }
            // A title above a table spans its columns: it stays a line of
            // its own rather than closing the table's gutters.
            if end == i + 1 && views[i].segs.len() == 1 && views[end].segs.len() >= 2 {
                let own = gutters(&coverage(&[], &views[end]), MIN_GUTTER * h);
                let title = &views[i].segs[0];
                if own.iter().any(|g| title.x0 < g.1 && title.x1 > g.0) {
                    break;
                }
            }
            cover = merged;
            gaps = g;
            end += 1;
        }
        let region: Vec<View> = views[i..end].to_vec();
        i = end;
        if region.len() == 1 || gaps.is_empty() {
            out.extend(region.into_iter().map(Block::Line));
            continue;
        }
        // Columns of prose are read one after the other; so are two blocks
        // side by side with an empty band between them that only a few
        // stray words reach into.
        if depth < 6
            && let Some(g) =
                column_gutter(words, &region, &gaps).or_else(|| empty_band(&region, &gaps))
        {
            let split = (g.0 + g.1) / 2.0;
            let (left, right) = (
                side_of(&region, split, true),
                side_of(&region, split, false),
            );
            arrange(words, rows, left, h, depth + 1, out);
            arrange(words, rows, right, h, depth + 1, out);
            continue;
        }
        match table(words, rows, &region, &gaps, h) {
            Some(t) => out.push(Block::Table(t)),
            None => out.extend(region.into_iter().map(Block::Line)),
        }
    }
}

fn seg_chars(words: &[W], s: &Seg) -> usize {
    s.words
        .iter()
        .map(|&i| words[i].text.chars().count() + 1)
        .sum()
}

/// A gutter with running text on both sides (or running text on one side
/// and rows that do not line up with it) separates columns to be read one
/// after the other; a gutter between short labels and their values is a
/// table's.
fn column_gutter(words: &[W], region: &[View], gaps: &[(f32, f32)]) -> Option<(f32, f32)> {
    let prose = |segs: &[&Seg]| -> bool {
        if segs.len() < 3 {
            return false;
        }
        median(segs.iter().map(|s| seg_chars(words, s) as f32).collect()) >= 24.0
    };
    let mut best: Option<(f32, f32)> = None;
    for &g in gaps {
        let left: Vec<&Seg> = region
            .iter()
            .flat_map(|v| v.segs.iter())
            .filter(|s| s.x1 <= g.0 + 0.01)
            .collect();
        let right: Vec<&Seg> = region
            .iter()
            .flat_map(|v| v.segs.iter())
            .filter(|s| s.x0 >= g.1 - 0.01)
            .collect();
        let both_sides = region
            .iter()
            .filter(|v| {
                v.segs.iter().any(|s| s.x1 <= g.0 + 0.01)
                    && v.segs.iter().any(|s| s.x0 >= g.1 - 0.01)
            })
            .count();
        let aligned = both_sides as f32 / region.len() as f32;
        let (pl, pr) = (prose(&left), prose(&right));
        let columns = (pl && pr) || ((pl || pr) && aligned < 0.5) || side_by_side(words, region, g);
        if columns && best.is_none_or(|b| g.1 - g.0 > b.1 - b.0) {
            best = Some(g);
        }
    }
    best
}

/// A band between two gutters that at most one row in ten (and at least
/// one row fewer than all) puts words in: the whitespace between two
/// blocks, not a column of a table.
fn empty_band(region: &[View], gaps: &[(f32, f32)]) -> Option<(f32, f32)> {
    if region.len() < 6 {
        return None;
    }
    gaps.windows(2).map(|w| (w[0].0, w[1].1)).find(|&(a, b)| {
        let used = region
            .iter()
            .filter(|v| {
                v.segs
                    .iter()
                    .any(|s| s.x1 > a && s.x0 < b && !(s.x1 <= a || s.x0 >= b))
            })
            .filter(|v| v.segs.iter().any(|s| s.x0 >= a && s.x1 <= b))
            .count();
        used * 10 <= region.len()
    })
}

/// Two copies of one layout side by side (a sheet describing two products
/// in two columns): the labels that start the rows on the left start rows
/// on the right too.
fn side_by_side(words: &[W], region: &[View], g: (f32, f32)) -> bool {
    let first_label = |left: bool| -> std::collections::HashSet<String> {
        region
            .iter()
            .filter_map(|v| {
                v.segs.iter().find(|s| {
                    if left {
                        s.x1 <= g.0 + 0.01
                    } else {
                        s.x0 >= g.1 - 0.01
                    }
                })
            })
            .map(|s| cell_text(words, &s.words).to_lowercase())
            .filter(|t| t.chars().filter(|c| c.is_alphabetic()).count() >= 4)
            .collect()
    };
    let (l, r) = (first_label(true), first_label(false));
    let shared = l.intersection(&r).count();
    shared >= 3 && shared * 4 >= l.len().min(r.len())
}

/// Words that end a label left unfinished on its line.
fn continues(prev: &str) -> bool {
    let p = prev.trim_end();
    p.ends_with(['-', ',', '/', '&', '(']) || {
        let last = p.rsplit(' ').next().unwrap_or("").to_lowercase();
        matches!(
            last.as_str(),
            "per" | "of" | "and" | "or" | "the" | "at" | "in" | "for" | "with"
        )
    }
}

fn cell_text(words: &[W], ids: &[usize]) -> String {
    ids.iter()
        .map(|&i| words[i].text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn table(
    words: &[W],
    rows: &[Row],
    region: &[View],
    gaps: &[(f32, f32)],
    h: f32,
) -> Option<TableBlock> {
    let columns = gaps.len() + 1;
    let col_of = |x: f32| gaps.iter().filter(|g| x > (g.0 + g.1) / 2.0).count();
    // The usual space between one line of the table and the next: a line
    // that continues a cell sits no farther below it.
    let pitch = median(
        region
            .windows(2)
            .map(|w| vgap(rows, w[0].row, w[1].row))
            .filter(|g| *g > 0.0)
            .collect(),
    );
    let tight = (0.5 * h).max(1.1 * pitch);
    // Rows, each: physical rows, words per column, and how many lines
    // continued its cells below its first line.
    let mut out: Vec<(Vec<usize>, Vec<Vec<usize>>, usize)> = Vec::new();
    for v in region {
        let mut cells = vec![Vec::new(); columns];
        for s in &v.segs {
            cells[col_of((s.x0 + s.x1) / 2.0)].extend(s.words.iter().copied());
        }
        let occupied: Vec<usize> = (0..columns).filter(|&c| !cells[c].is_empty()).collect();
        // Rows whose lines interleave (a value centred beside a label
        // written on two lines: "Assembly / China / Location") are one row,
        // when they do not compete for the same cells.
        if let Some((prev_rows, prev_cells, _)) = out.last_mut() {
            // Half a line below the last line, where a dense table's next
            // line is a whole line below even when their boxes overlap.
            let last = prev_rows
                .iter()
                .copied()
                .max_by(|&a, &b| (rows[a].y0 + rows[a].y1).total_cmp(&(rows[b].y0 + rows[b].y1)));
            let centre = |r: usize| (rows[r].y0 + rows[r].y1) / 2.0;
            let interleaved = last
                .is_some_and(|p| centre(v.row) - centre(p) < 0.7 * rows[p].h.max(rows[v.row].h));
            let disjoint = occupied.iter().all(|&c| prev_cells[c].is_empty());
            // The label's second line joins the cell of its first line once
            // the value between them has joined.
            let completes = occupied.len() == 1 && prev_rows.len() >= 2;
            if interleaved && (disjoint || completes) {
                for c in occupied {
                    prev_cells[c].extend(cells[c].iter().copied());
                }
                prev_rows.push(v.row);
                continue;
            }
        }
        // A line holding only the rest of the cell above it (a label that
        // wraps, a value that runs on) joins that cell.
        if let ([c], Some((prev_rows, prev_cells, continued))) =
            (occupied.as_slice(), out.last_mut())
        {
            let c = *c;
            let first = cell_text(words, &cells[c]);
            let near = prev_rows
                .last()
                .is_some_and(|&p| vgap(rows, p, v.row) <= tight);
            let lower = first
                .chars()
                .next()
                .is_some_and(|ch| ch.is_lowercase() || ch == '(');
            if near
                && !prev_cells[c].is_empty()
                && (lower || continues(&cell_text(words, &prev_cells[c])))
            {
                prev_cells[c].extend(cells[c].iter().copied());
                prev_rows.push(v.row);
                *continued += 1;
                continue;
            }
        }
        out.push((vec![v.row], cells, 0));
    }
    // A label centred beside a value of several lines: as many value lines
    // above the label's line as continue below it belong to its cell
    // ("321.4 g (bare) / Weight: 595 g (packed, / with accessories)").
    let label_col = out
        .iter()
        .filter_map(|(_, cells, _)| cells.iter().position(|c| !c.is_empty()))
        .min()
        .unwrap_or(0);
    let mut k = 1;
    while k < out.len() {
        let continued = out[k].2;
        let mut taken = 0;
        while taken < continued && k > 0 {
            let (above, this) = (&out[k - 1], &out[k]);
            let fragment = above.1[label_col].is_empty()
                && above.2 == 0
                && above
                    .1
                    .iter()
                    .enumerate()
                    .all(|(c, ids)| ids.is_empty() || !this.1[c].is_empty());
            let near = above
                .0
                .last()
                .zip(this.0.first())
                .is_some_and(|(&a, &b)| vgap(rows, a, b) <= tight);
            if !(fragment && near) {
                break;
            }
            let (phys, cells, _) = out.remove(k - 1);
            k -= 1;
            let (this_rows, this_cells, _) = &mut out[k];
            for (c, ids) in cells.into_iter().enumerate() {
                let mut ids = ids;
                ids.extend(this_cells[c].iter().copied());
                this_cells[c] = ids;
            }
            let mut p = phys;
            p.extend(this_rows.iter().copied());
            *this_rows = p;
            taken += 1;
        }
        k += 1;
    }
    let out: Vec<(Vec<usize>, Vec<Vec<usize>>)> = out.into_iter().map(|(r, c, _)| (r, c)).collect();
    let full_rows = out
        .iter()
        .filter(|(_, c)| c.iter().filter(|x| !x.is_empty()).count() >= 2)
        .count();
    if out.len() < 2 || full_rows < 2 {
        return None;
    }
    let has_digit = |ids: &[usize]| {
        ids.iter()
            .any(|&i| words[i].text.chars().any(|c| c.is_ascii_digit()))
    };
    let first = &out[0].1;
    let header_rows = usize::from(
        out.len() >= 3
            && first.iter().filter(|c| !c.is_empty()).count() >= 2
            && !first.iter().any(|c| has_digit(c))
            && out[1..]
                .iter()
                .any(|(_, cells)| cells.iter().any(|c| has_digit(c))),
    );
    let rect = region
        .iter()
        .flat_map(|v| v.segs.iter().flat_map(|s| s.words.iter()))
        .map(|&i| words[i].rect)
        .reduce(|a, b| a.union(&b))?;
    Some(TableBlock {
        columns,
        header_rows,
        rows: out,
        edges: gaps.iter().map(|g| g.1).collect(),
        rect,
    })
}

/// Superscript and subscript forms of the characters footnote markers and
/// chemical formulas use; other characters stay as they are.
fn shift(c: char, script: Script) -> char {
    const DIGITS_SUP: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    const DIGITS_SUB: [char; 10] = ['₀', '₁', '₂', '₃', '₄', '₅', '₆', '₇', '₈', '₉'];
    match (script, c) {
        (Script::Super, '0'..='9') => DIGITS_SUP[(c as u8 - b'0') as usize],
        (Script::Sub, '0'..='9') => DIGITS_SUB[(c as u8 - b'0') as usize],
        (Script::Super, '+') => '⁺',
        (Script::Super, '-') => '⁻',
        (Script::Super, '(') => '⁽',
        (Script::Super, ')') => '⁾',
        _ => c,
    }
}

struct Writer {
    text: String,
    chars: usize,
    words: Vec<Placed>,
    tables: Vec<PageTable>,
    /// Bottom of the last row written, to tell paragraph breaks.
    last_row: Option<usize>,
}

impl Writer {
    fn push(&mut self, s: &str) {
        self.text.push_str(s);
        self.chars += s.chars().count();
    }

    fn newline(&mut self, rows: &[Row], row: usize, h: f32) {
        if self.text.is_empty() {
            return;
        }
        let blank = match self.last_row {
            Some(p) => {
                let gap = rows[row].y0 - rows[p].y1;
                gap > PARAGRAPH_GAP * h || rows[row].y1 < rows[p].y0
            }
            None => false,
        };
        self.push(if blank { "\n\n" } else { "\n" });
    }

    /// Writes words separated by spaces (none before a raised or lowered
    /// word that touches its neighbour).
    fn words(&mut self, words: &[W], ids: &[usize], line_of: &dyn Fn(usize) -> u32) {
        let mut prev: Option<usize> = None;
        for &i in ids {
            let w = &words[i];
            if let Some(p) = prev {
                let pr = words[p].rect;
                let gap = w.rect.x0 - pr.x1;
                let small = pr.height().min(w.rect.height());
                let scripted = w.script != Script::Normal || words[p].script != Script::Normal;
                // Glyphs that touch were one word split by a font change;
                // Chinese and Japanese are written without spaces.
                let cjk = words[p].text.chars().last().is_some_and(is_cjk)
                    && w.text.chars().next().is_some_and(is_cjk);
                let attach = line_of(p) == line_of(i)
                    && (gap <= 0.05 * small
                        || (scripted && gap <= 0.35 * pr.height())
                        || (cjk && gap <= 0.6 * small));
                if !attach {
                    self.push(" ");
                }
            }
            let start = self.chars;
            let text: String = w.text.chars().map(|c| shift(c, w.script)).collect();
            self.push(&text);
            self.words.push(Placed {
                start,
                end: self.chars,
                line: line_of(i),
                rect: w.rect.rounded(),
            });
            prev = Some(i);
        }
    }
}

fn write(words: &[W], rows: &[Row], blocks: &[Block], h: f32) -> PageLayout {
    let mut line_of_word = vec![0u32; words.len()];
    for (r, row) in rows.iter().enumerate() {
        for &i in &row.words {
            line_of_word[i] = r as u32;
        }
    }
    let line_of = |i: usize| line_of_word[i];
    let mut w = Writer {
        text: String::new(),
        chars: 0,
        words: Vec::new(),
        tables: Vec::new(),
        last_row: None,
    };
    for block in blocks {
        match block {
            Block::Line(v) => {
                w.newline(rows, v.row, h);
                for (k, s) in v.segs.iter().enumerate() {
                    if k > 0 {
                        // A wide gap on a line of its own separates a label
                        // from its value; a narrower one is a justified
                        // line's wide space.
                        let gap = s.x0 - v.segs[k - 1].x1;
                        w.push(if gap > LINE_TAB_GAP * rows[v.row].h {
                            "\t"
                        } else {
                            " "
                        });
                    }
                    w.words(words, &s.words, &line_of);
                }
                w.last_row = Some(v.row);
            }
            Block::Table(t) => {
                let mut out_rows = Vec::with_capacity(t.rows.len());
                for (phys, cells) in &t.rows {
                    let first = phys.first().copied().unwrap_or(0);
                    w.newline(rows, first, h);
                    let start = w.chars;
                    let last_filled = cells.iter().rposition(|c| !c.is_empty()).unwrap_or(0);
                    let mut out_cells = Vec::new();
                    for (c, ids) in cells.iter().enumerate().take(last_filled + 1) {
                        if c > 0 {
                            w.push("\t");
                        }
                        if ids.is_empty() {
                            continue;
                        }
                        let mut ids = ids.clone();
                        ids.sort_by(|&a, &b| {
                            line_of(a)
                                .cmp(&line_of(b))
                                .then(words[a].rect.x0.total_cmp(&words[b].rect.x0))
                        });
                        let cs = w.chars;
                        w.words(words, &ids, &line_of);
                        out_cells.push(PageCell {
                            col: c,
                            start: cs,
                            end: w.chars,
                        });
                    }
                    out_rows.push(PageRow {
                        start,
                        end: w.chars,
                        cells: out_cells,
                    });
                    w.last_row = phys.last().copied();
                }
                w.tables.push(PageTable {
                    columns: t.columns,
                    header_rows: t.header_rows,
                    rows: out_rows,
                    column_edges: t.edges.clone(),
                    rect: t.rect.rounded(),
                });
            }
        }
    }
    debug_assert_eq!(w.chars, w.text.chars().count());
    PageLayout {
        text: w.text,
        words: w.words,
        tables: w.tables,
    }
}
