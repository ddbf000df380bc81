//! The relying-party API (docs/protocol.md section 8.1-8.2): start a push, wait
//! for or poll its outcome, verify a TOTP code once.

use std::time::Duration;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use countersign_otp::otp::OtpParams;
use countersign_otp::secret::SecretBytes;
use countersign_protocol::wire::{ChallengeKind, ProblemType};
use rusqlite::{OptionalExtension, params};
use serde::Deserialize;

use crate::auth::RelyingParty;
use crate::context::ContextInput;
use crate::extract::JsonBody;
use crate::ids::IdPath;
use crate::problem::ApiError;
use crate::rules::{self, PushCreated, PushStatus};
use crate::state::{AppState, Shared};
use crate::store;
use crate::totp_throttle::{self, Throttle};

/// Long polls return after at most this long.
const MAX_WAIT_SECONDS: u64 = 30;

#[derive(Debug, Deserialize)]
pub struct PushRequest {
    pub user: String,
    pub resource: String,
    #[serde(default = "login")]
    pub kind: ChallengeKind,
    #[serde(default)]
    pub context: Option<ContextInput>,
}

fn login() -> ChallengeKind {
    ChallengeKind::Login
}

pub async fn create_push(
    State(state): State<Shared>,
    RelyingParty(who): RelyingParty,
    JsonBody(request): JsonBody<PushRequest>,
) -> Result<(StatusCode, Json<PushCreated>), ApiError> {
    crate::ids::check_user_name(&state, &request.user)?;
    crate::ids::check(&state, "resource", &request.resource)?;
    let context = request.context.unwrap_or_default().validate(&state)?;
    let created = rules::create_push(
        &state,
        &request.user,
        &request.resource,
        request.kind,
        context,
        &rules::PushOrigin {
            who: Some(who),
            ..rules::PushOrigin::default()
        },
    )?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[derive(Debug, Deserialize)]
pub struct WaitQuery {
    #[serde(default)]
    pub wait: Option<u64>,
}

/// The push's status, waiting up to `wait` seconds for it to leave `pending`.
pub async fn wait_for_status(
    state: &AppState,
    id: &str,
    wait: Option<u64>,
) -> Result<PushStatus, ApiError> {
    let deadline =
        tokio::time::Instant::now() + Duration::from_secs(wait.unwrap_or(0).min(MAX_WAIT_SECONDS));
    loop {
        // Register interest before reading, so a decision in between is not missed.
        let decided = state.decided.notified();
        let status = {
            let db = state.db()?;
            rules::push_status(&db, id, state.now()).map_err(|e| state.storage(e))?
        }
        .ok_or_else(|| state.problem(ProblemType::NotFound, "no such push"))?;
        if status.status != "pending" || tokio::time::Instant::now() >= deadline {
            return Ok(status);
        }
        // Re-check at least once a second: expiry happens without a decision.
        let _ = tokio::time::timeout(
            deadline
                .saturating_duration_since(tokio::time::Instant::now())
                .min(Duration::from_secs(1)),
            decided,
        )
        .await;
    }
}

pub async fn get_push(
    State(state): State<Shared>,
    IdPath(id): IdPath,
    Query(query): Query<WaitQuery>,
    _rp: RelyingParty,
) -> Result<Json<PushStatus>, ApiError> {
    Ok(Json(wait_for_status(&state, &id, query.wait).await?))
}

#[derive(Debug, Deserialize)]
pub struct TotpVerify {
    pub user: String,
    pub code: String,
}

/// ±1 step, a code (its step) is accepted once only, and wrong codes are
/// throttled per user (see `totp_throttle`).
pub async fn verify_totp(
    State(state): State<Shared>,
    RelyingParty(who): RelyingParty,
    JsonBody(request): JsonBody<TotpVerify>,
) -> Result<Json<serde_json::Value>, ApiError> {
    crate::ids::check_user_name(&state, &request.user)?;
    if request.code.is_empty() || request.code.len() > 10 {
        return Err(state.problem(
            ProblemType::MalformedRequest,
            "a TOTP code is 1 to 10 digits",
        ));
    }
    let now = state.now();
    let mut db = state.db()?;
    let storage = |e| state.storage(e);
    // Read, verify and count in one transaction: concurrent guesses cannot
    // each see the counter before the other's failure is written.
    let tx = db
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(storage)?;
    let row: Option<(Option<Vec<u8>>, Option<i64>, Throttle)> = tx
        .query_row(
            "SELECT totp_secret, totp_last_step, totp_failures, totp_lockouts, totp_locked_until
             FROM users WHERE name = ?1",
            [&request.user],
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
        .optional()
        .map_err(storage)?;
    let Some((Some(secret), last_step, throttle)) = row else {
        return Err(state.problem(
            ProblemType::NotEnrolled,
            "the user has no TOTP authenticator",
        ));
    };
    // Every attempt is audited, with its outcome.
    let audit = |outcome: &str| {
        store::audit_by(
            &tx,
            now,
            "totp_verified",
            Some(&who),
            Some(&request.user),
            None,
            Some(outcome),
            None,
        )
        .map_err(storage)
    };
    if let Some(retry_after) = throttle.locked_for(now) {
        audit("locked")?;
        tx.commit().map_err(storage)?;
        return Err(locked_problem(&state, retry_after));
    }
    let matched = OtpParams::default_totp()
        .verify(&SecretBytes::new(secret), &request.code, now, 1)
        .ok()
        .flatten()
        .filter(|matched| last_step.is_none_or(|last| matched.step as i64 > last));
    match matched {
        Some(matched) => {
            tx.execute(
                "UPDATE users SET totp_last_step = ?2 WHERE name = ?1",
                params![request.user, matched.step as i64],
            )
            .map_err(storage)?;
            totp_throttle::record_success(&tx, &request.user).map_err(storage)?;
            audit("ok")?;
            tx.commit().map_err(storage)?;
            Ok(Json(serde_json::json!({ "ok": true, "server_time": now })))
        }
        None => {
            audit("wrong_code")?;
            let locked = totp_throttle::record_failure(&tx, &request.user, throttle, now)
                .map_err(storage)?;
            tx.commit().map_err(storage)?;
            Err(match locked {
                Some(seconds) => locked_problem(&state, seconds),
                None => state.problem(
                    ProblemType::WrongCode,
                    "the code is wrong, expired or already used",
                ),
            })
        }
    }
}

fn locked_problem(state: &AppState, retry_after: i64) -> ApiError {
    state
        .problem(
            ProblemType::RateLimited,
            "too many wrong codes for this user; try again later",
        )
        .with("retry_after", retry_after)
}
