//! "Forgot your password?": a single-use link valid for 15 minutes goes to the
//! user's mail address (the page says the same whether or not the account
//! exists); the link asks for the new password twice; then a push to the
//! user's phone must be approved before the password changes. Denied: the
//! link is spent and nothing changes; expired: nothing changes and the link
//! may be used again while it lives. A user with no phone enrolled changes
//! the password with the link alone.

use crate::db::{OptionalExtension, Sql, params};
use axum::Form;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use countersign_protocol::wire::ChallengeKind;
use minijinja::context;
use serde::Deserialize;

use super::page::{PageResult, Visit, WaitStatus, see_other};
use crate::api::portal::{PORTAL_RESOURCE, portal_context};
use crate::client_addr::ClientAddr;
use crate::problem::ApiError;
use crate::rules::{self, PushOrigin, random_id};
use crate::store::{self, Who};
use crate::tokens::token_hash;
use crate::{attempt_throttle, passwords, sessions};

/// A reset link works this long.
pub const LINK_SECONDS: i64 = 15 * 60;
/// An invitation works this long.
pub const INVITE_SECONDS: i64 = 3 * 86_400;
/// Reset requests one address may make per `LINK_SECONDS`.
const ADDRESS_REQUESTS: i64 = 10;
/// Reset mails one user gets per `LINK_SECONDS`.
const USER_MAILS: i64 = 3;

#[derive(Debug, Deserialize)]
pub struct AskForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    who: String,
}

#[derive(Debug, Deserialize)]
pub struct ChooseForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    password: String,
    #[serde(default)]
    again: String,
}

pub async fn ask_page(visit: Visit) -> PageResult {
    Ok(visit
        .page("password_reset.html", context! {})
        .await?
        .into_response())
}

pub async fn ask(visit: Visit, Form(form): Form<AskForm>) -> PageResult {
    if !visit.csrf_ok(form.csrf.as_deref()).await? {
        return Ok(visit.csrf_refused().await?.into_response());
    }
    let who = form.who.trim().to_owned();
    if !crate::ids::is_user_name(&who) {
        return Ok(visit
            .page(
                "password_reset.html",
                context! { error => "Enter your username or mail address." },
            )
            .await?
            .status(StatusCode::BAD_REQUEST)
            .into_response());
    }
    let state = &visit.state;
    let now = state.now();
    {
        let db = state.db().await?;
        let allowed = attempt_throttle::count_request(
            &db,
            &format!("reset-from:{}", visit.client),
            ADDRESS_REQUESTS,
            LINK_SECONDS,
            now,
        )
        .await
        .map_err(|e| state.storage(e))?;
        if let Err(seconds) = allowed {
            drop(db);
            return Ok(visit
                .page(
                    "password_reset.html",
                    context! {
                        error => format!(
                            "Too many requests from your address. Try again in {} min.",
                            (seconds + 59) / 60
                        ),
                    },
                )
                .await?
                .status(StatusCode::TOO_MANY_REQUESTS)
                .into_response());
        }
    }
    let found: Option<(String, String)> = {
        let db = state.db().await?;
        db.query_row(
            "SELECT name, email FROM users WHERE (name = ?1 OR email = ?1) AND email IS NOT NULL
             ORDER BY name = ?1 DESC LIMIT 1",
            params![&who],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .await
        .optional()
        .map_err(|e| state.storage(e))?
    };
    if let Some((user, email)) = found {
        // A few mails per user and window, whoever asks: the page says the
        // same either way, so a flood cannot bury a mailbox.
        let allowed = {
            let db = state.db().await?;
            attempt_throttle::count_request(
                &db,
                &format!("reset-to:{user}"),
                USER_MAILS,
                LINK_SECONDS,
                now,
            )
            .await
            .map_err(|e| state.storage(e))?
        };
        if allowed.is_ok() {
            let who_asked = Who::new("portal", visit.client.clone());
            send_link(state, &user, &email, &who_asked, Purpose::Reset).await?;
        }
    }
    Ok(visit
        .page("password_reset.html", context! { sent => true, who => who })
        .await?
        .into_response())
}

/// Why a link is mailed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// "Forgot your password?": valid 15 minutes.
    Reset,
    /// An administrator's invitation to a new user: valid 3 days.
    Invite,
}

