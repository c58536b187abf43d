//! The embedded Qdrant engine (qdrant-edge): one shard on local disk.
//!
//! The engine's calls block (disk, index search), so they run on the blocking
//! pool. The engine has no background optimiser; [`VectorStore::optimize`]
//! builds the HNSW and payload indexes on demand (search is exact and fast
//! before that). A lock file makes "one process owns the data directory" an
//! explicit error instead of corruption.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use qdrant_edge::external::serde_json;
use qdrant_edge::{
    Condition, CreateIndex, Distance, EdgeConfig, EdgeShard, EdgeSparseVectorParams,
    EdgeVectorParams, FieldCondition, FieldIndexOperations, Filter, Fusion, JsonPath, Match,
    Modifier, NamedQuery, PayloadFieldSchema, PayloadSchemaType, PointId, PointInsertOperations,
    PointOperations, PointStruct, Prefetch, QueryEnum, QueryRequest, ScoringQuery, UpdateOperation,
    Vector, VectorInternal, Vectors, WithPayloadInterface, WithVector,
};

use super::{
    ChunkFilter, ChunkPayload, ChunkPoint, DENSE, Hit, IndexMeta, SPARSE, StoreError, StoreQuery,
    VectorStore,
};

pub struct EdgeStore {
    shard: Arc<EdgeShard>,
    _lock: File,
    path: PathBuf,
}

fn backend<E: std::fmt::Display>(e: E) -> StoreError {
    StoreError::Backend(e.to_string())
}

impl EdgeStore {
    /// Opens (or creates) the store under `dir`, checking the model.
    pub fn open(dir: &Path, meta: &IndexMeta) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(backend)?;
        let lock = File::create(dir.join("LOCK")).map_err(backend)?;
        if lock.try_lock().is_err() {
            return Err(StoreError::Locked {
                path: dir.display().to_string(),
            });
        }
        let meta_path = dir.join("index-meta.json");
        let shard_path = dir.join("shard");
        match std::fs::read(&meta_path) {
            Ok(bytes) => {
                let stored: IndexMeta = serde_json::from_slice(&bytes).map_err(backend)?;
                if &stored != meta {
                    return Err(StoreError::ModelMismatch {
                        stored,
                        configured: meta.clone(),
                    });
                }
            }
            Err(_) => {
                // A shard without a meta file was not created by us; start clean.
                if shard_path.exists() {
                    std::fs::remove_dir_all(&shard_path).map_err(backend)?;
                }
                write_atomic(
                    &meta_path,
                    &serde_json::to_vec_pretty(meta).map_err(backend)?,
                )?;
            }
        }
        let shard = if shard_path.join(qdrant_edge::WAL_PATH).exists()
            || shard_path.join("edge_config.json").exists()
        {
            EdgeShard::load(&shard_path, None).map_err(backend)?
        } else {
            std::fs::create_dir_all(&shard_path).map_err(backend)?;
            #[allow(deprecated)] // `on_disk` has no replacement default yet
            let config = EdgeConfig {
                vectors: HashMap::from([(
                    DENSE.to_string(),
                    EdgeVectorParams {
                        size: meta.dim,
                        distance: Distance::Cosine,
                        on_disk: None,
                        memory: None,
                        multivector_config: None,
                        datatype: None,
                        quantization_config: None,
                        hnsw_config: None,
                    },
                )]),
                sparse_vectors: HashMap::from([(
                    SPARSE.to_string(),
                    EdgeSparseVectorParams {
                        modifier: Some(Modifier::Idf),
                        ..Default::default()
                    },
                )]),
                ..Default::default()
            };
            let shard = EdgeShard::new(&shard_path, config).map_err(backend)?;
            for (field, kind) in [
                ("doc_id", PayloadSchemaType::Keyword),
                ("tenant", PayloadSchemaType::Keyword),
            ] {
                let path = JsonPath::try_from(field)
                    .map_err(|_| StoreError::Backend(format!("bad field {field}")))?;
                shard
                    .update(UpdateOperation::FieldIndexOperation(
                        FieldIndexOperations::CreateIndex(CreateIndex {
                            field_name: path,
                            field_schema: Some(PayloadFieldSchema::FieldType(kind)),
                        }),
                    ))
                    .map_err(backend)?;
            }
            shard
        };
        Ok(Self {
            shard: Arc::new(shard),
            _lock: lock,
            path: dir.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&EdgeShard) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let shard = self.shard.clone();
        tokio::task::spawn_blocking(move || f(&shard))
            .await
            .map_err(|e| StoreError::Backend(format!("store task failed: {e}")))?
    }
}

impl Drop for EdgeStore {
    fn drop(&mut self) {
        if let Err(e) = self.shard.flush() {
            tracing::warn!(error = %e, "flush on close failed");
        }
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).map_err(backend)?;
    std::fs::rename(&tmp, path).map_err(backend)
}

fn field(name: &str) -> Result<JsonPath, StoreError> {
    JsonPath::try_from(name).map_err(|_| StoreError::Backend(format!("bad field {name}")))
}

