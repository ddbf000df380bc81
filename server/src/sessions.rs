//! Portal sessions: made only by a sign-in push approved for the `portal`
//! resource and handed to the browser that started it; they end after
//! `IDLE_SECONDS` without use or `ABSOLUTE_SECONDS` after sign-in, and are
//! revoked by a denied step-up, a fraud report, an authenticator reset and the
//! user's deletion. Revoking also voids approved sign-ins whose session was
//! not collected yet, so neither a stale hand-off nor a re-created user of the
//! same name can still turn one into a session.

use countersign_otp::clock::UnixTime;
use rusqlite::{OptionalExtension, params};

use crate::rules::random_id;
use crate::store::{self, Db};
use crate::tokens::token_hash;

/// A session not used for this long has ended (30 minutes).
pub const IDLE_SECONDS: i64 = 30 * 60;
/// A session ends this long after sign-in, however active (12 hours).
pub const ABSOLUTE_SECONDS: i64 = 12 * 3600;

/// A new session for `user`: the token for the browser (stored as its hash).
pub fn create(db: &Db, user: &str, now: UnixTime) -> rusqlite::Result<String> {
    let token = random_id("ss_", 24);
    db.execute(
        "INSERT INTO sessions (token, user, created_at, last_seen_at) VALUES (?1, ?2, ?3, ?3)",
        params![token_hash(&token), user, now],
    )?;
    Ok(token)
}

/// Forgets a session made but not handed out.
pub fn discard(db: &Db, token: &str) -> rusqlite::Result<()> {
    db.execute("DELETE FROM sessions WHERE token = ?1", [token_hash(token)])?;
    Ok(())
}

/// Ends one session (signing out).
pub fn end(db: &Db, token: &str, now: UnixTime) -> rusqlite::Result<()> {
    db.execute(
        "UPDATE sessions SET revoked_at = ?2 WHERE token = ?1 AND revoked_at IS NULL",
        params![token_hash(token), now],
    )?;
    Ok(())
}

/// The user of a live session, which counts as use; `None` if it has ended.
pub fn authenticate(db: &Db, token: &str, now: UnixTime) -> rusqlite::Result<Option<String>> {
    let token = token_hash(token);
    let user: Option<String> = db
        .query_row(
            "SELECT user FROM sessions
             WHERE token = ?1 AND revoked_at IS NULL
               AND created_at > ?2 AND COALESCE(last_seen_at, created_at) > ?3",
            params![token, now - ABSOLUTE_SECONDS, now - IDLE_SECONDS],
            |row| row.get(0),
        )
        .optional()?;
    if user.is_some() {
        db.execute(
            "UPDATE sessions SET last_seen_at = ?2 WHERE token = ?1",
            params![token, now],
        )?;
    }
    Ok(user)
}

/// Ends every live session of `user`, audited with why (when there were any).
pub fn revoke_all(
    db: &Db,
    user: &str,
    now: UnixTime,
    reason: &str,
    detail: Option<&str>,
) -> rusqlite::Result<usize> {
    let ended = db.execute(
        "UPDATE sessions SET revoked_at = ?2 WHERE user = ?1 AND revoked_at IS NULL",
        params![user, now],
    )? + db.execute(
        // '' marks the hand-off as used: `portal::push` mints only for NULL.
        "UPDATE challenges SET session = '' WHERE user = ?1 AND kind = 'login' AND session IS NULL",
        [user],
    )?;
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
    )?;
    Ok(ended)
}
