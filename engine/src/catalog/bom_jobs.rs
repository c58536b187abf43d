//! BOM roll-up jobs: the request as accepted, progress, and the result.
//! A job is written before it is acknowledged, so a restart resumes every
//! job that had not finished. A running job is held under a lease by the
//! process that runs it (renewed while it runs); replicas sharing the
//! catalog take over only jobs whose lease has run out, so each job runs
//! in one place at a time.

use super::db::{DbError, Row, args};
use super::{Catalog, CatalogError, later, now_ms};
use std::time::Duration;

/// A stored job. `request` and `result` are JSON.
#[derive(Debug, Clone)]
pub struct StoredBomJob {
    pub id: String,
    pub tenant: String,
    pub name: Option<String>,
    pub status: String,
    pub lines: usize,
    pub done: usize,
    pub request: String,
    pub result: Option<String>,
    pub error: Option<String>,
    /// Unix milliseconds.
    pub created_at: u64,
    pub finished_at: Option<u64>,
}

const COLUMNS: &str =
    "id, tenant, name, status, lines, done, request, result, error, created_at, finished_at";

fn row(r: &Row, with_body: bool) -> Result<StoredBomJob, DbError> {
    let count =
        |i: usize| -> Result<usize, DbError> { Ok(usize::try_from(r.int(i)?).unwrap_or(0)) };
    let ms = |i: usize| -> Result<Option<u64>, DbError> {
        Ok(r.opt_int(i)?.map(|v| u64::try_from(v).unwrap_or(0)))
    };
    Ok(StoredBomJob {
        id: r.text(0)?,
        tenant: r.text(1)?,
        name: r.opt_text(2)?,
        status: r.text(3)?,
        lines: count(4)?,
        done: count(5)?,
        request: if with_body { r.text(6)? } else { String::new() },
        result: if with_body { r.opt_text(7)? } else { None },
        error: r.opt_text(8)?,
        created_at: ms(9)?.unwrap_or(0),
        finished_at: ms(10)?,
    })
}

impl Catalog {
    /// Records a new, queued job, held by `owner` for `lease`.
    pub fn create_bom_job(
        &self,
        id: &str,
        tenant: &str,
        name: Option<&str>,
        lines: usize,
        request: &str,
        (owner, lease): (&str, Duration),
    ) -> Result<(), CatalogError> {
        self.db.write(|tx| {
            tx.execute(
                "INSERT INTO bom_jobs (id, tenant, name, status, lines, done, request, created_at, \
                   lease_owner, lease_until) \
                 VALUES (?1, ?2, ?3, 'queued', ?4, 0, ?5, ?6, ?7, ?8)",
                args![
                    id,
                    tenant,
                    name,
                    lines,
                    request,
                    now_ms(),
                    owner,
                    later(lease)
                ],
            )
        })?;
        Ok(())
    }

    /// Claims the unfinished jobs no live lease holds, oldest first, with
    /// their requests.
    pub fn claim_bom_jobs(
        &self,
        owner: &str,
        lease: Duration,
    ) -> Result<Vec<StoredBomJob>, CatalogError> {
        let sql = format!(
            "UPDATE bom_jobs SET lease_owner = ?1, lease_until = ?2 WHERE id IN ( \
               SELECT id FROM bom_jobs WHERE status IN ('queued', 'running') AND lease_until < ?3 \
               ORDER BY created_at, id{}) \
             RETURNING {COLUMNS}",
            self.skip_locked()
        );
        let mut jobs = self.db.write(|tx| {
            tx.query(&sql, args![owner, later(lease), now_ms()])?
                .iter()
                .map(|r| row(r, true))
                .collect::<Result<Vec<_>, _>>()
        })?;
        jobs.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(jobs)
    }

    /// Extends this owner's lease on a job; false when it no longer holds it.
    pub fn renew_bom_job(
        &self,
        owner: &str,
        id: &str,
        lease: Duration,
    ) -> Result<bool, CatalogError> {
        let n = self.db.write(|tx| {
            tx.execute(
                "UPDATE bom_jobs SET lease_until = ?3 WHERE id = ?1 AND lease_owner = ?2",
                args![id, owner, later(lease)],
            )
        })?;
        Ok(n > 0)
    }

