//! The sign-in context a relying party sends with a push (docs/protocol.md
//! section 6.2), with the document's limits enforced here: it is shown on the
//! phone, so an over-long or control-character text must never reach it.
//! `time` is optional and defaults to the server's now (section 8.1).
//! `lat`/`lon` and `network` feed the risk signals (`crate::risk`).

use countersign_otp::clock::UnixTime;
use countersign_protocol::risk::Degrees;
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
    /// Degrees; out of ±180 is refused when the body is read, beyond ±90
    /// latitude (or one without the other) by `validate`.
    #[serde(default)]
    pub lat: Option<Degrees>,
    #[serde(default)]
    pub lon: Option<Degrees>,
    #[serde(default)]
    pub network: Option<String>,
}

impl ContextInput {
    /// The context to sign into the challenge, or `malformed_request`.
    pub fn validate(self, state: &AppState) -> Result<Context, ApiError> {
        for (name, value) in [
            ("ip", &self.ip),
            ("location", &self.location),
            ("browser", &self.browser),
            ("os", &self.os),
            ("network", &self.network),
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
        let context = Context {
            ip: self.ip,
            location: self.location,
            browser: self.browser,
            os: self.os,
            time,
            lat: self.lat,
            lon: self.lon,
            network: self.network,
        };
        // The protocol's own limits: the texts (checked above, with the
        // member's name) and coordinates that are a place on Earth.
        if let Some(member) = context.over_limits() {
            return Err(state.problem(
                ProblemType::MalformedRequest,
                format!(
                    "{member} is out of bounds: lat and lon come together, lat within ±90 degrees"
                ),
            ));
        }
        Ok(context)
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
