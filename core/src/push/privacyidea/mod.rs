//! privacyIDEA's push token ("pipush"), spoken by the phone: enrollment from its
//! QR code, polling, verification of the server's signed challenges and signed
//! answers. [`crate::push::device::PushDevice`] maps it onto the same
//! `PushRequest` / approve / deny API as Countersign's own protocol, so the
//! shells do not care which server sent a request.
//!
//! Must not: show a challenge whose signature did not verify, or answer one
//! with a key other than the token's own.

pub mod challenge;
pub mod client;
mod device;
pub mod rsa_keys;
mod store;
pub mod uri;

pub use challenge::{ChallengeError, DeclineReason, PiChallenge, VerifiedChallenge};
pub use client::{ClientError, PiClient};
pub use rsa_keys::{DEVICE_KEY_BITS, RsaKeyError};
pub use store::{PrivacyIdeaStore, PrivacyIdeaToken};
pub use uri::{PiEnrollmentUri, PiUriError};

/// What privacyIDEA receives as the push token in poll-only setups, where
/// there is no Firebase token to give.
pub const POLL_ONLY_PUSH_TOKEN: &str = "poll-only";

/// privacyIDEA does not say when a challenge expires; its default validity
/// (`DefaultChallengeValidityTime`) is 120 s. Used for the countdown only: the
/// server decides, and an answer it no longer accepts is reported as such.
pub const ASSUMED_CHALLENGE_VALIDITY: i64 = 120;
