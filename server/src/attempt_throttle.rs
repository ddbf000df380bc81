//! Brute-force protection for guesses, counted twice: per user (a guesser
//! trying one account) and per client address (one address trying many
//! accounts: spraying). Three kinds of attempt are counted, each with its own
//! keys and limits: portal passwords, TOTP codes (whose per-user count lives
//! with the user, `totp_throttle`) and enrollment codes. Past the limit a key
//! is locked with the TOTP throttle's back-off (one minute, doubling to an
//! hour) and the lock is audited; while a key is locked nothing is checked.
//! The counts live in the database (`login_failures`), so they hold across
//! instances: a failure is counted and read back in one statement, and only
//! one of several instances that reach the limit together starts the lock.
//!
//! A sign-in's account key is the name as typed, whether or not the user
//! exists, so a lock says nothing about who has an account. A right password
//! clears the account's count, not the address's (a sprayer who knows one
//! password must not reset its own counter).

use crate::db::{DbResult, OptionalExtension, Sql, params};
use countersign_otp::clock::UnixTime;

use crate::store;
use crate::totp_throttle::lock_seconds;

/// What is being guessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// A portal (or admin) password.
    SignIn,
    /// A TOTP code (per address here; per user in `totp_throttle`).
    Totp,
    /// An enrollment code (the QR code's token) and its proof.
    Enrollment,
}

impl Attempt {
    /// Key prefix: sign-ins keep the keys they had before the others existed.
    fn prefix(self) -> &'static str {
        match self {
            Attempt::SignIn => "",
            Attempt::Totp => "totp:",
            Attempt::Enrollment => "enroll:",
        }
    }

    /// Failures in a row that lock one user's key.
    pub fn user_limit(self) -> i64 {
        match self {
            Attempt::SignIn => 5,
            Attempt::Totp => crate::totp_throttle::MAX_FAILURES,
            Attempt::Enrollment => 10,
        }
    }

    /// Failures from one address that lock it.
    pub fn address_limit(self) -> i64 {
        match self {
            Attempt::SignIn | Attempt::Totp => 20,
            Attempt::Enrollment => 10,
        }
    }

    fn event(self) -> &'static str {
        match self {
            Attempt::SignIn => "sign_in_locked",
            Attempt::Totp => "totp_locked",
            Attempt::Enrollment => "enroll_locked",
        }
    }

    fn what(self) -> &'static str {
        match self {
            Attempt::SignIn => "wrong passwords",
            Attempt::Totp => "wrong TOTP codes",
            Attempt::Enrollment => "refused enrollment codes",
        }
    }

    fn user_key(self, user: &str) -> String {
        format!("{}user:{}", self.prefix(), user.to_lowercase())
    }

    fn address_key(self, address: &str) -> String {
        format!("{}addr:{address}", self.prefix())
    }

    fn keys(self, user: Option<&str>, address: &str) -> Vec<(String, i64)> {
        let mut keys = vec![(self.address_key(address), self.address_limit())];
        if let Some(user) = user {
            keys.insert(0, (self.user_key(user), self.user_limit()));
        }
        keys
    }
}

/// Seconds until `attempt` for `user` (if known) from `address` may be
/// tried again, if either is locked.
pub async fn locked_for(
    db: &impl Sql,
    attempt: Attempt,
    user: Option<&str>,
    address: &str,
    now: UnixTime,
) -> DbResult<Option<i64>> {
    locked_keys(db, attempt.keys(user, address), now).await
}

/// Seconds until `attempt` for `user` may be tried again, if their key is locked.
pub async fn locked_for_user(
    db: &impl Sql,
    attempt: Attempt,
    user: &str,
    now: UnixTime,
) -> DbResult<Option<i64>> {
    locked_keys(
        db,
        vec![(attempt.user_key(user), attempt.user_limit())],
        now,
    )
    .await
}

async fn locked_keys(
    db: &impl Sql,
    keys: Vec<(String, i64)>,
    now: UnixTime,
) -> DbResult<Option<i64>> {
    let mut longest = None;
    for (key, _) in keys {
        let until: Option<Option<i64>> = db
            .query_row(
                "SELECT locked_until FROM login_failures WHERE key = ?1",
                params![&key],
                |row| row.get(0),
            )
            .await
            .optional()?;
        if let Some(until) = until.flatten().filter(|until| *until > now) {
            longest = longest.max(Some(until - now));
        }
    }
    Ok(longest)
}

