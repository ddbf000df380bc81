//! Core errors as diagnostics codes: each error becomes one value of a closed
//! set, never its message (a message can name a server, a user or a URL).
//! Every match names every variant, so a new error cannot reach the queue
//! unclassified.

use countersign_protocol::diagnostics::{
    AnswerProblem, EnrollmentCheck, ImportOutcome, VerifyFailure,
};

use crate::push::device::{GateError, PushError};
use crate::transfer::ImportError;

/// Which check an enrollment failed.
pub fn enrollment_check(error: &PushError) -> EnrollmentCheck {
    match error {
        PushError::EnrollUri(_)
        | PushError::PrivacyIdeaUri(_)
        | PushError::NotEnrollmentCode { .. }
        | PushError::UnknownToken => EnrollmentCheck::InvalidCode,
        PushError::TokenExpired { .. } | PushError::TokenUsed => EnrollmentCheck::CodeExpired,
        PushError::InsecureServer { .. } => EnrollmentCheck::InsecureServer,
        PushError::UncheckedCertificatesNeedConsent { .. } => EnrollmentCheck::CertificateConsent,
        PushError::Network { .. } | PushError::AnswerTooLarge => EnrollmentCheck::Network,
        PushError::RateLimited { .. } | PushError::PollingNotAllowed => {
            EnrollmentCheck::ServerRefused
        }
        PushError::Server { problem, .. } if problem == "attestation_required" => {
            EnrollmentCheck::AttestationRequired
        }
        PushError::Server { .. } => EnrollmentCheck::ServerRefused,
        PushError::ServerKeyMismatch
        | PushError::RecordMismatch
        | PushError::BadServerMessage(_)
        | PushError::Unverified { .. } => EnrollmentCheck::Untrusted,
        PushError::HardwareKey { .. } | PushError::Gate(_) => EnrollmentCheck::HardwareKey,
        PushError::Vault(_) => EnrollmentCheck::Storage,
        PushError::Expired { .. }
        | PushError::AlreadyAnswered { .. }
        | PushError::WrongNumber
        | PushError::NumberRequired
        | PushError::DeviceReplaced
        | PushError::DeviceRevoked
        | PushError::PhoneRequired
        | PushError::UnknownRequest
        | PushError::AnswerInProgress
        | PushError::UnknownAccount(_)
        | PushError::NoLongerOpen => EnrollmentCheck::Other,
    }
}

/// Why a delivered challenge was not shown.
pub fn verify_failure(error: &PushError) -> VerifyFailure {
    match error {
        PushError::BadServerMessage(_)
        | PushError::ServerKeyMismatch
        | PushError::RecordMismatch => VerifyFailure::BadSignature,
        PushError::Expired { .. } | PushError::NoLongerOpen => VerifyFailure::Expired,
        PushError::UnknownAccount(_) | PushError::UnknownRequest => VerifyFailure::UnknownAccount,
        PushError::Unverified { .. } => VerifyFailure::Malformed,
        PushError::EnrollUri(_)
        | PushError::TokenExpired { .. }
        | PushError::TokenUsed
        | PushError::UnknownToken
        | PushError::AlreadyAnswered { .. }
        | PushError::WrongNumber
        | PushError::NumberRequired
        | PushError::Gate(_)
        | PushError::DeviceReplaced
        | PushError::DeviceRevoked
        | PushError::PhoneRequired
        | PushError::AnswerInProgress
        | PushError::Network { .. }
        | PushError::AnswerTooLarge
        | PushError::InsecureServer { .. }
        | PushError::UncheckedCertificatesNeedConsent { .. }
        | PushError::HardwareKey { .. }
        | PushError::RateLimited { .. }
        | PushError::Server { .. }
        | PushError::PrivacyIdeaUri(_)
        | PushError::NotEnrollmentCode { .. }
        | PushError::PollingNotAllowed
        | PushError::Vault(_) => VerifyFailure::Other,
    }
}

/// Why an answer did not go through.
pub fn answer_problem(error: &PushError) -> AnswerProblem {
    match error {
        PushError::Expired { .. } | PushError::NoLongerOpen => AnswerProblem::Expired,
        PushError::AlreadyAnswered { .. } | PushError::AnswerInProgress => {
            AnswerProblem::AlreadyAnswered
        }
        PushError::WrongNumber => AnswerProblem::WrongNumber,
        PushError::NumberRequired => AnswerProblem::NumberRequired,
        PushError::Gate(GateError::Cancelled) => AnswerProblem::BiometricCancelled,
        PushError::Gate(GateError::Failed | GateError::Unavailable(_))
        | PushError::PhoneRequired => AnswerProblem::BiometricFailed,
        PushError::Gate(GateError::KeyInvalidated) | PushError::HardwareKey { .. } => {
            AnswerProblem::UserKeyInvalidated
        }
        PushError::DeviceRevoked => AnswerProblem::DeviceRevoked,
        PushError::DeviceReplaced => AnswerProblem::DeviceReplaced,
        PushError::RateLimited { .. } => AnswerProblem::RateLimited,
        PushError::Network { .. } | PushError::AnswerTooLarge => AnswerProblem::Network,
        PushError::Server { .. } | PushError::PollingNotAllowed => AnswerProblem::ServerRefused,
        PushError::BadServerMessage(_)
        | PushError::ServerKeyMismatch
        | PushError::RecordMismatch
        | PushError::Unverified { .. }
        | PushError::InsecureServer { .. }
        | PushError::UncheckedCertificatesNeedConsent { .. } => AnswerProblem::Untrusted,
        PushError::EnrollUri(_)
        | PushError::TokenExpired { .. }
        | PushError::TokenUsed
        | PushError::UnknownToken
        | PushError::UnknownRequest
        | PushError::UnknownAccount(_)
        | PushError::PrivacyIdeaUri(_)
        | PushError::NotEnrollmentCode { .. }
        | PushError::Vault(_) => AnswerProblem::Other,
    }
}

/// How an import ended; `added` accounts when it went through.
pub fn import_outcome(result: &Result<usize, ImportError>) -> ImportOutcome {
    match result {
        Ok(0) => ImportOutcome::NothingNew,
        Ok(_) => ImportOutcome::Imported,
        Err(ImportError::PasswordRequired { .. } | ImportError::WrongPassword) => {
            ImportOutcome::WrongPassword
        }
        Err(ImportError::UnknownFormat | ImportError::Unreadable { .. }) => {
            ImportOutcome::Unreadable
        }
        Err(ImportError::OverLimit { .. }) => ImportOutcome::OverLimit,
        Err(ImportError::Malformed { .. } | ImportError::Unsupported { .. }) => {
            ImportOutcome::Failed
        }
    }
}
