//! The enrollment QR code of a privacyIDEA push token:
//! `otpauth://pipush/LABEL?url=…&ttl=…&issuer=…&enrollment_credential=…&v=1&serial=…&sslverify=0|1`
//! (or `pia://pipush/…`), with the optional `poll_only`, `image`, `pin` and
//! `app_force_unlock` parameters. Unknown parameters are ignored, as privacyIDEA's
//! own app does.

use percent_encoding::percent_decode_str;

use crate::clock::UnixTime;
use crate::push::enroll_uri::normalize_url;
use crate::scan::{ScanPayload, classify};

/// privacyIDEA's default `push_ttl` when the code names none, in minutes.
const DEFAULT_TTL_MINUTES: i64 = 10;

#[derive(Clone, PartialEq, Eq)]
pub struct PiEnrollmentUri {
    /// What the user sees (privacyIDEA's token label: the serial unless configured).
    pub label: String,
    pub issuer: String,
    /// The server's `/ttype/push` endpoint: enrollment, polling and answers.
    pub url: String,
    pub serial: String,
    pub enrollment_credential: String,
    /// Minutes the phone may take to finish the enrollment after scanning.
    pub ttl_minutes: i64,
    /// `false` only when the server said `sslverify=0` (a self-signed certificate).
    pub ssl_verify: bool,
    /// The server sends no push notifications: the phone polls.
    pub poll_only: bool,
    /// The administrator wants the app unlocked (PIN or biometrics) before answering.
    pub require_unlock: bool,
    pub image: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PiUriError {
    #[error("this is not a privacyIDEA push token code (otpauth://pipush/…)")]
    NotPushToken,
    #[error(
        "this privacyIDEA code is for version {found} of its push protocol; update Countersign"
    )]
    UnsupportedVersion { found: String },
    #[error("the privacyIDEA code has no {parameter} parameter; ask for a new one")]
    Missing { parameter: &'static str },
    #[error("the privacyIDEA code's {parameter} is invalid: {reason}")]
    Invalid {
        parameter: &'static str,
        reason: String,
    },
    #[error(
        "this privacyIDEA code was scanned {minutes_ago} min ago and was valid for {ttl} min; \
         ask for a new one"
    )]
    Expired { minutes_ago: i64, ttl: i64 },
}

/// The enrollment credential is a bearer secret while the ttl lasts: never printed.
impl std::fmt::Debug for PiEnrollmentUri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PiEnrollmentUri")
            .field("label", &self.label)
            .field("issuer", &self.issuer)
            .field("url", &self.url)
            .field("serial", &self.serial)
            .field("enrollment_credential", &"[redacted]")
            .field("ttl_minutes", &self.ttl_minutes)
            .field("ssl_verify", &self.ssl_verify)
            .field("poll_only", &self.poll_only)
            .field("require_unlock", &self.require_unlock)
            .finish()
    }
}

impl PiEnrollmentUri {
    pub fn parse(text: &str) -> Result<Self, PiUriError> {
        let text = text.trim();
        // Which codes are privacyIDEA's is the scanner's rule, not a second copy.
        if !matches!(classify(text), ScanPayload::PrivacyIdeaPush { .. }) {
            return Err(PiUriError::NotPushToken);
        }
        let rest = &text[text.find("://").map_or(0, |i| i + 3) + "pipush/".len()..];
        let (label, query) = rest.split_once('?').unwrap_or((rest, ""));
        let label = decode("label", label)?;
        let mut values: Vec<(String, String)> = Vec::new();
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            values.push((key.to_ascii_lowercase(), decode("query", value)?));
        }
        let get = |name: &str| {
            values
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
        };
        let require = |parameter: &'static str| {
            get(parameter)
                .filter(|value| !value.is_empty())
                .ok_or(PiUriError::Missing { parameter })
        };
        let version = get("v").unwrap_or_else(|| "1".into());
        if version != "1" {
            return Err(PiUriError::UnsupportedVersion { found: version });
        }
        let url = normalize_url(&require("url")?).map_err(|error| PiUriError::Invalid {
            parameter: "url",
            reason: error.to_string(),
        })?;
        let ttl_minutes = match get("ttl") {
            None => DEFAULT_TTL_MINUTES,
            // privacyIDEA's app takes any whole number; below a minute is a minute.
            Some(ttl) => ttl
                .trim()
                .parse::<i64>()
                .map_err(|_| PiUriError::Invalid {
                    parameter: "ttl",
                    reason: "must be a whole number of minutes".into(),
                })?
                .max(1),
        };
        let ssl_verify = match get("sslverify").as_deref() {
            None | Some("1") => true,
            Some("0") => false,
            Some(_) => {
                return Err(PiUriError::Invalid {
                    parameter: "sslverify",
                    reason: "must be 0 or 1".into(),
                });
            }
        };
        let serial = require("serial")?;
        if serial.len() > 128 || serial.contains('|') {
            return Err(PiUriError::Invalid {
                parameter: "serial",
                reason: "too long or contains '|'".into(),
            });
        }
        let unlock = get("app_force_unlock")
            .is_some_and(|value| !matches!(value.to_ascii_lowercase().as_str(), "" | "none"))
            || get("pin").is_some_and(|value| is_true(&value));
        Ok(Self {
            label: if label.is_empty() {
                serial.clone()
            } else {
                label
            },
            issuer: get("issuer")
                .filter(|issuer| !issuer.is_empty())
                .unwrap_or_else(|| "privacyIDEA".into()),
            url,
            enrollment_credential: require("enrollment_credential")?,
            serial,
            ttl_minutes,
            ssl_verify,
            poll_only: get("poll_only").is_some_and(|value| is_true(&value)),
            require_unlock: unlock,
            image: get("image").filter(|image| !image.is_empty()),
        })
    }

    /// The phone enforces the ttl: the enrollment must finish within `ttl`
    /// minutes of scanning (the server does not check it).
    pub fn check_ttl(&self, scanned_at: UnixTime, now: UnixTime) -> Result<(), PiUriError> {
        let elapsed = now - scanned_at;
        // A scan time in the future would switch the ttl off (milliseconds
        // passed for seconds, say); a minute of clock jitter is allowed.
        if elapsed < -60 {
            return Err(PiUriError::Invalid {
                parameter: "scan time",
                reason: "is in the future: pass Unix seconds of this device's clock".into(),
            });
        }
        if elapsed > self.ttl_minutes * 60 {
            return Err(PiUriError::Expired {
                minutes_ago: elapsed / 60,
                ttl: self.ttl_minutes,
            });
        }
        Ok(())
    }
}

