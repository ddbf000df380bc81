//! The sign-in context a relying party sends with a push (docs/protocol.md
//! section 6.2), with the document's limits enforced here: it is shown on the
//! phone, so an over-long or control-character text must never reach it.
//! `time` is optional and defaults to the server's now (section 8.1).

use countersign_otp::clock::UnixTime;
use countersign_protocol::wire::{Context, MAX_CONTEXT_CHARS, ProblemType, is_display_text};
use serde::Deserialize;

use crate::problem::ApiError;
use crate::state::AppState;

/// Latest representable time (1.3: integers up to 2^53 − 1).
const MAX_TIME: i64 = (1 << 53) - 1;

#[derive(Debug, Default, Deserialize)]
pub struct ContextInput {
    #[serde(default)]
    pub ip: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub browser: Option<String>,
    #[serde(default)]
    pub os: Option<String>,
    #[serde(default)]
    pub time: Option<UnixTime>,
}

impl ContextInput {
    /// The context to sign into the challenge, or `malformed_request`.
    pub fn validate(self, state: &AppState) -> Result<Context, ApiError> {
        for (name, value) in [
            ("ip", &self.ip),
            ("location", &self.location),
            ("browser", &self.browser),
            ("os", &self.os),
        ] {
            if let Some(value) = value {
                check_text(state, name, value)?;
            }
        }
        let time = match self.time {
            None | Some(0) => state.now(),
            Some(time) if (0..=MAX_TIME).contains(&time) => time,
            Some(_) => {
                return Err(state.problem(
                    ProblemType::MalformedRequest,
                    "context.time is not a Unix time",
                ));
            }
        };
        Ok(Context {
            ip: self.ip,
            location: self.location,
            browser: self.browser,
            os: self.os,
            time,
        })
    }
}

fn check_text(state: &AppState, name: &str, value: &str) -> Result<(), ApiError> {
    if !is_display_text(value, MAX_CONTEXT_CHARS) {
        return Err(state.problem(
            ProblemType::MalformedRequest,
            format!("context.{name} is at most {MAX_CONTEXT_CHARS} printable characters"),
        ));
    }
    Ok(())
}
