//! The ingest pipeline: a chain of small stages, each with its own span.
//!
//! submit (persist original + queued record: the acknowledgement) →
//! parse (blocking pool, contained) → analyse (kind, subjects) → chunk →
//! embed (blocking pool, sorted batches) + BM25 → publish.
//!
//! Publishing happens under the visibility lock: the new version's points
//! are written and the previous version of the same source is removed while
//! readers wait, so no query sees both versions or neither. Ids come from
//! content, so re-ingesting an unchanged file changes nothing.
//!
//! [`Engine::process`] runs one document through the stages in turn;
//! [`Engine::process_all`] runs many with the stages overlapped (the next
//! documents parse while the current ones embed, small documents share
//! model calls, publishing follows in order), joined by bounded channels.
//! The worker ([`Engine::spawn_worker`]) and `ingest_paths` use it.
//!
//! A document is read under a lease in the catalog (see
//! `catalog/leases.rs`): [`Engine::process_all`] claims its documents
//! first and renews the claims while it reads them, so two workers, in one
//! process or in several sharing a catalog, never read the same document,
//! and a document whose worker died is claimed again once the lease has
//! run out. A document another worker holds is waited for, and reported as
//! that worker leaves it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use crate::analyze;
use crate::chunk::{Chunk, chunk_document};
use crate::document::{
    DEFAULT_TENANT, Document, DocumentMeta, IngestError, IngestStatus, content_sha256, document_id,
    now_millis,
};
use crate::library::{Engine, EngineError};
use crate::parse::{ParseError, parse};
use crate::store::{ChunkPayload, ChunkPoint};

/// What `submit` did with a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    pub id: String,
    pub status: IngestStatus,
    /// The same content was already stored: nothing was queued.
    pub unchanged: bool,
}

/// Counters for one batch, printed by the CLI.
#[derive(Debug, Clone, Default)]
pub struct IngestSummary {
    pub documents: usize,
    pub unchanged: usize,
    pub pages: usize,
    pub chunks: usize,
    pub failures: Vec<(String, IngestError)>,
}

/// Documents waiting between two stages of [`Engine::process_all`].
pub const AHEAD: usize = 16;
/// Chunks of consecutive documents embedded in one model call, at most: only
/// documents already parsed join a group, so a lone upload is not held back.
/// The call sorts its chunks by token count before batching, and the larger
/// the group the less each batch pads (on the development corpus, padding
/// adds 28% to the real tokens with groups of 64 chunks, 12% with 256).
pub const EMBED_GROUP_CHUNKS: usize = 256;
/// Files `ingest_paths` reads and acknowledges ahead of the pipeline.
const ROUND_FILES: usize = 256;
/// Queued documents the worker takes at once.
const WORKER_GROUP: usize = 16;
/// How often an idle worker looks for documents queued by other processes
/// or whose retry delay or lease has run out.
const WORKER_POLL: Duration = Duration::from_secs(1);
/// How often a document held by another worker is looked at again.
const HELD_POLL: Duration = Duration::from_millis(250);

/// A document parsed, analysed and chunked, waiting for its vectors.
struct Prepared {
    /// The record as it will be published (status ready).
    document: Document,
    chunks: Vec<Chunk>,
    started: Instant,
}

impl Prepared {
    fn embed_texts(&self) -> Vec<String> {
        self.chunks.iter().map(|c| c.embed_text.clone()).collect()
    }
}

enum Step {
    /// Nothing more to do: not queued any more, or rejected by the parser.
    Done(Arc<Document>),
    Prepared(Box<Prepared>),
}

impl Step {
    fn chunks(&self) -> usize {
        match self {
            Step::Done(_) => 0,
            Step::Prepared(p) => p.chunks.len(),
        }
    }
}

