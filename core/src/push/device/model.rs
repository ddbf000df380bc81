//! What the phone's screens get: one `PushRequest` for a sign-in to approve or
//! deny, a `WatchRequest` for the Watch face, and the typed errors they can meet.

use crate::clock::UnixTime;
use crate::push::enroll_uri::EnrollUriError;
use crate::push::jose::JoseError;
use crate::push::privacyidea::PiUriError;
use crate::push::wire::{ChallengeKind, Context, Resource, RiskLevel, RiskReason};
use crate::vault::VaultError;

/// A verified sign-in request, as the approval screen shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushRequest {
    pub id: String,
    /// The push account (enrollment) it arrived for.
    pub account_id: String,
    pub org: String,
    pub user: String,
    pub kind: ChallengeKind,
    pub resource: Resource,
    pub context: Context,
    /// What the server asks, when it words it itself (privacyIDEA's question).
    pub message: Option<String>,
    pub issued_at: UnixTime,
    pub expires_at: UnixTime,
    /// Seconds until it expires, by the server's clock as this device estimates it.
    pub seconds_left: i64,
    pub biometric_required: bool,
    pub number_matching: bool,
    pub number_choices: Option<Vec<String>>,
    /// Requests for the same resource in the last minute, this one included: more
    /// than one is shown as a burst ("3 sign-in requests to Salesforce").
    pub burst: u32,
    /// The server's signed risk assessment (low when it sent none), and why.
    pub risk_level: RiskLevel,
    pub risk_reasons: Vec<RiskReason>,
}

impl PushRequest {
    /// Whether a notification may offer Approve itself (Android's action, iOS's
    /// long press): only when answering needs nothing but the tap — no number
    /// to match or pick and no biometric. Both shells take this one rule.
    pub fn answerable_inline(&self) -> bool {
        !self.biometric_required
            && !self.number_matching
            && self.risk_level == RiskLevel::Low
            && self.number_choices.as_ref().is_none_or(Vec::is_empty)
    }
}

/// What a Watch face shows; the Watch holds no keys and answers through the phone.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct WatchRequest {
    pub id: String,
    /// "Sign in to Salesforce"
    pub title: String,
    /// "Berlin, DE · Firefox 133 on Windows 11"
    pub detail: String,
    pub seconds_left: i64,
    pub number_matching: bool,
    /// Biometric confirmation is required: the Watch says "Open on iPhone" and can
    /// only deny.
    pub phone_required: bool,
}

/// What a fetch found: the requests of every account that answered, and the
/// accounts that could not be asked (a banner: "Acme's server cannot be reached").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PendingReport {
    pub requests: Vec<PushRequest>,
    pub failures: Vec<AccountFailure>,
}

impl PendingReport {
    /// The requests; when nothing could be shown because of a failure, the
    /// failure is the answer.
    pub fn into_requests(self) -> Result<Vec<PushRequest>, PushError> {
        match self.failures.into_iter().next() {
            Some(failure) if self.requests.is_empty() => Err(failure.error),
            _ => Ok(self.requests),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountFailure {
    pub account_id: String,
    pub error: PushError,
}

/// What the Watch sends back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchDecision {
    Approve { number: Option<String> },
    Deny { fraud: bool },
}

/// How an answer ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerOutcome {
    Approved,
    /// Approved, and the sign-in screen now asks for `code`: show it with
    /// `message` (privacyIDEA's "code to phone" mode).
    ApprovedShowCode {
        code: String,
        message: String,
    },
    Denied,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GateError {
    #[error("biometric confirmation failed")]
    Failed,
    #[error("biometric confirmation was cancelled")]
    Cancelled,
    #[error("biometric confirmation is not available: {0}")]
    Unavailable(String),
    /// The key that signs for the user no longer works: the screen lock was
    /// removed or changed (Android invalidates it then). Codes are untouched.
    #[error(
        "this phone's screen lock changed, so its key for approving sign-ins no longer works; \
         remove this sign-in account and enroll the phone again"
    )]
    KeyInvalidated,
}

/// The shell's biometric prompt (BiometricPrompt, LocalAuthentication). Async:
/// the prompt may stay up for a minute, and no thread (and no vault lock) waits
/// for it; the future resolves when the user has passed, failed or cancelled.
#[async_trait::async_trait]
pub trait BiometricGate: Send + Sync {
    async fn confirm(&self, reason: &str) -> Result<(), GateError>;
}

/// For callers that never need the gate (deny, or policies without biometrics).
#[derive(Debug, Default)]
pub struct NoGate;

#[async_trait::async_trait]
impl BiometricGate for NoGate {
    async fn confirm(&self, _reason: &str) -> Result<(), GateError> {
        Err(GateError::Unavailable(
            "no biometric prompt on this device".into(),
        ))
    }
}

