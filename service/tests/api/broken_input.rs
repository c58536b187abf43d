#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;

use crate::helpers::{corpus, spawn_app, spawn_with};

/// A valid one-page PDF with no text layer (a drawn rectangle only).
fn pdf_without_text() -> Vec<u8> {
    let content = "0 0 1 rg 10 10 100 100 re f";
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R /Resources << >> >>"
            .to_owned(),
        format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        ),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for off in offsets {
        out.extend(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

async fn failure(app: &crate::helpers::TestApp, name: &str, bytes: Vec<u8>) -> Value {
    let (status, body) = app.upload_bytes(name, bytes).await;
    assert_eq!(status, 202, "{name}: {body}");
    let meta = app.wait(body["id"].as_str().unwrap()).await;
    assert_eq!(meta["status"], "failed", "{name}: {meta}");
    meta
}

#[tokio::test]
async fn broken_files_get_a_clear_status_and_the_batch_goes_on() {
    let app = spawn_app().await;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.pdf", Vec::new(), "empty_file"),
        // Only a drawing: OCR reads the page and finds no text.
        ("scan.pdf", pdf_without_text(), "no_text"),
        ("notes.pdf", b"just some text, not a PDF".to_vec(), "format_mismatch"),
        ("blob.bin", vec![0u8, 159, 146, 150, 0, 1, 2, 3, 255, 254], "unsupported_format"),
        ("decl.xml", b"<?xml version=\"1.0\"?><MainDeclaration><Product>".to_vec(), "malformed_document"),
        (
            "bomb.xml",
            b"<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]><MainDeclaration>&b;</MainDeclaration>"
                .to_vec(),
            "malformed_document",
        ),
        ("sheet.xlsx", b"PK\x03\x04 truncated zip".to_vec(), "malformed_document"),
    ];
    for (name, bytes, code) in cases {
        let meta = failure(&app, name, bytes).await;
        assert_eq!(meta["error"]["code"], code, "{name}: {meta}");
        assert!(!meta["error"]["message"].as_str().unwrap().is_empty());
    }
    // A truncated real PDF: either read in part or refused with a reason,
    // never a crash.
    let pdf = std::fs::read(corpus("datasheets/Vishay_1N4148.pdf")).unwrap();
    let (_, body) = app
        .upload_bytes("truncated.pdf", pdf[..pdf.len() / 3].to_vec())
        .await;
    let meta = app.wait(body["id"].as_str().unwrap()).await;
    assert!(
        meta["status"] == "ready" || meta["error"]["code"].is_string(),
        "{meta}"
    );

    // The service is still healthy and ingests a good file afterwards.
    let ok = app.ingest("datasheets/Omron_G5V-1_relay.pdf").await;
    assert_eq!(ok["status"], "ready");
    let (_, list) = app.get("/v1/documents").await;
    assert!(list["documents"].as_array().unwrap().len() >= 8);
}

#[tokio::test]
async fn pdfs_that_break_the_primary_extractor_fall_back_to_the_second() {
    let app = spawn_app().await;
    // pdf-extract panics on this one (UniGB-UTF16-H CMap).
    let epaper = app
        .ingest("datasheets/GoodDisplay_GDEH0154D67_epaper.pdf")
        .await;
    assert_eq!(epaper["status"], "ready", "{epaper}");
    assert_eq!(epaper["extractor"], "pdftotext");
    // pdf-extract reads almost nothing from this encrypted one.
    let jst = app.ingest("datasheets/JST_PH_series.pdf").await;
    assert_eq!(jst["status"], "ready", "{jst}");
    assert_eq!(jst["extractor"], "pdftotext");
    let text = app.text(jst["id"].as_str().unwrap()).await;
    assert!(text.len() > 2000, "JST text has {} bytes", text.len());
}

#[tokio::test]
async fn oversized_uploads_and_bad_requests_get_json_errors() {
    let app = spawn_with(|s| s.max_upload_bytes = 1000).await;
    let (status, body) = app.upload_bytes("big.txt", vec![b'a'; 5000]).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"]["code"], "payload_too_large");

    let form = reqwest::multipart::Form::new().text("other", "x");
    let r = app
        .client
        .post(app.url("/v1/documents"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "missing_file"
    );

    let r = app
        .client
        .post(app.url("/v1/extract"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "invalid_json"
    );

    let (status, body) = app
        .post("/v1/extract", &serde_json::json!({"subject": 5}))
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = app.post("/v1/extract", &serde_json::json!({})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("bad_request"))
    );
    let (status, body) = app
        .post(
            "/v1/extract",
            &serde_json::json!({"document_ids": ["nope"]}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    let (status, body) = app.get("/v1/nothing-here").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert!(r.headers().contains_key("x-request-id"));
    let (status, ready) = app.get("/readyz").await;
    assert_eq!(status, 200);
    assert_eq!(ready["model"]["dim"], 384);
}
