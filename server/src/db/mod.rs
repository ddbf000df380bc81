//! Storage for the server, on one of two backends: SQLite (the default, one
//! file under `--data`, one connection, nothing to install) or PostgreSQL
//! (`--database postgres://…`, a pool, for more than one instance).
//!
//! Statements are written once, in SQLite's dialect with `?N` parameters; the
//! PostgreSQL backend translates the few differences (`postgres::translate`).
//! Rules that must hold across instances are never check-then-write in
//! process memory: they are conditional writes, unique indexes, or (for the
//! pending-push limit) a per-key lock held for one transaction (`lock_key`).

mod postgres;
mod schema;
mod sqlite;
mod value;

use std::sync::Arc;

use async_trait::async_trait;

pub use postgres::PostgresOptions;
pub(crate) use value::params;
pub use value::{FromValue, Row, ToValue, Value};

/// Everything that can go wrong talking to the database.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("PostgreSQL: {}", postgres_detail(.0))]
    Postgres(#[from] tokio_postgres::Error),
    #[error("no PostgreSQL connection could be had: {0}")]
    Pool(String),
    #[error("the database URL is not usable: {0}")]
    Url(String),
    #[error("PostgreSQL refused the statement `{statement}`: {reason}")]
    Statement { statement: String, reason: String },
    #[error("the query returned no row")]
    NoRow,
    #[error("column {column}: expected {expected}, found {found}")]
    Decode {
        column: usize,
        expected: &'static str,
        found: &'static str,
    },
    #[error(
        "the database schema is version {found}, newer than this server's {known}: upgrade the server"
    )]
    SchemaTooNew { found: i64, known: i64 },
}

impl DbError {
    /// A unique index refused the write: another request (perhaps on another
    /// instance) got there first.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            DbError::Sqlite(rusqlite::Error::SqliteFailure(failure, _)) => {
                failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            }
            DbError::Postgres(error) => {
                error.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION)
            }
            _ => false,
        }
    }
}

/// tokio-postgres says only "db error" for an error the server reported; the
/// server's own message (and SQLSTATE) is what an operator can act on.
pub(crate) fn postgres_detail(error: &tokio_postgres::Error) -> String {
    match (error.as_db_error(), std::error::Error::source(error)) {
        (Some(reported), _) => format!("{reported} (SQLSTATE {})", reported.code().code()),
        // "error connecting to server" alone does not say why.
        (None, Some(cause)) => format!("{error}: {cause}"),
        (None, None) => error.to_string(),
    }
}

/// Turns "no row" into `None`, as `rusqlite::OptionalExtension` does.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>, DbError>;
}

impl<T> OptionalExtension<T> for Result<T, DbError> {
    fn optional(self) -> Result<Option<T>, DbError> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(DbError::NoRow) => Ok(None),
            Err(error) => Err(error),
        }
    }
}

/// Which backend a handle talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Something statements run on: a connection or a transaction.
#[async_trait]
pub trait Sql: Send + Sync {
    fn backend(&self) -> Backend;

    /// Runs a statement; the number of rows it changed.
    async fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, DbError>;

    /// Runs a query; all its rows.
    async fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError>;

    /// The first row, decoded by `decode`; `DbError::NoRow` when there is none.
    async fn query_row<T, F>(&self, sql: &str, params: &[Value], decode: F) -> Result<T, DbError>
    where
        T: Send,
        F: FnOnce(&Row) -> Result<T, DbError> + Send,
    {
        let rows = self.query(sql, params).await?;
        let row = rows.first().ok_or(DbError::NoRow)?;
        decode(row)
    }

    /// Every row, decoded by `decode`.
    async fn query_map<T, F>(
        &self,
        sql: &str,
        params: &[Value],
        decode: F,
    ) -> Result<Vec<T>, DbError>
    where
        T: Send,
        F: FnMut(&Row) -> Result<T, DbError> + Send,
    {
        let rows = self.query(sql, params).await?;
        rows.iter().map(decode).collect()
    }

    /// What a `SELECT` inside a transaction ends with to lock the rows it
    /// read until the transaction ends (PostgreSQL's `FOR UPDATE`); SQLite's
    /// `BEGIN IMMEDIATE` already holds the whole database.
    fn for_update(&self) -> &'static str {
        match self.backend() {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }

    /// Like `for_update`, but other readers that share the lock are not held
    /// up: only writers of the rows wait.
    fn for_share(&self) -> &'static str {
        match self.backend() {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR SHARE",
        }
    }

    /// Serialises every transaction that takes the same key until it ends,
    /// across instances: PostgreSQL's transaction-scoped advisory lock. On
    /// SQLite the single connection already serialises writers, so this is
    /// nothing. Called inside a transaction.
    async fn lock_key(&self, key: &str) -> Result<(), DbError> {
        if self.backend() == Backend::Postgres {
            self.query(
                "SELECT pg_advisory_xact_lock(hashtextextended(?1, 0))",
                params![key],
            )
            .await?;
        }
        Ok(())
    }
}

/// A borrowed handle runs statements as the handle does, so helpers taking
/// `&impl Sql` accept `&conn`, `&tx` and a `&Tx` passed on.
#[async_trait]
impl<S: Sql + ?Sized> Sql for &S {
    fn backend(&self) -> Backend {
        (**self).backend()
    }

    async fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        (**self).execute(sql, params).await
    }

    async fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        (**self).query(sql, params).await
    }
}

/// The server's database: where `Conn`s come from.
#[derive(Clone)]
pub struct Database {
    inner: Inner,
}

