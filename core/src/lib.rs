//! countersign-core: the whole brain of the Countersign authenticator.
//!
//! Everything that is not screen, camera, notification or sensor lives here, as plain
//! Rust with no FFI types: the phone shells reach it through `countersign-ffi`, the
//! desktop through `countersign-cli`. Inputs that vary between platforms (time,
//! randomness, key storage) come in through small traits so tests can pin them.

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!("countersign_core");

pub mod diagnostics;
pub mod http;
pub mod keys;
pub mod push;
pub mod scan;
pub mod transfer;
pub mod vault;

// Codes and their accounts are their own crate (the server shares them); the
// core's paths stay what they were.
pub use countersign_otp::{account, clock, otp, secret, uri};

pub use account::OtpAccount;
pub use clock::{Clock, FixedClock, OffsetClock, SystemClock};
pub use keys::{SecretStore, SecretStoreError};
pub use otp::{Algorithm, OtpCode, OtpError, OtpKind, OtpParams};
pub use secret::{SecretBytes, SecretError};
pub use vault::{SharedVault, Vault, VaultError};
