#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;

use crate::helpers::{spawn_app, spawn_with};

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

/// Query embeddings wait in a bounded queue: past it, a search is refused at
/// once with 503, code `overloaded` and Retry-After, and the service keeps
/// answering the rest.
#[tokio::test]
async fn searches_beyond_the_query_queue_are_shed_with_retry_after() {
    let app = spawn_with(|s| {
        s.query_batch = 1;
        s.query_window_ms = 0;
        s.query_queue = 1;
    })
    .await;
    app.ingest("datasheets/Omron_G5V-1_relay.pdf").await;
    let calls = (0..48).map(|i| {
        let client = app.client.clone();
        let url = app.url("/v1/search");
        async move {
            let r = client
                .post(url)
                .json(&json!({"query": format!("relay coil power {i}"), "limit": 2}))
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let retry = r
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_owned());
            let body: serde_json::Value = r.json().await.unwrap();
            (status, retry, body)
        }
    });
    let answers = futures_join_all(calls).await;
    let ok = answers.iter().filter(|(s, _, _)| *s == 200).count();
    let shed: Vec<_> = answers.iter().filter(|(s, _, _)| *s == 503).collect();
    assert_eq!(ok + shed.len(), answers.len(), "only 200 or 503");
    assert!(ok >= 1, "nothing answered");
    assert!(
        !shed.is_empty(),
        "48 concurrent searches never filled a queue of 1"
    );
    for (_, retry, body) in shed {
        assert_eq!(retry.as_deref(), Some("1"));
        assert_eq!(body["error"]["code"], "overloaded", "{body}");
    }
    // Once the burst is over, searches are answered again.
    let (status, _) = app
        .post("/v1/search", &json!({"query": "relay", "limit": 1}))
        .await;
    assert_eq!(status, 200);
}

async fn futures_join_all<F: std::future::Future + Send + 'static>(
    fs: impl Iterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = fs.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}
