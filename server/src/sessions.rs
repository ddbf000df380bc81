//! Portal sessions: made only by a sign-in push approved for the `portal`
//! resource and handed to the browser that started it; they end after
//! `IDLE_SECONDS` without use or `ABSOLUTE_SECONDS` after sign-in, and are
//! revoked by a denied step-up, a fraud report, an authenticator reset and the
//! user's deletion. Revoking also voids approved sign-ins whose session was
//! not collected yet, so neither a stale hand-off nor a re-created user of the
//! same name can still turn one into a session.

use crate::db::{DbResult, OptionalExtension, Sql, params};
use countersign_otp::clock::UnixTime;

use crate::rules::random_id;
use crate::store;
use crate::tokens::token_hash;

/// A session not used for this long has ended (30 minutes).
pub const IDLE_SECONDS: i64 = 30 * 60;
/// A session ends this long after sign-in, however active (12 hours).
pub const ABSOLUTE_SECONDS: i64 = 12 * 3600;

/// How a session's sign-in was made: OpenID Connect reports it as
/// `auth_time` and `amr` (`oidc::claims`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignIn {
    /// When the last factor was given (the push approved, the code accepted).
    pub at: UnixTime,
    /// RFC 8176 method names, space-separated (`pwd mfa`, `pwd otp mfa`…).
    pub amr: String,
}

/// A new session for `user`: the token for the browser (stored as its hash).
pub async fn create(db: &impl Sql, user: &str, now: UnixTime) -> DbResult<String> {
    create_signed_in(
        db,
        user,
        now,
        &SignIn {
            at: now,
            amr: "pwd".into(),
        },
    )
    .await
}

/// A new session that remembers how its sign-in was made.
pub async fn create_signed_in(
    db: &impl Sql,
    user: &str,
    now: UnixTime,
    sign_in: &SignIn,
) -> DbResult<String> {
    let token = random_id("ss_", 24);
    db.execute(
        "INSERT INTO sessions (token, user, created_at, last_seen_at, auth_time, amr)
         VALUES (?1, ?2, ?3, ?3, ?4, ?5)",
        params![token_hash(&token), user, now, sign_in.at, &sign_in.amr],
    )
    .await?;
    Ok(token)
}

/// How a live session's sign-in was made (sessions from before this was
/// recorded count as a password sign-in at their creation).
pub async fn sign_in_of(db: &impl Sql, token: &str) -> DbResult<Option<SignIn>> {
    db.query_row(
        "SELECT COALESCE(auth_time, created_at), COALESCE(amr, 'pwd') FROM sessions
         WHERE token = ?1 AND revoked_at IS NULL",
        params![token_hash(token)],
        |row| {
            Ok(SignIn {
                at: row.get(0)?,
                amr: row.get(1)?,
            })
        },
    )
    .await
    .optional()
}

/// Forgets a session made but not handed out.
pub async fn discard(db: &impl Sql, token: &str) -> DbResult<()> {
    db.execute(
        "DELETE FROM sessions WHERE token = ?1",
        params![token_hash(token)],
    )
    .await?;
    Ok(())
}

/// Ends one session (signing out).
pub async fn end(db: &impl Sql, token: &str, now: UnixTime) -> DbResult<()> {
    db.execute(
        "UPDATE sessions SET revoked_at = ?2 WHERE token = ?1 AND revoked_at IS NULL",
        params![token_hash(token), now],
    )
    .await?;
    Ok(())
}

/// The user of a live session, which counts as use; `None` if it has ended.
pub async fn authenticate(db: &impl Sql, token: &str, now: UnixTime) -> DbResult<Option<String>> {
    let token = token_hash(token);
    let user: Option<String> = db
        .query_row(
            "SELECT user FROM sessions
             WHERE token = ?1 AND revoked_at IS NULL
               AND created_at > ?2 AND COALESCE(last_seen_at, created_at) > ?3",
            params![token, now - ABSOLUTE_SECONDS, now - IDLE_SECONDS],
            |row| row.get(0),
        )
        .await
        .optional()?;
    if user.is_some() {
        db.execute(
            "UPDATE sessions SET last_seen_at = ?2 WHERE token = ?1",
            params![token, now],
        )
        .await?;
    }
    Ok(user)
}

/// Ends every live session of `user`, audited with why (when there were any).
pub async fn revoke_all(
    db: &impl Sql,
    user: &str,
    now: UnixTime,
    reason: &str,
    detail: Option<&str>,
) -> DbResult<usize> {
    // Hand-offs first, sessions second: a session minted meanwhile on another
    // instance either claimed its hand-off before (and is revoked below) or
    // finds it spent (and is never handed out).
    let spent = db.execute(
        // '' marks the hand-off as used: `portal::push` mints only for NULL.
        "UPDATE challenges SET session = '' WHERE user = ?1 AND kind = 'login' AND session IS NULL",
        params![user],
    ).await?;
    let ended = spent
        + db.execute(
            "UPDATE sessions SET revoked_at = ?2 WHERE user = ?1 AND revoked_at IS NULL",
            params![user, now],
        )
        .await?;
    if ended == 0 {
        return Ok(0);
    }
    store::audit(
        db,
        now,
        "sessions_revoked",
        Some(user),
        Some("portal"),
        Some(reason),
        detail,
    )
    .await?;
    Ok(ended as usize)
}
