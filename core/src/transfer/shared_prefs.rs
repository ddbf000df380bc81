//! Android `shared_prefs` XML files (`<map><string name="…">…</string>…</map>`),
//! as apps leave them on a rooted phone, and the apps that keep accounts there:
//! Authy, TOTP Authenticator, FreeOTP and FreeOTP+.

use std::num::NonZeroU32;

use aes::cipher::{BlockDecryptMut, KeyIvInit, block_padding::Pkcs7};
use data_encoding::{BASE64, HEXUPPER_PERMISSIVE};
use ring::digest::{SHA256, digest};
use ring::pbkdf2;
use serde_json::Value;

use super::{ExportContents, Fields, ImportError, ImportFormat, base32, malformed, push_fields};
use crate::secret::SecretBytes;

const AUTHY_KEY: &str = "com.authy.storage.tokens.authenticator.key";
const BATTLE_NET_SECRET: &str = "com.blizzard.messenger.AUTHENTICATOR_DEVICE_SECRET";
const BATTLE_NET_SERIAL: &str = "com.blizzard.messenger.AUTHENTICATOR_SERIAL";
/// The fixed XOR mask the Battle.net Android app stores its secret and serial
/// under (published by the open-source authenticators that read its files).
const BATTLE_NET_MASK: &str = "398e27fc50276a656065b0e525f4c06c04c61075286b8e7aeda59da9813b5dd6c80d2fb38068773fa59ba47c17ca6c6479015c1d5b8b8f6b9a";
const TOTP_AUTHENTICATOR_KEY: &str = "STATIC_TOTP_CODES_LIST";

