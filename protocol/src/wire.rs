//! The push protocol's messages as Rust types (docs/protocol.md sections 4-9),
//! shared by the reference server and the phone so the two cannot drift apart.

pub use crate::risk::{Degrees, Risk, RiskLevel, RiskReason};
use serde::{Deserialize, Serialize};

use super::jose::Jwk;
use crate::clock::UnixTime;

pub const TYP_ENROLL: &str = "countersign-enroll+jwt";
pub const TYP_DEVICE: &str = "countersign-device+jwt";
pub const TYP_REQUEST: &str = "countersign-request+jwt";
pub const TYP_CHALLENGE: &str = "countersign-challenge+jwt";
pub const TYP_ANSWER: &str = "countersign-answer+jwt";

/// A challenge lives this long (section 6.2).
pub const CHALLENGE_LIFETIME: i64 = 60;
/// Signed `iat`s are accepted this far from server time (section 10).
pub const IAT_TOLERANCE: i64 = 60;
/// Largest request body a server accepts (section 9.2, `payload_too_large`).
pub const MAX_BODY_BYTES: usize = 65_536;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollClaims {
    pub token: String,
    pub jwk: Jwk,
    pub platform: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push_token: Option<String>,
    pub device_name: String,
    pub app_version: String,
    pub iat: UnixTime,
    /// The key that signs only for a verified user (section 4.1), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_key: Option<UserKey>,
}

/// A second device key that the platform uses only after the user verified
/// themselves for that one signature; with an attestation, the server can
/// check that claim (section 4.1, ADR 0014).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserKey {
    pub jwk: Jwk,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attestation: Option<KeyAttestation>,
}

/// `format` is `android-key`: `chain` is the Keystore attestation chain, leaf
/// first, each certificate base64 (standard alphabet, padded) DER.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyAttestation {
    pub format: String,
    pub chain: Vec<String>,
}

pub const ATTESTATION_FORMAT_ANDROID_KEY: &str = "android-key";

/// Whether the server could verify the device's user key (section 4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserVerification {
    Attested,
    Claimed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Biometric {
    Required,
    Optional,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub biometric: Biometric,
    pub number_matching: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRecord {
    pub device_id: String,
    pub device_jkt: String,
    pub user: String,
    pub org: String,
    pub policy: Policy,
    pub server_jwk: Jwk,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_verification: Option<UserVerification>,
    pub iat: UnixTime,
}

/// What a request asks the user to approve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum ChallengeKind {
    Login,
    StepUp,
    PasswordReset,
    EnrollmentConfirm,
}

impl ChallengeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChallengeKind::Login => "login",
            ChallengeKind::StepUp => "step_up",
            ChallengeKind::PasswordReset => "password_reset",
            ChallengeKind::EnrollmentConfirm => "enrollment_confirm",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    pub id: String,
    pub name: String,
}

/// Every context string is at most this many characters (section 6.2).
pub const MAX_CONTEXT_CHARS: usize = 200;
/// A resource's display name is at most this many characters (section 6.2).
pub const MAX_RESOURCE_NAME_CHARS: usize = 100;

/// `true` for a text a screen may show: at most `max` characters, no control
/// characters (a newline could forge a second line, "Approved by IT") and no
/// invisible formatting (bidi overrides that reorder "moc.knab" into a trusted
/// name, zero-width characters, line and paragraph separators).
pub fn is_display_text(value: &str, max: usize) -> bool {
    value.chars().count() <= max
        && !value
            .chars()
            .any(|c| c.is_control() || is_invisible_format(c))
}

/// Unicode's format (Cf), line (Zl) and paragraph (Zp) separators that a text
/// shown for a decision has no use for.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061C}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
    )
}

