//! Signing in to the User Portal: username and password first (throttled per
//! account and per address, one answer for an unknown user and a wrong
//! password), then the second factor: a push with the number to match, or a
//! TOTP code instead. Nothing about devices is said before the password is
//! right. Between the two steps the browser holds a sign-in ticket
//! (`cs_signin`, stored as its hash), which is also the push's hand-off
//! secret: only this browser can turn the approved push into a session.

use crate::db::{DbResult, OptionalExtension, Sql, params};
use axum::Form;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use countersign_otp::clock::UnixTime;
use countersign_protocol::wire::{ChallengeKind, ProblemType};
use minijinja::context;
use serde::Deserialize;

use super::cookies;
use super::csrf;
use super::page::{CodeForm, CsrfForm, PageResult, Visit, WaitStatus, see_other};
use crate::api::portal::{PORTAL_RESOURCE, portal_context};
use crate::attempt_throttle::{self, Attempt};
use crate::client_addr::ClientAddr;
use crate::context::ContextInput;
use crate::problem::ApiError;
use crate::rules::{self, PORTAL_HANDLE_SECONDS, PushOrigin, random_id};
use crate::store::{self, Who};
use crate::tokens::token_hash;
use crate::{passwords, sessions, totp};

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    /// The OpenID Connect authorization this sign-in returns to.
    #[serde(default)]
    oidc: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct SignInQuery {
    #[serde(default)]
    notice: Option<String>,
    #[serde(default)]
    oidc: Option<String>,
}

/// Only an identifier names an authorization: the page returns to a path
/// built from it (`oidc::resume_path`), never to a URL the visitor gave.
fn oidc_request(given: Option<&str>) -> Option<String> {
    given
        .filter(|id| crate::ids::is_identifier(id))
        .map(str::to_owned)
}

/// Where a finished sign-in goes: back to the authorization that sent the
/// browser here, or the portal.
fn after_sign_in(oidc: Option<&str>, portal: &str) -> String {
    match oidc {
        Some(id) => crate::oidc::resume_path(id, false),
        None => portal.to_owned(),
    }
}

const WRONG: &str = "The username or password is wrong.";

fn notice_text(notice: Option<&str>) -> Option<&'static str> {
    match notice {
        Some("signed_out") => Some("You are signed out."),
        Some("ended") => Some("Your session has ended. Sign in again."),
        Some("expired") => Some("That sign-in has expired. Sign in again."),
        Some("password_changed") => {
            Some("Your password is changed, and you are signed out everywhere. Sign in with it.")
        }
        _ => None,
    }
}

pub async fn page(visit: Visit, Query(query): Query<SignInQuery>) -> PageResult {
    let oidc = oidc_request(query.oidc.as_deref());
    // An application may ask for a fresh sign-in of a signed-in user.
    if visit.user.is_some() && oidc.is_none() {
        return Ok(see_other("/portal/security", Vec::new()));
    }
    let notice = notice_text(query.notice.as_deref());
    Ok(visit
        .page("signin.html", context! { notice => notice, oidc => oidc })
        .await?
        .into_response())
}

async fn form_again(
    visit: &Visit,
    username: &str,
    error: &str,
    status: StatusCode,
    oidc: Option<&str>,
) -> PageResult {
    Ok(visit
        .page(
            "signin.html",
            context! { error => error, username => username, oidc => oidc },
        )
        .await?
        .status(status)
        .into_response())
}

fn retry_text(seconds: i64) -> String {
    if seconds < 120 {
        format!("{seconds} s")
    } else {
        format!("{} min", (seconds + 59) / 60)
    }
}

