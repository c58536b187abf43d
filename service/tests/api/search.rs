#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn hybrid_search_finds_exact_tokens_and_respects_filters() {
    let app = spawn_app().await;
    let decl = app
        .ingest("declarations/dtsheet_1641090_Bourns_SDR0805_inductor_MDS.txt")
        .await;
    let relay = app.ingest("datasheets/Omron_G5V-1_relay.pdf").await;
    let (decl_id, relay_id) = (decl["id"].as_str().unwrap(), relay["id"].as_str().unwrap());

    // A CAS number is found through BM25 among the top hits.
    let (status, r) = app
        .post("/v1/search", &json!({"query": "7440-50-8", "limit": 3}))
        .await;
    assert_eq!(status, 200);
    let results = r["results"].as_array().unwrap();
    assert!(!results.is_empty() && results.len() <= 3, "{r}");
    let top = results
        .iter()
        .find(|h| h["text"].as_str().unwrap().contains("7440-50-8"))
        .unwrap_or_else(|| panic!("no hit quotes the CAS number: {r}"));
    assert_eq!(top["document_id"], decl_id);
    for key in ["page", "start", "end", "score", "text", "document_id"] {
        assert!(!top[key].is_null(), "missing {key}");
    }

    let (_, r) = app
        .post(
            "/v1/search",
            &json!({"query": "copper winding wire", "document_ids": [relay_id]}),
        )
        .await;
    assert!(
        r["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["document_id"] == relay_id)
    );

    let (_, r) = app
        .post(
            "/v1/search",
            &json!({"query": "contact material", "subject": "G5V-1"}),
        )
        .await;
    let hits = r["results"].as_array().unwrap();
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|h| h["document_id"] == relay_id), "{r}");

    let (status, r) = app.post("/v1/search", &json!({"query": "  "})).await;
    assert_eq!(
        (status, r["error"]["code"].as_str()),
        (400, Some("bad_request"))
    );
    let (status, _) = app
        .post("/v1/search", &json!({"query": "x", "limit": "ten"}))
        .await;
    assert_eq!(status, 422);
}