/// The user's answer to a privacyIDEA code that turns certificate checks off
/// (`sslverify=0`). Enrollment is refused until the shell has shown the warning
/// and the user accepted it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UncheckedCertificates {
    #[default]
    NotAccepted,
    AcceptedByUser,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushError {
    #[error("{0}")]
    EnrollUri(#[from] EnrollUriError),
    #[error("this enrollment code expired {seconds_ago} s ago; ask for a new one")]
    TokenExpired { seconds_ago: i64 },
    #[error("this enrollment code was already used; ask for a new one")]
    TokenUsed,
    #[error("this enrollment code is not valid; ask for a new one")]
    UnknownToken,
    #[error(
        "the server's key does not match the one in the QR code: this code does not belong to a \
         trustworthy server, nothing was stored"
    )]
    ServerKeyMismatch,
    #[error("the server answered with a record for another user or device; nothing was stored")]
    RecordMismatch,
    #[error("a message from the server failed verification: {0}")]
    BadServerMessage(JoseError),
    #[error("this request expired {seconds_ago} s ago; sign in again if it was you")]
    Expired { seconds_ago: i64 },
    #[error("this request was already answered ({status})")]
    AlreadyAnswered { status: String },
    #[error("the number did not match, so the sign-in was blocked; if it was you, sign in again")]
    WrongNumber,
    #[error("enter the number shown on the sign-in screen to approve")]
    NumberRequired,
    #[error("approving needs biometric confirmation: {0}")]
    Gate(GateError),
    #[error("this account was moved to another device; remove it from this one")]
    DeviceReplaced,
    #[error("your administrator removed this device; remove the account from this one")]
    DeviceRevoked,
    #[error("this needs the phone: open Countersign on iPhone to approve with Face ID")]
    PhoneRequired,
    #[error("no such request on this device (it may have been answered elsewhere)")]
    UnknownRequest,
    #[error("this request is being answered already; wait for that answer")]
    AnswerInProgress,
    #[error("no push account with id {0}")]
    UnknownAccount(String),
    #[error("could not reach the server ({reason}); check the connection and try again")]
    Network { reason: String },
    #[error(
        "the server's answer was larger than any push server sends (over 1 MiB) and was \
         dropped; tell your administrator"
    )]
    AnswerTooLarge,
    #[error(
        "this server is reached over plain http ({url}); Countersign only talks to https \
         servers: ask your administrator for the server's https address"
    )]
    InsecureServer { url: String },
    #[error(
        "this privacyIDEA code turns off certificate checks (sslverify=0) for {url}: anyone on \
         the network could pose as the server. Enroll only if your administrator told you the \
         server uses a self-signed certificate, and confirm to go on"
    )]
    UncheckedCertificatesNeedConsent { url: String },
    /// The phone's Secure Enclave / StrongBox key failed: not the server's fault.
    #[error(
        "this phone's secure hardware could not use the account's key ({reason}); unlock the \
         phone and try again, and if it keeps failing remove the account and enroll again"
    )]
    HardwareKey { reason: String },
    #[error("the server is busy; try again in {retry_after} s")]
    RateLimited { retry_after: i64 },
    #[error("the server refused the request: {problem} ({detail})")]
    Server { problem: String, detail: String },
    #[error("{0}")]
    PrivacyIdeaUri(#[from] PiUriError),
    #[error(
        "this code is {found}, not a push enrollment: scan the code your administrator's \
         portal shows for this phone"
    )]
    NotEnrollmentCode { found: &'static str },
    #[error("a request from the server failed verification and was dropped: {reason}")]
    Unverified { reason: String },
    #[error(
        "the server no longer accepts an answer to this request: it expired or was answered \
         elsewhere; sign in again if it was you"
    )]
    NoLongerOpen,
    #[error("this server does not allow polling; its requests arrive as notifications")]
    PollingNotAllowed,
    #[error("{0}")]
    Vault(#[from] VaultError),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(biometric: bool, number: bool, choices: Option<Vec<String>>) -> PushRequest {
        PushRequest {
            id: "ch_1".into(),
            account_id: "acct".into(),
            org: "Acme".into(),
            user: "jane".into(),
            kind: ChallengeKind::Login,
            resource: Resource {
                id: "salesforce".into(),
                name: "Salesforce".into(),
            },
            context: Context::default(),
            message: None,
            issued_at: 0,
            expires_at: 60,
            seconds_left: 60,
            biometric_required: biometric,
            number_matching: number,
            number_choices: choices,
            burst: 1,
            risk_level: RiskLevel::Low,
            risk_reasons: Vec::new(),
        }
    }

    #[test]
    fn only_a_request_that_needs_nothing_but_a_tap_is_answerable_inline() {
        assert!(request(false, false, None).answerable_inline());
        assert!(request(false, false, Some(vec![])).answerable_inline());
        assert!(!request(true, false, None).answerable_inline());
        assert!(!request(false, true, None).answerable_inline());
        assert!(!request(false, false, Some(vec!["17".into(), "42".into()])).answerable_inline());
        let mut risky = request(false, false, None);
        risky.risk_level = RiskLevel::Medium;
        assert!(!risky.answerable_inline(), "a risky request opens the app");
    }
}