fn is_true(value: &str) -> bool {
    matches!(value.to_ascii_lowercase().as_str(), "1" | "true" | "yes")
}

fn decode(parameter: &'static str, value: &str) -> Result<String, PiUriError> {
    percent_decode_str(value)
        .decode_utf8()
        .map(|text| text.into_owned())
        .map_err(|_| PiUriError::Invalid {
            parameter,
            reason: "not UTF-8".into(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODE: &str = "otpauth://pipush/PIPU0001A2B3?url=http%3A//127.0.0.1%3A5731/ttype/push\
        &ttl=10&issuer=privacyIDEA&enrollment_credential=9f2c&v=1&serial=PIPU0001A2B3\
        &sslverify=0&poll_only=True";

    #[test]
    fn reads_what_privacyidea_writes() {
        let uri = PiEnrollmentUri::parse(CODE).unwrap();
        assert_eq!(uri.label, "PIPU0001A2B3");
        assert_eq!(uri.url, "http://127.0.0.1:5731/ttype/push");
        assert_eq!(uri.serial, "PIPU0001A2B3");
        assert_eq!(uri.enrollment_credential, "9f2c");
        assert_eq!(uri.ttl_minutes, 10);
        assert!(!uri.ssl_verify);
        assert!(uri.poll_only);
        assert!(!uri.require_unlock);
    }

    #[test]
    fn pia_scheme_and_options() {
        let code = CODE.replace("otpauth://", "pia://") + "&pin=True&image=https%3A//x/logo.png";
        let uri = PiEnrollmentUri::parse(&code).unwrap();
        assert!(uri.require_unlock);
        assert_eq!(uri.image.as_deref(), Some("https://x/logo.png"));
        let code = CODE.to_owned() + "&app_force_unlock=biometric";
        assert!(PiEnrollmentUri::parse(&code).unwrap().require_unlock);
    }

    #[test]
    fn refuses_what_it_cannot_use() {
        assert_eq!(
            PiEnrollmentUri::parse("otpauth://totp/x?secret=AAAA"),
            Err(PiUriError::NotPushToken)
        );
        assert!(matches!(
            PiEnrollmentUri::parse(&CODE.replace("&v=1", "&v=2")),
            Err(PiUriError::UnsupportedVersion { .. })
        ));
        assert!(matches!(
            PiEnrollmentUri::parse(&CODE.replace("enrollment_credential=9f2c", "")),
            Err(PiUriError::Missing {
                parameter: "enrollment_credential"
            })
        ));
        assert!(matches!(
            PiEnrollmentUri::parse(&CODE.replace("ttl=10", "ttl=soon")),
            Err(PiUriError::Invalid {
                parameter: "ttl",
                ..
            })
        ));
        // Plain http only to this computer.
        assert!(matches!(
            PiEnrollmentUri::parse(&CODE.replace("127.0.0.1", "pi.example.com")),
            Err(PiUriError::Invalid {
                parameter: "url",
                ..
            })
        ));
    }

    #[test]
    fn ttl_is_minutes_from_the_scan() {
        let uri = PiEnrollmentUri::parse(CODE).unwrap();
        assert!(uri.check_ttl(1_000, 1_000 + 600).is_ok());
        assert!(matches!(
            uri.check_ttl(1_000_000, 1_000),
            Err(PiUriError::Invalid { .. })
        ));
        assert!(
            !format!("{uri:?}").contains("9f2c"),
            "the credential is redacted"
        );
        assert_eq!(
            uri.check_ttl(1_000, 1_000 + 661),
            Err(PiUriError::Expired {
                minutes_ago: 11,
                ttl: 10
            })
        );
    }
}
