//! What every response and request gets, whatever the route (docs/protocol.md
//! section 1.2): `Cache-Control: no-store` on every response, since they carry
//! session tokens, enrollment URIs and TOTP secrets; and the 64 KiB body limit
//! on every request, also on routes whose handler never reads the body.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use countersign_protocol::wire::{MAX_BODY_BYTES, ProblemType};

use crate::state::Shared;

pub async fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn too_large(state: &Shared) -> Response {
    state
        .problem(
            ProblemType::PayloadTooLarge,
            "the request body is over 64 KiB",
        )
        .with("max_bytes", MAX_BODY_BYTES)
        .into_response()
}

/// Reads at most 64 KiB of the body before any handler runs; a declared or
/// actual larger body is `payload_too_large`.
pub async fn limit_body(State(state): State<Shared>, request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return too_large(&state);
    }
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(_) => too_large(&state),
    }
}

/// The answer for a path no route serves: `unsupported_version` under a
/// `/vN/` prefix other than `/v1/` (section 1.4), `not_found` otherwise.
pub fn unknown_path(state: &Shared, path: &str) -> Response {
    let version = path
        .strip_prefix("/v")
        .map(|rest| rest.split('/').next().unwrap_or(""))
        .filter(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()));
    match version {
        Some(version) if version != "1" => state
            .problem(
                ProblemType::UnsupportedVersion,
                format!("this server speaks protocol version 1, not {version}"),
            )
            .with("supported", serde_json::json!([1]))
            .into_response(),
        _ => state
            .problem(ProblemType::NotFound, "no such endpoint")
            .into_response(),
    }
}
