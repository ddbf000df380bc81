//! Proof Key for Code Exchange (RFC 7636), S256 only: `plain` would hand the
//! verifier to anyone who sees the authorization request, which is the one
//! thing PKCE exists to prevent.

use countersign_protocol::jose::base64url;
use ring::digest::{SHA256, digest};
use subtle::ConstantTimeEq;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PkceError {
    #[error("code_challenge is missing")]
    MissingChallenge,
    #[error("code_challenge_method must be S256 (plain is not accepted)")]
    UnsupportedMethod,
    #[error("code_challenge must be 43 base64url characters (a SHA-256 hash)")]
    MalformedChallenge,
    #[error("code_verifier is missing")]
    MissingVerifier,
    #[error("code_verifier must be 43 to 128 characters from [A-Za-z0-9-._~]")]
    MalformedVerifier,
    #[error("code_verifier does not match the code_challenge")]
    Mismatch,
}

/// Checks an authorization request's challenge and method; the challenge.
pub fn challenge<'a>(
    challenge: Option<&'a str>,
    method: Option<&str>,
) -> Result<&'a str, PkceError> {
    let challenge = challenge
        .filter(|c| !c.is_empty())
        .ok_or(PkceError::MissingChallenge)?;
    // RFC 7636 defaults a missing method to `plain`, which we refuse.
    if method != Some("S256") {
        return Err(PkceError::UnsupportedMethod);
    }
    let well_formed = challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
        return Err(PkceError::MalformedChallenge);
    }
    Ok(challenge)
}

/// Whether `verifier` is the one `challenge` was made from (S256).
pub fn verify(verifier: Option<&str>, challenge: &str) -> Result<(), PkceError> {
    let verifier = verifier.ok_or(PkceError::MissingVerifier)?;
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    if !well_formed {
        return Err(PkceError::MalformedVerifier);
    }
    let computed = base64url(digest(&SHA256, verifier.as_bytes()).as_ref());
    if bool::from(computed.as_bytes().ct_eq(challenge.as_bytes())) {
        Ok(())
    } else {
        Err(PkceError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7636, appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn the_rfc_7636_example_verifies() {
        assert_eq!(challenge(Some(CHALLENGE), Some("S256")), Ok(CHALLENGE));
        assert_eq!(verify(Some(VERIFIER), CHALLENGE), Ok(()));
    }

    #[test]
    fn a_wrong_or_missing_verifier_is_refused() {
        let wrong = VERIFIER.replace('d', "e");
        assert_eq!(verify(Some(&wrong), CHALLENGE), Err(PkceError::Mismatch));
        assert_eq!(verify(None, CHALLENGE), Err(PkceError::MissingVerifier));
        assert_eq!(
            verify(Some("short"), CHALLENGE),
            Err(PkceError::MalformedVerifier)
        );
        let spaced = format!("{} ", &VERIFIER[..43]);
        assert_eq!(
            verify(Some(&spaced), CHALLENGE),
            Err(PkceError::MalformedVerifier)
        );
    }

    #[test]
    fn only_s256_challenges_are_accepted() {
        assert_eq!(
            challenge(None, Some("S256")),
            Err(PkceError::MissingChallenge)
        );
        assert_eq!(
            challenge(Some(CHALLENGE), None),
            Err(PkceError::UnsupportedMethod)
        );
        assert_eq!(
            challenge(Some(CHALLENGE), Some("plain")),
            Err(PkceError::UnsupportedMethod)
        );
        assert_eq!(
            challenge(Some("abc"), Some("S256")),
            Err(PkceError::MalformedChallenge)
        );
    }
}
