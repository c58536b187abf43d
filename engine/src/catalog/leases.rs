//! Ingest leases: a queued document is read by one worker at a time.
//!
//! A worker claims queued documents for a while (the lease) and renews the
//! lease while it reads them; a worker that dies stops renewing, and once
//! its lease has run out another worker claims the document. On PostgreSQL
//! claims skip rows another transaction is claiming (`FOR UPDATE SKIP
//! LOCKED`), so concurrent workers never wait on each other or take the
//! same document; on SQLite claims go through the one writer. A document
//! stops being claimable when its status leaves `queued`.
//!
//! Times are Unix milliseconds from the claiming process's clock, so the
//! processes sharing a catalog need clocks that agree to well within a
//! lease.

use std::time::Duration;

use super::db::{Value, args};
use super::{Catalog, CatalogError, later, now_ms};

/// `?1, ?2 …` from `from` on, one per id.
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Catalog {
    /// Where claims skip rows another transaction is claiming.
    pub(super) fn skip_locked(&self) -> &'static str {
        if self.db.is_postgres() {
            " FOR UPDATE SKIP LOCKED"
        } else {
            ""
        }
    }

    /// Whether a queued document is free to claim now (a read: the idle
    /// worker asks this before it writes a claim).
    pub fn claimable(&self) -> Result<bool, CatalogError> {
        Ok(self
            .db
            .read(|c| {
                c.query_opt(
                    "SELECT id FROM documents WHERE status = 'queued' AND lease_until < ?1 LIMIT 1",
                    args![now_ms()],
                )
            })?
            .is_some())
    }

    /// Claims up to `n` queued documents that no live lease holds, oldest
    /// first, for `lease`.
    pub fn claim_queued(
        &self,
        owner: &str,
        n: usize,
        lease: Duration,
    ) -> Result<Vec<String>, CatalogError> {
        let sql = format!(
            "UPDATE documents SET lease_owner = ?1, lease_until = ?2 WHERE seq IN ( \
               SELECT seq FROM documents WHERE status = 'queued' AND lease_until < ?3 \
               ORDER BY created_at, seq LIMIT ?4{}) \
             RETURNING id, created_at, seq",
            self.skip_locked()
        );
        let mut rows = self.db.write(|tx| {
            tx.query(&sql, args![owner, later(lease), now_ms(), n])?
                .iter()
                .map(|r| Ok((r.int(1)?, r.int(2)?, r.text(0)?)))
                .collect::<Result<Vec<_>, _>>()
        })?;
        rows.sort();
        Ok(rows.into_iter().map(|(_, _, id)| id).collect())
    }

    /// Claims these documents where they are queued and free (or already
    /// this owner's); the ids claimed, in the order given.
    pub fn claim(
        &self,
        owner: &str,
        ids: &[String],
        lease: Duration,
    ) -> Result<Vec<String>, CatalogError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut claimed = Vec::new();
        for batch in ids.chunks(500) {
            let sql = format!(
                "UPDATE documents SET lease_owner = ?1, lease_until = ?2 WHERE seq IN ( \
                   SELECT seq FROM documents WHERE id IN ({}) AND status = 'queued' \
                   AND (lease_until < ?3 OR lease_owner = ?1){}) \
                 RETURNING id",
                placeholders(4, batch.len()),
                self.skip_locked()
            );
            let mut values: Vec<Value> = args![owner, later(lease), now_ms()].to_vec();
            values.extend(batch.iter().map(Value::from));
            claimed.extend(self.db.write(|tx| tx.texts(&sql, &values))?);
        }
        Ok(ids
            .iter()
            .filter(|id| claimed.contains(id))
            .cloned()
            .collect())
    }

    /// Extends this owner's leases on these documents; how many it holds.
    pub fn renew(
        &self,
        owner: &str,
        ids: &[String],
        lease: Duration,
    ) -> Result<usize, CatalogError> {
        let mut held = 0;
        for batch in ids.chunks(500) {
            let sql = format!(
                "UPDATE documents SET lease_until = ?2 WHERE lease_owner = ?1 AND id IN ({})",
                placeholders(3, batch.len())
            );
            let mut values: Vec<Value> = args![owner, later(lease)].to_vec();
            values.extend(batch.iter().map(Value::from));
            held += self.db.write(|tx| tx.execute(&sql, &values))?;
        }
        Ok(held)
    }

    /// Gives this owner's documents back, claimable again after `after`
    /// (a retry's backoff).
    pub fn release(
        &self,
        owner: &str,
        ids: &[String],
        after: Duration,
    ) -> Result<(), CatalogError> {
        for batch in ids.chunks(500) {
            let sql = format!(
                "UPDATE documents SET lease_owner = NULL, lease_until = ?2 \
                 WHERE lease_owner = ?1 AND id IN ({})",
                placeholders(3, batch.len())
            );
            let mut values: Vec<Value> = args![owner, later(after)].to_vec();
            values.extend(batch.iter().map(Value::from));
            self.db.write(|tx| tx.execute(&sql, &values))?;
        }
        Ok(())
    }

    /// The queued documents a worker holds now, with their holders (for
    /// operators: which worker reads what).
    pub fn leases(&self) -> Result<Vec<(String, String)>, CatalogError> {
        Ok(self.db.read(|c| {
            c.query(
                "SELECT id, lease_owner FROM documents WHERE status = 'queued' \
                 AND lease_owner IS NOT NULL AND lease_until >= ?1 ORDER BY id",
                args![now_ms()],
            )?
            .iter()
            .map(|r| Ok((r.text(0)?, r.text(1)?)))
            .collect()
        })?)
    }

    /// Drops every lease and retry delay: for a catalog one process owns
    /// (SQLite), whose earlier run cannot be reading anything any more.
    pub fn release_all(&self) -> Result<(), CatalogError> {
        self.db.write(|tx| {
            tx.execute(
                "UPDATE documents SET lease_owner = NULL, lease_until = 0 \
                 WHERE status = 'queued' AND (lease_owner IS NOT NULL OR lease_until > 0) \
                 AND COALESCE(lease_owner, '') <> 'handoff'",
                &[],
            )
        })?;
        Ok(())
    }
}