    /// Drops every job lease: for a catalog one process owns (SQLite),
    /// whose earlier run holds nothing any more.
    pub fn release_bom_jobs(&self) -> Result<(), CatalogError> {
        self.db.write(|tx| {
            tx.execute(
                "UPDATE bom_jobs SET lease_owner = NULL, lease_until = 0 \
                 WHERE status IN ('queued', 'running') AND lease_until > 0",
                &[],
            )
        })?;
        Ok(())
    }

    /// The job with its request and result.
    pub fn bom_job(&self, tenant: &str, id: &str) -> Result<Option<StoredBomJob>, CatalogError> {
        Ok(self.db.read(|c| {
            c.query_opt(
                &format!("SELECT {COLUMNS} FROM bom_jobs WHERE id = ?1 AND tenant = ?2"),
                args![id, tenant],
            )?
            .map(|r| row(&r, true))
            .transpose()
        })?)
    }

    /// The tenant's jobs, newest first, without requests and results.
    pub fn bom_jobs(&self, tenant: &str, limit: usize) -> Result<Vec<StoredBomJob>, CatalogError> {
        Ok(self.db.read(|c| {
            c.query(
                &format!(
                    "SELECT {COLUMNS} FROM bom_jobs WHERE tenant = ?1 ORDER BY created_at DESC, id LIMIT ?2"
                ),
                args![tenant, limit],
            )?
            .iter()
            .map(|r| row(r, false))
            .collect()
        })?)
    }

    /// Jobs that have not finished (after a restart: to run again), oldest
    /// first, with their requests.
    pub fn unfinished_bom_jobs(&self) -> Result<Vec<StoredBomJob>, CatalogError> {
        Ok(self.db.read(|c| {
            c.query(
                &format!(
                    "SELECT {COLUMNS} FROM bom_jobs WHERE status IN ('queued', 'running') \
                     ORDER BY created_at, id"
                ),
                &[],
            )?
            .iter()
            .map(|r| row(r, true))
            .collect()
        })?)
    }

    /// Progress of a running job.
    pub fn bom_job_progress(&self, id: &str, done: usize) -> Result<(), CatalogError> {
        self.db.write(|tx| {
            tx.execute(
                "UPDATE bom_jobs SET status = 'running', done = ?2 WHERE id = ?1 AND status IN ('queued', 'running')",
                args![id, done],
            )
        })?;
        Ok(())
    }

    /// Ends a job with its result (`done`) or an error (`failed`), and links
    /// the review items its lines opened or found.
    pub fn finish_bom_job(
        &self,
        id: &str,
        result: Result<&str, &str>,
        review_ids: &[String],
    ) -> Result<(), CatalogError> {
        self.db.write(|tx| {
            match result {
                Ok(body) => tx.execute(
                    "UPDATE bom_jobs SET status = 'done', done = lines, result = ?2, error = NULL, \
                     finished_at = ?3 WHERE id = ?1",
                    args![id, body, now_ms()],
                )?,
                Err(e) => tx.execute(
                    "UPDATE bom_jobs SET status = 'failed', error = ?2, finished_at = ?3 WHERE id = ?1",
                    args![id, e, now_ms()],
                )?,
            };
            for r in review_ids {
                tx.execute(
                    "INSERT INTO bom_reviews (bom_id, review_id) \
                     SELECT ?1, id FROM reviews WHERE id = ?2 ON CONFLICT DO NOTHING",
                    args![id, r],
                )?;
            }
            Ok(())
        })?;
        Ok(())
    }

    /// Deletes a job; false when the tenant has none with this id.
    pub fn delete_bom_job(&self, tenant: &str, id: &str) -> Result<bool, CatalogError> {
        let n = self.db.write(|tx| {
            tx.execute(
                "DELETE FROM bom_jobs WHERE id = ?1 AND tenant = ?2",
                args![id, tenant],
            )
        })?;
        Ok(n > 0)
    }
}
