//! Typed, layered configuration: defaults, then an optional TOML file, then
//! `ATTEST_*` environment variables. Tests build [`Settings`] directly
//! instead of touching the process environment. Secrets are redacted from
//! `Debug` output.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::extract::Extractors;
use crate::library::{EngineConfig, StoreConfig};
use crate::llm::{LlmClient, LlmConfig};
use crate::parse::ParseLimits;
use crate::prompts::PromptSet;
use crate::query_embed::QueryBatching;
use crate::store::remote::CollectionSpec;

#[derive(Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Listen address of the HTTP service.
    pub addr: String,
    /// How long a worker's claim on a queued document lasts without
    /// renewal (renewed every third of it while the document is read).
    pub ingest_lease_secs: u64,
    /// Whether `attest serve` runs an ingest worker; without one, uploads
    /// wait in the catalog for the workers of other processes.
    pub worker: bool,
    /// Whether this process opens a vector store. Without one
    /// (`--no-store`), the new versions its worker reads and the deletions
    /// it accepts are handed off through the shared catalog to the process
    /// that owns the embedded store; search (and chat from passages)
    /// answers 503 here.
    pub store: bool,
    /// Catalog, originals and the embedded index live here.
    pub data_dir: PathBuf,
    /// PostgreSQL catalog shared by several processes
    /// (`postgres://user:password@host:5432/attest`); unset means SQLite in
    /// the data directory.
    pub database_url: Option<String>,
    /// Object store for the original files (`s3://bucket/prefix`, with the
    /// `AWS_*` variables for credentials, region and endpoint); unset
    /// means `<data_dir>/originals`.
    pub object_store_url: Option<String>,
    /// Where `scripts/setup.sh` put the embedding model and ONNX Runtime;
    /// found automatically when unset.
    pub models_dir: Option<PathBuf>,
    /// Qdrant server URL (gRPC, e.g. http://localhost:6334); unset means
    /// the embedded engine.
    pub qdrant_url: Option<String>,
    pub qdrant_api_key: Option<String>,
    pub qdrant_collection: String,
    /// When attest creates the collection on a Qdrant cluster: shards,
    /// copies of each shard, and copies that must apply a write before it
    /// is acknowledged (Qdrant's defaults when unset).
    pub qdrant_shards: Option<u32>,
    pub qdrant_replication: Option<u32>,
    pub qdrant_write_consistency: Option<u32>,
    /// Largest accepted file, in bytes.
    pub max_upload_bytes: u64,
    /// Per-request deadline, in seconds.
    pub request_timeout_secs: u64,
    /// Deadline for one PDF text extractor run, in seconds.
    pub pdf_timeout_secs: u64,
    /// A folder watched for new files to ingest (service and `attest-ingest watch`).
    pub inbox_dir: Option<PathBuf>,
    pub embed_threads: usize,
    /// Let the model's idle threads spin (`ATTEST_EMBED_SPIN`, default
    /// false: on a few cores spinning threads take the CPU the store and
    /// parsers need).
    pub embed_spin: bool,
    /// Query embeddings: most per model call, how long the first waits for
    /// company (ms), and how many may wait before searches get 503.
    pub query_batch: usize,
    pub query_window_ms: u64,
    pub query_queue: usize,
    /// `text` or `json` log lines.
    pub log_format: String,
    /// OpenAI-compatible endpoint for the language model extractor and chat
    /// answers; unset means no language model.
    pub llm_base_url: Option<String>,
    pub llm_api_key: Option<String>,
    pub llm_model: String,
    /// Deadline for one language model answer, retries included.
    pub llm_timeout_secs: u64,
    pub llm_max_concurrency: usize,
    /// Prompt token budget per request (context is cut to fit).
    pub llm_max_prompt_tokens: usize,
    pub llm_max_output_tokens: u32,
    /// Reuse answers to identical language model requests (evaluation).
    pub llm_cache_dir: Option<PathBuf>,
    /// Versioned prompt files; found automatically when unset.
    pub prompts_dir: Option<PathBuf>,
    /// Learned scorer file; the one shipped with attest when unset.
    pub scorer_path: Option<PathBuf>,
    /// `keys`: every `/v1/*` call carries an API key (the default);
    /// `open`: no keys, one tenant, for a laptop.
    pub auth: AuthMode,
    /// Requests per second each key may make on average (0: no limit).
    pub rate_per_key: f64,
    /// Requests a key may make at once above its rate.
    pub rate_burst: u32,
    /// Requests served at once; more are refused with 503 (0: no limit).
    pub max_in_flight: usize,
    /// The audit log's folder (default: `audit/` in the data directory).
    pub audit_dir: Option<PathBuf>,
    /// The audit log file is rotated past this size.
    pub audit_max_bytes: u64,
}

