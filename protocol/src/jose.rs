//! The JOSE subset the push protocol uses (docs/protocol.md section 2): P-256 JWKs,
//! RFC 7638 thumbprints, and compact JWS with ES256 and raw r||s signatures, on
//! `ring`. Strict on purpose: one algorithm, exact headers, no `crit`, no `none`.

use data_encoding::BASE64URL_NOPAD;
use ring::digest::{SHA256, digest};
use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair,
    UnparsedPublicKey,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::secret::SecretBytes;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JoseError {
    #[error("malformed JWS: {reason}")]
    Malformed { reason: String },
    #[error("unsupported JWS algorithm {alg:?}: only ES256 is accepted")]
    UnsupportedAlgorithm { alg: String },
    #[error("the JWS is a {found:?}, not the expected {expected:?}")]
    WrongType { expected: String, found: String },
    #[error("invalid key: {reason}")]
    BadKey { reason: String },
    #[error("the JWS key id does not match the key")]
    KidMismatch,
    #[error("the signature does not verify")]
    BadSignature,
    #[error("could not sign: {reason}")]
    SigningFailed { reason: String },
}

fn malformed(reason: impl Into<String>) -> JoseError {
    JoseError::Malformed {
        reason: reason.into(),
    }
}

pub fn base64url(bytes: &[u8]) -> String {
    BASE64URL_NOPAD.encode(bytes)
}

pub fn base64url_decode(text: &str) -> Result<Vec<u8>, JoseError> {
    BASE64URL_NOPAD
        .decode(text.as_bytes())
        .map_err(|_| malformed("not base64url"))
}

/// A P-256 public key as a JWK with exactly `kty`, `crv`, `x`, `y`. Other members
/// are ignored on input (a `d` is refused) and never written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    pub kty: String,
    pub crv: String,
    pub x: String,
    pub y: String,
    #[serde(default, skip_serializing)]
    d: Option<serde_json::Value>,
}

impl Jwk {
    /// From an uncompressed SEC1 point (0x04 || x || y), as ring hands it out.
    pub fn from_uncompressed_point(point: &[u8]) -> Result<Self, JoseError> {
        match point {
            [0x04, rest @ ..] if rest.len() == 64 => Ok(Self {
                kty: "EC".into(),
                crv: "P-256".into(),
                x: base64url(&rest[..32]),
                y: base64url(&rest[32..]),
                d: None,
            }),
            _ => Err(JoseError::BadKey {
                reason: "not an uncompressed P-256 point".into(),
            }),
        }
    }

    /// The uncompressed point, after checking the members. The curve check proper
    /// happens in ring when the point is used.
    pub fn uncompressed_point(&self) -> Result<Vec<u8>, JoseError> {
        let bad = |reason: &str| JoseError::BadKey {
            reason: reason.into(),
        };
        if self.d.is_some() {
            return Err(bad("a public key must not carry its private part (d)"));
        }
        if self.kty != "EC" || self.crv != "P-256" {
            return Err(bad("only kty EC with crv P-256 is accepted"));
        }
        let x = base64url_decode(&self.x).map_err(|_| bad("x is not base64url"))?;
        let y = base64url_decode(&self.y).map_err(|_| bad("y is not base64url"))?;
        if x.len() != 32 || y.len() != 32 {
            return Err(bad("x and y must be 32 bytes each"));
        }
        let mut point = Vec::with_capacity(65);
        point.push(0x04);
        point.extend_from_slice(&x);
        point.extend_from_slice(&y);
        Ok(point)
    }

    /// RFC 7638 thumbprint: SHA-256 of `{"crv","kty","x","y"}` in that order.
    pub fn thumbprint(&self) -> String {
        thumbprint_of(&[
            ("crv", &self.crv),
            ("kty", &self.kty),
            ("x", &self.x),
            ("y", &self.y),
        ])
    }
}

/// RFC 7638 over a key type's required members, given in lexicographic order.
pub fn thumbprint_of(members: &[(&str, &str)]) -> String {
    let object: serde_json::Map<String, serde_json::Value> = members
        .iter()
        .map(|(name, value)| ((*name).to_owned(), serde_json::Value::from(*value)))
        .collect();
    // serde_json's Map is ordered by key, and writes no whitespace.
    let canonical = serde_json::Value::Object(object).to_string();
    base64url(digest(&SHA256, canonical.as_bytes()).as_ref())
}

/// What signs a JWS: a software key here, or a hardware key behind a shell's
/// `DeviceSigner` (the private bytes never reach the core).
pub trait JwsSigner: Send + Sync {
    fn public_jwk(&self) -> Jwk;
    /// ES256 over `message`, as the 64-byte r || s.
    fn sign_es256(&self, message: &[u8]) -> Result<Vec<u8>, JoseError>;
}

/// A P-256 key made and held in software with ring. Its PKCS#8 form is what the
/// vault seals (phone) or the server keeps in its key file.
pub struct SoftwareKey {
    pair: EcdsaKeyPair,
    pkcs8: SecretBytes,
    random: SystemRandom,
}

impl std::fmt::Debug for SoftwareKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SoftwareKey({})", self.public_jwk().thumbprint())
    }
}