fn to_filter(f: &ChunkFilter) -> Result<Filter, StoreError> {
    let mut must = vec![Condition::Field(FieldCondition::new_match(
        field("tenant")?,
        Match::from(f.tenant.clone()),
    ))];
    if let Some(ids) = &f.doc_ids {
        must.push(Condition::Field(FieldCondition::new_match(
            field("doc_id")?,
            Match::from(ids.clone()),
        )));
    }
    Ok(Filter {
        should: None,
        min_should: None,
        must: Some(must),
        must_not: None,
    })
}

fn nearest(vector: VectorInternal, using: &str) -> ScoringQuery {
    ScoringQuery::Vector(QueryEnum::Nearest(NamedQuery {
        query: vector,
        using: Some(using.to_string()),
    }))
}

#[async_trait]
impl VectorStore for EdgeStore {
    fn backend(&self) -> &'static str {
        "qdrant-edge"
    }

    #[tracing::instrument(skip_all, fields(points = points.len()))]
    async fn upsert(&self, points: Vec<ChunkPoint>) -> Result<(), StoreError> {
        if points.is_empty() {
            return Ok(());
        }
        self.blocking(move |shard| {
            let mut batch = Vec::with_capacity(points.len());
            for p in points {
                let payload = serde_json::to_value(&p.payload).map_err(backend)?;
                let sparse = qdrant_edge::SparseVector {
                    indices: p.sparse.indices.clone(),
                    values: p.sparse.values.clone(),
                };
                batch.push(
                    PointStruct::new(
                        p.id(),
                        Vectors::new_named([
                            (DENSE, Vector::from(p.dense)),
                            (SPARSE, Vector::from(sparse)),
                        ]),
                        payload,
                    )
                    .into(),
                );
            }
            shard
                .update(UpdateOperation::PointOperation(
                    PointOperations::UpsertPoints(PointInsertOperations::PointsList(batch)),
                ))
                .map_err(backend)?;
            shard.flush().map_err(backend)
        })
        .await
    }

    #[tracing::instrument(skip(self))]
    async fn delete_document(&self, doc_id: &str) -> Result<(), StoreError> {
        let filter = Filter::new_must(Condition::Field(FieldCondition::new_match(
            field("doc_id")?,
            Match::from(doc_id.to_owned()),
        )));
        self.blocking(move |shard| {
            shard
                .update(UpdateOperation::PointOperation(
                    PointOperations::DeletePointsByFilter(filter),
                ))
                .map_err(backend)?;
            shard.flush().map_err(backend)
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(limit = q.limit))]
    async fn query(&self, q: StoreQuery) -> Result<Vec<Hit>, StoreError> {
        if q.limit == 0 || q.filter.doc_ids.as_ref().is_some_and(Vec::is_empty) {
            return Ok(Vec::new());
        }
        let filter = to_filter(&q.filter)?;
        let candidates = (q.limit * 4).max(20);
        let sparse = qdrant_edge::SparseVector {
            indices: q.sparse.indices,
            values: q.sparse.values,
        };
        let mut prefetches = vec![Prefetch {
            prefetches: vec![],
            query: Some(nearest(VectorInternal::from(q.dense), DENSE)),
            limit: candidates,
            params: None,
            filter: Some(filter.clone()),
            score_threshold: None,
        }];
        let has_sparse = !sparse.indices.is_empty();
        if has_sparse {
            prefetches.push(Prefetch {
                prefetches: vec![],
                query: Some(nearest(VectorInternal::from(sparse), SPARSE)),
                limit: candidates,
                params: None,
                filter: Some(filter.clone()),
                score_threshold: None,
            });
        }
        let request = QueryRequest {
            prefetches,
            query: Some(ScoringQuery::Fusion(Fusion::Rrf {
                k: 60,
                weights: has_sparse.then(|| {
                    vec![
                        qdrant_edge::external::ordered_float::OrderedFloat(1.0),
                        qdrant_edge::external::ordered_float::OrderedFloat(q.sparse_weight),
                    ]
                }),
            })),
            filter: Some(filter),
            score_threshold: None,
            limit: q.limit,
            offset: 0,
            params: None,
            with_vector: WithVector::Bool(false),
            with_payload: WithPayloadInterface::Bool(true),
        };
        self.blocking(move |shard| {
            let points = shard.query(request).map_err(backend)?;
            points
                .into_iter()
                .map(|p| {
                    let id = match p.id {
                        PointId::NumId(n) => n,
                        PointId::Uuid(_) => 0,
                    };
                    let map = p.payload.map(|pl| pl.0).unwrap_or_default();
                    let payload: ChunkPayload =
                        serde_json::from_value(serde_json::Value::Object(map)).map_err(backend)?;
                    Ok(Hit {
                        id,
                        score: p.score,
                        payload,
                    })
                })
                .collect()
        })
        .await
    }

    async fn count(&self, filter: ChunkFilter) -> Result<usize, StoreError> {
        if filter.doc_ids.as_ref().is_some_and(Vec::is_empty) {
            return Ok(0);
        }
        let filter = to_filter(&filter)?;
        self.blocking(move |shard| {
            shard
                .count(qdrant_edge::CountRequest {
                    filter: Some(filter),
                    exact: true,
                })
                .map_err(backend)
        })
        .await
    }

    async fn optimize(&self) -> Result<(), StoreError> {
        self.blocking(|shard| shard.optimize().map(|_| ()).map_err(backend))
            .await
    }
}
