//! Password-encrypted exports: 2FAS (PBKDF2-HMAC-SHA256, AES-256-GCM) and andOTP
//! (new: PBKDF2-HMAC-SHA1, AES-256-GCM; old: SHA-256 of the password as the key).

use std::num::NonZeroU32;

use data_encoding::BASE64;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::digest::{SHA256, digest};
use ring::pbkdf2;

use super::limits::{KdfCost, check_kdf};
use super::{ImportError, ImportFormat, malformed};

/// AES-256-GCM open of `ciphertext || tag`; `None` when the key is wrong.
fn open_gcm(key: &[u8], nonce: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).ok()?);
    let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
    let mut buffer = sealed.to_vec();
    key.open_in_place(nonce, Aad::empty(), &mut buffer)
        .ok()
        .map(|plain| plain.to_vec())
}

fn pbkdf2_key(
    algorithm: pbkdf2::Algorithm,
    password: &str,
    salt: &[u8],
    iterations: u32,
) -> Result<[u8; 32], String> {
    let iterations = NonZeroU32::new(iterations).ok_or("zero iterations")?;
    let mut key = [0u8; 32];
    pbkdf2::derive(algorithm, iterations, salt, password.as_bytes(), &mut key);
    Ok(key)
}

/// `servicesEncrypted` = base64(ciphertext || tag) ":" base64(salt) ":" base64(iv).
pub(super) fn two_fas(sealed: &str, password: &str) -> Result<Vec<u8>, ImportError> {
    let format = ImportFormat::TwoFas;
    let parts: Vec<&str> = sealed.split(':').collect();
    let [ciphertext, salt, iv] = parts.as_slice() else {
        return Err(malformed(
            format,
            "servicesEncrypted is not ciphertext:salt:iv",
        ));
    };
    let decode = |part: &str| {
        BASE64
            .decode(part.as_bytes())
            .map_err(|_| malformed(format, "not base64"))
    };
    let key = pbkdf2_key(pbkdf2::PBKDF2_HMAC_SHA256, password, &decode(salt)?, 10_000)
        .map_err(|e| malformed(format, e))?;
    open_gcm(&key, &decode(iv)?, &decode(ciphertext)?).ok_or(ImportError::WrongPassword)
}

/// New andOTP: iterations (u32 BE) | salt (12) | nonce (12) | ciphertext | tag (16).
/// Old andOTP: nonce (12) | ciphertext | tag, key = SHA-256(password).
pub(super) fn and_otp(bytes: &[u8], password: &str) -> Result<(Vec<u8>, bool), ImportError> {
    let format = ImportFormat::AndOtp;
    if bytes.len() > 4 + 12 + 12 + 16 {
        let iterations = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        // The first four bytes are only a guess at an iteration count (an old
        // backup starts with its nonce): out of range means "old format".
        let in_budget = check_kdf(
            format,
            KdfCost::Pbkdf2 {
                iterations: u64::from(iterations),
            },
        )
        .is_ok();
        if iterations >= 1_000 && in_budget {
            let (salt, rest) = bytes[4..].split_at(12);
            let (nonce, sealed) = rest.split_at(12);
            let key = pbkdf2_key(pbkdf2::PBKDF2_HMAC_SHA1, password, salt, iterations)
                .map_err(|e| malformed(format, e))?;
            if let Some(plain) = open_gcm(&key, nonce, sealed) {
                return Ok((plain, false));
            }
        }
    }
    if bytes.len() < 12 + 16 {
        return Err(malformed(format, "too short to be an andOTP backup"));
    }
    let key = digest(&SHA256, password.as_bytes());
    let (nonce, sealed) = bytes.split_at(12);
    open_gcm(key.as_ref(), nonce, sealed)
        .map(|plain| (plain, true))
        .ok_or(ImportError::WrongPassword)
}

const STRATUM_HEADER: &[u8] = b"AUTHENTICATORPRO";
const STRATUM_LEGACY_HEADER: &[u8] = b"AuthenticatorPro";

pub(super) fn is_stratum(bytes: &[u8]) -> bool {
    bytes.starts_with(STRATUM_HEADER) || bytes.starts_with(STRATUM_LEGACY_HEADER)
}

/// Authenticator Pro / Stratum backups. Current: header | salt (16) | iv (12) |
/// AES-256-GCM, key Argon2id (t 3, m 64 MiB, p 4). Legacy: header | salt (20) |
/// iv (16) | AES-256-CBC, key PBKDF2-HMAC-SHA1 (64,000 rounds).
pub(super) fn stratum(bytes: &[u8], password: &str) -> Result<Vec<u8>, ImportError> {
    use aes::cipher::{BlockDecryptMut, KeyIvInit, block_padding::Pkcs7};
    let format = ImportFormat::StratumEncrypted;
    if let Some(rest) = bytes.strip_prefix(STRATUM_HEADER) {
        if rest.len() < 16 + 12 + 16 {
            return Err(malformed(format, "too short"));
        }
        let (salt, rest) = rest.split_at(16);
        let (iv, sealed) = rest.split_at(12);
        let (memory_kib, time, lanes) = (64 * 1024, 3, 4);
        check_kdf(
            format,
            KdfCost::Argon2 {
                memory_kib,
                time,
                lanes,
            },
        )?;
        let params = argon2::Params::new(memory_kib, time, lanes, Some(32))
            .map_err(|e| malformed(format, e.to_string()))?;
        let argon =
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let mut key = [0u8; 32];
        argon
            .hash_password_into(password.as_bytes(), salt, &mut key)
            .map_err(|e| malformed(format, e.to_string()))?;
        return open_gcm(&key, iv, sealed).ok_or(ImportError::WrongPassword);
    }
    let rest = bytes
        .strip_prefix(STRATUM_LEGACY_HEADER)
        .ok_or_else(|| malformed(format, "not an Authenticator Pro backup"))?;
    if rest.len() < 20 + 16 + 16 {
        return Err(malformed(format, "too short"));
    }
    let (salt, rest) = rest.split_at(20);
    let (iv, ciphertext) = rest.split_at(16);
    let key = pbkdf2_key(pbkdf2::PBKDF2_HMAC_SHA1, password, salt, 64_000)
        .map_err(|e| malformed(format, e))?;
    let mut buffer = ciphertext.to_vec();
    let decryptor = cbc::Decryptor::<aes::Aes256>::new_from_slices(&key, iv)
        .map_err(|e| malformed(format, e.to_string()))?;
    decryptor
        .decrypt_padded_mut::<Pkcs7>(&mut buffer)
        .map(<[u8]>::to_vec)
        .map_err(|_| ImportError::WrongPassword)
}
