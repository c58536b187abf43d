//! A Qdrant server or cluster through qdrant-client (gRPC).
//!
//! The collection is created when absent, with the embedding model name and
//! dimension in its metadata; an existing collection built with another
//! model is refused. Writes wait for the server to apply them, so a point is
//! visible to queries as soon as `upsert` returns.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use qdrant_client::Qdrant;
use qdrant_client::qdrant::{
    Condition, CountPointsBuilder, CreateCollectionBuilder, CreateFieldIndexCollectionBuilder,
    DeletePointsBuilder, Distance, FieldType, Filter, Fusion, Modifier, NamedVectors, PointId,
    PointStruct, PrefetchQueryBuilder, Query, QueryPointsBuilder, RrfBuilder,
    SparseVectorParamsBuilder, SparseVectorsConfigBuilder, UpsertPointsBuilder, Vector,
    VectorInput, VectorParamsBuilder, VectorsConfigBuilder, point_id::PointIdOptions,
};

use super::{
    ChunkFilter, ChunkPayload, ChunkPoint, DENSE, Hit, IndexMeta, SPARSE, StoreError, StoreQuery,
    VectorStore,
};

pub struct RemoteStore {
    client: Qdrant,
    collection: String,
}

/// The collection attest creates when it is absent: its name and, for a
/// cluster, how it is spread (Qdrant's defaults where unset).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CollectionSpec {
    pub name: String,
    /// Shards; at least the number of nodes, so each holds part.
    pub shards: Option<u32>,
    /// Copies of each shard.
    pub replication: Option<u32>,
    /// Copies that must apply a write before it is acknowledged; with
    /// the replication factor, every copy.
    pub write_consistency: Option<u32>,
}

impl From<&str> for CollectionSpec {
    fn from(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            ..Self::default()
        }
    }
}

impl From<&String> for CollectionSpec {
    fn from(name: &String) -> Self {
        Self::from(name.as_str())
    }
}

fn unavailable<E: std::fmt::Display>(e: E) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

impl RemoteStore {
    #[tracing::instrument(skip(api_key, collection, meta), fields(model = %meta.model))]
    pub async fn connect(
        url: &str,
        api_key: Option<String>,
        collection: impl Into<CollectionSpec>,
        meta: &IndexMeta,
    ) -> Result<Self, StoreError> {
        let spec = collection.into();
        let client = Qdrant::from_url(url)
            .api_key(api_key)
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(5))
            .skip_compatibility_check()
            .build()
            .map_err(unavailable)?;
        let store = Self {
            client,
            collection: spec.name.clone(),
        };
        store.ensure_collection(&spec, meta).await?;
        Ok(store)
    }

    async fn ensure_collection(
        &self,
        spec: &CollectionSpec,
        meta: &IndexMeta,
    ) -> Result<(), StoreError> {
        let exists = self
            .client
            .collection_exists(&self.collection)
            .await
            .map_err(unavailable)?;
        if exists {
            let info = self
                .client
                .collection_info(&self.collection)
                .await
                .map_err(unavailable)?;
            let metadata = info
                .result
                .and_then(|r| r.config)
                .map(|c| c.metadata)
                .unwrap_or_default();
            let stored = IndexMeta {
                model: metadata
                    .get("embedding_model")
                    .map(|v| v.clone().into_json())
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                dim: metadata
                    .get("embedding_dim")
                    .map(|v| v.clone().into_json())
                    .and_then(|v| v.as_u64())
                    .unwrap_or(0) as usize,
            };
            if &stored != meta {
                return Err(StoreError::ModelMismatch {
                    stored,
                    configured: meta.clone(),
                });
            }
            return Ok(());
        }
        let mut vectors = VectorsConfigBuilder::default();
        vectors.add_named_vector_params(
            DENSE,
            VectorParamsBuilder::new(meta.dim as u64, Distance::Cosine),
        );
        let mut sparse = SparseVectorsConfigBuilder::default();
        sparse.add_named_vector_params(
            SPARSE,
            SparseVectorParamsBuilder::default().modifier(Modifier::Idf),
        );
        let metadata: HashMap<String, serde_json::Value> = HashMap::from([
            (
                "embedding_model".to_owned(),
                serde_json::Value::from(meta.model.clone()),
            ),
            (
                "embedding_dim".to_owned(),
                serde_json::Value::from(meta.dim),
            ),
        ]);
        self.client
            .create_collection({
                let mut create = CreateCollectionBuilder::new(&self.collection)
                    .vectors_config(vectors)
                    .sparse_vectors_config(sparse)
                    .metadata(metadata);
                if let Some(n) = spec.shards {
                    create = create.shard_number(n);
                }
                if let Some(n) = spec.replication {
                    create = create.replication_factor(n);
                }
                if let Some(n) = spec.write_consistency {
                    create = create.write_consistency_factor(n);
                }
                create
            })
            .await
            .map_err(unavailable)?;
        for f in ["doc_id", "tenant"] {
            let mut index =
                CreateFieldIndexCollectionBuilder::new(&self.collection, f, FieldType::Keyword)
                    .wait(true);
            if f == "tenant" {
                // Qdrant lays points out by tenant and plans filters for it.
                index = index.field_index_params(
                    qdrant_client::qdrant::KeywordIndexParamsBuilder::default().is_tenant(true),
                );
            }
            self.client
                .create_field_index(index)
                .await
                .map_err(unavailable)?;
        }
        Ok(())
    }
}

