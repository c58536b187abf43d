//! Hybrid retrieval over chunks: the query is embedded densely and as BM25
//! terms, the store fuses both rankings, filtered by tenant, documents and
//! subject.

use serde::{Deserialize, Serialize};

use crate::library::{Engine, EngineError};
use crate::query_embed::QueryEmbedError;
use crate::store::{ChunkFilter, StoreQuery};

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchRequest {
    #[schema(min_length = 1, max_length = 2000)]
    pub query: String,
    #[serde(default)]
    #[schema(max_items = 1000)]
    pub document_ids: Option<Vec<String>>,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub subject: Option<String>,
    /// 1 to 100 (larger values are read as 100), default 10.
    #[serde(default = "default_limit")]
    #[schema(default = 10, minimum = 1, maximum = 100)]
    pub limit: usize,
}

fn default_limit() -> usize {
    10
}

pub const MAX_LIMIT: usize = 100;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SearchHit {
    pub document_id: String,
    pub source: String,
    pub chunk_index: u32,
    pub page: u32,
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub score: f32,
    /// Store point id of the chunk (provenance).
    pub point_id: u64,
}

/// Resolves the document filter of a request: explicit ids intersected with
/// the documents about the subject. `None` means all documents.
pub fn resolve_documents(
    engine: &Engine,
    tenant: &str,
    document_ids: Option<&[String]>,
    subject: Option<&str>,
) -> Option<Vec<String>> {
    let by_subject = subject
        .filter(|s| !s.trim().is_empty())
        .map(|s| engine.catalog.find_subject(tenant, s));
    match (document_ids, by_subject) {
        (Some(ids), Some(subj)) => Some(ids.iter().filter(|i| subj.contains(i)).cloned().collect()),
        (Some(ids), None) => Some(ids.to_vec()),
        (None, Some(subj)) => Some(subj),
        (None, None) => None,
    }
}

/// Identifier-like queries (part and CAS numbers: digits mixed with letters
/// or dashes) are exact lookups; meaning-based similarity adds noise there,
/// so the BM25 ranking counts for more.
pub fn sparse_weight(query: &str) -> f32 {
    let tokens: Vec<&str> = query.split_whitespace().collect();
    let ids = tokens
        .iter()
        .filter(|t| {
            t.chars().any(|c| c.is_ascii_digit())
                && (t.chars().any(|c| c.is_ascii_alphabetic()) || t.contains('-'))
                && t.len() >= 4
        })
        .count();
    if ids > 0 && ids * 2 >= tokens.len() {
        3.0
    } else {
        1.0
    }
}

#[tracing::instrument(skip(engine, req), fields(limit = req.limit))]
pub async fn search(
    engine: &Engine,
    tenant: &str,
    req: &SearchRequest,
) -> Result<Vec<SearchHit>, EngineError> {
    let doc_ids = resolve_documents(
        engine,
        tenant,
        req.document_ids.as_deref(),
        req.subject.as_deref(),
    );
    let query_text = match &req.subject {
        Some(s) if !req.query.contains(s.as_str()) => format!("{} {}", req.query, s),
        _ => req.query.clone(),
    };
    let dense = engine
        .query_embedder
        .embed(query_text.clone())
        .await
        .map_err(|e| match e {
            QueryEmbedError::Overloaded(o) => EngineError::Overloaded(o),
            QueryEmbedError::Embed(e) => EngineError::Embed(e),
        })?;
    let query = StoreQuery {
        dense,
        sparse: engine.bm25.query(&query_text),
        filter: ChunkFilter {
            tenant: tenant.to_owned(),
            doc_ids,
        },
        limit: req.limit.clamp(1, MAX_LIMIT),
        sparse_weight: sparse_weight(&req.query),
    };
    let _guard = engine.read_guard().await;
    let started = std::time::Instant::now();
    let hits = engine.store.query(query).await;
    metrics::histogram!("attest_store_seconds", "op" => "query")
        .record(started.elapsed().as_secs_f64());
    let hits = hits?;
    Ok(hits
        .into_iter()
        .map(|h| SearchHit {
            document_id: h.payload.doc_id,
            source: h.payload.source,
            chunk_index: h.payload.chunk_index,
            page: h.payload.page,
            start: h.payload.start,
            end: h.payload.end,
            text: h.payload.text,
            score: h.score,
            point_id: h.id,
        })
        .collect())
}
