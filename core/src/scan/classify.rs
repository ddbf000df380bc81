//! What a decoded QR payload is for: an account, a batch of exported accounts, a
//! push enrollment (ours or privacyIDEA's), or something that is not ours at all.

use crate::uri::{
    MigrationBatch, MigrationError, ParsedOtpauth, UriError, parse_migration, parse_otpauth,
};

#[derive(Clone, PartialEq, Eq)]
pub enum ScanPayload {
    /// `otpauth://totp|hotp|steam/…`: one account, ready to add.
    Otpauth(ParsedOtpauth),
    /// An `otpauth://` URI that cannot become an account; the error names the field.
    InvalidOtpauth(UriError),
    /// One QR of a Google Authenticator export (`otpauth-migration://offline?data=…`).
    /// Exports of more than ~10 accounts span several codes (`batch_index` of
    /// `batch_size`, same `batch_id`).
    MigrationBatch(MigrationBatch),
    /// An export QR whose data cannot be read.
    InvalidMigration(MigrationError),
    /// Our push enrollment (`countersign://enroll?…`, docs/protocol.md).
    PushEnrollment { uri: String },
    /// A privacyIDEA push token enrollment (`otpauth://pipush/…`).
    PrivacyIdeaPush { uri: String },
    /// Anything else: the shell can say "this QR is a link to example.com, not an account".
    NotAuthenticator {
        text: String,
        link_host: Option<String>,
    },
}

/// Enrollment URIs carry bearer credentials (our token, privacyIDEA's
/// enrollment credential): Debug names the kind and never prints them.
impl std::fmt::Debug for ScanPayload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScanPayload::Otpauth(parsed) => f.debug_tuple("Otpauth").field(parsed).finish(),
            ScanPayload::InvalidOtpauth(error) => {
                f.debug_tuple("InvalidOtpauth").field(error).finish()
            }
            ScanPayload::MigrationBatch(batch) => {
                f.debug_tuple("MigrationBatch").field(batch).finish()
            }
            ScanPayload::InvalidMigration(error) => {
                f.debug_tuple("InvalidMigration").field(error).finish()
            }
            ScanPayload::PushEnrollment { .. } => f
                .debug_struct("PushEnrollment")
                .field("uri", &"[redacted]")
                .finish(),
            ScanPayload::PrivacyIdeaPush { .. } => f
                .debug_struct("PrivacyIdeaPush")
                .field("uri", &"[redacted]")
                .finish(),
            ScanPayload::NotAuthenticator { text, link_host } => f
                .debug_struct("NotAuthenticator")
                .field("text", text)
                .field("link_host", link_host)
                .finish(),
        }
    }
}

impl ScanPayload {
    /// What the code is, in words for a message ("an enrollment code").
    pub fn description(&self) -> &'static str {
        match self {
            ScanPayload::Otpauth(_) | ScanPayload::InvalidOtpauth(_) => "an account",
            ScanPayload::MigrationBatch(_) | ScanPayload::InvalidMigration(_) => {
                "a Google Authenticator export"
            }
            ScanPayload::PushEnrollment { .. } => "a Countersign push enrollment",
            ScanPayload::PrivacyIdeaPush { .. } => "a privacyIDEA push enrollment",
            ScanPayload::NotAuthenticator { .. } => "no authenticator data",
        }
    }
}

pub fn classify(text: &str) -> ScanPayload {
    let trimmed = text.trim();
    let scheme = trimmed
        .split_once("://")
        .map(|(scheme, _)| scheme.to_ascii_lowercase())
        .unwrap_or_default();
    let rest = trimmed.split_once("://").map_or("", |(_, rest)| rest);
    // The one place that decides what a code is: enrollment
    // (`push::device::PushDevice::enroll`) and privacyIDEA's URI parser ask here.
    match scheme.as_str() {
        "otpauth" | "pia" if rest.to_ascii_lowercase().starts_with("pipush/") => {
            ScanPayload::PrivacyIdeaPush {
                uri: trimmed.to_owned(),
            }
        }
        "otpauth" => match parse_otpauth(trimmed) {
            Ok(parsed) => ScanPayload::Otpauth(parsed),
            Err(error) => ScanPayload::InvalidOtpauth(error),
        },
        "otpauth-migration" => match parse_migration(trimmed) {
            Ok(batch) => ScanPayload::MigrationBatch(batch),
            Err(error) => ScanPayload::InvalidMigration(error),
        },
        "countersign" if rest.to_ascii_lowercase().starts_with("enroll") => {
            ScanPayload::PushEnrollment {
                uri: trimmed.to_owned(),
            }
        }
        // privacyIDEA's app scheme for its other tokens: an otpauth URI under
        // another name, read as one (an error names the field that is wrong).
        "pia" => match parse_otpauth(&format!("otpauth://{rest}")) {
            Ok(parsed) => ScanPayload::Otpauth(parsed),
            Err(error) => ScanPayload::InvalidOtpauth(error),
        },
        _ => ScanPayload::NotAuthenticator {
            text: text.to_owned(),
            link_host: link_host(&scheme, rest),
        },
    }
}

