//! Durable document records in SQL, with the subject index: SQLite in the
//! data directory by default, PostgreSQL when a database URL is configured
//! (see [`db`]).
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
//! On PostgreSQL the folded texts are in a table with a trigram index
//! (`pg_trgm`), which answers the same `LIKE '%key%'` reads.
//!
//! Readers share a small pool of connections; writes are transactions.
//! Recently read documents stay in a bounded cache, so memory grows with
//! the cache and the index, not with the texts; each record carries the
//! generation that wrote it, and a cached document is used only while its
//! record still has that generation, so a record another handle changed
//! (another process's, on a shared catalog) is read again.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use db::{Db, DbError, Migrations, Sql, args};

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
    Db(#[from] DbError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CatalogError + '_ {
    move |source| CatalogError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Schema migrations, applied in order; SQLite's `PRAGMA user_version`
/// (PostgreSQL's `schema_version` table) records how many ran. A released
/// migration is never edited: a change is a new one, in both lists.
const MIGRATIONS: Migrations = Migrations {
    sqlite: SQLITE_MIGRATIONS,
    postgres: POSTGRES_MIGRATIONS,
};

const SQLITE_MIGRATIONS: &[&str] = &[
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
    r#"
ALTER TABLE documents ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
"#,
    r#"
ALTER TABLE documents ADD COLUMN lease_owner TEXT;
ALTER TABLE documents ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;
"#,
    r#"
CREATE TABLE handoffs (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    body        BLOB,
    created_at  INTEGER NOT NULL,
    lease_owner TEXT,
    lease_until INTEGER NOT NULL DEFAULT 0
);
ALTER TABLE bom_jobs ADD COLUMN lease_owner TEXT;
ALTER TABLE bom_jobs ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;
"#,
    // The newest ready version of a source is read once per published
    // document: by (tenant, source) in time order, so the planner never
    // walks every ready document through the status index instead.
    r#"
DROP INDEX documents_by_source;
CREATE INDEX documents_by_source ON documents (tenant, source, created_at);
"#,
];

/// The same schema for PostgreSQL: identifiers compared byte-wise
/// (`COLLATE "C"`, as SQLite does), 64-bit integers throughout, and the
/// folded texts in a table with a trigram index instead of FTS5.
const POSTGRES_MIGRATIONS: &[&str] = &[
    r#"
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE documents (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         TEXT COLLATE "C" NOT NULL UNIQUE,
    tenant     TEXT COLLATE "C" NOT NULL,
    source     TEXT COLLATE "C" NOT NULL,
    status     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    meta       TEXT NOT NULL,
    body       BYTEA NOT NULL
);
CREATE INDEX documents_by_source ON documents (tenant, source, status);
CREATE INDEX documents_by_status ON documents (status, created_at);
CREATE TABLE subjects (
    tenant      TEXT COLLATE "C" NOT NULL,
    key         TEXT COLLATE "C" NOT NULL,
    name        TEXT COLLATE "C" NOT NULL,
    document_id TEXT COLLATE "C" NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    PRIMARY KEY (tenant, key, document_id)
);
CREATE INDEX subjects_by_document ON subjects (document_id);
CREATE TABLE folded (
    rowid BIGINT PRIMARY KEY,
    key   TEXT COLLATE "C" NOT NULL
);
CREATE INDEX folded_trigrams ON folded USING gin (key gin_trgm_ops);
CREATE TABLE state (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO state (name, value) VALUES ('generation', 0);
CREATE TABLE readings (
    document_id TEXT COLLATE "C" NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    subject     TEXT COLLATE "C" NOT NULL,
    versions    TEXT NOT NULL,
    body        BYTEA NOT NULL,
    PRIMARY KEY (document_id, subject)
);
"#,
    r#"
CREATE TABLE api_keys (
    id         TEXT COLLATE "C" PRIMARY KEY,
    tenant     TEXT COLLATE "C" NOT NULL,
    scopes     TEXT NOT NULL,
    hash       TEXT NOT NULL,
    label      TEXT,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
"#,
    r#"
CREATE TABLE reviews (
    id          TEXT COLLATE "C" PRIMARY KEY,
    tenant      TEXT COLLATE "C" NOT NULL,
    document_id TEXT COLLATE "C" NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    subject     TEXT COLLATE "C" NOT NULL,
    field       TEXT COLLATE "C" NOT NULL,
    status      TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    decided_at  BIGINT
);
CREATE INDEX reviews_by_tenant ON reviews (tenant, status, created_at);
CREATE INDEX reviews_by_document ON reviews (document_id, subject);
"#,
    r#"
CREATE TABLE bom_jobs (
    id          TEXT COLLATE "C" PRIMARY KEY,
    tenant      TEXT COLLATE "C" NOT NULL,
    name        TEXT,
    status      TEXT NOT NULL,
    lines       BIGINT NOT NULL,
    done        BIGINT NOT NULL DEFAULT 0,
    request     TEXT NOT NULL,
    result      TEXT,
    error       TEXT,
    created_at  BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX bom_jobs_by_tenant ON bom_jobs (tenant, created_at);
CREATE INDEX bom_jobs_by_status ON bom_jobs (status, created_at);
CREATE TABLE bom_reviews (
    bom_id    TEXT COLLATE "C" NOT NULL REFERENCES bom_jobs (id) ON DELETE CASCADE,
    review_id TEXT COLLATE "C" NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    PRIMARY KEY (bom_id, review_id)
);
CREATE INDEX bom_reviews_by_review ON bom_reviews (review_id);
"#,
    r#"
ALTER TABLE documents ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
"#,
    r#"
ALTER TABLE documents ADD COLUMN lease_owner TEXT;
ALTER TABLE documents ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;
"#,
    r#"
CREATE TABLE handoffs (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_id TEXT COLLATE "C" NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    body        BYTEA,
    created_at  BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT NOT NULL DEFAULT 0
);
ALTER TABLE bom_jobs ADD COLUMN lease_owner TEXT;
ALTER TABLE bom_jobs ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;
"#,
    r#"
DROP INDEX documents_by_source;
CREATE INDEX documents_by_source ON documents (tenant, source, created_at);
"#,
];

/// The newest ready version of a source (read through `documents_by_source`).
const CURRENT_FOR_SOURCE: &str = "SELECT id FROM documents \
     WHERE tenant = ?1 AND source = ?2 AND status = 'ready' ORDER BY created_at DESC LIMIT 1";

/// Folded subjects shorter than this are looked up among recognised
/// subjects only: two characters are found in nearly every text.
const MIN_MENTION_KEY: usize = 3;
/// Text matches of folded subjects up to this long are checked to begin a
/// word.
const SHORT_MENTION_KEY: usize = 8;
/// Documents kept decoded in memory.
const CACHE_DOCUMENTS: usize = 64;

pub struct Catalog {
    /// Rendered page images, a cache (see [`crate::render`]).
    pages_dir: PathBuf,
    db: Db,
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
    /// Each document with the generation that wrote it.
    map: HashMap<String, (i64, Arc<Document>)>,
    order: VecDeque<String>,
}

impl Lru {
    fn get(&mut self, id: &str) -> Option<(i64, Arc<Document>)> {
        let d = self.map.get(id)?.clone();
        if let Some(p) = self.order.iter().position(|k| k == id) {
            self.order.remove(p);
        }
        self.order.push_back(id.to_owned());
        Some(d)
    }

    fn insert(&mut self, version: i64, doc: Arc<Document>) {
        let id = doc.meta.id.clone();
        self.remove(&id);
        self.map.insert(id.clone(), (version, doc));
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

impl Catalog {
    /// The embedded catalog: `catalog.sqlite3` in the data directory.
    pub fn open(data_dir: &Path) -> Result<Self, CatalogError> {
        Self::connect(data_dir, None)
    }

    /// The catalog in PostgreSQL when `database_url` is given, else the
    /// embedded one. Cached page images stay in the data directory
    /// (originals are in [`crate::originals`]).
    pub fn connect(data_dir: &Path, database_url: Option<&str>) -> Result<Self, CatalogError> {
        std::fs::create_dir_all(data_dir).map_err(io(data_dir))?;
        let db = match database_url {
            Some(url) => Db::postgres(url, &MIGRATIONS)?,
            None => Db::sqlite(&data_dir.join("catalog.sqlite3"), &MIGRATIONS)?,
        };
        let generation = db.read(read_generation)?;
        let catalog = Self {
            pages_dir: data_dir.join("pages"),
            db,
            cache: Mutex::new(Lru::default()),
            generation: AtomicU64::new(generation),
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

    /// Whether the catalog is a PostgreSQL database (shared by processes).
    pub fn is_shared(&self) -> bool {
        self.db.is_postgres()
    }

    /// Bumped on every change that affects answers. A shared catalog is
    /// asked, since other processes change it too.
    pub fn generation(&self) -> u64 {
        if self.db.is_postgres() {
            match self.db.read(read_generation) {
                Ok(g) => {
                    self.generation.store(g, Ordering::SeqCst);
                    return g;
                }
                Err(e) => tracing::error!(error = %e, "catalog read failed"),
            }
        }
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
        let cached = lock(&self.cache).get(id);
        if let Some((version, doc)) = &cached {
            // Another handle (a worker of another process, or of this
            // one) may have changed the record: one indexed read tells.
            let now = self
                .db
                .read(|c| {
                    c.query_opt("SELECT version FROM documents WHERE id = ?1", args![id])?
                        .map(|r| r.int(0))
                        .transpose()
                })
                .unwrap_or_else(|e| {
                    tracing::error!(id, error = %e, "catalog read failed");
                    None
                });
            match now {
                Some(v) if v == *version => return Some(doc.clone()),
                Some(_) => {}
                None => {
                    lock(&self.cache).remove(id);
                    return None;
                }
            }
        }
        let row = self
            .db
            .read(|c| {
                c.query_opt(
                    "SELECT body, version FROM documents WHERE id = ?1",
                    args![id],
                )?
                .map(|r| Ok::<_, DbError>((r.blob(0)?, r.int(1)?)))
                .transpose()
            })
            .unwrap_or_else(|e| {
                tracing::error!(id, error = %e, "catalog read failed");
                None
            });
        let (body, version) = row?;
        let doc = Arc::new(Self::decode(id, &body)?);
        lock(&self.cache).insert(version, doc.clone());
        Some(doc)
    }

    fn metas(&self, sql: &str, args: &[db::Value]) -> Vec<DocumentMeta> {
        let mut out = Vec::new();
        for m in self.ids(sql, args) {
            match serde_json::from_str::<DocumentMeta>(&m) {
                Ok(m) => out.push(m),
                Err(e) => tracing::error!(error = %e, "unreadable document metadata"),
            }
        }
        out
    }

    /// The first column of every row as text; a failed read is logged and
    /// reads as no rows.
    fn ids(&self, sql: &str, args: &[db::Value]) -> Vec<String> {
        self.db.read(|c| c.texts(sql, args)).unwrap_or_else(|e| {
            tracing::error!(error = %e, "catalog read failed");
            Vec::new()
        })
    }

    /// The metadata of every document of a tenant, oldest first.
    pub fn list(&self, tenant: &str) -> Vec<DocumentMeta> {
        self.metas(
            "SELECT meta FROM documents WHERE tenant = ?1 ORDER BY created_at, source",
            args![tenant],
        )
    }

    /// Documents waiting for the worker (after a restart, too).
    pub fn queued(&self) -> Vec<String> {
        self.ids(
            "SELECT id FROM documents WHERE status = 'queued' ORDER BY created_at, id",
            &[],
        )
    }

    /// Documents of every tenant by status (for metrics).
    pub fn status_counts(&self) -> HashMap<IngestStatus, usize> {
        let rows = self
            .db
            .read(|c| {
                c.query(
                    "SELECT status, count(*) FROM documents GROUP BY status",
                    &[],
                )?
                .iter()
                .map(|r| Ok((r.text(0)?, r.int(1)?)))
                .collect::<Result<Vec<_>, DbError>>()
            })
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "catalog read failed");
                Vec::new()
            });
        let mut out = HashMap::new();
        for (status, n) in rows {
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
            .ids(CURRENT_FOR_SOURCE, args![tenant, source])
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
                args![tenant, key.as_str()],
            );
        }
        let pattern = format!("%{key}%");
        // Driven from the two indexes (a join each, in this order), never
        // from the documents: an OR over both would read every document.
        let ids = self.ids(
            "SELECT id FROM ( \
               SELECT d.id, d.created_at FROM subjects s CROSS JOIN documents d \
                 WHERE s.tenant = ?1 AND s.key = ?2 AND d.id = s.document_id \
                   AND d.tenant = ?1 AND d.status = 'ready' \
               UNION \
               SELECT d.id, d.created_at FROM folded f CROSS JOIN documents d \
                 WHERE f.key LIKE ?3 AND d.seq = f.rowid \
                   AND d.tenant = ?1 AND d.status = 'ready' \
             ) AS found ORDER BY created_at, id",
            args![tenant, key.as_str(), pattern.as_str()],
        );
        if key.chars().count() > SHORT_MENTION_KEY {
            return ids;
        }
        // A short key is often found across words ("mass 1.44" holds
        // "ss14"): a text match must begin a word.
        let listed: std::collections::HashSet<String> = self
            .ids(
                "SELECT document_id FROM subjects WHERE tenant = ?1 AND key = ?2",
                args![tenant, key.as_str()],
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
            let args: Vec<db::Value> = std::iter::once(tenant)
                .chain(batch.iter().map(String::as_str))
                .map(db::Value::from)
                .collect();
            names.extend(self.ids(&sql, &args));
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
        self.db
            .read(|c| {
                c.query_opt(
                    "SELECT body FROM readings WHERE document_id = ?1 AND subject = ?2 AND versions = ?3",
                    args![id, subject, versions],
                )?
                .map(|r| r.blob(0))
                .transpose()
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
        self.db.write(|tx| {
            for (subject, body) in readings {
                tx.execute(
                    "INSERT INTO readings (document_id, subject, versions, body) \
                     SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM documents WHERE id = ?1) \
                     ON CONFLICT (document_id, subject) DO UPDATE SET versions = excluded.versions, body = excluded.body",
                    args![id, subject, versions, body],
                )?;
            }
            Ok(())
        })?;
        Ok(())
    }

    /// The cache of rendered page images.
    pub fn pages_dir(&self) -> &Path {
        &self.pages_dir
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
        let folded = (text_changed && !doc.text.is_empty()).then(|| fold_key(&doc.text));
        let generation = self.db.write(|tx| {
            tx.execute(
                "INSERT INTO documents (id, tenant, source, status, created_at, meta, body) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                 ON CONFLICT (id) DO UPDATE SET tenant = excluded.tenant, source = excluded.source, \
                   status = excluded.status, created_at = excluded.created_at, \
                   meta = excluded.meta, body = excluded.body",
                args![
                    &m.id,
                    &m.tenant,
                    &m.source,
                    status_name(m.status),
                    i64::try_from(m.created_at).unwrap_or(i64::MAX),
                    meta,
                    body
                ],
            )?;
            let seq = tx
                .query_one("SELECT seq FROM documents WHERE id = ?1", args![&m.id])?
                .int(0)?;
            tx.execute("DELETE FROM subjects WHERE document_id = ?1", args![&m.id])?;
            for name in &m.subjects {
                let key = fold_key(name);
                if !key.is_empty() {
                    tx.execute(
                        "INSERT INTO subjects (tenant, key, name, document_id) \
                         VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                        args![&m.tenant, key, name, &m.id],
                    )?;
                }
            }
            if text_changed {
                tx.execute("DELETE FROM readings WHERE document_id = ?1", args![&m.id])?;
                tx.execute("DELETE FROM folded WHERE rowid = ?1", args![seq])?;
                if let Some(folded) = &folded {
                    tx.execute(
                        "INSERT INTO folded (rowid, key) VALUES (?1, ?2)",
                        args![seq, folded],
                    )?;
                }
            }
            let generation = bump(tx)?;
            tx.execute(
                "UPDATE documents SET version = ?2 WHERE seq = ?1",
                args![seq, i64::try_from(generation).unwrap_or(i64::MAX)],
            )?;
            Ok(generation)
        })?;
        let doc = Arc::new(doc);
        lock(&self.cache).insert(i64::try_from(generation).unwrap_or(i64::MAX), doc.clone());
        self.generation.store(generation, Ordering::SeqCst);
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
        self.store(doc, false).map(Some)
    }

    /// Removes a document's record, index entries, readings and cached
    /// page images (its original and vectors are the engine's to remove).
    pub fn remove(&self, id: &str) -> Result<Option<Arc<Document>>, CatalogError> {
        self.remove_and(id, |tx| {
            // A version handed off and not yet published goes too.
            tx.execute(
                "DELETE FROM handoffs WHERE document_id = ?1 AND kind = 'publish'",
                args![id],
            )
        })
    }

    /// Removes a document's rows and runs `also` in the same transaction;
    /// the removed record.
    fn remove_and(
        &self,
        id: &str,
        also: impl FnOnce(&mut dyn Sql) -> Result<usize, DbError> + Send,
    ) -> Result<Option<Arc<Document>>, CatalogError> {
        let removed = self.get(id);
        let generation = self.db.write(|tx| {
            remove_rows(tx, id)?;
            also(tx)?;
            bump(tx)
        })?;
        self.generation.store(generation, Ordering::SeqCst);
        lock(&self.cache).remove(id);
        // Cached page images go with the document (best effort: a cache).
        let _ = std::fs::remove_dir_all(self.pages_dir.join(id));
        Ok(removed)
    }
}

/// Deletes a document's rows (record, subjects, folded text, readings).
fn remove_rows(tx: &mut dyn Sql, id: &str) -> Result<(), DbError> {
    let seq = tx
        .query_opt("SELECT seq FROM documents WHERE id = ?1", args![id])?
        .map(|r| r.int(0))
        .transpose()?;
    if let Some(seq) = seq {
        tx.execute("DELETE FROM folded WHERE rowid = ?1", args![seq])?;
        tx.execute("DELETE FROM subjects WHERE document_id = ?1", args![id])?;
        tx.execute("DELETE FROM readings WHERE document_id = ?1", args![id])?;
        tx.execute("DELETE FROM documents WHERE seq = ?1", args![seq])?;
    }
    Ok(())
}

fn read_generation(c: &mut dyn Sql) -> Result<u64, DbError> {
    let g = c
        .query_one("SELECT value FROM state WHERE name = 'generation'", &[])?
        .int(0)?;
    Ok(u64::try_from(g).unwrap_or(0))
}

fn bump(tx: &mut dyn Sql) -> Result<u64, DbError> {
    let g = tx
        .query_one(
            "UPDATE state SET value = value + 1 WHERE name = 'generation' RETURNING value",
            &[],
        )?
        .int(0)?;
    Ok(u64::try_from(g).unwrap_or(0))
}

/// Milliseconds since the Unix epoch.
fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Milliseconds since the Unix epoch, `d` from now.
fn later(d: std::time::Duration) -> i64 {
    now_ms().saturating_add(i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Seconds since the Unix epoch.
fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

mod bom_jobs;
pub mod db;
mod handoffs;
mod keys;
mod leases;
mod reviews;
pub mod testdb;
pub use bom_jobs::StoredBomJob;
pub use handoffs::{HANDED_OFF, HandoffKind, PendingHandoff};
pub use keys::{ApiKey, KeyError, NewKey, Scope};
pub use reviews::{ReviewFilter, StoredReview};

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
