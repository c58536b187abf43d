//! The PDF text layer on PDFs written here with known text positions:
//! lines, tables, columns, rotation, footnote markers, tables across pages
//! and scanned pages, and the boxes a citation gets on the page.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use attest_engine::document::PageBox;
use attest_engine::parse::{ParseLimits, Parsed, parse};
use attest_engine::testpdf::{COURIER_ADVANCE, Page, Text, pdf, scan};
use attest_engine::text::CharIndex;

/// Courier's ascender and descender (AFM), in ems.
const ASCENT: f32 = 0.629;
const DESCENT: f32 = 0.157;

fn read(pages: &[Page]) -> Parsed {
    parse("generated.pdf", &pdf(pages), &ParseLimits::default()).expect("the generated PDF is read")
}

/// Code point range of the first occurrence of `needle`.
fn find(p: &Parsed, needle: &str) -> (usize, usize) {
    let b = p
        .text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in {:?}", p.text));
    let idx = CharIndex::new(&p.text);
    let r = idx.chars(b..b + needle.len());
    (r.start, r.end)
}

fn boxes(p: &Parsed, needle: &str) -> Vec<PageBox> {
    let (s, e) = find(p, needle);
    p.layout.as_ref().unwrap().boxes_for(s, e)
}

/// The box of `t` on page `page`, as the generator drew it.
fn expected(page: u32, t: &Text) -> PageBox {
    PageBox {
        page,
        x0: t.x,
        y0: t.y - ASCENT * t.size,
        x1: t.x1(),
        y1: t.y + DESCENT * t.size,
    }
}

fn assert_within_1pt(got: &PageBox, want: &PageBox) {
    assert_eq!(got.page, want.page, "{got:?} vs {want:?}");
    for (g, w) in [
        (got.x0, want.x0),
        (got.y0, want.y0),
        (got.x1, want.x1),
        (got.y1, want.y1),
    ] {
        assert!(
            (g - w).abs() <= 1.0,
            "{got:?} is not within 1 pt of {want:?}"
        );
    }
}

#[test]
fn a_plain_word_gets_the_box_it_was_drawn_in() {
    let t = Text::new(72.0, 100.0, 10.0, "Weight");
    let p = read(&[Page::letter().text(72.0, 100.0, 10.0, "Weight")]);
    assert_eq!(p.extractor, "pdftotext");
    let l = p.layout.as_ref().unwrap();
    assert_eq!((l.pages[0].width, l.pages[0].height), (612.0, 792.0));
    let b = boxes(&p, "Weight");
    assert_eq!(b.len(), 1);
    assert_within_1pt(&b[0], &expected(1, &t));
}

#[test]
fn a_table_cell_is_cited_where_it_is_and_shares_a_line_with_its_label() {
    let rows = [
        ("Case", "DO-35"),
        ("Weight", "105 mg"),
        ("Polarity", "Color band denotes cathode"),
    ];
    let mut page = Page::letter();
    let mut value = None;
    for (k, (label, v)) in rows.iter().enumerate() {
        let y = 200.0 + 14.0 * k as f32;
        page = page.text(72.0, y, 10.0, label).text(250.0, y, 10.0, v);
        if *label == "Weight" {
            value = Some(Text::new(250.0, y, 10.0, v));
        }
    }
    let p = read(&[page]);
    assert!(p.text.contains("Weight\t105 mg"), "{}", p.text);
    assert_eq!(p.tables.len(), 1);
    let t = &p.tables[0];
    assert_eq!((t.columns, t.rows.len()), (2, 3));
    let idx = CharIndex::new(&p.text);
    let cell = t.rows[1].cell(1).unwrap();
    assert_eq!(&p.text[idx.bytes(cell)], "105 mg");
    let b = boxes(&p, "105 mg");
    assert_eq!(b.len(), 1);
    assert_within_1pt(&b[0], &expected(1, &value.unwrap()));
}