fn to_filter(f: &ChunkFilter) -> Filter {
    let mut must = vec![Condition::matches("tenant", f.tenant.clone())];
    if let Some(ids) = &f.doc_ids {
        must.push(Condition::matches("doc_id", ids.clone()));
    }
    Filter::must(must)
}

#[async_trait]
impl VectorStore for RemoteStore {
    fn backend(&self) -> &'static str {
        "qdrant-server"
    }

    #[tracing::instrument(skip_all, fields(points = points.len()))]
    async fn upsert(&self, points: Vec<ChunkPoint>) -> Result<(), StoreError> {
        if points.is_empty() {
            return Ok(());
        }
        let mut batch = Vec::with_capacity(points.len());
        for p in points {
            let id = p.id();
            let payload =
                serde_json::to_value(&p.payload).map_err(|e| StoreError::Backend(e.to_string()))?;
            let payload = qdrant_client::Payload::try_from(payload)
                .map_err(|e| StoreError::Backend(e.to_string()))?;
            let vectors = NamedVectors::default()
                .add_vector(DENSE, Vector::new_dense(p.dense))
                .add_vector(
                    SPARSE,
                    Vector::new_sparse(p.sparse.indices, p.sparse.values),
                );
            batch.push(PointStruct::new(id, vectors, payload));
        }
        self.client
            .upsert_points(UpsertPointsBuilder::new(&self.collection, batch).wait(true))
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    #[tracing::instrument(skip(self))]
    async fn delete_document(&self, doc_id: &str) -> Result<(), StoreError> {
        self.client
            .delete_points(
                DeletePointsBuilder::new(&self.collection)
                    .points(Filter::must([Condition::matches(
                        "doc_id",
                        doc_id.to_owned(),
                    )]))
                    .wait(true),
            )
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(limit = q.limit))]
    async fn query(&self, q: StoreQuery) -> Result<Vec<Hit>, StoreError> {
        if q.limit == 0 || q.filter.doc_ids.as_ref().is_some_and(Vec::is_empty) {
            return Ok(Vec::new());
        }
        let filter = to_filter(&q.filter);
        let candidates = (q.limit * 4).max(20) as u64;
        let mut builder = QueryPointsBuilder::new(&self.collection).add_prefetch(
            PrefetchQueryBuilder::default()
                .query(Query::new_nearest(q.dense))
                .using(DENSE)
                .filter(filter.clone())
                .limit(candidates),
        );
        let has_sparse = !q.sparse.indices.is_empty();
        if has_sparse {
            builder = builder.add_prefetch(
                PrefetchQueryBuilder::default()
                    .query(Query::new_nearest(VectorInput::new_sparse(
                        q.sparse.indices,
                        q.sparse.values,
                    )))
                    .using(SPARSE)
                    .filter(filter.clone())
                    .limit(candidates),
            );
        }
        let response = self
            .client
            .query(
                builder
                    .query(if has_sparse {
                        Query::new_rrf(RrfBuilder::with_k(60).weights(vec![1.0, q.sparse_weight]))
                    } else {
                        Query::new_fusion(Fusion::Rrf)
                    })
                    .filter(filter)
                    .limit(q.limit as u64)
                    .with_payload(true),
            )
            .await
            .map_err(unavailable)?;
        response
            .result
            .into_iter()
            .map(|p| {
                let id = match p
                    .id
                    .and_then(|PointId { point_id_options }| point_id_options)
                {
                    Some(PointIdOptions::Num(n)) => n,
                    _ => 0,
                };
                let map: serde_json::Map<String, serde_json::Value> = p
                    .payload
                    .into_iter()
                    .map(|(k, v)| (k, v.into_json()))
                    .collect();
                let payload: ChunkPayload = serde_json::from_value(serde_json::Value::Object(map))
                    .map_err(|e| StoreError::Backend(e.to_string()))?;
                Ok(Hit {
                    id,
                    score: p.score,
                    payload,
                })
            })
            .collect()
    }

    async fn count(&self, filter: ChunkFilter) -> Result<usize, StoreError> {
        if filter.doc_ids.as_ref().is_some_and(Vec::is_empty) {
            return Ok(0);
        }
        let r = self
            .client
            .count(
                CountPointsBuilder::new(&self.collection)
                    .filter(to_filter(&filter))
                    .exact(true),
            )
            .await
            .map_err(unavailable)?;
        Ok(r.result.map(|c| c.count as usize).unwrap_or(0))
    }

    async fn optimize(&self) -> Result<(), StoreError> {
        // The server's optimiser runs in the background.
        Ok(())
    }
}

