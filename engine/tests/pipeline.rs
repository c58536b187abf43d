//! The ingest pipeline over many files: every file is reported once, in
//! order; small documents share model calls; a rejected file fails alone;
//! every published document has its chunks in the store; a failed model
//! call fails its group without losing the acknowledged files, which the
//! next run finishes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use attest_engine::document::{DEFAULT_TENANT, IngestStatus};
use attest_engine::embed::{EmbedError, Embedder};
use attest_engine::library::{Engine, EngineConfig};
use attest_engine::store::edge::EdgeStore;
use attest_engine::store::{ChunkFilter, IndexMeta, VectorStore};

const DIM: usize = 8;

struct Folder(PathBuf);

impl Folder {
    fn path(&self) -> &std::path::Path {
        &self.0
    }
}

/// Vectors from the text's bytes; records the size of every call, and
/// fails while `broken` is set.
#[derive(Default)]
struct Recording {
    calls: Mutex<Vec<usize>>,
    broken: AtomicBool,
}

impl Embedder for Recording {
    fn model_name(&self) -> &str {
        "recording"
    }
    fn dim(&self) -> usize {
        DIM
    }
    fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        if self.broken.load(Ordering::SeqCst) {
            return Err(EmbedError::Inference("the model is down".into()));
        }
        self.calls.lock().unwrap().push(texts.len());
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

fn engine(dir: &std::path::Path, embedder: Arc<Recording>) -> Arc<Engine> {
    let meta = IndexMeta {
        model: "recording".into(),
        dim: DIM,
    };
    let store: Arc<dyn VectorStore> = Arc::new(EdgeStore::open(&dir.join("index"), &meta).unwrap());
    Engine::with_parts(EngineConfig::new(dir, dir.join("models")), store, embedder).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_small_files_share_model_calls_and_are_reported_in_order() {
    let data = tempfile::tempdir().unwrap();
    // Not the temporary folder itself: its name is hidden (".tmp…").
    let root = tempfile::tempdir().unwrap();
    let files = Folder(root.path().join("docs"));
    std::fs::create_dir(files.path()).unwrap();
    for i in 0..60 {
        std::fs::write(
            files.path().join(format!("part-{i:03}.txt")),
            format!("Relay RX-{i:04}\nWeight: {}.5 g\nMade in Japan\n", i + 1),
        )
        .unwrap();
    }
    // The same content under another name, and a file no parser reads.
    std::fs::write(
        files.path().join("part-000-copy.txt"),
        "Relay RX-0000\nWeight: 1.5 g\nMade in Japan\n",
    )
    .unwrap();
    std::fs::write(
        files.path().join("part-030-broken.pdf"),
        b"not a pdf at all",
    )
    .unwrap();

    let embedder = Arc::new(Recording::default());
    let engine = engine(data.path(), embedder.clone());
    let mut reported: Vec<(PathBuf, bool)> = Vec::new();
    let summary = engine
        .ingest_paths(DEFAULT_TENANT, &[files.path().to_path_buf()], |p, r| {
            let ready = matches!(r, Ok(d) if d.meta.status == IngestStatus::Ready);
            reported.push((p.to_path_buf(), ready));
        })
        .await
        .unwrap();

    let mut expected: Vec<PathBuf> = std::fs::read_dir(files.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    expected.sort();
    assert_eq!(
        reported.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>(),
        expected,
        "each file once, in order"
    );
    for (p, ready) in &reported {
        let broken = p.to_string_lossy().ends_with("broken.pdf");
        assert_eq!(*ready, !broken, "{}", p.display());
    }
    assert_eq!(summary.documents, 61);
    assert_eq!(summary.failures.len(), 1);
    assert_eq!(summary.failures[0].0, "part-030-broken.pdf");

    let calls = embedder.calls.lock().unwrap().clone();
    let embedded: usize = calls.iter().sum();
    assert_eq!(embedded, summary.chunks - 1, "the copy is one document");
    assert!(
        calls.len() < 60 && calls.iter().any(|&n| n > 1),
        "small documents share model calls: {calls:?}"
    );
    // Every document is published with its chunks.
    let docs = engine.catalog.list(DEFAULT_TENANT);
    assert_eq!(docs.len(), 61, "60 parts and the broken file");
    for d in docs.iter().filter(|d| d.status == IngestStatus::Ready) {
        let n = engine
            .store
            .count(ChunkFilter {
                tenant: DEFAULT_TENANT.into(),
                doc_ids: Some(vec![d.id.clone()]),
            })
            .await
            .unwrap();
        assert_eq!(n, d.chunks as usize, "{}", d.source);
        assert!(n > 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_model_call_keeps_the_files_for_the_next_run() {
    let data = tempfile::tempdir().unwrap();
    // Not the temporary folder itself: its name is hidden (".tmp…").
    let root = tempfile::tempdir().unwrap();
    let files = Folder(root.path().join("docs"));
    std::fs::create_dir(files.path()).unwrap();
    for i in 0..10 {
        std::fs::write(
            files.path().join(format!("d{i}.txt")),
            format!("Switch SW-{i}\nMass: {i}0 mg\n"),
        )
        .unwrap();
    }
    let embedder = Arc::new(Recording::default());
    embedder.broken.store(true, Ordering::SeqCst);
    let engine = engine(data.path(), embedder.clone());
    let err = engine
        .ingest_paths(DEFAULT_TENANT, &[files.path().to_path_buf()], |_, _| {})
        .await
        .unwrap_err();
    assert!(err.to_string().contains("the model is down"), "{err}");
    // Acknowledged, not visible, not lost.
    let docs = engine.catalog.list(DEFAULT_TENANT);
    assert_eq!(docs.len(), 10);
    assert!(docs.iter().all(|d| d.status == IngestStatus::Queued));
    assert_eq!(engine.catalog.queued().len(), 10);

    embedder.broken.store(false, Ordering::SeqCst);
    let queued = engine.catalog.queued();
    let mut done = Vec::new();
    engine
        .process_all(queued.clone(), |id, r| {
            assert_eq!(r.unwrap().meta.status, IngestStatus::Ready);
            done.push(id.to_owned());
            true
        })
        .await;
    assert_eq!(done, queued, "each once, in the order given");
    assert!(engine.catalog.queued().is_empty());
}
