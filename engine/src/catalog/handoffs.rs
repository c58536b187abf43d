//! Hand-offs: changes to the vector store that a process without one
//! leaves in the catalog for the process that owns it.
//!
//! The embedded store belongs to one process. A worker that runs elsewhere
//! (`--no-store`) parses, chunks and embeds a document, then hands its new
//! version off: the body (record, vectors, readings) goes into `handoffs`
//! and the document's lease passes to the hand-off in the same transaction,
//! so no worker reads it again. The owner claims hand-offs under leases,
//! writes the vectors, publishes the version and deletes the row; a
//! deletion made on a replica without a store is handed off the same way.
//! One row per document: a later change replaces an earlier one not yet
//! applied.

use std::time::Duration;

use super::db::args;
use super::{Catalog, CatalogError, later, now_ms};
use crate::document::Document;
use std::sync::Arc;

/// The lease owner of a document whose new version waits for the store's
/// owner; such a lease never runs out.
pub const HANDED_OFF: &str = "handoff";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandoffKind {
    /// Write the body's vectors and publish its version.
    Publish,
    /// Remove the document's vectors (its record is already gone).
    Delete,
}

#[derive(Debug, Clone)]
pub struct PendingHandoff {
    pub seq: i64,
    pub document_id: String,
    pub kind: HandoffKind,
    pub body: Vec<u8>,
}

impl Catalog {
    /// Stores a new version's body for the store's owner, provided `owner`
    /// still holds the document's ingest lease; false when it does not (the
    /// lease ran out and another worker took the document over).
    pub fn hand_off(&self, owner: &str, id: &str, body: &[u8]) -> Result<bool, CatalogError> {
        Ok(self.db.write(|tx| {
            let moved = tx.execute(
                "UPDATE documents SET lease_owner = ?3, lease_until = ?4 \
                 WHERE id = ?1 AND status = 'queued' AND lease_owner = ?2",
                args![id, owner, HANDED_OFF, i64::MAX],
            )?;
            if moved == 0 {
                return Ok(false);
            }
            tx.execute(
                "INSERT INTO handoffs (document_id, kind, body, created_at) \
                 VALUES (?1, 'publish', ?2, ?3) \
                 ON CONFLICT (document_id) DO UPDATE SET kind = excluded.kind, \
                   body = excluded.body, created_at = excluded.created_at, \
                   lease_owner = NULL, lease_until = 0",
                args![id, body, now_ms()],
            )?;
            Ok(true)
        })?)
    }

    /// Removes a document's record (as [`Catalog::remove`]) and hands the
    /// removal of its vectors off to the store's owner, in one transaction.
    pub fn remove_handing_off(&self, id: &str) -> Result<Option<Arc<Document>>, CatalogError> {
        self.remove_and(id, |tx| {
            tx.execute(
                "INSERT INTO handoffs (document_id, kind, body, created_at) \
                 VALUES (?1, 'delete', NULL, ?2) \
                 ON CONFLICT (document_id) DO UPDATE SET kind = excluded.kind, \
                   body = NULL, created_at = excluded.created_at, \
                   lease_owner = NULL, lease_until = 0",
                args![id, now_ms()],
            )
        })
    }

    /// Claims up to `n` hand-offs no live lease holds, oldest first.
    pub fn claim_handoffs(
        &self,
        owner: &str,
        n: usize,
        lease: Duration,
    ) -> Result<Vec<PendingHandoff>, CatalogError> {
        let sql = format!(
            "UPDATE handoffs SET lease_owner = ?1, lease_until = ?2 WHERE seq IN ( \
               SELECT seq FROM handoffs WHERE lease_until < ?3 ORDER BY seq LIMIT ?4{}) \
             RETURNING seq, document_id, kind, body",
            self.skip_locked()
        );
        let mut out = self.db.write(|tx| {
            tx.query(&sql, args![owner, later(lease), now_ms(), n])?
                .iter()
                .map(|r| {
                    Ok(PendingHandoff {
                        seq: r.int(0)?,
                        document_id: r.text(1)?,
                        kind: if r.text(2)? == "delete" {
                            HandoffKind::Delete
                        } else {
                            HandoffKind::Publish
                        },
                        body: r.opt_blob(3)?.unwrap_or_default(),
                    })
                })
                .collect::<Result<Vec<_>, _>>()
        })?;
        out.sort_by_key(|h| h.seq);
        Ok(out)
    }

    /// Whether a hand-off is waiting to be claimed (a read: the idle
    /// applier asks this before it writes a claim).
    pub fn handoff_waiting(&self) -> Result<bool, CatalogError> {
        Ok(self
            .db
            .read(|c| {
                c.query_opt(
                    "SELECT seq FROM handoffs WHERE lease_until < ?1 LIMIT 1",
                    args![now_ms()],
                )
            })?
            .is_some())
    }

    /// Hand-offs not yet applied.
    pub fn handoffs_pending(&self) -> Result<u64, CatalogError> {
        let n = self
            .db
            .read(|c| c.query_one("SELECT COUNT(*) FROM handoffs", &[])?.int(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Deletes an applied hand-off, unless a newer change replaced it
    /// meanwhile (it is then applied in its turn).
    pub fn finish_handoff(&self, owner: &str, h: &PendingHandoff) -> Result<(), CatalogError> {
        self.db.write(|tx| {
            tx.execute(
                "DELETE FROM handoffs WHERE seq = ?1 AND lease_owner = ?2",
                args![h.seq, owner],
            )?;
            tx.execute(
                "UPDATE documents SET lease_owner = NULL, lease_until = 0 \
                 WHERE id = ?1 AND lease_owner = ?2 AND status <> 'queued'",
                args![&h.document_id, HANDED_OFF],
            )
        })?;
        Ok(())
    }

    /// Gives a claimed hand-off back, to be tried again after `after`.
    pub fn release_handoff(
        &self,
        owner: &str,
        h: &PendingHandoff,
        after: Duration,
    ) -> Result<(), CatalogError> {
        self.db.write(|tx| {
            tx.execute(
                "UPDATE handoffs SET lease_owner = NULL, lease_until = ?3 \
                 WHERE seq = ?1 AND lease_owner = ?2",
                args![h.seq, owner, later(after)],
            )
        })?;
        Ok(())
    }
}
