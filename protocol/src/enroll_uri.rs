//! `countersign://enroll?v=1&url=…&token=…&sk=…&user=…&org=…&exp=…`
//! (docs/protocol.md section 3): parse with every check the device must make,
//! build as the server must write it, and normalize the server URL.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::clock::UnixTime;

#[derive(Clone, PartialEq, Eq)]
pub struct EnrollmentUri {
    /// Normalized base URL (section 3.3).
    pub url: String,
    pub token: String,
    /// RFC 7638 thumbprint of the server key the device will pin.
    pub sk: String,
    pub user: String,
    pub org: String,
    pub exp: UnixTime,
}

/// The token enrolls a device for the user until it is used or expires: a
/// bearer secret, never printed.
impl std::fmt::Debug for EnrollmentUri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrollmentUri")
            .field("url", &self.url)
            .field("token", &"[redacted]")
            .field("sk", &self.sk)
            .field("user", &self.user)
            .field("org", &self.org)
            .field("exp", &self.exp)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnrollUriError {
    #[error("this is not a Countersign enrollment code (countersign://enroll?…)")]
    NotEnrollment,
    #[error("this enrollment code is for protocol version {found}; update Countersign")]
    UnsupportedVersion { found: String },
    #[error("the enrollment code has no {parameter} parameter")]
    Missing { parameter: &'static str },
    #[error("the enrollment code has the {parameter} parameter twice")]
    Duplicate { parameter: String },
    #[error("the enrollment code's {parameter} is invalid: {reason}")]
    Invalid {
        parameter: &'static str,
        reason: String,
    },
    #[error(
        "the server address {url} is not https; plain http is only allowed to this computer \
         (127.0.0.1, [::1], localhost)"
    )]
    Insecure { url: String },
    #[error("this enrollment code expired {seconds_ago} s ago; ask for a new one")]
    Expired { seconds_ago: i64 },
}

const PARAMETERS: [&str; 7] = ["v", "url", "token", "sk", "user", "org", "exp"];

impl EnrollmentUri {
    /// Parses and validates everything except expiry (see [`EnrollmentUri::check_expiry`]).
    pub fn parse(text: &str) -> Result<Self, EnrollUriError> {
        let text = text.trim();
        let (scheme, rest) = text
            .split_once("://")
            .ok_or(EnrollUriError::NotEnrollment)?;
        let (host, query) = rest.split_once('?').unwrap_or((rest, ""));
        if !scheme.eq_ignore_ascii_case("countersign") || !host.eq_ignore_ascii_case("enroll") {
            return Err(EnrollUriError::NotEnrollment);
        }
        let mut values: Vec<(&'static str, String)> = Vec::new();
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let Some(known) = PARAMETERS.iter().find(|known| **known == key) else {
                continue; // unknown parameters are ignored
            };
            if values.iter().any(|(seen, _)| seen == known) {
                return Err(EnrollUriError::Duplicate {
                    parameter: key.to_owned(),
                });
            }
            let decoded = percent_decode_str(&value.replace('+', " "))
                .decode_utf8()
                .map_err(|_| EnrollUriError::Invalid {
                    parameter: known,
                    reason: "not UTF-8".into(),
                })?
                .into_owned();
            values.push((known, decoded));
        }
        let get = |parameter: &'static str| {
            values
                .iter()
                .find(|(name, _)| *name == parameter)
                .map(|(_, value)| value.clone())
                .ok_or(EnrollUriError::Missing { parameter })
        };
        let version = get("v")?;
        if version != "1" {
            return Err(EnrollUriError::UnsupportedVersion { found: version });
        }
        let url = normalize_url(&get("url")?)?;
        let token = get("token")?;
        check_base64url("token", &token, 22..=128)?;
        let sk = get("sk")?;
        check_base64url("sk", &sk, 43..=43)?;
        let user = get("user")?;
        let org = get("org")?;
        for (parameter, value) in [("user", &user), ("org", &org)] {
            if value.is_empty() || value.chars().count() > 256 {
                return Err(EnrollUriError::Invalid {
                    parameter,
                    reason: "must be 1 to 256 characters".into(),
                });
            }
        }
        let exp = get("exp")?
            .parse::<UnixTime>()
            .map_err(|_| EnrollUriError::Invalid {
                parameter: "exp",
                reason: "not a whole number".into(),
            })?;
        Ok(Self {
            url,
            token,
            sk,
            user,
            org,
            exp,
        })
    }

    /// The token must not have expired by `now` (estimated server time).
    pub fn check_expiry(&self, now: UnixTime) -> Result<(), EnrollUriError> {
        if self.exp <= now {
            return Err(EnrollUriError::Expired {
                seconds_ago: now - self.exp,
            });
        }
        Ok(())
    }

    pub fn build(&self) -> String {
        format!(
            "countersign://enroll?v=1&url={}&token={}&sk={}&user={}&org={}&exp={}",
            encode(&self.url),
            encode(&self.token),
            encode(&self.sk),
            encode(&self.user),
            encode(&self.org),
            self.exp
        )
    }
}

const UNRESERVED_ONLY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn encode(text: &str) -> String {
    utf8_percent_encode(text, UNRESERVED_ONLY).to_string()
}

fn check_base64url(
    parameter: &'static str,
    value: &str,
    length: std::ops::RangeInclusive<usize>,
) -> Result<(), EnrollUriError> {
    let valid = length.contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if valid {
        Ok(())
    } else {
        Err(EnrollUriError::Invalid {
            parameter,
            reason: format!("must be {length:?} base64url characters"),
        })
    }
}

