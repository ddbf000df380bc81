//! The provider's ID-token signing keys: its own, never the push key phones
//! pin (a client that learned to trust a token key must not be able to vouch
//! for challenges, and rotating one must not re-enroll every phone). One
//! current key per algorithm signs; a replaced key stays published for
//! `GRACE_SECONDS` so tokens already in flight still verify. Private keys are
//! PKCS#8, sealed (`sealing::OIDC_KEY`, bound to the kid) in `oidc_keys`,
//! so every instance signs with the same keys and a database dump holds none.

use countersign_protocol::jose::base64url;
use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair, RsaKeyPair, RsaPublicKeyComponents,
};
use serde_json::{Value, json};

use crate::db::{DbError, OptionalExtension, Sql, params};
use crate::sealing::{OIDC_KEY, SealingError};
use crate::state::AppState;
use crate::store;

/// How long a replaced key stays in the JWKS (2 days): longer than any
/// token we sign lives, and than clients commonly cache a JWKS.
pub const GRACE_SECONDS: i64 = 2 * 86_400;
/// A key this old is replaced the next time it is needed (90 days).
pub const MAX_AGE_SECONDS: i64 = 90 * 86_400;
const RSA_BITS: usize = 2048;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("a new {alg} signing key could not be made: {reason}")]
    Generate { alg: &'static str, reason: String },
    #[error("the stored signing key {kid} does not load: {reason}")]
    Damaged { kid: String, reason: String },
    #[error("the signing key {kid} did not sign")]
    Sign { kid: String },
    #[error("sealed signing key: {0}")]
    Sealing(#[from] SealingError),
    #[error("storage: {0}")]
    Storage(#[from] DbError),
}

/// A signing algorithm of ID tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    Rs256,
    Es256,
}

impl Alg {
    pub const ALL: [Alg; 2] = [Alg::Rs256, Alg::Es256];

    pub fn as_str(self) -> &'static str {
        match self {
            Alg::Rs256 => "RS256",
            Alg::Es256 => "ES256",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "RS256" => Some(Alg::Rs256),
            "ES256" => Some(Alg::Es256),
            _ => None,
        }
    }
}

/// A private key ready to sign, with its public half's id.
pub struct SigningKey {
    pub kid: String,
    pub alg: Alg,
    pkcs8: Vec<u8>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A new key: PKCS#8 and its public JWK (with `kid`, `alg`, `use`).
    pub fn generate(alg: Alg) -> Result<(Self, Value), KeyError> {
        let failed = |reason: String| KeyError::Generate {
            alg: alg.as_str(),
            reason,
        };
        let pkcs8 = match alg {
            Alg::Rs256 => {
                use rsa::pkcs8::EncodePrivateKey;
                let key = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, RSA_BITS)
                    .map_err(|e| failed(e.to_string()))?;
                key.to_pkcs8_der()
                    .map_err(|e| failed(e.to_string()))?
                    .as_bytes()
                    .to_vec()
            }
            Alg::Es256 => {
                EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                    .map_err(|_| failed("no randomness".into()))?
                    .as_ref()
                    .to_vec()
            }
        };
        let jwk = public_jwk(alg, &pkcs8).map_err(failed)?;
        let kid = thumbprint(&jwk);
        let jwk = with_id(jwk, &kid, alg);
        Ok((Self { kid, alg, pkcs8 }, jwk))
    }

    /// Loads a stored key (its kid is checked against the key itself).
    pub fn load(kid: &str, alg: Alg, pkcs8: Vec<u8>) -> Result<Self, KeyError> {
        let jwk = public_jwk(alg, &pkcs8).map_err(|reason| KeyError::Damaged {
            kid: kid.to_owned(),
            reason,
        })?;
        if thumbprint(&jwk) != kid {
            return Err(KeyError::Damaged {
                kid: kid.to_owned(),
                reason: "its public key has another thumbprint".into(),
            });
        }
        Ok(Self {
            kid: kid.to_owned(),
            alg,
            pkcs8,
        })
    }

    /// The JWS signature of `input` (RS256: PKCS#1 v1.5 SHA-256; ES256: r||s).
    pub fn sign(&self, input: &[u8]) -> Result<Vec<u8>, KeyError> {
        let failed = || KeyError::Sign {
            kid: self.kid.clone(),
        };
        let rng = SystemRandom::new();
        match self.alg {
            Alg::Rs256 => {
                let key = RsaKeyPair::from_pkcs8(&self.pkcs8).map_err(|_| failed())?;
                let mut signature = vec![0u8; key.public().modulus_len()];
                key.sign(
                    &ring::signature::RSA_PKCS1_SHA256,
                    &rng,
                    input,
                    &mut signature,
                )
                .map_err(|_| failed())?;
                Ok(signature)
            }
            Alg::Es256 => {
                let key =
                    EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &self.pkcs8, &rng)
                        .map_err(|_| failed())?;
                Ok(key
                    .sign(&rng, input)
                    .map_err(|_| failed())?
                    .as_ref()
                    .to_vec())
            }
        }
    }
}