/// How callers are identified.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    Keys,
    Open,
}

impl std::str::FromStr for AuthMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "keys" => Ok(AuthMode::Keys),
            "open" => Ok(AuthMode::Open),
            other => Err(format!("{other:?} is neither `keys` nor `open`")),
        }
    }
}

impl std::fmt::Display for AuthMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AuthMode::Keys => "keys",
            AuthMode::Open => "open",
        })
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("addr", &self.addr)
            .field("ingest_lease_secs", &self.ingest_lease_secs)
            .field("worker", &self.worker)
            .field("store", &self.store)
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self
                    .database_url
                    .as_deref()
                    .map(crate::catalog::db::redact_url),
            )
            .field("object_store_url", &self.object_store_url)
            .field("models_dir", &self.models_dir)
            .field("qdrant_url", &self.qdrant_url)
            .field(
                "qdrant_api_key",
                &self.qdrant_api_key.as_ref().map(|_| "<redacted>"),
            )
            .field("qdrant_collection", &self.qdrant_collection)
            .field("qdrant_shards", &self.qdrant_shards)
            .field("qdrant_replication", &self.qdrant_replication)
            .field("qdrant_write_consistency", &self.qdrant_write_consistency)
            .field("max_upload_bytes", &self.max_upload_bytes)
            .field("request_timeout_secs", &self.request_timeout_secs)
            .field("pdf_timeout_secs", &self.pdf_timeout_secs)
            .field("inbox_dir", &self.inbox_dir)
            .field("embed_threads", &self.embed_threads)
            .field("embed_spin", &self.embed_spin)
            .field("query_batch", &self.query_batch)
            .field("query_window_ms", &self.query_window_ms)
            .field("query_queue", &self.query_queue)
            .field("log_format", &self.log_format)
            .field("llm_base_url", &self.llm_base_url)
            .field(
                "llm_api_key",
                &self.llm_api_key.as_ref().map(|_| "<redacted>"),
            )
            .field("llm_model", &self.llm_model)
            .field("llm_timeout_secs", &self.llm_timeout_secs)
            .field("llm_max_concurrency", &self.llm_max_concurrency)
            .field("llm_max_prompt_tokens", &self.llm_max_prompt_tokens)
            .field("llm_max_output_tokens", &self.llm_max_output_tokens)
            .field("llm_cache_dir", &self.llm_cache_dir)
            .field("prompts_dir", &self.prompts_dir)
            .field("scorer_path", &self.scorer_path)
            .field("auth", &self.auth)
            .field("rate_per_key", &self.rate_per_key)
            .field("rate_burst", &self.rate_burst)
            .field("max_in_flight", &self.max_in_flight)
            .field("audit_dir", &self.audit_dir)
            .field("audit_max_bytes", &self.audit_max_bytes)
            .finish()
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            addr: "127.0.0.1:8080".into(),
            ingest_lease_secs: 60,
            worker: true,
            store: true,
            data_dir: PathBuf::from(".attest/data"),
            database_url: None,
            object_store_url: None,
            models_dir: None,
            qdrant_url: None,
            qdrant_api_key: None,
            qdrant_collection: "attest_chunks".into(),
            qdrant_shards: None,
            qdrant_replication: None,
            qdrant_write_consistency: None,
            max_upload_bytes: 64 * 1024 * 1024,
            request_timeout_secs: 60,
            pdf_timeout_secs: 60,
            inbox_dir: None,
            embed_threads: 2,
            embed_spin: false,
            query_batch: QueryBatching::default().max_batch,
            query_window_ms: QueryBatching::default().window.as_millis() as u64,
            query_queue: QueryBatching::default().queue,
            log_format: "text".into(),
            llm_base_url: None,
            llm_api_key: None,
            llm_model: LlmConfig::default().model,
            llm_timeout_secs: LlmConfig::default().timeout_secs,
            llm_max_concurrency: LlmConfig::default().max_concurrency,
            llm_max_prompt_tokens: LlmConfig::default().max_prompt_tokens,
            llm_max_output_tokens: LlmConfig::default().max_output_tokens,
            llm_cache_dir: None,
            prompts_dir: None,
            scorer_path: None,
            auth: AuthMode::Keys,
            rate_per_key: 100.0,
            rate_burst: 200,
            max_in_flight: 512,
            audit_dir: None,
            audit_max_bytes: 64 * 1024 * 1024,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {reason}")]
    File { path: String, reason: String },
    #[error("invalid value for {var}: {reason}")]
    Env { var: String, reason: String },
    #[error("embedding model not found; run scripts/setup.sh or set ATTEST_MODELS_DIR")]
    NoModels,
    #[error("{0}")]
    Component(String),
}

