//! Review items and decisions, stored with the document version they are
//! about (deleting the version deletes them).

use super::db::{DbError, Row, args};
use super::{Catalog, CatalogError, now_secs};

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

fn row(r: &Row) -> Result<StoredReview, DbError> {
    Ok(StoredReview {
        id: r.text(0)?,
        body: r.text(1)?,
        status: r.text(2)?,
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
        let exists = self
            .db
            .read(|c| c.query_opt("SELECT id FROM reviews WHERE id = ?1", args![id]))?;
        if exists.is_some() {
            return Ok(false);
        }
        let n = self.db.write(|tx| {
            tx.execute(
                "INSERT INTO reviews (id, tenant, document_id, subject, field, status, body, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, 'open', ?6, ?7) ON CONFLICT DO NOTHING",
                args![id, tenant, document_id, subject, field, body, now_secs()],
            )
        })?;
        Ok(n > 0)
    }

    pub fn review(&self, tenant: &str, id: &str) -> Result<Option<StoredReview>, CatalogError> {
        Ok(self.db.read(|c| {
            c.query_opt(
                "SELECT id, body, status FROM reviews WHERE id = ?1 AND tenant = ?2",
                args![id, tenant],
            )?
            .as_ref()
            .map(row)
            .transpose()
        })?)
    }

    pub fn reviews(
        &self,
        tenant: &str,
        f: &ReviewFilter,
    ) -> Result<Vec<StoredReview>, CatalogError> {
        Ok(self.db.read(|c| {
            c.query(
                "SELECT id, body, status FROM reviews WHERE tenant = ?1 \
                 AND (CAST(?2 AS TEXT) IS NULL OR status = ?2) AND (CAST(?3 AS TEXT) IS NULL OR field = ?3) \
                 AND (CAST(?4 AS TEXT) IS NULL OR subject = ?4) AND (CAST(?5 AS TEXT) IS NULL OR document_id = ?5) \
                 AND (CAST(?7 AS TEXT) IS NULL OR id IN (SELECT review_id FROM bom_reviews WHERE bom_id = ?7)) \
                 ORDER BY created_at, id LIMIT ?6",
                args![
                    tenant,
                    &f.status,
                    &f.field,
                    &f.subject,
                    &f.document_id,
                    f.limit,
                    &f.bom
                ],
            )?
            .iter()
            .map(row)
            .collect()
        })?)
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
        Ok(self.db.read(|c| {
            let mut out = Vec::new();
            for d in document_ids {
                for r in c.query(
                    "SELECT id, body, status FROM reviews WHERE tenant = ?1 AND subject = ?2 \
                     AND document_id = ?3 AND status != 'open'",
                    args![tenant, subject, d],
                )? {
                    out.push(row(&r)?);
                }
            }
            Ok(out)
        })?)
    }

    /// Records a decision; false when the item is not open (decided twice).
    pub fn decide_review(
        &self,
        tenant: &str,
        id: &str,
        status: &str,
        body: &str,
    ) -> Result<bool, CatalogError> {
        let n = self.db.write(|tx| {
            tx.execute(
                "UPDATE reviews SET status = ?3, body = ?4, decided_at = ?5 \
                 WHERE id = ?1 AND tenant = ?2 AND status = 'open'",
                args![id, tenant, status, body, now_secs()],
            )
        })?;
        Ok(n > 0)
    }

    /// Every decided item of a tenant (or of all tenants), oldest decision
    /// first, with its tenant.
    pub fn decided_reviews(
        &self,
        tenant: Option<&str>,
    ) -> Result<Vec<(String, StoredReview)>, CatalogError> {
        Ok(self.db.read(|c| {
            c.query(
                "SELECT id, body, status, tenant FROM reviews WHERE status != 'open' \
                 AND (CAST(?1 AS TEXT) IS NULL OR tenant = ?1) ORDER BY decided_at, id",
                args![tenant],
            )?
            .iter()
            .map(|r| Ok((r.text(3)?, row(r)?)))
            .collect()
        })?)
    }
}