/// Mails `user` a single-use link to choose a password. A mail that cannot be
/// sent is logged for the operator: the visitor may not be the user.
pub async fn send_link(
    state: &crate::state::AppState,
    user: &str,
    email: &str,
    who: &Who,
    purpose: Purpose,
) -> Result<(), ApiError> {
    let now = state.now();
    let secret = random_id("pr_", 24);
    let (lifetime, outcome) = match purpose {
        Purpose::Reset => (LINK_SECONDS, "link_sent"),
        Purpose::Invite => (INVITE_SECONDS, "invite_sent"),
    };
    {
        let db = state.db().await?;
        let storage = |e| state.storage(e);
        db.execute(
            "DELETE FROM password_resets WHERE expires_at < ?1",
            params![now],
        )
        .await
        .map_err(storage)?;
        db.execute(
            "INSERT INTO password_resets (hash, user, expires_at) VALUES (?1, ?2, ?3)",
            params![token_hash(&secret), user, now + lifetime],
        )
        .await
        .map_err(storage)?;
        store::audit_by(
            &db,
            now,
            "password_reset",
            Some(who),
            Some(user),
            Some(PORTAL_RESOURCE),
            Some(outcome),
            None,
        )
        .await
        .map_err(storage)?;
    }
    let link = format!("{}/portal/password-reset/{secret}", state.public_url);
    let org = &state.org;
    let (subject, body) = match purpose {
        Purpose::Reset => (
            "Reset your password",
            format!(
                "Someone (we hope you) asked to reset the password of {user} at {org}.\n\n\
                 Open this link within 15 minutes to choose a new one; it works once:\n\n{link}\n\n\
                 Then approve the request on your phone. If it was not you, ignore this mail: \
                 your password stays as it is.\n"
            ),
        ),
        Purpose::Invite => (
            "Your account is ready",
            format!(
                "An administrator of {org} made you an account, {user}.\n\n\
                 Open this link within 3 days to choose your password; it works once:\n\n{link}\n\n\
                 Then sign in at {base}/portal/login and enroll your phone.\n",
                base = state.public_url
            ),
        ),
    };
    if let Err(error) = state.mail.send(email, subject, &body, now) {
        eprintln!("password link mail for {user}: {error}");
    }
    Ok(())
}

/// A live link: (row hash, user, new password hash, push id).
type Link = (String, String, Option<String>, Option<String>);

async fn live_link(visit: &Visit, secret: &str) -> Result<Option<Link>, ApiError> {
    if !crate::ids::is_identifier(secret) {
        return Ok(None);
    }
    let hash = token_hash(secret);
    let state = &visit.state;
    let db = state.db().await?;
    db.query_row(
        "SELECT user, new_hash, push_id FROM password_resets
         WHERE hash = ?1 AND expires_at > ?2 AND done_at IS NULL",
        params![hash, state.now()],
        |row| Ok((hash.clone(), row.get(0)?, row.get(1)?, row.get(2)?)),
    )
    .await
    .optional()
    .map_err(|e| state.storage(e))
}

async fn dead_link(visit: &Visit) -> PageResult {
    Ok(visit
        .page(
            "message.html",
            context! {
                title => "This link no longer works",
                message => "Password links work once, and only for a while. Ask for a new one.",
                next_url => "/portal/password-reset",
                next_label => "Reset your password",
            },
        )
        .await?
        .status(StatusCode::GONE)
        .into_response())
}

