//! What "Share Diagnostic Data" sends (docs/diagnostics.md): one batch of typed
//! events from one install. Every field is a closed set, a bucketed number or
//! a value checked against a narrow pattern (a version is digits and dots), so
//! no free text can be carried, by the phone or by anyone posting to the
//! collector: the phone builds these types, and the server parses into them,
//! keeping nothing else.

use serde::{Deserialize, Serialize};

/// The schema these types speak; the collector refuses any other.
pub const SCHEMA: u32 = 1;
/// Events in one batch at the most (the phone queues no more than this).
pub const MAX_EVENTS: usize = 500;
/// A batch's body at the most, in bytes.
pub const MAX_BATCH_BYTES: usize = 64 * 1024;

/// The formats an import can report, as `ImportFormat::name` spells them.
pub const IMPORT_FORMATS: &[&str] = &[
    "otpauth",
    "google",
    "aegis",
    "2fas",
    "andotp",
    "bitwarden-json",
    "bitwarden-csv",
    "freeotp-plus",
    "proton",
    "stratum",
    "steam",
    "duo",
    "google-db",
    "microsoft-db",
    "stratum-db",
    "authy",
    "totp-authenticator",
    "totp-authenticator-backup",
    "freeotp-xml",
    "stratum-encrypted",
    "countersign",
    "qr-image",
    "battle-net",
    "authenticator-plus",
    "freeotp-v2",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Batch {
    pub schema: u32,
    pub install: InstallId,
    pub environment: Environment,
    pub events: Vec<RecordedEvent>,
}

/// Random per install, made when sharing is turned on and forgotten when it
/// is turned off: not the Protect ID, not derived from anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct InstallId(String);

/// Where the events come from, coarse enough to identify no one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Environment {
    pub app_version: Version,
    pub core_version: Version,
    pub platform: Platform,
    /// The OS's version number only (`14`, `17.4`), never a build string.
    pub os_version: Version,
    pub device_class: DeviceClass,
    /// The language of the locale only (`de`, not `de-CH`).
    pub language: Language,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    Android,
    Ios,
    Desktop,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceClass {
    Phone,
    Tablet,
    Watch,
    Desktop,
}

/// Up to four dot-separated numbers of up to five digits: `1.2.3`, `17.4`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Version(String);

/// Two or three lowercase letters (ISO 639), or `und` when unknown.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Language(String);

/// A count or a duration in milliseconds, rounded down to 0 or a power of two
/// (1, 2, 4, … 2^24): how many or how long, never exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u64", into = "u64")]
pub struct Bucket(u64);

/// An event and the hour it happened in (Unix time rounded down to the hour).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedEvent {
    pub hour: i64,
    #[serde(flatten)]
    pub event: Event,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    EnrollmentFailed {
        check: EnrollmentCheck,
    },
    PushVerifyFailed {
        reason: VerifyFailure,
    },
    AnswerRefused {
        problem: AnswerProblem,
    },
    ScanFinished {
        outcome: ScanOutcome,
        frames: Bucket,
        millis: Bucket,
    },
    VaultOpened {
        millis: Bucket,
        migrated_from: Option<u32>,
        version: u32,
    },
    ImportFinished {
        /// `None` when the file was not recognised as any format.
        format: Option<ImportFormatName>,
        outcome: ImportOutcome,
        accounts: Bucket,
    },
    PushTiming {
        stage: PushStage,
        millis: Bucket,
    },
}

/// Which check an enrollment failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnrollmentCheck {
    InvalidCode,
    CodeExpired,
    InsecureServer,
    CertificateConsent,
    Network,
    ServerRefused,
    AttestationRequired,
    Untrusted,
    HardwareKey,
    Storage,
    Other,
}

/// Why a delivered or fetched challenge was not shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerifyFailure {
    BadSignature,
    Expired,
    UnknownAccount,
    Malformed,
    Other,
}

