//! TOTP verification for the relying-party API and the portal: a code is
//! accepted once (its step must be newer than the last accepted one), within
//! one step of drift, under the user's brute-force throttle
//! (`totp_throttle`), and every attempt is audited.

use crate::db::{OptionalExtension, Sql, params};
use countersign_otp::otp::OtpParams;
use countersign_protocol::wire::ProblemType;

use crate::attempt_throttle::{self, Attempt};
use crate::problem::ApiError;
use crate::state::AppState;
use crate::store::{self, Who};
use crate::totp_throttle::{self, Throttle};

/// Checks `code` for `user`; `Ok` only for a right code not used before.
/// `guesser` is the address of the person who typed it, when known: wrong
/// codes count against it too.
pub async fn verify(
    state: &AppState,
    user: &str,
    code: &str,
    who: &Who,
    guesser: Option<&str>,
) -> Result<(), ApiError> {
    if code.is_empty() || code.len() > 10 {
        return Err(state.problem(
            ProblemType::MalformedRequest,
            "a TOTP code is 1 to 10 digits",
        ));
    }
    let now = state.now();
    let mut db = state.db().await?;
    let storage = |e| state.storage(e);
    // Read, verify and count in one transaction: concurrent guesses cannot
    // each see the counter before the other's failure is written.
    let tx = db.transaction().await.map_err(storage)?;
    let row: Option<(Option<Vec<u8>>, Option<i64>, Throttle)> = tx
        .query_row(
            &format!(
                "SELECT totp_secret, totp_last_step, totp_failures, totp_lockouts, totp_locked_until
                 FROM users WHERE name = ?1{}",
                tx.for_update()
            ),
            params![&user],
            |row| {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    Throttle {
                        failures: row.get(2)?,
                        lockouts: row.get(3)?,
                        locked_until: row.get(4)?,
                    },
                ))
            },
        )
        .await
        .optional()
        .map_err(storage)?;
    let Some((Some(secret), last_step, throttle)) = row else {
        return Err(state.problem(
            ProblemType::NotEnrolled,
            "the user has no TOTP authenticator",
        ));
    };
    // Every attempt is audited, with its outcome.
    let audit = async |tx: &crate::db::Tx<'_>, outcome: &str| {
        store::audit_by(
            tx,
            now,
            "totp_verified",
            Some(who),
            Some(user),
            None,
            Some(outcome),
            None,
        )
        .await
        .map_err(storage)
    };
    let address_locked = match guesser {
        Some(address) => attempt_throttle::locked_for(&tx, Attempt::Totp, None, address, now)
            .await
            .map_err(storage)?,
        None => None,
    };
    if let Some(retry_after) = throttle.locked_for(now).max(address_locked) {
        audit(&tx, "locked").await?;
        tx.commit().await.map_err(storage)?;
        return Err(locked_problem(state, retry_after));
    }
    let matched = OtpParams::default_totp()
        .verify(&state.open_totp(user, &secret)?, code, now, 1)
        .ok()
        .flatten()
        .filter(|matched| last_step.is_none_or(|last| matched.step as i64 > last));
    match matched {
        Some(matched) => {
            tx.execute(
                "UPDATE users SET totp_last_step = ?2 WHERE name = ?1",
                params![user, matched.step as i64],
            )
            .await
            .map_err(storage)?;
            totp_throttle::record_success(&tx, user)
                .await
                .map_err(storage)?;
            audit(&tx, "ok").await?;
            tx.commit().await.map_err(storage)?;
            Ok(())
        }
        None => {
            audit(&tx, "wrong_code").await?;
            let mut locked = totp_throttle::record_failure(&tx, user, throttle, now)
                .await
                .map_err(storage)?;
            if let Some(address) = guesser {
                let address_locked =
                    attempt_throttle::record_failure(&tx, Attempt::Totp, None, address, now)
                        .await
                        .map_err(storage)?;
                locked = locked.max(address_locked);
            }
            tx.commit().await.map_err(storage)?;
            Err(match locked {
                Some(seconds) => locked_problem(state, seconds),
                None => state.problem(
                    ProblemType::WrongCode,
                    "the code is wrong, expired or already used",
                ),
            })
        }
    }
}

pub fn locked_problem(state: &AppState, retry_after: i64) -> ApiError {
    state
        .problem(
            ProblemType::RateLimited,
            "too many wrong codes for this user; try again later",
        )
        .with("retry_after", retry_after)
}
