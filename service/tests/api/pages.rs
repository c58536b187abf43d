//! Citations on the page: boxes, page images, evidence packs, scanned
//! pages and per-variant tables, through the HTTP API.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;

use attest_engine::testpdf::{Page, pdf, scan};
use serde_json::Value;

use crate::helpers::{
    TestApp, assert_citations_verified, assert_close, countries, mass_grams, spawn_app,
};

/// Width and height from a PNG's header.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    (
        u32::from_be_bytes(png[16..20].try_into().unwrap()),
        u32::from_be_bytes(png[20..24].try_into().unwrap()),
    )
}

async fn get_bytes(app: &TestApp, path: &str) -> (u16, String, Vec<u8>) {
    let r = reqwest::get(app.url(path)).await.unwrap();
    let status = r.status().as_u16();
    let ctype = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, ctype, r.bytes().await.unwrap().to_vec())
}

async fn upload_generated(app: &TestApp, name: &str, bytes: Vec<u8>) -> Value {
    let (status, body) = app.upload_bytes(name, bytes).await;
    assert_eq!(status, 202, "{body}");
    let meta = app.wait(body["id"].as_str().unwrap()).await;
    assert_eq!(meta["status"], "ready", "{meta}");
    meta
}

#[tokio::test]
async fn a_datasheet_value_is_boxed_on_its_page_and_the_page_renders() {
    let app = spawn_app().await;
    let meta = app.ingest("datasheets/Vishay_1N4148.pdf").await;
    let id = meta["id"].as_str().unwrap();
    let answer = app.extract(Some("1N4148"), &[id]).await;
    assert_close(mass_grams(&answer), 0.105, "1N4148");
    assert_citations_verified(&app, &answer).await;
    let cite = &answer["fields"]["mass"]["citations"][0];
    let boxes = cite["boxes"].as_array().expect("a PDF citation has boxes");
    assert!(!boxes.is_empty());
    let (_, text) = app.get(&format!("/v1/documents/{id}/text")).await;
    let page = &text["geometry"][0];
    assert_eq!(
        (page["width"].as_f64(), page["height"].as_f64()),
        (Some(612.0), Some(792.0))
    );
    for b in boxes {
        assert_eq!(b["page"], cite["page"]);
        let (x0, y0, x1, y1) = (
            b["x0"].as_f64().unwrap(),
            b["y0"].as_f64().unwrap(),
            b["x1"].as_f64().unwrap(),
            b["y1"].as_f64().unwrap(),
        );
        assert!(
            0.0 <= x0 && x0 < x1 && x1 <= 612.0 && 0.0 <= y0 && y0 < y1 && y1 <= 792.0,
            "{b}"
        );
    }

    let (status, ctype, png) =
        get_bytes(&app, &format!("/v1/documents/{id}/pages/1?width=600")).await;
    assert_eq!((status, ctype.as_str()), (200, "image/png"));
    assert_eq!(png_size(&png), (600, 777));
    // Cached per document version: the same bytes, from disk.
    let cached = app
        .data_dir
        .path()
        .join("pages")
        .join(id)
        .join("p1-w600.png");
    assert_eq!(std::fs::read(&cached).unwrap(), png);
    assert_eq!(
        get_bytes(&app, &format!("/v1/documents/{id}/pages/1?width=600"))
            .await
            .2,
        png
    );

    let (status, body) = app.get(&format!("/v1/documents/{id}/pages/99")).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    let (status, body) = app
        .get(&format!("/v1/documents/{id}/pages/1?width=5"))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("bad_request"))
    );
    let (status, _) = app.get(&format!("/v1/documents/{id}/pages/x")).await;
    assert_eq!(status, 404);
    let (status, _) = app.get("/v1/documents/nope/pages/1").await;
    assert_eq!(status, 404);
    // Deleting the document removes its cached images.
    let r = reqwest::Client::new()
        .delete(app.url(&format!("/v1/documents/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(!cached.exists());
}

#[tokio::test]
async fn a_text_document_has_no_page_images() {
    let app = spawn_app().await;
    let meta = app
        .ingest("reports/logitech_post-consumer-recycled-plastic.txt")
        .await;
    let id = meta["id"].as_str().unwrap();
    let (status, body) = app.get(&format!("/v1/documents/{id}/pages/1")).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found")),
        "{body}"
    );
}

#[tokio::test]
async fn an_evidence_pack_holds_the_answer_quotes_hashes_and_page_crops() {
    let app = spawn_app().await;
    let meta = app.ingest("datasheets/Omron_G5V-1_relay.pdf").await;
    let sha = meta["sha256"].as_str().unwrap();
    let (status, ctype, zip) =
        get_bytes(&app, "/v1/extract/evidence?subject=G5V-1&mode=rules").await;
    assert_eq!((status, ctype.as_str()), (200, "application/zip"));
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let mut manifest = String::new();
    archive
        .by_name("evidence.json")
        .unwrap()
        .read_to_string(&mut manifest)
        .unwrap();
    let manifest: Value = serde_json::from_str(&manifest).unwrap();
    let mass = manifest["values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["field"] == "mass")
        .expect("the mass is in the pack");
    assert_eq!(mass["value"]["grams"], 2.0);
    let cite = &mass["citations"][0];
    assert_eq!(cite["sha256"], sha);
    assert!(cite["quote"].as_str().unwrap().contains('2'));
    let image = cite["images"][0].as_str().expect("a crop of the page");
    let mut png = Vec::new();
    archive
        .by_name(image)
        .unwrap()
        .read_to_end(&mut png)
        .unwrap();
    let (w, h) = png_size(&png);
    assert!(w > 40 && h > 40 && w < 1300, "{w}x{h}");
    let mut extract = String::new();
    archive
        .by_name("extract.json")
        .unwrap()
        .read_to_string(&mut extract)
        .unwrap();
    let extract: Value = serde_json::from_str(&extract).unwrap();
    assert_eq!(extract["fields"]["mass"]["grams"], 2.0);
    let (status, body) = app
        .get("/v1/extract/evidence?subject=G5V-1&mode=nope")
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("bad_request"))
    );
}

