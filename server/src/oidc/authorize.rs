//! The authorization endpoint and the browser's way through sign-in and
//! consent. A request is checked in two stages, as RFC 6749 4.1.2.1 orders:
//! until the client and its redirect URI are known good, errors are a page
//! here (redirecting would make this server an open redirector); after that
//! they go back to the client. A valid request is kept server-side under a
//! random id while the browser signs in through the portal's own pages
//! (`/portal/login?oidc=<id>`), which return to `resume_path(id)`: a path we
//! build, never a URL the visitor supplies.

use axum::Form;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use minijinja::context;
use serde::Deserialize;

use super::clients::{self, Client, ClientError};
use super::{pkce, uris};
use crate::db::{DbError, OptionalExtension, Sql, params};
use crate::rules::random_id;
use crate::sessions;
use crate::tokens::token_hash;
use crate::web::page::{PageResult, Visit, see_other};

/// How long a browser has to sign in and consent (10 minutes).
const REQUEST_SECONDS: i64 = 600;
/// How long a code waits for the client's exchange (RFC 6749 advises at most 10 minutes; a
/// client exchanges at once).
pub const CODE_SECONDS: i64 = 60;

#[derive(Debug, thiserror::Error)]
pub enum AuthorizeError {
    #[error("this application is not registered here")]
    UnknownClient,
    #[error("the address to return to is not one this application registered")]
    UnregisteredRedirect,
    #[error("{0}")]
    InvalidRequest(String),
    #[error("only the authorization code flow (response_type=code) is supported")]
    UnsupportedResponseType,
    #[error("request objects are not supported")]
    RequestNotSupported,
    #[error("the user is not signed in and prompt=none forbids asking")]
    LoginRequired,
    #[error("the user has not allowed this application and prompt=none forbids asking")]
    ConsentRequired,
    #[error("the user denied the sign-in, or it did not complete")]
    AccessDenied,
    #[error(
        "this sign-in request has expired or was already used; start again from the application"
    )]
    RequestGone,
    #[error("storage: {0}")]
    Storage(#[from] DbError),
}

impl From<ClientError> for AuthorizeError {
    fn from(error: ClientError) -> Self {
        match error {
            ClientError::Storage(error) => Self::Storage(error),
            _ => Self::UnknownClient,
        }
    }
}