/// Counts a failure against the user's key (if known) and the address's;
/// returns the lock, if one started.
pub async fn record_failure(
    db: &impl Sql,
    attempt: Attempt,
    user: Option<&str>,
    address: &str,
    now: UnixTime,
) -> DbResult<Option<i64>> {
    record_keys(db, attempt, user, attempt.keys(user, address), now).await
}

/// Counts a failure against the user's key only (the address is counted
/// where the request is refused).
pub async fn record_user_failure(
    db: &impl Sql,
    attempt: Attempt,
    user: &str,
    now: UnixTime,
) -> DbResult<Option<i64>> {
    let keys = vec![(attempt.user_key(user), attempt.user_limit())];
    record_keys(db, attempt, Some(user), keys, now).await
}

async fn record_keys(
    db: &impl Sql,
    attempt: Attempt,
    user: Option<&str>,
    keys: Vec<(String, i64)>,
    now: UnixTime,
) -> DbResult<Option<i64>> {
    let mut locked = None;
    for (key, limit) in keys {
        let (failures, lockouts): (i64, i64) = db
            .query_row(
                "INSERT INTO login_failures (key, failures, lockouts) VALUES (?1, 1, 0)
                 ON CONFLICT (key) DO UPDATE SET failures = login_failures.failures + 1
                 RETURNING failures, lockouts",
                params![&key],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .await?;
        if failures < limit {
            continue;
        }
        let seconds = lock_seconds(lockouts);
        let started = db
            .execute(
                "UPDATE login_failures SET failures = 0, lockouts = lockouts + 1, locked_until = ?2
                 WHERE key = ?1 AND failures >= ?3",
                params![&key, now + seconds, limit],
            )
            .await?;
        if started == 0 {
            // Another request (or instance) reached the limit too and locked it.
            continue;
        }
        // An address's lock names no user: it was many users' names.
        let locked_user = user.filter(|user| key == attempt.user_key(user));
        store::audit(
            db,
            now,
            attempt.event(),
            locked_user,
            (attempt == Attempt::SignIn).then_some("portal"),
            Some("too_many_failures"),
            Some(&format!(
                "{limit} {} for {key}; locked for {seconds} s",
                attempt.what()
            )),
        )
        .await?;
        locked = locked.max(Some(seconds));
    }
    Ok(locked)
}

/// A success: the user's key starts afresh (the address's does not).
pub async fn record_success(db: &impl Sql, attempt: Attempt, user: &str) -> DbResult<()> {
    db.execute(
        "DELETE FROM login_failures WHERE key = ?1",
        params![attempt.user_key(user)],
    )
    .await?;
    Ok(())
}

/// An administrator's unlock (or a password reset) clears the user's keys.
pub async fn clear(db: &impl Sql, user: &str) -> DbResult<()> {
    for attempt in [Attempt::SignIn, Attempt::Enrollment] {
        record_success(db, attempt, user).await?;
    }
    Ok(())
}

/// Counts one request under `key` in a fixed window of `window` seconds;
/// `Err(seconds until the window ends)` once `limit` were made in it. For
/// requests that cost someone else (a mail sent), not for guesses.
pub async fn count_request(
    db: &impl Sql,
    key: &str,
    limit: i64,
    window: i64,
    now: UnixTime,
) -> DbResult<Result<(), i64>> {
    // A window that ended starts afresh; then one statement counts this
    // request only while under the limit, so concurrent requests (on any
    // instance) cannot all slip in below it.
    db.execute(
        "INSERT INTO request_counts (key, window_start, count) VALUES (?1, ?2, 0)
         ON CONFLICT (key) DO UPDATE SET window_start = excluded.window_start, count = 0
           WHERE request_counts.window_start <= ?2 - ?3",
        params![key, now, window],
    )
    .await?;
    let counted = db
        .execute(
            "UPDATE request_counts SET count = count + 1 WHERE key = ?1 AND count < ?2",
            params![key, limit],
        )
        .await?;
    if counted == 1 {
        return Ok(Ok(()));
    }
    let start: i64 = db
        .query_row(
            "SELECT window_start FROM request_counts WHERE key = ?1",
            params![key],
            |row| row.get(0),
        )
        .await?;
    Ok(Err((start + window - now).max(1)))
}