impl Engine {
    /// Stores a file and its queued record. Returning is the
    /// acknowledgement: from here the file survives a restart.
    #[tracing::instrument(skip(self, bytes), fields(bytes = bytes.len()))]
    pub async fn submit(
        &self,
        tenant: &str,
        source: &str,
        bytes: &[u8],
    ) -> Result<Submitted, EngineError> {
        let id = document_id(tenant, bytes);
        if let Some(existing) = self.catalog.get(&id)
            && existing.meta.status != IngestStatus::Failed
        {
            return Ok(Submitted {
                id,
                status: existing.meta.status,
                unchanged: true,
            });
        }
        let meta = DocumentMeta {
            id: id.clone(),
            tenant: tenant.to_owned(),
            source: source.to_owned(),
            sha256: content_sha256(bytes),
            bytes: bytes.len() as u64,
            status: IngestStatus::Queued,
            error: None,
            kind: None,
            format: None,
            extractor: None,
            subjects: Vec::new(),
            pages: 0,
            chunks: 0,
            chars: 0,
            created_at: now_millis(),
            ingested_at: None,
        };
        // Oversized files are refused before their bytes are stored.
        if bytes.len() as u64 > self.config.limits.max_bytes {
            let err = ParseError::TooLarge {
                size: bytes.len() as u64,
                limit: self.config.limits.max_bytes,
            };
            self.catalog.put(failed(meta, &err))?;
            return Ok(Submitted {
                id,
                status: IngestStatus::Failed,
                unchanged: false,
            });
        }
        self.originals.put(&id, bytes).await?;
        self.catalog.put(Document {
            meta,
            text: String::new(),
            pages: Vec::new(),
            sheet: None,
            declaration: None,
            tables: Vec::new(),
            layout: None,
        })?;
        Ok(Submitted {
            id,
            status: IngestStatus::Queued,
            unchanged: false,
        })
    }

    /// Runs the pipeline for one queued document and records the outcome.
    /// Per-document problems become a `failed` status, never an error: the
    /// caller's batch goes on. Errors are infrastructure failures.
    #[tracing::instrument(skip(self))]
    pub async fn process(&self, id: &str) -> Result<Arc<Document>, EngineError> {
        let mut out = None;
        self.process_all([id.to_owned()], |_, r| {
            out = Some(r);
            true
        })
        .await;
        out.unwrap_or_else(|| Err(EngineError::NotFound(id.to_owned())))
    }

    /// Runs queued documents through the pipeline under leases: the ids
    /// this process can claim run through [`Self::run_stages`] while a
    /// heartbeat renews their leases; an id another worker holds is waited
    /// for (and claimed if that worker's lease runs out). `done` is called
    /// once per id, as in `run_stages`; when it stops the run, the claimed
    /// documents not yet done are released for others.
    pub async fn process_all<I>(
        &self,
        ids: I,
        mut done: impl FnMut(&str, Result<Arc<Document>, EngineError>) -> bool,
    ) where
        I: IntoIterator<Item = String>,
    {
        let lease = self.config.ingest_lease;
        let mut seen = std::collections::HashSet::new();
        let mut pending: Vec<String> = ids
            .into_iter()
            .filter(|id| seen.insert(id.clone()))
            .collect();
        while !pending.is_empty() {
            let claimed = match self.catalog.claim(&self.worker_id, &pending, lease) {
                Ok(c) => c,
                Err(e) => {
                    let e = EngineError::from(e);
                    for id in &pending {
                        if !done(id, Err(EngineError::Internal(e.to_string()))) {
                            return;
                        }
                    }
                    return;
                }
            };
            pending.retain(|id| !claimed.contains(id));
            if !claimed.is_empty() {
                let heartbeat = {
                    let (catalog, owner, ids) = (
                        self.catalog.clone(),
                        self.worker_id.clone(),
                        claimed.clone(),
                    );
                    tokio::spawn(async move {
                        loop {
                            tokio::time::sleep(lease / 3).await;
                            let (c, o, i) = (catalog.clone(), owner.clone(), ids.clone());
                            let renewed =
                                tokio::task::spawn_blocking(move || c.renew(&o, &i, lease)).await;
                            if let Ok(Err(e)) = renewed {
                                tracing::warn!(error = %e, "cannot renew ingest leases");
                            }
                        }
                    })
                };
                let mut reported = std::collections::HashSet::new();
                let mut stopped = false;
                self.run_stages(claimed.clone(), |id, r| {
                    reported.insert(id.to_owned());
                    let go = done(id, r);
                    stopped |= !go;
                    go
                })
                .await;
                heartbeat.abort();
                if stopped {
                    let rest: Vec<String> = claimed
                        .into_iter()
                        .filter(|id| !reported.contains(id))
                        .collect();
                    if let Err(e) = self.catalog.release(&self.worker_id, &rest, Duration::ZERO) {
                        tracing::warn!(error = %e, "cannot release ingest leases");
                    }
                    return;
                }
            }
            // The rest: held by another worker, or no longer queued.
            let mut held = Vec::new();
            for id in pending {
                match self.catalog.get(&id) {
                    Some(d) if d.meta.status == IngestStatus::Queued => held.push(id),
                    Some(d) => {
                        if !done(&id, Ok(d)) {
                            return;
                        }
                    }
                    None => {
                        if !done(&id, Err(EngineError::NotFound(id.clone()))) {
                            return;
                        }
                    }
                }
            }
            pending = held;
            if !pending.is_empty() {
                tokio::time::sleep(HELD_POLL).await;
            }
        }
    }