/// A Qdrant server that may not be up yet, or may go away: connects on first
/// use and again after a failure (at most one attempt per second), so the
/// service starts, answers `/readyz` 503 and its store calls `unavailable`
/// while the server is down, and recovers without a restart when it is
/// back. A model mismatch found on connecting stays fatal at start-up.
/// A connection attempt that takes longer counts as a failure.
const CONNECT_WITHIN: Duration = Duration::from_secs(5);
/// A store call that takes longer is `unavailable` (a slow server must not
/// hold requests until their own deadline).
const CALL_WITHIN: Duration = Duration::from_secs(10);

async fn within<T>(
    limit: Duration,
    f: impl std::future::Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    tokio::time::timeout(limit, f).await.unwrap_or_else(|_| {
        Err(StoreError::Unavailable(format!(
            "the vector store did not answer within {} s",
            limit.as_secs()
        )))
    })
}

pub struct LazyRemoteStore {
    url: String,
    api_key: Option<String>,
    collection: CollectionSpec,
    meta: IndexMeta,
    inner: tokio::sync::RwLock<Option<std::sync::Arc<RemoteStore>>>,
    last_attempt: std::sync::Mutex<Option<std::time::Instant>>,
}

impl LazyRemoteStore {
    pub async fn connect(
        url: &str,
        api_key: Option<String>,
        collection: CollectionSpec,
        meta: &IndexMeta,
    ) -> Result<Self, StoreError> {
        let store = Self {
            url: url.to_owned(),
            api_key,
            collection,
            meta: meta.clone(),
            inner: tokio::sync::RwLock::new(None),
            last_attempt: std::sync::Mutex::new(None),
        };
        let first = tokio::time::timeout(CONNECT_WITHIN, store.get())
            .await
            .unwrap_or_else(|_| Err(StoreError::Unavailable("no answer while connecting".into())));
        match first {
            Ok(_) => {}
            Err(StoreError::Unavailable(e)) => {
                tracing::warn!(url, error = %e, "the vector store is unreachable; serving and retrying");
            }
            Err(e) => return Err(e),
        }
        Ok(store)
    }

    async fn get(&self) -> Result<std::sync::Arc<RemoteStore>, StoreError> {
        if let Some(s) = self.inner.read().await.as_ref() {
            return Ok(s.clone());
        }
        let mut slot = self.inner.write().await;
        if let Some(s) = slot.as_ref() {
            return Ok(s.clone());
        }
        {
            let mut last = self.last_attempt.lock().unwrap_or_else(|p| p.into_inner());
            if last.is_some_and(|t| t.elapsed() < Duration::from_secs(1)) {
                return Err(StoreError::Unavailable(
                    "the vector store is unreachable; retrying".into(),
                ));
            }
            *last = Some(std::time::Instant::now());
        }
        let store = std::sync::Arc::new(
            within(
                CONNECT_WITHIN,
                RemoteStore::connect(
                    &self.url,
                    self.api_key.clone(),
                    self.collection.clone(),
                    &self.meta,
                ),
            )
            .await?,
        );
        tracing::info!(url = %self.url, "connected to the vector store");
        *slot = Some(store.clone());
        Ok(store)
    }
}

#[async_trait]
impl VectorStore for LazyRemoteStore {
    fn backend(&self) -> &'static str {
        "qdrant-server"
    }

    async fn upsert(&self, points: Vec<ChunkPoint>) -> Result<(), StoreError> {
        within(CALL_WITHIN, async {
            self.get().await?.upsert(points).await
        })
        .await
    }

    async fn delete_document(&self, doc_id: &str) -> Result<(), StoreError> {
        within(CALL_WITHIN, async {
            self.get().await?.delete_document(doc_id).await
        })
        .await
    }

    async fn query(&self, q: StoreQuery) -> Result<Vec<Hit>, StoreError> {
        within(CALL_WITHIN, async { self.get().await?.query(q).await }).await
    }

    async fn count(&self, filter: ChunkFilter) -> Result<usize, StoreError> {
        within(CALL_WITHIN, async { self.get().await?.count(filter).await }).await
    }

    async fn optimize(&self) -> Result<(), StoreError> {
        self.get().await?.optimize().await
    }
}