impl AuthorizeError {
    /// The OAuth error code sent to the client, or `None` for a page here.
    fn code(&self) -> Option<&'static str> {
        match self {
            Self::InvalidRequest(_) => Some("invalid_request"),
            Self::UnsupportedResponseType => Some("unsupported_response_type"),
            Self::RequestNotSupported => Some("request_not_supported"),
            Self::LoginRequired => Some("login_required"),
            Self::ConsentRequired => Some("consent_required"),
            Self::AccessDenied => Some("access_denied"),
            Self::UnknownClient | Self::UnregisteredRedirect | Self::RequestGone => None,
            Self::Storage(_) => Some("server_error"),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct AuthorizeParams {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    prompt: Option<String>,
    max_age: Option<String>,
    request: Option<String>,
    request_uri: Option<String>,
}

/// A request waiting for the browser's sign-in and consent.
#[derive(Debug, Clone)]
struct Pending {
    id: String,
    client_id: String,
    redirect_uri: String,
    scope: String,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: String,
    prompt: Vec<String>,
    max_age: Option<i64>,
    created_at: i64,
}

async fn error_page(visit: &Visit, error: &AuthorizeError) -> PageResult {
    if let AuthorizeError::Storage(error) = error {
        return Err(visit.state.storage(DbError::Pool(error.to_string())).into());
    }
    Ok(visit
        .page(
            "message.html",
            context! {
                title => "This sign-in cannot continue",
                message => error.to_string(),
            },
        )
        .await?
        .status(StatusCode::BAD_REQUEST)
        .into_response())
}

/// Where the client learns the outcome: its redirect URI with our issuer
/// (RFC 9207) and its state.
fn client_url(
    issuer: &str,
    redirect_uri: &str,
    state: Option<&str>,
    pairs: &[(&str, &str)],
) -> String {
    let mut all: Vec<(&str, &str)> = pairs.to_vec();
    if let Some(state) = state {
        all.push(("state", state));
    }
    all.push(("iss", issuer));
    uris::with_query(redirect_uri, &all)
}

fn error_pairs(error: &AuthorizeError) -> Vec<(&'static str, String)> {
    vec![
        ("error", error.code().unwrap_or("server_error").to_owned()),
        ("error_description", error.to_string()),
    ]
}

/// The last step to the client, as a page that moves on by itself: a form
/// post (consent, a code) may not redirect to another origin under the
/// portal's `form-action 'self'`, but a page may navigate.
pub(super) async fn continue_to(visit: &Visit, client: &Client, url: &str) -> PageResult {
    Ok(visit
        .page(
            "oidc_continue.html",
            context! { url => url, client => client.name.clone() },
        )
        .await?
        .into_response())
}

pub async fn authorize(visit: Visit, Query(params): Query<AuthorizeParams>) -> PageResult {
    let state = visit.state.clone();
    let now = state.now();
    // Pages render with the database (their CSRF key): it is not held here.
    let client = match params.client_id.as_deref() {
        Some(id) if crate::ids::is_identifier(id) => clients::get(&state.db().await?, id).await,
        _ => Ok(None),
    };
    let client = match client {
        Ok(Some(client)) => client,
        Ok(None) => return error_page(&visit, &AuthorizeError::UnknownClient).await,
        Err(error) => return error_page(&visit, &error.into()).await,
    };
    let redirect_uri = match params.redirect_uri.as_deref() {
        Some(uri) if uris::is_registered(&client.redirect_uris, uri) => uri.to_owned(),
        _ => return error_page(&visit, &AuthorizeError::UnregisteredRedirect).await,
    };
    let pending = match check(&params, &client, &redirect_uri, now) {
        Ok(pending) => pending,
        Err(error) => {
            let pairs = error_pairs(&error);
            let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let url = client_url(
                &super::issuer(&state),
                &redirect_uri,
                params.state.as_deref(),
                &pairs,
            );
            return Ok(see_other(&url, Vec::new()));
        }
    };
    let db = state.db().await?;
    db.execute(
        "DELETE FROM oidc_requests WHERE expires_at < ?1",
        params![now],
    )
    .await
    .map_err(|e| state.storage(e))?;
    db.execute(
        "INSERT INTO oidc_requests (id, client_id, redirect_uri, scope, state, nonce,
             code_challenge, prompt, max_age, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            &pending.id,
            &pending.client_id,
            &pending.redirect_uri,
            &pending.scope,
            &pending.state,
            &pending.nonce,
            &pending.code_challenge,
            pending.prompt.join(" "),
            pending.max_age,
            now,
            now + REQUEST_SECONDS
        ],
    )
    .await
    .map_err(|e| state.storage(e))?;
    drop(db);
    proceed(&visit, &pending.id, false).await
}

/// The second stage of checks, once the redirect URI is trusted.
fn check(
    params: &AuthorizeParams,
    client: &Client,
    redirect_uri: &str,
    now: i64,
) -> Result<Pending, AuthorizeError> {
    let invalid = |what: &str| AuthorizeError::InvalidRequest(what.to_owned());
    if params.request.is_some() || params.request_uri.is_some() {
        return Err(AuthorizeError::RequestNotSupported);
    }
    match params.response_type.as_deref() {
        Some("code") => {}
        None => return Err(invalid("response_type is missing")),
        Some(_) => return Err(AuthorizeError::UnsupportedResponseType),
    }
    let scope = params.scope.as_deref().unwrap_or("");
    if !scope.split(' ').any(|s| s == "openid") {
        return Err(invalid("scope must include openid"));
    }
    let challenge = pkce::challenge(
        params.code_challenge.as_deref(),
        params.code_challenge_method.as_deref(),
    )
    .map_err(|error| AuthorizeError::InvalidRequest(error.to_string()))?;
    let prompt: Vec<String> = params
        .prompt
        .as_deref()
        .unwrap_or("")
        .split(' ')
        .filter(|word| !word.is_empty())
        .map(str::to_owned)
        .collect();
    if prompt.iter().any(|word| {
        !matches!(
            word.as_str(),
            "none" | "login" | "consent" | "select_account"
        )
    }) {
        return Err(invalid(
            "prompt may be none, login, consent or select_account",
        ));
    }
    if prompt.len() > 1 && prompt.iter().any(|word| word == "none") {
        return Err(invalid("prompt=none cannot be combined with other values"));
    }
    let max_age = match params.max_age.as_deref() {
        None => None,
        Some(text) => Some(
            text.parse::<i64>()
                .ok()
                .filter(|age| *age >= 0)
                .ok_or_else(|| invalid("max_age must be a number of seconds"))?,
        ),
    };
    let too_long = |value: &Option<String>| value.as_deref().is_some_and(|v| v.len() > 1024);
    if too_long(&params.state) || too_long(&params.nonce) || scope.len() > 1024 {
        return Err(invalid(
            "state, nonce and scope are at most 1024 characters",
        ));
    }
    Ok(Pending {
        id: random_id("oa_", 18),
        client_id: client.id.clone(),
        redirect_uri: redirect_uri.to_owned(),
        scope: scope.to_owned(),
        state: params.state.clone(),
        nonce: params.nonce.clone(),
        code_challenge: challenge.to_owned(),
        prompt,
        max_age,
        created_at: now,
    })
}

async fn load(db: &impl Sql, id: &str, now: i64) -> Result<Option<Pending>, DbError> {
    db.query_row(
        "SELECT client_id, redirect_uri, scope, state, nonce, code_challenge, prompt, max_age,
                created_at
         FROM oidc_requests WHERE id = ?1 AND expires_at > ?2",
        params![id, now],
        |row| {
            Ok(Pending {
                id: id.to_owned(),
                client_id: row.get(0)?,
                redirect_uri: row.get(1)?,
                scope: row.get(2)?,
                state: row.get(3)?,
                nonce: row.get(4)?,
                code_challenge: row.get(5)?,
                prompt: row
                    .get::<Option<String>>(6)?
                    .unwrap_or_default()
                    .split(' ')
                    .filter(|w| !w.is_empty())
                    .map(str::to_owned)
                    .collect(),
                max_age: row.get(7)?,
                created_at: row.get(8)?,
            })
        },
    )
    .await
    .optional()
}

#[derive(Debug, Deserialize)]
pub struct ResumeQuery {
    #[serde(default)]
    failed: Option<String>,
}

/// Where the portal's sign-in returns to.
pub async fn resume(
    visit: Visit,
    Path(id): Path<String>,
    Query(query): Query<ResumeQuery>,
) -> PageResult {
    if !crate::ids::is_identifier(&id) {
        return error_page(&visit, &AuthorizeError::RequestGone).await;
    }
    proceed(&visit, &id, query.failed.is_some()).await
}

/// Takes a waiting request as far as it can go: to the sign-in, to the
/// consent page, or back to the client with a code or an error.
async fn proceed(visit: &Visit, id: &str, failed: bool) -> PageResult {
    let state = &visit.state;
    let now = state.now();
    let db = state.db().await?;
    let storage = |e| state.storage(e);
    let Some(pending) = load(&db, id, now).await.map_err(storage)? else {
        drop(db);
        return error_page(visit, &AuthorizeError::RequestGone).await;
    };
    let Some(client) = clients::get(&db, &pending.client_id)
        .await
        .map_err(|e| match e {
            ClientError::Storage(e) => state.storage(e),
            other => state.storage(DbError::Pool(other.to_string())),
        })?
    else {
        drop(db);
        return error_page(visit, &AuthorizeError::UnknownClient).await;
    };
    let refuse = |error: AuthorizeError| {
        let pairs = error_pairs(&error);
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        client_url(
            &super::issuer(state),
            &pending.redirect_uri,
            pending.state.as_deref(),
            &pairs,
        )
    };
    if failed {
        finish(&db, &pending).await.map_err(storage)?;
        audit_outcome(&db, now, None, &client.id, "denied")
            .await
            .map_err(storage)?;
        drop(db);
        return continue_to(visit, &client, &refuse(AuthorizeError::AccessDenied)).await;
    }
    let signed_in = match (&visit.user, &visit.session) {
        (Some(user), Some(token)) => sessions::sign_in_of(&db, token)
            .await
            .map_err(storage)?
            .map(|sign_in| (user.clone(), sign_in)),
        _ => None,
    };
    let fresh_needed = |at: i64| {
        // A sign-in made after this request satisfies any demand for a fresh
        // one (max_age=0 included), so the browser never loops.
        let since_request = at >= pending.created_at;
        let login = pending.prompt.iter().any(|w| w == "login");
        let too_old = pending.max_age.is_some_and(|age| now - at > age);
        !since_request && (login || too_old)
    };
    let (user, sign_in) = match signed_in {
        Some((user, sign_in)) if !fresh_needed(sign_in.at) => (user, sign_in),
        _ => {
            if pending.prompt.iter().any(|w| w == "none") {
                finish(&db, &pending).await.map_err(storage)?;
                drop(db);
                return continue_to(visit, &client, &refuse(AuthorizeError::LoginRequired)).await;
            }
            return Ok(see_other(
                &format!("/portal/login?oidc={}", pending.id),
                Vec::new(),
            ));
        }
    };
    let consented: Option<i64> = db
        .query_row(
            "SELECT granted_at FROM oidc_consents WHERE user = ?1 AND client_id = ?2",
            params![&user, &client.id],
            |row| row.get(0),
        )
        .await
        .optional()
        .map_err(storage)?;
    let ask = consented.is_none() || pending.prompt.iter().any(|w| w == "consent");
    if ask {
        if pending.prompt.iter().any(|w| w == "none") {
            finish(&db, &pending).await.map_err(storage)?;
            drop(db);
            return continue_to(visit, &client, &refuse(AuthorizeError::ConsentRequired)).await;
        }
        return Ok(see_other(
            &format!("/oidc/consent/{}", pending.id),
            Vec::new(),
        ));
    }
    // The request is spent by the one step that deletes it: a second tab
    // racing this one finds it gone.
    if finish(&db, &pending).await.map_err(storage)? != 1 {
        drop(db);
        return error_page(visit, &AuthorizeError::RequestGone).await;
    }
    let code = random_id("", 32);
    db.execute(
        "INSERT INTO oidc_codes (hash, client_id, redirect_uri, user, scope, nonce,
             code_challenge, auth_time, amr, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            token_hash(&code),
            &client.id,
            &pending.redirect_uri,
            &user,
            &pending.scope,
            &pending.nonce,
            &pending.code_challenge,
            sign_in.at,
            &sign_in.amr,
            now + CODE_SECONDS
        ],
    )
    .await
    .map_err(storage)?;
    drop(db);
    let url = client_url(
        &super::issuer(state),
        &pending.redirect_uri,
        pending.state.as_deref(),
        &[("code", &code)],
    );
    continue_to(visit, &client, &url).await
}

