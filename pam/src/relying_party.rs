//! The three relying-party calls a login needs (docs/protocol.md 8.1, 8.2):
//! start a push, wait for its answer, verify a typed code.

use std::time::Duration;

use countersign_protocol::wire::{MAX_CONTEXT_CHARS, Problem, ProblemType, is_display_text};
use serde::Deserialize;
use serde_json::json;

/// Each request's own limit; a long poll adds its wait to it.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The server holds a long poll for at most 30 s.
const LONGEST_POLL: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum RelyingPartyError {
    /// No answer, or a 5xx: the only error `when_unreachable` applies to.
    #[error("the Countersign server cannot be reached: {0}")]
    Unreachable(String),
    /// The server answered with a problem (protocol.md 9).
    #[error("{}", .0.detail)]
    Refused(Box<Problem>),
    /// An answer that is not the protocol's: a proxy's page, a wrong URL.
    #[error("the server's answer is not Countersign's ({0}): check `server` in the configuration")]
    Unexpected(String),
}

impl RelyingPartyError {
    pub fn problem(&self) -> Option<ProblemType> {
        match self {
            Self::Refused(problem) => problem.kind(),
            _ => None,
        }
    }

    /// The `risk_refused` problem is the reference server's own (not a
    /// protocol problem type), so it is matched by its URI's last segment.
    pub fn is_risk_refusal(&self) -> bool {
        matches!(self, Self::Refused(problem) if problem.problem_type.ends_with("/risk_refused"))
    }

    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::Refused(problem) => problem.extensions.get("retry_after")?.as_u64(),
            _ => None,
        }
    }
}

/// What the login shows with the push: where it comes from, in the
/// context's words (docs/protocol.md 6.2). The phone reads `browser on os`,
/// so the service and the host read "sshd on build-01".
#[derive(Debug, Clone, Default)]
pub struct LoginContext {
    pub service: Option<String>,
    pub host: Option<String>,
    pub remote: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct CreatedPush {
    pub id: String,
    #[serde(default)]
    pub number: Option<String>,
    pub expires_at: i64,
    pub server_time: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approved,
    Denied { fraud: bool },
    Expired,
    Pending,
}

#[derive(Debug, Deserialize)]
struct StatusReply {
    status: String,
    #[serde(default)]
    fraud: bool,
}

#[derive(Debug)]
pub struct RelyingParty {
    http: reqwest::blocking::Client,
    base: String,
    token: String,
}

impl RelyingParty {
    pub fn new(base: &str, token: &str) -> Result<Self, RelyingPartyError> {
        // ring, as everywhere in Countersign; installing twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::blocking::Client::builder()
            .timeout(REQUEST_TIMEOUT + LONGEST_POLL)
            .connect_timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("pam_countersign/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| RelyingPartyError::Unreachable(e.to_string()))?;
        Ok(Self {
            http,
            base: base.to_owned(),
            token: token.to_owned(),
        })
    }

    pub fn create_push(
        &self,
        user: &str,
        resource: &str,
        context: &LoginContext,
    ) -> Result<CreatedPush, RelyingPartyError> {
        let mut sent = serde_json::Map::new();
        for (member, value) in [
            ("browser", &context.service),
            ("os", &context.host),
            ("ip", &context.remote),
        ] {
            if let Some(text) = value.as_deref().and_then(display_text) {
                sent.insert(member.into(), text.into());
            }
        }
        let body = json!({ "user": user, "resource": resource, "kind": "login", "context": sent });
        let request = self
            .http
            .post(format!("{}/v1/pushes", self.base))
            .json(&body);
        self.send(request)
    }

    /// The push's state, waiting up to `wait` (at most 30 s) for an answer.
    pub fn wait(&self, id: &str, wait: Duration) -> Result<Decision, RelyingPartyError> {
        let seconds = wait.min(LONGEST_POLL).as_secs();
        let request = self
            .http
            .get(format!("{}/v1/pushes/{id}?wait={seconds}", self.base));
        let reply: StatusReply = self.send(request)?;
        Ok(match reply.status.as_str() {
            "approved" => Decision::Approved,
            "denied" => Decision::Denied { fraud: reply.fraud },
            "expired" => Decision::Expired,
            "pending" => Decision::Pending,
            other => {
                return Err(RelyingPartyError::Unexpected(format!("status {other:?}")));
            }
        })
    }

    /// Takes the push back from the phone (docs/protocol.md 8.1): the login
    /// ended without its answer.
    pub fn withdraw(&self, id: &str) -> Result<(), RelyingPartyError> {
        let request = self.http.delete(format!("{}/v1/pushes/{id}", self.base));
        let _: serde_json::Value = self.send(request)?;
        Ok(())
    }

    /// `Ok(())` for a right code; a wrong one is `Refused` with `wrong_code`.
    pub fn verify_code(
        &self,
        user: &str,
        code: &str,
        remote: Option<&str>,
    ) -> Result<(), RelyingPartyError> {
        let mut body = json!({ "user": user, "code": code });
        if let Some(ip) = remote.and_then(display_text) {
            body["ip"] = ip.into();
        }
        let request = self
            .http
            .post(format!("{}/v1/totp/verify", self.base))
            .json(&body);
        let _: serde_json::Value = self.send(request)?;
        Ok(())
    }

    fn send<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::blocking::RequestBuilder,
    ) -> Result<T, RelyingPartyError> {
        let response = request
            .bearer_auth(&self.token)
            .send()
            .map_err(|e| RelyingPartyError::Unreachable(without_url(e)))?;
        let status = response.status();
        if status.is_server_error() {
            return Err(RelyingPartyError::Unreachable(format!(
                "it answered {status}"
            )));
        }
        let body = response
            .bytes()
            .map_err(|e| RelyingPartyError::Unreachable(without_url(e)))?;
        if status.is_success() {
            return serde_json::from_slice(&body).map_err(|_| {
                RelyingPartyError::Unexpected(format!("a {status} that is not JSON"))
            });
        }
        match serde_json::from_slice::<Problem>(&body) {
            Ok(problem) => Err(RelyingPartyError::Refused(Box::new(problem))),
            Err(_) => Err(RelyingPartyError::Unexpected(format!(
                "{status} without a problem document"
            ))),
        }
    }
}

/// reqwest's message names the URL, whose path holds the push id; the
/// user's terminal needs the cause only.
fn without_url(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}

/// A context text the server accepts: printable, at most 200 characters.
/// A longer host or remote name is cut rather than the push refused.
fn display_text(text: &str) -> Option<String> {
    let cleaned: String = text
        .chars()
        .filter(|c| is_display_text(c.encode_utf8(&mut [0; 4]), 1))
        .take(MAX_CONTEXT_CHARS)
        .collect();
    let cleaned = cleaned.trim().to_owned();
    (!cleaned.is_empty()).then_some(cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_texts_lose_control_characters_and_stop_at_the_limit() {
        assert_eq!(
            display_text("ssh\u{1b}[31md\u{200b}\n"),
            Some("ssh[31md".into())
        );
        assert_eq!(display_text(" \t "), None);
        let long = "h".repeat(500);
        assert_eq!(
            display_text(&long).map(|text| text.chars().count()),
            Some(MAX_CONTEXT_CHARS)
        );
    }
}
