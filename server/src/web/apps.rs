//! The portal's Apps list. An app the administrator marked "requires step-up"
//! opens only after a push approved on the phone; denying that push means
//! "that was not me", so every portal session of the user ends (the rule
//! lives in `rules::apply_decision`). Opening an app ends at a "signed in to"
//! page here: handing the user on to the app itself (OIDC, SAML) is issue 23.

use crate::db::{OptionalExtension, Sql, params};
use axum::Form;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use countersign_protocol::wire::{ChallengeKind, ProblemType};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::cookies;
use super::page::{CsrfForm, PageResult, Visit, WaitStatus, see_other, signed_out};
use crate::api::portal::{PORTAL_RESOURCE, portal_context};
use crate::client_addr::ClientAddr;
use crate::problem::ApiError;
use crate::rules::{self, PushOrigin};
use crate::store::Who;
use crate::tokens::token_hash;

/// An approved step-up opens its app for this long.
const GRANT_SECONDS: i64 = 5 * 60;

#[derive(Debug, Serialize)]
struct App {
    id: String,
    name: String,
    step_up: bool,
}

async fn app(visit: &Visit, id: &str) -> Result<Option<App>, ApiError> {
    if !crate::ids::is_identifier(id) || id == PORTAL_RESOURCE {
        return Ok(None);
    }
    let db = visit.state.db().await?;
    db.query_row(
        "SELECT id, name, step_up FROM resources WHERE id = ?1",
        params![id],
        |row| {
            Ok(App {
                id: row.get(0)?,
                name: row.get(1)?,
                step_up: row.get(2)?,
            })
        },
    )
    .await
    .optional()
    .map_err(|e| visit.state.storage(e))
}

pub async fn list(visit: Visit) -> PageResult {
    if visit.user.is_none() {
        return Ok(signed_out());
    }
    let apps: Vec<App> = {
        let state = &visit.state;
        let db = state.db().await?;
        db.query_map(
            "SELECT id, name, step_up FROM resources WHERE id != ?1 ORDER BY name",
            params![PORTAL_RESOURCE],
            |row| {
                Ok(App {
                    id: row.get(0)?,
                    name: row.get(1)?,
                    step_up: row.get(2)?,
                })
            },
        )
        .await
        .map_err(|e| state.storage(e))?
    };
    Ok(visit
        .page("apps.html", context! { apps => apps })
        .await?
        .into_response())
}

pub async fn open(visit: Visit, Path(id): Path<String>, Form(form): Form<CsrfForm>) -> PageResult {
    if !visit.csrf_ok(form.csrf.as_deref()).await? {
        return Ok(visit.csrf_refused().await?.into_response());
    }
    let (Some(user), Some(session)) = (visit.user.clone(), visit.session.clone()) else {
        return Ok(signed_out());
    };
    let Some(app) = app(&visit, &id).await? else {
        return Ok(see_other("/portal/apps", Vec::new()));
    };
    if !app.step_up {
        return Ok(see_other(
            &format!("/portal/apps/{id}/launched"),
            Vec::new(),
        ));
    }
    let state = visit.state.clone();
    let context = portal_context(&state, &ClientAddr(visit.client.clone()), None)?;
    let origin = PushOrigin {
        session: Some(token_hash(&session)),
        who: Some(Who::new(format!("portal:{user}"), visit.client.clone())),
        ..PushOrigin::default()
    };
    match rules::create_push(&state, &user, &id, ChallengeKind::StepUp, context, &origin).await {
        Ok(push) => Ok(see_other(
            &format!("/portal/apps/{id}/step-up/{}", push.id),
            Vec::new(),
        )),
        Err(error) => {
            let message = match error.kind() {
                Some(ProblemType::RateLimited) => format!(
                    "A request for {} is already waiting on your phone; answer it, or try again \
                     in {} s.",
                    app.name,
                    error.0.extension_i64("retry_after").unwrap_or(60)
                ),
                Some(ProblemType::NotEnrolled) => format!(
                    "{} asks your phone first, and no phone is enrolled: enroll one on the \
                     Security page.",
                    app.name
                ),
                Some(ProblemType::FraudLocked) => "Requests to your phone are paused after a \
                     fraud report; ask your administrator."
                    .to_owned(),
                _ => return Err(error.into()),
            };
            Ok(visit
                .page(
                    "message.html",
                    context! {
                        title => format!("{} did not open", app.name),
                        message => message,
                        next_url => "/portal/apps",
                        next_label => "Back to Apps",
                    },
                )
                .await?
                .status(StatusCode::TOO_MANY_REQUESTS)
                .into_response())
        }
    }
}

