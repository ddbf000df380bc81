//! countersign-protocol: what the phone and the server say to each other
//! (docs/protocol.md): compact JWS with ES256 and the keys behind it, the wire
//! messages and their limits, and the enrollment URI. The server depends on
//! this and `countersign-otp` only; the phone's push client lives in
//! `countersign-core`.
//!
//! Must not: hold a key's private bytes it was not given.

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!("countersign_protocol");

pub mod diagnostics;
pub mod enroll_uri;
pub mod jose;
pub mod risk;
pub mod wire;

// The modules name time and secrets as the core does (`crate::clock`).
pub(crate) use countersign_otp::{clock, secret};

pub use enroll_uri::{EnrollUriError, EnrollmentUri};
pub use jose::{Compact, JoseError, Jwk, JwsSigner, SoftwareKey};