#[test]
fn a_rotated_page_is_read_as_displayed() {
    // A landscape page: /Rotate 90, the text drawn to read left to right.
    let page = Page {
        width: 792.0,
        height: 612.0,
        rotate: 90,
        ..Page::default()
    }
    .text(100.0, 80.0, 12.0, "Product weight")
    .text(400.0, 80.0, 12.0, "2.5 kg");
    let p = read(&[page]);
    assert!(p.text.contains("Product weight\t2.5 kg"), "{}", p.text);
    let l = p.layout.as_ref().unwrap();
    assert_eq!((l.pages[0].width, l.pages[0].height), (792.0, 612.0));
    let b = boxes(&p, "2.5 kg");
    assert_within_1pt(&b[0], &expected(1, &Text::new(400.0, 80.0, 12.0, "2.5 kg")));
}

#[test]
fn a_two_column_page_of_prose_is_read_column_by_column() {
    let left = [
        "The relay is designed for switching signals",
        "in telecommunication equipment and offers",
        "a high dielectric strength between coil and",
        "contacts together with a long service life.",
    ];
    let right = [
        "Contacts are made of silver alloy with gold",
        "overlay for the reliable switching of loads.",
        "The case is sealed against flux and cleaning",
        "agents; terminals are tin plated for solder.",
    ];
    let mut page = Page::letter();
    for (k, (a, b)) in left.iter().zip(right.iter()).enumerate() {
        let y = 300.0 + 11.0 * k as f32;
        page = page.text(40.0, y, 8.0, a).text(320.0, y, 8.0, b);
    }
    let p = read(&[page]);
    assert!(p.tables.is_empty(), "{:?}", p.tables);
    let flat = p.text.replace('\n', " ");
    assert!(
        flat.contains("switching signals in telecommunication equipment and offers a high"),
        "{}",
        p.text
    );
    assert!(flat.find("long service life").unwrap() < flat.find("Contacts are made").unwrap());
    let b = boxes(&p, "silver alloy");
    let t = Text::new(
        320.0 + COURIER_ADVANCE * 8.0 * 21.0,
        300.0,
        8.0,
        "silver alloy",
    );
    assert_within_1pt(&b[0], &expected(1, &t));
}

#[test]
fn a_variant_table_has_a_header_and_one_row_per_part() {
    let page = Page::letter()
        .text(60.0, 280.0, 10.0, "ORDERING INFORMATION")
        .table(
            60.0,
            300.0,
            &[
                &["Part No.", "Package", "Weight (g)"],
                &["XB-100", "SOT-23", "0.008"],
                &["XB-200", "SOT-89", "0.052"],
                &["XB-300", "TO-92", "0.19"],
            ],
        );
    let p = read(&[page]);
    assert!(
        p.text
            .contains("ORDERING INFORMATION\n\nPart No.\tPackage\tWeight (g)\n"),
        "{}",
        p.text
    );
    assert!(p.text.contains("XB-200\tSOT-89\t0.052"), "{}", p.text);
    let t = &p.tables[0];
    assert_eq!((t.columns, t.header_rows, t.rows.len()), (3, 1, 4));
    let idx = CharIndex::new(&p.text);
    assert_eq!(t.header(&p.text, &idx, 2), ["Weight (g)"]);
}

#[test]
fn a_label_on_two_lines_and_a_footnote_marker_keep_label_and_value_together() {
    let mut marker = Text::new(72.0 + COURIER_ADVANCE * 10.0 * 6.0, 230.0, 6.0, "1");
    marker.rise = 4.0;
    let mut page = Page::letter()
        .text(72.0, 200.0, 10.0, "Material")
        .text(260.0, 200.0, 10.0, "PBT")
        .text(72.0, 214.0, 10.0, "Weight per")
        .text(260.0, 214.0, 10.0, "1.2 g")
        .text(72.0, 225.0, 10.0, "piece")
        .text(72.0, 240.0, 10.0, "Weight")
        .text(260.0, 240.0, 10.0, "0.5 g");
    marker.y = 240.0;
    page.texts.push(marker);
    let p = read(&[page]);
    assert!(p.text.contains("Weight per piece\t1.2 g"), "{}", p.text);
    assert!(p.text.contains("Weight¹\t0.5 g"), "{}", p.text);
    // The wrapped label is cited on both of its lines.
    assert_eq!(boxes(&p, "Weight per piece").len(), 2);
}