impl Context {
    /// The first member that breaks section 6.2's limits, by name.
    pub fn over_limits(&self) -> Option<&'static str> {
        let text = [
            ("context.ip", &self.ip),
            ("context.location", &self.location),
            ("context.browser", &self.browser),
            ("context.os", &self.os),
            ("context.network", &self.network),
        ]
        .into_iter()
        .find(|(_, value)| {
            value
                .as_deref()
                .is_some_and(|text| !is_display_text(text, MAX_CONTEXT_CHARS))
        })
        .map(|(name, _)| name);
        if text.is_some() {
            return text;
        }
        match (self.lat, self.lon) {
            (Some(lat), _) if lat.degrees().abs() > 90.0 => Some("context.lat"),
            (Some(_), None) | (None, Some(_)) => Some("context.lat"),
            _ => None,
        }
    }

    /// The coordinates, when both are given.
    pub fn coordinates(&self) -> Option<(Degrees, Degrees)> {
        self.lat.zip(self.lon)
    }
}

impl ChallengeClaims {
    /// The first shown member that breaks section 6.2's limits, by name: the
    /// phone refuses such a challenge even when its signature is good.
    pub fn over_limits(&self) -> Option<&'static str> {
        if !is_display_text(&self.resource.name, MAX_RESOURCE_NAME_CHARS) {
            return Some("resource.name");
        }
        self.context.over_limits()
    }
}

/// Where a sign-in came from; every member but `time` is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Context {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    pub time: UnixTime,
    /// The sign-in's coordinates, when the relying party knows them (risk
    /// signals: new location, impossible travel). Both or neither.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<Degrees>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<Degrees>,
    /// The network the sign-in came from, as the relying party names it: an
    /// ASN (`AS3320`) or a prefix (`203.0.113.0/24`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeClaims {
    pub id: String,
    pub device: String,
    pub user: String,
    pub kind: ChallengeKind,
    pub resource: Resource,
    pub context: Context,
    pub number_matching: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_choices: Option<Vec<String>>,
    pub biometric: Biometric,
    pub iat: UnixTime,
    pub exp: UnixTime,
    /// The server's risk assessment (section 6.6); absent from servers that
    /// make none, which is read as low.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<Risk>,
}

impl ChallengeClaims {
    /// The risk level, low when the server sent none.
    pub fn risk_level(&self) -> RiskLevel {
        self.risk.as_ref().map_or(RiskLevel::Low, |risk| risk.level)
    }
}

