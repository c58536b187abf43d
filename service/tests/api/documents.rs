#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;

use crate::helpers::{corpus, spawn_app};

#[tokio::test]
async fn upload_list_read_and_delete_a_datasheet() {
    let app = spawn_app().await;
    let meta = app.ingest("datasheets/Vishay_1N4148.pdf").await;
    assert_eq!(meta["status"], "ready", "{meta}");
    assert_eq!(meta["format"], "pdf");
    assert_eq!(meta["kind"], "datasheet");
    assert_eq!(meta["tenant"], "default");
    assert_eq!(meta["extractor"], "pdftotext");
    assert!(meta["pages"].as_u64().unwrap() >= 1);
    assert!(meta["chunks"].as_u64().unwrap() >= 1);
    assert!(
        meta["subjects"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s.as_str().unwrap().contains("1N4148")),
        "{meta}"
    );
    let id = meta["id"].as_str().unwrap();

    let (status, list) = app.get("/v1/documents").await;
    assert_eq!(status, 200);
    assert_eq!(list["documents"].as_array().unwrap().len(), 1);

    let (status, text) = app.get(&format!("/v1/documents/{id}/text")).await;
    assert_eq!(status, 200);
    let body = text["text"].as_str().unwrap();
    assert!(body.contains("1N4148"));
    let pages = text["pages"].as_array().unwrap();
    assert_eq!(pages.len() as u64, meta["pages"].as_u64().unwrap());
    assert_eq!(pages[0]["page"], 1);
    let last_end = pages.last().unwrap()["end"].as_u64().unwrap() as usize;
    assert_eq!(last_end, body.chars().count());

    assert_eq!(app.delete_document(id).await, 200);
    let (status, err) = app.get(&format!("/v1/documents/{id}")).await;
    assert_eq!(status, 404);
    assert_eq!(err["error"]["code"], "not_found");
    let (_, hits) = app
        .post("/v1/search", &json!({"query": "1N4148 small signal diode"}))
        .await;
    assert!(hits["results"].as_array().unwrap().is_empty(), "{hits}");
}

#[tokio::test]
async fn reingesting_the_same_file_changes_nothing() {
    let app = spawn_app().await;
    let first = app
        .ingest("declarations/dtsheet_1641090_Bourns_SDR0805_inductor_MDS.txt")
        .await;
    let (_, before) = app.get("/readyz").await;
    let bytes = std::fs::read(corpus(
        "declarations/dtsheet_1641090_Bourns_SDR0805_inductor_MDS.txt",
    ))
    .unwrap();
    let (status, again) = app
        .upload_bytes("dtsheet_1641090_Bourns_SDR0805_inductor_MDS.txt", bytes)
        .await;
    assert_eq!(status, 200);
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["unchanged"], true);
    let (_, after) = app.get("/readyz").await;
    assert_eq!(before["store"]["chunks"], after["store"]["chunks"]);
    let (_, list) = app.get("/v1/documents").await;
    assert_eq!(list["documents"].as_array().unwrap().len(), 1);
    let (_, meta) = app
        .get(&format!("/v1/documents/{}", first["id"].as_str().unwrap()))
        .await;
    assert_eq!(meta["ingested_at"], first["ingested_at"]);
}

#[tokio::test]
async fn a_new_version_of_a_source_replaces_the_old_one() {
    let app = spawn_app().await;
    let v1 = "Relay XR-77 specification\nWeight: approx. 12 g\nCase: polycarbonate\n";
    let v2 = "Relay XR-77 specification, revision B\nWeight: approx. 15 g\nCase: polycarbonate\n";
    let (_, a) = app.upload_bytes("xr77.txt", v1.as_bytes().to_vec()).await;
    let old = a["id"].as_str().unwrap().to_owned();
    app.wait(&old).await;
    let (_, b) = app.upload_bytes("xr77.txt", v2.as_bytes().to_vec()).await;
    let new = b["id"].as_str().unwrap().to_owned();
    assert_ne!(old, new);
    assert_eq!(app.wait(&new).await["status"], "ready");

    assert_eq!(app.get(&format!("/v1/documents/{old}")).await.0, 404);
    let (_, list) = app.get("/v1/documents").await;
    assert_eq!(list["documents"].as_array().unwrap().len(), 1);
    let (_, hits) = app
        .post("/v1/search", &json!({"query": "XR-77 weight"}))
        .await;
    let hits = hits["results"].as_array().unwrap().clone();
    assert!(!hits.is_empty());
    assert!(
        hits.iter().all(|h| h["document_id"] == new.as_str()),
        "{hits:?}"
    );
    let answer = app.extract(Some("XR-77"), &[]).await;
    assert_eq!(answer["fields"]["mass"]["grams"], 15.0, "{answer}");
}

