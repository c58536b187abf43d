#![allow(clippy::unwrap_used)]

use super::*;

/// A word of `size`-point text whose left edge is at `x` and top at `y`;
/// characters are half a point size wide.
fn w(text: &str, x: f32, y: f32, size: f32) -> Word {
    let width = 0.5 * size * text.chars().count() as f32;
    Word {
        text: text.into(),
        rect: Rect::new(x, y, x + width, y + size),
    }
}

/// Words of a phrase starting at `x`, one space (0.25 size) apart.
fn phrase(text: &str, x: f32, y: f32, size: f32) -> Vec<Word> {
    let mut out = Vec::new();
    let mut x = x;
    for t in text.split(' ') {
        let word = w(t, x, y, size);
        x = word.rect.x1 + 0.25 * size;
        out.push(word);
    }
    out
}

fn page(words: Vec<Word>) -> PageWords {
    PageWords {
        width: 612.0,
        height: 792.0,
        words,
    }
}

fn slice(text: &str, start: usize, end: usize) -> String {
    text.chars().skip(start).take(end - start).collect()
}

fn assert_spans(l: &PageLayout) {
    for p in &l.words {
        let s = slice(&l.text, p.start, p.end);
        assert!(!s.is_empty());
        assert!(!s.contains('\n'), "{s:?}");
    }
    assert_eq!(crate::text::canonicalize(&l.text), l.text);
}

#[test]
fn a_label_and_its_value_share_a_line() {
    let mut words = Vec::new();
    for (k, (label, value)) in [
        ("Case", "JEDEC DO-35"),
        ("Weight", "approx. 105 mg"),
        ("Packaging code", "TR"),
        ("Polarity", "color band denotes cathode"),
    ]
    .iter()
    .enumerate()
    {
        let y = 100.0 + 14.0 * k as f32;
        words.extend(phrase(label, 50.0, y, 10.0));
        words.extend(phrase(value, 200.0, y, 10.0));
    }
    let l = lay_out(&page(words));
    assert_spans(&l);
    assert!(l.text.contains("Weight\tapprox. 105 mg"), "{}", l.text);
    assert_eq!(l.tables.len(), 1);
    let t = &l.tables[0];
    assert_eq!((t.columns, t.rows.len(), t.header_rows), (2, 4, 0));
    let row = &t.rows[1];
    assert_eq!(slice(&l.text, row.start, row.end), "Weight\tapprox. 105 mg");
    let value = row.cells.iter().find(|c| c.col == 1).unwrap();
    assert_eq!(slice(&l.text, value.start, value.end), "approx. 105 mg");
}

#[test]
fn a_variant_table_keeps_each_part_on_its_row_under_its_header() {
    let mut words = Vec::new();
    let rows = [
        ["Part No.", "Package", "Weight (g)"],
        ["XB-100", "SOT-23", "0.008"],
        ["XB-200", "SOT-89", "0.052"],
        ["XB-300", "TO-92", "0.19"],
    ];
    for (k, cells) in rows.iter().enumerate() {
        let y = 300.0 + 13.0 * k as f32;
        for (c, text) in cells.iter().enumerate() {
            words.extend(phrase(text, 60.0 + 150.0 * c as f32, y, 9.0));
        }
    }
    let l = lay_out(&page(words));
    assert_spans(&l);
    let t = &l.tables[0];
    assert_eq!((t.columns, t.header_rows, t.rows.len()), (3, 1, 4));
    assert!(l.text.contains("XB-200\tSOT-89\t0.052"), "{}", l.text);
    let header: Vec<String> = t.rows[0]
        .cells
        .iter()
        .map(|c| slice(&l.text, c.start, c.end))
        .collect();
    assert_eq!(header, ["Part No.", "Package", "Weight (g)"]);
}

