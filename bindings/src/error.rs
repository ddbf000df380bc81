//! The one error the apps see, with a variant a screen can act on and the
//! core's human message. Every core error is mapped here and nowhere else.

use countersign_core::diagnostics::DiagnosticsError;
use countersign_core::push::device::{GateError, PushError};
use countersign_core::scan::{NotAnAccount, ScanError};
use countersign_core::transfer::ImportError;
use countersign_core::uri::UriError;
use countersign_core::{OtpError, SecretStoreError, VaultError};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum FfiError {
    /// A QR code, URI or value the user gave is wrong; the message says which field.
    #[error("{reason}")]
    InvalidInput { reason: String },
    /// The account is already there: `existing_id` lets the screen show it.
    #[error("{reason}")]
    Duplicate { existing_id: String, reason: String },
    /// `id` names what is missing (an account or a push account), when known.
    #[error("{reason}")]
    NotFound { id: Option<String>, reason: String },
    /// Keystore / Keychain trouble, or the vault key is missing or wrong.
    #[error("{reason}")]
    KeyStore { reason: String },
    /// Disk full, busy, damaged file: `problem` says which, so the screen can
    /// offer the way out; `account_id` names the one account affected, if only one is.
    #[error("{reason}")]
    Storage {
        problem: StorageProblem,
        account_id: Option<String>,
        reason: String,
    },
    #[error("{reason}")]
    Expired { seconds_ago: i64, reason: String },
    #[error("{reason}")]
    AlreadyAnswered { reason: String },
    #[error("{reason}")]
    WrongNumber { reason: String },
    #[error("{reason}")]
    NumberRequired { reason: String },
    #[error("{reason}")]
    BiometricFailed { cancelled: bool, reason: String },
    #[error("{reason}")]
    PhoneRequired { reason: String },
    #[error("{reason}")]
    DeviceReplaced { reason: String },
    #[error("{reason}")]
    DeviceRevoked { reason: String },
    /// The server or a message from it cannot be trusted (bad signature, wrong key).
    #[error("{reason}")]
    Untrusted { reason: String },
    #[error("{reason}")]
    Network { reason: String },
    #[error("{reason}")]
    RateLimited { retry_after: i64, reason: String },
    #[error("{reason}")]
    ServerRefused { reason: String },
    /// `password_missing`: the file is encrypted and no password was given
    /// (ask for one); otherwise the password given was wrong.
    #[error("{reason}")]
    WrongPassword {
        password_missing: bool,
        reason: String,
    },
    /// Security settings in the vault were edited outside the app
    /// (`account_id` names the account), or an older copy of the whole vault
    /// was put back (`account_id` is `None`).
    #[error("{reason}")]
    Tampered {
        account_id: Option<String>,
        reason: String,
    },
    /// A privacyIDEA code turns certificate checks off: show the warning, and
    /// enroll again with `accept_unchecked_certificates` only if the user agrees.
    #[error("{reason}")]
    CertificateChecksOff { url: String, reason: String },
    /// The phone's Secure Enclave / StrongBox key failed (not the server).
    #[error("{reason}")]
    HardwareKey { reason: String },
    /// The user (through the shell) stopped the operation.
    #[error("{reason}")]
    Cancelled { reason: String },
    /// A platform callback (Kotlin/Swift) failed.
    #[error("{reason}")]
    Platform { reason: String },
}

/// What went wrong with the vault file, as a screen acts on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum StorageProblem {
    /// Another process holds the vault: try again in a moment.
    Busy,
    /// Free some space; nothing was changed.
    DiskFull,
    /// The file, or one account's secret, is damaged: restore or re-add.
    Damaged,
    /// Written by a newer version: update the app.
    TooNew,
    /// An HOTP counter reached its maximum: re-add the account.
    CounterExhausted,
    /// The system's random source failed, or another storage failure.
    Other,
}

impl FfiError {
    pub fn platform(message: impl Into<String>) -> Self {
        FfiError::Platform {
            reason: message.into(),
        }
    }
}

impl From<uniffi::UnexpectedUniFFICallbackError> for FfiError {
    fn from(error: uniffi::UnexpectedUniFFICallbackError) -> Self {
        // Kotlin sends a whole stack trace: the first line is the message.
        FfiError::platform(error.reason.lines().next().unwrap_or_default())
    }
}

