//! The vault's tables and their forward-only migrations, keyed on SQLite's
//! `user_version`. Migration N takes a file at version N-1 to version N inside one
//! transaction, so a crash mid-migration leaves the previous version intact.
//! Never edit a released migration: add the next one, and a test that opens a
//! file of the previous version (`core/tests/fixtures/`).

use rusqlite::{Connection, TransactionBehavior};

use super::VaultError;
use super::tables::PinnedColumns;

/// "CSv1" in the database header: tells a vault from any other SQLite file.
pub(super) const APPLICATION_ID: i64 = 0x4353_7631;

const MIGRATIONS: &[&str] = &[
    // 1: accounts, their order, settings and the vault's own metadata.
    "CREATE TABLE meta (
        name  TEXT PRIMARY KEY NOT NULL,
        value BLOB NOT NULL
    ) STRICT;
    CREATE TABLE accounts (
        id         TEXT PRIMARY KEY NOT NULL,
        position   INTEGER NOT NULL,
        kind       TEXT NOT NULL CHECK (kind IN ('totp', 'hotp', 'steam')),
        issuer     TEXT,
        name       TEXT NOT NULL,
        secret     BLOB NOT NULL,           -- sealed: see vault/seal.rs
        algorithm  TEXT NOT NULL,
        digits     INTEGER NOT NULL,
        period     INTEGER,                 -- totp, steam
        t0         INTEGER,                 -- totp
        counter    INTEGER,                 -- hotp: next code's counter, u64 bits
        extra      TEXT NOT NULL DEFAULT '[]',
        created_at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX accounts_by_position ON accounts (position);
    CREATE TABLE settings (
        name  TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL
    ) STRICT;",
    // 2: push accounts (one per enrolled server) and the challenges they received.
    "CREATE TABLE push_accounts (
        id           TEXT PRIMARY KEY NOT NULL,
        dialect      TEXT NOT NULL,
        server_url   TEXT NOT NULL,
        server_jwk   TEXT NOT NULL,           -- the pinned server key
        device_id    TEXT NOT NULL,
        user         TEXT NOT NULL,
        org          TEXT NOT NULL,
        policy       TEXT NOT NULL,
        device_key   BLOB,                    -- sealed PKCS#8, or NULL for a hardware key
        hardware_key TEXT,                    -- the shell's alias for a hardware key
        clock_offset INTEGER NOT NULL DEFAULT 0,
        status       TEXT NOT NULL DEFAULT 'active',
        created_at   INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE push_challenges (
        id          TEXT PRIMARY KEY NOT NULL,
        account     TEXT NOT NULL,
        jws         TEXT NOT NULL,
        resource    TEXT NOT NULL,
        iat         INTEGER NOT NULL,
        exp         INTEGER NOT NULL,
        answered    TEXT,
        answered_at INTEGER
    ) STRICT;
    CREATE INDEX push_challenges_by_resource ON push_challenges (account, resource, iat);",
    // 3: duplicate checks look accounts up by label; without this a 10,000-account
    // import scanned the table once per account (2.3 s instead of a fraction).
    "CREATE INDEX accounts_by_label ON accounts (issuer, name);",
    // 4: privacyIDEA push tokens (RSA keys; push/privacyidea/store.rs owns them).
    "CREATE TABLE privacyidea_tokens (
        id             TEXT PRIMARY KEY NOT NULL,
        serial         TEXT NOT NULL,
        label          TEXT NOT NULL,
        issuer         TEXT NOT NULL,
        url            TEXT NOT NULL,
        server_key     BLOB NOT NULL,         -- PKCS#1 DER, pinned at enrollment
        device_key     BLOB NOT NULL,         -- sealed PKCS#8
        ssl_verify     INTEGER NOT NULL,
        poll_only      INTEGER NOT NULL,
        require_unlock INTEGER NOT NULL,
        clock_offset   INTEGER NOT NULL DEFAULT 0,
        created_at     INTEGER NOT NULL
    ) STRICT;
    CREATE UNIQUE INDEX privacyidea_tokens_by_serial ON privacyidea_tokens (serial, url);",
    // 5: a MAC over each row's security settings (vault/integrity.rs). Existing
    // rows get theirs on the first open with the key, which SQL cannot do.
    "ALTER TABLE accounts ADD COLUMN mac BLOB;
    ALTER TABLE push_accounts ADD COLUMN mac BLOB;
    ALTER TABLE privacyidea_tokens ADD COLUMN mac BLOB;",
    // 6: the alias of a push account's user key (ADR 0014).
    "ALTER TABLE push_accounts ADD COLUMN user_key TEXT;",
    // 7: the diagnostics queue (diagnostics/ owns it): each row one typed event
    // as it will be sent, nothing else; emptied when sharing is turned off.
    "CREATE TABLE diagnostic_events (
        seq  INTEGER PRIMARY KEY,
        body TEXT NOT NULL
    ) STRICT;",
];

/// The columns push accounts' row MACs cover (schema 5). Frozen like the
/// migrations: another list would refuse every row already written.
pub const PUSH_ACCOUNTS_PINNED: PinnedColumns = PinnedColumns {
    table: "push_accounts",
    columns: &[
        "dialect",
        "server_url",
        "server_jwk",
        "device_id",
        "user",
        "org",
        "policy",
        "hardware_key",
    ],
};

/// The columns privacyIDEA tokens' row MACs cover (schema 5); frozen too.
pub const PRIVACYIDEA_TOKENS_PINNED: PinnedColumns = PinnedColumns {
    table: "privacyidea_tokens",
    columns: &[
        "serial",
        "label",
        "issuer",
        "url",
        "server_key",
        "ssl_verify",
        "poll_only",
        "require_unlock",
    ],
};

pub(super) const CURRENT_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the file to [`CURRENT_VERSION`]; returns the version it had when a
/// migration ran (`None` when it was current, or another process migrated it).
pub(super) fn migrate(connection: &mut Connection) -> Result<Option<i64>, VaultError> {
    let application_id: i64 =
        connection.query_row("PRAGMA application_id", [], |row| row.get(0))?;
    let has_tables: bool = connection.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table')",
        [],
        |row| row.get(0),
    )?;
    if has_tables && application_id != APPLICATION_ID {
        return Err(VaultError::NotAVault);
    }
    let version: i64 = connection.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if version > CURRENT_VERSION {
        return Err(VaultError::TooNew {
            found: version,
            supported: CURRENT_VERSION,
        });
    }
    let mut migrated_from = None;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Another process may have migrated while we waited for the write lock.
        let now: i64 = transaction.query_row("PRAGMA user_version", [], |row| row.get(0))?;
        if now > index as i64 {
            continue;
        }
        transaction.execute_batch(sql)?;
        transaction.pragma_update(None, "user_version", index as i64 + 1)?;
        transaction.pragma_update(None, "application_id", APPLICATION_ID)?;
        transaction.commit()?;
        migrated_from.get_or_insert(version);
    }
    Ok(migrated_from)
}
