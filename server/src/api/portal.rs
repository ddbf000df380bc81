//! A minimal user portal, the relying party built into the reference server: sign
//! in with a push, step up for a sensitive action (a denied step-up ends the
//! session), and reset a password (completed only on approval).
//!
//! The portal is unauthenticated, so it must not be an oracle or a way round
//! the push: its sign-in answers are the same whether the user exists, is
//! enrolled or is fraud-locked (a decoy handle that is never approved); the
//! push context's address is the connection's (or a trusted proxy's
//! `X-Forwarded-For`), not the caller's say-so; and the session an approved
//! sign-in creates goes only to the browser that holds the sign-in's hand-off
//! secret, once.

use crate::db::{Sql, params};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use countersign_protocol::wire::{ChallengeKind, Context, ProblemType};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::api::relying_party::wait_for_status;
use crate::auth::audit_refusal;
use crate::client_addr::ClientAddr;
use crate::context::ContextInput;
use crate::extract::JsonBody;
use crate::ids::IdPath;
use crate::problem::ApiError;
use crate::rules::{self, PushCreated, PushOrigin, random_id};
use crate::sessions;
use crate::state::{AppState, Shared};
use crate::store::{self, Who};
use crate::tokens::token_hash;

/// The resource every portal push is for.
pub const PORTAL_RESOURCE: &str = "portal";

/// The header (or `?handoff=` query member) that carries the hand-off secret.
pub const HANDOFF_HEADER: &str = "countersign-handoff";

#[derive(Debug, Deserialize)]
pub struct PortalRequest {
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub context: Option<ContextInput>,
}

/// A portal push, with the hand-off secret for a sign-in.
#[derive(Debug, Serialize)]
pub struct PortalPush {
    #[serde(flatten)]
    pub push: PushCreated,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handoff: Option<String>,
}

fn session_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Session "))
}

/// The user of a live session (using it), or `unauthorized`; a refused
/// session token is audited with the caller's address.
async fn session_user(
    state: &AppState,
    headers: &HeaderMap,
    client: &ClientAddr,
) -> Result<(String, String), ApiError> {
    let refuse = async |outcome: &str, detail: &str| {
        let who = Who::new("portal session", client.0.clone());
        audit_refusal(state, "session_refused", &who, None, outcome).await;
        state.problem(ProblemType::Unauthorized, detail)
    };
    let Some(token) = session_token(headers) else {
        return Err(refuse("no_session", "sign in first").await);
    };
    let user = {
        let db = state.db().await?;
        sessions::authenticate(&db, token, state.now())
            .await
            .map_err(|e| state.storage(e))?
    };
    match user {
        Some(user) => Ok((user, token.to_owned())),
        None => Err(refuse("ended_or_unknown", "this session has ended; sign in again").await),
    }
}

fn needs_user(state: &AppState, request: &PortalRequest) -> Result<String, ApiError> {
    let user = request
        .user
        .clone()
        .ok_or_else(|| state.problem(ProblemType::MalformedRequest, "user is required"))?;
    crate::ids::check_user_name(state, &user)?;
    Ok(user)
}

/// What the phone shows for a portal push: the browser's address as the
/// server sees it, and the browser and OS it claims (length-checked). A
/// `location`, coordinates, network or `ip` from the caller is ignored: the
/// server cannot vouch for them, and a caller could send a victim's usual
/// place to hide from the risk signals.
pub(crate) fn portal_context(
    state: &AppState,
    client: &ClientAddr,
    request: Option<ContextInput>,
) -> Result<Context, ApiError> {
    let mut context = request.unwrap_or_default();
    context.ip = Some(client.0.clone());
    context.location = None;
    context.time = None;
    context.lat = None;
    context.lon = None;
    context.network = None;
    context.validate(state)
}

/// Starts a portal push; for a user who cannot receive one, a decoy with the
/// same shape, so the answer does not say whether the user exists. A push
/// refused as too risky gets a decoy too: a `risk_refused` only real users
/// can earn would tell them from unknown names.
async fn portal_push(
    state: &AppState,
    user: &str,
    kind: ChallengeKind,
    context: Context,
    origin: &PushOrigin,
) -> Result<PushCreated, ApiError> {
    match rules::create_push(state, user, PORTAL_RESOURCE, kind, context.clone(), origin).await {
        Err(error)
            if matches!(
                error.kind(),
                Some(ProblemType::NotFound | ProblemType::NotEnrolled | ProblemType::FraudLocked)
            ) || crate::risk::is_refusal(&error) =>
        {
            let why = error
                .kind()
                .map_or(crate::risk::REFUSED_PROBLEM, ProblemType::name);
            rules::create_decoy(state, user, PORTAL_RESOURCE, kind, &context, why, origin).await
        }
        other => other,
    }
}

