//! Brute-force protection for portal passwords, counted twice: per account
//! name (a guesser trying one user's password) and per client address (one
//! address trying many users: password spraying). Past the limit the key is
//! locked with the TOTP throttle's back-off (one minute, doubling to an
//! hour); while either key is locked no password is checked. The account key
//! is the name as typed, whether or not the user exists, so a lock says
//! nothing about who has an account. A right password clears the account's
//! count, not the address's (a sprayer who knows one password must not reset
//! its own counter).

use crate::db::{DbResult, OptionalExtension, Sql, params};
use countersign_otp::clock::UnixTime;

use crate::store;
use crate::totp_throttle::lock_seconds;

/// Wrong passwords in a row that lock an account name.
pub const ACCOUNT_FAILURES: i64 = 5;
/// Wrong passwords from one address that lock it.
pub const ADDRESS_FAILURES: i64 = 20;

fn account_key(user: &str) -> String {
    format!("user:{}", user.to_lowercase())
}

fn address_key(address: &str) -> String {
    format!("addr:{address}")
}

/// Seconds until a sign-in for `user` from `address` may be tried, if locked.
pub async fn locked_for(
    db: &impl Sql,
    user: &str,
    address: &str,
    now: UnixTime,
) -> DbResult<Option<i64>> {
    let mut longest = None;
    for key in [account_key(user), address_key(address)] {
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

/// Counts a wrong password against both keys; returns the lock, if one started.
pub async fn record_failure(
    db: &impl Sql,
    user: &str,
    address: &str,
    now: UnixTime,
) -> DbResult<Option<i64>> {
    let mut locked = None;
    for (key, limit) in [
        (account_key(user), ACCOUNT_FAILURES),
        (address_key(address), ADDRESS_FAILURES),
    ] {
        db.execute(
            "INSERT INTO login_failures (key, failures, lockouts) VALUES (?1, 1, 0)
             ON CONFLICT (key) DO UPDATE SET failures = login_failures.failures + 1",
            params![&key],
        )
        .await?;
        let (failures, lockouts): (i64, i64) = db
            .query_row(
                "SELECT failures, lockouts FROM login_failures WHERE key = ?1",
                params![&key],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .await?;
        if failures >= limit {
            let seconds = lock_seconds(lockouts);
            db.execute(
                "UPDATE login_failures SET failures = 0, lockouts = lockouts + 1, locked_until = ?2
                 WHERE key = ?1",
                params![key, now + seconds],
            )
            .await?;
            store::audit(
                db,
                now,
                "sign_in_locked",
                key.strip_prefix("user:"),
                Some("portal"),
                Some("too_many_failures"),
                Some(&format!(
                    "{limit} wrong passwords for {key}; locked for {seconds} s"
                )),
            )
            .await?;
            locked = locked.max(Some(seconds));
        }
    }
    Ok(locked)
}

/// A right password: the account name starts afresh.
pub async fn record_success(db: &impl Sql, user: &str) -> DbResult<()> {
    db.execute(
        "DELETE FROM login_failures WHERE key = ?1",
        params![account_key(user)],
    )
    .await?;
    Ok(())
}

/// An administrator's unlock (or a password reset) clears the account name.
pub async fn clear(db: &impl Sql, user: &str) -> DbResult<()> {
    record_success(db, user).await
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
    db.execute(
        "INSERT INTO request_counts (key, window_start, count) VALUES (?1, ?2, 0)
         ON CONFLICT (key) DO UPDATE SET window_start = excluded.window_start, count = 0
           WHERE request_counts.window_start <= ?2 - ?3",
        params![key, now, window],
    )
    .await?;
    let (start, count): (i64, i64) = db
        .query_row(
            "SELECT window_start, count FROM request_counts WHERE key = ?1",
            params![key],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .await?;
    if count >= limit {
        return Ok(Err((start + window - now).max(1)));
    }
    db.execute(
        "UPDATE request_counts SET count = count + 1 WHERE key = ?1",
        params![key],
    )
    .await?;
    Ok(Ok(()))
}
