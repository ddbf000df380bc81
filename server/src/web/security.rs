//! The portal's Security page: enroll (or replace) the phone by scanning a QR
//! code, with the page turning green by itself once the phone has enrolled;
//! set up TOTP (active only after its first code is confirmed); and Reset
//! Authenticator App (the current code first, then a new secret, confirmed
//! the same way).

use crate::db::{OptionalExtension, Sql, params};
use axum::Form;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use countersign_otp::otp::OtpParams;
use countersign_otp::secret::SecretBytes;
use countersign_protocol::wire::ProblemType;
use minijinja::context;
use serde::Deserialize;

use super::page::{CodeForm, CsrfForm, PageResult, Visit, see_other, signed_out};
use super::qr;
use crate::enrollment;
use crate::problem::ApiError;
use crate::store::{self, Who};
use crate::{totp, totp_throttle};

#[derive(Debug, Deserialize)]
pub struct SecurityQuery {
    #[serde(default)]
    notice: Option<String>,
}

fn notice_text(notice: Option<&str>) -> Option<&'static str> {
    match notice {
        Some("enroll") => Some(
            "Welcome. Protect your account: enroll your phone for push sign-in, \
             or set up an authenticator app.",
        ),
        Some("enrolled") => Some("Your phone is enrolled."),
        Some("waiting") => Some(
            "Your phone has not enrolled yet. If you scanned the code, wait a moment and \
             reload this page; otherwise enroll again.",
        ),
        Some("confirming") => Some(
            "Your phone has enrolled. Approve the request on your phone to finish, then \
             reload this page.",
        ),
        Some("not_confirmed") => Some(
            "Your phone did not confirm the enrollment in time, or it was denied. Enroll again.",
        ),
        Some("totp") => Some("Your authenticator app is set up."),
        _ => None,
    }
}

pub async fn page(visit: Visit, Query(query): Query<SecurityQuery>) -> PageResult {
    let Some(user) = visit.user.clone() else {
        return Ok(signed_out());
    };
    let state = &visit.state;
    let (device, totp) = {
        let db = state.db().await?;
        let storage = |e| state.storage(e);
        let device = match store::current_device(&db, &user).await.map_err(storage)? {
            Some(device) => Some(
                db.query_row(
                    "SELECT name, platform, created_at FROM devices WHERE id = ?1",
                    params![&device.id],
                    |row| {
                        Ok((
                            row.get::<String>(0)?,
                            row.get::<String>(1)?,
                            row.get::<i64>(2)?,
                        ))
                    },
                )
                .await
                .map_err(storage)?,
            ),
            None => None,
        };
        let totp: bool = db
            .query_row(
                "SELECT totp_secret IS NOT NULL FROM users WHERE name = ?1",
                params![&user],
                |row| row.get(0),
            )
            .await
            .map_err(storage)?;
        (
            device.map(|(name, platform, since)| {
                context! {
                    name => name,
                    platform => platform,
                    since => super::date(since),
                }
            }),
            totp,
        )
    };
    Ok(visit
        .page(
            "security.html",
            context! {
                device => device,
                totp => totp,
                notice => notice_text(query.notice.as_deref()),
            },
        )
        .await?
        .into_response())
}

pub async fn enroll_device(visit: Visit, Form(form): Form<CsrfForm>) -> PageResult {
    if !visit.csrf_ok(form.csrf.as_deref()).await? {
        return Ok(visit.csrf_refused().await?.into_response());
    }
    let Some(user) = visit.user.clone() else {
        return Ok(signed_out());
    };
    let state = &visit.state;
    let issued = {
        let db = state.db().await?;
        let who = Who::new(format!("portal:{user}"), visit.client.clone());
        enrollment::issue_push(state, &db, &user, &who).await?
    };
    let qr_svg = qr::svg(&issued.uri)
        .ok_or_else(|| state.problem(ProblemType::Unavailable, "the QR code could not be drawn"))?;
    let id = &issued.token_hash;
    Ok(visit
        .page(
            "enroll_device.html",
            context! {
                qr_svg => qr_svg,
                uri => issued.uri,
                server => state.public_url.clone(),
                expires => super::clock_time(issued.expires_at),
                download_url => state.app_download_url.clone(),
                download_qr => state.app_download_url.as_deref().and_then(qr::svg),
                poll_url => format!("/portal/security/device/{id}/status"),
                status_page => format!("/portal/security/device/{id}"),
            },
        )
        .await?
        .into_response())
}

/// Where the enrollment `id` (a token hash) of this user stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Enrollment {
    /// The code has not been scanned.
    Waiting,
    /// The phone enrolled; its confirmation push is waiting for Approve.
    Confirming,
    Done,
    /// Denied on the phone, or the confirmation expired unanswered.
    Failed,
}

