//! Brute-force protection for TOTP verification. With ±1 step three of the
//! million codes match, so an unthrottled guesser wins in about a minute.
//! After `MAX_FAILURES` consecutive wrong codes the user's TOTP is locked for
//! `BASE_LOCK_SECONDS`, doubling with each further lockout up to
//! `MAX_LOCK_SECONDS`; while locked every attempt, right or wrong, is
//! `rate_limited` and not checked. A right code resets both counters. The
//! counters are read and written in the verification's own transaction.
//! (Keycloak's brute-force detection and Okta's lockout work the same way.)

use crate::db::{DbResult, Sql, params};
use countersign_otp::clock::UnixTime;

use crate::store;

/// Consecutive wrong codes that lock the user's TOTP.
pub const MAX_FAILURES: i64 = 5;
/// The first lockout; each further one doubles it.
pub const BASE_LOCK_SECONDS: i64 = 60;
/// The longest lockout.
pub const MAX_LOCK_SECONDS: i64 = 3600;

/// The user's throttle state as read at the start of a verification.
#[derive(Debug, Clone, Copy)]
pub struct Throttle {
    pub failures: i64,
    pub lockouts: i64,
    pub locked_until: Option<UnixTime>,
}

impl Throttle {
    /// Seconds until the user may try again, if locked now.
    pub fn locked_for(&self, now: UnixTime) -> Option<i64> {
        self.locked_until
            .filter(|until| *until > now)
            .map(|until| until - now)
    }
}

pub fn lock_seconds(lockouts_before: i64) -> i64 {
    let doublings = u32::try_from(lockouts_before.clamp(0, 16)).unwrap_or(16);
    (BASE_LOCK_SECONDS << doublings).min(MAX_LOCK_SECONDS)
}

/// Records a wrong code; returns the lock length if this failure locked.
pub async fn record_failure(
    tx: &impl Sql,
    user: &str,
    throttle: Throttle,
    now: UnixTime,
) -> DbResult<Option<i64>> {
    let failures = throttle.failures + 1;
    if failures < MAX_FAILURES {
        tx.execute(
            "UPDATE users SET totp_failures = ?2 WHERE name = ?1",
            params![user, failures],
        )
        .await?;
        return Ok(None);
    }
    let seconds = lock_seconds(throttle.lockouts);
    tx.execute(
        "UPDATE users SET totp_failures = 0, totp_lockouts = totp_lockouts + 1,
           totp_locked_until = ?2 WHERE name = ?1",
        params![user, now + seconds],
    )
    .await?;
    store::audit(
        tx,
        now,
        "totp_locked",
        Some(user),
        None,
        Some("too_many_failures"),
        Some(&format!(
            "{MAX_FAILURES} wrong codes in a row; locked for {seconds} s"
        )),
    )
    .await?;
    Ok(Some(seconds))
}

/// A right code: the user starts afresh.
pub async fn record_success(tx: &impl Sql, user: &str) -> DbResult<()> {
    clear(tx, user).await
}

/// Lifts the throttle (right code, admin unlock, reset, new TOTP secret).
pub async fn clear(db: &impl Sql, user: &str) -> DbResult<()> {
    db.execute(
        "UPDATE users SET totp_failures = 0, totp_lockouts = 0, totp_locked_until = NULL WHERE name = ?1",
        params![user],
    ).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockouts_double_up_to_an_hour() {
        let seconds: Vec<i64> = (0..9).map(lock_seconds).collect();
        assert_eq!(seconds, [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
        assert_eq!(lock_seconds(1_000), 3600);
    }
}