#[test]
fn a_label_written_on_two_lines_stays_one_cell() {
    let mut words = Vec::new();
    words.extend(phrase("Material", 50.0, 100.0, 10.0));
    words.extend(phrase("PBT", 220.0, 100.0, 10.0));
    words.extend(phrase("Weight per", 50.0, 114.0, 10.0));
    words.extend(phrase("1.2 g", 220.0, 114.0, 10.0));
    words.extend(phrase("piece", 50.0, 125.0, 10.0));
    words.extend(phrase("Origin", 50.0, 140.0, 10.0));
    words.extend(phrase("Japan", 220.0, 140.0, 10.0));
    let l = lay_out(&page(words));
    assert_spans(&l);
    assert!(l.text.contains("Weight per piece\t1.2 g"), "{}", l.text);
    assert_eq!(l.tables[0].rows.len(), 3);
    // The wrapped label's words keep their own physical lines for boxes.
    let lines: Vec<u32> = l
        .words
        .iter()
        .filter(|p| ["per", "piece"].contains(&slice(&l.text, p.start, p.end).as_str()))
        .map(|p| p.line)
        .collect();
    assert_eq!(lines.len(), 2);
    assert_ne!(lines[0], lines[1]);
}

#[test]
fn a_footnote_marker_is_raised_and_attached_to_its_label() {
    let mut words = phrase("Weight", 50.0, 100.0, 10.0);
    // A 6-point "1" raised to the top of the line, touching the label.
    words.push(Word {
        text: "1".into(),
        rect: Rect::new(80.5, 99.0, 83.5, 105.0),
    });
    words.extend(phrase("0.5 g", 200.0, 100.0, 10.0));
    words.extend(phrase("Emissions 3 kg CO", 50.0, 130.0, 10.0));
    let x = words.last().unwrap().rect.x1 + 0.3;
    words.push(Word {
        text: "2".into(),
        rect: Rect::new(x, 134.0, x + 3.0, 140.0),
    });
    let l = lay_out(&page(words));
    assert_spans(&l);
    assert!(l.text.contains("Weight¹\t0.5 g"), "{}", l.text);
    assert!(l.text.contains("3 kg CO₂"), "{}", l.text);
}

#[test]
fn two_columns_of_prose_are_read_one_after_the_other() {
    let left = [
        "The relay is designed for signal switching in",
        "telecommunication equipment and offers a high",
        "dielectric strength between coil and contacts",
        "and a long electrical life at rated load values.",
    ];
    let right = [
        "Contacts are made of silver alloy with a gold",
        "overlay for reliable switching of small loads.",
        "The case is sealed to withstand cleaning and",
        "the terminals are tin plated for soldering.",
    ];
    let mut words = Vec::new();
    for (k, (a, b)) in left.iter().zip(right.iter()).enumerate() {
        let y = 200.0 + 12.0 * k as f32;
        words.extend(phrase(a, 40.0, y, 8.0));
        words.extend(phrase(b, 320.0, y, 8.0));
    }
    let l = lay_out(&page(words));
    assert_spans(&l);
    assert!(l.tables.is_empty());
    let joined = l.text.replace('\n', " ");
    assert!(
        joined.contains("in telecommunication equipment and offers a high dielectric"),
        "{}",
        l.text
    );
    let first_right = l.text.find("Contacts").unwrap();
    let last_left = l.text.find("rated load").unwrap();
    assert!(last_left < first_right, "{}", l.text);
}

#[test]
fn hostile_coordinates_and_empty_words_are_ignored() {
    let mut words = phrase("Weight 2 g", 50.0, 100.0, 10.0);
    words.push(Word {
        text: "nan".into(),
        rect: Rect {
            x0: f32::NAN,
            y0: 0.0,
            x1: 1.0,
            y1: 1.0,
        },
    });
    words.push(Word {
        text: " \u{0}\t".into(),
        rect: Rect::new(0.0, 0.0, 1.0, 1.0),
    });
    words.push(Word {
        text: "flat".into(),
        rect: Rect::new(300.0, 100.0, 320.0, 100.0),
    });
    let l = lay_out(&page(words));
    assert_spans(&l);
    assert!(l.text.starts_with("Weight 2 g"), "{}", l.text);
    assert!(!l.text.contains("nan"));
    assert_eq!(lay_out(&page(Vec::new())), PageLayout::default());
}

#[test]
fn a_dense_grid_of_words_is_one_table() {
    let mut words = Vec::new();
    for r in 0..400 {
        for c in 0..50 {
            words.push(w("x1", 10.0 + 11.0 * c as f32, 10.0 + 9.0 * r as f32, 7.0));
        }
    }
    let l = lay_out(&page(words));
    assert_spans(&l);
    assert_eq!(l.words.len(), 20_000);
    assert_eq!(l.text.lines().count(), 400);
}