#[tokio::test]
async fn a_scanned_certificate_is_read_by_ocr_and_cited() {
    let app = spawn_app().await;
    let scanned = scan(
        &Page::letter()
            .text(72.0, 110.0, 18.0, "CERTIFICATE OF ORIGIN")
            .text(72.0, 160.0, 14.0, "Product: ZX-900 sensor")
            .text(72.0, 190.0, 14.0, "Country of origin: Germany")
            .text(72.0, 220.0, 14.0, "Net weight: 2.5 kg"),
        150,
    )
    .unwrap();
    let meta = upload_generated(&app, "certificate-scan.pdf", scanned).await;
    assert_eq!(meta["extractor"], "pdftotext+ocr");
    let id = meta["id"].as_str().unwrap();
    let answer = app.extract(None, &[id]).await;
    assert_citations_verified(&app, &answer).await;
    assert_eq!(countries(&answer), ["DE"], "{answer}");
    assert_close(mass_grams(&answer), 2500.0, "scanned certificate");
    let origin = &answer["fields"]["origin"][0];
    assert_eq!(origin["citations"][0]["ocr"], true);
    assert!(
        !origin["citations"][0]["boxes"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // Read by OCR, so less certain than the same words in a text layer.
    assert!(origin["confidence"].as_f64().unwrap() < 0.9, "{origin}");
}

#[tokio::test]
async fn each_variant_of_a_table_gets_its_own_mass() {
    let app = spawn_app().await;
    let page = Page::letter()
        .text(60.0, 80.0, 14.0, "XB series small signal transistors")
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
    let meta = upload_generated(&app, "xb-series.pdf", pdf(&[page])).await;
    let subjects: Vec<&str> = meta["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    for part in ["XB-100", "XB-200", "XB-300"] {
        assert!(subjects.contains(&part), "{subjects:?}");
    }
    for (part, grams) in [("XB-100", 0.008), ("XB-200", 0.052), ("XB-300", 0.19)] {
        let answer = app.extract(Some(part), &[]).await;
        assert_citations_verified(&app, &answer).await;
        assert_close(mass_grams(&answer), grams, part);
        let quote = answer["fields"]["mass"]["citations"][0]["quote"]
            .as_str()
            .unwrap();
        assert!(quote.starts_with(part), "{part}: {quote}");
    }
}

#[tokio::test]
async fn two_products_side_by_side_each_get_their_own_mass_and_the_other_is_a_runner_up() {
    let app = spawn_app().await;
    let meta = app.ingest("datasheets/CR2032_coin_cell.pdf").await;
    let id = meta["id"].as_str().unwrap();
    for (part, grams, other) in [("CR2032", 2.9, 3.8), ("CR2330", 3.8, 2.9)] {
        let (status, a) = app
            .post(
                "/v1/extract",
                &serde_json::json!({"subject": part, "document_ids": [id], "mode": "rules"}),
            )
            .await;
        assert_eq!(status, 200, "{a}");
        assert_citations_verified(&app, &a).await;
        assert_close(mass_grams(&a), grams, part);
        // The other cell's mass was read too, and ranked below.
        let runners = a["provenance"]["runners_up"].as_array().unwrap();
        assert!(
            runners.iter().any(|r| r["field"] == "mass"
                && r["value"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("{other} "))),
            "{part}: {runners:?}"
        );
    }
}
