//! Identifiers in paths and bodies (docs/protocol.md section 1.3): 1 to 64
//! characters from `[A-Za-z0-9_-]`. Anything else is `malformed_request`
//! before any lookup, so a bad identifier is never reported as `not_found`.

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use countersign_core::push::wire::ProblemType;

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