#[tokio::test]
async fn chinese_datasheets_keep_code_point_spans() {
    let app = spawn_app().await;
    for rel in [
        "datasheets/TE_2-1734839-4_FFC_connector_zh.pdf",
        "datasheets/JUSHUO_AFC07-S24ECC-00_FPC_connector_zh_en.pdf",
    ] {
        let meta = app.ingest(rel).await;
        assert_eq!(meta["status"], "ready", "{meta}");
        let id = meta["id"].as_str().unwrap();
        let text = app.text(id).await;
        assert!(
            text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{rel} has CJK text"
        );
        // Every search hit's text is the document text at its span.
        let (_, hits) = app
            .post(
                "/v1/search",
                &json!({"query": "重量 材料", "document_ids": [id], "limit": 20}),
            )
            .await;
        let hits = hits["results"].as_array().unwrap();
        assert!(!hits.is_empty());
        for h in hits {
            let (s, e) = (
                h["start"].as_u64().unwrap() as usize,
                h["end"].as_u64().unwrap() as usize,
            );
            let span: String = text.chars().skip(s).take(e - s).collect();
            assert_eq!(span, h["text"].as_str().unwrap());
        }
        let answer = app.extract(None, &[id]).await;
        crate::helpers::assert_citations_verified(&app, &answer).await;
    }
}

#[tokio::test]
async fn queued_uploads_survive_a_restart() {
    let data = attest_engine::catalog::testdb::TestPlace::new();
    let settings = crate::helpers::test_settings(&data);
    // Accept a file without running the worker, as if the process died
    // right after acknowledging it.
    let id = {
        let engine = attest_engine::library::Engine::open(settings.engine_config().unwrap())
            .await
            .unwrap();
        let s = engine
            .submit("default", "note.txt", b"Made in Japan. Weight: 3 g")
            .await
            .unwrap();
        s.id
    };
    let app = attest_service::startup::Application::build(settings)
        .await
        .unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let meta: serde_json::Value = client
            .get(format!("{base}/v1/documents/{id}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if meta["status"] == "ready" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{meta}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn files_dropped_into_the_inbox_are_ingested_and_filed() {
    let inbox = tempfile::tempdir().unwrap();
    let dir = inbox.path().to_path_buf();
    let app = crate::helpers::spawn_with(|s| s.inbox_dir = Some(dir.clone())).await;
    std::fs::write(
        dir.join("relay.txt"),
        "Relay QX-5\nWeight: 4 g\nMade in Japan\n",
    )
    .unwrap();
    std::fs::write(dir.join("empty.pdf"), b"").unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !(dir.join("processed/relay.txt").exists() && dir.join("failed/empty.pdf").exists()) {
        assert!(
            std::time::Instant::now() < deadline,
            "inbox files were not filed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let reason = std::fs::read_to_string(dir.join("failed/empty.pdf.reason")).unwrap();
    assert!(reason.starts_with("empty_file"), "{reason}");
    let a = app.extract(Some("QX-5"), &[]).await;
    assert_eq!(a["fields"]["mass"]["grams"], 4.0, "{a}");
    assert_eq!(crate::helpers::countries(&a), vec!["JP".to_owned()]);
}

/// A replica without an ingest worker (`attest serve --no-worker`) stores
/// and acknowledges uploads and leaves them queued; the worker of another
/// process on the same catalog and store (here a second engine, with its
/// own catalog handle and worker id) ingests them, and the replica answers
/// from them.
#[tokio::test]
async fn a_replica_without_a_worker_leaves_uploads_to_the_workers_on_its_catalog() {
    use attest_engine::catalog::testdb::TestPlace;
    use attest_engine::library::Engine;
    use std::time::Duration;

    let place = std::sync::Arc::new(TestPlace::new());
    let mut settings = crate::helpers::test_settings(&place);
    settings.worker = false;
    let engine = Engine::open(settings.engine_config().unwrap())
        .await
        .unwrap();
    let app = attest_service::startup::Application::with_engine(settings.clone(), engine.clone())
        .await
        .unwrap();
    let app_handle = crate::helpers::TestApp {
        base: format!("http://127.0.0.1:{}", app.port()),
        client: reqwest::Client::new(),
        data_dir: place.clone(),
    };
    tokio::spawn(app.run_until_stopped());

    let (status, body) = app_handle
        .upload_bytes(
            "qx7.txt",
            b"Relay QX-7\nWeight: 3.5 g\nMade in Japan\n".to_vec(),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let id = body["id"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let meta = app_handle.get(&format!("/v1/documents/{id}")).await.1;
    assert_eq!(meta["status"], "queued", "no worker here: {meta}");

    let other = Engine::with_parts(
        settings.engine_config().unwrap(),
        engine.store.clone(),
        engine.embedder.clone(),
    )
    .unwrap();
    assert_ne!(other.worker_id, engine.worker_id);
    let worker = other.spawn_worker();
    let meta = app_handle.wait(&id).await;
    assert_eq!(meta["status"], "ready", "{meta}");
    let answer = app_handle
        .post("/v1/extract", &json!({"subject": "QX-7", "mode": "rules"}))
        .await
        .1;
    crate::helpers::assert_close(crate::helpers::mass_grams(&answer), 3.5, "QX-7");
    other.stop_worker();
    worker.await.unwrap();
}
