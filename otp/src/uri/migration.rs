//! Google Authenticator's export QR codes: `otpauth-migration://offline?data=…`,
//! a base64 protobuf `MigrationPayload` holding up to ~10 accounts per code and the
//! batch fields that say which code of how many this is.
//!
//! Entries this app cannot generate codes for (MD5, unknown types) come back as
//! `Unsupported` with a reason: never silently turned into something else.

use crate::account::OtpAccount;
use crate::otp::{Algorithm, OtpKind, OtpParams};
use crate::secret::SecretBytes;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationBatch {
    pub version: Option<u32>,
    pub batch_size: Option<u32>,
    pub batch_index: Option<u32>,
    /// Identifies one export: every code of a multi-code export has the same id.
    pub batch_id: Option<i32>,
    pub entries: Vec<MigrationEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MigrationEntry {
    Account(OtpAccount),
    Unsupported {
        name: String,
        issuer: Option<String>,
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MigrationError {
    #[error("this is not a Google Authenticator export (otpauth-migration://offline?data=…)")]
    NotMigration,
    #[error("the export has no data parameter")]
    MissingData,
    #[error("the export's data is not valid base64; was the QR code read completely?")]
    NotBase64,
    #[error("the export's data is damaged: {reason}")]
    Malformed { reason: String },
}

pub fn parse_migration(uri: &str) -> Result<MigrationBatch, MigrationError> {
    let uri = uri.trim();
    let (scheme, rest) = uri.split_once("://").ok_or(MigrationError::NotMigration)?;
    if !scheme.eq_ignore_ascii_case("otpauth-migration") {
        return Err(MigrationError::NotMigration);
    }
    let query = rest.split_once('?').map_or("", |(_, query)| query);
    let data = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("data="))
        .ok_or(MigrationError::MissingData)?;
    let bytes = decode_data(data)?;
    parse_payload(&bytes)
}

/// Percent-decoding without turning `+` into a space: exports in the wild leave the
/// base64 `+` unescaped, and one that became a space on the way is turned back.
fn decode_data(data: &str) -> Result<Vec<u8>, MigrationError> {
    let decoded: Vec<u8> = percent_encoding::percent_decode_str(data)
        .map(|byte| if byte == b' ' { b'+' } else { byte })
        .filter(|byte| !byte.is_ascii_whitespace())
        .collect();
    let unpadded: Vec<u8> = decoded.iter().copied().filter(|b| *b != b'=').collect();
    data_encoding::BASE64_NOPAD
        .decode(&unpadded)
        .map_err(|_| MigrationError::NotBase64)
}

fn parse_payload(bytes: &[u8]) -> Result<MigrationBatch, MigrationError> {
    let mut batch = MigrationBatch {
        version: None,
        batch_size: None,
        batch_index: None,
        batch_id: None,
        entries: Vec::new(),
    };
    for field in Fields::new(bytes) {
        match field? {
            (1, Value::Bytes(entry)) => batch.entries.push(parse_entry(entry)?),
            (2, Value::Varint(value)) => batch.version = u32::try_from(value).ok(),
            (3, Value::Varint(value)) => batch.batch_size = u32::try_from(value).ok(),
            (4, Value::Varint(value)) => batch.batch_index = u32::try_from(value).ok(),
            // int32 on the wire: negative ids are sign-extended to 64 bits.
            (5, Value::Varint(value)) => batch.batch_id = Some(value as i64 as i32),
            _ => {}
        }
    }
    Ok(batch)
}

fn parse_entry(bytes: &[u8]) -> Result<MigrationEntry, MigrationError> {
    let mut secret = Vec::new();
    let mut name = String::new();
    let mut issuer = String::new();
    let (mut algorithm, mut digits, mut otp_type, mut counter) = (0u64, 0u64, 0u64, 0u64);
    for field in Fields::new(bytes) {
        match field? {
            (1, Value::Bytes(value)) => secret = value.to_vec(),
            (2, Value::Bytes(value)) => name = utf8(value, "name")?,
            (3, Value::Bytes(value)) => issuer = utf8(value, "issuer")?,
            (4, Value::Varint(value)) => algorithm = value,
            (5, Value::Varint(value)) => digits = value,
            (6, Value::Varint(value)) => otp_type = value,
            (7, Value::Varint(value)) => counter = value,
            _ => {}
        }
    }
    let issuer = Some(issuer).filter(|issuer| !issuer.is_empty());
    let unsupported = |reason: String| MigrationEntry::Unsupported {
        name: name.clone(),
        issuer: issuer.clone(),
        reason,
    };
    let algorithm = match algorithm {
        0 | 1 => Algorithm::Sha1,
        2 => Algorithm::Sha256,
        3 => Algorithm::Sha512,
        4 => {
            return Ok(unsupported(
                "it uses MD5, which no standard OTP allows".into(),
            ));
        }
        other => return Ok(unsupported(format!("unknown algorithm number {other}"))),
    };
    let digits = match digits {
        0 | 1 => 6,
        2 => 8,
        other => return Ok(unsupported(format!("unknown digit count number {other}"))),
    };
    let kind = match otp_type {
        1 => OtpKind::Hotp { counter },
        0 | 2 => OtpKind::Totp { period: 30, t0: 0 },
        other => return Ok(unsupported(format!("unknown OTP type number {other}"))),
    };
    if secret.is_empty() {
        return Ok(unsupported("it has no secret".into()));
    }
    let params =
        OtpParams::new(algorithm, digits, kind).map_err(|error| MigrationError::Malformed {
            reason: error.to_string(),
        })?;
    Ok(MigrationEntry::Account(OtpAccount {
        issuer,
        name,
        secret: SecretBytes::new(secret),
        params,
        extra: Vec::new(),
    }))
}

fn utf8(bytes: &[u8], field: &str) -> Result<String, MigrationError> {
    String::from_utf8(bytes.to_vec()).map_err(|_| MigrationError::Malformed {
        reason: format!("an account's {field} is not UTF-8"),
    })
}

enum Value<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed,
}

/// The fields of one protobuf message, in order (wire types 0, 1, 2 and 5).
struct Fields<'a> {
    rest: &'a [u8],
}

