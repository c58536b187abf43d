//! The catalog's database: SQLite in the data directory (the embedded
//! default) or a PostgreSQL server shared by several processes.
//!
//! The catalog is written once, against [`Sql`]: statements with numbered
//! `?1` (or positional `?`) parameters, which PostgreSQL receives as `$1`;
//! four value types ([`Value`]); rows read by position. Both engines get
//! the same statements; the schemas are migrations kept side by side, one
//! list per engine, where index `i` of each is the same change.
//!
//! SQLite: one writer connection and a few readers (WAL). PostgreSQL: a
//! small pool of connections, each reconnected when the server dropped it;
//! writes are transactions, serialised where they must be by the row lock
//! on the generation counter. The PostgreSQL driver blocks on its own
//! runtime, so a call made on an async runtime's thread runs on a scoped
//! thread of its own.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// A value passed to or read from a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Blob(Vec<u8>),
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}
impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<usize> for Value {
    fn from(v: usize) -> Self {
        Value::Int(i64::try_from(v).unwrap_or(i64::MAX))
    }
}
impl From<&[u8]> for Value {
    fn from(v: &[u8]) -> Self {
        Value::Blob(v.to_vec())
    }
}
impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Value::Blob(v)
    }
}
impl From<&Vec<u8>> for Value {
    fn from(v: &Vec<u8>) -> Self {
        Value::Blob(v.clone())
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}
impl From<&Option<String>> for Value {
    fn from(v: &Option<String>) -> Self {
        v.as_deref().into()
    }
}

/// Statement arguments: `args![a, b]` is `&[Value::from(a), Value::from(b)]`.
macro_rules! args {
    ($($a:expr),* $(,)?) => { &[$($crate::catalog::db::Value::from($a)),*] };
}
pub(crate) use args;

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DbError(String);

impl DbError {
    pub fn new(msg: impl Into<String>) -> Self {
        DbError(msg.into())
    }
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> Self {
        DbError(format!("sqlite: {e}"))
    }
}

impl From<postgres::Error> for DbError {
    fn from(e: postgres::Error) -> Self {
        // The server's message, not only "db error".
        match e.as_db_error() {
            Some(d) => DbError(format!("postgres: {}: {}", d.code().code(), d.message())),
            None => DbError(format!("postgres: {e}")),
        }
    }
}

/// A row, read by column position.
#[derive(Debug, Clone)]
pub struct Row(Vec<Value>);

impl Row {
    fn at(&self, i: usize) -> Result<&Value, DbError> {
        self.0
            .get(i)
            .ok_or_else(|| DbError(format!("no column {i}")))
    }

    pub fn text(&self, i: usize) -> Result<String, DbError> {
        self.opt_text(i)?
            .ok_or_else(|| DbError(format!("column {i} is NULL")))
    }

    pub fn opt_text(&self, i: usize) -> Result<Option<String>, DbError> {
        match self.at(i)? {
            Value::Null => Ok(None),
            Value::Text(s) => Ok(Some(s.clone())),
            Value::Blob(b) => String::from_utf8(b.clone())
                .map(Some)
                .map_err(|_| DbError(format!("column {i} is not UTF-8"))),
            Value::Int(v) => Err(DbError(format!("column {i} is an integer ({v}), not text"))),
        }
    }

    pub fn int(&self, i: usize) -> Result<i64, DbError> {
        self.opt_int(i)?
            .ok_or_else(|| DbError(format!("column {i} is NULL")))
    }

    pub fn opt_int(&self, i: usize) -> Result<Option<i64>, DbError> {
        match self.at(i)? {
            Value::Null => Ok(None),
            Value::Int(v) => Ok(Some(*v)),
            _ => Err(DbError(format!("column {i} is not an integer"))),
        }
    }

    pub fn opt_blob(&self, i: usize) -> Result<Option<Vec<u8>>, DbError> {
        match self.at(i)? {
            Value::Null => Ok(None),
            _ => self.blob(i).map(Some),
        }
    }