/// The nearest folder called `name` above the working directory or the
/// executable that satisfies `ok`.
pub fn find_upward(name: &str, ok: impl Fn(&Path) -> bool) -> Option<PathBuf> {
    let mut starts: Vec<PathBuf> = Vec::new();
    if let Ok(cwd) = std::env::current_dir() {
        starts.push(cwd);
    }
    if let Ok(exe) = std::env::current_exe()
        && let Some(dir) = exe.parent()
    {
        starts.push(dir.to_path_buf());
    }
    starts
        .iter()
        .flat_map(|s| s.ancestors())
        .map(|d| d.join(name))
        .find(|c| ok(c))
}

impl Settings {
    /// Defaults, then the file (if any), then the environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut s = match file {
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|e| ConfigError::File {
                    path: p.display().to_string(),
                    reason: e.to_string(),
                })?;
                toml::from_str(&text).map_err(|e| ConfigError::File {
                    path: p.display().to_string(),
                    reason: e.to_string(),
                })?
            }
            None => Settings::default(),
        };
        s.apply_env(|k| std::env::var(k).ok())?;
        Ok(s)
    }

    /// Applies `ATTEST_*` variables from a lookup function.
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn num<T: std::str::FromStr>(var: &str, v: String) -> Result<T, ConfigError>
        where
            T::Err: std::fmt::Display,
        {
            v.trim().parse().map_err(|e: T::Err| ConfigError::Env {
                var: var.into(),
                reason: e.to_string(),
            })
        }
        let opt = |v: String| (!v.trim().is_empty()).then_some(v);
        if let Some(v) = get("ATTEST_ADDR") {
            self.addr = v;
        }
        if let Some(v) = get("ATTEST_DATA_DIR") {
            self.data_dir = v.into();
        }
        if let Some(v) = get("ATTEST_WORKER") {
            self.worker = num("ATTEST_WORKER", v)?;
        }
        if let Some(v) = get("ATTEST_STORE") {
            self.store = num("ATTEST_STORE", v)?;
        }
        if let Some(v) = get("ATTEST_OBJECT_STORE_URL") {
            self.object_store_url = opt(v);
        }
        if let Some(v) = get("ATTEST_INGEST_LEASE_SECS") {
            self.ingest_lease_secs = num("ATTEST_INGEST_LEASE_SECS", v)?;
        }
        if let Some(v) = get("ATTEST_DATABASE_URL") {
            self.database_url = opt(v);
        }
        if let Some(v) = get("ATTEST_MODELS_DIR") {
            self.models_dir = opt(v).map(PathBuf::from);
        }
        if let Some(v) = get("ATTEST_QDRANT_URL") {
            self.qdrant_url = opt(v);
        }
        if let Some(v) = get("ATTEST_QDRANT_API_KEY") {
            self.qdrant_api_key = opt(v);
        }
        if let Some(v) = get("ATTEST_QDRANT_COLLECTION") {
            self.qdrant_collection = v;
        }
        for (var, slot) in [
            ("ATTEST_QDRANT_SHARDS", &mut self.qdrant_shards),
            ("ATTEST_QDRANT_REPLICATION", &mut self.qdrant_replication),
            (
                "ATTEST_QDRANT_WRITE_CONSISTENCY",
                &mut self.qdrant_write_consistency,
            ),
        ] {
            if let Some(v) = get(var) {
                *slot = match opt(v) {
                    Some(v) => Some(num(var, v)?),
                    None => None,
                };
            }
        }
        if let Some(v) = get("ATTEST_MAX_UPLOAD_BYTES") {
            self.max_upload_bytes = num("ATTEST_MAX_UPLOAD_BYTES", v)?;
        }
        if let Some(v) = get("ATTEST_REQUEST_TIMEOUT_SECS") {
            self.request_timeout_secs = num("ATTEST_REQUEST_TIMEOUT_SECS", v)?;
        }
        if let Some(v) = get("ATTEST_PDF_TIMEOUT_SECS") {
            self.pdf_timeout_secs = num("ATTEST_PDF_TIMEOUT_SECS", v)?;
        }
        if let Some(v) = get("ATTEST_INBOX_DIR") {
            self.inbox_dir = opt(v).map(PathBuf::from);
        }
        if let Some(v) = get("ATTEST_EMBED_THREADS") {
            self.embed_threads = num("ATTEST_EMBED_THREADS", v)?;
        }
        if let Some(v) = get("ATTEST_EMBED_SPIN") {
            self.embed_spin = num("ATTEST_EMBED_SPIN", v)?;
        }
        if let Some(v) = get("ATTEST_QUERY_BATCH") {
            self.query_batch = num("ATTEST_QUERY_BATCH", v)?;
        }
        if let Some(v) = get("ATTEST_QUERY_WINDOW_MS") {
            self.query_window_ms = num("ATTEST_QUERY_WINDOW_MS", v)?;
        }
        if let Some(v) = get("ATTEST_QUERY_QUEUE") {
            self.query_queue = num("ATTEST_QUERY_QUEUE", v)?;
        }
        if let Some(v) = get("ATTEST_LOG_FORMAT") {
            self.log_format = v;
        }
        if let Some(v) = get("ATTEST_LLM_BASE_URL") {
            self.llm_base_url = opt(v);
        }
        if let Some(v) = get("ATTEST_LLM_API_KEY") {
            self.llm_api_key = opt(v);
        }
        if let Some(v) = get("ATTEST_LLM_MODEL") {
            self.llm_model = v;
        }
        if let Some(v) = get("ATTEST_LLM_TIMEOUT_SECS") {
            self.llm_timeout_secs = num("ATTEST_LLM_TIMEOUT_SECS", v)?;
        }
        if let Some(v) = get("ATTEST_LLM_MAX_CONCURRENCY") {
            self.llm_max_concurrency = num("ATTEST_LLM_MAX_CONCURRENCY", v)?;
        }
        if let Some(v) = get("ATTEST_LLM_MAX_PROMPT_TOKENS") {
            self.llm_max_prompt_tokens = num("ATTEST_LLM_MAX_PROMPT_TOKENS", v)?;
        }
        if let Some(v) = get("ATTEST_LLM_MAX_OUTPUT_TOKENS") {
            self.llm_max_output_tokens = num("ATTEST_LLM_MAX_OUTPUT_TOKENS", v)?;
        }
        if let Some(v) = get("ATTEST_LLM_CACHE_DIR") {
            self.llm_cache_dir = opt(v).map(PathBuf::from);
        }
        if let Some(v) = get("ATTEST_PROMPTS_DIR") {
            self.prompts_dir = opt(v).map(PathBuf::from);
        }
        if let Some(v) = get("ATTEST_SCORER_PATH") {
            self.scorer_path = opt(v).map(PathBuf::from);
        }
        if let Some(v) = get("ATTEST_AUTH") {
            self.auth = num("ATTEST_AUTH", v)?;
        }
        if let Some(v) = get("ATTEST_RATE_PER_KEY") {
            self.rate_per_key = num("ATTEST_RATE_PER_KEY", v)?;
            if !(self.rate_per_key.is_finite() && self.rate_per_key >= 0.0) {
                return Err(ConfigError::Env {
                    var: "ATTEST_RATE_PER_KEY".into(),
                    reason: "not a number of requests per second".into(),
                });
            }
        }
        if let Some(v) = get("ATTEST_RATE_BURST") {
            self.rate_burst = num("ATTEST_RATE_BURST", v)?;
        }
        if let Some(v) = get("ATTEST_MAX_IN_FLIGHT") {
            self.max_in_flight = num("ATTEST_MAX_IN_FLIGHT", v)?;
        }
        if let Some(v) = get("ATTEST_AUDIT_DIR") {
            self.audit_dir = opt(v).map(PathBuf::from);
        }
        if let Some(v) = get("ATTEST_AUDIT_MAX_BYTES") {
            self.audit_max_bytes = num("ATTEST_AUDIT_MAX_BYTES", v)?;
        }
        Ok(())
    }

    /// The models directory: configured, or the nearest `models/` folder
    /// holding the model, searched upward from the working directory and
    /// from the executable.
    pub fn resolve_models_dir(&self) -> Result<PathBuf, ConfigError> {
        if let Some(d) = &self.models_dir {
            return Ok(d.clone());
        }
        find_upward("models", |d| {
            d.join("all-minilm-l6-v2").join("model.onnx").is_file()
        })
        .ok_or(ConfigError::NoModels)
    }

    /// The language model settings, when an endpoint is configured.
    pub fn llm_config(&self) -> Option<LlmConfig> {
        self.llm_base_url.as_ref().map(|url| LlmConfig {
            base_url: url.clone(),
            api_key: self.llm_api_key.clone(),
            model: self.llm_model.clone(),
            // An answer must fit in the request's own deadline, with time
            // left to fall back to the other extractors.
            timeout_secs: self
                .llm_timeout_secs
                .min(self.request_timeout_secs.saturating_sub(5))
                .max(1),
            max_concurrency: self.llm_max_concurrency.max(1),
            max_prompt_tokens: self.llm_max_prompt_tokens,
            max_output_tokens: self.llm_max_output_tokens,
            cache_dir: self.llm_cache_dir.clone(),
            ..LlmConfig::default()
        })
    }

    /// Prompts, learned scorer and language model client.
    pub fn extractors(&self) -> Result<Extractors, ConfigError> {
        let prompts = PromptSet::discover(self.prompts_dir.as_deref())
            .map_err(|e| ConfigError::Component(e.to_string()))?;
        let scorer = match &self.scorer_path {
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|e| ConfigError::File {
                    path: p.display().to_string(),
                    reason: e.to_string(),
                })?;
                Some(
                    attest_scorer::Model::from_json(&text)
                        .map_err(|e| ConfigError::Component(format!("{}: {e}", p.display())))?,
                )
            }
            None => crate::extract::model::builtin_scorer(),
        };
        let llm = match self.llm_config() {
            Some(c) => Some(std::sync::Arc::new(
                LlmClient::new(c).map_err(|e| ConfigError::Component(e.to_string()))?,
            )),
            None => None,
        };
        Ok(Extractors {
            llm,
            prompts: std::sync::Arc::new(prompts),
            scorer: scorer.map(std::sync::Arc::new),
        })
    }

    pub fn engine_config(&self) -> Result<EngineConfig, ConfigError> {
        let mut c = EngineConfig::new(self.data_dir.clone(), self.resolve_models_dir()?);
        c.database_url = self.database_url.clone();
        c.object_store_url = self.object_store_url.clone();
        c.ingest_lease = Duration::from_secs(self.ingest_lease_secs.max(3));
        c.store = match &self.qdrant_url {
            _ if !self.store => StoreConfig::Absent,
            Some(url) => StoreConfig::Remote {
                url: url.clone(),
                api_key: self.qdrant_api_key.clone(),
                collection: CollectionSpec {
                    name: self.qdrant_collection.clone(),
                    shards: self.qdrant_shards,
                    replication: self.qdrant_replication,
                    write_consistency: self.qdrant_write_consistency,
                },
            },
            None => StoreConfig::Embedded,
        };
        c.limits = ParseLimits {
            max_bytes: self.max_upload_bytes,
            pdf_timeout: Duration::from_secs(self.pdf_timeout_secs.max(1)),
            ..ParseLimits::default()
        };
        c.embed_threads = self.embed_threads.max(1);
        c.embed_spin = self.embed_spin;
        c.query_batching = QueryBatching {
            max_batch: self.query_batch.max(1),
            window: Duration::from_millis(self.query_window_ms.min(1000)),
            queue: self.query_queue.max(1),
        };
        Ok(c)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_language_model_deadline_fits_in_the_request_deadline() {
        let mut s = Settings::default();
        assert!(s.llm_config().is_none());
        s.apply_env(|k| match k {
            "ATTEST_LLM_BASE_URL" => Some("http://127.0.0.1:9/v1".into()),
            "ATTEST_LLM_API_KEY" => Some("sk-secret".into()),
            "ATTEST_LLM_TIMEOUT_SECS" => Some("240".into()),
            _ => None,
        })
        .unwrap();
        let c = s.llm_config().unwrap();
        assert_eq!(c.timeout_secs, 55);
        assert_eq!(c.api_key.as_deref(), Some("sk-secret"));
        assert!(!format!("{s:?}").contains("sk-secret"));
    }

    #[test]
    fn env_overrides_file_values_and_secrets_are_redacted() {
        let mut s: Settings =
            toml::from_str("addr = \"0.0.0.0:1\"\nmax_upload_bytes = 10").unwrap();
        assert_eq!(s.addr, "0.0.0.0:1");
        s.apply_env(|k| match k {
            "ATTEST_ADDR" => Some("127.0.0.1:9".into()),
            "ATTEST_QDRANT_API_KEY" => Some("s3cret".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(s.addr, "127.0.0.1:9");
        assert_eq!(s.max_upload_bytes, 10);
        assert!(!format!("{s:?}").contains("s3cret"));
        let err = s.apply_env(|k| (k == "ATTEST_MAX_UPLOAD_BYTES").then(|| "lots".into()));
        assert!(matches!(err, Err(ConfigError::Env { .. })));
        assert!(toml::from_str::<Settings>("bogus = 1").is_err());
    }

    #[test]
    fn the_shared_deployment_settings_reach_the_engine() {
        let mut s = Settings {
            models_dir: Some(std::env::temp_dir()),
            ..Settings::default()
        };
        s.apply_env(|k| match k {
            "ATTEST_QDRANT_URL" => Some("http://qdrant:6334".into()),
            "ATTEST_QDRANT_SHARDS" => Some("6".into()),
            "ATTEST_QDRANT_REPLICATION" => Some("2".into()),
            "ATTEST_QDRANT_WRITE_CONSISTENCY" => Some(" ".into()),
            "ATTEST_OBJECT_STORE_URL" => Some("s3://originals/attest".into()),
            _ => None,
        })
        .unwrap();
        let c = s.engine_config().unwrap();
        assert_eq!(c.object_store_url.as_deref(), Some("s3://originals/attest"));
        // The model's threads do not spin unless asked to.
        assert!(!c.embed_spin);
        s.apply_env(|k| (k == "ATTEST_EMBED_SPIN").then(|| "true".into()))
            .unwrap();
        assert!(s.engine_config().unwrap().embed_spin);
        let StoreConfig::Remote { collection, .. } = &c.store else {
            panic!("expected the Qdrant server: {:?}", c.store);
        };
        assert_eq!(
            (
                collection.shards,
                collection.replication,
                collection.write_consistency
            ),
            (Some(6), Some(2), None)
        );
        // Without a store, whatever else is configured.
        s.apply_env(|k| (k == "ATTEST_STORE").then(|| "false".into()))
            .unwrap();
        assert!(matches!(
            s.engine_config().unwrap().store,
            StoreConfig::Absent
        ));
        let err = s.apply_env(|k| (k == "ATTEST_QDRANT_SHARDS").then(|| "many".into()));
        assert!(matches!(err, Err(ConfigError::Env { .. })));
    }
}
