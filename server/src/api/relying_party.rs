//! The relying-party API (docs/protocol.md section 8.1-8.2): start a push, wait
//! for or poll its outcome, verify a TOTP code once.

use std::time::Duration;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use countersign_protocol::wire::{ChallengeKind, ProblemType};
use serde::Deserialize;

use crate::auth::RelyingParty;
use crate::context::ContextInput;
use crate::db::Backend;
use crate::extract::JsonBody;
use crate::ids::IdPath;
use crate::problem::ApiError;
use crate::rules::{self, PushCreated, PushStatus};
use crate::state::{AppState, Shared};
use crate::totp;

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
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
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
    )
    .await?;
    Ok((StatusCode::CREATED, Json(with_risk(&created))))
}

/// The push as the relying party sees it: with its risk (`crate::risk`),
/// which the portal's answers leave out.
fn with_risk(created: &PushCreated) -> serde_json::Value {
    let mut reply = serde_json::to_value(created).unwrap_or_default();
    if let Some(risk) = &created.risk {
        reply["risk"] = serde_json::to_value(risk).unwrap_or_default();
    }
    reply
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
            let db = state.db().await?;
            rules::push_status(&db, id, state.now())
                .await
                .map_err(|e| state.storage(e))?
        }
        .ok_or_else(|| state.problem(ProblemType::NotFound, "no such push"))?;
        if status.status != "pending" || tokio::time::Instant::now() >= deadline {
            return Ok(status);
        }
        let recheck = match state.database().backend() {
            // Decisions on any instance arrive as NOTIFY (and a listener that
            // reconnects wakes everyone): re-read only when the push expires.
            Backend::Postgres => {
                Duration::from_secs(u64::try_from(status.exp - state.now()).unwrap_or(0).max(1))
            }
            // Re-check at least once a second: expiry, and the server's own
            // decisions (revocation, a fraud report's denials), wake no one.
            Backend::Sqlite => Duration::from_secs(1),
        };
        let _ = tokio::time::timeout(
            deadline
                .saturating_duration_since(tokio::time::Instant::now())
                .min(recheck),
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
) -> Result<Json<serde_json::Value>, ApiError> {
    let status = wait_for_status(&state, &id, query.wait).await?;
    let mut reply = serde_json::to_value(&status).unwrap_or_default();
    if let Some(risk) = &status.risk {
        reply["risk"] = serde_json::to_value(risk).unwrap_or_default();
    }
    reply["delivery"] = serde_json::Value::from(status.delivery);
    Ok(Json(reply))
}

/// Withdraws a push the relying party no longer needs (the user typed a code
/// instead, or the login gave up): it expires now, so the phone stops
/// offering it, an answer to it is refused as expired, and it no longer
/// counts against the pending limit. A push already decided keeps its
/// outcome; the reply is the push's status either way.
pub async fn withdraw_push(
    State(state): State<Shared>,
    IdPath(id): IdPath,
    RelyingParty(who): RelyingParty,
) -> Result<Json<serde_json::Value>, ApiError> {
    let now = state.now();
    {
        let db = state.db().await?;
        let storage = |e| state.storage(e);
        let status = rules::push_status(&db, &id, now)
            .await
            .map_err(storage)?
            .ok_or_else(|| state.problem(ProblemType::NotFound, "no such push"))?;
        if rules::withdraw_push(&db, &id, now).await.map_err(storage)? {
            crate::store::audit_by(
                &db,
                now,
                "push_withdrawn",
                Some(&who),
                Some(&status.user),
                Some(&status.resource),
                None,
                Some(&serde_json::json!({ "push": id }).to_string()),
            )
            .await
            .map_err(storage)?;
        }
    }
    state.decided.notify_waiters();
    let status = wait_for_status(&state, &id, None).await?;
    Ok(Json(serde_json::to_value(&status).unwrap_or_default()))
}

#[derive(Debug, Deserialize)]
pub struct TotpVerify {
    pub user: String,
    pub code: String,
    /// The address of the person typing the code, as the relying party sees
    /// it: wrong codes are then also counted per address (spraying codes
    /// over many users). Without it only the per-user count applies: the
    /// caller's own address is the relying party's, shared by all its users.
    #[serde(default)]
    pub ip: Option<String>,
}

/// ±1 step, a code (its step) is accepted once only, and wrong codes are
/// throttled per user (see `totp_throttle`) and, with `ip`, per address.
pub async fn verify_totp(
    State(state): State<Shared>,
    RelyingParty(who): RelyingParty,
    JsonBody(request): JsonBody<TotpVerify>,
) -> Result<Json<serde_json::Value>, ApiError> {
    crate::ids::check_user_name(&state, &request.user)?;
    if request
        .ip
        .as_ref()
        .is_some_and(|ip| ip.len() > 200 || ip.chars().any(char::is_control))
    {
        return Err(state.problem(
            ProblemType::MalformedRequest,
            "ip is at most 200 characters, without control characters",
        ));
    }
    let guesser = request.ip.as_deref();
    totp::verify(&state, &request.user, &request.code, &who, guesser).await?;
    Ok(Json(
        serde_json::json!({ "ok": true, "server_time": state.now() }),
    ))
}