/// A step-up push for this app started from this browser's session (which
/// may have ended since: a denial ends it): (status, number).
async fn own_step_up(
    visit: &Visit,
    app: &str,
    push: &str,
) -> Result<Option<(rules::PushStatus, Option<String>)>, ApiError> {
    let Some(token) = cookies::get(&visit.headers, cookies::SESSION) else {
        return Ok(None);
    };
    if !crate::ids::is_identifier(push) {
        return Ok(None);
    }
    let state = &visit.state;
    let db = state.db().await?;
    let storage = |e| state.storage(e);
    let number: Option<Option<String>> = db
        .query_row(
            "SELECT number FROM challenges
             WHERE id = ?1 AND resource = ?2 AND kind = 'step_up' AND session = ?3",
            params![push, app, token_hash(token)],
            |row| row.get(0),
        )
        .await
        .optional()
        .map_err(storage)?;
    let Some(number) = number else {
        return Ok(None);
    };
    let status = rules::push_status(&db, push, state.now())
        .await
        .map_err(storage)?;
    Ok(status.map(|status| (status, number)))
}

fn view_of(app: &App, push: &str, status: &rules::PushStatus, now: i64) -> WaitStatus {
    match status.status.as_str() {
        "approved" => WaitStatus {
            status_text: format!("Approved. Opening {}…", app.name),
            status_class: "good",
            next: Some(format!("/portal/apps/{}/launched?grant={push}", app.id)),
            finished: true,
        },
        "denied" => WaitStatus {
            status_text: "You denied it on your phone, so you are signed out everywhere. \
                          If it was not you, tell your administrator."
                .into(),
            status_class: "bad",
            next: None,
            finished: true,
        },
        "pending" => WaitStatus::waiting(status.exp, now),
        _ => WaitStatus {
            status_text: "The request expired before it was answered.".into(),
            status_class: "bad",
            next: None,
            finished: true,
        },
    }
}

pub async fn step_up(visit: Visit, Path((id, push)): Path<(String, String)>) -> PageResult {
    let Some(app) = app(&visit, &id).await? else {
        return Ok(see_other("/portal/apps", Vec::new()));
    };
    let Some((status, number)) = own_step_up(&visit, &id, &push).await? else {
        return Ok(signed_out());
    };
    let now = visit.state.now();
    let view = view_of(&app, &push, &status, now);
    if let Some(next) = &view.next {
        return Ok(see_other(next, Vec::new()));
    }
    let pending = !view.finished;
    Ok(visit
        .page(
            "signin_wait.html",
            context! {
                heading => format!("Approve opening {} on your phone", app.name),
                push => context! {
                    number => number,
                    app => app.name.clone(),
                    source => visit.client.clone(),
                    time => super::clock_time(status.exp - countersign_protocol::wire::CHALLENGE_LIFETIME),
                },
                status_text => view.status_text,
                status_class => view.status_class,
                retry => view.finished && status.status != "denied",
                retry_url => "/portal/apps",
                poll_url => pending.then(|| format!("/portal/apps/{id}/step-up/{push}/status")),
                reload_without_js => pending.then_some(3),
            },
        ).await?
        .into_response())
}

pub async fn step_up_status(visit: Visit, Path((id, push)): Path<(String, String)>) -> Response {
    let found = match app(&visit, &id).await {
        Ok(Some(app)) => own_step_up(&visit, &id, &push)
            .await
            .map(|step_up| step_up.map(|step_up| (app, step_up))),
        Ok(None) => Ok(None),
        Err(error) => Err(error),
    };
    match found {
        Ok(Some((app, (status, _)))) => {
            Json(view_of(&app, &push, &status, visit.state.now())).into_response()
        }
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => error.into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub struct LaunchQuery {
    #[serde(default)]
    grant: Option<String>,
}

pub async fn launched(
    visit: Visit,
    Path(id): Path<String>,
    axum::extract::Query(query): axum::extract::Query<LaunchQuery>,
) -> PageResult {
    if visit.user.is_none() {
        return Ok(signed_out());
    }
    let Some(app) = app(&visit, &id).await? else {
        return Ok(see_other("/portal/apps", Vec::new()));
    };
    if app.step_up {
        // Only an approval of this app's step-up, from this session, lately.
        let granted = match &query.grant {
            Some(push) => own_step_up(&visit, &id, push)
                .await?
                .is_some_and(|(status, _)| {
                    status.status == "approved"
                        && status
                            .decided_at
                            .is_some_and(|at| visit.state.now() - at <= GRANT_SECONDS)
                }),
            None => false,
        };
        if !granted {
            return Ok(see_other("/portal/apps", Vec::new()));
        }
    }
    Ok(visit
        .page(
            "message.html",
            context! {
                title => format!("You are signed in to {}", app.name),
                message => format!(
                    "{} would open here. (Single sign-on into the app itself is not built yet.)",
                    app.name
                ),
                next_url => "/portal/apps",
                next_label => "Back to Apps",
            },
        )
        .await?
        .into_response())
}
