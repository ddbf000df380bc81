//! Request bodies read with the protocol's limits and errors: at most 64 KiB
//! (`payload_too_large`), the right content type and well-formed JSON or JWS
//! (`malformed_request`), instead of axum's plain-text rejections.

use axum::extract::{FromRequest, Request};
use axum::http::header;
use countersign_protocol::wire::{MAX_BODY_BYTES, ProblemType};
use serde::de::DeserializeOwned;

use crate::problem::ApiError;
use crate::state::Shared;

async fn read_body(
    request: Request,
    state: &Shared,
    content_type: &str,
) -> Result<Vec<u8>, ApiError> {
    let declared = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(|value| {
            value
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    if declared.as_deref() != Some(content_type) {
        return Err(state.problem(
            ProblemType::MalformedRequest,
            format!("the body must be {content_type}"),
        ));
    }
    axum::body::to_bytes(request.into_body(), MAX_BODY_BYTES)
        .await
        .map(|bytes| bytes.to_vec())
        .map_err(|_| {
            state
                .problem(
                    ProblemType::PayloadTooLarge,
                    "the request body is over 64 KiB",
                )
                .with("max_bytes", MAX_BODY_BYTES)
        })
}

/// A compact JWS sent as `application/jose`.
#[derive(Debug)]
pub struct JoseBody(pub String);

impl FromRequest<Shared> for JoseBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &Shared) -> Result<Self, Self::Rejection> {
        let bytes = read_body(request, state, "application/jose").await?;
        String::from_utf8(bytes)
            .map(|text| JoseBody(text.trim().to_owned()))
            .map_err(|_| state.problem(ProblemType::MalformedRequest, "the JWS is not UTF-8"))
    }
}

/// A JSON body, parsed into `T`.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<Shared> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &Shared) -> Result<Self, Self::Rejection> {
        let bytes = read_body(request, state, "application/json").await?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|error| {
                state.problem(
                    ProblemType::MalformedRequest,
                    format!("invalid JSON: {error}"),
                )
            })
    }
}
