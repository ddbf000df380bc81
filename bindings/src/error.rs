//! The one error the apps see, with a variant a screen can act on and the
//! core's human message. Every core error is mapped here and nowhere else.

use countersign_core::push::device::{GateError, PushError};
use countersign_core::scan::ScanError;
use countersign_core::transfer::ImportError;
use countersign_core::uri::UriError;
use countersign_core::{OtpError, SecretStoreError, VaultError};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum FfiError {
    /// A QR code, URI or value the user gave is wrong; the message says which field.
    #[error("{message}")]
    InvalidInput { message: String },
    #[error("{message}")]
    Duplicate { message: String },
    #[error("{message}")]
    NotFound { message: String },
    /// Keystore / Keychain trouble, or the vault key is missing or wrong.
    #[error("{message}")]
    KeyStore { message: String },
    /// Disk full, busy, damaged file: the message says what to do.
    #[error("{message}")]
    Storage { message: String },
    #[error("{message}")]
    Expired { seconds_ago: i64, message: String },
    #[error("{message}")]
    AlreadyAnswered { message: String },
    #[error("{message}")]
    WrongNumber { message: String },
    #[error("{message}")]
    NumberRequired { message: String },
    #[error("{message}")]
    BiometricFailed { cancelled: bool, message: String },
    #[error("{message}")]
    PhoneRequired { message: String },
    #[error("{message}")]
    DeviceReplaced { message: String },
    #[error("{message}")]
    DeviceRevoked { message: String },
    /// The server or a message from it cannot be trusted (bad signature, wrong key).
    #[error("{message}")]
    Untrusted { message: String },
    #[error("{message}")]
    Network { message: String },
    #[error("{message}")]
    RateLimited { retry_after: i64, message: String },
    #[error("{message}")]
    ServerRefused { message: String },
    #[error("{message}")]
    WrongPassword { message: String },
    /// A platform callback (Kotlin/Swift) failed.
    #[error("{message}")]
    Platform { message: String },
}

impl FfiError {
    pub fn platform(message: impl Into<String>) -> Self {
        FfiError::Platform {
            message: message.into(),
        }
    }
}

impl From<uniffi::UnexpectedUniFFICallbackError> for FfiError {
    fn from(error: uniffi::UnexpectedUniFFICallbackError) -> Self {
        FfiError::platform(error.reason)
    }
}

impl From<UriError> for FfiError {
    fn from(error: UriError) -> Self {
        FfiError::InvalidInput {
            message: error.to_string(),
        }
    }
}

impl From<OtpError> for FfiError {
    fn from(error: OtpError) -> Self {
        FfiError::InvalidInput {
            message: error.to_string(),
        }
    }
}

impl From<ScanError> for FfiError {
    fn from(error: ScanError) -> Self {
        FfiError::InvalidInput {
            message: error.to_string(),
        }
    }
}

impl From<SecretStoreError> for FfiError {
    fn from(error: SecretStoreError) -> Self {
        FfiError::KeyStore {
            message: error.to_string(),
        }
    }
}

impl From<VaultError> for FfiError {
    fn from(error: VaultError) -> Self {
        let message = error.to_string();
        match error {
            VaultError::Duplicate { .. } => FfiError::Duplicate { message },
            VaultError::NotFound { .. } => FfiError::NotFound { message },
            VaultError::KeyMismatch | VaultError::KeyMissing { .. } | VaultError::KeyStore(_) => {
                FfiError::KeyStore { message }
            }
            VaultError::Otp(_)
            | VaultError::NotHotp { .. }
            | VaultError::PositionOutOfRange { .. } => FfiError::InvalidInput { message },
            _ => FfiError::Storage { message },
        }
    }
}

impl From<ImportError> for FfiError {
    fn from(error: ImportError) -> Self {
        let message = error.to_string();
        match error {
            ImportError::WrongPassword | ImportError::PasswordRequired { .. } => {
                FfiError::WrongPassword { message }
            }
            _ => FfiError::InvalidInput { message },
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
            | PushError::UnknownToken => FfiError::InvalidInput { message },
            PushError::ServerKeyMismatch
            | PushError::RecordMismatch
            | PushError::BadServerMessage(_) => FfiError::Untrusted { message },
            PushError::Expired { seconds_ago } => FfiError::Expired {
                seconds_ago,
                message,
            },
            PushError::AlreadyAnswered { .. } => FfiError::AlreadyAnswered { message },
            PushError::WrongNumber => FfiError::WrongNumber { message },
            PushError::NumberRequired => FfiError::NumberRequired { message },
            PushError::Gate(gate) => FfiError::BiometricFailed {
                cancelled: gate == GateError::Cancelled,
                message,
            },
            PushError::DeviceReplaced => FfiError::DeviceReplaced { message },
            PushError::DeviceRevoked => FfiError::DeviceRevoked { message },
            PushError::PhoneRequired => FfiError::PhoneRequired { message },
            PushError::UnknownRequest | PushError::UnknownAccount(_) => {
                FfiError::NotFound { message }
            }
            PushError::Network { .. } => FfiError::Network { message },
            PushError::RateLimited { retry_after } => FfiError::RateLimited {
                retry_after,
                message,
            },
            PushError::Server { .. } => FfiError::ServerRefused { message },
            PushError::Vault(vault) => vault.into(),
        }
    }
}