pub async fn choose_page(visit: Visit, Path(secret): Path<String>) -> PageResult {
    if live_link(&visit, &secret).await?.is_none() {
        return dead_link(&visit).await;
    }
    Ok(visit
        .page(
            "password_reset.html",
            context! { choose_url => format!("/portal/password-reset/{secret}") },
        )
        .await?
        .into_response())
}

/// Sets the new password of a link (once) and spends the link.
async fn apply(
    visit: &Visit,
    hash: &str,
    user: &str,
    new_hash: &str,
    how: &str,
) -> Result<(), ApiError> {
    let state = &visit.state;
    let now = state.now();
    let db = state.db().await?;
    let storage = |e| state.storage(e);
    let spent = db
        .execute(
            "UPDATE password_resets SET done_at = ?2, outcome = 'changed'
             WHERE hash = ?1 AND done_at IS NULL",
            params![hash, now],
        )
        .await
        .map_err(storage)?;
    if spent == 1 {
        db.execute(
            "UPDATE users SET password_hash = ?2 WHERE name = ?1",
            params![user, new_hash],
        )
        .await
        .map_err(storage)?;
        attempt_throttle::clear(&db, user).await.map_err(storage)?;
        sessions::revoke_all(&db, user, now, "password_reset", None)
            .await
            .map_err(storage)?;
        store::audit_by(
            &db,
            now,
            "password_reset",
            Some(&Who::new("portal", visit.client.clone())),
            Some(user),
            Some(PORTAL_RESOURCE),
            Some("changed"),
            Some(how),
        )
        .await
        .map_err(storage)?;
    }
    Ok(())
}

pub async fn choose(
    visit: Visit,
    Path(secret): Path<String>,
    Form(form): Form<ChooseForm>,
) -> PageResult {
    if !visit.csrf_ok(form.csrf.as_deref()).await? {
        return Ok(visit.csrf_refused().await?.into_response());
    }
    let Some((hash, user, _, _)) = live_link(&visit, &secret).await? else {
        return dead_link(&visit).await;
    };
    if let Err(error) = passwords::check_new(&form.password, Some(&form.again)) {
        return Ok(visit
            .page(
                "password_reset.html",
                context! {
                    choose_url => format!("/portal/password-reset/{secret}"),
                    error => error.to_string(),
                },
            )
            .await?
            .status(StatusCode::BAD_REQUEST)
            .into_response());
    }
    let state = visit.state.clone();
    let new_hash = passwords::hash(&form.password).map_err(|error| {
        state.problem(
            countersign_protocol::wire::ProblemType::Unavailable,
            error.to_string(),
        )
    })?;
    let has_device = {
        let db = state.db().await?;
        store::confirmed_device(&db, &user)
            .await
            .map_err(|e| state.storage(e))?
            .is_some()
    };
    if !has_device {
        apply(&visit, &hash, &user, &new_hash, "link_only").await?;
        return Ok(see_other(
            "/portal/login?notice=password_changed",
            Vec::new(),
        ));
    }
    let context = portal_context(&state, &ClientAddr(visit.client.clone()), None)?;
    let push = rules::create_push(
        &state,
        &user,
        PORTAL_RESOURCE,
        ChallengeKind::PasswordReset,
        context,
        &PushOrigin {
            who: Some(Who::new("portal", visit.client.clone())),
            ..PushOrigin::default()
        },
    )
    .await;
    let push = match push {
        Ok(push) => push,
        Err(error) => {
            let message = match error.kind() {
                Some(countersign_protocol::wire::ProblemType::RateLimited) => {
                    "A request is already waiting on your phone; answer it or wait a minute, \
                     then try again."
                }
                Some(countersign_protocol::wire::ProblemType::FraudLocked) => {
                    "Requests to your phone are paused after a fraud report; ask your \
                     administrator."
                }
                _ => return Err(error.into()),
            };
            return Ok(visit
                .page(
                    "password_reset.html",
                    context! {
                        choose_url => format!("/portal/password-reset/{secret}"),
                        error => message,
                    },
                )
                .await?
                .status(StatusCode::TOO_MANY_REQUESTS)
                .into_response());
        }
    };
    {
        let db = state.db().await?;
        db.execute(
            "UPDATE password_resets SET new_hash = ?2, push_id = ?3 WHERE hash = ?1",
            params![hash, new_hash, push.id],
        )
        .await
        .map_err(|e| state.storage(e))?;
    }
    Ok(see_other(
        &format!("/portal/password-reset/{secret}/wait"),
        Vec::new(),
    ))
}

