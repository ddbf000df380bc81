//! Secret bytes: zeroized on drop, never printed, decoded from the base32 that
//! authenticator QR codes and exports carry.
//!
//! Must not: hand out the bytes without the caller asking for them by name.

use std::fmt;

use data_encoding::{Encoding, Specification};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A shared OTP secret (or any key material). `Debug` prints `[redacted]`.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// Decodes base32 as real QR codes write it: any case, with or without `=`
    /// padding, with spaces or dashes between groups.
    pub fn from_base32(text: &str) -> Result<Self, SecretError> {
        let mut cleaned: String = text
            .chars()
            .filter(|c| !matches!(c, ' ' | '\t' | '-' | '='))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if cleaned.is_empty() {
            return Err(SecretError::Empty);
        }
        if let Some((position, character)) = cleaned
            .char_indices()
            .find(|(_, c)| !matches!(c, 'A'..='Z' | '2'..='7'))
        {
            cleaned.zeroize();
            return Err(SecretError::NotBase32 {
                position,
                character,
            });
        }
        let decoded = lenient_base32().decode(cleaned.as_bytes());
        let length = cleaned.len();
        cleaned.zeroize();
        match decoded {
            Ok(bytes) => Ok(Self(bytes)),
            Err(_) => Err(SecretError::Base32Length { length }),
        }
    }

    /// Canonical form: upper case, no padding.
    pub fn to_base32(&self) -> String {
        lenient_base32().encode(&self.0)
    }

    /// The raw bytes. Named loudly so every use is easy to find in review.
    pub fn expose_secret(&self) -> &[u8] {
        &self.0
    }

    pub fn len_bits(&self) -> usize {
        self.0.len() * 8
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretBytes([redacted])")
    }
}

/// RFC 4648 base32 without padding, tolerant of non-zero trailing bits: some
/// generators emit them, and the bits carry no key material anyway.
fn lenient_base32() -> Encoding {
    let mut spec = Specification::new();
    spec.symbols.push_str("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
    spec.check_trailing_bits = false;
    match spec.encoding() {
        Ok(encoding) => encoding,
        // The specification above is a constant; this arm is unreachable.
        Err(_) => data_encoding::BASE32_NOPAD,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("the secret is empty")]
    Empty,
    #[error(
        "the secret is not base32: character {character:?} at position {position} \
         (only A-Z and 2-7 are allowed)"
    )]
    NotBase32 { position: usize, character: char },
    #[error(
        "the secret has {length} base32 characters, which cannot encode whole bytes; \
         check that it was copied completely"
    )]
    Base32Length { length: usize },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_is_read_in_any_case_with_padding_and_spaces() {
        let canonical = SecretBytes::from_base32("JBSWY3DPEHPK3PXP").unwrap();
        for variant in [
            "jbswy3dpehpk3pxp",
            "JBSW Y3DP EHPK 3PXP",
            "JBSWY3DPEHPK3PXP======",
            "jbsw-y3dp-ehpk-3pxp",
        ] {
            assert_eq!(
                SecretBytes::from_base32(variant).unwrap(),
                canonical,
                "{variant}"
            );
        }
        assert_eq!(canonical.expose_secret(), b"Hello!\xde\xad\xbe\xef");
        assert_eq!(canonical.to_base32(), "JBSWY3DPEHPK3PXP");
    }

    #[test]
    fn non_base32_character_is_named_with_its_position() {
        assert_eq!(
            SecretBytes::from_base32("JBSWY1DP"),
            Err(SecretError::NotBase32 {
                position: 5,
                character: '1'
            })
        );
    }

    #[test]
    fn impossible_length_and_empty_are_refused() {
        assert_eq!(
            SecretBytes::from_base32("ABC"),
            Err(SecretError::Base32Length { length: 3 })
        );
        assert_eq!(SecretBytes::from_base32(" == "), Err(SecretError::Empty));
    }

    #[test]
    fn debug_never_shows_the_bytes() {
        let secret = SecretBytes::from_base32("JBSWY3DPEHPK3PXP").unwrap();
        let printed = format!("{secret:?}");
        assert!(!printed.contains("72"), "{printed}");
        assert!(printed.contains("redacted"));
    }
}
