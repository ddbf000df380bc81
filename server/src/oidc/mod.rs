//! The OpenID Connect provider (docs/oidc.md, ADR 0021): other web
//! applications sign their users in with the portal's password + push (or
//! code) through the authorization code flow with PKCE. Each module has one
//! job: discovery, keys (signing keys and the JWKS), jws (ID tokens),
//! clients (registration and the admin API), uris and pkce (the request
//! checks), authorize (the browser's way through sign-in and consent), token
//! (codes for tokens, userinfo), logout, claims (sub, acr, amr), cors (the
//! public endpoints for applications running in a browser).

pub mod authorize;
pub mod claims;
pub mod clients;
pub mod cors;
pub mod discovery;
pub mod jws;
pub mod keys;
pub mod logout;
pub mod pkce;
pub mod token;
pub mod uris;

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use countersign_protocol::wire::ProblemType;

use crate::state::{AppState, Shared};

/// The issuer: the public base URL exactly as browsers and phones see it.
pub fn issuer(state: &AppState) -> String {
    state.public_url.trim_end_matches('/').to_owned()
}

/// Where the portal's sign-in returns to for authorization `id`; `failed`
/// when the sign-in ended without success (the client gets access_denied).
pub fn resume_path(id: &str, failed: bool) -> String {
    if failed {
        format!("/oidc/resume/{id}?failed=1")
    } else {
        format!("/oidc/resume/{id}")
    }
}

async fn jwks(State(state): State<Shared>) -> Response {
    match keys::published(&state).await {
        Ok(keys) => Json(serde_json::json!({ "keys": keys })).into_response(),
        Err(error) => {
            eprintln!("oidc keys: {error}");
            state
                .problem(ProblemType::Unavailable, "the signing keys cannot be read")
                .into_response()
        }
    }
}

pub fn routes() -> Router<Shared> {
    // What a browser application calls by script; the pages below are
    // navigations and keep the same-origin rules.
    let public = Router::new()
        .route("/.well-known/openid-configuration", get(discovery::get))
        .route("/oidc/jwks", get(jwks))
        .route("/oidc/token", post(token::token).options(cors::preflight))
        .route(
            "/oidc/userinfo",
            get(token::userinfo)
                .post(token::userinfo)
                .options(cors::preflight),
        )
        .layer(axum::middleware::map_response(cors::allow_any_origin));
    Router::new()
        .merge(public)
        .route("/oidc/authorize", get(authorize::authorize))
        .route("/oidc/resume/{id}", get(authorize::resume))
        .route(
            "/oidc/consent/{id}",
            get(authorize::consent_page).post(authorize::consent_submit),
        )
        .route("/oidc/logout", get(logout::logout).post(logout::confirmed))
        .route(
            "/v1/admin/oidc/clients",
            get(clients::api_list).post(clients::api_create),
        )
        .route(
            "/v1/admin/oidc/clients/{id}",
            get(clients::api_get)
                .patch(clients::api_update)
                .delete(clients::api_delete),
        )
        .route("/v1/admin/oidc/keys/rotate", post(clients::api_rotate_keys))
}
