use rusqlite::ErrorCode;

use crate::keys::SecretStoreError;
use crate::otp::OtpError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    #[error("the vault is in use by another process; try again in a moment")]
    Busy,
    #[error("the disk is full: free some space and try again (nothing was changed)")]
    DiskFull,
    #[error(
        "the vault key does not match this vault: the vault was made with another key \
         (restored from another device?); nothing was changed"
    )]
    KeyMismatch,
    #[error(
        "the key for this vault is not in the key store ({store_entry}); without it the \
         accounts cannot be read. Restore the key, or import a backup into a new vault"
    )]
    KeyMissing { store_entry: String },
    #[error("could not reach the key store: {0}")]
    KeyStore(#[from] SecretStoreError),
    #[error(
        "the secret of account {id} failed its integrity check (the vault file was modified \
         or damaged); the other accounts are unaffected. Re-add this account from its QR code"
    )]
    Integrity { id: String },
    #[error(
        "the security settings of {id} were changed outside Countersign (the vault file was \
         edited), so they are not used; remove it and add it again from its QR code"
    )]
    Tampered { id: String },
    #[error(
        "this vault is an older copy than the one last used on this device (generation {found}, \
         expected {expected}): restoring it would bring back used codes and old server keys, so \
         it was not opened. Use the current vault, or import a backup into a new one"
    )]
    RolledBack { found: u64, expected: u64 },
    #[error("the file is not a Countersign vault")]
    NotAVault,
    #[error("the vault file is damaged: {detail}")]
    Corrupt { detail: String },
    #[error(
        "this vault was written by a newer Countersign (schema {found}, this version reads up \
         to {supported}); update the app"
    )]
    TooNew { found: i64, supported: i64 },
    #[error("this account is already in the vault (same issuer, name and secret) as {existing_id}")]
    Duplicate { existing_id: String },
    #[error("no account with id {id}")]
    NotFound { id: String },
    #[error("account {id} is not an HOTP account; its codes come from the clock")]
    NotHotp { id: String },
    #[error("position {position} is out of range: there are {count} accounts")]
    PositionOutOfRange { position: usize, count: usize },
    #[error("the HOTP counter of account {id} is at its maximum")]
    CounterExhausted { id: String },
    #[error("could not make a code: {0}")]
    Otp(#[from] OtpError),
    #[error("the system's random number generator failed")]
    Random,
    #[error("storage error: {detail}")]
    Storage { detail: String },
}

impl From<rusqlite::Error> for VaultError {
    fn from(error: rusqlite::Error) -> Self {
        match error.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => VaultError::Busy,
            Some(ErrorCode::DiskFull) => VaultError::DiskFull,
            Some(ErrorCode::NotADatabase) => VaultError::NotAVault,
            Some(ErrorCode::DatabaseCorrupt) => VaultError::Corrupt {
                detail: error.to_string(),
            },
            _ => VaultError::Storage {
                detail: error.to_string(),
            },
        }
    }
}
