//! The PostgreSQL backend: a deadpool pool of tokio-postgres connections,
//! statements translated from the SQLite dialect they are written in and
//! prepared once per connection, and a listener that turns `NOTIFY`s from
//! other instances into local wake-ups.

use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::BytesMut;
use deadpool_postgres::{ClientWrapper, Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use tokio_postgres::{AsyncMessage, NoTls};

use super::schema;
use super::{DbError, Row, Value, postgres_detail};

/// The channel a decided challenge is announced on.
pub const DECIDED_CHANNEL: &str = "countersign_decided";

/// How the pool is sized.
#[derive(Debug, Clone)]
pub struct PostgresOptions {
    /// Connections this instance keeps at most (PostgreSQL's own
    /// `max_connections` must cover every instance's pool).
    pub pool_size: usize,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        Self { pool_size: 16 }
    }
}

#[derive(Clone)]
pub struct PostgresDb {
    pool: Pool,
    config: tokio_postgres::Config,
    listener: Arc<Mutex<Option<AbortOnDrop>>>,
}

struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl PostgresDb {
    pub async fn open(url: &str, options: &PostgresOptions) -> Result<Self, DbError> {
        let config = tokio_postgres::Config::from_str(url)
            .map_err(|error| DbError::Url(error.to_string()))?;
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                // A connection that broke is found by its next statement and
                // replaced; checking each one on every checkout costs a round trip.
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(options.pool_size.max(1))
            .wait_timeout(Some(Duration::from_secs(10)))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|error| DbError::Pool(error.to_string()))?;
        let database = Self {
            pool,
            config,
            listener: Arc::new(Mutex::new(None)),
        };
        let mut client = database.get().await?;
        schema::migrate_postgres(&mut client).await?;
        Ok(database)
    }

    pub async fn get(&self) -> Result<deadpool_postgres::Object, DbError> {
        self.pool.get().await.map_err(|error| match error {
            deadpool_postgres::PoolError::Backend(error) => DbError::Postgres(error),
            other => DbError::Pool(other.to_string()),
        })
    }

    /// Listens on `channel` on a connection of its own (outside the pool),
    /// reconnecting after a second when it breaks; `changed` also runs after
    /// each reconnect, since a notification may have been missed meanwhile.
    pub fn listen(&self, channel: &'static str, changed: Arc<dyn Fn() + Send + Sync>) {
        let config = self.config.clone();
        let task = tokio::spawn(async move {
            loop {
                if let Ok((client, mut connection)) = config.connect(NoTls).await {
                    let notified = changed.clone();
                    let messages = tokio::spawn(async move {
                        while let Some(Ok(message)) =
                            std::future::poll_fn(|cx| connection.poll_message(cx)).await
                        {
                            if let AsyncMessage::Notification(_) = message {
                                notified();
                            }
                        }
                    });
                    let _abort_messages = AbortOnDrop(messages.abort_handle());
                    if client
                        .batch_execute(&format!("LISTEN {channel}"))
                        .await
                        .is_ok()
                    {
                        changed();
                        let _ = messages.await;
                    }
                    drop(client);
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        let mut listener = self
            .listener
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *listener = Some(AbortOnDrop(task.abort_handle()));
    }
}

/// What a statement runs on: a pooled client, or a transaction on one.
pub enum PgHandle<'a, 't> {
    Client(&'a ClientWrapper),
    Transaction(&'a deadpool_postgres::Transaction<'t>),
}

impl PgHandle<'_, '_> {
    async fn prepare(&self, sql: &str) -> Result<tokio_postgres::Statement, DbError> {
        let translated = translate(sql);
        let prepared = match self {
            PgHandle::Client(client) => client.prepare_cached(&translated).await,
            PgHandle::Transaction(transaction) => transaction.prepare_cached(&translated).await,
        };
        // A statement PostgreSQL cannot prepare is a bug in this server, not
        // the operator's: name it.
        prepared.map_err(|error| DbError::Statement {
            statement: translated,
            reason: postgres_detail(&error),
        })
    }
}

fn references(params: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    params
        .iter()
        .map(|value| value as &(dyn ToSql + Sync))
        .collect()
}

pub async fn execute(
    handle: PgHandle<'_, '_>,
    sql: &str,
    params: &[Value],
) -> Result<u64, DbError> {
    let statement = handle.prepare(sql).await?;
    let params = references(params);
    Ok(match handle {
        PgHandle::Client(client) => client.execute(&statement, &params).await?,
        PgHandle::Transaction(transaction) => transaction.execute(&statement, &params).await?,
    })
}

pub async fn query(
    handle: PgHandle<'_, '_>,
    sql: &str,
    params: &[Value],
) -> Result<Vec<Row>, DbError> {
    let statement = handle.prepare(sql).await?;
    let params = references(params);
    let rows = match handle {
        PgHandle::Client(client) => client.query(&statement, &params).await?,
        PgHandle::Transaction(transaction) => transaction.query(&statement, &params).await?,
    };
    rows.iter()
        .map(|row| {
            (0..row.len())
                .map(|index| row.try_get::<usize, Value>(index))
                .collect::<Result<Vec<_>, _>>()
                .map(Row::new)
                .map_err(DbError::from)
        })
        .collect()
}

/// Rewrites a statement from the SQLite dialect the server writes in:
/// `?N` parameters become `$N`, SQLite's null-safe `IS x` / `IS NOT x` (x a
/// parameter or a column) become `IS [NOT] DISTINCT FROM x`, the column `user` (a reserved word here)
/// is quoted, and `rowid` (insertion order) is the `seq` column PostgreSQL's
/// schema gives the one table whose statements order by it. String literals
/// and quoted identifiers are copied as they are.
pub fn translate(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let chars: Vec<char> = sql.chars().collect();
    let mut index = 0;
    while index < chars.len() {
        let c = chars[index];
        if c == '\'' || c == '"' {
            let end = chars[index + 1..]
                .iter()
                .position(|&other| other == c)
                .map_or(chars.len(), |offset| index + 1 + offset + 1);
            out.extend(&chars[index..end]);
            index = end;
        } else if c == '?' {
            out.push('$');
            index += 1;
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = index;
            while index < chars.len()
                && (chars[index].is_ascii_alphanumeric() || chars[index] == '_')
            {
                index += 1;
            }
            let word: String = chars[start..index].iter().collect();
            match word.as_str() {
                "user" => out.push_str("\"user\""),
                "rowid" => out.push_str("seq"),
                _ if word.eq_ignore_ascii_case("IS") => {
                    let (negated, after) = null_safe_comparison(&chars, index);
                    match after {
                        Some(parameter) => {
                            out.push_str(if negated {
                                "IS DISTINCT FROM "
                            } else {
                                "IS NOT DISTINCT FROM "
                            });
                            index = parameter;
                        }
                        None => out.push_str(&word),
                    }
                }
                _ => out.push_str(&word),
            }
        } else {
            out.push(c);
            index += 1;
        }
    }
    out
}

/// After an `IS`: whether `[NOT] operand` follows with an operand that is a
/// value (a parameter or a column, not `NULL`, `TRUE`, `FALSE` or
/// `DISTINCT`), and where the operand starts.
fn null_safe_comparison(chars: &[char], mut index: usize) -> (bool, Option<usize>) {
    let skip_space = |mut at: usize| {
        while at < chars.len() && chars[at].is_whitespace() {
            at += 1;
        }
        at
    };
    index = skip_space(index);
    let mut negated = false;
    let word: String = chars[index..]
        .iter()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    if word.eq_ignore_ascii_case("NOT") {
        negated = true;
        index = skip_space(index + 3);
    }
    let operand: String = chars[index..]
        .iter()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    let keyword = ["NULL", "TRUE", "FALSE", "DISTINCT"]
        .iter()
        .any(|keyword| operand.eq_ignore_ascii_case(keyword));
    let starts_value = chars
        .get(index)
        .is_some_and(|c| *c == '?' || c.is_ascii_alphabetic() || *c == '_');
    if starts_value && !keyword {
        (negated, Some(index))
    } else {
        (false, None)
    }
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Integer(number) => match *ty {
                Type::INT8 => number.to_sql(ty, out),
                Type::INT4 => i32::try_from(*number)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*number)?.to_sql(ty, out),
                Type::BOOL => (*number != 0).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR | Type::UNKNOWN => {
                    number.to_string().as_str().to_sql(ty, out)
                }
                _ => Err(format!("an integer cannot be sent as {ty}").into()),
            },
            Value::Text(text) => text.as_str().to_sql(ty, out),
            Value::Blob(bytes) => bytes.as_slice().to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

impl<'a> FromSql<'a> for Value {
    fn from_sql(
        ty: &Type,
        raw: &'a [u8],
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(match *ty {
            Type::VOID => Value::Null,
            Type::BOOL => Value::Integer(bool::from_sql(ty, raw)?.into()),
            Type::INT2 => Value::Integer(i16::from_sql(ty, raw)?.into()),
            Type::INT4 => Value::Integer(i32::from_sql(ty, raw)?.into()),
            Type::INT8 => Value::Integer(i64::from_sql(ty, raw)?),
            Type::BYTEA => Value::Blob(<Vec<u8>>::from_sql(ty, raw)?),
            _ => Value::Text(String::from_sql(ty, raw)?),
        })
    }

    fn from_sql_null(_: &Type) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Value::Null)
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::translate;

    #[test]
    fn statements_are_translated_outside_literals_only() {
        assert_eq!(
            translate("SELECT id FROM devices WHERE user = ?1 AND name = 'user ?'"),
            "SELECT id FROM devices WHERE \"user\" = $1 AND name = 'user ?'"
        );
        assert_eq!(
            translate(
                "UPDATE audit SET actor = CASE WHEN actor IS ?7 THEN actor END WHERE user IS ?5"
            ),
            "UPDATE audit SET actor = CASE WHEN actor IS NOT DISTINCT FROM $7 THEN actor END WHERE \"user\" IS NOT DISTINCT FROM $5"
        );
        assert_eq!(
            translate("WHERE a IS NOT ?2 AND b IS NULL AND c IS NOT NULL ORDER BY iat, rowid"),
            "WHERE a IS DISTINCT FROM $2 AND b IS NULL AND c IS NOT NULL ORDER BY iat, seq"
        );
        assert_eq!(
            translate("SELECT \"user\", users FROM t"),
            "SELECT \"user\", users FROM t"
        );
    }
}
