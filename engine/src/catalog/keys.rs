//! API keys: who may call the service, for which tenant, with which scopes.
//!
//! A key is `attest_<id>_<secret>`: `id` is 12 hex digits that name the key
//! in logs and the audit trail, `secret` 64 hex digits (256 random bits).
//! Only the SHA-256 of the whole key is stored; the key itself is shown once,
//! when it is created. Revocation takes effect on the next request: every
//! request reads the key's row.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::db::{DbError, Row, args};
use super::{Catalog, CatalogError, now_secs as now};

const PREFIX: &str = "attest_";
const ID_BYTES: usize = 6;
const SECRET_BYTES: usize = 32;

/// What a key may do. `admin` implies every other scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Read documents, their text and pages; search.
    Read,
    /// Extraction, evidence packs, questions and chat.
    Extract,
    /// Upload and delete documents.
    Ingest,
    /// Scrape `/metrics`.
    Metrics,
    /// Read and decide the review queue.
    Review,
    /// Everything.
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 6] = [
        Scope::Read,
        Scope::Extract,
        Scope::Ingest,
        Scope::Metrics,
        Scope::Review,
        Scope::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Extract => "extract",
            Scope::Ingest => "ingest",
            Scope::Metrics => "metrics",
            Scope::Review => "review",
            Scope::Admin => "admin",
        }
    }

    /// Parses a comma-separated list (`read,extract`), without repeats.
    pub fn parse_list(s: &str) -> Result<Vec<Scope>, KeyError> {
        let mut out: Vec<Scope> = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let scope = part.parse()?;
            if !out.contains(&scope) {
                out.push(scope);
            }
        }
        if out.is_empty() {
            return Err(KeyError::NoScopes);
        }
        out.sort();
        Ok(out)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = KeyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scope::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| KeyError::UnknownScope(s.to_owned()))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("unknown scope {0:?} (scopes: read, extract, ingest, metrics, review, admin)")]
    UnknownScope(String),
    #[error("a key needs at least one scope")]
    NoScopes,
    #[error("a tenant is 1 to 64 letters, digits, '.', '_' or '-'")]
    BadTenant,
    #[error("no key {0}")]
    NoSuchKey(String),
    #[error("the system's random source failed: {0}")]
    Random(String),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}

impl From<DbError> for KeyError {
    fn from(e: DbError) -> Self {
        KeyError::Catalog(e.into())
    }
}

/// A key's record; never holds the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiKey {
    pub id: String,
    pub tenant: String,
    pub scopes: Vec<Scope>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<i64>,
}

impl ApiKey {
    pub fn allows(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope) || self.scopes.contains(&Scope::Admin)
    }
}

/// A key just created: the record and the key to hand to its owner.
pub struct NewKey {
    pub record: ApiKey,
    /// Shown once; only its hash is stored.
    pub key: String,
}

impl fmt::Debug for NewKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewKey")
            .field("record", &self.record)
            .field("key", &"<redacted>")
            .finish()
    }
}