pub async fn login(
    State(state): State<Shared>,
    client: ClientAddr,
    JsonBody(request): JsonBody<PortalRequest>,
) -> Result<(StatusCode, Json<PortalPush>), ApiError> {
    let user = needs_user(&state, &request)?;
    let context = portal_context(&state, &client, request.context)?;
    // Returned only to this caller; only its holder can collect the session.
    let handoff = random_id("", 32);
    let origin = PushOrigin {
        handoff_hash: Some(token_hash(&handoff)),
        who: Some(Who::new("portal", client.0.clone())),
        ..PushOrigin::default()
    };
    let push = portal_push(&state, &user, ChallengeKind::Login, context, &origin).await?;
    Ok((
        StatusCode::CREATED,
        Json(PortalPush {
            push,
            handoff: Some(handoff),
        }),
    ))
}

pub async fn step_up(
    State(state): State<Shared>,
    client: ClientAddr,
    headers: HeaderMap,
    JsonBody(request): JsonBody<PortalRequest>,
) -> Result<(StatusCode, Json<PushCreated>), ApiError> {
    let (user, session) = session_user(&state, &headers, &client).await?;
    let context = portal_context(&state, &client, request.context)?;
    let origin = PushOrigin {
        session: Some(token_hash(&session)),
        who: Some(Who::new(format!("portal:{user}"), client.0.clone())),
        ..PushOrigin::default()
    };
    let created = rules::create_push(
        &state,
        &user,
        PORTAL_RESOURCE,
        ChallengeKind::StepUp,
        context,
        &origin,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

pub async fn password_reset(
    State(state): State<Shared>,
    client: ClientAddr,
    JsonBody(request): JsonBody<PortalRequest>,
) -> Result<(StatusCode, Json<PushCreated>), ApiError> {
    let user = needs_user(&state, &request)?;
    let context = portal_context(&state, &client, request.context)?;
    let created = portal_push(
        &state,
        &user,
        ChallengeKind::PasswordReset,
        context,
        &PushOrigin {
            who: Some(Who::new("portal", client.0.clone())),
            ..PushOrigin::default()
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[derive(Debug, Deserialize)]
pub struct PortalPushQuery {
    #[serde(default)]
    pub wait: Option<u64>,
}

/// A portal push's outcome. An approved portal sign-in hands out its session
/// once, and only to the holder of the sign-in's hand-off secret.
pub async fn push(
    State(state): State<Shared>,
    IdPath(id): IdPath,
    client: ClientAddr,
    headers: HeaderMap,
    Query(query): Query<PortalPushQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let status = wait_for_status(&state, &id, query.wait).await?;
    if state.now() > status.exp + rules::PORTAL_HANDLE_SECONDS {
        return Err(state.problem(ProblemType::NotFound, "no such push"));
    }
    let mut reply = serde_json::to_value(&status).unwrap_or_default();
    // A header only: a query member would end up in access logs, history and
    // Referer headers.
    let presented = headers
        .get(HANDOFF_HEADER)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let holds_handoff = match (&status.handoff_hash, presented) {
        (Some(expected), Some(presented)) => {
            bool::from(expected.as_bytes().ct_eq(token_hash(&presented).as_bytes()))
        }
        _ => false,
    };
    if status.kind == "login"
        && status.resource == PORTAL_RESOURCE
        && status.status == "approved"
        && status.session.is_none()
        && holds_handoff
    {
        let now = state.now();
        let db = state.db().await?;
        let storage = |e| state.storage(e);
        let token = sessions::create(&db, &status.user, now)
            .await
            .map_err(storage)?;
        // The claim and the session are one step: a second reader loses.
        let claimed = db
            .execute(
                "UPDATE challenges SET session = ?2 WHERE id = ?1 AND session IS NULL",
                params![id, token_hash(&token)],
            )
            .await
            .map_err(storage)?;
        if claimed == 1 {
            store::audit_by(
                &db,
                now,
                "portal_signed_in",
                Some(&Who::new("portal", client.0.clone())),
                Some(&status.user),
                Some(PORTAL_RESOURCE),
                None,
                Some(&id),
            )
            .await
            .map_err(storage)?;
            reply["session"] = serde_json::Value::from(token);
        } else {
            sessions::discard(&db, &token).await.map_err(storage)?;
        }
    }
    Ok(Json(reply))
}

pub async fn me(
    State(state): State<Shared>,
    client: ClientAddr,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (user, _) = session_user(&state, &headers, &client).await?;
    Ok(Json(
        serde_json::json!({ "user": user, "server_time": state.now() }),
    ))
}
