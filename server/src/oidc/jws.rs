//! ID tokens as compact JWS (RFC 7515) and the one check the provider makes
//! of a token it signed itself (an `id_token_hint` at logout).

use countersign_protocol::jose::{base64url, base64url_decode};
use ring::signature::{
    ECDSA_P256_SHA256_FIXED, RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents, UnparsedPublicKey,
};
use serde_json::{Value, json};

use super::keys::{KeyError, SigningKey};

#[derive(Debug, thiserror::Error)]
pub enum JwsError {
    #[error("the token is not a compact JWS (three base64url parts)")]
    Malformed,
    #[error("the token was not signed by one of this provider's published keys")]
    UnknownKey,
    #[error("the token's signature does not verify")]
    BadSignature,
    #[error("signing: {0}")]
    Key(#[from] KeyError),
}

/// `claims` signed by `key`, with its `kid` so clients pick the right JWK.
pub fn sign(key: &SigningKey, claims: &Value) -> Result<String, JwsError> {
    let header = json!({ "alg": key.alg.as_str(), "kid": key.kid, "typ": "JWT" });
    let input = format!(
        "{}.{}",
        base64url(header.to_string().as_bytes()),
        base64url(claims.to_string().as_bytes())
    );
    let signature = key.sign(input.as_bytes())?;
    Ok(format!("{input}.{}", base64url(&signature)))
}

/// The claims of `token` if one of `jwks` signed it (expiry is the caller's
/// business: a logout hint may have expired).
pub fn verify(jwks: &[Value], token: &str) -> Result<Value, JwsError> {
    let mut parts = token.split('.');
    let (Some(header_part), Some(payload_part), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwsError::Malformed);
    };
    let decode = |part: &str| base64url_decode(part).map_err(|_| JwsError::Malformed);
    let header: Value =
        serde_json::from_slice(&decode(header_part)?).map_err(|_| JwsError::Malformed)?;
    let claims: Value =
        serde_json::from_slice(&decode(payload_part)?).map_err(|_| JwsError::Malformed)?;
    let signature = decode(signature)?;
    let kid = header["kid"].as_str().ok_or(JwsError::UnknownKey)?;
    let jwk = jwks
        .iter()
        .find(|jwk| jwk["kid"].as_str() == Some(kid) && jwk["alg"] == header["alg"])
        .ok_or(JwsError::UnknownKey)?;
    let input = format!("{header_part}.{payload_part}");
    let input = input.as_bytes();
    let member = |name: &str| {
        jwk[name]
            .as_str()
            .and_then(|text| base64url_decode(text).ok())
            .ok_or(JwsError::UnknownKey)
    };
    let verified = match jwk["alg"].as_str() {
        Some("RS256") => RsaPublicKeyComponents {
            n: member("n")?,
            e: member("e")?,
        }
        .verify(&RSA_PKCS1_2048_8192_SHA256, input, &signature)
        .is_ok(),
        Some("ES256") => {
            let mut point = vec![4u8];
            point.extend(member("x")?);
            point.extend(member("y")?);
            UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &point)
                .verify(input, &signature)
                .is_ok()
        }
        _ => false,
    };
    if verified {
        Ok(claims)
    } else {
        Err(JwsError::BadSignature)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::oidc::keys::Alg;

    #[test]
    fn signed_tokens_verify_against_the_jwks_and_tampering_fails() {
        for alg in Alg::ALL {
            let (key, jwk) = SigningKey::generate(alg).unwrap();
            let claims = json!({ "iss": "https://mfa.example.com", "sub": "u_1", "aud": "c" });
            let token = sign(&key, &claims).unwrap();
            assert_eq!(verify(std::slice::from_ref(&jwk), &token).unwrap(), claims);

            let (payload_start, _) = token.split_once('.').unwrap();
            let forged_claims = base64url(json!({ "sub": "admin" }).to_string().as_bytes());
            let signature = token.rsplit('.').next().unwrap();
            let forged = format!("{payload_start}.{forged_claims}.{signature}");
            assert!(matches!(
                verify(std::slice::from_ref(&jwk), &forged),
                Err(JwsError::BadSignature)
            ));

            let (_, other) = SigningKey::generate(alg).unwrap();
            assert!(matches!(
                verify(&[other], &token),
                Err(JwsError::UnknownKey)
            ));
            assert!(matches!(verify(&[jwk], "a.b"), Err(JwsError::Malformed)));
        }
    }
}
