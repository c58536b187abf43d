//! Durable document records.
//!
//! Every accepted file is written (original bytes and a record) before it is
//! acknowledged, so nothing acknowledged is lost across a restart: records
//! still `queued` are picked up again by the worker. Files are replaced by
//! write-to-temporary, fsync, rename, so a crash never leaves a half record.
//!
//! Layout under the data directory: `documents/<id>.json` (record with
//! canonical text and structure), `originals/<id>` (the file as received).

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use crate::document::{Document, DocumentMeta, IngestStatus};
use crate::text::fold_key;

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("catalog i/o error on {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("corrupt record {path}: {reason}")]
    Corrupt { path: String, reason: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CatalogError + '_ {
    move |source| CatalogError::Io {
        path: path.display().to_string(),
        source,
    }
}

pub struct Catalog {
    docs_dir: PathBuf,
    originals_dir: PathBuf,
    /// Rendered page images, a cache (see [`crate::render`]).
    pages_dir: PathBuf,
    docs: RwLock<HashMap<String, Arc<Document>>>,
    /// Bumped on every change that affects answers; part of provenance.
    generation: AtomicU64,
}

impl Catalog {
    pub fn open(data_dir: &Path) -> Result<Self, CatalogError> {
        let docs_dir = data_dir.join("documents");
        let originals_dir = data_dir.join("originals");
        std::fs::create_dir_all(&docs_dir).map_err(io(&docs_dir))?;
        std::fs::create_dir_all(&originals_dir).map_err(io(&originals_dir))?;
        let mut docs = HashMap::new();
        for entry in std::fs::read_dir(&docs_dir)
            .map_err(io(&docs_dir))?
            .flatten()
        {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let bytes = std::fs::read(&path).map_err(io(&path))?;
            match serde_json::from_slice::<Document>(&bytes) {
                Ok(doc) => {
                    docs.insert(doc.meta.id.clone(), Arc::new(doc));
                }
                Err(e) => {
                    // One unreadable record must not take the service down.
                    tracing::error!(path = %path.display(), error = %e, "skipping corrupt document record");
                }
            }
        }
        let generation = docs
            .values()
            .filter_map(|d| d.meta.ingested_at)
            .max()
            .unwrap_or(0);
        Ok(Self {
            docs_dir,
            originals_dir,
            pages_dir: data_dir.join("pages"),
            docs: RwLock::new(docs),
            generation: AtomicU64::new(generation),
        })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, Arc<Document>>> {
        self.docs.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, Arc<Document>>> {
        self.docs.write().unwrap_or_else(|p| p.into_inner())
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    pub fn get(&self, id: &str) -> Option<Arc<Document>> {
        self.read().get(id).cloned()
    }

    /// Every document of a tenant, oldest first.
    pub fn list(&self, tenant: &str) -> Vec<Arc<Document>> {
        let mut v: Vec<Arc<Document>> = self
            .read()
            .values()
            .filter(|d| d.meta.tenant == tenant)
            .cloned()
            .collect();
        v.sort_by(|a, b| {
            a.meta
                .created_at
                .cmp(&b.meta.created_at)
                .then(a.meta.source.cmp(&b.meta.source))
        });
        v
    }

    /// Documents waiting for the worker (after a restart, too).
    pub fn queued(&self) -> Vec<String> {
        let mut v: Vec<(u64, String)> = self
            .read()
            .values()
            .filter(|d| d.meta.status == IngestStatus::Queued)
            .map(|d| (d.meta.created_at, d.meta.id.clone()))
            .collect();
        v.sort();
        v.into_iter().map(|(_, id)| id).collect()
    }

    /// The ready document currently serving a source name, if any.
    pub fn current_for_source(&self, tenant: &str, source: &str) -> Option<Arc<Document>> {
        self.read()
            .values()
            .find(|d| {
                d.meta.tenant == tenant
                    && d.meta.source == source
                    && d.meta.status == IngestStatus::Ready
            })
            .cloned()
    }

    /// Ready documents about a subject: listed among their subjects, or
    /// mentioned in their text (compared without case, spaces or
    /// punctuation, so "G5V-1" matches "G5V 1").
    pub fn find_subject(&self, tenant: &str, subject: &str) -> Vec<String> {
        let key = fold_key(subject);
        if key.is_empty() {
            return Vec::new();
        }
        let mut v: Vec<(u64, String)> = self
            .read()
            .values()
            .filter(|d| d.meta.tenant == tenant && d.meta.status == IngestStatus::Ready)
            .filter(|d| {
                d.meta.subjects.iter().any(|s| fold_key(s) == key)
                    || fold_key(&d.text).contains(&key)
            })
            .map(|d| (d.meta.created_at, d.meta.id.clone()))
            .collect();
        v.sort();
        v.into_iter().map(|(_, id)| id).collect()
    }

    pub fn save_original(&self, id: &str, bytes: &[u8]) -> Result<(), CatalogError> {
        write_durable(&self.originals_dir.join(id), bytes)
    }

    /// Where the original file of a document is stored.
    pub fn original_path(&self, id: &str) -> PathBuf {
        self.originals_dir.join(id)
    }

    /// The cache of rendered page images.
    pub fn pages_dir(&self) -> &Path {
        &self.pages_dir
    }

    pub fn load_original(&self, id: &str) -> Result<Vec<u8>, CatalogError> {
        let p = self.originals_dir.join(id);
        std::fs::read(&p).map_err(io(&p))
    }

    /// Writes a record durably, then makes it visible.
    pub fn put(&self, doc: Document) -> Result<Arc<Document>, CatalogError> {
        let path = self.docs_dir.join(format!("{}.json", doc.meta.id));
        let bytes = serde_json::to_vec(&doc).map_err(|e| CatalogError::Corrupt {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        write_durable(&path, &bytes)?;
        let doc = Arc::new(doc);
        self.write().insert(doc.meta.id.clone(), doc.clone());
        self.generation.fetch_add(1, Ordering::SeqCst);
        Ok(doc)
    }

    /// Updates only the metadata of a record.
    pub fn update_meta(
        &self,
        id: &str,
        f: impl FnOnce(&mut DocumentMeta),
    ) -> Result<Option<Arc<Document>>, CatalogError> {
        let Some(current) = self.get(id) else {
            return Ok(None);
        };
        let mut doc = (*current).clone();
        f(&mut doc.meta);
        self.put(doc).map(Some)
    }

    pub fn remove(&self, id: &str) -> Result<Option<Arc<Document>>, CatalogError> {
        let removed = self.write().remove(id);
        for p in [
            self.docs_dir.join(format!("{id}.json")),
            self.originals_dir.join(id),
        ] {
            match std::fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io(&p)(e)),
            }
        }
        // Cached page images go with the document (best effort: a cache).
        let _ = std::fs::remove_dir_all(self.pages_dir.join(id));
        self.generation.fetch_add(1, Ordering::SeqCst);
        Ok(removed)
    }
}

fn write_durable(path: &Path, bytes: &[u8]) -> Result<(), CatalogError> {
    let tmp = path.with_extension("partial");
    {
        let mut f = std::fs::File::create(&tmp).map_err(io(&tmp))?;
        f.write_all(bytes).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
    }
    std::fs::rename(&tmp, path).map_err(io(path))?;
    if let Some(dir) = path.parent()
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(())
}
