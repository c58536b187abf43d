//! Durable document records in SQLite, with the subject index.
//!
//! Every accepted file is written (original bytes and a record) before it is
//! acknowledged, so nothing acknowledged is lost across a restart: records
//! still `queued` are picked up again by the worker. A record is one SQLite
//! transaction (WAL journal, `synchronous = FULL`), so a crash never leaves
//! half a record, and the subject index always agrees with the records.
//!
//! Layout under the data directory: `catalog.sqlite3` (records with their
//! canonical text and structure, and the subject index), `originals/<id>`
//! (the file as received), `pages/<id>/` (rendered page images, a cache).
//! A data directory written by an older version (one `documents/<id>.json`
//! per record) is imported on open and the folder renamed
//! `documents.imported`.
//!
//! **The subject index** answers "which documents are about this part" with
//! index reads, whatever the corpus size: the subjects recognised at ingest
//! (exact, compared by [`fold_key`]), and the document's text folded the same
//! way in an FTS5 trigram index, so a part number mentioned anywhere in a
//! text is found as a substring without reading any text.
//!
//! Readers share a small pool of connections; writes go through one.
//! Recently read documents stay in a bounded cache, so memory grows with
//! the cache and the index, not with the texts.

use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, params};

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
    #[error("catalog database error: {0}")]
    Db(#[from] rusqlite::Error),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CatalogError + '_ {
    move |source| CatalogError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Schema migrations, applied in order; `PRAGMA user_version` records how
/// many ran. A released migration is never edited: a change is a new one.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE documents (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    tenant     TEXT NOT NULL,
    source     TEXT NOT NULL,
    status     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    meta       TEXT NOT NULL,
    body       BLOB NOT NULL
);
CREATE INDEX documents_by_source ON documents (tenant, source, status);
CREATE INDEX documents_by_status ON documents (status, created_at);
CREATE TABLE subjects (
    tenant      TEXT NOT NULL,
    key         TEXT NOT NULL,
    name        TEXT NOT NULL,
    document_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    PRIMARY KEY (tenant, key, document_id)
);
CREATE INDEX subjects_by_document ON subjects (document_id);
CREATE VIRTUAL TABLE folded USING fts5 (key, tokenize = 'trigram', detail = 'none');
CREATE TABLE state (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO state (name, value) VALUES ('generation', 0);
CREATE TABLE readings (
    document_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    subject     TEXT NOT NULL,
    versions    TEXT NOT NULL,
    body        BLOB NOT NULL,
    PRIMARY KEY (document_id, subject)
);
"#,
    r#"
CREATE TABLE api_keys (
    id         TEXT PRIMARY KEY,
    tenant     TEXT NOT NULL,
    scopes     TEXT NOT NULL,
    hash       TEXT NOT NULL,
    label      TEXT,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
"#,
    r#"
CREATE TABLE reviews (
    id          TEXT PRIMARY KEY,
    tenant      TEXT NOT NULL,
    document_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    subject     TEXT NOT NULL,
    field       TEXT NOT NULL,
    status      TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    decided_at  INTEGER
);
CREATE INDEX reviews_by_tenant ON reviews (tenant, status, created_at);
CREATE INDEX reviews_by_document ON reviews (document_id, subject);
"#,
    r#"
CREATE TABLE bom_jobs (
    id          TEXT PRIMARY KEY,
    tenant      TEXT NOT NULL,
    name        TEXT,
    status      TEXT NOT NULL,
    lines       INTEGER NOT NULL,
    done        INTEGER NOT NULL DEFAULT 0,
    request     TEXT NOT NULL,
    result      TEXT,
    error       TEXT,
    created_at  INTEGER NOT NULL,
    finished_at INTEGER
);
CREATE INDEX bom_jobs_by_tenant ON bom_jobs (tenant, created_at);
CREATE INDEX bom_jobs_by_status ON bom_jobs (status, created_at);
CREATE TABLE bom_reviews (
    bom_id    TEXT NOT NULL REFERENCES bom_jobs (id) ON DELETE CASCADE,
    review_id TEXT NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    PRIMARY KEY (bom_id, review_id)
);
CREATE INDEX bom_reviews_by_review ON bom_reviews (review_id);
"#,
];

/// Folded subjects shorter than this are looked up among recognised
/// subjects only: two characters are found in nearly every text.
const MIN_MENTION_KEY: usize = 3;
/// Text matches of folded subjects up to this long are checked to begin a
/// word.
const SHORT_MENTION_KEY: usize = 8;
/// Documents kept decoded in memory.
const CACHE_DOCUMENTS: usize = 64;
const READERS: usize = 4;

pub struct Catalog {
    originals_dir: PathBuf,
    /// Rendered page images, a cache (see [`crate::render`]).
    pages_dir: PathBuf,
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    cache: Mutex<Lru>,
    /// Bumped on every change that affects answers; part of provenance.
    generation: AtomicU64,
}

/// Whether the folded `key` occurs in `text` starting at a word: the first
/// letter or digit of the match follows no other letter or digit.
fn mentions_at_word_start(text: &str, key: &str) -> bool {
    let mut folded: Vec<char> = Vec::with_capacity(text.len());
    let mut starts: Vec<bool> = Vec::with_capacity(text.len());
    let mut prev_alnum = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            for l in c.to_lowercase() {
                starts.push(!prev_alnum);
                folded.push(l);
                prev_alnum = true;
            }
        } else {
            prev_alnum = false;
        }
    }
    let key: Vec<char> = key.chars().collect();
    if key.is_empty() || key.len() > folded.len() {
        return false;
    }
    (0..=folded.len() - key.len()).any(|i| starts[i] && folded[i..i + key.len()] == key[..])
}