    /// Runs queued documents through the pipeline with its stages
    /// overlapped: the next documents are parsed and chunked while the
    /// current ones are embedded, the chunks of consecutive documents share
    /// model calls (up to [`EMBED_GROUP_CHUNKS`]), and documents are
    /// published one by one, in the order given, while the next group is
    /// embedded. The stages are joined by channels of [`AHEAD`] documents,
    /// so memory is bounded by them, not by the number of documents.
    /// `done` is called once per id (an id given twice runs once), in
    /// order; it stops the run by returning `false` (the documents not yet
    /// published stay queued). The caller holds the documents' leases.
    async fn run_stages<I>(
        &self,
        ids: I,
        mut done: impl FnMut(&str, Result<Arc<Document>, EngineError>) -> bool,
    ) where
        I: IntoIterator<Item = String>,
    {
        type Parsed = (String, Result<Step, EngineError>);
        type Embedded = (String, Result<(Step, Vec<Vec<f32>>), EngineError>);
        let (prepared_tx, mut prepared_rx) = mpsc::channel::<Parsed>(AHEAD);
        let (embedded_tx, mut embedded_rx) = mpsc::channel::<Embedded>(AHEAD);
        let parse = async move {
            let mut seen = std::collections::HashSet::new();
            for id in ids {
                if !seen.insert(id.clone()) {
                    continue;
                }
                let step = self.prepare(&id).await;
                if prepared_tx.send((id, step)).await.is_err() {
                    break;
                }
            }
        };
        let embed = async move {
            while let Some(first) = prepared_rx.recv().await {
                let mut chunks = first.1.as_ref().map_or(0, Step::chunks);
                let mut group = vec![first];
                while chunks < EMBED_GROUP_CHUNKS {
                    match prepared_rx.try_recv() {
                        Ok(next) => {
                            chunks += next.1.as_ref().map_or(0, Step::chunks);
                            group.push(next);
                        }
                        Err(_) => break,
                    }
                }
                let texts: Vec<String> = group
                    .iter()
                    .filter_map(|(_, s)| match s {
                        Ok(Step::Prepared(p)) => Some(p.embed_texts()),
                        _ => None,
                    })
                    .flatten()
                    .collect();
                let vectors = if texts.is_empty() {
                    Ok(Vec::new())
                } else {
                    self.embed(texts).await
                };
                // A failed model call fails every document of the group.
                let failure = vectors.as_ref().err().map(ToString::to_string);
                let mut vectors = vectors.unwrap_or_default().into_iter();
                for (id, step) in group {
                    let item = match (step, &failure) {
                        (Ok(Step::Prepared(_)), Some(e)) => {
                            Err(EngineError::Internal(format!("embedding failed: {e}")))
                        }
                        (Ok(Step::Prepared(p)), None) => {
                            let own: Vec<Vec<f32>> =
                                vectors.by_ref().take(p.chunks.len()).collect();
                            Ok((Step::Prepared(p), own))
                        }
                        (Ok(step), _) => Ok((step, Vec::new())),
                        (Err(e), _) => Err(e),
                    };
                    if embedded_tx.send((id, item)).await.is_err() {
                        return;
                    }
                }
            }
        };
        let publish = async move {
            while let Some((id, item)) = embedded_rx.recv().await {
                let result = match item {
                    Ok((Step::Done(doc), _)) => Ok(doc),
                    Ok((Step::Prepared(p), vectors)) => self.finish(*p, vectors).await,
                    Err(e) => Err(e),
                };
                if !done(&id, result) {
                    break;
                }
            }
            // Dropping the receiver stops the stages before it.
            drop(embedded_rx);
        };
        tokio::join!(parse, embed, publish);
    }

