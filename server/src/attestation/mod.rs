//! Android Keystore key attestation: decides whether an enrolled P-256 key was
//! made inside a phone's TEE or StrongBox, for our app, for this enrollment,
//! and can only sign after the person authenticates, each time.
//!
//! Owns the chain walk (`chain`), the KeyDescription reader and its policy
//! (`key_description`), and the trust anchors. Must not: reach the network
//! (roots come from configuration or the shipped bundle, never fetched), read
//! a clock (the caller passes `now_unix`), trust a value the attestation puts
//! in its software-enforced list except the app's identity, or accept a key
//! usable without user authentication or for a time after it.

mod chain;
mod key_description;

use thiserror::Error;
use x509_parser::prelude::{FromDer, X509Certificate};

/// The roots shipped with the server: Google's current RSA-4096 root and its
/// ECDSA P-384 "Key Attestation CA1" root.
const GOOGLE_ROOTS_PEM: &str = include_str!("../../attestation/google-roots.pem");

/// The most certificates a chain may have; real ones have 3 to 5.
pub const MAX_CHAIN_LEN: usize = 8;
/// The largest certificate accepted, in bytes; real ones are under 2 KiB.
pub const MAX_CERT_BYTES: usize = 16 * 1024;

/// Where the key lives, as the attestation says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityLevel {
    TrustedEnvironment,
    StrongBox,
}

impl SecurityLevel {
    /// The value to store: "tee" or "strongbox".
    pub fn as_str(self) -> &'static str {
        match self {
            SecurityLevel::TrustedEnvironment => "tee",
            SecurityLevel::StrongBox => "strongbox",
        }
    }
}

/// The phone's verified-boot state (RootOfTrust.verifiedBootState).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifiedBoot {
    /// Locked bootloader running the maker's OS.
    Verified,
    /// Locked bootloader running an OS signed by a key the owner installed
    /// (GrapheneOS and other custom OSes).
    SelfSigned,
    /// Unlocked bootloader: the OS is whatever was flashed.
    Unverified,
    /// Verification failed.
    Failed,
}

impl VerifiedBoot {
    /// The value to store: "verified", "self_signed", "unverified" or "failed".
    pub fn as_str(self) -> &'static str {
        match self {
            VerifiedBoot::Verified => "verified",
            VerifiedBoot::SelfSigned => "self_signed",
            VerifiedBoot::Unverified => "unverified",
            VerifiedBoot::Failed => "failed",
        }
    }
}

/// What the server requires of the app that made the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectations {
    /// The Android package name, e.g. `dev.countersign.app`.
    pub package: String,
    /// SHA-256 digests of the app's signing certificates (with Play App
    /// Signing, Play's app-signing certificate); empty accepts any.
    pub signing_digests: Vec<[u8; 32]>,
    /// Accept CA certificates past their notAfter (factory-provisioned phones
    /// carry intermediates that cannot be renewed).
    pub allow_expired_intermediates: bool,
}

/// What a verified attestation says about the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttestedKey {
    pub security_level: SecurityLevel,
    pub attestation_version: u32,
    /// A strong (class 3) biometric unlocks the key.
    pub biometric: bool,
    /// The device PIN, pattern or password unlocks the key.
    pub device_credential: bool,
    /// Whether the bootloader was locked, when the attestation says.
    pub device_locked: Option<bool>,
    pub verified_boot: Option<VerifiedBoot>,
}

