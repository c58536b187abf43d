//! The service killed with SIGKILL while it ingests, again and again: after
//! the last restart every acknowledged upload is ingested exactly once, and
//! the store holds exactly the chunks of the ready documents (nothing of a
//! version that was being written when the process died).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use attest_engine::catalog::testdb::TestPlace;
use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{TestApp, corpus, repo_root};

const FILES: &[&str] = &[
    "datasheets/Vishay_1N4148.pdf",
    "datasheets/Omron_G5V-1_relay.pdf",
    "datasheets/CR2032_coin_cell.pdf",
    "datasheets/BZV55C_zener.pdf",
    "datasheets/6A10_rectifier.pdf",
    "datasheets/MH_ferrite_bead.pdf",
    "datasheets/southwire_spec_85033_control_cable.txt",
    "declarations/dtsheet_1641090_Bourns_SDR0805_inductor_MDS.txt",
    "declarations/dtsheet_1689882_Bourns_4304S_resistor_network_MDS.txt",
];

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(data: &TestPlace, port: u16) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_attest"));
    for (k, _) in std::env::vars() {
        if k.starts_with("ATTEST_") {
            cmd.env_remove(k);
        }
    }
    if let Some(url) = data.database_url() {
        cmd.env("ATTEST_DATABASE_URL", url);
    }
    cmd.env("ATTEST_DATA_DIR", data.path())
        .env("ATTEST_ADDR", format!("127.0.0.1:{port}"))
        .env("ATTEST_MODELS_DIR", repo_root().join("models"))
        .env("ATTEST_AUTH", "open")
        .env("ATTEST_EMBED_THREADS", "1")
        // A killed process's claims run out soon (on a shared catalog; an
        // embedded one drops them at start).
        .env("ATTEST_INGEST_LEASE_SECS", "5")
        .env("ATTEST_LOG", "warn")
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