/// A small least-recently-used map of decoded documents.
#[derive(Default)]
struct Lru {
    map: HashMap<String, Arc<Document>>,
    order: VecDeque<String>,
}

impl Lru {
    fn get(&mut self, id: &str) -> Option<Arc<Document>> {
        let d = self.map.get(id)?.clone();
        if let Some(p) = self.order.iter().position(|k| k == id) {
            self.order.remove(p);
        }
        self.order.push_back(id.to_owned());
        Some(d)
    }

    fn insert(&mut self, doc: Arc<Document>) {
        let id = doc.meta.id.clone();
        self.remove(&id);
        self.map.insert(id.clone(), doc);
        self.order.push_back(id);
        while self.order.len() > CACHE_DOCUMENTS {
            if let Some(old) = self.order.pop_front() {
                self.map.remove(&old);
            }
        }
    }

    fn remove(&mut self, id: &str) {
        if self.map.remove(id).is_some()
            && let Some(p) = self.order.iter().position(|k| k == id)
        {
            self.order.remove(p);
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn status_name(s: IngestStatus) -> &'static str {
    match s {
        IngestStatus::Queued => "queued",
        IngestStatus::Ready => "ready",
        IngestStatus::Failed => "failed",
    }
}

fn connect(path: &Path) -> Result<Connection, CatalogError> {
    let c = Connection::open(path)?;
    c.busy_timeout(std::time::Duration::from_secs(30))?;
    c.pragma_update(None, "journal_mode", "WAL")?;
    c.pragma_update(None, "synchronous", "FULL")?;
    c.pragma_update(None, "foreign_keys", "ON")?;
    Ok(c)
}

fn migrate(c: &mut Connection) -> Result<(), CatalogError> {
    let done: i64 = c.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (i, sql) in (0i64..)
        .zip(MIGRATIONS)
        .skip(usize::try_from(done).unwrap_or(0))
    {
        let tx = c.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i + 1)?;
        tx.commit()?;
    }
    Ok(())
}

impl Catalog {
    pub fn open(data_dir: &Path) -> Result<Self, CatalogError> {
        let originals_dir = data_dir.join("originals");
        std::fs::create_dir_all(&originals_dir).map_err(io(&originals_dir))?;
        let db = data_dir.join("catalog.sqlite3");
        let mut writer = connect(&db)?;
        migrate(&mut writer)?;
        let readers = (0..READERS)
            .map(|_| connect(&db).map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()?;
        let generation: i64 = writer.query_row(
            "SELECT value FROM state WHERE name = 'generation'",
            [],
            |r| r.get(0),
        )?;
        let catalog = Self {
            originals_dir,
            pages_dir: data_dir.join("pages"),
            writer: Mutex::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
            cache: Mutex::new(Lru::default()),
            generation: AtomicU64::new(u64::try_from(generation).unwrap_or(0)),
        };
        catalog.import_json_records(&data_dir.join("documents"))?;
        Ok(catalog)
    }

    /// Imports the records of an older data directory (one JSON file per
    /// document), then renames the folder so it is read only once.
    fn import_json_records(&self, dir: &Path) -> Result<(), CatalogError> {
        if !dir.is_dir() {
            return Ok(());
        }
        let mut imported = 0usize;
        for entry in std::fs::read_dir(dir).map_err(io(dir))?.flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let bytes = std::fs::read(&path).map_err(io(&path))?;
            match serde_json::from_slice::<Document>(&bytes) {
                Ok(doc) => {
                    if self.get(&doc.meta.id).is_none() {
                        self.put(doc)?;
                        imported += 1;
                    }
                }
                Err(e) => {
                    // One unreadable record must not take the service down.
                    tracing::error!(path = %path.display(), error = %e, "skipping corrupt document record");
                }
            }
        }
        // Never onto an earlier import's folder.
        let to = (0u32..)
            .map(|i| match i {
                0 => dir.with_extension("imported"),
                i => dir.with_extension(format!("imported.{i}")),
            })
            .find(|p| !p.exists())
            .unwrap_or_else(|| dir.with_extension("imported.last"));
        std::fs::rename(dir, &to).map_err(io(&to))?;
        tracing::info!(
            imported,
            "document records imported into the catalog database"
        );
        Ok(())
    }

