//! The engine: one handle on the catalog, the vector store, the embedder
//! and the visibility lock, shared by ingest, search, extraction and chat.
//! What it does with documents lives with each concern: [`crate::ingest`]
//! (submit, process, the worker, the inbox), [`crate::search`],
//! [`crate::extract`], [`crate::ask`].

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::RwLock;

use crate::catalog::{Catalog, CatalogError};
use crate::chunk::ChunkConfig;
use crate::document::Document;
use crate::embed::{Bm25, EmbedError, Embedder, FastEmbedder, ModelPaths};
use crate::originals::{Originals, OriginalsError};
use crate::parse::ParseLimits;
use crate::query_embed::{Overloaded, QueryBatching, QueryEmbedder};
use crate::store::absent::AbsentStore;
use crate::store::edge::EdgeStore;
use crate::store::remote::{CollectionSpec, LazyRemoteStore};
use crate::store::{IndexMeta, StoreError, VectorStore};

#[derive(Debug, Clone)]
pub enum StoreConfig {
    /// The embedded engine under `<data_dir>/index`.
    Embedded,
    /// A Qdrant server or cluster.
    Remote {
        url: String,
        api_key: Option<String>,
        collection: CollectionSpec,
    },
    /// None in this process (`--no-store`): new versions and deletions are
    /// handed off through the catalog to the process that owns the
    /// embedded store; search (and chat from passages) is unavailable
    /// here.
    Absent,
}

#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub data_dir: PathBuf,
    /// PostgreSQL catalog (`postgres://…`); unset means SQLite in `data_dir`.
    pub database_url: Option<String>,
    /// Where originals are kept (`s3://bucket/prefix`); unset means
    /// `<data_dir>/originals`.
    pub object_store_url: Option<String>,
    pub models_dir: PathBuf,
    pub store: StoreConfig,
    pub limits: ParseLimits,
    pub chunk: ChunkConfig,
    pub embed_threads: usize,
    /// Whether the model's idle threads spin waiting for work (lower
    /// latency per call, but they take the cores the store, HTTP and PDF
    /// reading need).
    pub embed_spin: bool,
    pub embed_batch: usize,
    /// Micro-batching of query embeddings.
    pub query_batching: QueryBatching,
    /// How long a claim on a queued document lasts without renewal: a
    /// worker that died releases its documents after this long.
    pub ingest_lease: std::time::Duration,
}

