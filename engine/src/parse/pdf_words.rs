//! Word boxes from PDF text layers, the input of [`crate::layout`].
//!
//! - poppler's `pdftotext -bbox`: every word with its box, in the page's
//!   displayed orientation (a child process, killed at the deadline);
//! - pdf-extract's glyph stream ([`pdf_extract::OutputDev`]): every glyph's
//!   position and advance, grouped into words here (in-process, contained
//!   like the plain-text run).

use pdf_extract::{MediaBox, OutputDev, OutputError, Transform};

use super::html::decode_entities;
use crate::layout::{PageWords, Rect, Word};

/// Parses the XHTML that `pdftotext -bbox` writes: one `<page>` element per
/// page with `<word xMin yMin xMax yMax>` children. Tolerant of anything
/// else in the stream; an unparseable attribute drops the word, not the
/// page.
pub(crate) fn parse_bbox_xhtml(xhtml: &str) -> Vec<PageWords> {
    let mut pages = Vec::new();
    let mut rest = xhtml;
    while let Some(lt) = rest.find('<') {
        rest = &rest[lt..];
        if let Some(tag) = rest.strip_prefix("<page ") {
            let end = tag.find('>').unwrap_or(tag.len());
            let attrs = &tag[..end];
            pages.push(PageWords {
                width: attr(attrs, "width").unwrap_or(0.0),
                height: attr(attrs, "height").unwrap_or(0.0),
                words: Vec::new(),
            });
            rest = &tag[end..];
        } else if let Some(tag) = rest.strip_prefix("<word ") {
            let Some(end) = tag.find('>') else { break };
            let attrs = &tag[..end];
            let body = &tag[end + 1..];
            let close = body.find("</word>").unwrap_or(body.len());
            let text = decode_entities(&body[..close]);
            if let (Some(x0), Some(y0), Some(x1), Some(y1), Some(page)) = (
                attr(attrs, "xMin"),
                attr(attrs, "yMin"),
                attr(attrs, "xMax"),
                attr(attrs, "yMax"),
                pages.last_mut(),
            ) {
                page.words.push(Word {
                    text,
                    rect: Rect::new(x0, y0, x1, y1),
                });
            }
            rest = &body[close..];
        } else {
            rest = &rest[1..];
        }
    }
    pages
}

/// `Page    3 rot:  90` lines of `pdfinfo -f 1 -l N`: (page, degrees).
pub(crate) fn rotations(pdfinfo: &str) -> Vec<(u32, u32)> {
    pdfinfo
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("Page")?;
            let (n, tail) = rest.trim_start().split_once(char::is_whitespace)?;
            let deg = tail.trim_start().strip_prefix("rot:")?.trim();
            Some((
                n.parse().ok()?,
                deg.parse::<i64>().ok()?.rem_euclid(360) as u32,
            ))
        })
        .collect()
}

fn attr(attrs: &str, name: &str) -> Option<f32> {
    let key = format!("{name}=\"");
    let at = attrs.find(&key)? + key.len();
    let value = &attrs[at..];
    let end = value.find('"')?;
    value[..end].parse::<f32>().ok().filter(|v| v.is_finite())
}

/// Collects glyphs from pdf-extract into words with boxes.
#[derive(Default)]
pub(crate) struct GlyphWords {
    pub pages: Vec<PageWords>,
    page: Option<PageWords>,
    media: Option<MediaBox>,
    /// The word being built: text, box, baseline and size.
    word: Option<(String, Rect, f32, f32)>,
    /// Glyphs seen on the current page (bounded: see [`MAX_GLYPHS`]).
    glyphs: usize,
}

/// Glyphs read from one page at most; past this the page is cut short.
const MAX_GLYPHS: usize = 400_000;

impl GlyphWords {
    fn flush(&mut self) {
        if let (Some((text, rect, _, _)), Some(page)) = (self.word.take(), self.page.as_mut()) {
            page.words.push(Word { text, rect });
        }
    }
}

impl OutputDev for GlyphWords {
    fn begin_page(
        &mut self,
        _page_num: u32,
        media_box: &MediaBox,
        _art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), OutputError> {
        self.flush();
        if let Some(p) = self.page.take() {
            self.pages.push(p);
        }
        self.media = Some(*media_box);
        self.glyphs = 0;
        self.page = Some(PageWords {
            width: (media_box.urx - media_box.llx).abs() as f32,
            height: (media_box.ury - media_box.lly).abs() as f32,
            words: Vec::new(),
        });
        Ok(())
    }

