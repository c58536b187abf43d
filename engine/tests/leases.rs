//! Workers sharing one catalog (separate engines, as separate processes
//! would be): every queued document is read once, a document another
//! worker holds is waited for, a dead worker's documents are claimed once
//! its lease runs out, and a worker picks up documents another process
//! queued. Each test runs on SQLite and, when `ATTEST_TEST_DATABASE_URL`
//! names a server, on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use attest_engine::catalog::testdb::TestPlace;
use attest_engine::document::{DEFAULT_TENANT, IngestStatus};
use attest_engine::embed::{EmbedError, Embedder};
use attest_engine::library::{Engine, EngineConfig};
use attest_engine::store::edge::EdgeStore;
use attest_engine::store::{IndexMeta, VectorStore};

const DIM: usize = 8;

/// Counts the texts it embeds: a document read twice is embedded twice.
#[derive(Default)]
struct Counting {
    texts: AtomicUsize,
}

impl Embedder for Counting {
    fn model_name(&self) -> &str {
        "counting"
    }
    fn dim(&self) -> usize {
        DIM
    }
    fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        self.texts.fetch_add(texts.len(), Ordering::SeqCst);
        // Slow enough that two workers overlap.
        std::thread::sleep(Duration::from_millis(20));
        Ok(texts
            .iter()
            .map(|t| {
                let mut v = vec![0.1f32; DIM];
                for (i, b) in t.bytes().enumerate() {
                    v[i % DIM] += f32::from(b) / 255.0;
                }
                v
            })
            .collect())
    }
}

fn places() -> Vec<TestPlace> {
    let mut out = vec![TestPlace::sqlite()];
    out.extend(TestPlace::postgres());
    out
}

/// `n` engines on one catalog and one store, sharing one embedder.
fn engines(place: &TestPlace, n: usize, lease: Duration) -> (Vec<Arc<Engine>>, Arc<Counting>) {
    let meta = IndexMeta {
        model: "counting".into(),
        dim: DIM,
    };
    let store: Arc<dyn VectorStore> =
        Arc::new(EdgeStore::open(&place.path().join("index"), &meta).unwrap());
    let embedder = Arc::new(Counting::default());
    let engines = (0..n)
        .map(|_| {
            let mut config = EngineConfig::new(place.path(), place.path().join("models"));
            config.database_url = place.database_url().map(str::to_owned);
            config.ingest_lease = lease;
            Engine::with_parts(config, store.clone(), embedder.clone()).unwrap()
        })
        .collect();
    (engines, embedder)
}

async fn submit(engine: &Engine, n: usize, tag: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let text = format!("Relay {tag}-{i:03}\nWeight: {i}.5 g\nMade in Japan\n");
        let s = engine
            .submit(
                DEFAULT_TENANT,
                &format!("{tag}-{i:03}.txt"),
                text.as_bytes(),
            )
            .await
            .unwrap();
        ids.push(s.id);
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_given_the_same_documents_read_each_once() {
    for place in places() {
        let (e, embedder) = engines(&place, 2, Duration::from_secs(60));
        let ids = submit(&e[0], 24, "AB").await;
        let (mut r0, mut r1) = (Vec::new(), Vec::new());
        tokio::join!(
            e[0].process_all(ids.clone(), |id, r| {
                r0.push((id.to_owned(), r.map(|d| d.meta.status)));
                true
            }),
            e[1].process_all(ids.iter().rev().cloned(), |id, r| {
                r1.push((id.to_owned(), r.map(|d| d.meta.status)));
                true
            }),
        );
        for r in [&r0, &r1] {
            assert_eq!(
                r.len(),
                ids.len(),
                "{}: every id reported once",
                place.engine()
            );
            assert!(
                r.iter().all(|(_, s)| matches!(s, Ok(IngestStatus::Ready))),
                "{}: {r:?}",
                place.engine()
            );
        }
        let chunks: u64 = ids
            .iter()
            .map(|id| u64::from(place.open().unwrap().get(id).unwrap().meta.chunks))
            .sum();
        assert!(chunks >= ids.len() as u64);
        assert_eq!(
            embedder.texts.load(Ordering::SeqCst) as u64,
            chunks,
            "{}: no document was embedded twice",
            place.engine()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_workers_documents_are_read_once_its_lease_runs_out() {
    for place in places() {
        let (e, _) = engines(&place, 1, Duration::from_secs(60));
        let ids = submit(&e[0], 3, "CD").await;
        // A worker that claimed them and died.
        let held = e[0]
            .catalog
            .claim_queued("dead-worker", 10, Duration::from_millis(1500))
            .unwrap();
        assert_eq!(held.len(), 3);
        let started = Instant::now();
        let mut statuses = Vec::new();
        e[0].process_all(ids.clone(), |_, r| {
            statuses.push(r.map(|d| d.meta.status).ok());
            true
        })
        .await;
        assert!(
            started.elapsed() >= Duration::from_millis(1000),
            "{}: waited for the lease",
            place.engine()
        );
        assert_eq!(
            statuses,
            vec![Some(IngestStatus::Ready); 3],
            "{}",
            place.engine()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_reads_documents_another_process_queued() {
    for place in places() {
        let (e, _) = engines(&place, 2, Duration::from_secs(60));
        let worker = e[0].spawn_worker();
        // Queued through the other engine, which has no worker and does
        // not wake this one.
        let ids = submit(&e[1], 5, "EF").await;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let catalog = place.open().unwrap();
            let ready = ids
                .iter()
                .filter(|id| catalog.get(id).unwrap().meta.status == IngestStatus::Ready)
                .count();
            if ready == ids.len() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{}: {ready} ready",
                place.engine()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        e[0].stop_worker();
        worker.await.unwrap();
    }
}
