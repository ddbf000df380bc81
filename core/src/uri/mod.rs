//! URIs that QR codes carry: parse, validate and build. Today `otpauth://` (the
//! Key URI Format that Google Authenticator documents, as real issuers write it).
//!
//! Must not: touch storage.

mod otpauth;

pub use otpauth::{ParsedOtpauth, UriError, UriWarning, build_otpauth, parse_otpauth};
