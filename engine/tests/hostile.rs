//! A generated corpus of hostile and broken files: every one ends, within a
//! time bound, with text or with a clear error code, and the process's peak
//! memory stays under a stated bound (the test runs in its own process).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use attest_engine::parse::{ParseLimits, Parsed, parse};

/// `Ok(())`: text; `Err(code)`; `None`: either, as long as it is clear.
type Expect = Option<Result<(), &'static str>>;

/// Peak resident memory allowed for the whole corpus.
const MEMORY_BOUND_MB: u64 = 1024;
/// Wall-clock bound for any one file.
const TIME_BOUND: Duration = Duration::from_secs(120);

/// A PDF from object bodies (object 1 is the catalog), with a correct
/// cross-reference table.
fn pdf(objects: &[Vec<u8>], trailer_extra: &[u8]) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        writeln!(out, "{} 0 obj", i + 1).unwrap();
        out.extend_from_slice(o);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    write!(out, "xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).unwrap();
    for o in offsets {
        writeln!(out, "{o:010} 00000 n ").unwrap();
    }
    write!(out, "trailer\n<< /Size {} /Root 1 0 R ", objects.len() + 1).unwrap();
    out.extend_from_slice(trailer_extra);
    write!(out, ">>\nstartxref\n{xref}\n%%EOF\n").unwrap();
    out
}

/// Objects of an `n`-page PDF with one line of text per page.
fn pages(n: usize) -> Vec<Vec<u8>> {
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", 4 + 2 * i)).collect();
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")).into_bytes(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
    ];
    for i in 0..n {
        let content = format!(
            "BT /F1 12 Tf 72 720 Td (Page {}. Weight: 3.2 g) Tj ET",
            i + 1
        );
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] \
                 /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
                5 + 2 * i
            )
            .into_bytes(),
        );
        objects.push(
            format!(
                "<< /Length {} >>\nstream\n{content}\nendstream",
                content.len()
            )
            .into_bytes(),
        );
    }
    objects
}

fn xlsx_bomb() -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let parts: [(&str, &str); 4] = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
    ];
    for (name, body) in parts {
        z.start_file(name, opts).unwrap();
        z.write_all(body.as_bytes()).unwrap();
    }
    // 20 million cells, 760 MB of XML, about 2 MB zipped.
    z.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
    z.write_all(br#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#)
        .unwrap();
    let row = format!(
        "<row>{}</row>",
        r#"<c t="inlineStr"><is><t>x</t></is></c>"#.repeat(1000)
    );
    for _ in 0..20_000 {
        z.write_all(row.as_bytes()).unwrap();
    }
    z.write_all(b"</sheetData></worksheet>").unwrap();
    z.finish().unwrap().into_inner()
}

/// Pseudo-random bytes (no dependency, reproducible).
fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn peak_rss_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}

/// Parses in a thread and gives up waiting after the time bound.
fn parse_bounded(name: &str, bytes: Vec<u8>) -> (Result<Parsed, String>, Duration) {
    let (tx, rx) = mpsc::channel();
    let owned = name.to_owned();
    let started = Instant::now();
    std::thread::spawn(move || {
        let r = parse(&owned, &bytes, &ParseLimits::default());
        let _ = tx.send(r.map_err(|e| e.code().to_owned()));
    });
    let r = rx
        .recv_timeout(TIME_BOUND)
        .unwrap_or_else(|_| panic!("{name}: no answer within {TIME_BOUND:?}"));
    (r, started.elapsed())
}

