//! The server's SQLite database: users, resources, policy, enrollment tokens,
//! devices (and their tombstones), challenges, portal sessions and the audit log.
//! One connection behind a mutex: every operation is a short local transaction.

use rusqlite::{Connection, OptionalExtension, params};

use countersign_otp::clock::UnixTime;

pub type Db = Connection;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS policy (
    id                 INTEGER PRIMARY KEY CHECK (id = 1),
    biometric          TEXT NOT NULL,
    number_matching    INTEGER NOT NULL,
    max_pending        INTEGER NOT NULL,
    fraud_lock_seconds INTEGER NOT NULL
);
INSERT OR IGNORE INTO policy VALUES (1, 'optional', 1, 1, 3600);
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
const MIGRATIONS: &[&str] = &[
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
];

pub fn open(path: &std::path::Path) -> rusqlite::Result<Db> {
    let mut connection = Connection::open(path)?;
    connection.busy_timeout(std::time::Duration::from_secs(5))?;
    let _: String = connection.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    connection.execute_batch(SCHEMA)?;
    migrate(&mut connection)?;
    Ok(connection)
}

fn migrate(connection: &mut Connection) -> rusqlite::Result<()> {
    let applied: i64 = connection.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    for (index, migration) in MIGRATIONS.iter().enumerate() {
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

/// One line of the audit log. `count` is how many occurrences the line stands
/// for: refusals are aggregated (see `audit_refusal`), everything else is 1.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditEvent {
    pub id: i64,
    pub at: UnixTime,
    pub event: String,
    pub user: Option<String>,
    pub resource: Option<String>,
    pub outcome: Option<String>,
    pub detail: Option<String>,
    /// Who acted: `admin`, `rp`, `portal`, `device:<id>`, or who a refused
    /// caller claimed to be.
    pub actor: Option<String>,
    /// The client address (connection, or trusted proxy's `X-Forwarded-For`).
    pub source: Option<String>,
    pub count: i64,
}

/// Who made a request: for the audit log.
#[derive(Debug, Clone)]
pub struct Who {
    pub actor: String,
    pub source: String,
}

impl Who {
    pub fn new(actor: impl Into<String>, source: impl Into<String>) -> Self {
        Self {
            actor: actor.into(),
            source: source.into(),
        }
    }
}

/// Refusals from one source with one event and outcome share a row per minute.
pub const REFUSAL_BUCKET_SECONDS: i64 = 60;

/// An audit line with no caller recorded (the server's own decisions).
pub fn audit(
    db: &Db,
    at: UnixTime,
    event: &str,
    user: Option<&str>,
    resource: Option<&str>,
    outcome: Option<&str>,
    detail: Option<&str>,
) -> rusqlite::Result<()> {
    audit_by(db, at, event, None, user, resource, outcome, detail)
}

/// An audit line with the caller's actor and address.
#[allow(clippy::too_many_arguments)]
pub fn audit_by(
    db: &Db,
    at: UnixTime,
    event: &str,
    who: Option<&Who>,
    user: Option<&str>,
    resource: Option<&str>,
    outcome: Option<&str>,
    detail: Option<&str>,
) -> rusqlite::Result<()> {
    db.execute(
        "INSERT INTO audit (at, event, user, resource, outcome, detail, actor, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            at,
            event,
            user,
            resource,
            outcome,
            detail,
            who.map(|w| w.actor.as_str()),
            who.map(|w| w.source.as_str())
        ],
    )?;
    Ok(())
}

/// A refusal, aggregated: one row per (event, source, outcome, user) per minute
/// whose `count` grows, so a flood of refused requests costs one row a minute
/// per source and user instead of one per request. The user is part of the key
/// so that refusals naming other users cannot wash a victim's name out of its
/// rows; resource, actor and detail are kept while all the row's refusals agree
/// on them, and dropped (NULL) otherwise.
#[allow(clippy::too_many_arguments)]
pub fn audit_refusal(
    db: &Db,
    at: UnixTime,
    event: &str,
    who: &Who,
    user: Option<&str>,
    resource: Option<&str>,
    outcome: &str,
    detail: Option<&str>,
) -> rusqlite::Result<()> {
    let bucket = at - at.rem_euclid(REFUSAL_BUCKET_SECONDS);
    let counted = db.execute(
        "UPDATE audit SET count = count + 1,
           resource = CASE WHEN resource IS ?6 THEN resource ELSE NULL END,
           actor = CASE WHEN actor IS ?7 THEN actor ELSE NULL END,
           detail = CASE WHEN detail IS ?8 THEN detail ELSE NULL END
         WHERE id = (SELECT id FROM audit
                     WHERE event = ?1 AND source = ?2 AND outcome = ?3 AND user IS ?5
                       AND at >= ?4 AND at < ?4 + ?9
                     ORDER BY id DESC LIMIT 1)",
        params![
            event,
            who.source,
            outcome,
            bucket,
            user,
            resource,
            who.actor,
            detail,
            REFUSAL_BUCKET_SECONDS
        ],
    )?;
    if counted == 0 {
        audit_by(
            db,
            at,
            event,
            Some(who),
            user,
            resource,
            Some(outcome),
            detail,
        )?;
    }
    Ok(())
}

