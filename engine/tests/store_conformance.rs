//! The vector store conformance suite against every backend.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use attest_engine::store::edge::EdgeStore;
use attest_engine::store::remote::RemoteStore;
use attest_engine::store::{IndexMeta, StoreError, conformance};

fn meta(model: &str, dim: usize) -> IndexMeta {
    IndexMeta {
        model: model.into(),
        dim,
    }
}

#[tokio::test]
async fn embedded_store_passes_the_conformance_suite() {
    let dir = tempfile::tempdir().unwrap();
    let store = EdgeStore::open(dir.path(), &meta("conformance", conformance::DIM)).unwrap();
    conformance::run_all(&store).await.unwrap();
}

#[tokio::test]
async fn embedded_store_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = EdgeStore::open(dir.path(), &meta("conformance", conformance::DIM)).unwrap();
        conformance::run_all(&store).await.unwrap();
    }
    let store = EdgeStore::open(dir.path(), &meta("conformance", conformance::DIM)).unwrap();
    let n = attest_engine::store::VectorStore::count(
        &store,
        attest_engine::store::ChunkFilter {
            tenant: "t1".into(),
            doc_ids: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(n, 3, "points written before the restart are still there");
}

#[tokio::test]
async fn embedded_store_refuses_another_model_and_a_second_owner() {
    let dir = tempfile::tempdir().unwrap();
    {
        let _store = EdgeStore::open(dir.path(), &meta("model-a", 8)).unwrap();
        let second = EdgeStore::open(dir.path(), &meta("model-a", 8));
        assert!(
            matches!(second, Err(StoreError::Locked { .. })),
            "a second owner is refused"
        );
    }
    let other = EdgeStore::open(dir.path(), &meta("model-b", 8));
    assert!(matches!(other, Err(StoreError::ModelMismatch { .. })));
    let other_dim = EdgeStore::open(dir.path(), &meta("model-a", 16));
    assert!(matches!(other_dim, Err(StoreError::ModelMismatch { .. })));
}

/// Runs against a real Qdrant server: `ATTEST_TEST_QDRANT_URL=http://localhost:6334
/// cargo nextest run --run-ignored all store_conformance`.
#[tokio::test]
#[ignore = "needs a Qdrant server; set ATTEST_TEST_QDRANT_URL"]
async fn server_store_passes_the_conformance_suite() {
    let url = std::env::var("ATTEST_TEST_QDRANT_URL").expect("ATTEST_TEST_QDRANT_URL");
    let collection = format!("attest_conformance_{}", std::process::id());
    let store = RemoteStore::connect(
        &url,
        None,
        &collection,
        &meta("conformance", conformance::DIM),
    )
    .await
    .unwrap();
    conformance::run_all(&store).await.unwrap();
    let mismatch =
        RemoteStore::connect(&url, None, &collection, &meta("other", conformance::DIM)).await;
    assert!(matches!(mismatch, Err(StoreError::ModelMismatch { .. })));
}