/// The public JWK of a PKCS#8 key: only the members RFC 7638 hashes.
fn public_jwk(alg: Alg, pkcs8: &[u8]) -> Result<Value, String> {
    match alg {
        Alg::Rs256 => {
            let key = RsaKeyPair::from_pkcs8(pkcs8).map_err(|e| e.to_string())?;
            let parts = RsaPublicKeyComponents::<Vec<u8>>::from(key.public());
            Ok(json!({ "e": base64url(&parts.e), "kty": "RSA", "n": base64url(&parts.n) }))
        }
        Alg::Es256 => {
            let key = EcdsaKeyPair::from_pkcs8(
                &ECDSA_P256_SHA256_FIXED_SIGNING,
                pkcs8,
                &SystemRandom::new(),
            )
            .map_err(|e| e.to_string())?;
            // Uncompressed point: 0x04 || x (32) || y (32).
            let point = key.public_key().as_ref();
            if point.len() != 65 {
                return Err("not an uncompressed P-256 point".into());
            }
            Ok(json!({
                "crv": "P-256", "kty": "EC",
                "x": base64url(&point[1..33]), "y": base64url(&point[33..]),
            }))
        }
    }
}

/// RFC 7638: SHA-256 over the required members in lexicographic order, no
/// white space. `serde_json`'s maps are sorted, and the members are strings.
pub fn thumbprint(required_members: &Value) -> String {
    let canonical = required_members.to_string();
    base64url(ring::digest::digest(&ring::digest::SHA256, canonical.as_bytes()).as_ref())
}

fn with_id(mut jwk: Value, kid: &str, alg: Alg) -> Value {
    if let Some(members) = jwk.as_object_mut() {
        members.insert("kid".into(), kid.into());
        members.insert("alg".into(), alg.as_str().into());
        members.insert("use".into(), "sig".into());
    }
    jwk
}

/// The key that signs for `alg` now: made on first use, and replaced once
/// it is older than `MAX_AGE_SECONDS`.
pub async fn current(state: &AppState, alg: Alg) -> Result<SigningKey, KeyError> {
    let now = state.now();
    if let Some(key) = stored_current(state, alg, now - MAX_AGE_SECONDS).await? {
        return Ok(key);
    }
    rotate_one(state, alg, false, "scheduled").await?;
    stored_current(state, alg, i64::MIN)
        .await?
        .ok_or_else(|| KeyError::Damaged {
            kid: "(none)".into(),
            reason: "no key was stored".into(),
        })
}