impl EngineConfig {
    pub fn new(data_dir: impl Into<PathBuf>, models_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            database_url: None,
            object_store_url: None,
            models_dir: models_dir.into(),
            store: StoreConfig::Embedded,
            limits: ParseLimits::default(),
            chunk: ChunkConfig::default(),
            embed_threads: 2,
            embed_spin: false,
            embed_batch: 32,
            query_batching: QueryBatching::default(),
            ingest_lease: std::time::Duration::from_secs(60),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Embed(#[from] EmbedError),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Overloaded(#[from] Overloaded),
    #[error(transparent)]
    Originals(#[from] OriginalsError),
    #[error("document {0} not found")]
    NotFound(String),
    #[error("internal error: {0}")]
    Internal(String),
}

pub struct Engine {
    pub catalog: Arc<Catalog>,
    /// The uploaded files, as received.
    pub originals: Originals,
    pub store: Arc<dyn VectorStore>,
    pub embedder: Arc<dyn Embedder>,
    /// Search queries' embeddings, batched on their own thread.
    pub query_embedder: QueryEmbedder,
    pub bm25: Arc<Bm25>,
    pub config: EngineConfig,
    /// Readers hold it while querying; publishing a document takes it
    /// exclusively.
    pub(crate) visibility: RwLock<()>,
    /// Wakes the worker, once it runs.
    pub(crate) queue: std::sync::Mutex<Option<Arc<tokio::sync::Notify>>>,
    /// This process's name on the leases of the documents it reads.
    pub worker_id: String,
    /// Set to stop the worker after the document in hand.
    pub(crate) stop_worker: tokio::sync::watch::Sender<bool>,
}

impl Engine {
    /// Loads the model, opens the store (checking the model against it) and
    /// the catalog.
    pub async fn open(config: EngineConfig) -> Result<Arc<Self>, EngineError> {
        let paths = ModelPaths::in_models_dir(&config.models_dir)?;
        let (threads, batch, spin) = (config.embed_threads, config.embed_batch, config.embed_spin);
        let embedder =
            tokio::task::spawn_blocking(move || FastEmbedder::load(&paths, threads, batch, spin))
                .await
                .map_err(|e| EngineError::Internal(e.to_string()))??;
        let embedder: Arc<dyn Embedder> = Arc::new(embedder);
        let meta = IndexMeta {
            model: embedder.model_name().to_owned(),
            dim: embedder.dim(),
        };
        let store: Arc<dyn VectorStore> = match &config.store {
            StoreConfig::Embedded => {
                Arc::new(EdgeStore::open(&config.data_dir.join("index"), &meta)?)
            }
            StoreConfig::Remote {
                url,
                api_key,
                collection,
            } => Arc::new(
                LazyRemoteStore::connect(url, api_key.clone(), collection.clone(), &meta).await?,
            ),
            StoreConfig::Absent => Arc::new(AbsentStore),
        };
        Self::with_parts(config, store, embedder)
    }

    /// Assembles an engine from ready parts (tests inject stores this way).
    pub fn with_parts(
        config: EngineConfig,
        store: Arc<dyn VectorStore>,
        embedder: Arc<dyn Embedder>,
    ) -> Result<Arc<Self>, EngineError> {
        let catalog = Arc::new(Catalog::connect(
            &config.data_dir,
            config.database_url.as_deref(),
        )?);
        if matches!(config.store, StoreConfig::Absent) && !catalog.is_shared() {
            return Err(EngineError::Internal(
                "a process without a vector store (--no-store) hands its writes to the store's \
                 owner through a shared catalog: set ATTEST_DATABASE_URL"
                    .into(),
            ));
        }
        let originals = Originals::open(&config.data_dir, config.object_store_url.as_deref())?;
        let query_embedder = QueryEmbedder::start(embedder.clone(), config.query_batching);
        Ok(Arc::new(Self {
            catalog,
            originals,
            store,
            embedder,
            query_embedder,
            bm25: Arc::new(Bm25::new()?),
            config,
            visibility: RwLock::new(()),
            queue: std::sync::Mutex::new(None),
            worker_id: new_worker_id(),
            stop_worker: tokio::sync::watch::Sender::new(false),
        }))
    }

    /// Holds back publication while a read is in progress.
    pub async fn read_guard(&self) -> tokio::sync::RwLockReadGuard<'_, ()> {
        self.visibility.read().await
    }

    /// Whether this process writes vectors itself; without a store it
    /// hands them off through the catalog.
    pub fn has_store(&self) -> bool {
        !matches!(self.config.store, StoreConfig::Absent)
    }

    /// Removes a document, its chunks and its original.
    pub async fn delete(&self, id: &str) -> Result<Arc<Document>, EngineError> {
        let _guard = self.visibility.write().await;
        let doc = self
            .catalog
            .get(id)
            .ok_or_else(|| EngineError::NotFound(id.to_owned()))?;
        if self.has_store() {
            self.store.delete_document(id).await?;
            self.catalog.remove(id)?;
        } else {
            self.catalog.remove_handing_off(id)?;
        }
        self.originals.delete(id).await?;
        Ok(doc)
    }
}

/// `<pid>-<12 hex digits>`: unique among the processes sharing a catalog.
fn new_worker_id() -> String {
    let mut bytes = [0u8; 6];
    // Without randomness the pid and the clock still tell processes apart.
    if getrandom::fill(&mut bytes).is_err() {
        let t = crate::document::now_millis().to_le_bytes();
        bytes.copy_from_slice(&t[..6]);
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{hex}", std::process::id())
}

/// Resolves at SIGTERM or Ctrl-C: when a process should stop taking work
/// and finish what it holds.
pub async fn stop_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
