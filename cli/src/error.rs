//! Everything a command can fail with; each message says what to do next.

use countersign_core::otp::OtpError;
use countersign_core::uri::UriError;
use countersign_core::{SecretStoreError, VaultError};

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Uri(#[from] UriError),
    #[error("{0}")]
    Otp(#[from] OtpError),
    #[error("{0}")]
    Vault(#[from] VaultError),
    #[error(
        "{0}\nOn a machine without a desktop keyring, keep the vault key in a file instead: \
         export COUNTERSIGN_KEY_FILE=~/.config/countersign/vault.key (it is created with mode 0600)"
    )]
    KeyStore(SecretStoreError),
    #[error("no account matches {0:?}; `countersign list` shows them")]
    NoMatch(String),
    #[error("{query:?} matches {count} accounts; use the number or id from `countersign list`")]
    Ambiguous { query: String, count: usize },
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Scan(#[from] countersign_core::scan::ScanError),
    #[error("{0}")]
    NotAnAccount(#[from] countersign_core::scan::NotAnAccount),
    #[error("{0}")]
    Import(#[from] countersign_core::transfer::ImportError),
    #[error("{0}")]
    Push(#[from] countersign_core::push::device::PushError),
}
