//! The SQLite backend: one connection (WAL, `synchronous = NORMAL`) that the
//! `Database` lends out one holder at a time, so a transaction here is
//! serialised with every other use of the file.

use std::sync::{Mutex, MutexGuard};

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ToSql};

use super::schema;
use super::{DbError, Row, Value};

/// The connection, behind a lock that is never contended (the `Database`'s
/// async lock already hands it to one holder) but makes it `Sync`, so a
/// handler may hold it across an `.await`.
pub struct SqliteConn {
    connection: Mutex<Connection>,
}

pub fn open(path: &std::path::Path) -> Result<SqliteConn, DbError> {
    let mut connection = Connection::open(path)?;
    connection.busy_timeout(std::time::Duration::from_secs(5))?;
    let _: String = connection.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    // Deleted and overwritten content is zeroed, not left in free pages: a
    // secret sealed in place, an ended session, must not linger in the file.
    connection.pragma_update(None, "secure_delete", "ON")?;
    schema::migrate_sqlite(&mut connection)?;
    Ok(SqliteConn {
        connection: Mutex::new(connection),
    })
}

impl ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Integer(number) => ToSqlOutput::Borrowed(ValueRef::Integer(*number)),
            Value::Text(text) => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
            Value::Blob(bytes) => ToSqlOutput::Borrowed(ValueRef::Blob(bytes)),
        })
    }
}

fn value_of(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(number) => Value::Integer(number),
        // The schema has no REAL column; an expression that yields one is
        // truncated rather than refused.
        ValueRef::Real(number) => Value::Integer(number as i64),
        ValueRef::Text(text) => Value::Text(String::from_utf8_lossy(text).into_owned()),
        ValueRef::Blob(bytes) => Value::Blob(bytes.to_vec()),
    }
}

impl SqliteConn {
    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding it cannot leave a statement half-run: SQLite
        // statements are atomic, so the poisoned connection is still sound.
        self.connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        let changed = self
            .lock()
            .execute(sql, rusqlite::params_from_iter(params.iter()))?;
        Ok(changed as u64)
    }

    pub fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        let connection = self.lock();
        let mut statement = connection.prepare(sql)?;
        let columns = statement.column_count();
        let mut rows = statement.query(rusqlite::params_from_iter(params.iter()))?;
        let mut decoded = Vec::new();
        while let Some(row) = rows.next()? {
            let values = (0..columns)
                .map(|index| row.get_ref(index).map(value_of))
                .collect::<rusqlite::Result<Vec<_>>>()?;
            decoded.push(Row::new(values));
        }
        Ok(decoded)
    }

    fn batch(&self, sql: &str) -> Result<(), DbError> {
        Ok(self.lock().execute_batch(sql)?)
    }
}

/// A transaction on the one connection: `BEGIN IMMEDIATE` takes the write
/// lock at once (another process on the same file waits for it at the start,
/// not halfway through), and dropping it uncommitted rolls back.
pub struct SqliteTx<'c> {
    connection: &'c SqliteConn,
    open: bool,
}

impl<'c> SqliteTx<'c> {
    pub fn begin(connection: &'c SqliteConn) -> Result<Self, DbError> {
        connection.batch("BEGIN IMMEDIATE")?;
        Ok(Self {
            connection,
            open: true,
        })
    }

    pub fn connection(&self) -> &SqliteConn {
        self.connection
    }

    pub fn commit(mut self) -> Result<(), DbError> {
        self.connection.batch("COMMIT")?;
        self.open = false;
        Ok(())
    }
}

impl Drop for SqliteTx<'_> {
    fn drop(&mut self) {
        if self.open {
            // Nothing to report to: the error that ended the transaction early
            // is already on its way to the caller.
            let _ = self.connection.batch("ROLLBACK");
        }
    }
}