/// Why an attestation, or a root bundle, was refused. Certificates are
/// counted from 0, the certificate of the device's key, upwards.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AttestationError {
    // The root bundle.
    #[error("the attestation root bundle contains no certificate")]
    EmptyRootBundle,
    #[error("block {block} of the attestation root bundle is not a usable certificate: {reason}")]
    BadRoot { block: usize, reason: String },

    // The chain's shape.
    #[error("the attestation chain is empty")]
    EmptyChain,
    #[error("the chain is longer than {MAX_CHAIN_LEN} certificates ({count})")]
    ChainTooLong { count: usize },
    #[error("certificate {index} is larger than {MAX_CERT_BYTES} bytes ({size})")]
    CertificateTooLarge { index: usize, size: usize },
    #[error("certificate {index} is not a well-formed DER X.509 certificate ({reason})")]
    MalformedCertificate { index: usize, reason: String },

    // Each link of the chain.
    #[error(
        "certificate {index} names its signature algorithm differently inside and outside its signed part"
    )]
    SignatureAlgorithmMismatch { index: usize },
    #[error(
        "certificate {index} is signed with an unsupported signature algorithm (OID {oid}); accepted are ECDSA with SHA-256 or SHA-384 and RSA PKCS#1 v1.5 with SHA-256, SHA-384 or SHA-512"
    )]
    UnsupportedSignatureAlgorithm { index: usize, oid: String },
    #[error(
        "the key that signed certificate {index} cannot make that signature: it must be an EC P-256 or P-384 key for ECDSA, an RSA key of 2048 bits or more for RSA"
    )]
    UnsupportedIssuerKey { index: usize },
    #[error(
        "certificate {index} names an issuer that is not the subject of the certificate above it"
    )]
    IssuerMismatch { index: usize },
    #[error(
        "certificate {index} signs the one below it but is not a CA (basicConstraints CA:true)"
    )]
    NotACa { index: usize },
    #[error(
        "the signature of certificate {index} does not verify with the key of the certificate above it"
    )]
    BadSignature { index: usize },
    #[error("the attestation chain does not end at a configured root")]
    UntrustedRoot,
    #[error("certificate {index} is expired (since {})", utc(*not_after))]
    CertificateExpired { index: usize, not_after: i64 },
    #[error("certificate {index} is not valid yet (from {})", utc(*not_before))]
    CertificateNotYetValid { index: usize, not_before: i64 },

    // The attestation extension and the attested key.
    #[error("the device key's certificate carries no attestation extension")]
    MissingAttestation,
    #[error("the device key's certificate carries the attestation extension more than once")]
    DuplicateAttestation,
    #[error(
        "certificate {index}, a CA, carries an attestation extension; only the device key's certificate may"
    )]
    AttestationOutsideLeaf { index: usize },
    #[error("the certified key is not an EC P-256 key")]
    CertifiedKeyNotP256,
    #[error("the enrolled key is not a 65-byte uncompressed P-256 point")]
    MalformedEnrolledKey,
    #[error("the attestation certifies a different key than the one this device enrolled")]
    KeyMismatch,

    // The KeyDescription.
    #[error("the attestation extension is malformed: {reason}")]
    MalformedKeyDescription { reason: String },
    #[error("the attestation lists tag {tag} twice with different values")]
    ConflictingTag { tag: u32 },
    #[error(
        "the attestation has version {version}; version 3 (Android 9, Keymaster 4) or later is required"
    )]
    AttestationVersionTooOld { version: i64 },
    #[error("the attestation names an unknown security level ({level})")]
    UnknownSecurityLevel { level: i64 },
    #[error("the key was attested in software, not in a TEE or StrongBox")]
    SoftwareAttestation,
    #[error(
        "the attestation and the key disagree on where the key lives (security levels {attestation} and {key})"
    )]
    SecurityLevelMismatch { attestation: i64, key: i64 },
    #[error("the challenge does not match this enrollment")]
    ChallengeMismatch,
    #[error("the key may not sign (its hardware-enforced purposes do not include SIGN)")]
    NotASigningKey,
    #[error("the attestation describes a key that is not an EC P-256 key")]
    AttestedKeyNotP256,
    #[error(
        "the key was not generated inside the secure hardware (origin {origin}: imported or derived)"
    )]
    KeyNotGenerated { origin: i64 },
    #[error("the key can be used without user authentication")]
    NoUserAuthentication,
    #[error("{}", user_auth_type_message(*found))]
    UnacceptableUserAuthType { found: Option<i64> },
    #[error(
        "the key stays usable for {seconds} s after one authentication; only keys that ask on every use are accepted (Android 11+: setUserAuthenticationParameters(0, …))"
    )]
    TimeBoundKey { seconds: i64 },
    #[error("the attestation does not say which app made the key")]
    MissingApplicationId,
    #[error("the attestation does not name the app that made the key (it says {found})")]
    UnnamedApplication { found: String },
    #[error("the attestation names package {found}, not {expected}")]
    WrongPackage { expected: String, found: String },
    #[error(
        "the app is signed with a certificate of SHA-256 {found}, not one of the configured signing certificates"
    )]
    UnknownSigningCertificate { found: String },
}

fn utc(unix: i64) -> String {
    match x509_parser::time::ASN1Time::from_timestamp(unix) {
        Ok(time) => time.to_string(),
        Err(_) => format!("unix time {unix}"),
    }
}

fn user_auth_type_message(found: Option<i64>) -> String {
    match found {
        None | Some(0) => "the key names no user authentication type".to_owned(),
        Some(value) => format!(
            "the key's user authentication type ({value:#x}) is not the device credential and/or a strong biometric"
        ),
    }
}