pub async fn submit(visit: Visit, Form(form): Form<SignInForm>) -> PageResult {
    if !visit.csrf_ok(form.csrf.as_deref()).await? {
        return Ok(visit.csrf_refused().await?.into_response());
    }
    let state = visit.state.clone();
    let oidc = oidc_request(form.oidc.as_deref());
    let typed = form.username.trim().to_owned();
    if !crate::ids::is_user_name(&typed) || form.password.is_empty() {
        return form_again(
            &visit,
            &typed,
            "Enter your username and password.",
            StatusCode::BAD_REQUEST,
            oidc.as_deref(),
        )
        .await;
    }
    let now = state.now();
    let (username, stored) = {
        let db = state.db().await?;
        let storage = |e| state.storage(e);
        // A user name, or a user's mail address; a name wins over another
        // user's identical address.
        let found: Option<(String, Option<String>)> = db
            .query_row(
                "SELECT name, password_hash FROM users WHERE name = ?1 OR email = ?1
                 ORDER BY name = ?1 DESC LIMIT 1",
                params![&typed],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .await
            .optional()
            .map_err(storage)?;
        // The throttle counts the account, however it was named.
        let (username, stored) = match found {
            Some((name, hash)) => (name, hash),
            None => (typed.clone(), None),
        };
        if let Some(seconds) =
            attempt_throttle::locked_for(&db, Attempt::SignIn, Some(&username), &visit.client, now)
                .await
                .map_err(storage)?
        {
            let who = Who::new("portal", visit.client.clone());
            store::audit_refusal(
                &db,
                now,
                "sign_in_refused",
                &who,
                Some(&username),
                Some(PORTAL_RESOURCE),
                "locked",
                None,
            )
            .await
            .map_err(storage)?;
            drop(db);
            return form_again(
                &visit,
                &typed,
                &format!(
                    "Too many sign-in attempts. Try again in {}.",
                    retry_text(seconds)
                ),
                StatusCode::TOO_MANY_REQUESTS,
                oidc.as_deref(),
            )
            .await;
        }
        (username, stored)
    };
    // Outside the database lock: Argon2 takes tens of milliseconds.
    let right = passwords::verify(stored.as_deref(), &form.password);
    let db = state.db().await?;
    let storage = |e| state.storage(e);
    let who = Who::new("portal", visit.client.clone());
    if !right {
        let locked = attempt_throttle::record_failure(
            &db,
            Attempt::SignIn,
            Some(&username),
            &visit.client,
            now,
        )
        .await
        .map_err(storage)?;
        store::audit_refusal(
            &db,
            now,
            "sign_in_refused",
            &who,
            Some(&username),
            Some(PORTAL_RESOURCE),
            "wrong_password",
            None,
        )
        .await
        .map_err(storage)?;
        drop(db);
        return match locked {
            Some(seconds) => {
                form_again(
                    &visit,
                    &typed,
                    &format!(
                        "Too many sign-in attempts. Try again in {}.",
                        retry_text(seconds)
                    ),
                    StatusCode::TOO_MANY_REQUESTS,
                    oidc.as_deref(),
                )
                .await
            }
            None => form_again(&visit, &typed, WRONG, StatusCode::OK, oidc.as_deref()).await,
        };
    }
    attempt_throttle::record_success(&db, Attempt::SignIn, &username)
        .await
        .map_err(storage)?;
    let has_device = store::confirmed_device(&db, &username)
        .await
        .map_err(storage)?
        .is_some();
    let has_totp = has_totp(&db, &username).await.map_err(storage)?;
    if !has_device && !has_totp {
        // Nothing to ask for yet: the first sign-in is how a user enrolls.
        let token = sessions::create(&db, &username, now)
            .await
            .map_err(storage)?;
        store::audit_by(
            &db,
            now,
            "portal_signed_in",
            Some(&who),
            Some(&username),
            Some(PORTAL_RESOURCE),
            Some("password_only"),
            None,
        )
        .await
        .map_err(storage)?;
        drop(db);
        return Ok(signed_in(
            &visit,
            &token,
            &after_sign_in(oidc.as_deref(), "/portal/security?notice=enroll"),
        ));
    }
    let secret = random_id("si_", 24);
    let ticket = token_hash(&secret);
    db.execute(
        "DELETE FROM portal_signins WHERE expires_at < ?1",
        params![now],
    )
    .await
    .map_err(storage)?;
    db.execute(
        "INSERT INTO portal_signins (hash, user, expires_at, oidc_request) VALUES (?1, ?2, ?3, ?4)",
        params![ticket, username, now + PORTAL_HANDLE_SECONDS, &oidc],
    )
    .await
    .map_err(storage)?;
    drop(db);
    let ticket_cookie = cookies::set(
        cookies::SIGNIN,
        &secret,
        PORTAL_HANDLE_SECONDS,
        visit.secure_cookies(),
    );
    if !has_device {
        return Ok(see_other("/portal/login/code", vec![ticket_cookie]));
    }
    let context = portal_context(
        &state,
        &ClientAddr(visit.client.clone()),
        Some(browser_context(&visit)),
    )?;
    let origin = PushOrigin {
        handoff_hash: Some(ticket.clone()),
        who: Some(who),
        ..PushOrigin::default()
    };
    match rules::create_push(
        &state,
        &username,
        PORTAL_RESOURCE,
        ChallengeKind::Login,
        context,
        &origin,
    )
    .await
    {
        Ok(push) => {
            let db = state.db().await?;
            db.execute(
                "UPDATE portal_signins SET push_id = ?2 WHERE hash = ?1",
                params![ticket, push.id],
            )
            .await
            .map_err(|e| state.storage(e))?;
            Ok(see_other(
                &format!("/portal/login/push/{}", push.id),
                vec![ticket_cookie],
            ))
        }
        Err(error) => {
            let (notice, status) = match error.kind() {
                Some(ProblemType::RateLimited) => (
                    format!(
                        "A sign-in request is already waiting on your phone. You can try again in {}.",
                        retry_text(error.0.extension_i64("retry_after").unwrap_or(60))
                    ),
                    StatusCode::TOO_MANY_REQUESTS,
                ),
                Some(ProblemType::FraudLocked) => (
                    "Sign-in pushes to your account are paused \
                     after a request was reported as fraud. Use a code, or ask your administrator."
                        .to_owned(),
                    StatusCode::TOO_MANY_REQUESTS,
                ),
                // Which signal it was stays with the administrator: whoever
                // holds a stolen password should not learn what to avoid.
                None if crate::risk::is_refusal(&error) => (
                    "This sign-in looked too risky to send to your phone, so it was blocked \
                     and your administrator was told. If it was you, ask them to look at it."
                        .to_owned(),
                    StatusCode::FORBIDDEN,
                ),
                _ => return Err(error.into()),
            };
            let page = visit
                .page(
                    "signin_wait.html",
                    context! {
                        heading => "Second step",
                        notice => notice,
                        code_url => has_totp.then_some("/portal/login/code"),
                    },
                )
                .await?
                .status(status)
                .with_cookie(ticket_cookie);
            Ok(page.into_response())
        }
    }
}

/// What the browser says it is, for the phone to show (length-checked there).
fn browser_context(visit: &Visit) -> ContextInput {
    let agent = visit
        .headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    let browser = ["Edg/", "Firefox/", "Chrome/", "Safari/"]
        .iter()
        .find(|name| agent.contains(*name))
        .map(|name| match *name {
            "Edg/" => "Edge",
            other => other.trim_end_matches('/'),
        });
    let os = [
        ("Windows", "Windows"),
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(marker, _)| agent.contains(marker))
    .map(|(_, name)| (*name).to_owned());
    ContextInput {
        browser: browser.map(str::to_owned),
        os,
        ..ContextInput::default()
    }
}

/// Whether the device that approved push `id` holds a user key whose
/// attestation the server verified (ADR 0014): OpenID Connect's `hwk`.
async fn approved_by_attested_key(db: &impl Sql, id: &str) -> DbResult<bool> {
    let verification: Option<Option<String>> = db
        .query_row(
            "SELECT d.user_verification FROM challenges c JOIN devices d ON d.id = c.device
             WHERE c.id = ?1",
            params![id],
            |row| row.get(0),
        )
        .await
        .optional()?;
    Ok(verification.flatten().as_deref() == Some("attested"))
}

async fn has_totp(db: &impl Sql, user: &str) -> DbResult<bool> {
    Ok(db
        .query_row(
            "SELECT totp_secret IS NOT NULL FROM users WHERE name = ?1",
            params![user],
            |row| row.get(0),
        )
        .await
        .optional()?
        .unwrap_or(false))
}

/// This browser's sign-in in progress.
#[derive(Debug)]
struct Ticket {
    hash: String,
    user: String,
    push_id: Option<String>,
    /// The OpenID Connect authorization waiting for this sign-in.
    oidc: Option<String>,
}

async fn ticket(visit: &Visit) -> Result<Option<Ticket>, ApiError> {
    let Some(secret) = cookies::get(&visit.headers, cookies::SIGNIN) else {
        return Ok(None);
    };
    let hash = token_hash(secret);
    let db = visit.state.db().await?;
    db.query_row(
        "SELECT user, push_id, oidc_request FROM portal_signins WHERE hash = ?1 AND expires_at > ?2",
        params![hash, visit.state.now()],
        |row| {
            Ok(Ticket {
                hash: hash.clone(),
                user: row.get(0)?,
                push_id: row.get(1)?,
                oidc: row.get(2)?,
            })
        },
    )
    .await
    .optional()
    .map_err(|e| visit.state.storage(e))
}

/// The session cookie for a new session, a new browser id (so CSRF tokens
/// from before the sign-in are void) and the ticket cleared.
fn signed_in(visit: &Visit, token: &str, next: &str) -> Response {
    let secure = visit.secure_cookies();
    see_other(
        next,
        vec![
            cookies::set(cookies::SESSION, token, sessions::ABSOLUTE_SECONDS, secure),
            cookies::set(
                cookies::BROWSER,
                &csrf::new_browser_id(),
                sessions::ABSOLUTE_SECONDS,
                secure,
            ),
            cookies::clear(cookies::SIGNIN, secure),
        ],
    )
}

fn view_of(status: &rules::PushStatus, now: UnixTime, oidc: Option<&str>) -> WaitStatus {
    let (text, class, next, finished) = match (status.status.as_str(), status.fraud) {
        ("approved", _) => (
            "Approved. Signing you in…".to_owned(),
            "good",
            Some(format!("/portal/login/push/{}", status.id)),
            false,
        ),
        ("denied", true) => (
            "You reported this request as fraud, so it was blocked. \
             Your administrator has been told."
                .to_owned(),
            "bad",
            None,
            true,
        ),
        ("denied", false) => (
            "You denied the sign-in on your phone.".to_owned(),
            "bad",
            None,
            true,
        ),
        ("pending", _) => (
            format!(
                "Waiting for your approval… ({} s left)",
                (status.exp - now).max(0)
            ),
            "",
            None,
            false,
        ),
        _ => (
            "The request expired before it was answered. Try again.".to_owned(),
            "bad",
            None,
            true,
        ),
    };
    // A sign-in for an application that failed for good is that
    // application's answer (`access_denied`), not a page to stay on.
    let next = match (finished, oidc) {
        (true, Some(id)) => Some(crate::oidc::resume_path(id, true)),
        _ => next,
    };
    WaitStatus {
        status_text: text,
        status_class: class,
        next,
        finished,
    }
}

/// The push of this browser's sign-in, or `None` (go back to the form).
async fn own_push(
    visit: &Visit,
    id: &str,
) -> Result<Option<(Ticket, rules::PushStatus)>, ApiError> {
    let Some(ticket) = ticket(visit).await? else {
        return Ok(None);
    };
    if ticket.push_id.as_deref() != Some(id) {
        return Ok(None);
    }
    let state = &visit.state;
    let db = state.db().await?;
    let status = rules::push_status(&db, id, state.now())
        .await
        .map_err(|e| state.storage(e))?;
    Ok(status
        .filter(|status| status.handoff_hash.as_deref() == Some(ticket.hash.as_str()))
        .map(|status| (ticket, status)))
}

pub async fn wait(visit: Visit, Path(id): Path<String>) -> PageResult {
    if !crate::ids::is_identifier(&id) {
        return Ok(see_other("/portal/login", Vec::new()));
    }
    let Some((ticket, status)) = own_push(&visit, &id).await? else {
        return Ok(see_other("/portal/login?notice=expired", Vec::new()));
    };
    let Ticket {
        hash, user, oidc, ..
    } = ticket;
    let state = visit.state.clone();
    let now = state.now();
    if status.status == "approved" {
        let db = state.db().await?;
        let storage = |e| state.storage(e);
        let hardware = approved_by_attested_key(&db, &id).await.map_err(storage)?;
        let sign_in = sessions::SignIn {
            at: status.decided_at.unwrap_or(now),
            amr: if hardware { "pwd mfa hwk" } else { "pwd mfa" }.into(),
        };
        let token = sessions::create_signed_in(&db, &user, now, &sign_in)
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
        if claimed != 1 {
            sessions::discard(&db, &token).await.map_err(storage)?;
            return Ok(see_other("/portal/login?notice=expired", Vec::new()));
        }
        db.execute("DELETE FROM portal_signins WHERE hash = ?1", params![&hash])
            .await
            .map_err(storage)?;
        store::audit_by(
            &db,
            now,
            "portal_signed_in",
            Some(&Who::new("portal", visit.client.clone())),
            Some(&user),
            Some(PORTAL_RESOURCE),
            Some("push"),
            Some(&id),
        )
        .await
        .map_err(storage)?;
        return Ok(signed_in(
            &visit,
            &token,
            &after_sign_in(oidc.as_deref(), "/portal/security"),
        ));
    }
    if let (Some(oidc), "denied" | "expired") = (&oidc, status.status.as_str()) {
        return Ok(see_other(&crate::oidc::resume_path(oidc, true), Vec::new()));
    }
    let (number, app, code_allowed) = {
        let db = state.db().await?;
        let storage = |e| state.storage(e);
        let number: Option<String> = db
            .query_row(
                "SELECT number FROM challenges WHERE id = ?1",
                params![&id],
                |row| row.get(0),
            )
            .await
            .map_err(storage)?;
        let app: String = db
            .query_row(
                "SELECT name FROM resources WHERE id = ?1",
                params![PORTAL_RESOURCE],
                |row| row.get(0),
            )
            .await
            .map_err(storage)?;
        (number, app, has_totp(&db, &user).await.map_err(storage)?)
    };
    let view = view_of(&status, now, oidc.as_deref());
    let pending = status.status == "pending";
    Ok(visit
        .page(
            "signin_wait.html",
            context! {
                heading => "Approve the sign-in on your phone",
                push => context! {
                    number => number,
                    app => app,
                    source => visit.client.clone(),
                    time => super::clock_time(status.exp - countersign_protocol::wire::CHALLENGE_LIFETIME),
                },
                status_text => view.status_text,
                status_class => view.status_class,
                retry => view.finished,
                poll_url => pending.then(|| format!("/portal/login/push/{id}/status")),
                reload_without_js => pending.then_some(3),
                code_url => (code_allowed && pending).then_some("/portal/login/code"),
            },
        ).await?
        .into_response())
}

pub async fn wait_status(visit: Visit, Path(id): Path<String>) -> Response {
    let found = if crate::ids::is_identifier(&id) {
        own_push(&visit, &id).await
    } else {
        Ok(None)
    };
    match found {
        Ok(Some((ticket, status))) => {
            Json(view_of(&status, visit.state.now(), ticket.oidc.as_deref())).into_response()
        }
        Ok(None) => (
            StatusCode::NOT_FOUND,
            Json(WaitStatus {
                status_text: "This sign-in has ended. Sign in again.".into(),
                status_class: "bad",
                next: Some("/portal/login?notice=expired".into()),
                finished: true,
            }),
        )
            .into_response(),
        Err(error) => error.into_response(),
    }
}

pub async fn code_page(visit: Visit) -> PageResult {
    if ticket(&visit).await?.is_none() {
        return Ok(see_other("/portal/login?notice=expired", Vec::new()));
    }
    Ok(visit
        .page(
            "signin_wait.html",
            context! {
                heading => "Enter a code",
                code_url => "/portal/login/code",
            },
        )
        .await?
        .into_response())
}

pub async fn code_submit(visit: Visit, Form(form): Form<CodeForm>) -> PageResult {
    if !visit.csrf_ok(form.csrf.as_deref()).await? {
        return Ok(visit.csrf_refused().await?.into_response());
    }
    let Some(Ticket {
        hash,
        user,
        push_id,
        oidc,
    }) = ticket(&visit).await?
    else {
        return Ok(see_other("/portal/login?notice=expired", Vec::new()));
    };
    let state = visit.state.clone();
    let who = Who::new("portal", visit.client.clone());
    let code = form.code.trim();
    match totp::verify(&state, &user, code, &who, Some(&visit.client)).await {
        Ok(()) => {
            let now = state.now();
            let db = state.db().await?;
            let storage = |e| state.storage(e);
            let sign_in = sessions::SignIn {
                at: now,
                amr: "pwd otp mfa".into(),
            };
            let token = sessions::create_signed_in(&db, &user, now, &sign_in)
                .await
                .map_err(storage)?;
            db.execute("DELETE FROM portal_signins WHERE hash = ?1", params![&hash])
                .await
                .map_err(storage)?;
            if let Some(push_id) = push_id {
                // The push is no longer needed: end it, so the phone stops
                // offering it and no one can approve it later.
                rules::withdraw_push(&db, &push_id, now)
                    .await
                    .map_err(storage)?;
            }
            store::audit_by(
                &db,
                now,
                "portal_signed_in",
                Some(&who),
                Some(&user),
                Some(PORTAL_RESOURCE),
                Some("totp"),
                None,
            )
            .await
            .map_err(storage)?;
            Ok(signed_in(
                &visit,
                &token,
                &after_sign_in(oidc.as_deref(), "/portal/security"),
            ))
        }
        Err(error) => {
            let message = match error.kind() {
                Some(ProblemType::RateLimited) => format!(
                    "Too many wrong codes. Try again in {}.",
                    retry_text(error.0.extension_i64("retry_after").unwrap_or(60))
                ),
                Some(ProblemType::WrongCode | ProblemType::MalformedRequest) => {
                    "That code is wrong, expired or already used.".to_owned()
                }
                Some(ProblemType::NotEnrolled) => {
                    "No authenticator app is set up for your account; approve the push instead."
                        .to_owned()
                }
                _ => return Err(error.into()),
            };
            Ok(visit
                .page(
                    "signin_wait.html",
                    context! {
                        heading => "Enter a code",
                        code_url => "/portal/login/code",
                        code_error => message,
                    },
                )
                .await?
                .status(StatusCode::UNAUTHORIZED)
                .into_response())
        }
    }
}

pub async fn sign_out(visit: Visit, Form(form): Form<CsrfForm>) -> PageResult {
    if !visit.csrf_ok(form.csrf.as_deref()).await? {
        return Ok(visit.csrf_refused().await?.into_response());
    }
    if let Some(token) = &visit.session {
        let db = visit.state.db().await?;
        sessions::end(&db, token, visit.state.now())
            .await
            .map_err(|e| visit.state.storage(e))?;
    }
    let secure = visit.secure_cookies();
    Ok(see_other(
        "/portal/login?notice=signed_out",
        vec![
            cookies::clear(cookies::SESSION, secure),
            cookies::clear(cookies::SIGNIN, secure),
        ],
    ))
}
