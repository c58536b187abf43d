//! Dense and sparse embeddings.
//!
//! Dense: fastembed with a sentence-embedding model read from local files and
//! ONNX Runtime loaded dynamically. Inference is CPU-bound and blocking:
//! callers run it on the blocking pool, in batches of chunks sorted by their
//! token count (each batch pads to its longest text, so similar lengths
//! share a batch; character length is a poor proxy: tables and numbers
//! take several tokens per word).
//!
//! Sparse: BM25 term weights (qdrant-edge's tokenizer, stemmer and stop words)
//! so exact tokens such as part and CAS numbers are found; IDF is applied by
//! the vector store.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use fastembed::{
    InitOptionsUserDefined, Pooling, TextEmbedding, TokenizerFiles, UserDefinedEmbeddingModel,
};
use qdrant_edge::bm25_embed::{EdgeBm25, EdgeBm25Config};
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("model files missing: {0}")]
    MissingModel(String),
    #[error("ONNX Runtime could not be loaded from {path}: {reason}")]
    Runtime { path: String, reason: String },
    #[error("embedding failed: {0}")]
    Inference(String),
}

/// A sparse vector: sorted term indices with weights.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SparseVec {
    pub indices: Vec<u32>,
    pub values: Vec<f32>,
}

/// Dense text embedder.
///
/// Contract: `embed` returns exactly one vector of `dim()` floats per input,
/// in input order; it is deterministic for a given model; it blocks, so async
/// callers must run it on a blocking thread.
pub trait Embedder: Send + Sync {
    fn model_name(&self) -> &str;
    fn dim(&self) -> usize;
    fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError>;
}

/// Where the model and runtime live.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelPaths {
    /// Directory holding `model.onnx` and the tokenizer files.
    pub model_dir: PathBuf,
    /// The ONNX Runtime shared library.
    pub runtime_lib: PathBuf,
    pub model_name: String,
}

impl ModelPaths {
    /// The layout `scripts/setup.sh` creates under a models directory.
    pub fn in_models_dir(models_dir: &Path) -> Result<Self, EmbedError> {
        let model_dir = models_dir.join("all-minilm-l6-v2");
        let runtime_lib = match std::env::var_os("ORT_DYLIB_PATH") {
            Some(p) => PathBuf::from(p),
            None => find_runtime(&models_dir.join("onnxruntime")).ok_or_else(|| {
                EmbedError::MissingModel(format!(
                    "no libonnxruntime.so* in {}; run scripts/setup.sh",
                    models_dir.join("onnxruntime").display()
                ))
            })?,
        };
        Ok(Self {
            model_dir,
            runtime_lib,
            model_name: "sentence-transformers/all-MiniLM-L6-v2".into(),
        })
    }
}

fn find_runtime(dir: &Path) -> Option<PathBuf> {
    let mut libs: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("libonnxruntime.so"))
        })
        .collect();
    libs.sort();
    libs.pop()
}

static RUNTIME: OnceLock<Result<PathBuf, String>> = OnceLock::new();

/// Loads ONNX Runtime once per process; a missing or wrong library is an
/// error here instead of a panic at the first inference.
fn init_runtime(lib: &Path) -> Result<(), EmbedError> {
    let loaded = RUNTIME.get_or_init(|| {
        if !lib.is_file() {
            return Err("file not found".into());
        }
        match ort::init_from(lib) {
            // The default environment is created lazily by the first session.
            Ok(_builder) => Ok(lib.to_path_buf()),
            Err(e) => Err(e.to_string()),
        }
    });
    loaded
        .as_ref()
        .map(|_| ())
        .map_err(|reason| EmbedError::Runtime {
            path: lib.display().to_string(),
            reason: reason.clone(),
        })
}

pub struct FastEmbedder {
    model: Mutex<TextEmbedding>,
    name: String,
    dim: usize,
    batch: usize,
}

impl FastEmbedder {
    pub fn load(
        paths: &ModelPaths,
        threads: usize,
        batch: usize,
        spin: bool,
    ) -> Result<Self, EmbedError> {
        init_runtime(&paths.runtime_lib)?;
        let read = |f: &str| {
            std::fs::read(paths.model_dir.join(f)).map_err(|e| {
                EmbedError::MissingModel(format!("{}: {e}", paths.model_dir.join(f).display()))
            })
        };
        let model = UserDefinedEmbeddingModel::new(
            read("model.onnx")?,
            TokenizerFiles {
                tokenizer_file: read("tokenizer.json")?,
                config_file: read("config.json")?,
                special_tokens_map_file: read("special_tokens_map.json")?,
                tokenizer_config_file: read("tokenizer_config.json")?,
            },
        )
        .with_pooling(Pooling::Mean);
        let opts = InitOptionsUserDefined::new()
            .with_max_length(256)
            .with_intra_threads(threads.max(1))
            .with_session_config("session.intra_op.allow_spinning", if spin { "1" } else { "0" });
        let mut te = TextEmbedding::try_new_from_user_defined(model, opts)
            .map_err(|e| EmbedError::Inference(e.to_string()))?;
        let probe = te
            .embed(vec!["dimension probe"], None)
            .map_err(|e| EmbedError::Inference(e.to_string()))?;
        let dim = probe.first().map(Vec::len).unwrap_or(0);
        Ok(Self {
            model: Mutex::new(te),
            name: paths.model_name.clone(),
            dim,
            batch: batch.max(1),
        })
    }
}

