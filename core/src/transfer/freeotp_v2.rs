//! FreeOTP v2 backups: a Java-serialized `HashMap<String, String>` holding the
//! password-sealed master key ("masterKey": PBKDF2-HMAC-SHA1, AES-GCM), each
//! token's secret sealed under it ("<uuid>": AES-GCM, the token's HMAC name as
//! associated data), and its parameters ("<uuid>-token").

use std::num::NonZeroU32;

use ring::aead::{AES_128_GCM, AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::pbkdf2;
use serde_json::Value;

use super::limits::{KdfCost, check_kdf};
use super::{ExportContents, ImportError, ImportFormat, malformed};
use crate::secret::SecretBytes;

const FORMAT: ImportFormat = ImportFormat::FreeOtpV2;
const MAGIC: &[u8] = &[0xac, 0xed, 0x00, 0x05];

pub(super) fn is_java_serialized(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

/// The key/value strings of a serialized HashMap: after the class description
/// comes a block (capacity, size), then `size` pairs of strings.
fn java_map(bytes: &[u8]) -> Result<Vec<(String, String)>, ImportError> {
    // TC_BLOCKDATA of 8 bytes: capacity (i32), size (i32).
    let block = bytes
        .windows(2)
        .position(|w| w == [0x77, 0x08])
        .ok_or_else(|| malformed(FORMAT, "not a serialized map"))?;
    let size_at = block + 2 + 4;
    let size = bytes
        .get(size_at..size_at + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .ok_or_else(|| malformed(FORMAT, "cut off"))?;
    let mut at = size_at + 4;
    let read_string = |at: &mut usize| -> Result<String, ImportError> {
        let (length, start) = match bytes.get(*at) {
            Some(0x74) => {
                let b = bytes
                    .get(*at + 1..*at + 3)
                    .ok_or_else(|| malformed(FORMAT, "cut off"))?;
                (u16::from_be_bytes([b[0], b[1]]) as usize, *at + 3)
            }
            Some(0x7c) => {
                let b = bytes
                    .get(*at + 1..*at + 9)
                    .ok_or_else(|| malformed(FORMAT, "cut off"))?;
                let length = u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
                (
                    usize::try_from(length).map_err(|_| malformed(FORMAT, "too long"))?,
                    *at + 9,
                )
            }
            _ => return Err(malformed(FORMAT, "a map entry is not a string")),
        };
        let text = bytes
            .get(start..start + length)
            .ok_or_else(|| malformed(FORMAT, "cut off"))?;
        *at = start + length;
        // Java's modified UTF-8 is plain UTF-8 for the JSON and ids stored here.
        String::from_utf8(text.to_vec()).map_err(|_| malformed(FORMAT, "not UTF-8"))
    };
    let mut pairs = Vec::with_capacity(size.min(10_000));
    for _ in 0..size {
        let key = read_string(&mut at)?;
        let value = read_string(&mut at)?;
        pairs.push((key, value));
    }
    Ok(pairs)
}

fn bytes_of(value: &Value) -> Vec<u8> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_i64)
                .map(|b| b as u8)
                .collect()
        })
        .unwrap_or_default()
}

/// The GCM nonce: the first OCTET STRING in the (DER) parameters.
fn nonce_of(parameters: &[u8]) -> Option<&[u8]> {
    let start = parameters.iter().position(|b| *b == 0x04)?;
    let length = usize::from(*parameters.get(start + 1)?);
    parameters.get(start + 2..start + 2 + length)
}

/// Opens one of FreeOTP's `EncryptedKey` objects with `key`.
fn open(key: &[u8], sealed: &Value) -> Option<Vec<u8>> {
    let algorithm = if key.len() == 16 {
        &AES_128_GCM
    } else {
        &AES_256_GCM
    };
    let key = LessSafeKey::new(UnboundKey::new(algorithm, key).ok()?);
    let parameters = bytes_of(&sealed["mParameters"]);
    let nonce = Nonce::try_assume_unique_for_key(nonce_of(&parameters)?).ok()?;
    let mut buffer = bytes_of(&sealed["mCipherText"]);
    let aad = sealed["mToken"].as_str().unwrap_or("").as_bytes().to_vec();
    key.open_in_place(nonce, Aad::from(aad), &mut buffer)
        .ok()
        .map(|plain| plain.to_vec())
}

pub(super) fn read(
    bytes: &[u8],
    password: Option<&str>,
    contents: &mut ExportContents,
) -> Result<(), ImportError> {
    let password = password.ok_or(ImportError::PasswordRequired {
        format: FORMAT.name(),
    })?;
    let map = java_map(bytes)?;
    let value = |key: &str| map.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    let master: Value =
        serde_json::from_str(value("masterKey").ok_or_else(|| malformed(FORMAT, "no masterKey"))?)
            .map_err(|e| malformed(FORMAT, e.to_string()))?;
    let iterations = master["mIterations"]
        .as_u64()
        .ok_or_else(|| malformed(FORMAT, "no iterations"))?;
    check_kdf(FORMAT, KdfCost::Pbkdf2 { iterations })?;
    let iterations = u32::try_from(iterations)
        .ok()
        .and_then(NonZeroU32::new)
        .ok_or_else(|| malformed(FORMAT, "no iterations"))?;
    // Older Android versions used HMAC-SHA1, newer ones HMAC-SHA512; the file says which.
    let prf = match master["mAlgorithm"]
        .as_str()
        .unwrap_or("PBKDF2withHmacSHA1")
    {
        "PBKDF2withHmacSHA1" => pbkdf2::PBKDF2_HMAC_SHA1,
        "PBKDF2withHmacSHA256" => pbkdf2::PBKDF2_HMAC_SHA256,
        "PBKDF2withHmacSHA512" => pbkdf2::PBKDF2_HMAC_SHA512,
        other => {
            return Err(ImportError::Unsupported {
                format: FORMAT.name(),
                what: format!("master key derivation {other}"),
            });
        }
    };
    let mut derived = [0u8; 32];
    pbkdf2::derive(
        prf,
        iterations,
        &bytes_of(&master["mSalt"]),
        password.as_bytes(),
        &mut derived,
    );
    let master_key = open(&derived, &master["mEncryptedKey"]).ok_or(ImportError::WrongPassword)?;
    for (uuid, token_json) in map
        .iter()
        .filter_map(|(k, v)| k.strip_suffix("-token").map(|uuid| (uuid, v)))
    {
        let token: Value =
            serde_json::from_str(token_json).map_err(|e| malformed(FORMAT, e.to_string()))?;
        let secret = value(uuid)
            .and_then(|wrapper| serde_json::from_str::<Value>(wrapper).ok())
            .and_then(|wrapper| {
                wrapper["key"]
                    .as_str()
                    .and_then(|inner| serde_json::from_str::<Value>(inner).ok())
            })
            .and_then(|sealed| open(&master_key, &sealed))
            .map(SecretBytes::new)
            .ok_or_else(|| "its secret does not open with the master key".to_owned());
        super::apps::push_free_otp_token(&token, secret, contents);
    }
    Ok(())
}
