//! countersign-ffi: the core as Kotlin and Swift see it, through uniffi.
//! Small wrappers only: type conversions and one error mapping (`error.rs`); every
//! decision lives in countersign-core, so nothing here needs testing twice.

uniffi::setup_scaffolding!();

mod android_tls;
mod authenticator;
mod diagnostics;
mod error;
mod platform;
mod records;
mod scanner;

pub use authenticator::Authenticator;
pub use diagnostics::{
    AppPlatform, DeviceKind, DiagnosticsEnvironment, DiagnosticsSent, NetworkKind, ScanEnd,
    SharedFieldItem, never_shared, what_is_shared,
};
pub use error::{FfiError, StorageProblem};
pub use platform::{
    AttestedPublicKey, BiometricOutcome, BiometricPrompt, HardwareKeyStore, KeyStore,
    PublicKeyPoint, UserSignature,
};
pub use records::*;
pub use scanner::{ScanCancellation, Scanner, scan_image, scan_image_cancellable, scan_luma_frame};
