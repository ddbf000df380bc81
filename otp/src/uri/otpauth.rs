//! `otpauth://TYPE/LABEL?PARAMETERS`, read leniently (any case, padding, spaces,
//! `+` for space in parameters, `%3A` or `:` between issuer and account) and
//! refused loudly, naming the field, when a code could not be right.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::account::OtpAccount;
use crate::otp::{
    Algorithm, DEFAULT_DIGITS, DEFAULT_PERIOD, MAX_DIGITS, MIN_DIGITS, OtpKind, OtpParams,
};
use crate::secret::{SecretBytes, SecretError};

/// A parsed account and what the user should be told about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedOtpauth {
    pub account: OtpAccount,
    pub warnings: Vec<UriWarning>,
}

/// Things that do not stop an account from working but deserve a word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UriWarning {
    /// The secret is shorter than the 128 bits RFC 4226 recommends.
    WeakSecret { bits: usize },
    /// The label's issuer prefix and the `issuer` parameter disagree; the
    /// parameter is used, as the Key URI Format prescribes.
    IssuerMismatch { label: String, parameter: String },
}

impl std::fmt::Display for UriWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UriWarning::WeakSecret { bits } => write!(
                f,
                "the secret is only {bits} bits (128 or more is recommended); the codes work, \
                 but ask the service for a longer secret if it offers one"
            ),
            UriWarning::IssuerMismatch { label, parameter } => write!(
                f,
                "the label says the issuer is {label:?} but the issuer parameter says \
                 {parameter:?}; using {parameter:?}"
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UriError {
    #[error(
        "this is not an otpauth:// URI (it starts with {start:?}); scan the QR code the \
         service shows for authenticator apps"
    )]
    NotOtpauth { start: String },
    #[error(
        "this is a Google Authenticator export (otpauth-migration://), not one account; \
         import it instead"
    )]
    MigrationBatch,
    #[error("unknown code type {found:?} after otpauth://: expected totp, hotp or steam")]
    UnknownType { found: String },
    #[error("the secret parameter is missing")]
    MissingSecret,
    #[error("the secret parameter is wrong: {0}")]
    Secret(SecretError),
    #[error("the {field} parameter {value:?} is not a whole number")]
    NotANumber { field: &'static str, value: String },
    #[error("the digits parameter is {value}: codes have 6 to 10 digits")]
    DigitsOutOfRange { value: u64 },
    #[error("the period parameter is 0: it must be at least 1 second (usually 30)")]
    PeriodZero,
    #[error("the algorithm parameter {value:?} is not supported: use SHA1, SHA256 or SHA512")]
    UnknownAlgorithm { value: String },
    #[error("this HOTP URI has no counter parameter, which HOTP requires")]
    HotpWithoutCounter,
    #[error("the {field} is not valid UTF-8 after percent-decoding")]
    NotUtf8 { field: &'static str },
}

impl UriError {
    /// The URI field the error is about, for shells that highlight it.
    pub fn field(&self) -> &'static str {
        match self {
            UriError::NotOtpauth { .. } | UriError::MigrationBatch => "scheme",
            UriError::UnknownType { .. } => "type",
            UriError::MissingSecret | UriError::Secret(_) => "secret",
            UriError::NotANumber { field, .. } | UriError::NotUtf8 { field } => field,
            UriError::DigitsOutOfRange { .. } => "digits",
            UriError::PeriodZero => "period",
            UriError::UnknownAlgorithm { .. } => "algorithm",
            UriError::HotpWithoutCounter => "counter",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum UriType {
    Totp,
    Hotp,
    Steam,
}

/// Parameters this module interprets; everything else goes to `OtpAccount::extra`.
/// `t0` is not in the Key URI Format; we write and read it only when it is not 0.
const KNOWN_PARAMETERS: [&str; 8] = [
    "secret",
    "issuer",
    "algorithm",
    "digits",
    "period",
    "counter",
    "encoder",
    "t0",
];

pub fn parse_otpauth(text: &str) -> Result<ParsedOtpauth, UriError> {
    let text = text.trim();
    let (scheme, rest) = text.split_once("://").unwrap_or(("", text));
    if scheme.eq_ignore_ascii_case("otpauth-migration") {
        return Err(UriError::MigrationBatch);
    }
    if !scheme.eq_ignore_ascii_case("otpauth") {
        return Err(UriError::NotOtpauth {
            start: text.chars().take(40).collect(),
        });
    }
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (type_text, label) = path.split_once('/').unwrap_or((path, ""));
    let mut uri_type = match type_text.to_ascii_lowercase().as_str() {
        "totp" => UriType::Totp,
        "hotp" => UriType::Hotp,
        "steam" => UriType::Steam,
        _ => {
            return Err(UriError::UnknownType {
                found: type_text.to_owned(),
            });
        }
    };

    let (label_issuer, name) = split_label(label)?;
    let parameters = Parameters::parse(query)?;

    let secret_text = parameters.get("secret").ok_or(UriError::MissingSecret)?;
    let secret = SecretBytes::from_base32(secret_text).map_err(|error| match error {
        SecretError::Empty => UriError::MissingSecret,
        other => UriError::Secret(other),
    })?;

    if parameters
        .get("encoder")
        .is_some_and(|encoder| encoder.eq_ignore_ascii_case("steam"))
    {
        uri_type = UriType::Steam;
    }
    let algorithm = match parameters.get("algorithm") {
        Some(value) => value
            .parse::<Algorithm>()
            .map_err(|_| UriError::UnknownAlgorithm {
                value: value.to_owned(),
            })?,
        None => Algorithm::Sha1,
    };
    let digits = match parameters.number("digits")? {
        // Steam codes are always five letters; apps write digits=5 for them.
        _ if uri_type == UriType::Steam => DEFAULT_DIGITS,
        Some(value) if (u64::from(MIN_DIGITS)..=u64::from(MAX_DIGITS)).contains(&value) => {
            value as u8
        }
        Some(value) => return Err(UriError::DigitsOutOfRange { value }),
        None => DEFAULT_DIGITS,
    };
    let period = match parameters.number("period")? {
        Some(0) if uri_type != UriType::Hotp => return Err(UriError::PeriodZero),
        Some(value) => u32::try_from(value).map_err(|_| UriError::NotANumber {
            field: "period",
            value: value.to_string(),
        })?,
        None => DEFAULT_PERIOD,
    };
    let kind = match uri_type {
        UriType::Totp => {
            let t0 = parameters.number("t0")?.unwrap_or(0);
            OtpKind::Totp {
                period,
                t0: i64::try_from(t0).map_err(|_| UriError::NotANumber {
                    field: "t0",
                    value: t0.to_string(),
                })?,
            }
        }
        UriType::Hotp => OtpKind::Hotp {
            counter: parameters
                .number("counter")?
                .ok_or(UriError::HotpWithoutCounter)?,
        },
        UriType::Steam => OtpKind::Steam { period },
    };
    // Every value was range-checked above, so this cannot fail; map it anyway.
    let params = OtpParams::new(algorithm, digits, kind).map_err(|_| UriError::PeriodZero)?;

    let mut warnings = Vec::new();
    let issuer = match (label_issuer, parameters.get("issuer")) {
        (Some(label), Some(parameter)) if !parameter.is_empty() => {
            if label != parameter {
                warnings.push(UriWarning::IssuerMismatch {
                    label,
                    parameter: parameter.to_owned(),
                });
            }
            Some(parameter.to_owned())
        }
        (None, Some(parameter)) if !parameter.is_empty() => Some(parameter.to_owned()),
        (label, _) => label,
    };
    if secret.len_bits() < crate::account::RECOMMENDED_SECRET_BITS {
        warnings.push(UriWarning::WeakSecret {
            bits: secret.len_bits(),
        });
    }

    Ok(ParsedOtpauth {
        account: OtpAccount {
            issuer,
            name,
            secret,
            params,
            extra: parameters.extra,
        },
        warnings,
    })
}

/// `Issuer:account`, where the colon may be literal or `%3A`. A literal colon
/// wins, so an issuer may itself contain an encoded colon.
fn split_label(label: &str) -> Result<(Option<String>, String), UriError> {
    let (issuer, name) = match label.split_once(':') {
        Some((issuer, name)) => (Some(decode(issuer, "label")?), decode(name, "label")?),
        None => {
            let decoded = decode(label, "label")?;
            match decoded.split_once(':') {
                Some((issuer, name)) => (Some(issuer.to_owned()), name.to_owned()),
                None => (None, decoded),
            }
        }
    };
    let issuer = issuer
        .map(|issuer| issuer.trim().to_owned())
        .filter(|issuer| !issuer.is_empty());
    Ok((issuer, name.trim().to_owned()))
}

fn decode(text: &str, field: &'static str) -> Result<String, UriError> {
    percent_decode_str(text)
        .decode_utf8()
        .map(Cow::into_owned)
        .map_err(|_| UriError::NotUtf8 { field })
}

struct Parameters {
    known: Vec<(&'static str, String)>,
    extra: Vec<(String, String)>,
}

impl Parameters {
    fn parse(query: &str) -> Result<Self, UriError> {
        let mut known: Vec<(&'static str, String)> = Vec::new();
        let mut extra = Vec::new();
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = decode(raw_key, "parameter name")?;
            let lowered = key.to_ascii_lowercase();
            match KNOWN_PARAMETERS
                .iter()
                .find(|known_key| **known_key == lowered)
            {
                Some(known_key) => {
                    // `+` means space in query strings (issuer=Air+Canada), but
                    // never in a base32 secret, where it is an error to report.
                    let value = if *known_key == "secret" {
                        decode(raw_value, "secret")?
                    } else {
                        decode(&raw_value.replace('+', " "), known_key)?
                    };
                    // The first occurrence wins, as in Google Authenticator.
                    if !known.iter().any(|(k, _)| k == known_key) {
                        known.push((known_key, value));
                    }
                }
                None => extra.push((key, decode(&raw_value.replace('+', " "), "parameter")?)),
            }
        }
        Ok(Self { known, extra })
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.known
            .iter()
            .find(|(known_key, _)| *known_key == key)
            .map(|(_, value)| value.trim())
    }

    fn number(&self, key: &'static str) -> Result<Option<u64>, UriError> {
        self.get(key)
            .map(|value| {
                value.parse::<u64>().map_err(|_| UriError::NotANumber {
                    field: key,
                    value: value.to_owned(),
                })
            })
            .transpose()
    }
}

/// Characters written as-is; all others are percent-encoded (so `:`, `&`, `=`,
/// `+`, `?`, `/`, `%` and spaces never break the URI apart).
const ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'@');

fn encode(text: &str) -> String {
    utf8_percent_encode(text, ENCODE).to_string()
}

/// Writes the account as an `otpauth://` URI that [`parse_otpauth`] (and other
/// authenticators) read back to the same account.
pub fn build_otpauth(account: &OtpAccount) -> String {
    let params = &account.params;
    let uri_type = match params.kind() {
        OtpKind::Totp { .. } => "totp",
        OtpKind::Hotp { .. } => "hotp",
        OtpKind::Steam { .. } => "steam",
    };
    let label = match &account.issuer {
        Some(issuer) => format!("{}:{}", encode(issuer), encode(&account.name)),
        // An empty prefix keeps a colon inside the name from being read as a separator.
        None if account.name.contains(':') => format!(":{}", encode(&account.name)),
        None => encode(&account.name),
    };
    let mut uri = format!(
        "otpauth://{uri_type}/{label}?secret={}",
        account.secret.to_base32()
    );
    if let Some(issuer) = &account.issuer {
        uri.push_str("&issuer=");
        uri.push_str(&encode(issuer));
    }
    uri.push_str(&format!(
        "&algorithm={}&digits={}",
        params.algorithm(),
        params.digits()
    ));
    match params.kind() {
        OtpKind::Totp { period, t0 } => {
            uri.push_str(&format!("&period={period}"));
            if t0 != 0 {
                uri.push_str(&format!("&t0={t0}"));
            }
        }
        OtpKind::Hotp { counter } => uri.push_str(&format!("&counter={counter}")),
        OtpKind::Steam { period } => uri.push_str(&format!("&period={period}")),
    }
    for (key, value) in &account.extra {
        uri.push_str(&format!("&{}={}", encode(key), encode(value)));
    }
    uri
}

#[cfg(test)]
mod tests;
