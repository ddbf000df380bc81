//! What enrollment does with a device's user key (protocol §4.2 step 3a, ADR
//! 0014): checks its form, verifies its attestation against the configured
//! roots, and says whether the server may treat its signatures as proof of
//! user verification ("attested") or only as the device's word ("claimed").
//!
//! Must not: refuse an enrollment (the caller decides that, by policy), or
//! keep the chain (only what it proved, or why it proved nothing).

use countersign_protocol::jose::Jwk;
use countersign_protocol::wire::{ATTESTATION_FORMAT_ANDROID_KEY, UserKey, UserVerification};
use data_encoding::BASE64;
use ring::digest::{SHA256, digest};

use crate::attestation::{self, AttestationError, AttestationRoots, Expectations};

/// The roots and app identity Android attestations are checked against.
#[derive(Debug, Clone)]
pub struct AndroidAttestation {
    pub roots: AttestationRoots,
    pub expected: Expectations,
}

/// The Android package of the Countersign app (`--android-package` changes it
/// for a rebuilt app).
pub const DEFAULT_ANDROID_PACKAGE: &str = "dev.countersign.app";

impl AndroidAttestation {
    /// Google's roots shipped with the server, the Countersign package, any
    /// signing certificate, expired factory intermediates accepted.
    pub fn bundled() -> Result<Self, AttestationError> {
        Ok(Self {
            roots: AttestationRoots::google()?,
            expected: Expectations {
                package: DEFAULT_ANDROID_PACKAGE.to_owned(),
                signing_digests: Vec::new(),
                allow_expired_intermediates: true,
            },
        })
    }
}

/// A user key as it will be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessed {
    pub jwk_json: String,
    pub jkt: String,
    pub verification: UserVerification,
    /// For `attested`: the security level ("tee", "strongbox"); for
    /// `claimed`: why not (no attestation, or the check that failed).
    pub detail: String,
}

/// Why a user key cannot be taken at all (the enrollment is malformed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserKeyError {
    #[error("user_key.jwk is not a P-256 public key")]
    NotP256,
    #[error("user_key.jwk must differ from the device key")]
    SameAsDeviceKey,
}

/// The attestation challenge a phone uses for this enrollment: SHA-256 of the
/// token, so a chain made for one enrollment fails every other.
pub fn attestation_challenge(token: &str) -> Vec<u8> {
    digest(&SHA256, token.as_bytes()).as_ref().to_vec()
}

pub fn assess(
    settings: &AndroidAttestation,
    key: &UserKey,
    device_jwk: &Jwk,
    token: &str,
    now: i64,
) -> Result<Assessed, UserKeyError> {
    let point = key
        .jwk
        .uncompressed_point()
        .map_err(|_| UserKeyError::NotP256)?;
    let jkt = key.jwk.thumbprint();
    if jkt == device_jwk.thumbprint() {
        return Err(UserKeyError::SameAsDeviceKey);
    }
    let jwk_json = serde_json::to_string(&key.jwk).map_err(|_| UserKeyError::NotP256)?;
    let outcome = match &key.attestation {
        None => Err("no attestation was sent".to_owned()),
        Some(attestation) if attestation.format != ATTESTATION_FORMAT_ANDROID_KEY => Err(format!(
            "attestation format {:?} is not supported",
            attestation.format
        )),
        Some(attestation) => decode_chain(&attestation.chain).and_then(|chain| {
            attestation::verify_android_key(
                &chain,
                &point,
                &attestation_challenge(token),
                &settings.expected,
                &settings.roots,
                now,
            )
            .map_err(|error| error.to_string())
        }),
    };
    Ok(match outcome {
        Ok(attested) => Assessed {
            jwk_json,
            jkt,
            verification: UserVerification::Attested,
            detail: attested.security_level.as_str().to_owned(),
        },
        Err(reason) => Assessed {
            jwk_json,
            jkt,
            verification: UserVerification::Claimed,
            detail: reason,
        },
    })
}

fn decode_chain(chain: &[String]) -> Result<Vec<Vec<u8>>, String> {
    if chain.len() > attestation::MAX_CHAIN_LEN {
        return Err(AttestationError::ChainTooLong { count: chain.len() }.to_string());
    }
    chain
        .iter()
        .enumerate()
        .map(|(index, text)| {
            BASE64
                .decode(text.as_bytes())
                .map_err(|_| format!("certificate {index} of the attestation is not base64"))
        })
        .collect()
}

pub fn verification_text(verification: UserVerification) -> &'static str {
    match verification {
        UserVerification::Attested => "attested",
        UserVerification::Claimed => "claimed",
    }
}

pub fn verification_from(text: Option<&str>) -> Option<UserVerification> {
    match text {
        Some("attested") => Some(UserVerification::Attested),
        Some("claimed") => Some(UserVerification::Claimed),
        _ => None,
    }
}
