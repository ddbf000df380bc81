//! A privacyIDEA push challenge as the server sends it (by polling or in a push
//! payload), its verification against the pinned server key, and the exact
//! strings the phone signs. Nothing from a challenge is shown before `verify`.

use serde::{Deserialize, Serialize};

use super::rsa_keys;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PiChallenge {
    pub nonce: String,
    pub question: String,
    pub serial: String,
    pub title: String,
    pub sslverify: String,
    pub url: String,
    pub signature: String,
    /// Number matching: the options to choose from, comma-separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_presence: Option<String>,
    /// A JSON object of optional features (privacyIDEA 3.12+), signed apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capabilities_signature: Option<String>,
}

/// A challenge whose signature checked out, with what the phone may send back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedChallenge {
    pub challenge: PiChallenge,
    pub presence_options: Option<Vec<String>>,
    /// The server signed that it understands `decline_reason`.
    pub decline_reason: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChallengeError {
    #[error("the request is not signed by the server this token was enrolled with")]
    BadSignature,
    #[error("the request is for token {found}, not this one")]
    WrongSerial { found: String },
    #[error("the request is not a privacyIDEA push challenge: {0}")]
    Malformed(String),
}

/// Why the user declined, when the server understands reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeclineReason {
    /// "This was not me."
    UnknownTrigger,
    /// "I started it, but changed my mind."
    Cancelled,
}

impl DeclineReason {
    pub fn as_str(self) -> &'static str {
        match self {
            DeclineReason::UnknownTrigger => "unknown_trigger",
            DeclineReason::Cancelled => "cancelled",
        }
    }
}

impl PiChallenge {
    /// The fields of a JSON object (a poll result entry or an FCM data payload).
    pub fn from_value(value: &serde_json::Value) -> Result<Self, ChallengeError> {
        serde_json::from_value(value.clone())
            .map_err(|error| ChallengeError::Malformed(error.to_string()))
    }

    /// The message the server signed: `nonce|url|serial|question|title|sslverify`,
    /// then `|require_presence` for number matching.
    fn signed_message(&self) -> String {
        let mut message = format!(
            "{}|{}|{}|{}|{}|{}",
            self.nonce, self.url, self.serial, self.question, self.title, self.sslverify
        );
        if let Some(options) = &self.require_presence {
            message.push('|');
            message.push_str(options);
        }
        message
    }

    pub fn verify(
        self,
        server_key: &[u8],
        serial: &str,
    ) -> Result<VerifiedChallenge, ChallengeError> {
        if !rsa_keys::verify(server_key, &self.signed_message(), &self.signature) {
            return Err(ChallengeError::BadSignature);
        }
        if self.serial != serial {
            return Err(ChallengeError::WrongSerial {
                found: self.serial.clone(),
            });
        }
        let presence_options = self.require_presence.as_ref().map(|options| {
            options
                .split(',')
                .map(str::to_owned)
                .filter(|option| !option.is_empty())
                .collect::<Vec<_>>()
        });
        if presence_options.as_ref().is_some_and(Vec::is_empty) {
            return Err(ChallengeError::Malformed(
                "number matching without options".into(),
            ));
        }
        let decline_reason = self.verified_capabilities(server_key).is_some_and(|caps| {
            caps.get("decline_reason")
                .and_then(serde_json::Value::as_bool)
                == Some(true)
        });
        Ok(VerifiedChallenge {
            challenge: self,
            presence_options,
            decline_reason,
        })
    }

    /// Capabilities count only with a valid signature over the canonical JSON
    /// (RFC 8785) of `{"capabilities": …, "nonce": …}`; anything else is ignored,
    /// which falls back to the plain protocol.
    fn verified_capabilities(&self, server_key: &[u8]) -> Option<serde_json::Value> {
        let parsed: serde_json::Value = serde_json::from_str(self.capabilities.as_ref()?).ok()?;
        let signed = serde_json::json!({ "capabilities": parsed, "nonce": self.nonce });
        let message = canonical_json(&signed)?;
        rsa_keys::verify(server_key, &message, self.capabilities_signature.as_ref()?)
            .then_some(parsed)
    }
}

impl VerifiedChallenge {
    pub fn approve_message(&self, presence_answer: Option<&str>) -> String {
        let mut message = format!("{}|{}", self.challenge.nonce, self.challenge.serial);
        if let Some(answer) = presence_answer {
            message.push('|');
            message.push_str(answer);
        }
        message
    }

    /// The reason is signed (and sent) only when the server understands it.
    pub fn decline_message(&self, reason: Option<DeclineReason>) -> String {
        let mut message = format!("{}|{}|decline", self.challenge.nonce, self.challenge.serial);
        if let Some(reason) = reason.filter(|_| self.decline_reason) {
            message.push('|');
            message.push_str(reason.as_str());
        }
        message
    }
}

/// The signed poll request's message: `serial|timestamp`.
pub fn poll_message(serial: &str, timestamp: &str) -> String {
    format!("{serial}|{timestamp}")
}

