//! The schema of both backends, and the steps that bring an older database up
//! to it. Each backend counts the steps it applied (SQLite in `PRAGMA
//! user_version`, PostgreSQL in `schema_version`), so a database made by an
//! older server still opens; both lists have one entry per step, kept in step.

use rusqlite::Connection;

use super::DbError;

pub(super) const SQLITE_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS policy (
    id                 INTEGER PRIMARY KEY CHECK (id = 1),
    biometric          TEXT NOT NULL,
    number_matching    INTEGER NOT NULL,
    max_pending        INTEGER NOT NULL,
    fraud_lock_seconds INTEGER NOT NULL
);
INSERT OR IGNORE INTO policy (id, biometric, number_matching, max_pending, fraud_lock_seconds)
    VALUES (1, 'optional', 1, 1, 3600);
CREATE TABLE IF NOT EXISTS users (
    name              TEXT PRIMARY KEY NOT NULL,
    created_at        INTEGER NOT NULL,
    totp_secret       BLOB,
    totp_last_step    INTEGER,
    fraud_locked_until INTEGER
);
CREATE TABLE IF NOT EXISTS resources (
    id              TEXT PRIMARY KEY NOT NULL,
    name            TEXT NOT NULL,
    biometric       TEXT,
    number_matching INTEGER,
    max_pending     INTEGER
);
INSERT OR IGNORE INTO resources (id, name) VALUES ('portal', 'Countersign portal');
CREATE TABLE IF NOT EXISTS enroll_tokens (
    hash        TEXT PRIMARY KEY NOT NULL,
    user        TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_by_jkt TEXT,
    device_id   TEXT
);
CREATE TABLE IF NOT EXISTS devices (
    id            TEXT PRIMARY KEY NOT NULL,
    user          TEXT NOT NULL,
    jwk           TEXT NOT NULL,
    jkt           TEXT NOT NULL,
    platform      TEXT NOT NULL,
    push_token    TEXT,
    name          TEXT NOT NULL,
    app_version   TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    revoked_at    INTEGER,
    revoked_reason TEXT
);
CREATE INDEX IF NOT EXISTS devices_by_user ON devices (user, revoked_at);
CREATE TABLE IF NOT EXISTS challenges (
    id         TEXT PRIMARY KEY NOT NULL,
    device     TEXT NOT NULL,
    user       TEXT NOT NULL,
    resource   TEXT NOT NULL,
    kind       TEXT NOT NULL,
    number     TEXT,
    biometric  TEXT NOT NULL,
    jws        TEXT NOT NULL,
    iat        INTEGER NOT NULL,
    exp        INTEGER NOT NULL,
    status     TEXT NOT NULL DEFAULT 'pending',
    decided_at INTEGER,
    fraud      INTEGER NOT NULL DEFAULT 0,
    uv         INTEGER,
    session    TEXT,
    effect     TEXT
);
CREATE INDEX IF NOT EXISTS challenges_pending ON challenges (user, resource, status, exp);
CREATE INDEX IF NOT EXISTS challenges_by_device ON challenges (device, status, exp);
CREATE TABLE IF NOT EXISTS sessions (
    token      TEXT PRIMARY KEY NOT NULL,
    user       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE TABLE IF NOT EXISTS audit (
    id       INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,
    event    TEXT NOT NULL,
    user     TEXT,
    resource TEXT,
    outcome  TEXT,
    detail   TEXT
);
";

/// Schema changes after the first release, applied in order on open and counted
/// in `PRAGMA user_version`, so databases made by an older server still open.
pub(super) const SQLITE_MIGRATIONS: &[&str] = &[
    // 1: the security review (issue 13): TOTP throttle, user incarnations (so a
    // token or session of a deleted user never serves a re-created one), session
    // lifetimes, the portal hand-off secret, who/where in the audit log with
    // aggregated refusals, and the persisted request-nonce memory.
    "
    ALTER TABLE users ADD COLUMN incarnation TEXT;
    ALTER TABLE users ADD COLUMN totp_failures INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE users ADD COLUMN totp_lockouts INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE users ADD COLUMN totp_locked_until INTEGER;
    ALTER TABLE enroll_tokens ADD COLUMN user_incarnation TEXT;
    ALTER TABLE sessions ADD COLUMN last_seen_at INTEGER;
    ALTER TABLE challenges ADD COLUMN handoff TEXT;
    ALTER TABLE audit ADD COLUMN actor TEXT;
    ALTER TABLE audit ADD COLUMN source TEXT;
    ALTER TABLE audit ADD COLUMN count INTEGER NOT NULL DEFAULT 1;
    CREATE INDEX audit_refusals ON audit (event, source, outcome, at);
    CREATE TABLE request_nonces (
        device     TEXT NOT NULL,
        nonce      TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (device, nonce)
    ) WITHOUT ROWID;
    CREATE INDEX request_nonces_by_expiry ON request_nonces (expires_at);
    ",
    // 2: the portal's pages (issue 15): passwords (Argon2id PHC strings), a
    // TOTP secret waiting for its first code, sign-in throttling per account
    // and per address, sign-in tickets between the password and the second
    // factor, the secret behind CSRF tokens, users' mail addresses and
    // password-reset links.
    "
    ALTER TABLE users ADD COLUMN password_hash TEXT;
    ALTER TABLE users ADD COLUMN totp_pending_secret BLOB;
    ALTER TABLE enroll_tokens ADD COLUMN issued_at INTEGER;
    CREATE TABLE login_failures (
        key          TEXT PRIMARY KEY NOT NULL,
        failures     INTEGER NOT NULL,
        lockouts     INTEGER NOT NULL,
        locked_until INTEGER
    ) WITHOUT ROWID;
    CREATE TABLE portal_signins (
        hash       TEXT PRIMARY KEY NOT NULL,
        user       TEXT NOT NULL,
        push_id    TEXT,
        expires_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE server_secrets (
        name  TEXT PRIMARY KEY NOT NULL,
        value BLOB NOT NULL
    ) WITHOUT ROWID;
    ALTER TABLE resources ADD COLUMN step_up INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE admin_sessions (
        token        TEXT PRIMARY KEY NOT NULL,
        created_at   INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        revoked_at   INTEGER
    ) WITHOUT ROWID;
    ALTER TABLE users ADD COLUMN email TEXT;
    CREATE INDEX users_by_email ON users (email);
    CREATE TABLE request_counts (
        key          TEXT PRIMARY KEY NOT NULL,
        window_start INTEGER NOT NULL,
        count        INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE password_resets (
        hash       TEXT PRIMARY KEY NOT NULL,
        user       TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        new_hash   TEXT,
        push_id    TEXT,
        done_at    INTEGER,
        outcome    TEXT
    ) WITHOUT ROWID;
    ",
    // 3: APNs/FCM delivery (issue 16): how each push went out, and why not.
    "
    ALTER TABLE challenges ADD COLUMN delivery TEXT NOT NULL DEFAULT 'poll_only';
    ALTER TABLE challenges ADD COLUMN delivery_detail TEXT;
    ",
    // 4: enrollment confirmation (issue 16): a new device counts once it has
    // approved the server's `enrollment_confirm` push; devices enrolled before
    // this existed count as confirmed.
    "
    ALTER TABLE devices ADD COLUMN confirmed_at INTEGER;
    UPDATE devices SET confirmed_at = created_at;
    ",
    // 5: more than one instance (issue 17): one current device per user is
    // the database's rule, not the handler's. (Sealing secrets needs no step:
    // it happens once at start-up, `sealing::seal_database`.)
    "
    CREATE UNIQUE INDEX one_device_per_user ON devices (user) WHERE revoked_at IS NULL;
    ",
    // 6: user keys (issue 18, ADR 0014): the key that signs only for a
    // verified user, whether its attestation verified ('attested' or
    // 'claimed'), what the chain said (security level) or why it was refused;
    // and the policy that requires an attested one.
    "
    ALTER TABLE devices ADD COLUMN user_jwk TEXT;
    ALTER TABLE devices ADD COLUMN user_jkt TEXT;
    ALTER TABLE devices ADD COLUMN user_verification TEXT;
    ALTER TABLE devices ADD COLUMN attestation_detail TEXT;
    ALTER TABLE policy ADD COLUMN require_attested_uv INTEGER NOT NULL DEFAULT 0;
    ",
    // 7: the diagnostics collector (docs/server.md): one row per event a
    // phone shared, with its install's environment and no address, user or
    // device of this server's; joined to nothing. `id` lets pruning delete a
    // bounded number of rows, oldest receipt first through its index.
    "
    CREATE TABLE diagnostic_events (
        id            INTEGER PRIMARY KEY,
        received_hour INTEGER NOT NULL,
        install       TEXT NOT NULL,
        app_version   TEXT NOT NULL,
        core_version  TEXT NOT NULL,
        platform      TEXT NOT NULL,
        os_version    TEXT NOT NULL,
        device_class  TEXT NOT NULL,
        language      TEXT NOT NULL,
        event         TEXT NOT NULL,
        code          TEXT,
        format        TEXT,
        hour          INTEGER NOT NULL,
        millis        INTEGER,
        frames        INTEGER,
        accounts      INTEGER,
        migrated_from INTEGER,
        version       INTEGER
    );
    CREATE INDEX diagnostic_events_by_receipt ON diagnostic_events (received_hour);
    CREATE INDEX diagnostic_events_by_hour ON diagnostic_events (hour, event);
    ",
    // 8: risk-aware pushes (docs/server.md, "Risk signals and escalation"):
    // what each push's risk history needs (the sign-in's address, network,
    // coordinates in micro-degrees and its context time), the assessment
    // stored with it, and each resource's risk policy. Indexes: a user's
    // pushes newest first, and pushes from one address in a time window.
    "
    ALTER TABLE challenges ADD COLUMN ip TEXT;
    ALTER TABLE challenges ADD COLUMN network TEXT;
    ALTER TABLE challenges ADD COLUMN lat INTEGER;
    ALTER TABLE challenges ADD COLUMN lon INTEGER;
    ALTER TABLE challenges ADD COLUMN context_time INTEGER;
    ALTER TABLE challenges ADD COLUMN risk_score INTEGER;
    ALTER TABLE challenges ADD COLUMN risk_level TEXT;
    ALTER TABLE challenges ADD COLUMN risk_reasons TEXT;
    CREATE INDEX challenges_by_user_iat ON challenges (user, iat);
    CREATE INDEX challenges_by_ip_iat ON challenges (ip, iat);
    ALTER TABLE resources ADD COLUMN risk TEXT;
    ALTER TABLE resources ADD COLUMN risk_unusual_hour INTEGER NOT NULL DEFAULT 0;
    ",
    // 9: the OpenID Connect provider (issue 23, ADR 0021): its signing keys
    // (sealed, like every secret), registered clients (secrets as hashes),
    // authorizations waiting for a sign-in, codes and access tokens (as
    // hashes), remembered consent; and what a portal session's sign-in used
    // (when, which factors) plus the authorization a sign-in returns to.
    "
    CREATE TABLE oidc_keys (
        kid         TEXT PRIMARY KEY NOT NULL,
        alg         TEXT NOT NULL,
        private_key BLOB NOT NULL,
        public_jwk  TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        retired_at  INTEGER
    ) WITHOUT ROWID;
    CREATE INDEX oidc_keys_by_alg ON oidc_keys (alg, retired_at);
    CREATE TABLE oidc_clients (
        id                        TEXT PRIMARY KEY NOT NULL,
        name                      TEXT NOT NULL,
        secret_hash               TEXT,
        redirect_uris             TEXT NOT NULL,
        post_logout_redirect_uris TEXT NOT NULL,
        id_token_alg              TEXT NOT NULL,
        created_at                INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE oidc_requests (
        id             TEXT PRIMARY KEY NOT NULL,
        client_id      TEXT NOT NULL,
        redirect_uri   TEXT NOT NULL,
        scope          TEXT NOT NULL,
        state          TEXT,
        nonce          TEXT,
        code_challenge TEXT NOT NULL,
        prompt         TEXT,
        max_age        INTEGER,
        created_at     INTEGER NOT NULL,
        expires_at     INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE oidc_codes (
        hash           TEXT PRIMARY KEY NOT NULL,
        client_id      TEXT NOT NULL,
        redirect_uri   TEXT NOT NULL,
        user           TEXT NOT NULL,
        scope          TEXT NOT NULL,
        nonce          TEXT,
        code_challenge TEXT NOT NULL,
        auth_time      INTEGER NOT NULL,
        amr            TEXT NOT NULL,
        expires_at     INTEGER NOT NULL,
        used_at        INTEGER
    ) WITHOUT ROWID;
    CREATE TABLE oidc_tokens (
        hash       TEXT PRIMARY KEY NOT NULL,
        code_hash  TEXT NOT NULL,
        client_id  TEXT NOT NULL,
        user       TEXT NOT NULL,
        scope      TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        revoked_at INTEGER
    ) WITHOUT ROWID;
    CREATE INDEX oidc_tokens_by_code ON oidc_tokens (code_hash);
    CREATE TABLE oidc_consents (
        user       TEXT NOT NULL,
        client_id  TEXT NOT NULL,
        granted_at INTEGER NOT NULL,
        PRIMARY KEY (user, client_id)
    ) WITHOUT ROWID;
    ALTER TABLE sessions ADD COLUMN auth_time INTEGER;
    ALTER TABLE sessions ADD COLUMN amr TEXT;
    ALTER TABLE portal_signins ADD COLUMN oidc_request TEXT;
    ",
];

/// PostgreSQL's schema: the same tables, columns and indexes as SQLite's after
/// the same number of steps (`server/tests/schema.rs` compares
/// them), in its types: BIGINT for INTEGER, BYTEA for BLOB, an identity for
/// the audit log's id, and `seq` on challenges for SQLite's `rowid` order.
pub(super) const POSTGRES_SCHEMA: &str = "
CREATE TABLE policy (
    id                 BIGINT PRIMARY KEY CHECK (id = 1),
    biometric          TEXT NOT NULL,
    number_matching    BIGINT NOT NULL,
    max_pending        BIGINT NOT NULL,
    fraud_lock_seconds BIGINT NOT NULL
);
INSERT INTO policy (id, biometric, number_matching, max_pending, fraud_lock_seconds)
    VALUES (1, 'optional', 1, 1, 3600);
CREATE TABLE users (
    name              TEXT PRIMARY KEY NOT NULL,
    created_at        BIGINT NOT NULL,
    totp_secret       BYTEA,
    totp_last_step    BIGINT,
    fraud_locked_until BIGINT
);
CREATE TABLE resources (
    id              TEXT PRIMARY KEY NOT NULL,
    name            TEXT NOT NULL,
    biometric       TEXT,
    number_matching BIGINT,
    max_pending     BIGINT
);
INSERT INTO resources (id, name) VALUES ('portal', 'Countersign portal');
CREATE TABLE enroll_tokens (
    hash        TEXT PRIMARY KEY NOT NULL,
    \"user\"      TEXT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_by_jkt TEXT,
    device_id   TEXT
);
CREATE TABLE devices (
    id            TEXT PRIMARY KEY NOT NULL,
    \"user\"        TEXT NOT NULL,
    jwk           TEXT NOT NULL,
    jkt           TEXT NOT NULL,
    platform      TEXT NOT NULL,
    push_token    TEXT,
    name          TEXT NOT NULL,
    app_version   TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    revoked_at    BIGINT,
    revoked_reason TEXT
);
CREATE INDEX devices_by_user ON devices (\"user\", revoked_at);
CREATE TABLE challenges (
    id         TEXT PRIMARY KEY NOT NULL,
    device     TEXT NOT NULL,
    \"user\"     TEXT NOT NULL,
    resource   TEXT NOT NULL,
    kind       TEXT NOT NULL,
    number     TEXT,
    biometric  TEXT NOT NULL,
    jws        TEXT NOT NULL,
    iat        BIGINT NOT NULL,
    exp        BIGINT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'pending',
    decided_at BIGINT,
    fraud      BIGINT NOT NULL DEFAULT 0,
    uv         BIGINT,
    session    TEXT,
    effect     TEXT,
    seq        BIGINT GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX challenges_pending ON challenges (\"user\", resource, status, exp);
CREATE INDEX challenges_by_device ON challenges (device, status, exp);
CREATE TABLE sessions (
    token      TEXT PRIMARY KEY NOT NULL,
    \"user\"     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE TABLE audit (
    id       BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    at       BIGINT NOT NULL,
    event    TEXT NOT NULL,
    \"user\"   TEXT,
    resource TEXT,
    outcome  TEXT,
    detail   TEXT
);
";

/// PostgreSQL's steps, one for each of SQLite's, in the same order.
pub(super) const POSTGRES_MIGRATIONS: &[&str] = &[
    "
    ALTER TABLE users ADD COLUMN incarnation TEXT;
    ALTER TABLE users ADD COLUMN totp_failures BIGINT NOT NULL DEFAULT 0;
    ALTER TABLE users ADD COLUMN totp_lockouts BIGINT NOT NULL DEFAULT 0;
    ALTER TABLE users ADD COLUMN totp_locked_until BIGINT;
    ALTER TABLE enroll_tokens ADD COLUMN user_incarnation TEXT;
    ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT;
    ALTER TABLE challenges ADD COLUMN handoff TEXT;
    ALTER TABLE audit ADD COLUMN actor TEXT;
    ALTER TABLE audit ADD COLUMN source TEXT;
    ALTER TABLE audit ADD COLUMN count BIGINT NOT NULL DEFAULT 1;
    CREATE INDEX audit_refusals ON audit (event, source, outcome, at);
    CREATE TABLE request_nonces (
        device     TEXT NOT NULL,
        nonce      TEXT NOT NULL,
        expires_at BIGINT NOT NULL,
        PRIMARY KEY (device, nonce)
    );
    CREATE INDEX request_nonces_by_expiry ON request_nonces (expires_at);
    ",
    "
    ALTER TABLE users ADD COLUMN password_hash TEXT;
    ALTER TABLE users ADD COLUMN totp_pending_secret BYTEA;
    ALTER TABLE enroll_tokens ADD COLUMN issued_at BIGINT;
    CREATE TABLE login_failures (
        key          TEXT PRIMARY KEY NOT NULL,
        failures     BIGINT NOT NULL,
        lockouts     BIGINT NOT NULL,
        locked_until BIGINT
    );
    CREATE TABLE portal_signins (
        hash       TEXT PRIMARY KEY NOT NULL,
        \"user\"     TEXT NOT NULL,
        push_id    TEXT,
        expires_at BIGINT NOT NULL
    );
    CREATE TABLE server_secrets (
        name  TEXT PRIMARY KEY NOT NULL,
        value BYTEA NOT NULL
    );
    ALTER TABLE resources ADD COLUMN step_up BIGINT NOT NULL DEFAULT 0;
    CREATE TABLE admin_sessions (
        token        TEXT PRIMARY KEY NOT NULL,
        created_at   BIGINT NOT NULL,
        last_seen_at BIGINT NOT NULL,
        revoked_at   BIGINT
    );
    ALTER TABLE users ADD COLUMN email TEXT;
    CREATE INDEX users_by_email ON users (email);
    CREATE TABLE request_counts (
        key          TEXT PRIMARY KEY NOT NULL,
        window_start BIGINT NOT NULL,
        count        BIGINT NOT NULL
    );
    CREATE TABLE password_resets (
        hash       TEXT PRIMARY KEY NOT NULL,
        \"user\"     TEXT NOT NULL,
        expires_at BIGINT NOT NULL,
        new_hash   TEXT,
        push_id    TEXT,
        done_at    BIGINT,
        outcome    TEXT
    );
    ",
    "
    ALTER TABLE challenges ADD COLUMN delivery TEXT NOT NULL DEFAULT 'poll_only';
    ALTER TABLE challenges ADD COLUMN delivery_detail TEXT;
    ",
    "
    ALTER TABLE devices ADD COLUMN confirmed_at BIGINT;
    UPDATE devices SET confirmed_at = created_at;
    ",
    "
    CREATE UNIQUE INDEX one_device_per_user ON devices (\"user\") WHERE revoked_at IS NULL;
    ",
    "
    ALTER TABLE devices ADD COLUMN user_jwk TEXT;
    ALTER TABLE devices ADD COLUMN user_jkt TEXT;
    ALTER TABLE devices ADD COLUMN user_verification TEXT;
    ALTER TABLE devices ADD COLUMN attestation_detail TEXT;
    ALTER TABLE policy ADD COLUMN require_attested_uv BIGINT NOT NULL DEFAULT 0;
    ",
    "
    CREATE TABLE diagnostic_events (
        id            BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        received_hour BIGINT NOT NULL,
        install       TEXT NOT NULL,
        app_version   TEXT NOT NULL,
        core_version  TEXT NOT NULL,
        platform      TEXT NOT NULL,
        os_version    TEXT NOT NULL,
        device_class  TEXT NOT NULL,
        language      TEXT NOT NULL,
        event         TEXT NOT NULL,
        code          TEXT,
        format        TEXT,
        hour          BIGINT NOT NULL,
        millis        BIGINT,
        frames        BIGINT,
        accounts      BIGINT,
        migrated_from BIGINT,
        version       BIGINT
    );
    CREATE INDEX diagnostic_events_by_receipt ON diagnostic_events (received_hour);
    CREATE INDEX diagnostic_events_by_hour ON diagnostic_events (hour, event);
    ",
    "
    ALTER TABLE challenges ADD COLUMN ip TEXT;
    ALTER TABLE challenges ADD COLUMN network TEXT;
    ALTER TABLE challenges ADD COLUMN lat BIGINT;
    ALTER TABLE challenges ADD COLUMN lon BIGINT;
    ALTER TABLE challenges ADD COLUMN context_time BIGINT;
    ALTER TABLE challenges ADD COLUMN risk_score BIGINT;
    ALTER TABLE challenges ADD COLUMN risk_level TEXT;
    ALTER TABLE challenges ADD COLUMN risk_reasons TEXT;
    CREATE INDEX challenges_by_user_iat ON challenges (\"user\", iat);
    CREATE INDEX challenges_by_ip_iat ON challenges (ip, iat);
    ALTER TABLE resources ADD COLUMN risk TEXT;
    ALTER TABLE resources ADD COLUMN risk_unusual_hour BIGINT NOT NULL DEFAULT 0;
    ",
    "
    CREATE TABLE oidc_keys (
        kid         TEXT PRIMARY KEY NOT NULL,
        alg         TEXT NOT NULL,
        private_key BYTEA NOT NULL,
        public_jwk  TEXT NOT NULL,
        created_at  BIGINT NOT NULL,
        retired_at  BIGINT
    );
    CREATE INDEX oidc_keys_by_alg ON oidc_keys (alg, retired_at);
    CREATE TABLE oidc_clients (
        id                        TEXT PRIMARY KEY NOT NULL,
        name                      TEXT NOT NULL,
        secret_hash               TEXT,
        redirect_uris             TEXT NOT NULL,
        post_logout_redirect_uris TEXT NOT NULL,
        id_token_alg              TEXT NOT NULL,
        created_at                BIGINT NOT NULL
    );
    CREATE TABLE oidc_requests (
        id             TEXT PRIMARY KEY NOT NULL,
        client_id      TEXT NOT NULL,
        redirect_uri   TEXT NOT NULL,
        scope          TEXT NOT NULL,
        state          TEXT,
        nonce          TEXT,
        code_challenge TEXT NOT NULL,
        prompt         TEXT,
        max_age        BIGINT,
        created_at     BIGINT NOT NULL,
        expires_at     BIGINT NOT NULL
    );
    CREATE TABLE oidc_codes (
        hash           TEXT PRIMARY KEY NOT NULL,
        client_id      TEXT NOT NULL,
        redirect_uri   TEXT NOT NULL,
        \"user\"           TEXT NOT NULL,
        scope          TEXT NOT NULL,
        nonce          TEXT,
        code_challenge TEXT NOT NULL,
        auth_time      BIGINT NOT NULL,
        amr            TEXT NOT NULL,
        expires_at     BIGINT NOT NULL,
        used_at        BIGINT
    );
    CREATE TABLE oidc_tokens (
        hash       TEXT PRIMARY KEY NOT NULL,
        code_hash  TEXT NOT NULL,
        client_id  TEXT NOT NULL,
        \"user\"       TEXT NOT NULL,
        scope      TEXT NOT NULL,
        expires_at BIGINT NOT NULL,
        revoked_at BIGINT
    );
    CREATE INDEX oidc_tokens_by_code ON oidc_tokens (code_hash);
    CREATE TABLE oidc_consents (
        \"user\"       TEXT NOT NULL,
        client_id  TEXT NOT NULL,
        granted_at BIGINT NOT NULL,
        PRIMARY KEY (\"user\", client_id)
    );
    ALTER TABLE sessions ADD COLUMN auth_time BIGINT;
    ALTER TABLE sessions ADD COLUMN amr TEXT;
    ALTER TABLE portal_signins ADD COLUMN oidc_request TEXT;
    ",
];

pub(super) fn migrate_sqlite(connection: &mut Connection) -> Result<(), DbError> {
    connection.execute_batch(SQLITE_SCHEMA)?;
    let applied: i64 = connection.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let known = SQLITE_MIGRATIONS.len() as i64;
    if applied > known {
        return Err(DbError::SchemaTooNew {
            found: applied,
            known,
        });
    }
    for (index, migration) in SQLITE_MIGRATIONS.iter().enumerate() {
        let version = index as i64 + 1;
        if version <= applied {
            continue;
        }
        let transaction = connection.transaction()?;
        transaction.execute_batch(migration)?;
        transaction.pragma_update(None, "user_version", version)?;
        transaction.commit()?;
    }
    Ok(())
}

/// Any number that is the same for every instance: the advisory lock that
/// lets one instance at a time migrate.
const MIGRATION_LOCK: i64 = 0x636f_756e_7465_7273;

pub(super) async fn migrate_postgres(
    client: &mut deadpool_postgres::Object,
) -> Result<(), DbError> {
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    let result = apply_postgres(client).await;
    let unlocked = client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .await;
    result?;
    unlocked?;
    Ok(())
}

async fn apply_postgres(client: &mut deadpool_postgres::Object) -> Result<(), DbError> {
    client
        .batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
        .await?;
    let versions = client
        .query("SELECT version FROM schema_version", &[])
        .await?;
    let applied: Option<i64> = versions.first().map(|row| row.get(0));
    let known = POSTGRES_MIGRATIONS.len() as i64;
    if let Some(found) = applied.filter(|&found| found > known) {
        return Err(DbError::SchemaTooNew { found, known });
    }
    if applied.is_none() {
        let transaction = client.transaction().await?;
        transaction.batch_execute(POSTGRES_SCHEMA).await?;
        transaction
            .execute("INSERT INTO schema_version VALUES (0)", &[])
            .await?;
        transaction.commit().await?;
    }
    let applied = applied.unwrap_or(0);
    for (index, migration) in POSTGRES_MIGRATIONS.iter().enumerate() {
        let version = index as i64 + 1;
        if version <= applied {
            continue;
        }
        let transaction = client.transaction().await?;
        transaction.batch_execute(migration).await?;
        transaction
            .execute("UPDATE schema_version SET version = $1", &[&version])
            .await?;
        transaction.commit().await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn both_backends_have_one_step_for_each_step() {
        assert_eq!(SQLITE_MIGRATIONS.len(), POSTGRES_MIGRATIONS.len());
    }

    #[test]
    fn a_database_made_before_the_migrations_still_opens_with_its_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.sqlite");
        {
            let old = Connection::open(&path).unwrap();
            old.execute_batch(SQLITE_SCHEMA).unwrap();
            old.execute("INSERT INTO users (name, created_at) VALUES ('old', 1)", [])
                .unwrap();
            old.execute(
                "INSERT INTO audit (at, event) VALUES (1, 'user_created')",
                [],
            )
            .unwrap();
        }
        let mut db = Connection::open(&path).unwrap();
        migrate_sqlite(&mut db).unwrap();
        let users: i64 = db
            .query_row("SELECT COUNT(*) FROM users WHERE name = 'old'", [], |row| {
                row.get(0)
            })
            .unwrap();
        assert_eq!(users, 1);
        let version: i64 = db
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .unwrap();
        assert_eq!(version, SQLITE_MIGRATIONS.len() as i64);
        // Opening again applies nothing twice.
        migrate_sqlite(&mut db).unwrap();
    }

    #[test]
    fn a_database_from_a_newer_server_is_refused_not_damaged() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Connection::open(dir.path().join("server.sqlite")).unwrap();
        db.pragma_update(None, "user_version", 99).unwrap();
        let error = migrate_sqlite(&mut db).unwrap_err();
        assert!(
            matches!(error, DbError::SchemaTooNew { found: 99, .. }),
            "{error}"
        );
    }
}
