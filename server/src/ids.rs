//! Identifiers in paths and bodies (docs/protocol.md section 1.3): 1 to 64
//! characters from `[A-Za-z0-9_-]`. Anything else is `malformed_request`
//! before any lookup, so a bad identifier is never reported as `not_found`.

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use countersign_protocol::wire::ProblemType;

use crate::problem::ApiError;
use crate::state::{AppState, Shared};

pub fn is_identifier(text: &str) -> bool {
    (1..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

pub fn check(state: &AppState, what: &str, text: &str) -> Result<(), ApiError> {
    if is_identifier(text) {
        Ok(())
    } else {
        Err(state.problem(
            ProblemType::MalformedRequest,
            format!("{what} must be 1 to 64 characters from [A-Za-z0-9_-]"),
        ))
    }
}

/// The one `{id}` of a path, checked as an identifier.
#[derive(Debug, Clone)]
pub struct IdPath(pub String);

impl FromRequestParts<Shared> for IdPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, ApiError> {
        let Path(id) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| state.problem(ProblemType::MalformedRequest, "bad path parameter"))?;
        check(state, "the id in the path", &id)?;
        Ok(Self(id))
    }
}

/// A user's login name (protocol.md 3.1): 1 to 256 characters, no controls.
pub fn is_user_name(name: &str) -> bool {
    !name.is_empty() && name.chars().count() <= 256 && !name.chars().any(char::is_control)
}

pub fn check_user_name(state: &AppState, name: &str) -> Result<(), ApiError> {
    if is_user_name(name) {
        Ok(())
    } else {
        Err(state.problem(
            ProblemType::MalformedRequest,
            "a user name is 1 to 256 printable characters",
        ))
    }
}

/// The longest push token accepted (FCM tokens are about 160 characters, APNs
/// tokens 64); protocol.md 4.1.
pub const MAX_PUSH_TOKEN_CHARS: usize = 4096;

pub fn check_push_token(state: &AppState, token: Option<&str>) -> Result<(), ApiError> {
    match token {
        Some(token)
            if token.is_empty()
                || token.len() > MAX_PUSH_TOKEN_CHARS
                || !token.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            Err(state.problem(
                ProblemType::MalformedRequest,
                "push_token is 1 to 4096 printable ASCII characters",
            ))
        }
        _ => Ok(()),
    }
}
