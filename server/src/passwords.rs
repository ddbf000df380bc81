//! Portal passwords: Argon2id hashes in PHC format (OWASP's minimum: 19 MiB,
//! two passes, one lane), and a verification that costs the same whether the
//! user exists or not, so timing does not tell who has an account.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use ring::rand::{SecureRandom, SystemRandom};

/// Shortest password accepted (NIST SP 800-63B's minimum for user-chosen ones).
pub const MIN_CHARS: usize = 8;
/// Longest: hashing cost does not depend on it, but a bound keeps forms sane.
pub const MAX_CHARS: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("a password needs at least {MIN_CHARS} characters")]
    TooShort,
    #[error("a password has at most {MAX_CHARS} characters")]
    TooLong,
    #[error("the two passwords differ; type the same one twice")]
    Mismatch,
    #[error("the system's random source failed; try again")]
    Random,
    #[error("the password could not be hashed: {0}")]
    Hash(String),
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Whether `password` may be set (and matches its confirmation, when given).
pub fn check_new(password: &str, again: Option<&str>) -> Result<(), PasswordError> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(PasswordError::TooShort);
    }
    if chars > MAX_CHARS {
        return Err(PasswordError::TooLong);
    }
    if again.is_some_and(|again| again != password) {
        return Err(PasswordError::Mismatch);
    }
    Ok(())
}

/// The PHC string to store for `password`.
pub fn hash(password: &str) -> Result<String, PasswordError> {
    let mut salt = [0u8; 16];
    SystemRandom::new()
        .fill(&mut salt)
        .map_err(|_| PasswordError::Random)?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| PasswordError::Hash(e.to_string()))?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// A hash of a random password, verified against when there is no stored
/// hash, so an unknown user costs what a known one does.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        let mut random = [0u8; 18];
        let _ = SystemRandom::new().fill(&mut random);
        hash(&data_encoding::BASE64URL_NOPAD.encode(&random)).unwrap_or_default()
    })
}

/// Whether `password` matches `stored` (a PHC string); `None` (no such user,
/// or no password set) never matches and takes as long as a real check.
pub fn verify(stored: Option<&str>, password: &str) -> bool {
    let (phc, real) = match stored {
        Some(stored) => (stored, true),
        None => (decoy_hash(), false),
    };
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let matched = argon2()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    real && matched
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let stored = hash("correct horse battery").unwrap();
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        assert!(verify(Some(&stored), "correct horse battery"));
        assert!(!verify(Some(&stored), "correct horse batterY"));
        assert!(!verify(None, "correct horse battery"));
        assert!(!verify(Some("not a phc string"), "x"));
        assert_ne!(stored, hash("correct horse battery").unwrap(), "salted");
    }

    #[test]
    fn new_passwords_are_checked() {
        assert_eq!(check_new("short", None), Err(PasswordError::TooShort));
        assert_eq!(
            check_new(&"x".repeat(MAX_CHARS + 1), None),
            Err(PasswordError::TooLong)
        );
        assert_eq!(
            check_new("long enough", Some("long enougH")),
            Err(PasswordError::Mismatch)
        );
        assert_eq!(check_new("long enough", Some("long enough")), Ok(()));
    }
}
