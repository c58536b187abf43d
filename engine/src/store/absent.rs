//! The store of a process that owns none (`--no-store`): with the embedded
//! store, one process owns the index; the others hand their writes off
//! through the catalog ([`crate::catalog::HandoffKind`]) and cannot
//! search.

use async_trait::async_trait;

use super::{ChunkFilter, ChunkPoint, Hit, StoreError, StoreQuery, VectorStore};

pub struct AbsentStore;

fn absent() -> StoreError {
    StoreError::Unavailable(
        "this process runs without a vector store (--no-store): search and chat are answered \
         by the process that owns the index, or by every replica with a Qdrant server \
         (ATTEST_QDRANT_URL)"
            .into(),
    )
}

#[async_trait]
impl VectorStore for AbsentStore {
    fn backend(&self) -> &'static str {
        "none"
    }
    async fn upsert(&self, _points: Vec<ChunkPoint>) -> Result<(), StoreError> {
        Err(absent())
    }
    async fn delete_document(&self, _doc_id: &str) -> Result<(), StoreError> {
        Err(absent())
    }
    async fn query(&self, _q: StoreQuery) -> Result<Vec<Hit>, StoreError> {
        Err(absent())
    }
    async fn count(&self, _filter: ChunkFilter) -> Result<usize, StoreError> {
        Err(absent())
    }
    async fn optimize(&self) -> Result<(), StoreError> {
        Ok(())
    }
}