impl SoftwareKey {
    pub fn generate() -> Result<Self, JoseError> {
        let random = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &random)
            .map_err(|_| JoseError::SigningFailed {
                reason: "key generation failed".into(),
            })?;
        Self::from_pkcs8(SecretBytes::new(pkcs8.as_ref().to_vec()))
    }

    pub fn from_pkcs8(pkcs8: SecretBytes) -> Result<Self, JoseError> {
        let random = SystemRandom::new();
        let pair = EcdsaKeyPair::from_pkcs8(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            pkcs8.expose_secret(),
            &random,
        )
        .map_err(|error| JoseError::BadKey {
            reason: error.to_string(),
        })?;
        Ok(Self {
            pair,
            pkcs8,
            random,
        })
    }

    /// From a raw private scalar and its public point (for published test keys).
    pub fn from_scalar(private: &[u8], public_point: &[u8]) -> Result<Self, JoseError> {
        let random = SystemRandom::new();
        let pair = EcdsaKeyPair::from_private_key_and_public_key(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            private,
            public_point,
            &random,
        )
        .map_err(|error| JoseError::BadKey {
            reason: error.to_string(),
        })?;
        Ok(Self {
            pair,
            pkcs8: SecretBytes::new(Vec::new()),
            random,
        })
    }

    /// The PKCS#8 document (empty for keys made with `from_scalar`).
    pub fn expose_pkcs8(&self) -> &SecretBytes {
        &self.pkcs8
    }
}

impl JwsSigner for SoftwareKey {
    fn public_jwk(&self) -> Jwk {
        // ring always hands out a valid uncompressed P-256 point.
        Jwk::from_uncompressed_point(self.pair.public_key().as_ref()).unwrap_or(Jwk {
            kty: "EC".into(),
            crv: "P-256".into(),
            x: String::new(),
            y: String::new(),
            d: None,
        })
    }

    fn sign_es256(&self, message: &[u8]) -> Result<Vec<u8>, JoseError> {
        self.pair
            .sign(&self.random, message)
            .map(|signature| signature.as_ref().to_vec())
            .map_err(|_| JoseError::SigningFailed {
                reason: "ECDSA signing failed".into(),
            })
    }
}

/// The protected header: `alg`, `typ`, `kid`, and (device records only) `jwk`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub alg: String,
    pub typ: String,
    pub kid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwk: Option<Jwk>,
}

/// Signs `claims` as a compact JWS of type `typ`; `embed_key` adds the signer's
/// JWK to the header.
pub fn sign<T: Serialize>(
    typ: &str,
    claims: &T,
    signer: &dyn JwsSigner,
    embed_key: bool,
) -> Result<String, JoseError> {
    let signing_input = signing_input(typ, claims, &signer.public_jwk(), embed_key)?;
    let signature = signer.sign_es256(signing_input.as_bytes())?;
    Ok(with_signature(&signing_input, &signature))
}

/// What an ES256 key signs for a JWS of `claims` by the key `jwk`: for keys
/// that sign later, asynchronously (a key the user must unlock for each
/// signature). [`with_signature`] completes it.
pub fn signing_input<T: Serialize>(
    typ: &str,
    claims: &T,
    jwk: &Jwk,
    embed_key: bool,
) -> Result<String, JoseError> {
    let header = Header {
        alg: "ES256".into(),
        typ: typ.into(),
        kid: jwk.thumbprint(),
        jwk: embed_key.then(|| jwk.clone()),
    };
    let header_json = serde_json::to_vec(&header).map_err(|e| malformed(e.to_string()))?;
    let claims_json = serde_json::to_vec(claims).map_err(|e| malformed(e.to_string()))?;
    Ok(format!(
        "{}.{}",
        base64url(&header_json),
        base64url(&claims_json)
    ))
}

/// The compact JWS of `signing_input` and its r || s signature.
pub fn with_signature(signing_input: &str, signature: &[u8]) -> String {
    format!("{signing_input}.{}", base64url(signature))
}

/// A parsed, not yet verified, compact JWS.
#[derive(Debug, Clone)]
pub struct Compact {
    pub header: Header,
    payload: Vec<u8>,
    signing_input: String,
    signature: Vec<u8>,
}

impl Compact {
    pub fn parse(text: &str) -> Result<Self, JoseError> {
        let text = text.trim();
        let mut parts = text.split('.');
        let (Some(header_part), Some(payload_part), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(malformed("a compact JWS has three dot-separated parts"));
        };
        let header_json = base64url_decode(header_part)?;
        let header: Header = serde_json::from_slice(&header_json)
            .map_err(|error| malformed(format!("header: {error}")))?;
        if header.alg != "ES256" {
            return Err(JoseError::UnsupportedAlgorithm { alg: header.alg });
        }
        let signature = base64url_decode(signature)?;
        if signature.len() != 64 {
            return Err(malformed("an ES256 signature is 64 bytes (r || s)"));
        }
        Ok(Self {
            payload: base64url_decode(payload_part)?,
            signing_input: format!("{header_part}.{payload_part}"),
            signature,
            header,
        })
    }

    /// Checks type, key id and signature against `key`.
    pub fn verify(&self, key: &Jwk, expected_typ: &str) -> Result<(), JoseError> {
        if self.header.typ != expected_typ {
            return Err(JoseError::WrongType {
                expected: expected_typ.into(),
                found: self.header.typ.clone(),
            });
        }
        if self.header.kid != key.thumbprint() {
            return Err(JoseError::KidMismatch);
        }
        verify_es256(self.signing_input.as_bytes(), &self.signature, key)
    }

    /// The claims, read as `T` (before or after verification: callers decide).
    pub fn claims<T: DeserializeOwned>(&self) -> Result<T, JoseError> {
        serde_json::from_slice(&self.payload).map_err(|error| malformed(format!("claims: {error}")))
    }
}

/// ES256 verification of a raw r || s signature.
pub fn verify_es256(message: &[u8], signature: &[u8], key: &Jwk) -> Result<(), JoseError> {
    let point = key.uncompressed_point()?;
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
        .verify(message, signature)
        .map_err(|_| JoseError::BadSignature)
}

#[cfg(test)]
mod tests;
