//! Errors as RFC 9457 problem documents (docs/protocol.md section 9): every
//! failure a client sees has a stable `type`, its `server_time`, and for
//! `rate_limited` a `Retry-After` header.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use countersign_otp::clock::UnixTime;
use countersign_protocol::wire::{Problem, ProblemType};

#[derive(Debug)]
pub struct ApiError(pub Problem);

impl ApiError {
    pub fn new(kind: ProblemType, detail: impl Into<String>, now: UnixTime) -> Self {
        Self(Problem::new(kind, detail, now))
    }

    pub fn with(self, name: &str, value: impl Into<serde_json::Value>) -> Self {
        Self(self.0.with(name, value))
    }

    pub fn kind(&self) -> Option<ProblemType> {
        self.0.kind()
    }

    /// A storage failure: the client should retry later; details stay in the log.
    pub fn storage(error: &crate::db::DbError, now: UnixTime) -> Self {
        eprintln!("storage error: {error}");
        Self::new(ProblemType::Unavailable, "storage is unavailable", now).with("retry_after", 2)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let retry_after = self.0.extension_i64("retry_after");
        let body = serde_json::to_vec(&self.0).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(seconds) = retry_after {
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                headers.insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}