    pub fn blob(&self, i: usize) -> Result<Vec<u8>, DbError> {
        match self.at(i)? {
            Value::Blob(b) => Ok(b.clone()),
            Value::Text(s) => Ok(s.clone().into_bytes()),
            _ => Err(DbError(format!("column {i} is not bytes"))),
        }
    }
}

/// What the catalog asks of a connection or a transaction.
pub trait Sql {
    /// Runs a statement; the number of rows it changed.
    fn execute(&mut self, sql: &str, args: &[Value]) -> Result<usize, DbError>;
    fn query(&mut self, sql: &str, args: &[Value]) -> Result<Vec<Row>, DbError>;

    fn query_opt(&mut self, sql: &str, args: &[Value]) -> Result<Option<Row>, DbError> {
        Ok(self.query(sql, args)?.into_iter().next())
    }

    fn query_one(&mut self, sql: &str, args: &[Value]) -> Result<Row, DbError> {
        self.query_opt(sql, args)?
            .ok_or_else(|| DbError::new("the statement returned no row"))
    }

    /// The first column of every row, as text.
    fn texts(&mut self, sql: &str, args: &[Value]) -> Result<Vec<String>, DbError> {
        self.query(sql, args)?.iter().map(|r| r.text(0)).collect()
    }
}

// ---------------------------------------------------------------- SQLite

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Int(v) => ValueRef::Integer(*v),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

struct Lite<'a>(&'a rusqlite::Connection);

impl Sql for Lite<'_> {
    fn execute(&mut self, sql: &str, args: &[Value]) -> Result<usize, DbError> {
        let mut st = self.0.prepare_cached(sql)?;
        Ok(st.execute(rusqlite::params_from_iter(args.iter()))?)
    }

    fn query(&mut self, sql: &str, args: &[Value]) -> Result<Vec<Row>, DbError> {
        use rusqlite::types::ValueRef;
        let mut st = self.0.prepare_cached(sql)?;
        let n = st.column_count();
        let mut rows = st.query(rusqlite::params_from_iter(args.iter()))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut row = Vec::with_capacity(n);
            for i in 0..n {
                row.push(match r.get_ref(i)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(v) => Value::Int(v),
                    ValueRef::Real(v) => {
                        return Err(DbError(format!("column {i} is a real number ({v})")));
                    }
                    ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                });
            }
            out.push(Row(row));
        }
        Ok(out)
    }
}

// ------------------------------------------------------------ PostgreSQL

impl postgres::types::ToSql for Value {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        use postgres::types::{IsNull, Type};
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(v) if *ty == Type::INT4 => i32::try_from(*v)?.to_sql(ty, out),
            Value::Int(v) if *ty == Type::INT2 => i16::try_from(*v)?.to_sql(ty, out),
            Value::Int(v) => v.to_sql(ty, out),
            Value::Text(s) => s.as_str().to_sql(ty, out),
            Value::Blob(b) => b.as_slice().to_sql(ty, out),
        }
    }

    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

/// `?1` → `$1`, and positional `?` → `$n`, outside quoted literals.
pub(crate) fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut quoted = false;
    let mut next = 0usize;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                quoted = !quoted;
                out.push(c);
            }
            '?' if !quoted => {
                out.push('$');
                if chars.peek().is_some_and(char::is_ascii_digit) {
                    while let Some(d) = chars.next_if(char::is_ascii_digit) {
                        out.push(d);
                    }
                } else {
                    next += 1;
                    out.push_str(&next.to_string());
                }
            }
            _ => out.push(c),
        }
    }
    out
}

struct Pg<'a, C: postgres::GenericClient>(&'a mut C);

fn pg_value(r: &postgres::Row, i: usize) -> Result<Value, DbError> {
    use postgres::types::Type;
    let ty = r.columns()[i].type_().clone();
    let v = if ty == Type::INT8 {
        r.try_get::<_, Option<i64>>(i)?.map(Value::Int)
    } else if ty == Type::INT4 {
        r.try_get::<_, Option<i32>>(i)?
            .map(|v| Value::Int(v.into()))
    } else if ty == Type::INT2 {
        r.try_get::<_, Option<i16>>(i)?
            .map(|v| Value::Int(v.into()))
    } else if ty == Type::BOOL {
        r.try_get::<_, Option<bool>>(i)?
            .map(|v| Value::Int(v.into()))
    } else if ty == Type::BYTEA {
        r.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Blob)
    } else if ty == Type::TEXT || ty == Type::VARCHAR || ty == Type::NAME || ty == Type::BPCHAR {
        r.try_get::<_, Option<String>>(i)?.map(Value::Text)
    } else {
        return Err(DbError(format!("column {i} has unsupported type {ty}")));
    };
    Ok(v.unwrap_or(Value::Null))
}