pub fn audit_since(db: &Db, since: i64, limit: i64) -> rusqlite::Result<Vec<AuditEvent>> {
    let mut statement = db.prepare(
        "SELECT id, at, event, user, resource, outcome, detail, actor, source, count FROM audit
         WHERE id > ?1 ORDER BY id LIMIT ?2",
    )?;
    let rows = statement.query_map(params![since, limit], |row| {
        Ok(AuditEvent {
            id: row.get(0)?,
            at: row.get(1)?,
            event: row.get(2)?,
            user: row.get(3)?,
            resource: row.get(4)?,
            outcome: row.get(5)?,
            detail: row.get(6)?,
            actor: row.get(7)?,
            source: row.get(8)?,
            count: row.get(9)?,
        })
    })?;
    rows.collect()
}

/// A device row (current or tombstone).
#[derive(Debug, Clone)]
pub struct Device {
    pub id: String,
    pub user: String,
    pub jwk: String,
    pub jkt: String,
    pub revoked_at: Option<UnixTime>,
    pub revoked_reason: Option<String>,
    /// `android`, `ios` or `desktop`.
    pub platform: String,
    /// Where APNs/FCM reach it; `None` when it has none (or it was cleared).
    pub push_token: Option<String>,
    /// When the phone approved its enrollment; `None` while it has not.
    pub confirmed_at: Option<UnixTime>,
}

pub fn device(db: &Db, id: &str) -> rusqlite::Result<Option<Device>> {
    db.query_row(
        "SELECT id, user, jwk, jkt, revoked_at, revoked_reason, platform, push_token, confirmed_at
         FROM devices WHERE id = ?1",
        [id],
        |row| {
            Ok(Device {
                id: row.get(0)?,
                user: row.get(1)?,
                jwk: row.get(2)?,
                jkt: row.get(3)?,
                revoked_at: row.get(4)?,
                revoked_reason: row.get(5)?,
                platform: row.get(6)?,
                push_token: row.get(7)?,
                confirmed_at: row.get(8)?,
            })
        },
    )
    .optional()
}

pub fn current_device(db: &Db, user: &str) -> rusqlite::Result<Option<Device>> {
    let id: Option<String> = db
        .query_row(
            "SELECT id FROM devices WHERE user = ?1 AND revoked_at IS NULL",
            [user],
            |row| row.get(0),
        )
        .optional()?;
    match id {
        Some(id) => device(db, &id),
        None => Ok(None),
    }
}

/// The user's device once its enrollment is confirmed: the one pushes go to.
pub fn confirmed_device(db: &Db, user: &str) -> rusqlite::Result<Option<Device>> {
    Ok(current_device(db, user)?.filter(|device| device.confirmed_at.is_some()))
}

pub fn user_exists(db: &Db, user: &str) -> rusqlite::Result<bool> {
    db.query_row(
        "SELECT EXISTS (SELECT 1 FROM users WHERE name = ?1)",
        [user],
        |row| row.get(0),
    )
}

/// Revokes a device and expires its pending challenges (replacement or reset).
pub fn revoke_device(db: &Db, id: &str, reason: &str, now: UnixTime) -> rusqlite::Result<()> {
    db.execute(
        "UPDATE devices SET revoked_at = ?2, revoked_reason = ?3 WHERE id = ?1 AND revoked_at IS NULL",
        params![id, now, reason],
    )?;
    db.execute(
        "UPDATE challenges SET status = 'expired', decided_at = ?2 WHERE device = ?1 AND status = 'pending'",
        params![id, now],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_database_made_before_the_migrations_still_opens_with_its_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.sqlite");
        {
            let old = Connection::open(&path).unwrap();
            old.execute_batch(SCHEMA).unwrap();
            old.execute("INSERT INTO users (name, created_at) VALUES ('old', 1)", [])
                .unwrap();
            old.execute(
                "INSERT INTO audit (at, event) VALUES (1, 'user_created')",
                [],
            )
            .unwrap();
        }
        let db = open(&path).unwrap();
        assert!(user_exists(&db, "old").unwrap());
        let version: i64 = db
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
        assert_eq!(audit_since(&db, 0, 10).unwrap().len(), 1);
        drop(db);
        // Opening again applies nothing twice.
        open(&path).unwrap();
    }
}