/// A deleted user's consents go with them: a user later created with the
/// name is asked afresh.
pub async fn forget_consents(db: &impl Sql, user: &str) -> Result<(), DbError> {
    db.execute("DELETE FROM oidc_consents WHERE user = ?1", params![user])
        .await?;
    Ok(())
}

async fn finish(db: &impl Sql, pending: &Pending) -> Result<u64, DbError> {
    db.execute(
        "DELETE FROM oidc_requests WHERE id = ?1",
        params![&pending.id],
    )
    .await
}

async fn audit_outcome(
    db: &impl Sql,
    now: i64,
    user: Option<&str>,
    client: &str,
    outcome: &str,
) -> Result<(), DbError> {
    crate::store::audit(
        db,
        now,
        "oidc_sign_in",
        user,
        None,
        Some(outcome),
        Some(client),
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct ConsentForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    decision: String,
}

/// "<application> wants to sign you in as <user>".
pub async fn consent_page(visit: Visit, Path(id): Path<String>) -> PageResult {
    let state = &visit.state;
    let (Some(user), true) = (&visit.user, crate::ids::is_identifier(&id)) else {
        return Ok(see_other(&super::resume_path(&id, false), Vec::new()));
    };
    let db = state.db().await?;
    let Some(pending) = load(&db, &id, state.now())
        .await
        .map_err(|e| state.storage(e))?
    else {
        drop(db);
        return error_page(&visit, &AuthorizeError::RequestGone).await;
    };
    let client = clients::get(&db, &pending.client_id).await.ok().flatten();
    drop(db);
    let Some(client) = client else {
        return error_page(&visit, &AuthorizeError::UnknownClient).await;
    };
    Ok(visit
        .page(
            "oidc_consent.html",
            context! {
                client => client.name,
                account => user.clone(),
                id => id,
                email => pending.scope.split(' ').any(|s| s == "email"),
            },
        )
        .await?
        .into_response())
}

pub async fn consent_submit(
    visit: Visit,
    Path(id): Path<String>,
    Form(form): Form<ConsentForm>,
) -> PageResult {
    if !visit.csrf_ok(form.csrf.as_deref()).await? {
        return Ok(visit.csrf_refused().await?.into_response());
    }
    let state = &visit.state;
    let (Some(user), true) = (&visit.user, crate::ids::is_identifier(&id)) else {
        return Ok(see_other(&super::resume_path(&id, false), Vec::new()));
    };
    if form.decision != "allow" {
        return proceed(&visit, &id, true).await;
    }
    let db = state.db().await?;
    let now = state.now();
    let Some(pending) = load(&db, &id, now).await.map_err(|e| state.storage(e))? else {
        drop(db);
        return error_page(&visit, &AuthorizeError::RequestGone).await;
    };
    db.execute(
        "INSERT INTO oidc_consents (user, client_id, granted_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (user, client_id) DO UPDATE SET granted_at = excluded.granted_at",
        params![user, &pending.client_id, now],
    )
    .await
    .map_err(|e| state.storage(e))?;
    audit_outcome(&db, now, Some(user), &pending.client_id, "consented")
        .await
        .map_err(|e| state.storage(e))?;
    drop(db);
    // The consent now exists, so this does not ask again (prompt=consent
    // is answered by this very page).
    let db = state.db().await?;
    db.execute(
        "UPDATE oidc_requests SET prompt = ?2 WHERE id = ?1",
        params![
            &id,
            pending
                .prompt
                .iter()
                .filter(|w| *w != "consent")
                .cloned()
                .collect::<Vec<_>>()
                .join(" ")
        ],
    )
    .await
    .map_err(|e| state.storage(e))?;
    drop(db);
    proceed(&visit, &id, false).await
}
