//! BOM roll-up jobs: the request as accepted, progress, and the result.
//! A job is written before it is acknowledged, so a restart resumes every
//! job that had not finished.

use rusqlite::{OptionalExtension, params};

use super::{Catalog, CatalogError, lock};

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

fn row(r: &rusqlite::Row<'_>, with_body: bool) -> rusqlite::Result<StoredBomJob> {
    let count = |i: usize| -> rusqlite::Result<usize> {
        Ok(usize::try_from(r.get::<_, i64>(i)?).unwrap_or(0))
    };
    let ms = |i: usize| -> rusqlite::Result<Option<u64>> {
        Ok(r.get::<_, Option<i64>>(i)?
            .map(|v| u64::try_from(v).unwrap_or(0)))
    };
    Ok(StoredBomJob {
        id: r.get(0)?,
        tenant: r.get(1)?,
        name: r.get(2)?,
        status: r.get(3)?,
        lines: count(4)?,
        done: count(5)?,
        request: if with_body { r.get(6)? } else { String::new() },
        result: if with_body { r.get(7)? } else { None },
        error: r.get(8)?,
        created_at: ms(9)?.unwrap_or(0),
        finished_at: ms(10)?,
    })
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl Catalog {
    /// Records a new, queued job.
    pub fn create_bom_job(
        &self,
        id: &str,
        tenant: &str,
        name: Option<&str>,
        lines: usize,
        request: &str,
    ) -> Result<(), CatalogError> {
        lock(&self.writer).execute(
            "INSERT INTO bom_jobs (id, tenant, name, status, lines, done, request, created_at) \
             VALUES (?1, ?2, ?3, 'queued', ?4, 0, ?5, ?6)",
            params![
                id,
                tenant,
                name,
                i64::try_from(lines).unwrap_or(i64::MAX),
                request,
                now_ms()
            ],
        )?;
        Ok(())
    }

    /// The job with its request and result.
    pub fn bom_job(&self, tenant: &str, id: &str) -> Result<Option<StoredBomJob>, CatalogError> {
        Ok(self
            .reader()
            .query_row(
                &format!("SELECT {COLUMNS} FROM bom_jobs WHERE id = ?1 AND tenant = ?2"),
                params![id, tenant],
                |r| row(r, true),
            )
            .optional()?)
    }

    /// The tenant's jobs, newest first, without requests and results.
    pub fn bom_jobs(&self, tenant: &str, limit: usize) -> Result<Vec<StoredBomJob>, CatalogError> {
        let c = self.reader();
        let mut st = c.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM bom_jobs WHERE tenant = ?1 ORDER BY created_at DESC, id LIMIT ?2"
        ))?;
        let rows = st
            .query_map(
                params![tenant, i64::try_from(limit).unwrap_or(i64::MAX)],
                |r| row(r, false),
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Jobs that have not finished (after a restart: to run again), oldest
    /// first, with their requests.
    pub fn unfinished_bom_jobs(&self) -> Result<Vec<StoredBomJob>, CatalogError> {
        let c = self.reader();
        let mut st = c.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM bom_jobs WHERE status IN ('queued', 'running') \
             ORDER BY created_at, id"
        ))?;
        let rows = st
            .query_map([], |r| row(r, true))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Progress of a running job.
    pub fn bom_job_progress(&self, id: &str, done: usize) -> Result<(), CatalogError> {
        lock(&self.writer).execute(
            "UPDATE bom_jobs SET status = 'running', done = ?2 WHERE id = ?1 AND status IN ('queued', 'running')",
            params![id, i64::try_from(done).unwrap_or(i64::MAX)],
        )?;
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
        let mut c = lock(&self.writer);
        let tx = c.transaction()?;
        match result {
            Ok(body) => tx.execute(
                "UPDATE bom_jobs SET status = 'done', done = lines, result = ?2, error = NULL, \
                 finished_at = ?3 WHERE id = ?1",
                params![id, body, now_ms()],
            )?,
            Err(e) => tx.execute(
                "UPDATE bom_jobs SET status = 'failed', error = ?2, finished_at = ?3 WHERE id = ?1",
                params![id, e, now_ms()],
            )?,
        };
        {
            let mut link = tx.prepare_cached(
                "INSERT OR IGNORE INTO bom_reviews (bom_id, review_id) \
                 SELECT ?1, id FROM reviews WHERE id = ?2",
            )?;
            for r in review_ids {
                link.execute(params![id, r])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Deletes a job; false when the tenant has none with this id.
    pub fn delete_bom_job(&self, tenant: &str, id: &str) -> Result<bool, CatalogError> {
        let n = lock(&self.writer).execute(
            "DELETE FROM bom_jobs WHERE id = ?1 AND tenant = ?2",
            params![id, tenant],
        )?;
        Ok(n > 0)
    }
}