/// Section 3.3: https (or http to loopback only), no user info, query or fragment;
/// scheme and host lower case, default port and trailing `/` removed.
pub fn normalize_url(url: &str) -> Result<String, EnrollUriError> {
    let invalid = |reason: &str| EnrollUriError::Invalid {
        parameter: "url",
        reason: reason.into(),
    };
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| invalid("not an absolute URL"))?;
    let scheme = scheme.to_ascii_lowercase();
    if rest.contains(['?', '#']) {
        return Err(invalid("must not have a query or fragment"));
    }
    let (authority, path) = match rest.find('/') {
        Some(index) => rest.split_at(index),
        None => (rest, ""),
    };
    if authority.contains('@') {
        return Err(invalid("must not contain user information"));
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => {
            let port: u16 = port.parse().map_err(|_| invalid("bad port"))?;
            (host, Some(port))
        }
        _ => (authority, None),
    };
    let host = host.to_ascii_lowercase();
    if host.is_empty() {
        return Err(invalid("has no host"));
    }
    let default_port = match scheme.as_str() {
        "https" => 443,
        "http" => 80,
        _ => return Err(invalid("must be https")),
    };
    if scheme == "http" && !matches!(host.as_str(), "127.0.0.1" | "[::1]" | "localhost") {
        return Err(EnrollUriError::Insecure {
            url: url.to_owned(),
        });
    }
    let port = match port {
        Some(port) if port != default_port => format!(":{port}"),
        _ => String::new(),
    };
    Ok(format!(
        "{scheme}://{host}{port}{}",
        path.trim_end_matches('/')
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = "countersign://enroll?v=1&url=https%3A%2F%2Fmfa.example.com&token=1w8Wdh7sLdnnB_fbuf-JoL3_Zeg8Jm5utG4KRunZj1g&sk=gFl-LXZtuoSkmeCimefg-Bt76csiMvGal2fEh55VAdQ&user=alice%40example.com&org=Example%20Corp&exp=1767269400";

    #[test]
    fn the_protocol_example_parses_and_builds_back_identically() {
        let uri = EnrollmentUri::parse(EXAMPLE).unwrap();
        assert_eq!(uri.url, "https://mfa.example.com");
        assert_eq!(uri.user, "alice@example.com");
        assert_eq!(uri.org, "Example Corp");
        assert_eq!(uri.exp, 1767269400);
        assert_eq!(uri.build(), EXAMPLE);
        assert_eq!(uri.check_expiry(1767269399), Ok(()));
        assert_eq!(
            uri.check_expiry(1767269412),
            Err(EnrollUriError::Expired { seconds_ago: 12 })
        );
    }

    #[test]
    fn urls_are_normalized_and_plain_http_only_reaches_loopback() {
        for (input, normalized) in [
            ("HTTPS://MFA.Example.com:443/", "https://mfa.example.com"),
            (
                "https://example.com:8443/mfa/",
                "https://example.com:8443/mfa",
            ),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("http://localhost/", "http://localhost"),
            ("http://[::1]:9000", "http://[::1]:9000"),
        ] {
            assert_eq!(normalize_url(input).as_deref(), Ok(normalized), "{input}");
        }
        assert!(matches!(
            normalize_url("http://mfa.example.com"),
            Err(EnrollUriError::Insecure { .. })
        ));
        assert!(matches!(
            normalize_url("http://192.168.1.2"),
            Err(EnrollUriError::Insecure { .. })
        ));
        for bad in [
            "ftp://x",
            "https://u@x",
            "https://x/?a",
            "https://x#f",
            "example.com",
            "https://",
        ] {
            assert!(
                matches!(normalize_url(bad), Err(EnrollUriError::Invalid { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn every_refusal_names_its_parameter() {
        let without = |name: &str| {
            EXAMPLE
                .split('&')
                .filter(|p| !p.starts_with(&format!("{name}=")))
                .collect::<Vec<_>>()
                .join("&")
        };
        assert_eq!(
            EnrollmentUri::parse(&without("token")),
            Err(EnrollUriError::Missing { parameter: "token" })
        );
        assert_eq!(
            EnrollmentUri::parse(&without("sk")),
            Err(EnrollUriError::Missing { parameter: "sk" })
        );
        assert_eq!(
            EnrollmentUri::parse(&EXAMPLE.replace("v=1", "v=2")),
            Err(EnrollUriError::UnsupportedVersion { found: "2".into() })
        );
        assert_eq!(
            EnrollmentUri::parse(&format!("{EXAMPLE}&user=mallory")),
            Err(EnrollUriError::Duplicate {
                parameter: "user".into()
            })
        );
        assert!(matches!(
            EnrollmentUri::parse(&EXAMPLE.replace("sk=gFl-", "sk=gF*-")),
            Err(EnrollUriError::Invalid {
                parameter: "sk",
                ..
            })
        ));
        assert!(matches!(
            EnrollmentUri::parse(&EXAMPLE.replace("https%3A%2F%2Fmfa", "http%3A%2F%2Fmfa")),
            Err(EnrollUriError::Insecure { .. })
        ));
        assert_eq!(
            EnrollmentUri::parse("otpauth://totp/x?secret=A"),
            Err(EnrollUriError::NotEnrollment)
        );
        assert!(
            EnrollmentUri::parse(&format!("{EXAMPLE}&future=1")).is_ok(),
            "unknown parameters are ignored"
        );
    }
}