    fn end_page(&mut self) -> Result<(), OutputError> {
        self.flush();
        if let Some(p) = self.page.take() {
            self.pages.push(p);
        }
        Ok(())
    }

    fn output_character(
        &mut self,
        trm: &Transform,
        width: f64,
        _spacing: f64,
        font_size: f64,
        ch: &str,
    ) -> Result<(), OutputError> {
        let Some(media) = self.media else {
            return Ok(());
        };
        self.glyphs += 1;
        if self.glyphs > MAX_GLYPHS {
            return Ok(());
        }
        if ch.chars().all(char::is_whitespace) {
            self.flush();
            return Ok(());
        }
        // The glyph's cell in text space — advance `width × size` wide,
        // from 0.2 size below the baseline to 0.8 above — mapped through
        // the text rendering matrix, then flipped to a top-left origin.
        let fs = font_size;
        let adv = width * fs;
        let corners = [
            (0.0, -0.2 * fs),
            (adv, -0.2 * fs),
            (0.0, 0.8 * fs),
            (adv, 0.8 * fs),
        ];
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for (tx, ty) in corners {
            let ux = tx * trm.m11 + ty * trm.m21 + trm.m31;
            let uy = tx * trm.m12 + ty * trm.m22 + trm.m32;
            let (px, py) = (ux - media.llx, media.ury - uy);
            x0 = x0.min(px);
            y0 = y0.min(py);
            x1 = x1.max(px);
            y1 = y1.max(py);
        }
        let rect = Rect::new(x0 as f32, y0 as f32, x1 as f32, y1 as f32);
        if !rect.is_finite() {
            return Ok(());
        }
        let size = (fs * (trm.m11 * trm.m22 - trm.m12 * trm.m21).abs().sqrt()) as f32;
        let baseline = (media.ury - trm.m32) as f32;
        let continues = self.word.as_ref().is_some_and(|(_, r, b, s)| {
            let tol = s.max(size);
            (baseline - b).abs() <= 0.3 * tol
                && rect.x0 >= r.x1 - 0.3 * tol
                && rect.x0 - r.x1 <= 0.2 * tol
        });
        if !continues {
            self.flush();
        }
        match self.word.as_mut() {
            Some((text, r, _, _)) => {
                text.push_str(ch);
                *r = r.union(&rect);
            }
            None => self.word = Some((ch.to_owned(), rect, baseline, size)),
        }
        Ok(())
    }

    fn begin_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_line(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
}

/// Reads glyph words with pdf-extract (decrypting with the empty password,
/// as viewers do). Panics inside pdf-extract are the caller's to contain.
pub(crate) fn glyph_words(bytes: &[u8]) -> Result<Vec<PageWords>, String> {
    let mut doc = pdf_extract::Document::load_mem(bytes).map_err(|e| e.to_string())?;
    if doc.is_encrypted() {
        doc.decrypt("").map_err(|e| e.to_string())?;
    }
    let mut out = GlyphWords::default();
    pdf_extract::output_doc(&doc, &mut out).map_err(|e| e.to_string())?;
    out.flush();
    if let Some(p) = out.page.take() {
        out.pages.push(p);
    }
    Ok(out.pages)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn bbox_xhtml_is_read_with_entities_and_bad_attributes() {
        let x = r#"<!DOCTYPE html><html><body><doc>
<page width="612.000000" height="792.000000">
<word xMin="10.5" yMin="20" xMax="30" yMax="29">R&amp;D</word>
<word xMin="40" yMin="20" xMax="50" yMax="29">&#x2264;&lt;5&#181;</word>
<word xMin="nan" yMin="20" xMax="50" yMax="29">bad</word>
</page>
<page width="300" height="400">
</page>
</doc></body></html>"#;
        let pages = parse_bbox_xhtml(x);
        assert_eq!(pages.len(), 2);
        assert_eq!(pages[0].width, 612.0);
        let texts: Vec<&str> = pages[0].words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, ["R&D", "≤<5µ"]);
        assert_eq!(pages[0].words[0].rect, Rect::new(10.5, 20.0, 30.0, 29.0));
        assert!(pages[1].words.is_empty());
        assert!(parse_bbox_xhtml("<word xMin=").is_empty());
        assert_eq!(
            decode_entities("a & b &bogus; &#99999999;"),
            "a & b &bogus; &#99999999;"
        );
        let info = "Page    1 size: 612 x 792 pts (letter)\nPage    1 rot:  0\nPage    2 rot:  270\nPages: 2";
        assert_eq!(rotations(info), [(1, 0), (2, 270)]);
    }
}
