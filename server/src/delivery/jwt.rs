//! The provider tokens APNs and Google ask for: compact JWTs signed with the
//! operator's keys (ES256 with Apple's `.p8` key, RS256 with a Google service
//! account's key), both PKCS#8 in PEM as the consoles hand them out.

use data_encoding::{BASE64, BASE64URL_NOPAD};
use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, RSA_PKCS1_SHA256, RsaKeyPair,
};
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("no \"-----BEGIN PRIVATE KEY-----\" block (PKCS#8 in PEM) was found")]
    NotPem,
    #[error("the PEM block is not valid base64")]
    BadBase64,
    #[error("the key is not a {expected} private key in PKCS#8: {reason}")]
    Rejected {
        expected: &'static str,
        reason: String,
    },
    #[error("signing failed")]
    Signing,
}

/// The DER inside the first `PRIVATE KEY` block of `pem`.
pub fn pkcs8_from_pem(pem: &str) -> Result<Vec<u8>, KeyError> {
    const BEGIN: &str = "-----BEGIN PRIVATE KEY-----";
    const END: &str = "-----END PRIVATE KEY-----";
    let start = pem.find(BEGIN).ok_or(KeyError::NotPem)? + BEGIN.len();
    let length = pem[start..].find(END).ok_or(KeyError::NotPem)?;
    let body: String = pem[start..start + length]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    BASE64
        .decode(body.as_bytes())
        .map_err(|_| KeyError::BadBase64)
}

/// A signing key for one of the two algorithms.
#[derive(Debug)]
pub enum SigningKey {
    Es256(EcdsaKeyPair),
    Rs256(RsaKeyPair),
}

impl SigningKey {
    pub fn es256_from_pem(pem: &str) -> Result<Self, KeyError> {
        let der = pkcs8_from_pem(pem)?;
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der, &SystemRandom::new())
            .map(Self::Es256)
            .map_err(|error| KeyError::Rejected {
                expected: "P-256 (ES256)",
                reason: error.to_string(),
            })
    }

    pub fn rs256_from_pem(pem: &str) -> Result<Self, KeyError> {
        let der = pkcs8_from_pem(pem)?;
        RsaKeyPair::from_pkcs8(&der)
            .map(Self::Rs256)
            .map_err(|error| KeyError::Rejected {
                expected: "RSA (RS256)",
                reason: error.to_string(),
            })
    }

    fn algorithm(&self) -> &'static str {
        match self {
            Self::Es256(_) => "ES256",
            Self::Rs256(_) => "RS256",
        }
    }

    /// `header` gains `alg`; the result is `header.claims.signature`.
    pub fn sign(&self, mut header: Value, claims: &Value) -> Result<String, KeyError> {
        header["alg"] = Value::from(self.algorithm());
        let input = format!(
            "{}.{}",
            BASE64URL_NOPAD.encode(header.to_string().as_bytes()),
            BASE64URL_NOPAD.encode(claims.to_string().as_bytes())
        );
        let rng = SystemRandom::new();
        let signature = match self {
            Self::Es256(key) => key
                .sign(&rng, input.as_bytes())
                .map_err(|_| KeyError::Signing)?
                .as_ref()
                .to_vec(),
            Self::Rs256(key) => {
                let mut signature = vec![0; key.public().modulus_len()];
                key.sign(&RSA_PKCS1_SHA256, &rng, input.as_bytes(), &mut signature)
                    .map_err(|_| KeyError::Signing)?;
                signature
            }
        };
        Ok(format!("{input}.{}", BASE64URL_NOPAD.encode(&signature)))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use ring::signature::{ECDSA_P256_SHA256_FIXED, KeyPair, UnparsedPublicKey};
    use serde_json::json;

    fn pem(der: &[u8]) -> String {
        format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            BASE64.encode(der)
        )
    }

    #[test]
    fn an_es256_token_verifies_with_the_public_key() {
        let der =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                .unwrap();
        let key = SigningKey::es256_from_pem(&pem(der.as_ref())).unwrap();
        let SigningKey::Es256(pair) = &key else {
            unreachable!()
        };
        let public = pair.public_key().as_ref().to_vec();
        let token = key
            .sign(
                json!({"kid": "ABC123DEFG"}),
                &json!({"iss": "TEAM", "iat": 1}),
            )
            .unwrap();
        let (input, signature) = token.rsplit_once('.').unwrap();
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, public)
            .verify(
                input.as_bytes(),
                &BASE64URL_NOPAD.decode(signature.as_bytes()).unwrap(),
            )
            .unwrap();
        let header = BASE64URL_NOPAD
            .decode(token.split('.').next().unwrap().as_bytes())
            .unwrap();
        let header: Value = serde_json::from_slice(&header).unwrap();
        assert_eq!(header, json!({"alg": "ES256", "kid": "ABC123DEFG"}));
    }

    #[test]
    fn a_wrong_or_broken_key_is_a_typed_error() {
        assert!(matches!(
            SigningKey::es256_from_pem("hello"),
            Err(KeyError::NotPem)
        ));
        assert!(matches!(
            SigningKey::es256_from_pem(
                "-----BEGIN PRIVATE KEY-----\n!!\n-----END PRIVATE KEY-----"
            ),
            Err(KeyError::BadBase64)
        ));
        let der =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                .unwrap();
        assert!(matches!(
            SigningKey::rs256_from_pem(&pem(der.as_ref())),
            Err(KeyError::Rejected { .. })
        ));
    }
}
