//! Several processes on one PostgreSQL catalog and one embedded store: an
//! `attest serve` that owns the store, a `serve --no-worker --no-store`
//! replica, and two `attest-ingest worker --no-store` processes that hand
//! their vectors to the owner through the catalog. Runs when
//! `ATTEST_TEST_DATABASE_URL` names a server (as `scripts/test.sh` does).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use attest_engine::catalog::Catalog;
use attest_engine::catalog::testdb::TestPlace;
use serde_json::{Value, json};

use crate::helpers::{TestApp, corpus, repo_root};
use crate::restart::{free_port, kill, remote, wait_healthy};

const FILES: &[&str] = &[
    "reports/huawei_HW-PEI_Mate_9.pdf",
    "datasheets/Omron_G5V-1_relay.pdf",
    "datasheets/Vishay_1N4148.pdf",
    "datasheets/CR2032_coin_cell.pdf",
    "datasheets/BZV55C_zener.pdf",
    "declarations/dtsheet_1641090_Bourns_SDR0805_inductor_MDS.txt",
];

fn binary(name: &str) -> PathBuf {
    let attest = PathBuf::from(env!("CARGO_BIN_EXE_attest"));
    let path = attest.with_file_name(name);
    assert!(
        path.exists(),
        "{} is not built (cargo build --workspace --bins)",
        path.display()
    );
    path
}

