//! Envelope encryption of single values: AES-256-GCM under the vault key, a fresh
//! random nonce per seal, and associated data naming the row and column the value
//! belongs to, so a sealed value copied into another row or column will not open.
//!
//! Sealed layout: version (1 byte, 0x01) || nonce (12) || ciphertext || tag (16).

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

use super::integrity::RowMacKey;
use crate::secret::SecretBytes;

const VERSION: u8 = 1;
pub(super) const KEY_LEN: usize = 32;

/// Where a sealed value lives; becomes the AEAD's associated data.
#[derive(Debug, Clone, Copy)]
pub(super) struct Slot<'a> {
    pub table: &'a str,
    pub row: &'a str,
    pub column: &'a str,
}

impl Slot<'_> {
    fn aad(&self) -> String {
        format!("countersign/v1/{}/{}/{}", self.table, self.row, self.column)
    }
}

pub(super) struct VaultKey {
    key: LessSafeKey,
    rows: RowMacKey,
    random: SystemRandom,
}

impl std::fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VaultKey([redacted])")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SealError {
    /// The key is the wrong length for AES-256.
    BadKey,
    /// The system's random source failed.
    Random,
    /// The value was altered, belongs to another slot, or was sealed with another key.
    Unauthentic,
}

impl VaultKey {
    pub(super) fn new(key: &SecretBytes) -> Result<Self, SealError> {
        if key.expose_secret().len() != KEY_LEN {
            return Err(SealError::BadKey);
        }
        let unbound =
            UnboundKey::new(&AES_256_GCM, key.expose_secret()).map_err(|_| SealError::BadKey)?;
        Ok(Self {
            key: LessSafeKey::new(unbound),
            rows: RowMacKey::derive(key),
            random: SystemRandom::new(),
        })
    }

    /// The key that MACs the protected columns of a row (vault/integrity.rs).
    pub(super) fn rows(&self) -> &RowMacKey {
        &self.rows
    }

    pub(super) fn generate() -> Result<SecretBytes, SealError> {
        let mut bytes = vec![0u8; KEY_LEN];
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| SealError::Random)?;
        Ok(SecretBytes::new(bytes))
    }

    pub(super) fn seal(&self, slot: Slot<'_>, plaintext: &[u8]) -> Result<Vec<u8>, SealError> {
        let mut nonce = [0u8; NONCE_LEN];
        self.random
            .fill(&mut nonce)
            .map_err(|_| SealError::Random)?;
        let mut sealed = Vec::with_capacity(1 + NONCE_LEN + plaintext.len() + 16);
        sealed.push(VERSION);
        sealed.extend_from_slice(&nonce);
        let mut in_out = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(slot.aad().as_bytes()),
                &mut in_out,
            )
            .map_err(|_| SealError::Random)?;
        sealed.extend_from_slice(&in_out);
        zeroize::Zeroize::zeroize(&mut in_out);
        Ok(sealed)
    }

    pub(super) fn open(&self, slot: Slot<'_>, sealed: &[u8]) -> Result<SecretBytes, SealError> {
        let Some((&VERSION, rest)) = sealed.split_first() else {
            return Err(SealError::Unauthentic);
        };
        if rest.len() < NONCE_LEN + 16 {
            return Err(SealError::Unauthentic);
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError::Unauthentic)?;
        let mut in_out = ciphertext.to_vec();
        let plaintext_len = self
            .key
            .open_in_place(nonce, Aad::from(slot.aad().as_bytes()), &mut in_out)
            .map_err(|_| SealError::Unauthentic)?
            .len();
        in_out.truncate(plaintext_len);
        Ok(SecretBytes::new(in_out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SLOT: Slot<'static> = Slot {
        table: "accounts",
        row: "a1",
        column: "secret",
    };

    fn key() -> VaultKey {
        VaultKey::new(&VaultKey::generate().unwrap()).unwrap()
    }

    #[test]
    fn sealed_value_opens_only_in_its_own_slot() {
        let key = key();
        let sealed = key.seal(SLOT, b"hello").unwrap();
        assert_eq!(key.open(SLOT, &sealed).unwrap().expose_secret(), b"hello");
        let other_row = Slot { row: "a2", ..SLOT };
        let other_column = Slot {
            column: "name",
            ..SLOT
        };
        assert_eq!(key.open(other_row, &sealed), Err(SealError::Unauthentic));
        assert_eq!(key.open(other_column, &sealed), Err(SealError::Unauthentic));
    }

    #[test]
    fn every_seal_uses_a_fresh_nonce() {
        let key = key();
        assert_ne!(
            key.seal(SLOT, b"same").unwrap(),
            key.seal(SLOT, b"same").unwrap()
        );
    }

    #[test]
    fn any_flipped_bit_or_truncation_is_detected() {
        let key = key();
        let sealed = key.seal(SLOT, b"secret bytes").unwrap();
        for index in 0..sealed.len() {
            let mut tampered = sealed.clone();
            tampered[index] ^= 0x01;
            assert!(key.open(SLOT, &tampered).is_err(), "byte {index}");
        }
        assert!(key.open(SLOT, &sealed[..sealed.len() - 1]).is_err());
        assert!(key.open(SLOT, &[]).is_err());
    }

    #[test]
    fn another_key_cannot_open() {
        let sealed = key().seal(SLOT, b"x").unwrap();
        assert_eq!(key().open(SLOT, &sealed), Err(SealError::Unauthentic));
    }

    #[test]
    fn only_256_bit_keys_are_accepted() {
        assert_eq!(
            VaultKey::new(&SecretBytes::new(vec![0; 16])).err(),
            Some(SealError::BadKey)
        );
    }
}