/// Why an approval or denial did not go through (the problem type, or the
/// phone's own refusal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerProblem {
    Expired,
    AlreadyAnswered,
    WrongNumber,
    NumberRequired,
    BiometricFailed,
    BiometricCancelled,
    UserKeyInvalidated,
    DeviceRevoked,
    DeviceReplaced,
    RateLimited,
    Network,
    ServerRefused,
    Untrusted,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScanOutcome {
    Decoded,
    NoQr,
    UnsupportedPayload,
    Cancelled,
    TooSlow,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportOutcome {
    Imported,
    NothingNew,
    WrongPassword,
    Unreadable,
    OverLimit,
    Failed,
}

/// One of [`IMPORT_FORMATS`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ImportFormatName(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PushStage {
    /// From the server issuing the challenge to the phone holding it verified
    /// (delivery, or the app's fetch), by the server's clock as the phone
    /// estimates it; whole seconds.
    IssuedToVerified,
    /// From the server issuing it to the user's answer being sent: how long
    /// people take to answer; whole seconds.
    IssuedToAnswered,
    /// The answer's request to the server and back.
    AnswerRoundTrip,
}

/// A value that is not what the schema allows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} is not a diagnostics value: {why}")]
pub struct SchemaError {
    what: &'static str,
    why: &'static str,
}

fn refuse<T>(what: &'static str, why: &'static str) -> Result<T, SchemaError> {
    Err(SchemaError { what, why })
}