fn pg_args(args: &[Value]) -> Vec<&(dyn postgres::types::ToSql + Sync)> {
    args.iter()
        .map(|a| a as &(dyn postgres::types::ToSql + Sync))
        .collect()
}

impl<C: postgres::GenericClient> Sql for Pg<'_, C> {
    fn execute(&mut self, sql: &str, args: &[Value]) -> Result<usize, DbError> {
        let n = self.0.execute(&numbered(sql), &pg_args(args))?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    fn query(&mut self, sql: &str, args: &[Value]) -> Result<Vec<Row>, DbError> {
        let rows = self.0.query(&numbered(sql), &pg_args(args))?;
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| pg_value(r, i))
                    .collect::<Result<_, _>>()
            })
            .map(|r| r.map(Row))
            .collect()
    }
}

/// Runs `f` where the blocking PostgreSQL driver may run: on this thread,
/// or on a scoped thread when this one drives an async runtime.
fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    if tokio::runtime::Handle::try_current().is_err() {
        return f();
    }
    std::thread::scope(|s| match s.spawn(f).join() {
        Ok(v) => v,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

// ------------------------------------------------------------ the engines

/// Schema changes, one list per engine; entry `i` of each is the same change.
pub struct Migrations {
    pub sqlite: &'static [&'static str],
    pub postgres: &'static [&'static str],
}

pub enum Db {
    Sqlite {
        writer: Mutex<rusqlite::Connection>,
        readers: Vec<Mutex<rusqlite::Connection>>,
        next: AtomicUsize,
    },
    Postgres {
        config: postgres::Config,
        pool: Vec<Mutex<Option<postgres::Client>>>,
        next: AtomicUsize,
    },
}

const SQLITE_READERS: usize = 4;
const POSTGRES_POOL: usize = 8;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn pick<'a, T>(pool: &'a [Mutex<T>], next: &AtomicUsize) -> MutexGuard<'a, T> {
    for m in pool {
        if let Ok(c) = m.try_lock() {
            return c;
        }
    }
    lock(&pool[next.fetch_add(1, Ordering::Relaxed) % pool.len()])
}

fn sqlite_connect(path: &std::path::Path) -> Result<rusqlite::Connection, DbError> {
    let c = rusqlite::Connection::open(path)?;
    c.busy_timeout(Duration::from_secs(30))?;
    c.pragma_update(None, "journal_mode", "WAL")?;
    c.pragma_update(None, "synchronous", "FULL")?;
    c.pragma_update(None, "foreign_keys", "ON")?;
    Ok(c)
}