#[test]
fn hostile_files_end_with_text_or_a_clear_code_in_bounded_time_and_memory() {
    let ten_page = pdf(&pages(10), b"");
    let encrypted = pdf(
        &pages(2),
        format!(
            "/Encrypt << /Filter /Standard /V 1 /R 2 /O <{}> /U <{}> /P -44 >> /ID [<{}> <{}>]",
            "11".repeat(32),
            "22".repeat(32),
            "33".repeat(16),
            "33".repeat(16)
        )
        .as_bytes(),
    );
    let mut nested = pages(1);
    nested[2] = format!(
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Deep {}{} >>",
        "[".repeat(200_000),
        "]".repeat(200_000)
    )
    .into_bytes();
    let laughs = {
        let mut d = String::from(r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">"#);
        for i in 1..10 {
            d.push_str(&format!(
                "<!ENTITY lol{i} \"{}\">",
                format!("&lol{};", i - 1).repeat(10)
            ));
        }
        d + "]><MainDeclaration>&lol9;</MainDeclaration>"
    };
    let xxe = r#"<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><MainDeclaration><Product>&xxe;</Product></MainDeclaration>"#;
    let deep_xml = format!(
        "<?xml version=\"1.0\"?><MainDeclaration>{}{}</MainDeclaration>",
        "<a>".repeat(100_000),
        "</a>".repeat(100_000)
    );
    let latin1 =
        b"Gewicht: 3,2 g\nUrsprungsland: \xd6sterreich\nKontakt: Messing \x96 verzinnt\n".to_vec();
    let utf16: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain(
            "Weight: 3.2 g\r\nCountry of origin: Japan\r\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    let mut invalid_utf8 = b"Weight: 3.2 g\n".to_vec();
    invalid_utf8.extend(noise(5000, 7).into_iter().map(|b| b | 0x80));
    let huge = "Weight: 3.2 g. Country of origin: Japan.\n"
        .repeat(100 * 1024 * 1024 / 41 + 1)
        .into_bytes();

    // (name, bytes, Ok(()) for text or Err(code); None: either, but clear).
    let cases: Vec<(&str, Vec<u8>, Expect)> = vec![
        ("zero.pdf", Vec::new(), Some(Err("empty_file"))),
        ("noise.pdf", noise(100_000, 1), Some(Err("format_mismatch"))),
        (
            "noise.txt",
            noise(100_000, 2),
            Some(Err("unsupported_format")),
        ),
        (
            "nul.txt",
            b"Weight\0: 3.2 g\0".repeat(1000),
            Some(Err("unsupported_format")),
        ),
        (
            "invalid-utf8.txt",
            invalid_utf8,
            Some(Err("unsupported_format")),
        ),
        ("latin1.txt", latin1, Some(Ok(()))),
        ("utf16.txt", utf16, Some(Ok(()))),
        (
            "truncated.pdf",
            ten_page[..ten_page.len() / 2].to_vec(),
            None,
        ),
        ("encrypted.pdf", encrypted, Some(Err("encrypted_document"))),
        ("nested.pdf", pdf(&nested, b""), None),
        (
            "ten-thousand-pages.pdf",
            pdf(&pages(10_000), b""),
            Some(Ok(())),
        ),
        (
            "laughs.xml",
            laughs.into_bytes(),
            Some(Err("malformed_document")),
        ),
        (
            "xxe.xml",
            xxe.as_bytes().to_vec(),
            Some(Err("malformed_document")),
        ),
        ("deep.xml", deep_xml.into_bytes(), None),
        ("bomb.xlsx", xlsx_bomb(), Some(Err("file_too_large"))),
        ("huge.txt", huge, Some(Err("file_too_large"))),
    ];
    let known_codes = [
        "empty_file",
        "file_too_large",
        "format_mismatch",
        "unsupported_format",
        "malformed_document",
        "encrypted_document",
        "needs_ocr",
        "no_text",
    ];
    for (name, bytes, want) in cases {
        let (got, took) = parse_bounded(name, bytes);
        eprintln!(
            "{name}: {} in {took:?}",
            match &got {
                Ok(p) => format!("{} chars, {} pages", p.text.len(), p.pages.len()),
                Err(c) => c.clone(),
            }
        );
        match (&got, want) {
            (Ok(_), Some(Ok(()))) | (Ok(_), None) => {}
            (Err(code), Some(Err(w))) => assert_eq!(code, w, "{name}"),
            (Err(code), None) => assert!(known_codes.contains(&code.as_str()), "{name}: {code}"),
            (other, want) => panic!(
                "{name}: got {:?}, want {want:?}",
                other.as_ref().map(|_| "text")
            ),
        }
        if let Ok(p) = &got {
            assert!(
                !p.text.contains("root:"),
                "{name}: an external entity was read"
            );
        }
        match name {
            "latin1.txt" => {
                let p = got.unwrap();
                assert!(p.text.contains("Ursprungsland: Österreich"), "{}", p.text);
                assert!(p.text.contains("Messing – verzinnt"), "{}", p.text);
            }
            "utf16.txt" => assert!(got.unwrap().text.contains("Country of origin: Japan")),
            "ten-thousand-pages.pdf" => {
                let p = got.unwrap();
                assert_eq!(p.pages.len(), 10_000);
                assert!(p.text.contains("Page 10000. Weight: 3.2 g"));
            }
            "bomb.xlsx" => assert!(took < Duration::from_secs(30), "{took:?}"),
            _ => {}
        }
    }
    if let Some(mb) = peak_rss_mb() {
        eprintln!("peak resident memory: {mb} MB");
        assert!(mb < MEMORY_BOUND_MB, "peak resident memory {mb} MB");
    }
}
