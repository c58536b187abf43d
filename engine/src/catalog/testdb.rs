//! Throwaway PostgreSQL databases for tests: the catalog's conformance
//! suite and the service's API tests run on PostgreSQL too when
//! `ATTEST_TEST_DATABASE_URL` names a server (`.ci/run` starts one).

use std::sync::atomic::{AtomicU64, Ordering};

/// The variable naming a PostgreSQL server (any database on it) for tests.
pub const TEST_DATABASE_URL: &str = "ATTEST_TEST_DATABASE_URL";

/// A new, empty database, dropped with this value.
pub struct TestDatabase {
    admin: String,
    name: String,
    /// The URL of the new database.
    pub url: String,
}

/// The server named by [`TEST_DATABASE_URL`], if any.
pub fn configured() -> Option<String> {
    std::env::var(TEST_DATABASE_URL)
        .ok()
        .filter(|u| !u.trim().is_empty())
}

fn admin_run(url: &str, sql: &str) -> Result<(), String> {
    let (url, sql) = (url.to_owned(), sql.to_owned());
    // The driver blocks on its own runtime: never on a test's runtime thread.
    std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).map_err(|e| e.to_string())?;
        c.batch_execute(&sql).map_err(|e| e.to_string())
    })
    .join()
    .map_err(|_| "the database thread panicked".to_owned())?
}

/// `url` with its database name replaced.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

impl TestDatabase {
    /// Creates a database on the configured server; `None` when no server
    /// is configured. Panics when one is configured but unusable: a test
    /// run that was asked for PostgreSQL must not pass without it.
    pub fn create() -> Option<Self> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let admin = configured()?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!(
            "attest_test_{}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            nanos
        );
        if let Err(e) = admin_run(&admin, &format!("CREATE DATABASE {name}")) {
            panic!("{TEST_DATABASE_URL} is set but a test database cannot be created: {e}");
        }
        let url = with_database(&admin, &name);
        Some(Self { admin, name, url })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let _ = admin_run(
            &self.admin,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
    }
}

/// Selects the catalog engine of the service tests: `postgres` runs them on
/// a database of the server named by [`TEST_DATABASE_URL`].
pub const TEST_CATALOG: &str = "ATTEST_TEST_CATALOG";

/// Where a test's catalog lives: a data directory, and on PostgreSQL a
/// database of its own.
pub struct TestPlace {
    dir: tempfile::TempDir,
    db: Option<TestDatabase>,
}

impl TestPlace {
    /// On the engine [`TEST_CATALOG`] selects (SQLite by default).
    pub fn new() -> Self {
        if std::env::var(TEST_CATALOG).as_deref() == Ok("postgres") {
            match Self::postgres() {
                Some(p) => p,
                None => panic!("{TEST_CATALOG}=postgres needs {TEST_DATABASE_URL}"),
            }
        } else {
            Self::sqlite()
        }
    }

    pub fn sqlite() -> Self {
        Self {
            dir: new_dir(),
            db: None,
        }
    }

    /// `None` when no PostgreSQL server is configured.
    pub fn postgres() -> Option<Self> {
        Some(Self {
            dir: new_dir(),
            db: Some(TestDatabase::create()?),
        })
    }

    /// The data directory.
    pub fn path(&self) -> &std::path::Path {
        self.dir.path()
    }

    pub fn database_url(&self) -> Option<&str> {
        self.db.as_ref().map(|d| d.url.as_str())
    }

    pub fn engine(&self) -> &'static str {
        if self.db.is_some() {
            "postgres"
        } else {
            "sqlite"
        }
    }

    /// A catalog handle on this place, as another process would open it.
    pub fn open(&self) -> Result<super::Catalog, super::CatalogError> {
        super::Catalog::connect(self.path(), self.database_url())
    }
}

impl Default for TestPlace {
    fn default() -> Self {
        Self::new()
    }
}

fn new_dir() -> tempfile::TempDir {
    match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("cannot create a temporary data directory: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_name_is_replaced_in_the_url() {
        assert_eq!(
            with_database(
                "postgres://u:p@127.0.0.1:5433/postgres?sslmode=disable",
                "t1"
            ),
            "postgres://u:p@127.0.0.1:5433/t1?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "t2"), "postgres://h/t2");
    }
}
