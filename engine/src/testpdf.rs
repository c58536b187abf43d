//! A minimal PDF writer for tests: text in Courier (every glyph 0.6 em
//! wide, so a word's box is known exactly) at given positions, pages of any
//! size and rotation, and grayscale images (for pages without a text layer).
//! Positions are given as a reader sees the page: `x` from the left edge,
//! `y` of the baseline from the top edge, in points.

use std::fmt::Write;

/// Courier's advance width, in ems.
pub const COURIER_ADVANCE: f32 = 0.6;

/// One piece of text on a page.
#[derive(Debug, Clone)]
pub struct Text {
    pub x: f32,
    /// Baseline, from the top of the page as displayed.
    pub y: f32,
    pub size: f32,
    pub text: String,
    /// Raise (positive) or lower the baseline, as a footnote marker is.
    pub rise: f32,
}

impl Text {
    pub fn new(x: f32, y: f32, size: f32, text: &str) -> Self {
        Self {
            x,
            y,
            size,
            text: text.into(),
            rise: 0.0,
        }
    }

    /// Where the text ends on the line.
    pub fn x1(&self) -> f32 {
        self.x + COURIER_ADVANCE * self.size * self.text.chars().count() as f32
    }
}

/// A page: its displayed size, its `/Rotate` (0 or 90), its texts and an
/// optional 8-bit grayscale image covering the whole page.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub width: f32,
    pub height: f32,
    pub rotate: u16,
    pub texts: Vec<Text>,
    pub image: Option<Gray>,
}

/// Raw 8-bit grayscale pixels, row by row.
#[derive(Debug, Clone)]
pub struct Gray {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

impl Page {
    /// A US Letter page, portrait.
    pub fn letter() -> Self {
        Self {
            width: 612.0,
            height: 792.0,
            ..Self::default()
        }
    }

    pub fn text(mut self, x: f32, y: f32, size: f32, s: &str) -> Self {
        self.texts.push(Text::new(x, y, size, s));
        self
    }

    /// A table in 9-point Courier: the first row's baseline at `y`, rows
    /// [`TABLE_ROW_PITCH`] points apart, cells [`TABLE_COLUMN_PITCH`] points
    /// apart from `x`.
    pub fn table(mut self, x: f32, y: f32, rows: &[&[&str]]) -> Self {
        for (k, cells) in rows.iter().enumerate() {
            for (c, s) in cells.iter().enumerate() {
                self = self.text(
                    x + TABLE_COLUMN_PITCH * c as f32,
                    y + TABLE_ROW_PITCH * k as f32,
                    9.0,
                    s,
                );
            }
        }
        self
    }
}

/// Spacing of [`Page::table`]'s rows and columns, in points.
pub const TABLE_ROW_PITCH: f32 = 13.0;
pub const TABLE_COLUMN_PITCH: f32 = 160.0;

fn escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '(' | ')' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_ascii() => out.push(c),
            // Courier's standard encoding has no other characters.
            _ => out.push('?'),
        }
    }
    out
}