async fn stored_current(
    state: &AppState,
    alg: Alg,
    made_after: i64,
) -> Result<Option<SigningKey>, KeyError> {
    let db = state.database().conn().await?;
    let row: Option<(String, Vec<u8>)> = db
        .query_row(
            "SELECT kid, private_key FROM oidc_keys
             WHERE alg = ?1 AND retired_at IS NULL AND created_at > ?2
             ORDER BY created_at DESC LIMIT 1",
            params![alg.as_str(), made_after],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .await
        .optional()?;
    drop(db);
    match row {
        Some((kid, sealed)) => {
            let pkcs8 = state.sealing.open(OIDC_KEY, &kid, &sealed)?;
            Ok(Some(SigningKey::load(&kid, alg, pkcs8)?))
        }
        None => Ok(None),
    }
}

/// Makes a new current key for every algorithm (the admin's rotation); the
/// new kids.
pub async fn rotate(state: &AppState) -> Result<Vec<String>, KeyError> {
    let mut kids = Vec::new();
    for alg in Alg::ALL {
        if let Some(kid) = rotate_one(state, alg, true, "admin").await? {
            kids.push(kid);
        }
    }
    Ok(kids)
}

/// A new key for `alg`, the old one retired into its grace period. Unless
/// `forced`, nothing happens when another instance already made a fresh one.
async fn rotate_one(
    state: &AppState,
    alg: Alg,
    forced: bool,
    why: &str,
) -> Result<Option<String>, KeyError> {
    // Key generation takes CPU (RSA: tens of milliseconds or more): before
    // the database is taken.
    let (key, jwk) = tokio::task::spawn_blocking(move || SigningKey::generate(alg))
        .await
        .map_err(|e| KeyError::Generate {
            alg: alg.as_str(),
            reason: e.to_string(),
        })??;
    let sealed = state.sealing.seal(OIDC_KEY, &key.kid, &key.pkcs8)?;
    let now = state.now();
    let mut conn = state.database().conn().await?;
    let tx = conn.transaction().await?;
    tx.lock_key("oidc_keys").await?;
    if !forced {
        let fresh: Option<String> = tx
            .query_row(
                "SELECT kid FROM oidc_keys
                 WHERE alg = ?1 AND retired_at IS NULL AND created_at > ?2",
                params![alg.as_str(), now - MAX_AGE_SECONDS],
                |row| row.get(0),
            )
            .await
            .optional()?;
        if fresh.is_some() {
            return Ok(None);
        }
    }
    tx.execute(
        "UPDATE oidc_keys SET retired_at = ?2 WHERE alg = ?1 AND retired_at IS NULL",
        params![alg.as_str(), now],
    )
    .await?;
    tx.execute(
        "INSERT INTO oidc_keys (kid, alg, private_key, public_jwk, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![&key.kid, alg.as_str(), sealed, jwk.to_string(), now],
    )
    .await?;
    store::audit(
        &tx,
        now,
        "oidc_key_rotated",
        None,
        None,
        Some(why),
        Some(&format!("{} {}", alg.as_str(), key.kid)),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(key.kid))
}

/// The JWKS: every current key (made now if missing) and every key still in
/// its grace period.
pub async fn published(state: &AppState) -> Result<Vec<Value>, KeyError> {
    for alg in Alg::ALL {
        current(state, alg).await?;
    }
    let now = state.now();
    let db = state.database().conn().await?;
    let stored: Vec<String> = db
        .query_map(
            "SELECT public_jwk FROM oidc_keys
             WHERE retired_at IS NULL OR retired_at > ?1 ORDER BY created_at DESC",
            params![now - GRACE_SECONDS],
            |row| row.get(0),
        )
        .await?;
    Ok(stored
        .iter()
        .filter_map(|text| serde_json::from_str(text).ok())
        .collect())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use ring::signature::{ECDSA_P256_SHA256_FIXED, RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};

    fn member(jwk: &Value, name: &str) -> Vec<u8> {
        countersign_protocol::jose::base64url_decode(jwk[name].as_str().unwrap()).unwrap()
    }

    #[test]
    fn rs256_signatures_verify_with_the_published_key() {
        let (key, jwk) = SigningKey::generate(Alg::Rs256).unwrap();
        assert_eq!(jwk["kid"], key.kid.as_str());
        assert_eq!(member(&jwk, "n").len(), 256);
        let signature = key.sign(b"header.payload").unwrap();
        let public = RsaPublicKeyComponents {
            n: member(&jwk, "n"),
            e: member(&jwk, "e"),
        };
        public
            .verify(&RSA_PKCS1_2048_8192_SHA256, b"header.payload", &signature)
            .unwrap();
        assert!(
            public
                .verify(&RSA_PKCS1_2048_8192_SHA256, b"header.other", &signature)
                .is_err()
        );
    }

    #[test]
    fn es256_signatures_verify_with_the_published_key() {
        let (key, jwk) = SigningKey::generate(Alg::Es256).unwrap();
        let signature = key.sign(b"header.payload").unwrap();
        assert_eq!(signature.len(), 64);
        let mut point = vec![4u8];
        point.extend(member(&jwk, "x"));
        point.extend(member(&jwk, "y"));
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &point)
            .verify(b"header.payload", &signature)
            .unwrap();
    }

    #[test]
    fn the_kid_is_the_rfc_7638_thumbprint() {
        // RFC 7638, section 3.1.
        let jwk = json!({
            "e": "AQAB", "kty": "RSA",
            "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        });
        assert_eq!(
            thumbprint(&jwk),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn a_stored_key_under_another_kid_is_refused() {
        let (key, _) = SigningKey::generate(Alg::Es256).unwrap();
        assert!(SigningKey::load(&key.kid, Alg::Es256, key.pkcs8.clone()).is_ok());
        assert!(matches!(
            SigningKey::load("other", Alg::Es256, key.pkcs8.clone()),
            Err(KeyError::Damaged { .. })
        ));
        assert!(SigningKey::load(&key.kid, Alg::Es256, vec![1, 2, 3]).is_err());
    }
}
