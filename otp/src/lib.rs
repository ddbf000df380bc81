//! countersign-otp: one-time codes and the accounts they come from.
//!
//! HOTP (RFC 4226), TOTP (RFC 6238) and Steam codes, their secrets, the
//! `otpauth://` and Google Authenticator export URIs, and the clock they run
//! on. Both sides of Countersign need exactly this and nothing more: the
//! phone's core (which re-exports it) and the server, which verifies codes and
//! so must not compile a QR decoder or a vault to do it.

pub mod account;
pub mod clock;
pub mod otp;
pub mod secret;
pub mod uri;

pub use account::OtpAccount;
pub use clock::{Clock, FixedClock, OffsetClock, SystemClock};
pub use otp::{Algorithm, CodeGenerator, OtpCode, OtpError, OtpKind, OtpParams};
pub use secret::{SecretBytes, SecretError};