/// The `<string>` entries, names and values unescaped.
pub(super) fn strings(text: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("<string name=\"") {
        rest = &rest[start + 14..];
        let Some(name_end) = rest.find('"') else {
            break;
        };
        let name = unescape(&rest[..name_end]);
        let Some(open_end) = rest.find('>') else {
            break;
        };
        let Some(close) = rest.find("</string>") else {
            break;
        };
        if open_end < close {
            found.push((name, unescape(&rest[open_end + 1..close])));
        }
        rest = &rest[close..];
    }
    found
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let Some(end) = rest.find(';') else { break };
        let entity = &rest[1..end];
        let decoded = match entity {
            "quot" => Some('"'),
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|dec| dec.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

pub(super) fn detect(text: &str) -> Option<ImportFormat> {
    if !text.trim_start().starts_with("<?xml") || !text.contains("<map") {
        return None;
    }
    let strings = strings(text);
    let named = |key: &str| strings.iter().any(|(name, _)| name == key);
    if named(BATTLE_NET_SECRET) {
        Some(ImportFormat::BattleNet)
    } else if named(AUTHY_KEY) {
        Some(ImportFormat::Authy)
    } else if named(TOTP_AUTHENTICATOR_KEY) {
        Some(ImportFormat::TotpAuthenticator)
    } else if strings
        .iter()
        .any(|(_, value)| value.contains("\"secret\":["))
    {
        Some(ImportFormat::FreeOtpXml)
    } else {
        None
    }
}

fn json_of(format: ImportFormat, text: &str, key: &str) -> Result<Value, ImportError> {
    let value = strings(text)
        .into_iter()
        .find(|(name, _)| name == key)
        .map(|(_, value)| value)
        .ok_or_else(|| malformed(format, format!("no {key}")))?;
    serde_json::from_str(&value).map_err(|e| malformed(format, e.to_string()))
}

fn aes_cbc(key: &[u8], ciphertext: &[u8]) -> Option<Vec<u8>> {
    let mut buffer = ciphertext.to_vec();
    let decryptor = cbc::Decryptor::<aes::Aes256>::new_from_slices(key, &[0u8; 16]).ok()?;
    let plain = decryptor.decrypt_padded_mut::<Pkcs7>(&mut buffer).ok()?;
    Some(plain.to_vec())
}

/// Authy: SHA-1, period 30; issuer from `originalIssuer`; the name without its
/// "Issuer: " prefix. Encrypted secrets: PBKDF2-HMAC-SHA1 (1000 rounds, the
/// entry's salt) and AES-256-CBC with a zero IV, giving base32 text.
pub(super) fn authy(
    text: &str,
    password: Option<&str>,
    contents: &mut ExportContents,
) -> Result<(), ImportError> {
    let format = ImportFormat::Authy;
    let tokens = json_of(format, text, AUTHY_KEY)?;
    for token in tokens
        .as_array()
        .ok_or_else(|| malformed(format, "no token list"))?
    {
        let issuer = token["originalIssuer"].as_str().filter(|i| !i.is_empty());
        let full = token["name"].as_str().unwrap_or("");
        let name = issuer
            .and_then(|issuer| full.strip_prefix(&format!("{issuer}: ")))
            .unwrap_or(full);
        let secret = match (
            token["decryptedSecret"].as_str(),
            token["encryptedSecret"].as_str(),
        ) {
            (Some(secret), _) => base32(secret),
            (None, Some(sealed)) => {
                let password = password.ok_or(ImportError::PasswordRequired {
                    format: format.name(),
                })?;
                let salt = token["salt"].as_str().unwrap_or("");
                let mut key = [0u8; 32];
                let rounds = NonZeroU32::new(1000).ok_or_else(|| malformed(format, "rounds"))?;
                pbkdf2::derive(
                    pbkdf2::PBKDF2_HMAC_SHA1,
                    rounds,
                    salt.as_bytes(),
                    password.as_bytes(),
                    &mut key,
                );
                let ciphertext = BASE64
                    .decode(sealed.as_bytes())
                    .map_err(|_| malformed(format, "secret not base64"))?;
                let plain = aes_cbc(&key, &ciphertext).ok_or(ImportError::WrongPassword)?;
                let text = String::from_utf8(plain).map_err(|_| ImportError::WrongPassword)?;
                Ok(base32(&text).map_err(|_| ImportError::WrongPassword)?)
            }
            (None, None) => Err("it has no secret".into()),
        };
        let fields = secret.map(|secret| Fields {
            issuer,
            name,
            kind: "totp",
            secret,
            algorithm: None,
            digits: token["digits"].as_u64(),
            period: None,
            counter: None,
        });
        push_fields(fields, name, contents);
    }
    Ok(())
}

/// TOTP Authenticator: SHA-1/30, digits and period as strings, the secret in
/// `key` in the given `base` (16: hex).
fn totp_authenticator_entries(entries: &[Value], contents: &mut ExportContents) {
    for entry in entries {
        let name = entry["name"].as_str().unwrap_or("");
        let key = entry["key"].as_str().unwrap_or("");
        let secret = match entry["base"].as_u64() {
            Some(16) => HEXUPPER_PERMISSIVE
                .decode(key.to_ascii_uppercase().as_bytes())
                .map(SecretBytes::new)
                .map_err(|_| "its key is not hex".to_owned()),
            _ => base32(key),
        };
        let fields = secret.map(|secret| Fields {
            issuer: entry["issuer"].as_str(),
            name,
            kind: "totp",
            secret,
            algorithm: None,
            digits: None,
            period: None,
            counter: None,
        });
        push_fields(fields, name, contents);
    }
}

pub(super) fn totp_authenticator_internal(
    text: &str,
    contents: &mut ExportContents,
) -> Result<(), ImportError> {
    let format = ImportFormat::TotpAuthenticator;
    let entries = json_of(format, text, TOTP_AUTHENTICATOR_KEY)?;
    totp_authenticator_entries(
        entries
            .as_array()
            .ok_or_else(|| malformed(format, "no list"))?,
        contents,
    );
    Ok(())
}

/// The backup file: base64 of AES-256-CBC (key SHA-256(password), zero IV) of a
/// JSON object whose first key is the entry list, as a string.
pub(super) fn totp_authenticator_backup(
    text: &str,
    password: Option<&str>,
    contents: &mut ExportContents,
) -> Result<(), ImportError> {
    let format = ImportFormat::TotpAuthenticatorBackup;
    let password = password.ok_or(ImportError::PasswordRequired {
        format: format.name(),
    })?;
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let ciphertext = BASE64
        .decode(compact.as_bytes())
        .map_err(|_| malformed(format, "not base64"))?;
    let key = digest(&SHA256, password.as_bytes());
    let plain = aes_cbc(key.as_ref(), &ciphertext).ok_or(ImportError::WrongPassword)?;
    let object: serde_json::Map<String, Value> =
        serde_json::from_slice(&plain).map_err(|_| ImportError::WrongPassword)?;
    let (list, _) = object
        .into_iter()
        .next()
        .ok_or_else(|| malformed(format, "empty backup"))?;
    let entries: Value =
        serde_json::from_str(&list).map_err(|e| malformed(format, e.to_string()))?;
    totp_authenticator_entries(
        entries
            .as_array()
            .ok_or_else(|| malformed(format, "no list"))?,
        contents,
    );
    Ok(())
}

/// FreeOTP (v1) and FreeOTP+ keep one JSON token per `<string>`, named
/// "issuer:label", beside a `tokenOrder` list.
pub(super) fn free_otp(text: &str, contents: &mut ExportContents) -> Result<(), ImportError> {
    let tokens: Vec<Value> = strings(text)
        .into_iter()
        .filter(|(name, _)| name != "tokenOrder")
        .filter_map(|(_, value)| serde_json::from_str::<Value>(&value).ok())
        .filter(|token| token.get("secret").is_some())
        .collect();
    super::apps::free_otp_tokens(&tokens, contents);
    Ok(())
}

fn unmask(format: ImportFormat, hex: &str) -> Result<Vec<u8>, ImportError> {
    let masked = HEXUPPER_PERMISSIVE
        .decode(hex.trim().to_ascii_uppercase().as_bytes())
        .map_err(|_| malformed(format, "not hex"))?;
    let mask = HEXUPPER_PERMISSIVE
        .decode(BATTLE_NET_MASK.to_ascii_uppercase().as_bytes())
        .map_err(|_| malformed(format, "mask"))?;
    if masked.len() > mask.len() {
        return Err(malformed(format, "longer than the mask"));
    }
    Ok(masked.iter().zip(mask).map(|(a, b)| a ^ b).collect())
}

/// Battle.net: one authenticator, 8 digits, 30 s, named by its serial.
pub(super) fn battle_net(text: &str, contents: &mut ExportContents) -> Result<(), ImportError> {
    let format = ImportFormat::BattleNet;
    let strings = strings(text);
    let value = |key: &str| {
        strings
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.clone())
            .ok_or_else(|| malformed(format, format!("no {key}")))
    };
    let secret_hex = String::from_utf8(unmask(format, &value(BATTLE_NET_SECRET)?)?)
        .map_err(|_| malformed(format, "the unmasked secret is not text"))?;
    let serial = String::from_utf8(unmask(format, &value(BATTLE_NET_SERIAL)?)?)
        .map_err(|_| malformed(format, "the unmasked serial is not text"))?;
    let secret = HEXUPPER_PERMISSIVE
        .decode(secret_hex.to_ascii_uppercase().as_bytes())
        .map(SecretBytes::new)
        .map_err(|_| "its secret is not hex".to_owned());
    let fields = secret.map(|secret| Fields {
        issuer: Some("Battle.net"),
        name: &serial,
        kind: "totp",
        secret,
        algorithm: None,
        digits: Some(8),
        period: None,
        counter: None,
    });
    push_fields(fields, &serial, contents);
    Ok(())
}
