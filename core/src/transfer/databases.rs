//! Apps' internal SQLite databases, as copied off a rooted phone: Google
//! Authenticator, Microsoft Authenticator, Authenticator Pro / Stratum.

use std::io::Write;
use std::time::Instant;

use data_encoding::BASE64;
use rusqlite::{Connection, OpenFlags};

use super::limits::SQLITE_DEADLINE;
use super::{ExportContents, Fields, ImportError, ImportFormat, base32, malformed, push_fields};
use crate::secret::SecretBytes;

pub(super) const SQLITE_HEADER: &[u8] = b"SQLite format 3\0";

/// Opens a copy of the bytes read-only (SQLite reads files, not buffers).
fn open(
    format: ImportFormat,
    bytes: &[u8],
) -> Result<(tempfile::NamedTempFile, Connection), ImportError> {
    let mut file = tempfile::NamedTempFile::new().map_err(|e| malformed(format, e.to_string()))?;
    file.write_all(bytes)
        .map_err(|e| malformed(format, e.to_string()))?;
    let connection = Connection::open_with_flags(file.path(), OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| malformed(format, e.to_string()))?;
    // The schema is the file's: views, triggers and generated columns in it
    // may call only innocuous functions, and no query may run past the deadline
    // (a generated column can make each row cost seconds).
    connection
        .pragma_update(None, "trusted_schema", false)
        .map_err(|e| malformed(format, e.to_string()))?;
    // No real app stores a value near 1 MiB; a cap keeps any single
    // expression (one step between deadline checks) cheap.
    connection
        .set_limit(rusqlite::limits::Limit::SQLITE_LIMIT_LENGTH, 1 << 20)
        .map_err(|e| malformed(format, e.to_string()))?;
    let deadline = Instant::now() + SQLITE_DEADLINE;
    // Checked every 100 steps: one step handles at most a 1 MiB value.
    connection.progress_handler(100, Some(move || Instant::now() > deadline));
    Ok((file, connection))
}

fn tables(connection: &Connection) -> Vec<String> {
    connection
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")
        .and_then(|mut statement| statement.query_map([], |row| row.get(0))?.collect())
        .unwrap_or_default()
}

/// Which app's database this is, from its tables and columns.
pub(super) fn detect(bytes: &[u8]) -> Option<ImportFormat> {
    let (_file, connection) = open(ImportFormat::GoogleAuthenticatorDb, bytes).ok()?;
    let tables = tables(&connection);
    let has = |name: &str| tables.iter().any(|table| table == name);
    if has("authenticator") && has("authenticatorcategory") {
        return Some(ImportFormat::StratumDb);
    }
    if has("accounts") {
        let columns: Vec<String> = connection
            .prepare("SELECT name FROM pragma_table_info('accounts')")
            .and_then(|mut s| s.query_map([], |row| row.get(0))?.collect())
            .unwrap_or_default();
        if columns.iter().any(|c| c == "oath_secret_key") {
            return Some(ImportFormat::MicrosoftAuthenticatorDb);
        }
        if columns.iter().any(|c| c == "email") {
            return Some(ImportFormat::GoogleAuthenticatorDb);
        }
    }
    None
}

fn query<T>(
    format: ImportFormat,
    connection: &Connection,
    sql: &str,
    map: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, ImportError> {
    connection
        .prepare(sql)
        .and_then(|mut statement| statement.query_map([], map)?.collect())
        .map_err(|error| match error.sqlite_error_code() {
            Some(rusqlite::ErrorCode::OperationInterrupted) => ImportError::OverLimit {
                format: format.name(),
                parameter: "the time to read the database (seconds)",
                value: SQLITE_DEADLINE.as_secs() + 1,
                limit: SQLITE_DEADLINE.as_secs(),
            },
            _ => malformed(format, error.to_string()),
        })
}

pub(super) fn read(
    format: ImportFormat,
    bytes: &[u8],
    contents: &mut ExportContents,
) -> Result<(), ImportError> {
    let (_file, connection) = open(format, bytes)?;
    match format {
        // GA: `email` is the label ("Issuer:name"); type 0 TOTP, 1 HOTP; SHA-1/6/30.
        ImportFormat::GoogleAuthenticatorDb => {
            let rows = query(
                format,
                &connection,
                "SELECT email, secret, counter, type, issuer FROM accounts ORDER BY _id",
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, Option<i64>>(2)?,
                        row.get::<_, Option<i64>>(3)?,
                        row.get::<_, Option<String>>(4)?,
                    ))
                },
            )?;
            for (label, secret, counter, kind, issuer) in rows {
                let name = match issuer.as_deref().filter(|i| !i.is_empty()) {
                    Some(issuer) => label
                        .strip_prefix(&format!("{issuer}:"))
                        .unwrap_or(&label)
                        .to_owned(),
                    None => label.clone(),
                };
                let fields = base32(&secret).map(|secret| Fields {
                    issuer: issuer.as_deref(),
                    name: &name,
                    kind: if kind == Some(1) { "hotp" } else { "totp" },
                    secret,
                    algorithm: None,
                    digits: None,
                    period: None,
                    counter: counter.and_then(|c| u64::try_from(c).ok()),
                });
                push_fields(fields, &label, contents);
            }
        }
        // Microsoft: TOTP SHA-1/6/30; personal (MSA, type 1) secrets are base64.
        ImportFormat::MicrosoftAuthenticatorDb => {
            let rows = query(
                format,
                &connection,
                "SELECT name, username, oath_secret_key, account_type FROM accounts ORDER BY _id",
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, i64>(3)?,
                    ))
                },
            )?;
            for (issuer, name, secret, account_type) in rows {
                if secret.is_empty() {
                    continue; // a push-only work account: nothing to generate codes with
                }
                let secret = if account_type == 1 {
                    BASE64
                        .decode(secret.as_bytes())
                        .map(SecretBytes::new)
                        .map_err(|_| "its secret is not base64".to_owned())
                } else {
                    base32(&secret)
                };
                let fields = secret.map(|secret| Fields {
                    issuer: Some(&issuer),
                    name: &name,
                    kind: "totp",
                    secret,
                    algorithm: None,
                    digits: None,
                    period: None,
                    counter: None,
                });
                push_fields(fields, &name, contents);
            }
        }
        ImportFormat::StratumDb => {
            let rows = query(
                format,
                &connection,
                "SELECT type, issuer, username, secret, algorithm, digits, period, counter FROM authenticator ORDER BY ranking",
                |row| {
                    Ok(serde_json::json!({
                        "Type": row.get::<_, Option<i64>>(0)?, "Issuer": row.get::<_, Option<String>>(1)?,
                        "Username": row.get::<_, Option<String>>(2)?, "Secret": row.get::<_, Option<String>>(3)?,
                        "Algorithm": row.get::<_, Option<i64>>(4)?, "Digits": row.get::<_, Option<i64>>(5)?,
                        "Period": row.get::<_, Option<i64>>(6)?, "Counter": row.get::<_, Option<i64>>(7)?,
                    }))
                },
            )?;
            super::apps::stratum_entries(&rows, contents);
        }
        _ => return Err(ImportError::UnknownFormat),
    }
    Ok(())
}