impl From<DiagnosticsError> for FfiError {
    fn from(error: DiagnosticsError) -> Self {
        let reason = error.to_string();
        match error {
            DiagnosticsError::Vault(error) => error.into(),
            DiagnosticsError::Encoding | DiagnosticsError::Random => FfiError::Storage {
                problem: StorageProblem::Other,
                account_id: None,
                reason,
            },
            DiagnosticsError::InsecureCollector => FfiError::InvalidInput { reason },
            DiagnosticsError::Network => FfiError::Network { reason },
            DiagnosticsError::CollectorBusy { .. } => FfiError::ServerRefused { reason },
        }
    }
}

impl From<NotAnAccount> for FfiError {
    fn from(error: NotAnAccount) -> Self {
        FfiError::InvalidInput {
            reason: error.to_string(),
        }
    }
}

impl From<UriError> for FfiError {
    fn from(error: UriError) -> Self {
        FfiError::InvalidInput {
            reason: error.to_string(),
        }
    }
}

impl From<OtpError> for FfiError {
    fn from(error: OtpError) -> Self {
        FfiError::InvalidInput {
            reason: error.to_string(),
        }
    }
}

impl From<ScanError> for FfiError {
    fn from(error: ScanError) -> Self {
        let reason = error.to_string();
        match error {
            ScanError::Cancelled => FfiError::Cancelled { reason },
            ScanError::BadGeometry { .. }
            | ScanError::BufferTooSmall { .. }
            | ScanError::BadRotation { .. }
            | ScanError::NotAnImage { .. }
            | ScanError::ImageTooLarge { .. }
            | ScanError::FileTooLarge { .. }
            | ScanError::TooSlow { .. } => FfiError::InvalidInput { reason },
        }
    }
}

impl From<SecretStoreError> for FfiError {
    fn from(error: SecretStoreError) -> Self {
        FfiError::KeyStore {
            reason: error.to_string(),
        }
    }
}

impl From<VaultError> for FfiError {
    fn from(error: VaultError) -> Self {
        let message = error.to_string();
        match error {
            VaultError::Duplicate { existing_id } => FfiError::Duplicate {
                existing_id,
                reason: message,
            },
            VaultError::NotFound { id } => FfiError::NotFound {
                id: Some(id),
                reason: message,
            },
            VaultError::KeyMismatch | VaultError::KeyMissing { .. } | VaultError::KeyStore(_) => {
                FfiError::KeyStore { reason: message }
            }
            VaultError::Tampered { id } => FfiError::Tampered {
                account_id: Some(id),
                reason: message,
            },
            VaultError::RolledBack { .. } => FfiError::Tampered {
                account_id: None,
                reason: message,
            },
            VaultError::Otp(_)
            | VaultError::NotHotp { .. }
            | VaultError::PositionOutOfRange { .. } => FfiError::InvalidInput { reason: message },
            VaultError::Busy => storage(StorageProblem::Busy, None, message),
            VaultError::DiskFull => storage(StorageProblem::DiskFull, None, message),
            VaultError::Integrity { id } => storage(StorageProblem::Damaged, Some(id), message),
            VaultError::NotAVault | VaultError::Corrupt { .. } => {
                storage(StorageProblem::Damaged, None, message)
            }
            VaultError::TooNew { .. } => storage(StorageProblem::TooNew, None, message),
            VaultError::CounterExhausted { id } => {
                storage(StorageProblem::CounterExhausted, Some(id), message)
            }
            VaultError::Random | VaultError::Storage { .. } => {
                storage(StorageProblem::Other, None, message)
            }
        }
    }
}

fn storage(problem: StorageProblem, account_id: Option<String>, reason: String) -> FfiError {
    FfiError::Storage {
        problem,
        account_id,
        reason,
    }
}

impl From<ImportError> for FfiError {
    fn from(error: ImportError) -> Self {
        let message = error.to_string();
        match error {
            ImportError::WrongPassword => FfiError::WrongPassword {
                password_missing: false,
                reason: message,
            },
            ImportError::PasswordRequired { .. } => FfiError::WrongPassword {
                password_missing: true,
                reason: message,
            },
            ImportError::UnknownFormat
            | ImportError::Malformed { .. }
            | ImportError::Unsupported { .. }
            | ImportError::OverLimit { .. }
            | ImportError::Unreadable { .. } => FfiError::InvalidInput { reason: message },
        }
    }
}