/// One process of the cluster: its own data directory, the shared catalog
/// and the shared originals.
fn spawn(bin: &Path, args: &[&str], data_dir: &Path, shared: &Shared, port: Option<u16>) -> Child {
    let mut cmd = Command::new(bin);
    for (k, _) in std::env::vars() {
        if k.starts_with("ATTEST_") {
            cmd.env_remove(k);
        }
    }
    if let Some(p) = port {
        cmd.env("ATTEST_ADDR", format!("127.0.0.1:{p}"));
    }
    cmd.env("ATTEST_DATA_DIR", data_dir)
        .env("ATTEST_DATABASE_URL", &shared.database_url)
        .env("ATTEST_OBJECT_STORE_URL", &shared.originals)
        .env("ATTEST_MODELS_DIR", repo_root().join("models"))
        .env("ATTEST_AUTH", "open")
        .env("ATTEST_EMBED_THREADS", "1")
        .env("ATTEST_INGEST_LEASE_SECS", "3")
        .env("ATTEST_LOG", "warn")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

struct Shared {
    database_url: String,
    /// `ATTEST_OBJECT_STORE_URL` of every process.
    originals: String,
}

/// What an extraction answer says, without what differs between calls
/// (timings, request ids, the catalog generation).
fn answer_facts(v: &Value) -> Value {
    json!({"fields": v["fields"], "provenance_documents": v["provenance"]["documents"]})
}

async fn metric(app: &TestApp, name: &str) -> f64 {
    let text = app.get_text("/metrics").await;
    text.lines()
        .filter(|l| l.starts_with(name))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

fn terminate(mut child: Child) {
    let pid = child.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let deadline = Instant::now() + Duration::from_secs(150);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "process {pid} did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_and_workers_without_the_store_hand_off_to_its_owner_exactly_once() {
    // The whole cluster already runs on PostgreSQL in the first pass; the
    // pass that moves every test's catalog there need not repeat it.
    if std::env::var("ATTEST_TEST_CATALOG").as_deref() == Ok("postgres") {
        return;
    }
    let Some(place) = TestPlace::postgres() else {
        eprintln!("skipped: set ATTEST_TEST_DATABASE_URL to run the multi-process test");
        return;
    };
    let place = Arc::new(place);
    let dirs = tempfile::tempdir().unwrap();
    // Originals in S3 when a test endpoint is given (its `AWS_*`
    // variables pass to the processes), else in a directory they share.
    let originals = match std::env::var("ATTEST_TEST_S3_URL") {
        Ok(url) => format!(
            "{}/cluster-{}",
            url.trim_end_matches('/'),
            std::process::id()
        ),
        Err(_) => format!("file://{}", dirs.path().join("originals").display()),
    };
    let shared = Shared {
        database_url: place.database_url().unwrap().to_owned(),
        originals,
    };
    let dir = |name: &str| {
        let d = dirs.path().join(name);
        std::fs::create_dir_all(&d).unwrap();
        d
    };
    let (owner_dir, replica_dir, w1_dir, w2_dir) =
        (dir("owner"), dir("replica"), dir("w1"), dir("w2"));
    let (attest, ingest) = (binary("attest"), binary("attest-ingest"));
    let (owner_port, replica_port) = (free_port(), free_port());
    let owner = remote(&place, owner_port);
    let replica = remote(&place, replica_port);
    let start_owner = || {
        spawn(
            &attest,
            &["serve", "--no-worker"],
            &owner_dir,
            &shared,
            Some(owner_port),
        )
    };
    let start_replica = || {
        spawn(
            &attest,
            &["serve", "--no-worker", "--no-store"],
            &replica_dir,
            &shared,
            Some(replica_port),
        )
    };
    let mut owner_p = start_owner();
    let mut replica_p = start_replica();
    wait_healthy(&owner, &mut owner_p).await;
    wait_healthy(&replica, &mut replica_p).await;
    let ready = replica.get("/readyz").await;
    assert_eq!(
        ready.0, 200,
        "a replica without a store is ready: {}",
        ready.1
    );
    assert_eq!(ready.1["store"]["backend"], "none");

    // Uploads through the owner (which runs no worker): acknowledged,
    // queued for the workers.
    let mut ids = BTreeMap::new();
    for rel in FILES {
        let path = corpus(rel);
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let (status, v) = owner
            .upload_bytes(&name, std::fs::read(&path).unwrap())
            .await;
        assert_eq!(status, 202, "{rel}: {v}");
        ids.insert(v["id"].as_str().unwrap().to_owned(), *rel);
    }

    // Two workers; the first one seen holding documents is killed mid-job.
    let mut w1 = spawn(&ingest, &["worker", "--no-store"], &w1_dir, &shared, None);
    let mut w2 = spawn(&ingest, &["worker", "--no-store"], &w2_dir, &shared, None);
    let catalog = Catalog::connect(&dirs.path().join("probe"), Some(&shared.database_url)).unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let survivor = loop {
        let holders: Vec<String> = catalog
            .leases()
            .unwrap()
            .into_iter()
            .map(|(_, owner)| owner)
            .collect();
        let pid_of = |c: &Child| format!("{}-", c.id());
        if holders.iter().any(|h| h.starts_with(&pid_of(&w1))) {
            kill(w1);
            break w2;
        }
        if holders.iter().any(|h| h.starts_with(&pid_of(&w2))) {
            kill(w2);
            break w1;
        }
        assert!(w1.try_wait().unwrap().is_none(), "worker 1 exited");
        assert!(w2.try_wait().unwrap().is_none(), "worker 2 exited");
        assert!(Instant::now() < deadline, "no worker claimed a document");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };

    // The other worker finishes everything once the lease runs out; the
    // owner applies each version once.
    let deadline = Instant::now() + Duration::from_secs(600);
    let docs = loop {
        let (_, v) = replica.get("/v1/documents").await;
        let docs = v["documents"].as_array().unwrap().clone();
        if docs.len() == FILES.len() && docs.iter().all(|d| d["status"] == "ready") {
            break docs;
        }
        assert!(Instant::now() < deadline, "not all ready: {docs:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let chunks: u64 = docs.iter().map(|d| d["chunks"].as_u64().unwrap()).sum();
    assert!(chunks > 0);
    let ready = owner.get("/readyz").await.1;
    assert_eq!(ready["store"]["chunks"].as_u64(), Some(chunks), "{ready}");
    let applied = metric(&owner, "attest_handoffs_total{event=\"applied\"}").await;
    assert_eq!(
        applied,
        FILES.len() as f64,
        "each version applied exactly once"
    );
    assert!(catalog.handoffs_pending().unwrap() == 0);

    // Extraction through the replica without a store answers from the
    // stored readings, with the owner's citations; search is the owner's.
    let relay = ids
        .iter()
        .find(|(_, r)| r.contains("G5V-1"))
        .unwrap()
        .0
        .clone();
    let body = json!({"subject": "G5V-1", "document_ids": [relay]});
    let (s1, from_owner) = owner.post("/v1/extract", &body).await;
    let (s2, from_replica) = replica.post("/v1/extract", &body).await;
    assert_eq!((s1, s2), (200, 200), "{from_replica}");
    assert!(
        from_owner["fields"]["mass"]["grams"].as_f64().is_some(),
        "{from_owner}"
    );
    assert_eq!(answer_facts(&from_owner), answer_facts(&from_replica));
    let (status, v) = replica
        .post("/v1/search", &json!({"query": "relay coil"}))
        .await;
    assert_eq!(status, 503, "{v}");
    let (status, v) = owner
        .post("/v1/search", &json!({"query": "relay coil"}))
        .await;
    assert_eq!(status, 200, "{v}");
    assert!(!v["results"].as_array().unwrap().is_empty(), "{v}");

    // A deletion accepted by the replica reaches the owner's store.
    let zener = ids
        .iter()
        .find(|(_, r)| r.contains("BZV55C"))
        .unwrap()
        .0
        .clone();
    let zener_chunks = docs.iter().find(|d| d["id"] == zener.as_str()).unwrap()["chunks"]
        .as_u64()
        .unwrap();
    assert_eq!(replica.delete_document(&zener).await, 200);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let ready = owner.get("/readyz").await.1;
        if ready["store"]["chunks"].as_u64() == Some(chunks - zener_chunks) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the deletion was not applied: {ready}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(owner.get(&format!("/v1/documents/{zener}")).await.0, 404);

    // Everything stops and starts again: nothing acknowledged is lost.
    terminate(survivor);
    terminate(replica_p);
    terminate(owner_p);
    let mut owner_p = start_owner();
    let mut replica_p = start_replica();
    wait_healthy(&owner, &mut owner_p).await;
    wait_healthy(&replica, &mut replica_p).await;
    let (_, v) = owner.get("/v1/documents").await;
    let after = v["documents"].as_array().unwrap();
    assert_eq!(after.len(), FILES.len() - 1);
    assert!(after.iter().all(|d| d["status"] == "ready"), "{after:?}");
    let ready = owner.get("/readyz").await.1;
    assert_eq!(
        ready["store"]["chunks"].as_u64(),
        Some(chunks - zener_chunks)
    );
    let (_, again) = replica.post("/v1/extract", &body).await;
    assert_eq!(answer_facts(&again), answer_facts(&from_owner));
    kill(replica_p);
    kill(owner_p);
}
