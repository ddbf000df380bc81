//! Where keys live. `SecretStore` holds the vault key outside the vault file: the
//! OS keyring on desktops, Android Keystore / iOS Keychain through a foreign
//! implementation on phones, a 0600 key file on headless machines, memory in tests.
//!
//! Must not: write a key anywhere in plaintext without being asked to by name.

mod key_file;
#[cfg(feature = "os-keyring")]
mod keyring_store;
mod memory;

pub use key_file::KeyFileSecretStore;
#[cfg(feature = "os-keyring")]
pub use keyring_store::KeyringSecretStore;
pub use memory::MemorySecretStore;

use crate::secret::SecretBytes;

/// A small key-value store for secrets, shaped so Kotlin and Swift can implement
/// it over Keystore/Keychain: string names, byte values, and errors a shell can map.
pub trait SecretStore: Send + Sync {
    /// The secret stored under `name`, or `None` if there is none.
    fn load(&self, name: &str) -> Result<Option<SecretBytes>, SecretStoreError>;
    /// Stores `value` under `name`, replacing any previous value.
    fn store(&self, name: &str, value: &SecretBytes) -> Result<(), SecretStoreError>;
    /// Removes the secret under `name`; removing a missing one is not an error.
    fn delete(&self, name: &str) -> Result<(), SecretStoreError>;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretStoreError {
    /// The store cannot be reached at all (no keyring daemon, Keystore locked …).
    #[error("the key store is not available: {reason}")]
    Unavailable { reason: String },
    /// The user or the OS refused access (locked keychain, denied prompt).
    #[error("access to the key store was denied: {reason}")]
    AccessDenied { reason: String },
    /// The store answered, but with something unusable.
    #[error("the key store failed: {reason}")]
    Failed { reason: String },
}