/// RFC 8785 canonical JSON for the values capabilities use: members sorted,
/// no whitespace. Non-integer numbers (whose canonical form needs the ECMAScript
/// number printer) are refused rather than guessed.
fn canonical_json(value: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    Some(match value {
        Value::Null | Value::Bool(_) | Value::String(_) => value.to_string(),
        Value::Number(number) if number.is_i64() || number.is_u64() => number.to_string(),
        Value::Number(_) => return None,
        Value::Array(items) => {
            let items: Option<Vec<String>> = items.iter().map(canonical_json).collect();
            format!("[{}]", items?.join(","))
        }
        Value::Object(members) => {
            let mut members: Vec<(&String, &Value)> = members.iter().collect();
            // RFC 8785 orders by UTF-16 code units.
            members.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
            let members: Option<Vec<String>> = members
                .into_iter()
                .map(|(key, value)| {
                    Some(format!(
                        "{}:{}",
                        Value::from(key.as_str()),
                        canonical_json(value)?
                    ))
                })
                .collect();
            format!("{{{}}}", members?.join(","))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::push::privacyidea::rsa_keys::{generate_device_key, public_pkcs1_from_spki, sign};
    use crate::secret::SecretBytes;

    fn server() -> (SecretBytes, Vec<u8>) {
        let (pkcs8, spki) = generate_device_key(2048).unwrap();
        (pkcs8, public_pkcs1_from_spki(&spki).unwrap())
    }

    fn challenge(key: &SecretBytes, presence: Option<&str>) -> PiChallenge {
        let mut challenge = PiChallenge {
            nonce: "NONCE2345".into(),
            question: "Do you want to confirm the login?".into(),
            serial: "PIPU0001".into(),
            title: "privacyIDEA".into(),
            sslverify: "0".into(),
            url: "http://127.0.0.1:5731/ttype/push".into(),
            signature: String::new(),
            require_presence: presence.map(str::to_owned),
            capabilities: Some(r#"{"decline_reason": true}"#.into()),
            capabilities_signature: None,
        };
        challenge.signature = sign(key, &challenge.signed_message()).unwrap();
        challenge.capabilities_signature = Some(
            sign(
                key,
                r#"{"capabilities":{"decline_reason":true},"nonce":"NONCE2345"}"#,
            )
            .unwrap(),
        );
        challenge
    }

    #[test]
    fn verifies_and_builds_the_answers() {
        let (key, public) = server();
        let verified = challenge(&key, None).verify(&public, "PIPU0001").unwrap();
        assert!(verified.decline_reason);
        assert_eq!(verified.presence_options, None);
        assert_eq!(verified.approve_message(None), "NONCE2345|PIPU0001");
        assert_eq!(
            verified.decline_message(Some(DeclineReason::UnknownTrigger)),
            "NONCE2345|PIPU0001|decline|unknown_trigger"
        );
    }

    #[test]
    fn number_matching_options_are_signed() {
        let (key, public) = server();
        let mut with_options = challenge(&key, Some("AB,CD,EF"));
        let verified = with_options.clone().verify(&public, "PIPU0001").unwrap();
        assert_eq!(
            verified.presence_options,
            Some(vec!["AB".into(), "CD".into(), "EF".into()])
        );
        assert_eq!(
            verified.approve_message(Some("CD")),
            "NONCE2345|PIPU0001|CD"
        );
        // A man in the middle cannot change the options.
        with_options.require_presence = Some("AB,CD,XY".into());
        assert_eq!(
            with_options.verify(&public, "PIPU0001"),
            Err(ChallengeError::BadSignature)
        );
    }

    #[test]
    fn refuses_other_keys_other_tokens_and_edits() {
        let (key, public) = server();
        let (other_key, _) = server();
        assert_eq!(
            challenge(&other_key, None).verify(&public, "PIPU0001"),
            Err(ChallengeError::BadSignature)
        );
        let mut edited = challenge(&key, None);
        edited.title = "Your bank".into();
        assert_eq!(
            edited.verify(&public, "PIPU0001"),
            Err(ChallengeError::BadSignature)
        );
        assert!(matches!(
            challenge(&key, None).verify(&public, "PIPU0002"),
            Err(ChallengeError::WrongSerial { .. })
        ));
    }

    #[test]
    fn unsigned_capabilities_fall_back_to_plain_declines() {
        let (key, public) = server();
        let mut plain = challenge(&key, None);
        plain.capabilities_signature = Some(sign(&key, "something else").unwrap());
        let verified = plain.verify(&public, "PIPU0001").unwrap();
        assert!(!verified.decline_reason);
        assert_eq!(
            verified.decline_message(Some(DeclineReason::Cancelled)),
            "NONCE2345|PIPU0001|decline"
        );
    }

    #[test]
    fn canonical_json_sorts_and_compacts() {
        let value = serde_json::json!({"b": [1, true, null], "a": {"z": "é\n", "y": -2}});
        assert_eq!(
            canonical_json(&value).unwrap(),
            r#"{"a":{"y":-2,"z":"é\n"},"b":[1,true,null]}"#
        );
        assert_eq!(canonical_json(&serde_json::json!(1.5)), None);
    }
}