/// A device-signed request (DPoP-like, section 5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestClaims {
    pub htm: String,
    pub htu: String,
    pub iat: UnixTime,
    pub nonce: String,
    /// Only in `PUT …/push-token`: the new token, or null to stop pushes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push_token: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Deny,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerClaims {
    pub challenge: String,
    pub device: String,
    pub decision: Decision,
    pub fraud: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    pub uv: bool,
    pub iat: UnixTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerStatus {
    Approved,
    Denied,
    Expired,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerResponse {
    pub status: AnswerStatus,
    pub server_time: UnixTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollResponse {
    pub record: String,
    pub server_time: UnixTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengesResponse {
    pub challenges: Vec<String>,
    pub server_time: UnixTime,
}

/// The stable problem types of section 9.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProblemType {
    MalformedRequest,
    UnsupportedVersion,
    UnknownToken,
    Unauthorized,
    BadSignature,
    ClockSkew,
    Replayed,
    DeviceReplaced,
    DeviceRevoked,
    UserVerificationRequired,
    AttestationRequired,
    FraudLocked,
    NotFound,
    TokenUsed,
    AlreadyAnswered,
    NotEnrolled,
    TokenExpired,
    Expired,
    PayloadTooLarge,
    WrongNumber,
    WrongCode,
    RateLimited,
    Unavailable,
}

pub const PROBLEM_TYPE_PREFIX: &str = "https://countersign.dev/problems/";

const PROBLEMS: [(ProblemType, &str, u16, &str); 23] = [
    (
        ProblemType::MalformedRequest,
        "malformed_request",
        400,
        "The request is malformed",
    ),
    (
        ProblemType::UnsupportedVersion,
        "unsupported_version",
        400,
        "Unsupported protocol version",
    ),
    (
        ProblemType::UnknownToken,
        "unknown_token",
        400,
        "Unknown enrollment token",
    ),
    (
        ProblemType::Unauthorized,
        "unauthorized",
        401,
        "Authorization is missing or invalid",
    ),
    (
        ProblemType::BadSignature,
        "bad_signature",
        401,
        "The signature is not valid",
    ),
    (
        ProblemType::ClockSkew,
        "clock_skew",
        401,
        "The request time is too far from server time",
    ),
    (
        ProblemType::Replayed,
        "replayed",
        401,
        "The request was already used",
    ),
    (
        ProblemType::DeviceReplaced,
        "device_replaced",
        403,
        "The device was replaced",
    ),
    (
        ProblemType::DeviceRevoked,
        "device_revoked",
        403,
        "The device was revoked",
    ),
    (
        ProblemType::UserVerificationRequired,
        "user_verification_required",
        403,
        "User verification is required",
    ),
    (
        ProblemType::AttestationRequired,
        "attestation_required",
        403,
        "An attested user key is required",
    ),
    (
        ProblemType::FraudLocked,
        "fraud_locked",
        403,
        "Pushes are locked after a fraud report",
    ),
    (ProblemType::NotFound, "not_found", 404, "Not found"),
    (
        ProblemType::TokenUsed,
        "token_used",
        409,
        "The enrollment token was already used",
    ),
    (
        ProblemType::AlreadyAnswered,
        "already_answered",
        409,
        "The challenge was already answered",
    ),
    (
        ProblemType::NotEnrolled,
        "not_enrolled",
        409,
        "The user has no enrolled device",
    ),
    (
        ProblemType::TokenExpired,
        "token_expired",
        410,
        "The enrollment token has expired",
    ),
    (
        ProblemType::Expired,
        "expired",
        410,
        "The challenge has expired",
    ),
    (
        ProblemType::PayloadTooLarge,
        "payload_too_large",
        413,
        "The request body is too large",
    ),
    (
        ProblemType::WrongNumber,
        "wrong_number",
        422,
        "The number does not match",
    ),
    (
        ProblemType::WrongCode,
        "wrong_code",
        422,
        "The code is wrong",
    ),
    (
        ProblemType::RateLimited,
        "rate_limited",
        429,
        "Too many requests",
    ),
    (
        ProblemType::Unavailable,
        "unavailable",
        503,
        "The service is unavailable",
    ),
];

impl ProblemType {
    fn entry(self) -> (ProblemType, &'static str, u16, &'static str) {
        PROBLEMS
            .iter()
            .copied()
            .find(|(kind, ..)| *kind == self)
            .unwrap_or((self, "unavailable", 503, "The service is unavailable"))
    }

    pub fn name(self) -> &'static str {
        self.entry().1
    }

    pub fn status(self) -> u16 {
        self.entry().2
    }

    pub fn title(self) -> &'static str {
        self.entry().3
    }

    pub fn uri(self) -> String {
        format!("{PROBLEM_TYPE_PREFIX}{}", self.name())
    }

    pub fn from_uri(uri: &str) -> Option<Self> {
        let name = uri.strip_prefix(PROBLEM_TYPE_PREFIX)?;
        PROBLEMS
            .iter()
            .find(|(_, known, ..)| *known == name)
            .map(|(kind, ..)| *kind)
    }
}

/// An RFC 9457 problem document with the extensions section 9.2 names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub server_time: UnixTime,
    #[serde(flatten)]
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

impl Problem {
    pub fn new(kind: ProblemType, detail: impl Into<String>, server_time: UnixTime) -> Self {
        Self {
            problem_type: kind.uri(),
            title: kind.title().into(),
            status: kind.status(),
            detail: detail.into(),
            server_time,
            extensions: serde_json::Map::new(),
        }
    }

    pub fn with(mut self, name: &str, value: impl Into<serde_json::Value>) -> Self {
        self.extensions.insert(name.into(), value.into());
        self
    }

    pub fn kind(&self) -> Option<ProblemType> {
        ProblemType::from_uri(&self.problem_type)
    }

    pub fn extension_i64(&self, name: &str) -> Option<i64> {
        self.extensions
            .get(name)
            .and_then(serde_json::Value::as_i64)
    }
}