/// The URL without its password, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let cred = &url[s + 3..at];
            match cred.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &cred[..c], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl Db {
    pub fn sqlite(path: &std::path::Path, migrations: &Migrations) -> Result<Self, DbError> {
        let mut writer = sqlite_connect(path)?;
        let done: i64 = writer.pragma_query_value(None, "user_version", |r| r.get(0))?;
        for (i, sql) in (0i64..)
            .zip(migrations.sqlite)
            .skip(usize::try_from(done).unwrap_or(0))
        {
            let tx = writer.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", i + 1)?;
            tx.commit()?;
        }
        let readers = (0..SQLITE_READERS)
            .map(|_| sqlite_connect(path).map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Db::Sqlite {
            writer: Mutex::new(writer),
            readers,
            next: AtomicUsize::new(0),
        })
    }

    /// Connects to PostgreSQL (`postgres://user:password@host:port/db`)
    /// and applies the pending migrations, one process at a time.
    pub fn postgres(url: &str, migrations: &Migrations) -> Result<Self, DbError> {
        let mut config: postgres::Config = url
            .parse()
            .map_err(|e| DbError(format!("ATTEST_DATABASE_URL {}: {e}", redact_url(url))))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        config.application_name("attest");
        let db = Db::Postgres {
            config,
            pool: (0..POSTGRES_POOL).map(|_| Mutex::new(None)).collect(),
            next: AtomicUsize::new(0),
        };
        db.write(|tx| {
            // Two processes starting together: the second waits here, then
            // finds the migrations applied.
            tx.execute("SELECT pg_advisory_xact_lock(7413011)", &[])?;
            tx.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)",
                &[],
            )?;
            let done = tx
                .query_opt("SELECT version FROM schema_version", &[])?
                .map(|r| r.int(0))
                .transpose()?;
            if done.is_none() {
                tx.execute("INSERT INTO schema_version (version) VALUES (0)", &[])?;
            }
            let done = usize::try_from(done.unwrap_or(0)).unwrap_or(0);
            for (i, sql) in migrations.postgres.iter().enumerate().skip(done) {
                for statement in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                    tx.execute(statement, &[])?;
                }
                tx.execute("UPDATE schema_version SET version = ?1", args![i + 1])?;
            }
            Ok(())
        })?;
        Ok(db)
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Db::Postgres { .. })
    }

    /// Runs reads on a connection of the pool.
    pub fn read<T: Send>(
        &self,
        f: impl FnOnce(&mut dyn Sql) -> Result<T, DbError> + Send,
    ) -> Result<T, DbError> {
        match self {
            Db::Sqlite { readers, next, .. } => {
                let c = pick(readers, next);
                f(&mut Lite(&c))
            }
            Db::Postgres { .. } => self.postgres_run(false, f),
        }
    }

    /// Runs `f` in one transaction, committed when it returns `Ok`.
    pub fn write<T: Send>(
        &self,
        f: impl FnOnce(&mut dyn Sql) -> Result<T, DbError> + Send,
    ) -> Result<T, DbError> {
        match self {
            Db::Sqlite { writer, .. } => {
                let mut c = lock(writer);
                let tx = c.transaction()?;
                let v = f(&mut Lite(&tx))?;
                tx.commit()?;
                Ok(v)
            }
            Db::Postgres { .. } => self.postgres_run(true, f),
        }
    }

    fn postgres_run<T: Send>(
        &self,
        transaction: bool,
        f: impl FnOnce(&mut dyn Sql) -> Result<T, DbError> + Send,
    ) -> Result<T, DbError> {
        let Db::Postgres { config, pool, next } = self else {
            return Err(DbError::new("not a PostgreSQL catalog"));
        };
        let mut guard = pick(pool, next);
        let slot: &mut Option<postgres::Client> = &mut guard;
        off_runtime(move || {
            // A connection the server closed (restart, idle timeout) is
            // opened again.
            if slot.as_ref().is_none_or(postgres::Client::is_closed) {
                *slot = None;
                *slot = Some(config.connect(postgres::NoTls)?);
            }
            let Some(client) = slot.as_mut() else {
                return Err(DbError::new("no connection"));
            };
            if transaction {
                let mut tx = client.transaction()?;
                let v = f(&mut Pg(&mut tx))?;
                tx.commit()?;
                Ok(v)
            } else {
                f(&mut Pg(client))
            }
        })
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        // Closing a PostgreSQL connection blocks on the driver's runtime too.
        if let Db::Postgres { pool, .. } = self {
            let clients: Vec<postgres::Client> = pool
                .iter_mut()
                .filter_map(|m| m.get_mut().unwrap_or_else(|p| p.into_inner()).take())
                .collect();
            if !clients.is_empty() {
                off_runtime(move || drop(clients));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_postgres() {
        assert_eq!(
            numbered("SELECT a FROM t WHERE b = ?1 AND c = ?2 AND d = '?x'"),
            "SELECT a FROM t WHERE b = $1 AND c = $2 AND d = '?x'"
        );
        assert_eq!(numbered("k IN (?, ?, ?)"), "k IN ($1, $2, $3)");
        assert_eq!(numbered("x = ?12"), "x = $12");
    }

    #[test]
    fn passwords_are_kept_out_of_messages() {
        assert_eq!(
            redact_url("postgres://attest:s3cret@db:5432/attest"),
            "postgres://attest:***@db:5432/attest"
        );
        assert_eq!(redact_url("postgres://db/attest"), "postgres://db/attest");
        assert_eq!(redact_url("host=db user=x"), "host=db user=x");
    }
}