/// Where the link's push stands, applying the password on approval.
async fn progress(
    visit: &Visit,
    secret: &str,
) -> Result<Option<(WaitStatus, Option<String>)>, ApiError> {
    let Some((hash, user, Some(new_hash), Some(push_id))) = live_link(visit, secret).await? else {
        return Ok(None);
    };
    let state = &visit.state;
    let now = state.now();
    let (status, number) = {
        let db = state.db().await?;
        let storage = |e| state.storage(e);
        let status = rules::push_status(&db, &push_id, now)
            .await
            .map_err(storage)?;
        let number: Option<String> = db
            .query_row(
                "SELECT number FROM challenges WHERE id = ?1",
                params![&push_id],
                |row| row.get(0),
            )
            .await
            .optional()
            .map_err(storage)?
            .flatten();
        (status, number)
    };
    let Some(status) = status else {
        return Ok(None);
    };
    let view = match status.status.as_str() {
        "approved" => {
            apply(visit, &hash, &user, &new_hash, &push_id).await?;
            WaitStatus {
                status_text: "Approved: your password is changed.".into(),
                status_class: "good",
                next: Some("/portal/login?notice=password_changed".into()),
                finished: true,
            }
        }
        "denied" => {
            let db = state.db().await?;
            db.execute(
                "UPDATE password_resets SET done_at = ?2, outcome = 'denied'
                 WHERE hash = ?1 AND done_at IS NULL",
                params![hash, now],
            )
            .await
            .map_err(|e| state.storage(e))?;
            WaitStatus {
                status_text: "You denied the request on your phone: your password was not changed."
                    .into(),
                status_class: "bad",
                next: None,
                finished: true,
            }
        }
        "pending" => WaitStatus::waiting(status.exp, now),
        _ => WaitStatus {
            status_text: "The request expired: your password was not changed. Use the link \
                          again to retry."
                .into(),
            status_class: "bad",
            next: None,
            finished: true,
        },
    };
    Ok(Some((view, number)))
}

pub async fn wait(visit: Visit, Path(secret): Path<String>) -> PageResult {
    let Some((view, number)) = progress(&visit, &secret).await? else {
        return dead_link(&visit).await;
    };
    if let Some(next) = &view.next {
        return Ok(see_other(next, Vec::new()));
    }
    let pending = !view.finished;
    Ok(visit
        .page(
            "signin_wait.html",
            context! {
                heading => "Approve the password change on your phone",
                push => context! {
                    number => number,
                    app => "Password reset",
                    source => visit.client.clone(),
                    time => super::clock_time(visit.state.now()),
                },
                status_text => view.status_text,
                status_class => view.status_class,
                retry_url => format!("/portal/password-reset/{secret}"),
                retry => view.finished,
                poll_url => pending.then(|| format!("/portal/password-reset/{secret}/status")),
                reload_without_js => pending.then_some(3),
            },
        )
        .await?
        .into_response())
}

pub async fn status(visit: Visit, Path(secret): Path<String>) -> Response {
    match progress(&visit, &secret).await {
        Ok(Some((view, _))) => Json(view).into_response(),
        Ok(None) => (
            StatusCode::GONE,
            Json(WaitStatus {
                status_text: "This link no longer works.".into(),
                status_class: "bad",
                next: Some("/portal/password-reset".into()),
                finished: true,
            }),
        )
            .into_response(),
        Err(error) => error.into_response(),
    }
}
