//! The RSA half of privacyIDEA's push protocol: the phone's key pair, its
//! signatures and the check of the server's. Every signature is RSA PKCS#1 v1.5
//! with SHA-256, carried as upper-case base32 with `=` padding.
//!
//! ring signs and verifies; it cannot generate RSA keys, so the `rsa` crate does
//! only that (and format conversions), never a private-key operation.

use data_encoding::{BASE32, BASE64, BASE64URL};
use ring::rand::SystemRandom;
use ring::signature::{self, RsaKeyPair, UnparsedPublicKey};
use rsa::pkcs1::{DecodeRsaPublicKey, EncodeRsaPublicKey};
use rsa::pkcs8::{DecodePublicKey, EncodePrivateKey, EncodePublicKey};

use crate::secret::SecretBytes;

/// The size privacyIDEA's own app uses.
pub const DEVICE_KEY_BITS: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RsaKeyError {
    #[error("could not make a key pair: {0}")]
    Generate(String),
    #[error("the device key is damaged")]
    DeviceKey,
    #[error("the server's public key is not an RSA key: {0}")]
    ServerKey(String),
}

/// A new device key: PKCS#8 to keep sealed, and the SubjectPublicKeyInfo DER the
/// server is told. Takes seconds at 4096 bits: call it off the UI thread.
pub fn generate_device_key(bits: usize) -> Result<(SecretBytes, Vec<u8>), RsaKeyError> {
    let mut rng = rand_core::OsRng;
    let key = rsa::RsaPrivateKey::new(&mut rng, bits)
        .map_err(|error| RsaKeyError::Generate(error.to_string()))?;
    let pkcs8 = key
        .to_pkcs8_der()
        .map_err(|error| RsaKeyError::Generate(error.to_string()))?;
    let spki = key
        .to_public_key()
        .to_public_key_der()
        .map_err(|error| RsaKeyError::Generate(error.to_string()))?;
    Ok((
        SecretBytes::new(pkcs8.as_bytes().to_vec()),
        spki.as_bytes().to_vec(),
    ))
}

/// Signs `message` with the device key; base32 as the server expects.
pub fn sign(pkcs8: &SecretBytes, message: &str) -> Result<String, RsaKeyError> {
    let key = RsaKeyPair::from_pkcs8(pkcs8.expose_secret()).map_err(|_| RsaKeyError::DeviceKey)?;
    let mut signature = vec![0; key.public().modulus_len()];
    key.sign(
        &signature::RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        message.as_bytes(),
        &mut signature,
    )
    .map_err(|_| RsaKeyError::DeviceKey)?;
    Ok(BASE32.encode(&signature))
}

/// True only for a valid signature by `server_key` (PKCS#1 DER) over `message`.
pub fn verify(server_key: &[u8], message: &str, signature_base32: &str) -> bool {
    let Ok(signature) = BASE32.decode(signature_base32.trim().as_bytes()) else {
        return false;
    };
    UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, server_key)
        .verify(message.as_bytes(), &signature)
        .is_ok()
}

/// The server's key as privacyIDEA sends it (base64 of PKCS#1 DER, maybe with PEM
/// armour and line breaks; SubjectPublicKeyInfo is accepted too), as PKCS#1 DER.
pub fn parse_server_key(text: &str) -> Result<Vec<u8>, RsaKeyError> {
    let body: String = text
        .lines()
        .filter(|line| !line.trim_start().starts_with("-----"))
        .flat_map(|line| line.chars())
        .filter(|c| !c.is_whitespace())
        .collect();
    let der = BASE64
        .decode(body.as_bytes())
        .or_else(|_| BASE64URL.decode(body.as_bytes()))
        .map_err(|_| RsaKeyError::ServerKey("not base64".into()))?;
    let key = rsa::RsaPublicKey::from_pkcs1_der(&der)
        .or_else(|_| rsa::RsaPublicKey::from_public_key_der(&der))
        .map_err(|error| RsaKeyError::ServerKey(error.to_string()))?;
    let pkcs1 = key
        .to_pkcs1_der()
        .map_err(|error| RsaKeyError::ServerKey(error.to_string()))?;
    Ok(pkcs1.as_bytes().to_vec())
}

/// The device's public key as PKCS#1 DER (what ring verifies with), for tests
/// and for a server playing privacyIDEA.
pub fn public_pkcs1_from_spki(spki: &[u8]) -> Result<Vec<u8>, RsaKeyError> {
    let key = rsa::RsaPublicKey::from_public_key_der(spki)
        .map_err(|error| RsaKeyError::ServerKey(error.to_string()))?;
    Ok(key
        .to_pkcs1_der()
        .map_err(|error| RsaKeyError::ServerKey(error.to_string()))?
        .as_bytes()
        .to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_what_the_other_side_verifies() {
        let (pkcs8, spki) = generate_device_key(2048).unwrap();
        let public = public_pkcs1_from_spki(&spki).unwrap();
        let signature = sign(&pkcs8, "PIPU0001|2026-11-28T06:00:00Z").unwrap();
        assert!(
            signature
                .chars()
                .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c) || c == '=')
        );
        assert!(verify(&public, "PIPU0001|2026-11-28T06:00:00Z", &signature));
        assert!(!verify(
            &public,
            "PIPU0001|2026-11-28T06:00:01Z",
            &signature
        ));
        assert!(!verify(
            &public,
            "PIPU0001|2026-11-28T06:00:00Z",
            "not base32"
        ));
        // Another key's signature is refused.
        let (other, _) = generate_device_key(2048).unwrap();
        let forged = sign(&other, "PIPU0001|2026-11-28T06:00:00Z").unwrap();
        assert!(!verify(&public, "PIPU0001|2026-11-28T06:00:00Z", &forged));
    }

    #[test]
    fn reads_the_server_key_with_or_without_armour() {
        let (_, spki) = generate_device_key(2048).unwrap();
        let pkcs1 = public_pkcs1_from_spki(&spki).unwrap();
        let encoded = BASE64.encode(&pkcs1);
        let wrapped: String = encoded
            .as_bytes()
            .chunks(64)
            .map(|chunk| String::from_utf8_lossy(chunk).into_owned() + "\n")
            .collect();
        let pem =
            format!("-----BEGIN RSA PUBLIC KEY-----\n{wrapped}-----END RSA PUBLIC KEY-----\n");
        assert_eq!(parse_server_key(&wrapped).unwrap(), pkcs1);
        assert_eq!(parse_server_key(&pem).unwrap(), pkcs1);
        assert_eq!(parse_server_key(&BASE64.encode(&spki)).unwrap(), pkcs1);
        assert!(matches!(
            parse_server_key("bm90IGEga2V5"),
            Err(RsaKeyError::ServerKey(_))
        ));
    }
}