impl InstallId {
    /// A fresh id from 16 random bytes, as lowercase hex.
    pub fn from_random(bytes: [u8; 16]) -> Self {
        Self(data_encoding::HEXLOWER.encode(&bytes))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for InstallId {
    type Error = SchemaError;
    fn try_from(value: String) -> Result<Self, SchemaError> {
        if value.len() == 32
            && value
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            Ok(Self(value))
        } else {
            refuse("install", "32 lowercase hex digits")
        }
    }
}

impl From<InstallId> for String {
    fn from(value: InstallId) -> Self {
        value.0
    }
}

impl Version {
    /// `text` when it is a version number, else `0` (an OS that reports
    /// something else says nothing rather than something identifying).
    pub fn or_zero(text: &str) -> Self {
        Self::try_from(text.to_owned()).unwrap_or_else(|_| Self("0".into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Version {
    type Error = SchemaError;
    fn try_from(value: String) -> Result<Self, SchemaError> {
        let parts: Vec<&str> = value.split('.').collect();
        let numeric = parts
            .iter()
            .all(|part| (1..=5).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit()));
        if parts.len() <= 4 && numeric {
            Ok(Self(value))
        } else {
            refuse("version", "up to four dot-separated numbers")
        }
    }
}

impl From<Version> for String {
    fn from(value: Version) -> Self {
        value.0
    }
}

impl Language {
    /// The language of a locale tag (`de-CH` → `de`), or `und`.
    pub fn of_locale(tag: &str) -> Self {
        let language = tag
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        Self::try_from(language).unwrap_or_else(|_| Self("und".into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Language {
    type Error = SchemaError;
    fn try_from(value: String) -> Result<Self, SchemaError> {
        if (2..=3).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_lowercase()) {
            Ok(Self(value))
        } else {
            refuse("language", "two or three lowercase letters")
        }
    }
}

impl From<Language> for String {
    fn from(value: Language) -> Self {
        value.0
    }
}

impl Bucket {
    /// The largest value a bucket names.
    pub const MAX: u64 = 1 << 24;

    /// `value` rounded down to 0 or a power of two, at most [`Self::MAX`].
    pub fn of(value: u64) -> Self {
        if value == 0 {
            return Self(0);
        }
        Self((1u64 << (63 - value.leading_zeros())).min(Self::MAX))
    }

    pub fn value(self) -> u64 {
        self.0
    }
}

impl TryFrom<u64> for Bucket {
    type Error = SchemaError;
    fn try_from(value: u64) -> Result<Self, SchemaError> {
        if value == 0 || (value.is_power_of_two() && value <= Self::MAX) {
            Ok(Self(value))
        } else {
            refuse("bucket", "0 or a power of two up to 2^24")
        }
    }
}

impl From<Bucket> for u64 {
    fn from(value: Bucket) -> Self {
        value.0
    }
}

impl ImportFormatName {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ImportFormatName {
    type Error = SchemaError;
    fn try_from(value: String) -> Result<Self, SchemaError> {
        if IMPORT_FORMATS.contains(&value.as_str()) {
            Ok(Self(value))
        } else {
            refuse("import format", "one of the importers' names")
        }
    }
}

impl From<ImportFormatName> for String {
    fn from(value: ImportFormatName) -> Self {
        value.0
    }
}

impl Event {
    /// The event's name and its one closed-set value, for counting (`answer_refused`,
    /// `wrong_number`); timings and openings have none.
    pub fn code(&self) -> (&'static str, Option<String>) {
        fn name<T: Serialize>(value: &T) -> Option<String> {
            serde_json::to_value(value)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
        }
        match self {
            Event::EnrollmentFailed { check } => ("enrollment_failed", name(check)),
            Event::PushVerifyFailed { reason } => ("push_verify_failed", name(reason)),
            Event::AnswerRefused { problem } => ("answer_refused", name(problem)),
            Event::ScanFinished { outcome, .. } => ("scan_finished", name(outcome)),
            Event::VaultOpened { .. } => ("vault_opened", None),
            Event::ImportFinished { outcome, .. } => ("import_finished", name(outcome)),
            Event::PushTiming { stage, .. } => ("push_timing", name(stage)),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn buckets_round_down_to_powers_of_two_and_refuse_anything_else() {
        assert_eq!(Bucket::of(0).value(), 0);
        assert_eq!(Bucket::of(1).value(), 1);
        assert_eq!(Bucket::of(1000).value(), 512);
        assert_eq!(Bucket::of(u64::MAX).value(), Bucket::MAX);
        assert!(serde_json::from_str::<Bucket>("1000").is_err());
        assert_eq!(
            serde_json::from_str::<Bucket>("1024").unwrap().value(),
            1024
        );
    }

    #[test]
    fn text_fields_hold_only_their_pattern() {
        assert!(Version::try_from("17.4.1".to_owned()).is_ok());
        for bad in [
            "",
            "17.4-beta",
            "SM-G991B",
            "1.2.3.4.5",
            "jane@example.com",
            "123456",
        ] {
            assert!(Version::try_from(bad.to_owned()).is_err(), "{bad}");
        }
        assert_eq!(Version::or_zero("Linux 6.1").as_str(), "0");
        assert_eq!(Language::of_locale("de-CH").as_str(), "de");
        assert_eq!(Language::of_locale("Jane's phone").as_str(), "und");
        assert!(InstallId::try_from("JANE".to_owned()).is_err());
        assert!(ImportFormatName::try_from("my-secret-file.json".to_owned()).is_err());
    }

    #[test]
    fn a_batch_round_trips_and_unknown_fields_are_dropped() {
        let text = r#"{"schema":1,"install":"00112233445566778899aabbccddeeff",
            "environment":{"app_version":"1.2.0","core_version":"0.1.0","platform":"android",
              "os_version":"14","device_class":"phone","language":"de","user":"jane"},
            "events":[{"hour":1764460800,"event":"answer_refused","problem":"wrong_number","note":"hi"},
                      {"hour":1764460800,"event":"push_timing","stage":"answer_round_trip","millis":256}],
            "extra":"dropped"}"#;
        let batch: Batch = serde_json::from_str(text).unwrap();
        let again = serde_json::to_string(&batch).unwrap();
        assert!(!again.contains("jane") && !again.contains("hi") && !again.contains("dropped"));
        assert_eq!(serde_json::from_str::<Batch>(&again).unwrap(), batch);
        assert_eq!(
            batch.events[0].event.code(),
            ("answer_refused", Some("wrong_number".to_owned()))
        );
    }

    #[test]
    fn free_text_in_a_closed_field_is_refused() {
        let text = r#"{"hour":0,"event":"answer_refused","problem":"jane@example.com"}"#;
        assert!(serde_json::from_str::<RecordedEvent>(text).is_err());
    }
}