/// Why a scanned or typed code does not add an account.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotAnAccount {
    /// An account's code with a field wrong; the error names it.
    #[error("{0}")]
    Invalid(UriError),
    #[error("this code is {found}, not an account: {next}")]
    Other {
        found: &'static str,
        next: &'static str,
    },
}

/// The account a scanned or typed code adds, by [`classify`]'s rules (so a
/// privacyIDEA `pia://totp/…` code adds as its scan says it would).
pub fn account_from_code(text: &str) -> Result<ParsedOtpauth, NotAnAccount> {
    let payload = classify(text);
    let next = match &payload {
        ScanPayload::Otpauth(_) | ScanPayload::InvalidOtpauth(_) => "",
        ScanPayload::MigrationBatch(_) | ScanPayload::InvalidMigration(_) => "import it instead",
        ScanPayload::PushEnrollment { .. } | ScanPayload::PrivacyIdeaPush { .. } => {
            "enroll it for push instead"
        }
        ScanPayload::NotAuthenticator { .. } => {
            "scan the QR code the service shows for authenticator apps"
        }
    };
    match payload {
        ScanPayload::Otpauth(parsed) => Ok(parsed),
        ScanPayload::InvalidOtpauth(error) => Err(NotAnAccount::Invalid(error)),
        other => Err(NotAnAccount::Other {
            found: other.description(),
            next,
        }),
    }
}

fn link_host(scheme: &str, rest: &str) -> Option<String> {
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    let host = host.split(':').next().unwrap_or("");
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::push::privacyidea::PiEnrollmentUri;
    use crate::uri::UriError;

    /// One rule for both privacyIDEA forms, shared by the scanner, enrollment
    /// and the privacyIDEA URI parser.
    #[test]
    fn both_privacyidea_forms_are_push_enrollments_and_nothing_else_is() {
        let query = "?url=https%3A//pi.example/ttype/push&ttl=10&issuer=PI\
                     &enrollment_credential=00ff&v=1&serial=PIPU0001&sslverify=1";
        for scheme in ["otpauth", "pia", "PIA", "OTPAUTH"] {
            let uri = format!("{scheme}://pipush/PIPU0001{query}");
            assert!(
                matches!(classify(&uri), ScanPayload::PrivacyIdeaPush { .. }),
                "{scheme}"
            );
            assert!(PiEnrollmentUri::parse(&uri).is_ok(), "{scheme}");
        }
        // privacyIDEA's scheme for other token types reads like otpauth.
        assert!(matches!(
            classify("pia://totp/PI:alice?secret=JBSWY3DPEHPK3PXP"),
            ScanPayload::Otpauth(_)
        ));
        assert!(matches!(
            classify("pia://enroll?token=x"),
            ScanPayload::InvalidOtpauth(_)
        ));
        assert!(PiEnrollmentUri::parse("pia://totp/PI:alice?secret=JBSWY3DPEHPK3PXP").is_err());
        assert!(PiEnrollmentUri::parse("countersign://enroll?x=1").is_err());
    }

    #[test]
    fn each_kind_of_payload_is_recognised() {
        assert!(matches!(
            classify("otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP"),
            ScanPayload::Otpauth(_)
        ));
        assert_eq!(
            classify("otpauth://totp/A:b?digits=6"),
            ScanPayload::InvalidOtpauth(UriError::MissingSecret)
        );
        assert!(matches!(
            classify("otpauth://pipush/PIPU0001?url=https://pi.example/ttype/push&ttl=10"),
            ScanPayload::PrivacyIdeaPush { .. }
        ));
        assert!(matches!(
            classify("countersign://enroll?v=1&url=https://a.example&token=t"),
            ScanPayload::PushEnrollment { .. }
        ));
        assert_eq!(
            classify("https://user@Example.com:8443/login?x=1"),
            ScanPayload::NotAuthenticator {
                text: "https://user@Example.com:8443/login?x=1".into(),
                link_host: Some("example.com".into())
            }
        );
        assert_eq!(
            classify("WIFI:S:home;;"),
            ScanPayload::NotAuthenticator {
                text: "WIFI:S:home;;".into(),
                link_host: None
            }
        );
    }

    #[test]
    fn migration_batches_report_their_index_and_size() {
        // version 1, batch_size 3, batch_index 1, batch_id 42 (hand-encoded protobuf).
        let payload = data_encoding::BASE64.encode(&[0x10, 1, 0x18, 3, 0x20, 1, 0x28, 42]);
        let uri = format!("otpauth-migration://offline?data={payload}");
        let ScanPayload::MigrationBatch(batch) = classify(&uri) else {
            panic!()
        };
        assert_eq!(
            (batch.batch_index, batch.batch_size, batch.batch_id),
            (Some(1), Some(3), Some(42))
        );
        assert_eq!(
            classify("otpauth-migration://offline?data=%%%"),
            ScanPayload::InvalidMigration(MigrationError::NotBase64)
        );
    }
}