#[test]
fn a_table_continued_on_the_next_page_is_one_table_with_its_header() {
    let header = ["Part No.", "Weight (g)", "Finish"];
    let mut pages = Vec::new();
    let mut n = 0;
    for page_no in 0..2 {
        let mut page = Page::letter();
        let head_y = if page_no == 0 { 600.0 } else { 60.0 };
        for (c, s) in header.iter().enumerate() {
            page = page.text(60.0 + 170.0 * c as f32, head_y, 9.0, s);
        }
        let top = head_y + 13.0;
        for k in 0..6 {
            n += 1;
            let y = top + 13.0 * k as f32;
            page = page
                .text(60.0, y, 9.0, &format!("AB-{n:03}"))
                .text(230.0, y, 9.0, &format!("0.{n:03}"))
                .text(400.0, y, 9.0, "Matte tin");
        }
        pages.push(page.text(60.0, 760.0, 8.0, &format!("Page {}", page_no + 1)));
    }
    let p = read(&pages);
    assert_eq!(p.tables.len(), 1, "{:?}", p.tables);
    let t = &p.tables[0];
    assert_eq!(t.header_rows, 1);
    assert_eq!(t.rows.len(), 14);
    let second_page: Vec<_> = t.rows.iter().filter(|r| r.page == 2).collect();
    assert_eq!(second_page.len(), 7);
    assert!(second_page[0].repeated_header);
    assert_eq!(t.body().count(), 12);
    let idx = CharIndex::new(&p.text);
    let row = t
        .body()
        .find(|r| p.text[idx.bytes(r.span)].starts_with("AB-009"))
        .unwrap();
    assert_eq!(row.page, 2);
    let b = boxes(&p, "AB-009\t0.009\tMatte tin");
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].page, 2);
    assert!(
        (b[0].y1 - (73.0 + 13.0 * 2.0 + DESCENT * 9.0)).abs() <= 1.0,
        "{b:?}"
    );
}

#[test]
fn a_scanned_page_is_read_by_ocr_with_boxes() {
    let drawn = Page::letter()
        .text(72.0, 120.0, 16.0, "CERTIFICATE OF ORIGIN")
        .text(72.0, 170.0, 14.0, "Country of origin: Germany")
        .text(72.0, 200.0, 14.0, "Net weight: 2.5 kg");
    let bytes = scan(&drawn, 150).expect("pdftoppm (poppler-utils, installed by scripts/setup.sh)");
    // No text layer at all: pdftotext reads nothing from it.
    let p = parse("scan.pdf", &bytes, &ParseLimits::default())
        .expect("OCR (Tesseract, installed by scripts/setup.sh) reads the scan");
    assert_eq!(p.extractor, "pdftotext+ocr");
    let l = p.layout.as_ref().unwrap();
    assert_eq!(l.pages[0].source, "ocr");
    assert!(l.is_ocr(1));
    assert!(p.text.contains("Country of origin: Germany"), "{}", p.text);
    assert!(p.text.contains("2.5 kg"), "{}", p.text);
    let b = boxes(&p, "Germany");
    let want = expected(
        1,
        &Text::new(72.0 + COURIER_ADVANCE * 14.0 * 19.0, 170.0, 14.0, "Germany"),
    );
    // OCR boxes hug the ink, not the font's cell: a few points of slack.
    assert!(
        (b[0].x0 - want.x0).abs() < 4.0 && (b[0].x1 - want.x1).abs() < 4.0,
        "{b:?} vs {want:?}"
    );
    assert!(
        b[0].y0 > want.y0 - 4.0 && b[0].y1 < want.y1 + 4.0,
        "{b:?} vs {want:?}"
    );
}