impl<'a> Fields<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<(u64, Value<'a>), MigrationError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let malformed = |reason: &str| {
            Some(Err(MigrationError::Malformed {
                reason: reason.to_owned(),
            }))
        };
        let Some((key, rest)) = varint(self.rest) else {
            self.rest = &[];
            return malformed("a field key is cut off");
        };
        let (value, rest) = match key & 7 {
            0 => match varint(rest) {
                Some((value, rest)) => (Value::Varint(value), rest),
                None => {
                    self.rest = &[];
                    return malformed("a number is cut off");
                }
            },
            1 | 5 => {
                let width = if key & 7 == 1 { 8 } else { 4 };
                match rest.get(width..) {
                    Some(rest) => (Value::Fixed, rest),
                    None => {
                        self.rest = &[];
                        return malformed("a fixed-width field is cut off");
                    }
                }
            }
            2 => {
                let length = varint(rest).and_then(|(length, rest)| {
                    let length = usize::try_from(length).ok()?;
                    Some((rest.get(..length)?, rest.get(length..)?))
                });
                match length {
                    Some((value, rest)) => (Value::Bytes(value), rest),
                    None => {
                        self.rest = &[];
                        return malformed("a field is longer than the data");
                    }
                }
            }
            _ => {
                self.rest = &[];
                return malformed("unknown protobuf wire type");
            }
        };
        self.rest = rest;
        Some(Ok((key >> 3, value)))
    }
}

fn varint(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let mut value = 0u64;
    for (index, byte) in bytes.iter().enumerate().take(10) {
        value |= u64::from(byte & 0x7f) << (7 * index);
        if byte & 0x80 == 0 {
            return Some((value, &bytes[index + 1..]));
        }
    }
    None
}

#[cfg(test)]
mod tests;