pub fn valid_tenant(t: &str) -> bool {
    (1..=64).contains(&t.len())
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn digest(key: &str) -> String {
    hex(&Sha256::digest(key.as_bytes()))
}

/// Equal without an early exit on the first differing byte.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The id part of a well-formed key.
fn key_id(key: &str) -> Option<&str> {
    let rest = key.strip_prefix(PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let hexy = |s: &str, n: usize| s.len() == n * 2 && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hexy(id, ID_BYTES) && hexy(secret, SECRET_BYTES)).then_some(id)
}

fn row_to_key(r: &Row) -> Result<ApiKey, DbError> {
    let scopes = r.text(2)?;
    Ok(ApiKey {
        id: r.text(0)?,
        tenant: r.text(1)?,
        // Written by this module only; an unknown name is skipped.
        scopes: scopes.split(',').filter_map(|s| s.parse().ok()).collect(),
        label: r.opt_text(3)?,
        created_at: r.int(4)?,
        revoked_at: r.opt_int(5)?,
    })
}

const COLUMNS: &str = "id, tenant, scopes, label, created_at, revoked_at";

impl Catalog {
    /// Creates a key for a tenant; the returned key is not stored anywhere.
    pub fn create_key(
        &self,
        tenant: &str,
        scopes: &[Scope],
        label: Option<&str>,
    ) -> Result<NewKey, KeyError> {
        if !valid_tenant(tenant) {
            return Err(KeyError::BadTenant);
        }
        if scopes.is_empty() {
            return Err(KeyError::NoScopes);
        }
        let mut scopes = scopes.to_vec();
        scopes.sort();
        scopes.dedup();
        let mut id = [0u8; ID_BYTES];
        let mut secret = [0u8; SECRET_BYTES];
        getrandom::fill(&mut id).map_err(|e| KeyError::Random(e.to_string()))?;
        getrandom::fill(&mut secret).map_err(|e| KeyError::Random(e.to_string()))?;
        let id = hex(&id);
        let key = format!("{PREFIX}{id}_{}", hex(&secret));
        let record = ApiKey {
            id: id.clone(),
            tenant: tenant.to_owned(),
            scopes: scopes.clone(),
            label: label.map(str::to_owned),
            created_at: now(),
            revoked_at: None,
        };
        let names: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
        self.db.write(|tx| {
            tx.execute(
                "INSERT INTO api_keys (id, tenant, scopes, hash, label, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                args![
                    &id,
                    tenant,
                    names.join(","),
                    digest(&key),
                    label,
                    record.created_at
                ],
            )
        })?;
        Ok(NewKey { record, key })
    }

    /// The live key a presented key belongs to; `None` for unknown,
    /// malformed or revoked keys.
    pub fn authenticate(&self, presented: &str) -> Result<Option<ApiKey>, KeyError> {
        let Some(id) = key_id(presented) else {
            return Ok(None);
        };
        let found = self.db.read(|c| {
            c.query_opt(
                &format!(
                    "SELECT {COLUMNS}, hash FROM api_keys WHERE id = ?1 AND revoked_at IS NULL"
                ),
                args![id],
            )?
            .map(|r| Ok::<_, DbError>((row_to_key(&r)?, r.text(6)?)))
            .transpose()
        })?;
        Ok(found.and_then(|(key, hash)| same(&hash, &digest(presented)).then_some(key)))
    }

    /// Every key, revoked ones included, oldest first.
    pub fn list_keys(&self) -> Result<Vec<ApiKey>, KeyError> {
        Ok(self.db.read(|c| {
            c.query(
                &format!("SELECT {COLUMNS} FROM api_keys ORDER BY created_at, id"),
                &[],
            )?
            .iter()
            .map(row_to_key)
            .collect()
        })?)
    }

    /// Revokes a key by id; revoking twice keeps the first time.
    pub fn revoke_key(&self, id: &str) -> Result<ApiKey, KeyError> {
        self.db
            .write(|tx| {
                tx.execute(
                    "UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                    args![id, now()],
                )?;
                tx.query_opt(
                    &format!("SELECT {COLUMNS} FROM api_keys WHERE id = ?1"),
                    args![id],
                )?
                .map(|r| row_to_key(&r))
                .transpose()
            })?
            .ok_or_else(|| KeyError::NoSuchKey(id.to_owned()))
    }

    /// Keys that can be used now.
    pub fn live_keys(&self) -> Result<usize, KeyError> {
        let n = self.db.read(|c| {
            c.query_one(
                "SELECT count(*) FROM api_keys WHERE revoked_at IS NULL",
                &[],
            )?
            .int(0)
        })?;
        Ok(usize::try_from(n).unwrap_or(0))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_created_authenticated_listed_and_revoked() {
        for place in crate::catalog::tests::places() {
            let catalog = place.open().unwrap();
            let a = catalog
                .create_key("acme", &[Scope::Read, Scope::Extract], Some("dashboards"))
                .unwrap();
            let b = catalog.create_key("globex", &[Scope::Admin], None).unwrap();
            assert!(a.key.starts_with("attest_") && a.key.len() == 7 + 12 + 1 + 64);
            assert_ne!(a.key, b.key);
            assert!(!format!("{a:?}").contains(&a.key));

            let who = catalog.authenticate(&a.key).unwrap().unwrap();
            assert_eq!(who.tenant, "acme");
            assert!(who.allows(Scope::Read) && !who.allows(Scope::Ingest));
            assert!(
                catalog
                    .authenticate(&b.key)
                    .unwrap()
                    .unwrap()
                    .allows(Scope::Ingest)
            );

            // A right id with a wrong secret, a malformed key, an unknown one.
            let mut forged = a.key.clone();
            forged.pop();
            forged.push(if a.key.ends_with('0') { '1' } else { '0' });
            assert!(catalog.authenticate(&forged).unwrap().is_none());
            assert!(catalog.authenticate("attest_zz").unwrap().is_none());
            assert!(catalog.authenticate("").unwrap().is_none());

            // Only hashes are stored.
            let secret = a.key.rsplit('_').next().unwrap();
            if place.database_url().is_none() {
                let raw = std::fs::read(place.path().join("catalog.sqlite3")).unwrap();
                assert!(!raw.windows(secret.len()).any(|w| w == secret.as_bytes()));
            }
            let stored = catalog
                .db
                .read(|c| c.texts("SELECT scopes || hash || id || tenant FROM api_keys", &[]))
                .unwrap();
            assert!(
                stored.iter().all(|row| !row.contains(secret)),
                "{}",
                place.engine()
            );

            let revoked = catalog.revoke_key(&who.id).unwrap();
            assert!(revoked.revoked_at.is_some());
            assert!(catalog.authenticate(&a.key).unwrap().is_none());
            assert_eq!(catalog.live_keys().unwrap(), 1);
            assert_eq!(catalog.list_keys().unwrap().len(), 2);
            assert!(matches!(
                catalog.revoke_key("nope"),
                Err(KeyError::NoSuchKey(_))
            ));

            // Keys survive reopening the catalog.
            drop(catalog);
            let catalog = place.open().unwrap();
            assert!(catalog.authenticate(&b.key).unwrap().is_some());
            assert!(catalog.authenticate(&a.key).unwrap().is_none());
        }
    }

    #[test]
    fn scopes_and_tenants_are_validated() {
        assert_eq!(
            Scope::parse_list("extract, read,read").unwrap(),
            vec![Scope::Read, Scope::Extract]
        );
        assert!(
            matches!(Scope::parse_list("read,write"), Err(KeyError::UnknownScope(s)) if s == "write")
        );
        assert!(matches!(Scope::parse_list(" , "), Err(KeyError::NoScopes)));
        assert!(valid_tenant("team-a.eu_1"));
        assert!(!valid_tenant("") && !valid_tenant("a b") && !valid_tenant(&"x".repeat(65)));
        let dir = tempfile::tempdir().unwrap();
        let catalog = Catalog::open(dir.path()).unwrap();
        assert!(matches!(
            catalog.create_key("../x", &[Scope::Read], None),
            Err(KeyError::BadTenant)
        ));
        assert!(matches!(
            catalog.create_key("x", &[], None),
            Err(KeyError::NoScopes)
        ));
    }
}