impl Embedder for FastEmbedder {
    fn model_name(&self) -> &str {
        &self.name
    }
    fn dim(&self) -> usize {
        self.dim
    }
    fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let mut model = self.model.lock().map_err(|_| {
            EmbedError::Inference("embedder poisoned by an earlier panic".into())
        })?;
        // Sort by token count (truncated at the model's limit, as embedded)
        // so each batch pads to similar lengths, then restore the caller's
        // order. A call that fits in one batch pads to its longest text
        // whatever the order, so it is not tokenized twice. A text the
        // tokenizer rejects sorts by its byte length; the model call reports
        // the error.
        let tokens: Vec<usize> = if texts.len() > self.batch {
            texts
                .iter()
                .map(|t| {
                    model
                        .tokenizer
                        .encode(t.as_str(), true)
                        .map_or(t.len(), |e| e.get_ids().len())
                })
                .collect()
        } else {
            vec![0; texts.len()]
        };
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| (tokens[i], i));
        let sorted: Vec<&str> = order.iter().map(|&i| texts[i].as_str()).collect();
        let vectors = model
            .embed(&sorted, Some(self.batch))
            .map_err(|e| EmbedError::Inference(e.to_string()))?;
        drop(model);
        if vectors.len() != texts.len() {
            return Err(EmbedError::Inference(format!(
                "{} vectors for {} inputs",
                vectors.len(),
                texts.len()
            )));
        }
        let mut out = vec![Vec::new(); texts.len()];
        for (k, v) in vectors.into_iter().enumerate() {
            out[order[k]] = v;
        }
        Ok(out)
    }
}

/// BM25 sparse encoder.
pub struct Bm25 {
    inner: EdgeBm25,
}

impl Bm25 {
    pub fn new() -> Result<Self, EmbedError> {
        let inner = EdgeBm25::new(EdgeBm25Config {
            language: Some("english".into()),
            ..Default::default()
        })
        .map_err(|e| EmbedError::Inference(format!("bm25: {e}")))?;
        Ok(Self { inner })
    }
    pub fn document(&self, text: &str) -> SparseVec {
        to_sparse(self.inner.embed_document(&with_identifiers(text)))
    }
    pub fn query(&self, text: &str) -> SparseVec {
        to_sparse(self.inner.embed_query(&with_identifiers(text)))
    }
}

fn to_sparse(v: qdrant_edge::SparseVector) -> SparseVec {
    SparseVec {
        indices: v.indices,
        values: v.values,
    }
}

/// Appends each identifier (a token with digits and separators, such as a
/// CAS number `7440-50-8` or a part number `G5V-1`) once more with its
/// separators removed. The word tokenizer splits identifiers into common
/// pieces ("7440", "50", "8"); the compacted form is one rare term that only
/// documents carrying the exact identifier share.
pub fn with_identifiers(text: &str) -> String {
    let mut extra = String::new();
    for raw in text
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')' | '[' | ']' | ':'))
    {
        let token = raw.trim_matches(|c: char| !c.is_alphanumeric());
        let has_sep = token.contains(['-', '.', '/']);
        let has_digit = token.chars().any(|c| c.is_ascii_digit());
        if has_sep && has_digit && token.len() >= 4 && token.len() <= 40 {
            let compact: String = token
                .chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect();
            // Plain decimals ("0.50") are numbers, not identifiers.
            if compact.chars().all(|c| c.is_ascii_digit()) && !token.contains('-') {
                continue;
            }
            extra.push(' ');
            extra.push_str("id");
            extra.push_str(&compact);
        }
    }
    if extra.is_empty() {
        text.to_owned()
    } else {
        format!("{text}\n{extra}")
    }
}

#[cfg(test)]
mod tests {
    use super::with_identifiers;

    #[test]
    fn identifiers_get_one_compact_term() {
        assert_eq!(
            with_identifiers("CAS 7440-50-8, G5V-1"),
            "CAS 7440-50-8, G5V-1\n id7440508 idg5v1"
        );
        assert_eq!(with_identifiers("rated 0.50 A"), "rated 0.50 A");
    }
}
