//! Vectors from processes without a store, applied by the one that owns it.
//!
//! With the embedded store only one process writes the index. Workers in
//! other processes (`attest-ingest worker --no-store`, `attest serve
//! --no-store`) do the CPU-heavy part (parse, chunk, embed, read) and hand
//! the result off through the catalog ([`Engine::hand_off`]); the owner's
//! applier ([`Engine::spawn_applier`]) claims hand-offs under leases,
//! writes the vectors and publishes the version under the visibility lock,
//! exactly as its own worker would. A version becomes visible only then,
//! with all its chunks in the store. The storage side is in
//! `catalog/handoffs.rs`.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::catalog::{HandoffKind, PendingHandoff};
use crate::document::{Document, IngestError, IngestStatus};
use crate::ingest::{claim_off_runtime, retry_delay};
use crate::library::{Engine, EngineError};
use crate::store::ChunkPoint;

/// Hand-offs claimed at once.
const APPLY_GROUP: usize = 8;
/// How often an idle applier looks for hand-offs.
const APPLY_POLL: Duration = Duration::from_millis(500);

/// A new version as handed off: the record to publish, its points and the
/// readings of the deterministic extractors.
#[derive(Serialize, Deserialize)]
struct Body {
    document: Document,
    points: Vec<ChunkPoint>,
    versions: String,
    readings: Vec<(String, Vec<u8>)>,
}

impl Engine {
    /// Hands a new version off to the store's owner (this process has
    /// none); the version becomes visible when the owner has applied it.
    pub(crate) async fn hand_off(
        &self,
        document: Document,
        points: Vec<ChunkPoint>,
        versions: String,
        readings: Vec<(String, Vec<u8>)>,
    ) -> Result<Arc<Document>, EngineError> {
        let id = document.meta.id.clone();
        let body = Body {
            document,
            points,
            versions,
            readings,
        };
        let bytes = serde_json::to_vec(&body).map_err(|e| EngineError::Internal(e.to_string()))?;
        if !self.catalog.hand_off(&self.worker_id, &id, &bytes)? {
            return Err(EngineError::Internal(format!(
                "the lease on document {id} ran out before its vectors were handed off; \
                 another worker reads it"
            )));
        }
        metrics::counter!("attest_handoffs_total", "event" => "staged").increment(1);
        tracing::debug!(document = %id, bytes = bytes.len(), "handed off to the store's owner");
        Ok(Arc::new(body.document))
    }

    /// Starts applying the hand-offs of processes without a store, when
    /// this one has a store and shares its catalog; stops with the worker
    /// ([`Engine::stop_worker`]) after the hand-off in hand.
    pub fn spawn_applier(self: &Arc<Self>) -> Option<tokio::task::JoinHandle<()>> {
        if !self.has_store() || !self.catalog.is_shared() {
            return None;
        }
        let engine = Arc::clone(self);
        let mut stop = self.stop_worker.subscribe();
        Some(tokio::spawn(async move {
            let lease = engine.config.ingest_lease;
            let mut failures: std::collections::HashMap<i64, u32> = Default::default();
            loop {
                if *stop.borrow() {
                    break;
                }
                let group = {
                    let engine = engine.clone();
                    claim_off_runtime("hand-offs", move || {
                        if !engine.catalog.handoff_waiting()? {
                            return Ok(Vec::new());
                        }
                        engine
                            .catalog
                            .claim_handoffs(&engine.worker_id, APPLY_GROUP, lease)
                    })
                    .await
                };
                if group.is_empty() {
                    tokio::select! {
                        biased;
                        _ = stop.changed() => break,
                        _ = tokio::time::sleep(APPLY_POLL) => {}
                    }
                    continue;
                }
                for h in group {
                    match engine.apply(&h).await {
                        Ok(()) => {
                            failures.remove(&h.seq);
                            metrics::counter!("attest_handoffs_total", "event" => "applied")
                                .increment(1);
                            if let Err(e) = engine.catalog.finish_handoff(&engine.worker_id, &h) {
                                tracing::error!(error = %e, "cannot record an applied hand-off");
                            }
                        }
                        Err(e) => {
                            let n = failures.entry(h.seq).or_insert(0);
                            *n += 1;
                            let delay = retry_delay(*n);
                            tracing::error!(document = %h.document_id, error = %e, retry_in_secs = delay.as_secs(), "cannot apply a hand-off; will retry");
                            metrics::counter!("attest_handoffs_total", "event" => "retried")
                                .increment(1);
                            if let Err(e) =
                                engine.catalog.release_handoff(&engine.worker_id, &h, delay)
                            {
                                tracing::error!(error = %e, "cannot release a hand-off");
                            }
                        }
                    }
                }
            }
            tracing::info!("hand-off applier stopped");
        }))
    }

    /// Applies one hand-off; safe to repeat (after a crash between applying
    /// and recording it).
    async fn apply(&self, h: &PendingHandoff) -> Result<(), EngineError> {
        let id = &h.document_id;
        match h.kind {
            HandoffKind::Delete => {
                let _guard = self.visibility.write().await;
                self.store.delete_document(id).await?;
                if self.catalog.get(id).is_some() {
                    self.catalog.remove(id)?;
                }
                Ok(())
            }
            HandoffKind::Publish => {
                // Deleted since, or already published by an earlier run.
                let Some(current) = self.catalog.get(id) else {
                    return Ok(());
                };
                if current.meta.status != IngestStatus::Queued {
                    return Ok(());
                }
                let body: Body = match serde_json::from_slice(&h.body) {
                    Ok(b) => b,
                    Err(e) => {
                        let mut doc = (*current).clone();
                        doc.meta.status = IngestStatus::Failed;
                        doc.meta.error = Some(IngestError {
                            code: "handoff".into(),
                            message: format!("the handed-off version is unreadable: {e}"),
                        });
                        self.catalog.put(doc)?;
                        return Ok(());
                    }
                };
                let published = self.publish(body.document, body.points).await?;
                self.catalog
                    .store_readings(&published.meta.id, &body.versions, &body.readings)?;
                Ok(())
            }
        }
    }
}