/// Writes a PDF of the given pages.
pub fn pdf(pages: &[Page]) -> Vec<u8> {
    // Objects: 1 catalog, 2 page tree, 3 font, then per page: page, content,
    // and (if any) image.
    let mut objects: Vec<Vec<u8>> = Vec::new();
    objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    objects.push(Vec::new()); // page tree, filled in below
    objects.push(b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>".to_vec());
    let mut kids = Vec::new();
    for p in pages {
        let page_id = objects.len() + 1;
        let content_id = page_id + 1;
        let image_id = content_id + 1;
        kids.push(format!("{page_id} 0 R"));
        // The media box is in unrotated user space.
        let (mw, mh) = if p.rotate == 90 {
            (p.height, p.width)
        } else {
            (p.width, p.height)
        };
        let mut ops = String::new();
        if p.image.is_some() {
            let _ = writeln!(ops, "q {mw} 0 0 {mh} 0 0 cm /Im1 Do Q");
        }
        for t in &p.texts {
            let (a, b, c, d, e, f) = if p.rotate == 90 {
                // Displayed (x, y-from-top) on a page turned clockwise is
                // user space (y, x); the text runs up the unrotated page.
                (0.0, 1.0, -1.0, 0.0, t.y, t.x)
            } else {
                (1.0, 0.0, 0.0, 1.0, t.x, p.height - t.y)
            };
            let _ = writeln!(
                ops,
                "BT /F1 {} Tf {} Ts {a} {b} {c} {d} {e} {f} Tm ({}) Tj ET",
                t.size,
                t.rise,
                escape(&t.text)
            );
        }
        let resources = if p.image.is_some() {
            format!("<< /Font << /F1 3 0 R >> /XObject << /Im1 {image_id} 0 R >> >>")
        } else {
            "<< /Font << /F1 3 0 R >> >>".to_owned()
        };
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {mw} {mh}] /Rotate {} /Resources {resources} /Contents {content_id} 0 R >>",
                p.rotate
            )
            .into_bytes(),
        );
        let mut content = format!("<< /Length {} >>\nstream\n", ops.len()).into_bytes();
        content.extend_from_slice(ops.as_bytes());
        content.extend_from_slice(b"\nendstream");
        objects.push(content);
        if let Some(img) = &p.image {
            let mut o = format!(
                "<< /Type /XObject /Subtype /Image /Width {} /Height {} /ColorSpace /DeviceGray /BitsPerComponent 8 /Length {} >>\nstream\n",
                img.width,
                img.height,
                img.pixels.len()
            )
            .into_bytes();
            o.extend_from_slice(&img.pixels);
            o.extend_from_slice(b"\nendstream");
            objects.push(o);
        }
    }
    objects[1] = format!(
        "<< /Type /Pages /Kids [{}] /Count {} >>",
        kids.join(" "),
        pages.len()
    )
    .into_bytes();
    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(o);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for off in offsets {
        let _ = writeln!(table, "{off:010} 00000 n ");
    }
    out.extend_from_slice(table.as_bytes());
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A scan of `page`: the page rendered to gray pixels by poppler's
/// `pdftoppm` at `dpi`, then placed as the only content of a page of the
/// same size, with no text layer (what a scanner produces).
pub fn scan(page: &Page, dpi: u32) -> Result<Vec<u8>, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let src = dir.path().join("in.pdf");
    std::fs::write(&src, pdf(std::slice::from_ref(page))).map_err(|e| e.to_string())?;
    let out = dir.path().join("page");
    let status = std::process::Command::new("pdftoppm")
        .args(["-gray", "-r", &dpi.to_string(), "-singlefile"])
        .arg(&src)
        .arg(&out)
        .status()
        .map_err(|e| format!("pdftoppm: {e}"))?;
    if !status.success() {
        return Err(format!("pdftoppm: {status}"));
    }
    let pgm = std::fs::read(out.with_extension("pgm")).map_err(|e| e.to_string())?;
    // P5 <width> <height> 255 <pixels>
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while pgm.get(at).is_some_and(u8::is_ascii_whitespace) {
            at += 1;
        }
        let start = at;
        while pgm.get(at).is_some_and(|b| !b.is_ascii_whitespace()) {
            at += 1;
        }
        if start == at {
            return Err("truncated PGM header".into());
        }
        fields.push(String::from_utf8_lossy(&pgm[start..at]).to_string());
    }
    let width: u32 = fields[1].parse().map_err(|_| "bad PGM width")?;
    let height: u32 = fields[2].parse().map_err(|_| "bad PGM height")?;
    let pixels = pgm
        .get(at + 1..at + 1 + (width * height) as usize)
        .ok_or("truncated PGM pixels")?
        .to_vec();
    Ok(pdf(&[Page {
        width: page.width,
        height: page.height,
        rotate: page.rotate,
        texts: Vec::new(),
        image: Some(Gray {
            width,
            height,
            pixels,
        }),
    }]))
}