#[derive(Clone)]
enum Inner {
    Sqlite(Arc<tokio::sync::Mutex<sqlite::SqliteConn>>),
    Postgres(Arc<postgres::PostgresDb>),
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("backend", &self.backend())
            .finish()
    }
}

impl Database {
    /// Opens (creating and migrating) the SQLite file at `path`.
    pub fn open_sqlite(path: &std::path::Path) -> Result<Self, DbError> {
        let connection = sqlite::open(path)?;
        Ok(Self {
            inner: Inner::Sqlite(Arc::new(tokio::sync::Mutex::new(connection))),
        })
    }

    /// Connects a pool to the PostgreSQL database at `url` and migrates it
    /// (one instance at a time, under an advisory lock).
    pub async fn open_postgres(url: &str, options: &PostgresOptions) -> Result<Self, DbError> {
        Ok(Self {
            inner: Inner::Postgres(Arc::new(postgres::PostgresDb::open(url, options).await?)),
        })
    }

    pub fn backend(&self) -> Backend {
        match &self.inner {
            Inner::Sqlite(_) => Backend::Sqlite,
            Inner::Postgres(_) => Backend::Postgres,
        }
    }

    /// A connection for a few statements; give it back (drop it) before
    /// anything slow that is not the database.
    pub async fn conn(&self) -> Result<Conn, DbError> {
        Ok(Conn {
            inner: match &self.inner {
                Inner::Sqlite(connection) => {
                    ConnInner::Sqlite(connection.clone().lock_owned().await)
                }
                Inner::Postgres(database) => ConnInner::Postgres(Box::new(database.get().await?)),
            },
        })
    }

    /// Calls `changed` whenever any instance announces a decided challenge
    /// (`announce_decided`); on SQLite only this process decides, so the
    /// caller's own in-process wake-up is all there is and this does nothing.
    pub fn listen_for_decisions(&self, changed: Arc<dyn Fn() + Send + Sync>) {
        if let Inner::Postgres(database) = &self.inner {
            database.listen(postgres::DECIDED_CHANNEL, changed);
        }
    }
}

/// One connection, held until dropped.
#[allow(missing_debug_implementations)]
pub struct Conn {
    inner: ConnInner,
}

enum ConnInner {
    Sqlite(tokio::sync::OwnedMutexGuard<sqlite::SqliteConn>),
    Postgres(Box<deadpool_postgres::Object>),
}

impl Conn {
    /// Starts a transaction; it rolls back unless `commit`ted.
    pub async fn transaction(&mut self) -> Result<Tx<'_>, DbError> {
        Ok(Tx {
            inner: match &mut self.inner {
                ConnInner::Sqlite(connection) => {
                    TxInner::Sqlite(sqlite::SqliteTx::begin(connection)?)
                }
                ConnInner::Postgres(client) => TxInner::Postgres(client.transaction().await?),
            },
        })
    }
}

#[async_trait]
impl Sql for Conn {
    fn backend(&self) -> Backend {
        match &self.inner {
            ConnInner::Sqlite(_) => Backend::Sqlite,
            ConnInner::Postgres(_) => Backend::Postgres,
        }
    }

    async fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        match &self.inner {
            ConnInner::Sqlite(connection) => connection.execute(sql, params),
            ConnInner::Postgres(client) => {
                postgres::execute(postgres::PgHandle::Client(client), sql, params).await
            }
        }
    }

    async fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        match &self.inner {
            ConnInner::Sqlite(connection) => connection.query(sql, params),
            ConnInner::Postgres(client) => {
                postgres::query(postgres::PgHandle::Client(client), sql, params).await
            }
        }
    }
}

/// A transaction: rolled back when dropped without `commit`.
#[allow(missing_debug_implementations)]
pub struct Tx<'c> {
    inner: TxInner<'c>,
}

enum TxInner<'c> {
    Sqlite(sqlite::SqliteTx<'c>),
    Postgres(deadpool_postgres::Transaction<'c>),
}

impl Tx<'_> {
    pub async fn commit(self) -> Result<(), DbError> {
        match self.inner {
            TxInner::Sqlite(transaction) => transaction.commit(),
            TxInner::Postgres(transaction) => Ok(transaction.commit().await?),
        }
    }
}

#[async_trait]
impl Sql for Tx<'_> {
    fn backend(&self) -> Backend {
        match &self.inner {
            TxInner::Sqlite(_) => Backend::Sqlite,
            TxInner::Postgres(_) => Backend::Postgres,
        }
    }

    async fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        match &self.inner {
            TxInner::Sqlite(transaction) => transaction.connection().execute(sql, params),
            TxInner::Postgres(transaction) => {
                postgres::execute(postgres::PgHandle::Transaction(transaction), sql, params).await
            }
        }
    }

    async fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        match &self.inner {
            TxInner::Sqlite(transaction) => transaction.connection().query(sql, params),
            TxInner::Postgres(transaction) => {
                postgres::query(postgres::PgHandle::Transaction(transaction), sql, params).await
            }
        }
    }
}

/// Tells every instance's long polls that a challenge was decided: a
/// `NOTIFY` on PostgreSQL, sent when the surrounding transaction commits.
pub async fn announce_decided(db: &impl Sql) -> Result<(), DbError> {
    if db.backend() == Backend::Postgres {
        db.execute(
            "SELECT pg_notify(?1, '')",
            params![postgres::DECIDED_CHANNEL],
        )
        .await?;
    }
    Ok(())
}

/// What a statement's caller gets back.
pub type DbResult<T> = Result<T, DbError>;
