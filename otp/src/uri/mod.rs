//! URIs that QR codes carry: parse, validate and build. `otpauth://` (the Key URI
//! Format that Google Authenticator documents, as real issuers write it) and Google
//! Authenticator's `otpauth-migration://` exports.
//!
//! Must not: touch storage.

mod migration;
mod otpauth;

pub use migration::{MigrationBatch, MigrationEntry, MigrationError, parse_migration};
pub use otpauth::{ParsedOtpauth, UriError, UriWarning, build_otpauth, parse_otpauth};
