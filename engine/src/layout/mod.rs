//! Positioned words → reading-order text, tables and the box of every word.
//!
//! Every PDF text source (poppler's word boxes, pdf-extract's glyphs, OCR)
//! produces the same input, [`PageWords`]: the words of one page with their
//! rectangles. [`lay_out`] rebuilds what a reader sees:
//!
//! 1. **rows**: words whose vertical extents overlap form one physical row;
//!    small raised or lowered words (footnote markers, `CO₂`) join the row
//!    as superscripts or subscripts;
//! 2. **segments**: within a row, words closer than about one character
//!    height form a phrase; a wider gap separates phrases;
//! 3. **regions**: consecutive rows whose phrases leave a common vertical
//!    gutter form a region. A gutter with running prose on both sides splits
//!    the region into columns, read one after the other (and laid out
//!    again, recursively); any other gutter makes the region a **table**,
//!    whose rows are written on one line each with cells separated by a
//!    tab, so a label and its value share a line;
//! 4. **text**: the page text is written directly in canonical form (see
//!    [`crate::text::canonicalize`]), recording the code point range and
//!    the rectangle of every word, and the row, column and header of every
//!    table cell.
//!
//! Coordinates are PDF points with the origin at the top-left corner of the
//! page as displayed (after its rotation), y growing downwards: the
//! convention of a rendered page image, so a box scales onto a PNG of the
//! page by `width_px / page_width`.

mod build;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use build::lay_out;

/// An axis-aligned rectangle in page points (origin top-left, y down).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rect {
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
}

impl Rect {
    pub fn new(x0: f32, y0: f32, x1: f32, y1: f32) -> Self {
        Self {
            x0: x0.min(x1),
            y0: y0.min(y1),
            x1: x0.max(x1),
            y1: y0.max(y1),
        }
    }

    pub fn width(&self) -> f32 {
        self.x1 - self.x0
    }

    pub fn height(&self) -> f32 {
        self.y1 - self.y0
    }

    pub fn union(&self, o: &Rect) -> Rect {
        Rect {
            x0: self.x0.min(o.x0),
            y0: self.y0.min(o.y0),
            x1: self.x1.max(o.x1),
            y1: self.y1.max(o.y1),
        }
    }

    pub fn is_finite(&self) -> bool {
        self.x0.is_finite() && self.y0.is_finite() && self.x1.is_finite() && self.y1.is_finite()
    }

    /// Rounded to 0.01 pt, the precision stored and reported.
    pub fn rounded(&self) -> Rect {
        let r = |v: f32| (v * 100.0).round() / 100.0;
        Rect {
            x0: r(self.x0),
            y0: r(self.y0),
            x1: r(self.x1),
            y1: r(self.y1),
        }
    }
}

/// One word as a text source reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    pub text: String,
    pub rect: Rect,
}

/// The words of one page, in any order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageWords {
    /// Page size in points, as displayed.
    pub width: f32,
    pub height: f32,
    pub words: Vec<Word>,
}

/// A word placed in the page text: `start..end` are code point offsets into
/// [`PageLayout::text`]; `line` numbers the physical rows of the page, so a
/// citation can draw one box per line it covers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placed {
    pub start: usize,
    pub end: usize,
    pub line: u32,
    pub rect: Rect,
}

/// A table cell: its column and its code point range in the page text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageCell {
    pub col: usize,
    pub start: usize,
    pub end: usize,
}

/// A table row: one line of the page text.
#[derive(Debug, Clone, PartialEq)]
pub struct PageRow {
    pub start: usize,
    pub end: usize,
    pub cells: Vec<PageCell>,
}

/// A table detected on a page.
#[derive(Debug, Clone, PartialEq)]
pub struct PageTable {
    pub columns: usize,
    /// The first `header_rows` rows name the columns.
    pub header_rows: usize,
    pub rows: Vec<PageRow>,
    /// Left edges of the columns 1.. (the gutters' right sides), and the
    /// table's extent: used to tell a table continued on the next page.
    pub column_edges: Vec<f32>,
    pub rect: Rect,
}

/// One page laid out.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageLayout {
    /// Canonical text of the page (already in [`crate::text::canonicalize`]d form).
    pub text: String,
    pub words: Vec<Placed>,
    pub tables: Vec<PageTable>,
}

/// Maps a character the way canonicalisation does, so a word's text can be
/// written into the canonical text unchanged. `None` drops it.
pub(crate) fn clean_char(c: char) -> Option<char> {
    match c {
        '\u{a0}' | '\u{2007}' | '\u{202f}' | '\u{feff}' | '\u{200b}' => Some(' '),
        '\t' | '\n' | '\r' => Some(' '),
        c if c.is_control() => None,
        // Private-use glyph codes and replacement characters carry no text.
        c => Some(c),
    }
}