    fn reader(&self) -> MutexGuard<'_, Connection> {
        for m in &self.readers {
            if let Ok(c) = m.try_lock() {
                return c;
            }
        }
        let i = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        lock(&self.readers[i])
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    fn decode(id: &str, body: &[u8]) -> Option<Document> {
        match serde_json::from_slice::<Document>(body) {
            Ok(d) => Some(d),
            Err(e) => {
                tracing::error!(id, error = %e, "unreadable document record");
                None
            }
        }
    }

    pub fn get(&self, id: &str) -> Option<Arc<Document>> {
        if let Some(d) = lock(&self.cache).get(id) {
            return Some(d);
        }
        let body: Option<Vec<u8>> = self
            .reader()
            .query_row("SELECT body FROM documents WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()
            .unwrap_or_else(|e| {
                tracing::error!(id, error = %e, "catalog read failed");
                None
            });
        let doc = Arc::new(Self::decode(id, &body?)?);
        lock(&self.cache).insert(doc.clone());
        Some(doc)
    }

    fn metas(&self, sql: &str, args: impl rusqlite::Params) -> Vec<DocumentMeta> {
        let run = || -> Result<Vec<DocumentMeta>, rusqlite::Error> {
            let c = self.reader();
            let mut st = c.prepare_cached(sql)?;
            let rows = st.query_map(args, |r| r.get::<_, String>(0))?;
            let mut out = Vec::new();
            for m in rows {
                match serde_json::from_str::<DocumentMeta>(&m?) {
                    Ok(m) => out.push(m),
                    Err(e) => tracing::error!(error = %e, "unreadable document metadata"),
                }
            }
            Ok(out)
        };
        run().unwrap_or_else(|e| {
            tracing::error!(error = %e, "catalog read failed");
            Vec::new()
        })
    }

    fn ids(&self, sql: &str, args: impl rusqlite::Params) -> Vec<String> {
        let run = || -> Result<Vec<String>, rusqlite::Error> {
            let c = self.reader();
            let mut st = c.prepare_cached(sql)?;
            st.query_map(args, |r| r.get::<_, String>(0))?.collect()
        };
        run().unwrap_or_else(|e| {
            tracing::error!(error = %e, "catalog read failed");
            Vec::new()
        })
    }

    /// The metadata of every document of a tenant, oldest first.
    pub fn list(&self, tenant: &str) -> Vec<DocumentMeta> {
        self.metas(
            "SELECT meta FROM documents WHERE tenant = ?1 ORDER BY created_at, source",
            [tenant],
        )
    }

    /// Documents waiting for the worker (after a restart, too).
    pub fn queued(&self) -> Vec<String> {
        self.ids(
            "SELECT id FROM documents WHERE status = 'queued' ORDER BY created_at, id",
            [],
        )
    }

    /// Documents of every tenant by status (for metrics).
    pub fn status_counts(&self) -> HashMap<IngestStatus, usize> {
        let c = self.reader();
        let Ok(mut st) = c.prepare_cached("SELECT status, count(*) FROM documents GROUP BY status")
        else {
            return HashMap::new();
        };
        let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)));
        let mut out = HashMap::new();
        for (status, n) in rows.into_iter().flatten().flatten() {
            let status = match status.as_str() {
                "queued" => IngestStatus::Queued,
                "ready" => IngestStatus::Ready,
                "failed" => IngestStatus::Failed,
                _ => continue,
            };
            out.insert(status, usize::try_from(n).unwrap_or(0));
        }
        out
    }

    /// The ready document currently serving a source name, if any.
    pub fn current_for_source(&self, tenant: &str, source: &str) -> Option<Arc<Document>> {
        let id = self
            .ids(
                "SELECT id FROM documents WHERE tenant = ?1 AND source = ?2 AND status = 'ready' \
                 ORDER BY created_at DESC LIMIT 1",
                [tenant, source],
            )
            .pop()?;
        self.get(&id)
    }

    /// Ready documents about a subject: listed among their subjects, or
    /// mentioned in their text (compared without case, spaces or
    /// punctuation, so "G5V-1" matches "G5V 1"), oldest first. Index reads
    /// only; a subject of fewer than three letters and digits is matched
    /// against recognised subjects only.
    pub fn find_subject(&self, tenant: &str, subject: &str) -> Vec<String> {
        let key = fold_key(subject);
        if key.is_empty() {
            return Vec::new();
        }
        if key.chars().count() < MIN_MENTION_KEY {
            return self.ids(
                "SELECT d.id FROM documents d JOIN subjects s ON s.document_id = d.id \
                 WHERE s.tenant = ?1 AND s.key = ?2 AND d.status = 'ready' \
                 ORDER BY d.created_at, d.id",
                [tenant, key.as_str()],
            );
        }
        let pattern = format!("%{key}%");
        let ids = self.ids(
            "SELECT d.id FROM documents d WHERE d.tenant = ?1 AND d.status = 'ready' AND ( \
               d.id IN (SELECT document_id FROM subjects WHERE tenant = ?1 AND key = ?2) \
               OR d.seq IN (SELECT rowid FROM folded WHERE key LIKE ?3)) \
             ORDER BY d.created_at, d.id",
            [tenant, key.as_str(), pattern.as_str()],
        );
        if key.chars().count() > SHORT_MENTION_KEY {
            return ids;
        }
        // A short key is often found across words ("mass 1.44" holds
        // "ss14"): a text match must begin a word.
        let listed: std::collections::HashSet<String> = self
            .ids(
                "SELECT document_id FROM subjects WHERE tenant = ?1 AND key = ?2",
                [tenant, key.as_str()],
            )
            .into_iter()
            .collect();
        ids.into_iter()
            .filter(|id| {
                listed.contains(id)
                    || self
                        .get(id)
                        .is_some_and(|d| mentions_at_word_start(&d.text, &key))
            })
            .collect()
    }

    /// The recognised subjects of ready documents that a text names
    /// (folded, at least three letters or digits), longest first.
    pub fn subjects_named_in(&self, tenant: &str, text: &str) -> Vec<String> {
        let chars: Vec<char> = fold_key(text).chars().collect();
        let mut keys: Vec<String> = Vec::new();
        for start in 0..chars.len() {
            for end in start + MIN_MENTION_KEY..=chars.len().min(start + 64) {
                keys.push(chars[start..end].iter().collect());
            }
        }
        keys.sort();
        keys.dedup();
        let mut names: Vec<String> = Vec::new();
        for batch in keys.chunks(500) {
            let sql = format!(
                "SELECT DISTINCT s.name FROM subjects s JOIN documents d ON d.id = s.document_id \
                 WHERE s.tenant = ? AND d.status = 'ready' AND s.key IN ({})",
                vec!["?"; batch.len()].join(",")
            );
            let args: Vec<&str> = std::iter::once(tenant)
                .chain(batch.iter().map(String::as_str))
                .collect();
            names.extend(self.ids(&sql, rusqlite::params_from_iter(args)));
        }
        names.sort_by(|a, b| {
            b.chars()
                .count()
                .cmp(&a.chars().count())
                .then_with(|| a.cmp(b))
        });
        names.dedup();
        names
    }

    /// A stored reading of a document about a subject (`""` for none),
    /// if one was made with these extractor versions.
    pub fn stored_reading(&self, id: &str, subject: &str, versions: &str) -> Option<Vec<u8>> {
        self.reader()
            .prepare_cached(
                "SELECT body FROM readings WHERE document_id = ?1 AND subject = ?2 AND versions = ?3",
            )
            .and_then(|mut st| {
                st.query_row([id, subject, versions], |r| r.get(0))
                    .optional()
            })
            .unwrap_or_else(|e| {
                tracing::error!(id, error = %e, "catalog read failed");
                None
            })
    }

    /// Stores what the extractors read in a document, per subject, with the
    /// versions that read it. A document that is no longer in the catalog
    /// stores nothing. Readings are derived data: they are not part of the
    /// generation.
    pub fn store_readings(
        &self,
        id: &str,
        versions: &str,
        readings: &[(String, Vec<u8>)],
    ) -> Result<(), CatalogError> {
        let mut c = lock(&self.writer);
        let tx = c.transaction()?;
        for (subject, body) in readings {
            tx.execute(
                "INSERT INTO readings (document_id, subject, versions, body) \
                 SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM documents WHERE id = ?1) \
                 ON CONFLICT (document_id, subject) DO UPDATE SET versions = excluded.versions, body = excluded.body",
                params![id, subject, versions, body],
            )?;
        }
        tx.commit()?;
        Ok(())
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

    /// Writes a record and its index entries durably, then makes it visible.
    pub fn put(&self, doc: Document) -> Result<Arc<Document>, CatalogError> {
        self.store(doc, true)
    }

    fn store(&self, doc: Document, text_changed: bool) -> Result<Arc<Document>, CatalogError> {
        let corrupt = |e: serde_json::Error| CatalogError::Corrupt {
            path: doc.meta.id.clone(),
            reason: e.to_string(),
        };
        let meta = serde_json::to_string(&doc.meta).map_err(corrupt)?;
        let body = serde_json::to_vec(&doc).map_err(corrupt)?;
        let m = &doc.meta;
        let generation = {
            let mut c = lock(&self.writer);
            let tx = c.transaction()?;
            tx.execute(
                "INSERT INTO documents (id, tenant, source, status, created_at, meta, body) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                 ON CONFLICT (id) DO UPDATE SET tenant = excluded.tenant, source = excluded.source, \
                   status = excluded.status, created_at = excluded.created_at, \
                   meta = excluded.meta, body = excluded.body",
                params![
                    m.id,
                    m.tenant,
                    m.source,
                    status_name(m.status),
                    i64::try_from(m.created_at).unwrap_or(i64::MAX),
                    meta,
                    body
                ],
            )?;
            let seq: i64 =
                tx.query_row("SELECT seq FROM documents WHERE id = ?1", [&m.id], |r| {
                    r.get(0)
                })?;
            tx.execute("DELETE FROM subjects WHERE document_id = ?1", [&m.id])?;
            for name in &m.subjects {
                let key = fold_key(name);
                if !key.is_empty() {
                    tx.execute(
                        "INSERT OR IGNORE INTO subjects (tenant, key, name, document_id) \
                         VALUES (?1, ?2, ?3, ?4)",
                        params![m.tenant, key, name, m.id],
                    )?;
                }
            }
            if text_changed {
                tx.execute("DELETE FROM readings WHERE document_id = ?1", [&m.id])?;
                tx.execute("DELETE FROM folded WHERE rowid = ?1", [seq])?;
                if !doc.text.is_empty() {
                    tx.execute(
                        "INSERT INTO folded (rowid, key) VALUES (?1, ?2)",
                        params![seq, fold_key(&doc.text)],
                    )?;
                }
            }
            let generation = self.bump(&tx)?;
            tx.commit()?;
            generation
        };
        let doc = Arc::new(doc);
        lock(&self.cache).insert(doc.clone());
        self.generation.store(generation, Ordering::SeqCst);
        Ok(doc)
    }

    fn bump(&self, tx: &rusqlite::Transaction<'_>) -> Result<u64, CatalogError> {
        let g: i64 = tx.query_row(
            "UPDATE state SET value = value + 1 WHERE name = 'generation' RETURNING value",
            [],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(g).unwrap_or(0))
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
        self.store(doc, false).map(Some)
    }

    pub fn remove(&self, id: &str) -> Result<Option<Arc<Document>>, CatalogError> {
        let removed = self.get(id);
        {
            let mut c = lock(&self.writer);
            let tx = c.transaction()?;
            let seq: Option<i64> = tx
                .query_row("SELECT seq FROM documents WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .optional()?;
            if let Some(seq) = seq {
                tx.execute("DELETE FROM folded WHERE rowid = ?1", [seq])?;
                tx.execute("DELETE FROM subjects WHERE document_id = ?1", [id])?;
                tx.execute("DELETE FROM readings WHERE document_id = ?1", [id])?;
                tx.execute("DELETE FROM documents WHERE seq = ?1", [seq])?;
            }
            let generation = self.bump(&tx)?;
            tx.commit()?;
            self.generation.store(generation, Ordering::SeqCst);
        }
        lock(&self.cache).remove(id);
        let p = self.originals_dir.join(id);
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(&p)(e)),
        }
        // Cached page images go with the document (best effort: a cache).
        let _ = std::fs::remove_dir_all(self.pages_dir.join(id));
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

mod bom_jobs;
mod keys;
mod reviews;
pub use bom_jobs::StoredBomJob;
pub use keys::{ApiKey, KeyError, NewKey, Scope};
pub use reviews::{ReviewFilter, StoredReview};

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
