//! A minimal user portal, the relying party built into the reference server: sign
//! in with a push, step up for a sensitive action (a denied step-up ends the
//! session), and reset a password (completed only on approval).

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use countersign_core::push::wire::{ChallengeKind, ProblemType};
use rusqlite::{OptionalExtension, params};
use serde::Deserialize;

use crate::api::relying_party::{WaitQuery, wait_for_status};
use crate::context::ContextInput;
use crate::extract::JsonBody;
use crate::ids::IdPath;
use crate::problem::ApiError;
use crate::rules::{self, PushCreated, random_id};
use crate::state::{AppState, Shared};
use crate::store;

/// The resource every portal push is for.
pub const PORTAL_RESOURCE: &str = "portal";

#[derive(Debug, Deserialize)]
pub struct PortalRequest {
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub context: Option<ContextInput>,
}

fn session_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Session "))
}

/// The user of an active session, or `unauthorized`.
fn session_user(state: &AppState, headers: &HeaderMap) -> Result<(String, String), ApiError> {
    let token = session_token(headers)
        .ok_or_else(|| state.problem(ProblemType::Unauthorized, "sign in first"))?;
    let db = state.db()?;
    let user: Option<String> = db
        .query_row(
            "SELECT user FROM sessions WHERE token = ?1 AND revoked_at IS NULL",
            [token],
            |row| row.get(0),
        )
        .optional()
        .map_err(|e| state.storage(e))?;
    user.map(|user| (user, token.to_owned())).ok_or_else(|| {
        state.problem(
            ProblemType::Unauthorized,
            "this session has ended; sign in again",
        )
    })
}

fn needs_user(state: &AppState, request: &PortalRequest) -> Result<String, ApiError> {
    request
        .user
        .clone()
        .ok_or_else(|| state.problem(ProblemType::MalformedRequest, "user is required"))
}

pub async fn login(
    State(state): State<Shared>,
    JsonBody(request): JsonBody<PortalRequest>,
) -> Result<(StatusCode, Json<PushCreated>), ApiError> {
    let user = needs_user(&state, &request)?;
    let created = rules::create_push(
        &state,
        &user,
        PORTAL_RESOURCE,
        ChallengeKind::Login,
        request.context.unwrap_or_default().validate(&state)?,
        None,
    )?;
    Ok((StatusCode::CREATED, Json(created)))
}

pub async fn step_up(
    State(state): State<Shared>,
    headers: HeaderMap,
    JsonBody(request): JsonBody<PortalRequest>,
) -> Result<(StatusCode, Json<PushCreated>), ApiError> {
    let (user, session) = session_user(&state, &headers)?;
    let created = rules::create_push(
        &state,
        &user,
        PORTAL_RESOURCE,
        ChallengeKind::StepUp,
        request.context.unwrap_or_default().validate(&state)?,
        Some(&session),
    )?;
    Ok((StatusCode::CREATED, Json(created)))
}

pub async fn password_reset(
    State(state): State<Shared>,
    JsonBody(request): JsonBody<PortalRequest>,
) -> Result<(StatusCode, Json<PushCreated>), ApiError> {
    let user = needs_user(&state, &request)?;
    let created = rules::create_push(
        &state,
        &user,
        PORTAL_RESOURCE,
        ChallengeKind::PasswordReset,
        request.context.unwrap_or_default().validate(&state)?,
        None,
    )?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// A portal push's outcome; an approved sign-in hands out its session once.
pub async fn push(
    State(state): State<Shared>,
    IdPath(id): IdPath,
    Query(query): Query<WaitQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let status = wait_for_status(&state, &id, query.wait).await?;
    let mut reply = serde_json::to_value(&status).unwrap_or_default();
    if status.kind == "login" && status.status == "approved" && status.session.is_none() {
        let token = random_id("ss_", 24);
        let now = state.now();
        let db = state.db()?;
        let claimed = db
            .execute(
                "UPDATE challenges SET session = ?2 WHERE id = ?1 AND session IS NULL",
                params![id, token],
            )
            .map_err(|e| state.storage(e))?;
        if claimed == 1 {
            db.execute(
                "INSERT INTO sessions (token, user, created_at) VALUES (?1, ?2, ?3)",
                params![token, status.user, now],
            )
            .map_err(|e| state.storage(e))?;
            store::audit(
                &db,
                now,
                "portal_signed_in",
                Some(&status.user),
                Some(PORTAL_RESOURCE),
                None,
                None,
            )
            .map_err(|e| state.storage(e))?;
            reply["session"] = serde_json::Value::from(token);
        }
    }
    Ok(Json(reply))
}

pub async fn me(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (user, _) = session_user(&state, &headers)?;
    Ok(Json(
        serde_json::json!({ "user": user, "server_time": state.now() }),
    ))
}
