//! Review items and decisions, stored with the document version they are
//! about (deleting the version deletes them).

use rusqlite::{OptionalExtension, params};

use super::{Catalog, CatalogError, lock};

/// A stored review item: its JSON body and where it stands.
#[derive(Debug, Clone)]
pub struct StoredReview {
    pub id: String,
    pub body: String,
    pub status: String,
}

/// Which items to list.
#[derive(Debug, Clone, Default)]
pub struct ReviewFilter {
    pub status: Option<String>,
    pub field: Option<String>,
    pub subject: Option<String>,
    pub document_id: Option<String>,
    /// Items about the lines of this BOM job.
    pub bom: Option<String>,
    pub limit: usize,
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredReview> {
    Ok(StoredReview {
        id: r.get(0)?,
        body: r.get(1)?,
        status: r.get(2)?,
    })
}

impl Catalog {
    /// Opens an item unless one with this id exists (open or decided).
    /// Reads first, so answering the same question again writes nothing.
    pub fn open_review(
        &self,
        id: &str,
        tenant: &str,
        document_id: &str,
        subject: &str,
        field: &str,
        body: &str,
    ) -> Result<bool, CatalogError> {
        let exists: Option<i64> = self
            .reader()
            .query_row("SELECT 1 FROM reviews WHERE id = ?1", params![id], |r| {
                r.get(0)
            })
            .optional()?;
        if exists.is_some() {
            return Ok(false);
        }
        let n = lock(&self.writer).execute(
            "INSERT OR IGNORE INTO reviews (id, tenant, document_id, subject, field, status, body, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, 'open', ?6, unixepoch())",
            params![id, tenant, document_id, subject, field, body],
        )?;
        Ok(n > 0)
    }

    pub fn review(&self, tenant: &str, id: &str) -> Result<Option<StoredReview>, CatalogError> {
        Ok(self
            .reader()
            .query_row(
                "SELECT id, body, status FROM reviews WHERE id = ?1 AND tenant = ?2",
                params![id, tenant],
                row,
            )
            .optional()?)
    }

    pub fn reviews(
        &self,
        tenant: &str,
        f: &ReviewFilter,
    ) -> Result<Vec<StoredReview>, CatalogError> {
        let c = self.reader();
        let mut st = c.prepare_cached(
            "SELECT id, body, status FROM reviews WHERE tenant = ?1 \
             AND (?2 IS NULL OR status = ?2) AND (?3 IS NULL OR field = ?3) \
             AND (?4 IS NULL OR subject = ?4) AND (?5 IS NULL OR document_id = ?5) \
             AND (?7 IS NULL OR id IN (SELECT review_id FROM bom_reviews WHERE bom_id = ?7)) \
             ORDER BY created_at, id LIMIT ?6",
        )?;
        let rows = st
            .query_map(
                params![
                    tenant,
                    f.status,
                    f.field,
                    f.subject,
                    f.document_id,
                    i64::try_from(f.limit).unwrap_or(i64::MAX),
                    f.bom
                ],
                row,
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Decided items about these documents and this subject.
    pub fn decisions_for(
        &self,
        tenant: &str,
        document_ids: &[String],
        subject: &str,
    ) -> Result<Vec<StoredReview>, CatalogError> {
        if document_ids.is_empty() {
            return Ok(Vec::new());
        }
        let c = self.reader();
        let mut st = c.prepare_cached(
            "SELECT id, body, status FROM reviews WHERE tenant = ?1 AND subject = ?2 \
             AND document_id = ?3 AND status != 'open'",
        )?;
        let mut out = Vec::new();
        for d in document_ids {
            out.extend(
                st.query_map(params![tenant, subject, d], row)?
                    .collect::<rusqlite::Result<Vec<_>>>()?,
            );
        }
        Ok(out)
    }

    /// Records a decision; false when the item is not open (decided twice).
    pub fn decide_review(
        &self,
        tenant: &str,
        id: &str,
        status: &str,
        body: &str,
    ) -> Result<bool, CatalogError> {
        let n = lock(&self.writer).execute(
            "UPDATE reviews SET status = ?3, body = ?4, decided_at = unixepoch() \
             WHERE id = ?1 AND tenant = ?2 AND status = 'open'",
            params![id, tenant, status, body],
        )?;
        Ok(n > 0)
    }

    /// Every decided item of a tenant (or of all tenants), oldest decision
    /// first, with its tenant.
    pub fn decided_reviews(
        &self,
        tenant: Option<&str>,
    ) -> Result<Vec<(String, StoredReview)>, CatalogError> {
        let c = self.reader();
        let mut st = c.prepare_cached(
            "SELECT id, body, status, tenant FROM reviews WHERE status != 'open' \
             AND (?1 IS NULL OR tenant = ?1) ORDER BY decided_at, id",
        )?;
        let rows = st
            .query_map(params![tenant], |r| Ok((r.get::<_, String>(3)?, row(r)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }
}
