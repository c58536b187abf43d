//! API keys, scopes and tenants: every endpoint probed across two tenants,
//! keys made and revoked with the `attest keys` command, per-key rates,
//! `/metrics` and the audit log.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use attest_engine::catalog::testdb::TestPlace;
use std::process::Command;

use attest_engine::config::AuthMode;
use serde_json::{Value, json};

use crate::helpers::*;

/// Runs the `attest` binary on the test's data directory.
fn attest(data_dir: &TestPlace, args: &[&str]) -> (bool, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_attest"));
    for (k, _) in std::env::vars() {
        if k.starts_with("ATTEST_") {
            cmd.env_remove(k);
        }
    }
    if let Some(url) = data_dir.database_url() {
        cmd.env("ATTEST_DATABASE_URL", url);
    }
    let out = cmd
        .env("ATTEST_DATA_DIR", data_dir.path())
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        String::from_utf8_lossy(&out.stderr).trim().to_owned(),
    )
}

fn create_key(data_dir: &TestPlace, tenant: &str, scopes: &str) -> String {
    let (ok, key, err) = attest(
        data_dir,
        &["keys", "create", "--tenant", tenant, "--scopes", scopes],
    );
    assert!(ok, "keys create: {err}");
    assert!(key.starts_with("attest_"), "{key}");
    key
}

fn error_code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