/// One trust anchor: the root's subject (to chain a certificate it signed
/// directly) and its SubjectPublicKeyInfo (what trust is pinned to).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Anchor {
    subject: Vec<u8>,
    spki: Vec<u8>,
}

/// The roots an attestation chain must end at, pinned by public key: a chain
/// whose last certificate carries a root's key, or was signed by it, is
/// anchored, whichever certificate of that key the phone sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttestationRoots {
    anchors: Vec<Anchor>,
}

impl AttestationRoots {
    /// The roots in a PEM bundle: `CERTIFICATE` blocks; text outside the
    /// blocks (comments) is ignored, any other kind of block is an error.
    pub fn from_pem(text: &str) -> Result<Self, AttestationError> {
        let mut anchors: Vec<Anchor> = Vec::new();
        for (block, der) in pem_certificates(text)?.into_iter().enumerate() {
            let bad = |reason: &str| AttestationError::BadRoot {
                block,
                reason: reason.to_owned(),
            };
            let (rest, cert) = X509Certificate::from_der(&der)
                .map_err(|_| bad("it is not a DER X.509 certificate"))?;
            if !rest.is_empty() {
                return Err(bad("bytes follow the certificate"));
            }
            let anchor = Anchor {
                subject: cert.subject().as_raw().to_vec(),
                spki: cert.public_key().raw.to_vec(),
            };
            if !anchors.contains(&anchor) {
                anchors.push(anchor);
            }
        }
        if anchors.is_empty() {
            return Err(AttestationError::EmptyRootBundle);
        }
        Ok(Self { anchors })
    }

    /// The roots shipped with the server (`server/attestation/google-roots.pem`).
    pub fn google() -> Result<Self, AttestationError> {
        Self::from_pem(GOOGLE_ROOTS_PEM)
    }

    /// The number of distinct roots (subject and key).
    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }
}

/// The DER of each `CERTIFICATE` block of `text`, in order.
fn pem_certificates(text: &str) -> Result<Vec<Vec<u8>>, AttestationError> {
    let mut found = Vec::new();
    // The label and the base64 collected so far, inside a block.
    let mut open: Option<(String, String)> = None;
    for line in text.lines() {
        let line = line.trim();
        let block = found.len();
        let bad = |reason: String| AttestationError::BadRoot { block, reason };
        match open.take() {
            None => {
                if let Some(label) = line
                    .strip_prefix("-----BEGIN ")
                    .and_then(|rest| rest.strip_suffix("-----"))
                {
                    open = Some((label.to_owned(), String::new()));
                } else if line.starts_with("-----") {
                    return Err(bad(format!("unexpected line {line:?} outside a block")));
                }
            }
            Some((label, mut base64)) => {
                if let Some(end) = line
                    .strip_prefix("-----END ")
                    .and_then(|rest| rest.strip_suffix("-----"))
                {
                    if end != label {
                        return Err(bad(format!("BEGIN {label} is closed by END {end}")));
                    }
                    if label != "CERTIFICATE" {
                        return Err(bad(format!("it is a {label}, not a CERTIFICATE")));
                    }
                    let der = data_encoding::BASE64
                        .decode(base64.as_bytes())
                        .map_err(|_| bad("its base64 is damaged".to_owned()))?;
                    found.push(der);
                } else if line.starts_with("-----") {
                    return Err(bad(format!("unexpected line {line:?} inside a block")));
                } else {
                    base64.push_str(line);
                    open = Some((label, base64));
                }
            }
        }
    }
    if let Some((label, _)) = open {
        return Err(AttestationError::BadRoot {
            block: found.len(),
            reason: format!("the {label} block is not closed"),
        });
    }
    Ok(found)
}

/// Verifies that `chain` (DER, the certificate of the device's key first)
/// attests `key_point` (the 65-byte uncompressed P-256 point the device
/// enrolled) as a hardware key of `expected.package`, made for `challenge`,
/// unlocked by the person on every use, and that the chain ends at one of
/// `roots`. `now_unix` is the time CA certificates must be valid at.
pub fn verify_android_key(
    chain: &[Vec<u8>],
    key_point: &[u8],
    challenge: &[u8],
    expected: &Expectations,
    roots: &AttestationRoots,
    now_unix: i64,
) -> Result<AttestedKey, AttestationError> {
    let key_description = chain::verify(
        chain,
        key_point,
        &roots.anchors,
        now_unix,
        expected.allow_expired_intermediates,
    )?;
    key_description::evaluate(key_description, challenge, expected)
}
