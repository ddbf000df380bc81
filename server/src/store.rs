//! The server's stored data: users, resources, policy, enrollment tokens,
//! devices (and their tombstones), challenges, portal sessions and the audit
//! log. The statements run on either backend (`crate::db`).

use crate::db::{DbResult, OptionalExtension, Sql, params};

use countersign_otp::clock::UnixTime;

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
pub async fn audit(
    db: &impl Sql,
    at: UnixTime,
    event: &str,
    user: Option<&str>,
    resource: Option<&str>,
    outcome: Option<&str>,
    detail: Option<&str>,
) -> DbResult<()> {
    audit_by(db, at, event, None, user, resource, outcome, detail).await
}

/// An audit line with the caller's actor and address.
#[allow(clippy::too_many_arguments)]
pub async fn audit_by(
    db: &impl Sql,
    at: UnixTime,
    event: &str,
    who: Option<&Who>,
    user: Option<&str>,
    resource: Option<&str>,
    outcome: Option<&str>,
    detail: Option<&str>,
) -> DbResult<()> {
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
    )
    .await?;
    Ok(())
}

/// A refusal, aggregated: one row per (event, source, outcome, user) per minute
/// whose `count` grows, so a flood of refused requests costs one row a minute
/// per source and user instead of one per request. The user is part of the key
/// so that refusals naming other users cannot wash a victim's name out of its
/// rows; resource, actor and detail are kept while all the row's refusals agree
/// on them, and dropped (NULL) otherwise.
#[allow(clippy::too_many_arguments)]
pub async fn audit_refusal(
    db: &impl Sql,
    at: UnixTime,
    event: &str,
    who: &Who,
    user: Option<&str>,
    resource: Option<&str>,
    outcome: &str,
    detail: Option<&str>,
) -> DbResult<()> {
    let bucket = at - at.rem_euclid(REFUSAL_BUCKET_SECONDS);
    let counted = db
        .execute(
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
        )
        .await?;
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
        )
        .await?;
    }
    Ok(())
}

pub async fn audit_since(db: &impl Sql, since: i64, limit: i64) -> DbResult<Vec<AuditEvent>> {
    let rows = db
        .query_map(
            "SELECT id, at, event, user, resource, outcome, detail, actor, source, count FROM audit
         WHERE id > ?1 ORDER BY id LIMIT ?2",
            params![since, limit],
            |row| {
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
            },
        )
        .await?;
    Ok(rows)
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
    /// The key that signs only for a verified user (JWK JSON) and its thumbprint.
    pub user_jwk: Option<String>,
    pub user_jkt: Option<String>,
    /// `attested` or `claimed` when there is a user key (ADR 0014).
    pub user_verification: Option<String>,
}

impl Device {
    /// True when this device proves user verification by its user key's signature.
    pub fn user_key_attested(&self) -> bool {
        self.user_jkt.is_some() && self.user_verification.as_deref() == Some("attested")
    }
}

pub async fn device(db: &impl Sql, id: &str) -> DbResult<Option<Device>> {
    db.query_row(
        "SELECT id, user, jwk, jkt, revoked_at, revoked_reason, platform, push_token, confirmed_at,
                user_jwk, user_jkt, user_verification
         FROM devices WHERE id = ?1",
        params![id],
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
                user_jwk: row.get(9)?,
                user_jkt: row.get(10)?,
                user_verification: row.get(11)?,
            })
        },
    )
    .await
    .optional()
}

pub async fn current_device(db: &impl Sql, user: &str) -> DbResult<Option<Device>> {
    current_device_with(db, user, "").await
}

/// The current device with its row share-locked until the transaction ends
/// (PostgreSQL): a replacement's revocation on another instance waits for
/// what this transaction stores for the device (a push), and then expires it
/// with the rest.
pub async fn current_device_locked(db: &impl Sql, user: &str) -> DbResult<Option<Device>> {
    current_device_with(db, user, db.for_share()).await
}

async fn current_device_with(db: &impl Sql, user: &str, lock: &str) -> DbResult<Option<Device>> {
    let id: Option<String> = db
        .query_row(
            &format!("SELECT id FROM devices WHERE user = ?1 AND revoked_at IS NULL{lock}"),
            params![user],
            |row| row.get(0),
        )
        .await
        .optional()?;
    match id {
        Some(id) => device(db, &id).await,
        None => Ok(None),
    }
}

/// The user's device once its enrollment is confirmed: the one pushes go to.
pub async fn confirmed_device(db: &impl Sql, user: &str) -> DbResult<Option<Device>> {
    Ok(current_device(db, user)
        .await?
        .filter(|device| device.confirmed_at.is_some()))
}

pub async fn user_exists(db: &impl Sql, user: &str) -> DbResult<bool> {
    db.query_row(
        "SELECT EXISTS (SELECT 1 FROM users WHERE name = ?1)",
        params![user],
        |row| row.get(0),
    )
    .await
}

/// Revokes a device and expires its pending challenges (replacement or reset).
pub async fn revoke_device(db: &impl Sql, id: &str, reason: &str, now: UnixTime) -> DbResult<()> {
    db.execute(
        "UPDATE devices SET revoked_at = ?2, revoked_reason = ?3 WHERE id = ?1 AND revoked_at IS NULL",
        params![id, now, reason],
    ).await?;
    db.execute(
        "UPDATE challenges SET status = 'expired', decided_at = ?2 WHERE device = ?1 AND status = 'pending'",
        params![id, now],
    ).await?;
    crate::db::announce_decided(db).await?;
    Ok(())
}
