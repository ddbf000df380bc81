//! HTTP to the push server: JWS bodies and signed GETs out, JSON or RFC 9457
//! problems back, and the server's clock read from every answer.

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, DATE};

use super::model::PushError;
use crate::clock::UnixTime;
use crate::http::BodyError;
use crate::push::wire::Problem;

/// A server's answer: a JSON body, or a problem document.
#[derive(Debug)]
pub(crate) enum Reply {
    Ok(serde_json::Value),
    Problem(Problem),
}

impl Reply {
    /// The server's time, for the clock offset (section 10).
    pub(crate) fn server_time(&self) -> Option<UnixTime> {
        match self {
            Reply::Ok(body) => body.get("server_time").and_then(serde_json::Value::as_i64),
            Reply::Problem(problem) => Some(problem.server_time),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Transport {
    http: reqwest::Client,
}

impl Transport {
    pub(crate) fn new(http: reqwest::Client) -> Self {
        Self { http }
    }

    pub(crate) async fn post_jose(&self, url: &str, jws: String) -> Result<Reply, PushError> {
        let response = self
            .http
            .post(url)
            .header(CONTENT_TYPE, "application/jose")
            .body(jws)
            .send()
            .await;
        read(response).await
    }

    pub(crate) async fn signed(
        &self,
        method: reqwest::Method,
        url: &str,
        jws: &str,
    ) -> Result<Reply, PushError> {
        let response = self
            .http
            .request(method, url)
            .header(AUTHORIZATION, format!("Countersign {jws}"))
            .send()
            .await;
        read(response).await
    }
}

async fn read(response: reqwest::Result<reqwest::Response>) -> Result<Reply, PushError> {
    let response = response.map_err(|error| PushError::Network {
        reason: crate::http::failure_reason(&error).into(),
    })?;
    let status = response.status();
    let date = response
        .headers()
        .get(DATE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let body = crate::http::read_body(response)
        .await
        .map_err(|error| match error {
            BodyError::CutOff => PushError::Network {
                reason: "the answer was cut off".into(),
            },
            BodyError::TooLarge => PushError::AnswerTooLarge,
        })?;
    if status.is_success() {
        return serde_json::from_slice(&body)
            .map(Reply::Ok)
            .map_err(|_| PushError::Server {
                problem: status.to_string(),
                detail: "the server's answer is not JSON".into(),
            });
    }
    if let Ok(problem) = serde_json::from_slice::<Problem>(&body) {
        return Ok(Reply::Problem(problem));
    }
    // Not a problem document (a proxy's error page, say): act on the status.
    if status.is_server_error() || status.as_u16() == 429 {
        return Err(PushError::Network {
            reason: format!(
                "the server answered {status}{}",
                date.map(|d| format!(" at {d}")).unwrap_or_default()
            ),
        });
    }
    Err(PushError::Server {
        problem: status.to_string(),
        detail: String::from_utf8_lossy(&body).chars().take(200).collect(),
    })
}