    /// Parses, analyses and chunks a queued document; a document that is
    /// not queued any more, or that the parser rejects, is done here.
    async fn prepare(&self, id: &str) -> Result<Step, EngineError> {
        let doc = self
            .catalog
            .get(id)
            .ok_or_else(|| EngineError::NotFound(id.to_owned()))?;
        if doc.meta.status != IngestStatus::Queued {
            return Ok(Step::Done(doc));
        }
        let meta = doc.meta.clone();
        let bytes = self.originals.get(id).await?;
        let limits = self.config.limits.clone();
        let source = meta.source.clone();
        let started = Instant::now();
        let parsed = tokio::task::spawn_blocking(move || parse(&source, &bytes, &limits))
            .await
            .map_err(|e| EngineError::Internal(format!("parser task: {e}")))?;
        let parsed = match parsed {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(document = %id, code = e.code(), error = %e, "document rejected");
                metrics::counter!("attest_ingest_documents_total", "outcome" => "failed", "code" => e.code())
                    .increment(1);
                return Ok(Step::Done(self.catalog.put(failed(meta, &e))?));
            }
        };
        tracing::debug!(document = %id, elapsed_ms = started.elapsed().as_millis() as u64, "parsed");
        let kind = analyze::classify(&parsed.text, parsed.format);
        let mut subjects = analyze::subjects(&parsed.text, &meta.source, parsed.format);
        for s in analyze::table_subjects(&parsed.text, &parsed.tables) {
            let key = crate::text::fold_key(&s);
            if subjects.len() < 200 && !subjects.iter().any(|o| crate::text::fold_key(o) == key) {
                subjects.push(s);
            }
        }
        let chunks = chunk_document(
            &parsed.text,
            &parsed.pages,
            parsed.sheet.as_ref(),
            self.config.chunk,
        );
        let mut ready = meta;
        ready.status = IngestStatus::Ready;
        ready.error = None;
        ready.kind = Some(kind);
        ready.format = Some(parsed.format);
        ready.extractor = Some(parsed.extractor.clone());
        ready.subjects = subjects;
        ready.pages = parsed.pages.len() as u32;
        ready.chunks = chunks.len() as u32;
        ready.chars = parsed.text.chars().count();
        Ok(Step::Prepared(Box::new(Prepared {
            document: Document {
                meta: ready,
                text: parsed.text,
                pages: parsed.pages,
                sheet: parsed.sheet,
                declaration: parsed.declaration,
                tables: parsed.tables,
                layout: parsed.layout,
            },
            chunks,
            started,
        })))
    }

    /// Stores a prepared document's points and readings and makes it
    /// visible.
    async fn finish(
        &self,
        prepared: Prepared,
        vectors: Vec<Vec<f32>>,
    ) -> Result<Arc<Document>, EngineError> {
        let Prepared {
            mut document,
            chunks,
            started,
        } = prepared;
        if vectors.len() != chunks.len() {
            return Err(EngineError::Internal(format!(
                "{} vectors for {} chunks",
                vectors.len(),
                chunks.len()
            )));
        }
        let meta = &document.meta;
        let points: Vec<ChunkPoint> = chunks
            .iter()
            .zip(vectors)
            .map(|(c, dense)| ChunkPoint {
                payload: ChunkPayload {
                    doc_id: meta.id.clone(),
                    tenant: meta.tenant.clone(),
                    chunk_index: c.index,
                    page: c.page,
                    start: c.span.start,
                    end: c.span.end,
                    text: c.text.clone(),
                    source: meta.source.clone(),
                },
                dense,
                sparse: self.bm25.document(&c.embed_text),
            })
            .collect();
        document.meta.ingested_at = Some(now_millis());
        // The deterministic extractors read the new version once, here;
        // requests then select among stored candidates.
        let document = Arc::new(document);
        let for_reading = document.clone();
        let (versions, readings) =
            tokio::task::spawn_blocking(move || crate::extract::readings_at_ingest(&for_reading))
                .await
                .map_err(|e| EngineError::Internal(format!("reading task: {e}")))?;
        let document = Arc::unwrap_or_clone(document);
        let published = if self.has_store() {
            let published = self.publish(document, points).await?;
            self.catalog
                .store_readings(&published.meta.id, &versions, &readings)?;
            published
        } else {
            self.hand_off(document, points, versions, readings).await?
        };
        metrics::counter!("attest_ingest_documents_total", "outcome" => "ready", "code" => "none")
            .increment(1);
        metrics::counter!("attest_ingest_pages_total").increment(u64::from(published.meta.pages));
        metrics::counter!("attest_ingest_chunks_total").increment(u64::from(published.meta.chunks));
        metrics::counter!("attest_ingest_chars_total").increment(published.meta.chars as u64);
        metrics::histogram!("attest_ingest_document_seconds")
            .record(started.elapsed().as_secs_f64());
        Ok(published)
    }

    async fn embed(&self, texts: Vec<String>) -> Result<Vec<Vec<f32>>, EngineError> {
        let mut out = Vec::with_capacity(texts.len());
        // Batches of a few hundred keep query embeddings from waiting long
        // behind a large document.
        for batch in texts.chunks(256) {
            let embedder = self.embedder.clone();
            let batch = batch.to_vec();
            let size = batch.len();
            let started = Instant::now();
            let vectors = tokio::task::spawn_blocking(move || embedder.embed(&batch))
                .await
                .map_err(|e| EngineError::Internal(format!("embedder task: {e}")))??;
            metrics::histogram!("attest_embed_batch_size", "kind" => "ingest").record(size as f64);
            metrics::histogram!("attest_embed_batch_seconds", "kind" => "ingest")
                .record(started.elapsed().as_secs_f64());
            out.extend(vectors);
        }
        Ok(out)
    }

    /// Makes a new version visible and retires the previous one atomically
    /// with respect to readers.
    pub(crate) async fn publish(
        &self,
        document: Document,
        points: Vec<ChunkPoint>,
    ) -> Result<Arc<Document>, EngineError> {
        let _guard = self.visibility.write().await;
        let previous = self
            .catalog
            .current_for_source(&document.meta.tenant, &document.meta.source)
            .filter(|p| p.meta.id != document.meta.id);
        // Stale points of an earlier, interrupted run of this same document.
        self.store.delete_document(&document.meta.id).await?;
        let started = Instant::now();
        self.store.upsert(points).await?;
        metrics::histogram!("attest_store_seconds", "op" => "upsert")
            .record(started.elapsed().as_secs_f64());
        if let Some(prev) = previous {
            tracing::info!(previous = %prev.meta.id, "replacing previous version");
            self.store.delete_document(&prev.meta.id).await?;
            self.catalog.remove(&prev.meta.id)?;
            if let Err(e) = self.originals.delete(&prev.meta.id).await {
                tracing::warn!(previous = %prev.meta.id, error = %e, "cannot remove the previous original");
            }
        }
        Ok(self.catalog.put(document)?)
    }

    /// Submits and processes one file in the caller's task.
    pub async fn ingest_bytes(
        &self,
        tenant: &str,
        source: &str,
        bytes: &[u8],
    ) -> Result<Arc<Document>, EngineError> {
        let s = self.submit(tenant, source, bytes).await?;
        if s.status == IngestStatus::Queued {
            self.process(&s.id).await
        } else {
            self.catalog.get(&s.id).ok_or(EngineError::NotFound(s.id))
        }
    }

    /// Starts the background worker. It claims queued documents from the
    /// catalog (what a previous run left queued, uploads of this process
    /// and, on a shared catalog, of others) in groups, and looks again
    /// when woken by [`Self::enqueue`] or every second.
    pub fn spawn_worker(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        // A catalog only this process opens: nothing an earlier run
        // claimed is being read any more.
        if !self.catalog.is_shared()
            && let Err(e) = self.catalog.release_all()
        {
            tracing::error!(error = %e, "cannot release the leases of an earlier run");
        }
        let wake = Arc::new(tokio::sync::Notify::new());
        if let Ok(mut q) = self.queue.lock() {
            *q = Some(wake.clone());
        }
        let engine = Arc::clone(self);
        let mut stop = self.stop_worker.subscribe();
        tokio::spawn(async move {
            // Failed attempts per document, for the retry backoff.
            let mut failures: std::collections::HashMap<String, u32> = Default::default();
            let lease = engine.config.ingest_lease;
            loop {
                if *stop.borrow() {
                    break;
                }
                let group = {
                    let engine = engine.clone();
                    claim_off_runtime("queued documents", move || {
                        if !engine.catalog.claimable()? {
                            return Ok(Vec::new());
                        }
                        engine
                            .catalog
                            .claim_queued(&engine.worker_id, WORKER_GROUP, lease)
                    })
                    .await
                };
                if group.is_empty() {
                    tokio::select! {
                        biased;
                        _ = stop.changed() => break,
                        _ = wake.notified() => {}
                        _ = tokio::time::sleep(WORKER_POLL) => {}
                    }
                    continue;
                }
                // Not cancelled by a stop: the group in hand is finished.
                let mut retry: Vec<(String, String)> = Vec::new();
                engine
                    .process_all(group, |id, result| {
                        match result {
                            Ok(_) => {
                                failures.remove(id);
                            }
                            Err(e) => retry.push((id.to_owned(), e.to_string())),
                        }
                        true
                    })
                    .await;
                for (id, e) in retry {
                    // Infrastructure failure (the store is down, say): the
                    // record stays queued and is claimable again 5 s later,
                    // then up to every 5 minutes.
                    let n = failures.entry(id.clone()).or_insert(0);
                    *n += 1;
                    let delay = retry_delay(*n);
                    tracing::error!(document = %id, error = %e, retry_in_secs = delay.as_secs(), "ingest failed; will retry");
                    metrics::counter!("attest_ingest_retries_total").increment(1);
                    if let Err(e) = engine.catalog.release(&engine.worker_id, &[id], delay) {
                        tracing::error!(error = %e, "cannot release an ingest lease");
                    }
                }
            }
            tracing::info!("ingest worker stopped");
        })
    }

    /// Stops the worker once the documents it is reading are published; what
    /// is still queued stays queued on disk for the next start.
    pub fn stop_worker(&self) {
        self.stop_worker.send_replace(true);
    }

    /// Wakes the background worker for a submitted (queued) document;
    /// false when no worker runs in this process.
    pub fn enqueue(&self, id: &str) -> bool {
        let Some(wake) = self.queue.lock().ok().and_then(|q| q.clone()) else {
            return false;
        };
        tracing::debug!(document = %id, "worker woken");
        wake.notify_one();
        true
    }

    /// Ingests files and folders (recursively), in a stable order, calling
    /// `progress` after each file.
    pub async fn ingest_paths(
        &self,
        tenant: &str,
        paths: &[PathBuf],
        mut progress: impl FnMut(&Path, &Result<Arc<Document>, String>),
    ) -> Result<IngestSummary, EngineError> {
        let files = collect_files(paths);
        let mut summary = IngestSummary::default();
        let count =
            |summary: &mut IngestSummary, source: &str, result: &Result<Arc<Document>, String>| {
                match result {
                    Ok(doc) if doc.meta.status == IngestStatus::Ready => {
                        summary.documents += 1;
                        summary.pages += doc.meta.pages as usize;
                        summary.chunks += doc.meta.chunks as usize;
                    }
                    Ok(doc) => summary.failures.push((
                        source.to_owned(),
                        doc.meta.error.clone().unwrap_or(IngestError {
                            code: "failed".into(),
                            message: "unknown".into(),
                        }),
                    )),
                    Err(e) => summary.failures.push((
                        source.to_owned(),
                        IngestError {
                            code: "unreadable".into(),
                            message: e.clone(),
                        },
                    )),
                }
            };
        // Each file is stored and acknowledged as it is read, then runs
        // through the pipeline; files read before a failure of the
        // pipeline stay queued for the worker.
        let mut files = files.into_iter();
        let mut first_error: Option<EngineError> = None;
        loop {
            // The files of one round, and what their ids wait for.
            let mut round: Vec<(PathBuf, String, String)> = Vec::new();
            for file in files.by_ref() {
                let source = file
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or("unnamed")
                    .to_owned();
                let submitted = match std::fs::read(&file) {
                    Ok(bytes) => {
                        let id = document_id(tenant, &bytes);
                        if self
                            .catalog
                            .get(&id)
                            .is_some_and(|d| d.meta.status == IngestStatus::Ready)
                        {
                            summary.unchanged += 1;
                        }
                        self.submit(tenant, &source, &bytes).await?
                    }
                    Err(e) => {
                        let result = Err(format!("cannot read: {e}"));
                        count(&mut summary, &source, &result);
                        progress(&file, &result);
                        continue;
                    }
                };
                round.push((file, source, submitted.id));
                if round.len() >= ROUND_FILES {
                    break;
                }
            }
            if round.is_empty() {
                break;
            }
            let ids: Vec<String> = round.iter().map(|(_, _, id)| id.clone()).collect();
            let mut results: std::collections::HashMap<String, Result<Arc<Document>, String>> =
                std::collections::HashMap::new();
            let mut next = 0usize;
            self.process_all(ids, |id, result| {
                let ok = result.is_ok();
                let result = match result {
                    Ok(doc) => Ok(doc),
                    Err(e) => {
                        let message = e.to_string();
                        first_error.get_or_insert(e);
                        Err(message)
                    }
                };
                results.insert(id.to_owned(), result);
                // Report files in order as their documents are done (a
                // file whose content an earlier file had is done with it).
                while let Some((file, source, fid)) = round.get(next) {
                    let Some(r) = results.get(fid) else {
                        break;
                    };
                    count(&mut summary, source, r);
                    progress(file, r);
                    next += 1;
                }
                ok
            })
            .await;
            if let Some(e) = first_error {
                return Err(e);
            }
        }
        self.store.optimize().await?;
        Ok(summary)
    }

    /// Watches an inbox folder: every file that appears is ingested, then
    /// moved to `processed/` or `failed/` (with a `.reason` file) so the
    /// inbox shows what is left to do. Runs until the task is dropped.
    pub async fn watch_inbox(self: Arc<Self>, tenant: String, inbox: PathBuf, interval: Duration) {
        let processed = inbox.join("processed");
        let failed_dir = inbox.join("failed");
        for d in [&inbox, &processed, &failed_dir] {
            if let Err(e) = std::fs::create_dir_all(d) {
                tracing::error!(dir = %d.display(), error = %e, "cannot create inbox folder");
                return;
            }
        }
        loop {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(&inbox)
                .map(|rd| {
                    rd.flatten()
                        .map(|e| e.path())
                        .filter(|p| p.is_file())
                        .collect()
                })
                .unwrap_or_default();
            entries.sort();
            for path in entries {
                let name = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or("unnamed")
                    .to_owned();
                if name.starts_with('.') {
                    continue;
                }
                // A file still being written changes size between looks.
                let size = std::fs::metadata(&path).map(|m| m.len()).ok();
                tokio::time::sleep(Duration::from_millis(200)).await;
                if std::fs::metadata(&path).map(|m| m.len()).ok() != size {
                    continue;
                }
                let outcome = match std::fs::read(&path) {
                    Ok(bytes) => self
                        .ingest_bytes(&tenant, &name, &bytes)
                        .await
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                };
                let (dest, reason) = match &outcome {
                    Ok(doc) if doc.meta.status == IngestStatus::Ready => {
                        (processed.join(&name), None)
                    }
                    Ok(doc) => (
                        failed_dir.join(&name),
                        doc.meta
                            .error
                            .as_ref()
                            .map(|e| format!("{}: {}", e.code, e.message)),
                    ),
                    Err(e) => (failed_dir.join(&name), Some(e.clone())),
                };
                if let Some(r) = reason {
                    let _ = std::fs::write(failed_dir.join(format!("{name}.reason")), r);
                }
                if let Err(e) = std::fs::rename(&path, &dest) {
                    tracing::error!(file = %path.display(), error = %e, "cannot move inbox file");
                }
                tracing::info!(file = %name, ok = outcome.is_ok(), "inbox file ingested");
            }
            tokio::time::sleep(interval).await;
        }
    }
}

