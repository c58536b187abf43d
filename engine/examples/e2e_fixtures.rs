//! Writes the generated documents the end-to-end browser check cites, and
//! where their cited words were drawn (`expected.json`, in page points,
//! origin top-left):
//! - `xb-series.pdf`: a datasheet whose ordering table gives each of three
//!   parts its own weight (a table row citation);
//! - `zx-900-certificate-scan.pdf`: a certificate of origin with no text
//!   layer (read by OCR).
//!
//! usage: cargo run -p attest-engine --example e2e_fixtures -- DIR

use attest_engine::testpdf::{
    COURIER_ADVANCE, Page, TABLE_COLUMN_PITCH, TABLE_ROW_PITCH, Text, pdf, scan,
};

/// The box of a line of Courier text as drawn.
fn drawn(t: &Text) -> serde_json::Value {
    serde_json::json!({
        "x0": t.x, "y0": t.y - 0.629 * t.size, "x1": t.x1(), "y1": t.y + 0.157 * t.size,
    })
}

fn main() -> anyhow::Result<()> {
    let dir = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or_else(|| anyhow::anyhow!("usage: e2e_fixtures DIR"))?,
    );
    std::fs::create_dir_all(&dir)?;

    let rows: [&[&str]; 4] = [
        &["Part No.", "Package", "Weight (g)"],
        &["XB-100", "SOT-23", "0.008"],
        &["XB-200", "SOT-89", "0.052"],
        &["XB-300", "TO-92", "0.19"],
    ];
    let page = Page::letter()
        .text(60.0, 80.0, 14.0, "XB series small signal transistors")
        .text(60.0, 280.0, 10.0, "ORDERING INFORMATION")
        .table(60.0, 300.0, &rows);
    // The XB-200 row, from its first cell to the end of its last.
    let y = 300.0 + 2.0 * TABLE_ROW_PITCH;
    let (a, b) = (
        drawn(&Text::new(60.0, y, 9.0, rows[2][0])),
        drawn(&Text::new(
            60.0 + 2.0 * TABLE_COLUMN_PITCH,
            y,
            9.0,
            rows[2][2],
        )),
    );
    let row_box = serde_json::json!({"x0": a["x0"], "y0": a["y0"], "x1": b["x1"], "y1": b["y1"]});
    std::fs::write(dir.join("xb-series.pdf"), pdf(&[page]))?;

    let line = Text::new(72.0, 190.0, 14.0, "Country of origin: Germany");
    let certificate = Page::letter()
        .text(72.0, 110.0, 18.0, "CERTIFICATE OF ORIGIN")
        .text(72.0, 160.0, 14.0, "Product: ZX-900 sensor")
        .text(line.x, line.y, line.size, &line.text)
        .text(72.0, 220.0, 14.0, "Net weight: 2.5 kg");
    std::fs::write(
        dir.join("zx-900-certificate-scan.pdf"),
        scan(&certificate, 150).map_err(anyhow::Error::msg)?,
    )?;
    let germany = Text::new(
        line.x + COURIER_ADVANCE * line.size * 19.0,
        line.y,
        line.size,
        "Germany",
    );

    let expected = serde_json::json!({
        "xb_200_row": {"page": 1, "page_width": 612.0, "page_height": 792.0, "box": row_box},
        "zx_900_origin": {"page": 1, "page_width": 612.0, "page_height": 792.0, "box": drawn(&germany)},
    });
    std::fs::write(
        dir.join("expected.json"),
        serde_json::to_vec_pretty(&expected)?,
    )?;
    println!("{}", dir.display());
    Ok(())
}