async fn raw(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut r = app.client.request(method, app.url(path));
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// Every `/v1` route that reads one document, with the method and body.
fn document_routes(id: &str) -> Vec<(reqwest::Method, String, Option<Value>)> {
    use reqwest::Method;
    vec![
        (Method::GET, format!("/v1/documents/{id}"), None),
        (Method::GET, format!("/v1/documents/{id}/text"), None),
        (Method::GET, format!("/v1/documents/{id}/pages/1"), None),
        (
            Method::POST,
            "/v1/extract".into(),
            Some(json!({"document_ids": [id]})),
        ),
        (
            Method::GET,
            format!("/v1/extract/evidence?document_ids={id}"),
            None,
        ),
        (
            Method::POST,
            "/v1/search".into(),
            Some(json!({"query": "copper", "document_ids": [id]})),
        ),
        (Method::DELETE, format!("/v1/documents/{id}"), None),
    ]
}

#[tokio::test]
async fn keys_scopes_and_tenants_keep_every_document_to_its_tenant() {
    let app = spawn_with(|s| s.auth = AuthMode::Keys).await;
    let dir = app.data_dir.clone();

    // Without a key, or with a wrong one: 401 in the error envelope.
    let r = app
        .client
        .get(app.url("/v1/documents"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert!(r.headers().contains_key("www-authenticate"));
    let v: Value = r.json().await.unwrap();
    assert_eq!(error_code(&v), "unauthorized");
    let forged = "attest_000000000000_".to_owned() + &"0".repeat(64);
    for key in [forged.as_str(), "nonsense", ""] {
        let (status, v) = app.keyed(key).get("/v1/documents").await;
        assert_eq!((status, error_code(&v)), (401, "unauthorized"), "{key}");
    }
    // Liveness, readiness and the page stay open; readiness tells nothing
    // about any tenant's documents.
    assert_eq!(app.get("/healthz").await.0, 200);
    let (status, ready) = app.get("/readyz").await;
    assert_eq!(status, 200);
    assert!(ready.get("documents").is_none(), "{ready}");

    let a = app.keyed(&create_key(&dir, "acme", "read,extract,ingest"));
    let b = app.keyed(&create_key(&dir, "globex", "admin"));
    let a_reader = app.keyed(&create_key(&dir, "acme", "read"));

    let a_doc = a
        .ingest("declarations/dtsheet_1641090_Bourns_SDR0805_inductor_MDS.txt")
        .await;
    assert_eq!(a_doc["status"], "ready", "{a_doc}");
    assert_eq!(a_doc["tenant"], "acme");
    let a_id = a_doc["id"].as_str().unwrap().to_owned();
    let b_doc = b
        .ingest("datasheets/southwire_spec_85033_control_cable.txt")
        .await;
    let b_id = b_doc["id"].as_str().unwrap().to_owned();
    // The same file uploaded by both tenants is two documents.
    let b_copy = b
        .ingest("declarations/dtsheet_1641090_Bourns_SDR0805_inductor_MDS.txt")
        .await;
    let b_copy_id = b_copy["id"].as_str().unwrap().to_owned();
    assert_ne!(b_copy_id, a_id);

    // A scope the key lacks: 403, before the body is even read.
    let (status, v) = a_reader
        .upload_bytes("x.txt", b"Weight: 3 g".to_vec())
        .await;
    assert_eq!((status, error_code(&v)), (403, "forbidden"), "{v}");
    let (status, v) = raw(
        &a_reader,
        reqwest::Method::POST,
        "/v1/extract",
        Some(json!("not an object")),
    )
    .await;
    assert_eq!((status, error_code(&v)), (403, "forbidden"), "{v}");
    assert_eq!(a_reader.delete_document(&a_id).await, 403);
    let (status, v) = a.get("/metrics").await;
    assert_eq!((status, error_code(&v)), (403, "forbidden"));
    // The read key reads its tenant's documents.
    assert_eq!(a_reader.get(&format!("/v1/documents/{a_id}")).await.0, 200);

    // Lists hold only the caller's tenant.
    let ids = |v: &Value| -> Vec<String> {
        v["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(&a.get("/v1/documents").await.1), vec![a_id.clone()]);
    let mut b_ids = ids(&b.get("/v1/documents").await.1);
    b_ids.sort();
    let mut want = vec![b_id.clone(), b_copy_id.clone()];
    want.sort();
    assert_eq!(b_ids, want);

    // Another tenant's id, leaked or guessed, is unknown: 404, never 403,
    // on every route; and nothing is deleted.
    for (who, foreign) in [(&a, &b_id), (&b, &a_id)] {
        for (method, path, body) in document_routes(foreign) {
            let (status, v) = raw(who, method.clone(), &path, body).await;
            assert_eq!(
                (status, error_code(&v)),
                (404, "not_found"),
                "{method} {path}: {v}"
            );
            assert!(!v.to_string().contains("globex") && !v.to_string().contains("acme"));
        }
    }
    assert_eq!(a.get(&format!("/v1/documents/{a_id}")).await.0, 200);
    assert_eq!(b.get(&format!("/v1/documents/{b_id}")).await.0, 200);

    // Search, extraction, questions and chat see only the caller's
    // documents, also for subjects that exist only in the other tenant.
    let (_, hits) = a
        .post(
            "/v1/search",
            &json!({"query": "85033 control cable", "limit": 20}),
        )
        .await;
    for h in hits["results"].as_array().unwrap() {
        assert_eq!(h["document_id"], a_id.as_str(), "{h}");
    }
    let (_, hits) = b
        .post(
            "/v1/search",
            &json!({"query": "7440-50-8 copper", "limit": 20}),
        )
        .await;
    for h in hits["results"].as_array().unwrap() {
        assert_ne!(h["document_id"], a_id.as_str(), "{h}");
    }
    let (status, v) = a.post("/v1/extract", &json!({"subject": "85033"})).await;
    assert_eq!(status, 200, "{v}");
    assert!(
        v["provenance"]["documents"].as_array().unwrap().is_empty(),
        "{v}"
    );
    assert!(v["fields"]["mass"].is_null(), "{v}");
    let (_, v) = b.post("/v1/extract", &json!({"subject": "SDR0805"})).await;
    for d in v["provenance"]["documents"].as_array().unwrap() {
        assert_eq!(d["id"], b_copy_id.as_str(), "{v}");
    }
    let (status, v) = a
        .post(
            "/v1/ask",
            &json!({"question": "What is the mass of the 85033 cable?"}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    for c in v["citations"].as_array().unwrap() {
        assert_eq!(c["document_id"], a_id.as_str(), "{v}");
    }
    let (status, v) = a
        .post(
            "/v1/chat/completions",
            &json!({"messages": [{"role": "user", "content": "Which materials are in the 85033 control cable?"}]}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    for c in v["citations"].as_array().unwrap() {
        assert_eq!(c["document_id"], a_id.as_str(), "{v}");
    }
    assert_eq!(a.get("/v1/models").await.0, 200);
    let (status, v) = a
        .post(
            "/v1/bom",
            &json!({"lines": [{"part": "85033", "quantity": 2}]}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["lines"][0]["status"], "not_found", "{v}");
    assert!(
        v["lines"][0]["extraction"]["provenance"]["documents"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // A BOM job is its tenant's: another tenant's job id is unknown, its
    // job list and its review items are its own.
    let (status, job) = b
        .post(
            "/v1/bom?async=true",
            &json!({"lines": [{"part": "SDR0805", "quantity": 2}]}),
        )
        .await;
    assert_eq!(status, 202, "{job}");
    let job_id = job["id"].as_str().unwrap().to_owned();
    for path in [
        format!("/v1/bom/{job_id}"),
        format!("/v1/bom/{job_id}?format=csv"),
    ] {
        let (status, v) = a.get(&path).await;
        assert_eq!((status, error_code(&v)), (404, "not_found"), "{path}: {v}");
    }
    assert!(
        a.get("/v1/bom").await.1["jobs"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(b.get("/v1/bom").await.1["jobs"][0]["id"], job_id.as_str());
    let a_review = app.keyed(&create_key(&dir, "acme", "review"));
    let (status, v) = a_review.get(&format!("/v1/review?bom={job_id}")).await;
    assert_eq!(status, 200, "{v}");
    assert!(v["items"].as_array().unwrap().is_empty(), "{v}");

    // Metrics for a key with the scope; route templates, never raw ids.
    let metrics = app.keyed(&create_key(&dir, "ops", "metrics"));
    let r = metrics
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let text = r.text().await.unwrap();
    for want in [
        "attest_http_requests_total{route=\"/v1/documents/{id}\",method=\"GET\",status=\"404\"}",
        "attest_http_request_duration_seconds_bucket{route=\"/v1/extract\"",
        "attest_documents{status=\"ready\"} 3",
        "attest_ingest_documents_total{",
        "attest_ingest_chunks_total",
        "attest_embed_batch_size_bucket",
    ] {
        assert!(text.contains(want), "/metrics lacks {want}:\n{text}");
    }
    assert!(!text.contains(&a_id), "a document id in /metrics");

    // The audit log names who did what, never a key.
    let (ok, tail, err) = attest(&dir, &["audit", "tail", "-n", "1000"]);
    assert!(ok, "{err}");
    let events: Vec<Value> = tail
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let of = |action: &str, tenant: &str| {
        events
            .iter()
            .filter(|e| e["action"] == action && e["tenant"] == tenant)
            .count()
    };
    assert_eq!(of("upload", "acme"), 1);
    assert_eq!(of("upload", "globex"), 2);
    assert!(of("extract", "acme") >= 1 && of("ask", "acme") == 1 && of("chat", "acme") == 1);
    let upload = events
        .iter()
        .find(|e| e["action"] == "upload" && e["tenant"] == "acme")
        .unwrap();
    assert_eq!(upload["document_id"], a_id.as_str());
    assert_eq!(upload["sha256"], a_doc["sha256"]);
    assert!(upload["key_id"].as_str().unwrap().len() == 12);
    assert!(!upload["request_id"].as_str().unwrap().is_empty());
    let audit_text = std::fs::read_to_string(dir.path().join("audit/audit.jsonl")).unwrap();
    assert!(!audit_text.contains("attest_"), "a key in the audit log");

    // Keys are listed without secrets, and a revoked key stops working on
    // the next request.
    let (ok, list, _) = attest(&dir, &["keys", "list"]);
    assert!(ok);
    let keys: Vec<Value> = list
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(keys.len(), 5);
    assert!(!list.contains("attest_"));
    let globex = keys.iter().find(|k| k["tenant"] == "globex").unwrap();
    let (ok, _, err) = attest(&dir, &["keys", "revoke", globex["id"].as_str().unwrap()]);
    assert!(ok, "{err}");
    let (status, v) = b.get("/v1/documents").await;
    assert_eq!((status, error_code(&v)), (401, "unauthorized"));
    // Bad input to the command is a clear error.
    let (ok, _, err) = attest(
        &dir,
        &["keys", "create", "--tenant", "a b", "--scopes", "read"],
    );
    assert!(!ok && err.contains("tenant"), "{err}");
    let (ok, _, err) = attest(
        &dir,
        &["keys", "create", "--tenant", "x", "--scopes", "write"],
    );
    assert!(!ok && err.contains("write"), "{err}");
}

#[tokio::test]
async fn a_key_over_its_rate_is_told_when_to_come_back() {
    let app = spawn_with(|s| {
        s.auth = AuthMode::Keys;
        s.rate_per_key = 0.5;
        s.rate_burst = 3;
    })
    .await;
    let dir = app.data_dir.clone();
    let a = app.keyed(&create_key(&dir, "acme", "read"));
    let b = app.keyed(&create_key(&dir, "acme", "read"));
    for _ in 0..3 {
        assert_eq!(a.get("/v1/documents").await.0, 200);
    }
    let r = a.client.get(app.url("/v1/documents")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&wait), "{wait}");
    let v: Value = r.json().await.unwrap();
    assert_eq!(error_code(&v), "rate_limited");
    // Each key has its own bucket.
    assert_eq!(b.get("/v1/documents").await.0, 200);
}