fn failed(mut meta: DocumentMeta, err: &ParseError) -> Document {
    meta.status = IngestStatus::Failed;
    meta.error = Some(IngestError {
        code: err.code().to_owned(),
        message: err.to_string(),
    });
    meta.ingested_at = Some(now_millis());
    Document {
        meta,
        text: String::new(),
        pages: Vec::new(),
        sheet: None,
        declaration: None,
        tables: Vec::new(),
        layout: None,
    }
}

/// Files under the given paths, recursively, sorted; hidden files skipped.
/// Runs a claim on the catalog off the async threads: what it claimed, or
/// nothing (logged) when the catalog could not be asked.
pub(crate) async fn claim_off_runtime<T: Send + 'static>(
    what: &'static str,
    claim: impl FnOnce() -> Result<Vec<T>, crate::catalog::CatalogError> + Send + 'static,
) -> Vec<T> {
    match tokio::task::spawn_blocking(claim).await {
        Ok(Ok(claimed)) => claimed,
        Ok(Err(e)) => {
            tracing::error!(error = %e, what, "cannot claim");
            Vec::new()
        }
        Err(e) => {
            tracing::error!(error = %e, what, "claim task failed");
            Vec::new()
        }
    }
}

/// The wait after the `n`-th failed attempt: 5 s, doubling, at most 5
/// minutes.
pub(crate) fn retry_delay(n: u32) -> Duration {
    Duration::from_secs((5u64 << n.saturating_sub(1).min(6)).min(300))
}

pub fn collect_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = paths.to_vec();
    while let Some(p) = stack.pop() {
        let hidden = p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.') && n.len() > 1 && n != "..");
        if hidden {
            continue;
        }
        if p.is_dir() {
            if let Ok(rd) = std::fs::read_dir(&p) {
                stack.extend(rd.flatten().map(|e| e.path()));
            }
        } else if p.is_file() {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// The default tenant, re-exported for callers.
pub const TENANT: &str = DEFAULT_TENANT;