impl From<PushError> for FfiError {
    fn from(error: PushError) -> Self {
        let message = error.to_string();
        match error {
            PushError::EnrollUri(_)
            | PushError::TokenExpired { .. }
            | PushError::TokenUsed
            | PushError::UnknownToken
            | PushError::PrivacyIdeaUri(_)
            | PushError::NotEnrollmentCode { .. } => FfiError::InvalidInput { reason: message },
            PushError::ServerKeyMismatch
            | PushError::RecordMismatch
            | PushError::BadServerMessage(_)
            | PushError::Unverified { .. }
            | PushError::InsecureServer { .. }
            | PushError::AnswerTooLarge => FfiError::Untrusted { reason: message },
            PushError::UncheckedCertificatesNeedConsent { url } => FfiError::CertificateChecksOff {
                url,
                reason: message,
            },
            PushError::Expired { seconds_ago } => FfiError::Expired {
                seconds_ago,
                reason: message,
            },
            PushError::AlreadyAnswered { .. } | PushError::AnswerInProgress => {
                FfiError::AlreadyAnswered { reason: message }
            }
            PushError::NoLongerOpen => FfiError::Expired {
                seconds_ago: 0,
                reason: message,
            },
            PushError::WrongNumber => FfiError::WrongNumber { reason: message },
            PushError::NumberRequired => FfiError::NumberRequired { reason: message },
            PushError::Gate(GateError::KeyInvalidated) => FfiError::HardwareKey { reason: message },
            PushError::Gate(gate) => FfiError::BiometricFailed {
                cancelled: gate == GateError::Cancelled,
                reason: message,
            },
            PushError::DeviceReplaced => FfiError::DeviceReplaced { reason: message },
            PushError::DeviceRevoked => FfiError::DeviceRevoked { reason: message },
            PushError::PhoneRequired => FfiError::PhoneRequired { reason: message },
            PushError::UnknownRequest => FfiError::NotFound {
                id: None,
                reason: message,
            },
            PushError::UnknownAccount(id) => FfiError::NotFound {
                id: Some(id),
                reason: message,
            },
            PushError::Network { .. } => FfiError::Network { reason: message },
            PushError::RateLimited { retry_after } => FfiError::RateLimited {
                retry_after,
                reason: message,
            },
            PushError::Server { .. } | PushError::PollingNotAllowed => {
                FfiError::ServerRefused { reason: message }
            }
            PushError::HardwareKey { .. } => FfiError::HardwareKey { reason: message },
            PushError::Vault(vault) => vault.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(text: &str) -> String {
        text.to_owned()
    }

    /// What each push failure becomes on a screen: the variant a screen acts
    /// on, with the core's message and the fields that go with it.
    #[test]
    fn push_errors_reach_the_screens_as_the_variants_they_act_on() {
        let cases = [
            (PushError::WrongNumber, "WrongNumber"),
            (PushError::NumberRequired, "NumberRequired"),
            (PushError::DeviceReplaced, "DeviceReplaced"),
            (PushError::DeviceRevoked, "DeviceRevoked"),
            (PushError::PhoneRequired, "PhoneRequired"),
            (
                PushError::AlreadyAnswered {
                    status: reason("approved"),
                },
                "AlreadyAnswered",
            ),
            (PushError::AnswerInProgress, "AlreadyAnswered"),
            (PushError::UnknownRequest, "NotFound"),
            (PushError::UnknownAccount(reason("a1")), "NotFound"),
            (
                PushError::Network {
                    reason: reason("timed out"),
                },
                "Network",
            ),
            (PushError::NoLongerOpen, "Expired"),
            (PushError::TokenUsed, "InvalidInput"),
            (
                PushError::NotEnrollmentCode {
                    found: "an account",
                },
                "InvalidInput",
            ),
            (PushError::ServerKeyMismatch, "Untrusted"),
            (PushError::AnswerTooLarge, "Untrusted"),
            (
                PushError::InsecureServer {
                    url: reason("http://mfa.example"),
                },
                "Untrusted",
            ),
            (PushError::PollingNotAllowed, "ServerRefused"),
            (
                PushError::HardwareKey {
                    reason: reason("key invalidated"),
                },
                "HardwareKey",
            ),
        ];
        for (error, variant) in cases {
            let message = error.to_string();
            let ffi = FfiError::from(error);
            let debug = format!("{ffi:?}");
            assert!(debug.starts_with(&format!("{variant} ")), "{debug}");
            assert_eq!(ffi.to_string(), message);
        }
    }

    #[test]
    fn push_errors_keep_the_fields_a_screen_needs() {
        assert_eq!(
            FfiError::from(PushError::Expired { seconds_ago: 12 }),
            FfiError::Expired {
                seconds_ago: 12,
                reason: PushError::Expired { seconds_ago: 12 }.to_string()
            }
        );
        let busy = FfiError::from(PushError::RateLimited { retry_after: 7 });
        assert!(
            matches!(busy, FfiError::RateLimited { retry_after: 7, .. }),
            "{busy:?}"
        );
        let url = reason("https://pi.example/ttype/push");
        let consent =
            FfiError::from(PushError::UncheckedCertificatesNeedConsent { url: url.clone() });
        assert!(
            matches!(&consent, FfiError::CertificateChecksOff { url: shown, .. } if *shown == url),
            "{consent:?}"
        );
        for (gate, cancelled) in [(GateError::Cancelled, true), (GateError::Failed, false)] {
            let ffi = FfiError::from(PushError::Gate(gate));
            assert!(
                matches!(ffi, FfiError::BiometricFailed { cancelled: c, .. } if c == cancelled),
                "{ffi:?}"
            );
        }
    }

    /// Vault and import failures carry what a screen acts on: which account,
    /// which storage problem, whether a password is missing or wrong.
    #[test]
    fn vault_and_import_errors_keep_the_fields_a_screen_needs() {
        let cases = [
            (VaultError::DiskFull, StorageProblem::DiskFull, None),
            (VaultError::Busy, StorageProblem::Busy, None),
            (
                VaultError::Integrity { id: reason("a1") },
                StorageProblem::Damaged,
                Some("a1"),
            ),
            (VaultError::NotAVault, StorageProblem::Damaged, None),
            (
                VaultError::TooNew {
                    found: 9,
                    supported: 5,
                },
                StorageProblem::TooNew,
                None,
            ),
            (
                VaultError::CounterExhausted { id: reason("h1") },
                StorageProblem::CounterExhausted,
                Some("h1"),
            ),
            (VaultError::Random, StorageProblem::Other, None),
        ];
        for (error, expected, account) in cases {
            let ffi = FfiError::from(error);
            assert!(
                matches!(&ffi, FfiError::Storage { problem, account_id, .. }
                    if *problem == expected && account_id.as_deref() == account),
                "{ffi:?}"
            );
        }
        let duplicate = FfiError::from(VaultError::Duplicate {
            existing_id: reason("a7"),
        });
        assert!(
            matches!(&duplicate, FfiError::Duplicate { existing_id, .. } if existing_id == "a7"),
            "{duplicate:?}"
        );
        let tampered = FfiError::from(VaultError::Tampered { id: reason("p1") });
        assert!(
            matches!(&tampered, FfiError::Tampered { account_id: Some(id), .. } if id == "p1"),
            "{tampered:?}"
        );
        let rolled_back = FfiError::from(VaultError::RolledBack {
            found: 1,
            expected: 4,
        });
        assert!(
            matches!(
                rolled_back,
                FfiError::Tampered {
                    account_id: None,
                    ..
                }
            ),
            "{rolled_back:?}"
        );
        let missing = FfiError::from(VaultError::NotFound { id: reason("gone") });
        assert!(
            matches!(&missing, FfiError::NotFound { id: Some(id), .. } if id == "gone"),
            "{missing:?}"
        );
        for (error, password_missing) in [
            (ImportError::WrongPassword, false),
            (ImportError::PasswordRequired { format: "Aegis" }, true),
        ] {
            let ffi = FfiError::from(error);
            assert!(
                matches!(ffi, FfiError::WrongPassword { password_missing: m, .. } if m == password_missing),
                "{ffi:?}"
            );
        }
    }
}
