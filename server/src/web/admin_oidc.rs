//! The Admin Portal's page for OpenID Connect applications: register one
//! (its secret is shown on the next page only), change its URIs, delete it,
//! rotate the signing keys. Each action calls the admin API's handler
//! (`oidc::clients`), so the page and the API check and audit alike.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use minijinja::{Value, context};
use serde::Deserialize;

use super::admin::{admin_of, admin_page, problem_text, to_sign_in};
use super::page::{CsrfForm, PageResult, Visit};
use crate::auth::Admin;
use crate::extract::JsonBody;
use crate::ids::IdPath;
use crate::oidc::clients::{self, ClientUpdate, NewClient};

/// What the page says above the list: a notice, an error, or a new secret.
#[derive(Debug, Default)]
struct Outcome {
    notice: Option<String>,
    error: Option<String>,
    created: Option<serde_json::Value>,
}

async fn oidc_page(visit: &Visit, admin: Admin, outcome: Outcome) -> PageResult {
    let listed = clients::api_list(State(visit.state.clone()), admin)
        .await?
        .0;
    let status = if outcome.error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    admin_page(
        visit,
        "admin_oidc.html",
        context! {
            clients => Value::from_serialize(&listed["clients"]),
            issuer => crate::oidc::issuer(&visit.state),
            notice => outcome.notice,
            error => outcome.error,
            created => outcome.created.map(|created| Value::from_serialize(&created)),
        },
        status,
    )
    .await
}

pub async fn page(visit: Visit) -> PageResult {
    let Some(admin) = admin_of(&visit).await? else {
        return Ok(to_sign_in());
    };
    oidc_page(&visit, admin, Outcome::default()).await
}

/// One URI a line (a person pastes lists that way).
fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

#[derive(Debug, Deserialize)]
pub struct ClientForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    redirect_uris: String,
    #[serde(default)]
    post_logout_redirect_uris: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    alg: String,
}

pub async fn create(visit: Visit, Form(form): Form<ClientForm>) -> PageResult {
    if !visit.csrf_ok(form.csrf.as_deref()).await? {
        return Ok(visit.csrf_refused().await?.into_response());
    }
    let Some(admin) = admin_of(&visit).await? else {
        return Ok(to_sign_in());
    };
    let created = clients::api_create(
        State(visit.state.clone()),
        admin.clone(),
        JsonBody(NewClient {
            name: form.name,
            redirect_uris: lines(&form.redirect_uris),
            post_logout_redirect_uris: lines(&form.post_logout_redirect_uris),
            kind: Some(form.kind),
            id_token_signed_response_alg: Some(form.alg),
        }),
    )
    .await;
    let outcome = match created {
        Ok((_, created)) => Outcome {
            created: Some(created.0),
            ..Outcome::default()
        },
        Err(error) => Outcome {
            error: Some(problem_text(&error)),
            ..Outcome::default()
        },
    };
    oidc_page(&visit, admin, outcome).await
}

#[derive(Debug, Deserialize)]
pub struct UrisForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    redirect_uris: String,
    #[serde(default)]
    post_logout_redirect_uris: String,
}

pub async fn update(
    visit: Visit,
    Path(id): Path<String>,
    Form(form): Form<UrisForm>,
) -> PageResult {
    if !visit.csrf_ok(form.csrf.as_deref()).await? {
        return Ok(visit.csrf_refused().await?.into_response());
    }
    let Some(admin) = admin_of(&visit).await? else {
        return Ok(to_sign_in());
    };
    let changed = clients::api_update(
        State(visit.state.clone()),
        admin.clone(),
        IdPath(id),
        JsonBody(ClientUpdate {
            name: None,
            redirect_uris: Some(lines(&form.redirect_uris)),
            post_logout_redirect_uris: Some(lines(&form.post_logout_redirect_uris)),
        }),
    )
    .await;
    let outcome = match changed {
        Ok(_) => Outcome {
            notice: Some("Saved.".into()),
            ..Outcome::default()
        },
        Err(error) => Outcome {
            error: Some(problem_text(&error)),
            ..Outcome::default()
        },
    };
    oidc_page(&visit, admin, outcome).await
}

pub async fn delete(
    visit: Visit,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> PageResult {
    if !visit.csrf_ok(form.csrf.as_deref()).await? {
        return Ok(visit.csrf_refused().await?.into_response());
    }
    let Some(admin) = admin_of(&visit).await? else {
        return Ok(to_sign_in());
    };
    let deleted = clients::api_delete(State(visit.state.clone()), admin.clone(), IdPath(id)).await;
    let outcome = match deleted {
        Ok(_) => Outcome {
            notice: Some("The application is deleted; its sign-ins no longer work.".into()),
            ..Outcome::default()
        },
        Err(error) => Outcome {
            error: Some(problem_text(&error)),
            ..Outcome::default()
        },
    };
    oidc_page(&visit, admin, outcome).await
}

pub async fn rotate(visit: Visit, Form(form): Form<CsrfForm>) -> PageResult {
    if !visit.csrf_ok(form.csrf.as_deref()).await? {
        return Ok(visit.csrf_refused().await?.into_response());
    }
    let Some(admin) = admin_of(&visit).await? else {
        return Ok(to_sign_in());
    };
    let rotated = clients::api_rotate_keys(State(visit.state.clone()), admin.clone()).await;
    let outcome = match rotated {
        Ok(_) => Outcome {
            notice: Some(
                "New signing keys sign from now on; the old ones stay published for two days."
                    .into(),
            ),
            ..Outcome::default()
        },
        Err(error) => Outcome {
            error: Some(problem_text(&error)),
            ..Outcome::default()
        },
    };
    oidc_page(&visit, admin, outcome).await
}