async fn enrollment_of(
    visit: &Visit,
    user: &str,
    id: &str,
) -> Result<Option<Enrollment>, ApiError> {
    let state = &visit.state;
    let db = state.db().await?;
    type Row = (bool, Option<i64>, Option<i64>, bool);
    let row: Option<Row> = db
        .query_row(
            "SELECT t.device_id IS NOT NULL, d.confirmed_at, d.revoked_at,
                    EXISTS (SELECT 1 FROM challenges c WHERE c.device = d.id
                            AND c.kind = 'enrollment_confirm' AND c.status = 'pending' AND c.exp > ?3)
             FROM enroll_tokens t LEFT JOIN devices d ON d.id = t.device_id
             WHERE t.hash = ?1 AND t.user = ?2",
            params![id, user, state.now()],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        ).await
        .optional()
        .map_err(|e| state.storage(e))?;
    Ok(row.map(|(used, confirmed, revoked, confirming)| {
        match (used, confirmed, revoked) {
            (false, _, _) => Enrollment::Waiting,
            // Confirmed (and perhaps replaced or reset later): this one is done.
            (true, Some(_), _) => Enrollment::Done,
            (true, None, None) if confirming => Enrollment::Confirming,
            _ => Enrollment::Failed,
        }
    }))
}

fn is_token_hash(id: &str) -> bool {
    id.len() == 43
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub async fn device_status(visit: Visit, Path(id): Path<String>) -> Response {
    let Some(user) = visit.user.clone() else {
        return (
            StatusCode::UNAUTHORIZED,
            Json(serde_json::json!({ "next": "/portal/login?notice=ended" })),
        )
            .into_response();
    };
    if !is_token_hash(&id) {
        return StatusCode::NOT_FOUND.into_response();
    }
    match enrollment_of(&visit, &user, &id).await {
        Ok(Some(Enrollment::Done)) => Json(serde_json::json!({
            "done": true,
            "status_text": "Your phone is enrolled.",
            "status_class": "good",
        }))
        .into_response(),
        Ok(Some(Enrollment::Waiting)) => Json(serde_json::json!({
            "done": false,
            "status_text": "Waiting for your phone…",
        }))
        .into_response(),
        Ok(Some(Enrollment::Confirming)) => Json(serde_json::json!({
            "done": false,
            "status_text": "Approve the request on your phone to finish.",
        }))
        .into_response(),
        Ok(Some(Enrollment::Failed)) => Json(serde_json::json!({
            "final": true,
            "status_text": "The phone did not confirm this enrollment. Enroll again.",
            "status_class": "bad",
        }))
        .into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => error.into_response(),
    }
}

/// Without JavaScript: "I have scanned it".
pub async fn device_check(visit: Visit, Path(id): Path<String>) -> PageResult {
    let Some(user) = visit.user.clone() else {
        return Ok(signed_out());
    };
    let enrollment = if is_token_hash(&id) {
        enrollment_of(&visit, &user, &id).await?
    } else {
        None
    };
    let notice = match enrollment {
        Some(Enrollment::Done) => "enrolled",
        Some(Enrollment::Confirming) => "confirming",
        Some(Enrollment::Failed) => "not_confirmed",
        _ => "waiting",
    };
    Ok(see_other(
        &format!("/portal/security?notice={notice}"),
        Vec::new(),
    ))
}

async fn totp_page(
    visit: &Visit,
    user: &str,
    secret: &SecretBytes,
    error: Option<&str>,
    status: StatusCode,
) -> PageResult {
    let state = &visit.state;
    let uri = enrollment::totp_uri(state, user, secret);
    let qr_svg = qr::svg(&uri)
        .ok_or_else(|| state.problem(ProblemType::Unavailable, "the QR code could not be drawn"))?;
    Ok(visit
        .page(
            "totp_setup.html",
            context! {
                qr_svg => qr_svg,
                secret => data_encoding::BASE32_NOPAD.encode(secret.expose_secret()),
                error => error,
            },
        )
        .await?
        .status(status)
        .into_response())
}

/// A new secret waiting for its first code; the active one (if any) stays
/// until then.
async fn start_totp(visit: &Visit, user: &str) -> PageResult {
    let state = &visit.state;
    let secret = enrollment::new_totp_secret(state)?;
    {
        let db = state.db().await?;
        db.execute(
            "UPDATE users SET totp_pending_secret = ?2 WHERE name = ?1",
            params![user, state.seal_totp(user, &secret)?],
        )
        .await
        .map_err(|e| state.storage(e))?;
    }
    totp_page(visit, user, &secret, None, StatusCode::OK).await
}

pub async fn setup_totp(visit: Visit, Form(form): Form<CsrfForm>) -> PageResult {
    if !visit.csrf_ok(form.csrf.as_deref()).await? {
        return Ok(visit.csrf_refused().await?.into_response());
    }
    let Some(user) = visit.user.clone() else {
        return Ok(signed_out());
    };
    let has_totp: bool = {
        let db = visit.state.db().await?;
        db.query_row(
            "SELECT totp_secret IS NOT NULL FROM users WHERE name = ?1",
            params![&user],
            |row| row.get(0),
        )
        .await
        .map_err(|e| visit.state.storage(e))?
    };
    if has_totp {
        // Replacing a working authenticator takes its current code: Reset.
        return Ok(see_other("/portal/security", Vec::new()));
    }
    start_totp(&visit, &user).await
}

pub async fn reset_totp(visit: Visit, Form(form): Form<CodeForm>) -> PageResult {
    if !visit.csrf_ok(form.csrf.as_deref()).await? {
        return Ok(visit.csrf_refused().await?.into_response());
    }
    let Some(user) = visit.user.clone() else {
        return Ok(signed_out());
    };
    let who = Who::new(format!("portal:{user}"), visit.client.clone());
    if let Err(error) = totp::verify(
        &visit.state,
        &user,
        form.code.trim(),
        &who,
        Some(&visit.client),
    )
    .await
    {
        let message = match error.kind() {
            Some(ProblemType::RateLimited) => {
                "Too many wrong codes. Wait a while, then try again.".to_owned()
            }
            Some(ProblemType::WrongCode | ProblemType::MalformedRequest) => {
                "That code is wrong, expired or already used; nothing was changed.".to_owned()
            }
            _ => return Err(error.into()),
        };
        return Ok(visit
            .page("security.html", context! { totp => true, error => message })
            .await?
            .status(StatusCode::UNAUTHORIZED)
            .into_response());
    }
    {
        let state = &visit.state;
        let db = state.db().await?;
        let storage = |e| state.storage(e);
        db.execute(
            "UPDATE users SET totp_secret = NULL, totp_last_step = NULL WHERE name = ?1",
            params![&user],
        )
        .await
        .map_err(storage)?;
        store::audit_by(
            &db,
            state.now(),
            "totp_reset",
            Some(&who),
            Some(&user),
            None,
            Some("by_user"),
            None,
        )
        .await
        .map_err(storage)?;
    }
    start_totp(&visit, &user).await
}

pub async fn confirm_totp(visit: Visit, Form(form): Form<CodeForm>) -> PageResult {
    if !visit.csrf_ok(form.csrf.as_deref()).await? {
        return Ok(visit.csrf_refused().await?.into_response());
    }
    let Some(user) = visit.user.clone() else {
        return Ok(signed_out());
    };
    let state = &visit.state;
    let now = state.now();
    let pending: Option<Vec<u8>> = {
        let db = state.db().await?;
        db.query_row(
            "SELECT totp_pending_secret FROM users WHERE name = ?1",
            params![&user],
            |row| row.get(0),
        )
        .await
        .optional()
        .map_err(|e| state.storage(e))?
        .flatten()
    };
    let Some(sealed) = pending else {
        return Ok(see_other("/portal/security", Vec::new()));
    };
    let pending = state.open_totp(&user, &sealed)?;
    let matched = OtpParams::default_totp()
        .verify(&pending, form.code.trim(), now, 1)
        .ok()
        .flatten();
    let Some(matched) = matched else {
        return totp_page(
            &visit,
            &user,
            &pending,
            Some(
                "That code does not match. Check the app shows this account, then try the new code.",
            ),
            StatusCode::UNAUTHORIZED,
        ).await;
    };
    let db = state.db().await?;
    let storage = |e| state.storage(e);
    // Only the secret the code was checked against becomes active: another tab
    // (or instance) may have started a new one meanwhile.
    let activated = db
        .execute(
            "UPDATE users SET totp_secret = totp_pending_secret, totp_pending_secret = NULL,
                totp_last_step = ?2 WHERE name = ?1 AND totp_pending_secret = ?3",
            params![user, matched.step as i64, sealed],
        )
        .await
        .map_err(storage)?;
    if activated == 0 {
        return Ok(see_other("/portal/security", Vec::new()));
    }
    totp_throttle::clear(&db, &user).await.map_err(storage)?;
    store::audit_by(
        &db,
        now,
        "totp_enrolled",
        Some(&Who::new(format!("portal:{user}"), visit.client.clone())),
        Some(&user),
        None,
        Some("confirmed"),
        None,
    )
    .await
    .map_err(storage)?;
    Ok(see_other("/portal/security?notice=totp", Vec::new()))
}
