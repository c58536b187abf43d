//! Vector stores behind one small trait.
//!
//! Two implementations: [`edge::EdgeStore`], Qdrant's engine embedded in the
//! process (the default; one process owns its data directory), and
//! [`remote::RemoteStore`], a Qdrant server or cluster through
//! qdrant-client. Both pass [`conformance::run_all`].
//!
//! Each store records the embedding model name and dimension it was built
//! with and refuses to open with another: vectors of two models in one
//! collection would silently return nonsense.

pub mod absent;
pub mod conformance;
pub mod edge;
pub mod remote;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::embed::SparseVec;

pub const DENSE: &str = "dense";
pub const SPARSE: &str = "bm25";

/// The model a collection's dense vectors were computed with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexMeta {
    pub model: String,
    pub dim: usize,
}

/// What is stored with every chunk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChunkPayload {
    pub doc_id: String,
    pub tenant: String,
    pub chunk_index: u32,
    pub page: u32,
    /// Code point offsets into the document's canonical text.
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChunkPoint {
    pub payload: ChunkPayload,
    pub dense: Vec<f32>,
    pub sparse: SparseVec,
}

impl ChunkPoint {
    /// Point ids derive from (document, chunk index): re-ingesting a document
    /// overwrites its points instead of adding copies.
    pub fn id(&self) -> u64 {
        point_id(&self.payload.doc_id, self.payload.chunk_index)
    }
}

pub fn point_id(doc_id: &str, chunk_index: u32) -> u64 {
    let d = Sha256::new()
        .chain_update(doc_id.as_bytes())
        .chain_update(chunk_index.to_le_bytes())
        .finalize();
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    // Keep ids within i64 so every Qdrant client can represent them.
    u64::from_le_bytes(b) >> 1
}

/// Restricts a query to one tenant and, optionally, to some documents.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChunkFilter {
    pub tenant: String,
    /// `None`: every document; `Some(empty)`: none.
    pub doc_ids: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoreQuery {
    pub dense: Vec<f32>,
    pub sparse: SparseVec,
    pub filter: ChunkFilter,
    pub limit: usize,
    /// Weight of the sparse ranking against the dense one (1.0) in the
    /// fusion; raised for queries that are identifiers.
    pub sparse_weight: f32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: u64,
    pub score: f32,
    pub payload: ChunkPayload,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the index was built with {stored:?} but the service is configured with {configured:?}; re-index or use the original model"
    )]
    ModelMismatch {
        stored: IndexMeta,
        configured: IndexMeta,
    },
    #[error("the embedded store at {path} is in use by another process")]
    Locked { path: String },
    #[error("vector store unavailable: {0}")]
    Unavailable(String),
    #[error("vector store error: {0}")]
    Backend(String),
}

/// A vector store for chunks.
///
/// Contract, checked by [`conformance::run_all`] for every implementation:
/// - `upsert` is idempotent: upserting the same points twice leaves one copy;
/// - after `upsert` returns, the points are visible to `query` and `count`;
/// - `delete_document` removes every point of that document and nothing else;
/// - `query` never returns a point outside the filter (tenant, documents),
///   returns at most `limit` hits, best first, fusing dense and sparse
///   similarity, and finds an exact rare token through the sparse vector.
#[async_trait]
pub trait VectorStore: Send + Sync {
    fn backend(&self) -> &'static str;
    async fn upsert(&self, points: Vec<ChunkPoint>) -> Result<(), StoreError>;
    async fn delete_document(&self, doc_id: &str) -> Result<(), StoreError>;
    async fn query(&self, q: StoreQuery) -> Result<Vec<Hit>, StoreError>;
    async fn count(&self, filter: ChunkFilter) -> Result<usize, StoreError>;
    /// Builds indexes after bulk writes (a no-op where the backend does this
    /// itself).
    async fn optimize(&self) -> Result<(), StoreError>;
}
