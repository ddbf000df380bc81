//! Cross-origin reads of the provider's public endpoints, so an application
//! running in the browser (a public client) can discover, fetch the JWKS,
//! exchange its code and call userinfo. `*` and never credentials: these
//! endpoints take no cookies, only what the caller sends (its code and
//! verifier, a bearer token), so another origin gains nothing it did not have.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Adds the CORS headers to a public endpoint's answer.
pub async fn allow_any_origin(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

/// The preflight a browser sends before a request with `Authorization`.
pub async fn preflight() -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("Authorization, Content-Type"),
    );
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    response
}