pub(crate) async fn wait_healthy(app: &TestApp, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Ok(r) = app.client.get(app.url("/healthz")).send().await
            && r.status().is_success()
        {
            return;
        }
        assert!(child.try_wait().unwrap().is_none(), "attest exited");
        assert!(Instant::now() < deadline, "attest did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(crate) fn kill(mut child: Child) {
    // SIGKILL: no shutdown code runs.
    child.kill().unwrap();
    child.wait().unwrap();
}

/// The running process, called like an in-process test service.
pub(crate) fn remote(data: &std::sync::Arc<TestPlace>, port: u16) -> TestApp {
    TestApp {
        base: format!("http://127.0.0.1:{port}"),
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap(),
        data_dir: data.clone(),
    }
}

async fn documents(app: &TestApp) -> Vec<Value> {
    app.get("/v1/documents").await.1["documents"]
        .as_array()
        .unwrap()
        .clone()
}

async fn upload(app: &TestApp, rel: &str) -> (u16, String) {
    let path = corpus(rel);
    let name = path.file_name().unwrap().to_str().unwrap().to_owned();
    let (status, v) = app.upload_bytes(&name, std::fs::read(&path).unwrap()).await;
    (status, v["id"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn acknowledged_uploads_survive_repeated_sigkills_exactly_once() {
    let data = std::sync::Arc::new(TestPlace::new());
    let port = free_port();
    let app = remote(&data, port);
    let mut acknowledged: BTreeSet<String> = BTreeSet::new();

    // Kill while uploads are acknowledged and documents are being parsed,
    // embedded and published, at a different moment each time.
    for (round, delay_ms) in [300u64, 900, 1700, 2600].into_iter().enumerate() {
        let mut child = start(&data, port);
        wait_healthy(&app, &mut child).await;
        let batch: Vec<&str> = if round == 0 {
            FILES.to_vec()
        } else {
            // A file sent again is the same document, never a second one.
            vec![FILES[round % FILES.len()]]
        };
        for rel in batch {
            let (status, id) = upload(&app, rel).await;
            assert!(status == 202 || status == 200, "{rel}: {status}");
            acknowledged.insert(id);
        }
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        kill(child);
    }
    assert_eq!(acknowledged.len(), FILES.len());

    let mut child = start(&data, port);
    wait_healthy(&app, &mut child).await;
    let deadline = Instant::now() + Duration::from_secs(600);
    let docs = loop {
        let docs = documents(&app).await;
        if docs.iter().all(|d| d["status"] != "queued") {
            break docs;
        }
        assert!(Instant::now() < deadline, "still queued: {docs:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let ids: BTreeSet<String> = docs
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, acknowledged, "every acknowledged upload, once");
    assert_eq!(docs.len(), FILES.len(), "no document twice");
    for d in &docs {
        assert_eq!(d["status"], "ready", "{d}");
    }
    // The store holds exactly the ready versions' chunks.
    let ready = app.get("/readyz").await.1;
    let chunks: u64 = docs.iter().map(|d| d["chunks"].as_u64().unwrap()).sum();
    assert!(chunks > 0);
    assert_eq!(ready["store"]["chunks"].as_u64(), Some(chunks), "{ready}");
    // And answers come from them.
    let v = app
        .post("/v1/extract", &json!({"subject": "G5V-1"}))
        .await
        .1;
    assert!(v["fields"]["mass"]["grams"].as_f64().is_some(), "{v}");
    kill(child);
}

#[tokio::test]
async fn sigterm_finishes_the_document_in_hand_and_keeps_the_queue() {
    let data = std::sync::Arc::new(TestPlace::new());
    let port = free_port();
    let app = remote(&data, port);
    let mut child = start(&data, port);
    wait_healthy(&app, &mut child).await;
    let (_, in_hand) = upload(&app, "reports/huawei_HW-PEI_Mate_9.pdf").await;
    let (_, waiting) = upload(&app, "datasheets/Vishay_1N4148.pdf").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let queued = documents(&app)
        .await
        .iter()
        .filter(|d| d["status"] == "queued")
        .count();
    assert_eq!(queued, 2, "both still queued when the stop is asked");
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(started.elapsed() < Duration::from_secs(150), "did not stop");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status:?}");
    let catalog = data.open().unwrap();
    let status_of = |id: &str| catalog.get(id).unwrap().meta.status;
    assert_eq!(
        status_of(&in_hand),
        attest_engine::document::IngestStatus::Ready,
        "the document in hand was finished"
    );
    assert_eq!(
        status_of(&waiting),
        attest_engine::document::IngestStatus::Queued,
        "the next one stays queued for the next start"
    );
}

#[tokio::test]
async fn an_acknowledged_bom_job_finishes_after_a_sigkill() {
    let data = std::sync::Arc::new(TestPlace::new());
    let port = free_port();
    let app = remote(&data, port);
    let mut child = start(&data, port);
    wait_healthy(&app, &mut child).await;
    let (status, id) = upload(&app, "datasheets/southwire_spec_85033_control_cable.txt").await;
    assert_eq!(status, 202);
    app.wait(&id).await;
    // Enough distinct parts that the job is still running when the process
    // dies.
    let lines: Vec<Value> = (0..3000)
        .map(|i| json!({"part": if i % 100 == 0 { "85033".to_owned() } else { format!("SYN-{i:05}") }, "quantity": 2}))
        .collect();
    let (status, job) = app
        .post(
            "/v1/bom?async=true",
            &json!({"name": "resumed", "mode": "rules", "lines": lines}),
        )
        .await;
    assert_eq!(status, 202, "{job}");
    let location = format!("/v1/bom/{}", job["id"].as_str().unwrap());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = app.get(&location).await.1;
    kill(child);
    assert_ne!(before["status"], "done", "the job ended before the kill");

    let mut child = start(&data, port);
    wait_healthy(&app, &mut child).await;
    let deadline = Instant::now() + Duration::from_secs(300);
    let job = loop {
        let (status, job) = app.get(&location).await;
        assert_eq!(status, 200, "{job}");
        if job["status"] == "done" || job["status"] == "failed" {
            break job;
        }
        assert!(Instant::now() < deadline, "job not resumed: {job}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let listed = app.get("/v1/bom").await.1;
    kill(child);
    assert_eq!(job["status"], "done", "{job}");
    assert_eq!(job["name"], "resumed");
    let lines = job["result"]["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 3000);
    assert_eq!(job["result"]["totals"]["by_status"]["not_found"], 2970);
    assert_eq!(listed["jobs"].as_array().unwrap().len(), 1, "{listed}");
}
