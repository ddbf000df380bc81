//! Aegis vault files, plain and encrypted (password slots: scrypt, then the
//! master key and the database sealed with AES-256-GCM), db versions 1-3.

use data_encoding::{BASE64, HEXLOWER_PERMISSIVE};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use serde_json::Value;

use super::limits::{KdfCost, check_kdf};
use super::{ExportContents, Fields, ImportError, ImportFormat, base32, malformed, push_fields};

const FORMAT: ImportFormat = ImportFormat::Aegis;

pub(super) fn read(
    text: &str,
    password: Option<&str>,
    contents: &mut ExportContents,
) -> Result<(), ImportError> {
    let file: Value = serde_json::from_str(text).map_err(|e| malformed(FORMAT, e.to_string()))?;
    let db = match &file["db"] {
        Value::Object(_) => file["db"].clone(),
        Value::String(sealed) => {
            let password = password.ok_or(ImportError::PasswordRequired {
                format: FORMAT.name(),
            })?;
            decrypt_db(&file["header"], sealed, password)?
        }
        _ => return Err(malformed(FORMAT, "no db")),
    };
    let entries = db["entries"]
        .as_array()
        .ok_or_else(|| malformed(FORMAT, "no entries"))?;
    for entry in entries {
        let name = entry["name"].as_str().unwrap_or("");
        let info = &entry["info"];
        let fields = base32(info["secret"].as_str().unwrap_or("")).map(|secret| Fields {
            issuer: entry["issuer"].as_str(),
            name,
            kind: entry["type"].as_str().unwrap_or(""),
            secret,
            algorithm: info["algo"].as_str(),
            digits: info["digits"].as_u64(),
            period: info["period"].as_u64(),
            counter: info["counter"].as_u64(),
        });
        push_fields(fields, name, contents);
    }
    Ok(())
}

fn hex(value: &Value, what: &str) -> Result<Vec<u8>, ImportError> {
    HEXLOWER_PERMISSIVE
        .decode(value.as_str().unwrap_or("").as_bytes())
        .map_err(|_| malformed(FORMAT, format!("{what} is not hex")))
}

fn open(key: &[u8], nonce: &[u8], sealed: &mut Vec<u8>, tag: &[u8]) -> Result<Vec<u8>, ()> {
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).map_err(|_| ())?);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| ())?;
    sealed.extend_from_slice(tag);
    let plain = key
        .open_in_place(nonce, Aad::empty(), sealed)
        .map_err(|_| ())?;
    Ok(plain.to_vec())
}

fn decrypt_db(header: &Value, sealed: &str, password: &str) -> Result<Value, ImportError> {
    let slots = header["slots"]
        .as_array()
        .ok_or_else(|| malformed(FORMAT, "no key slots"))?;
    let mut master = None;
    // Type 1 slots are password slots; others (biometric, raw) need the device.
    for slot in slots.iter().filter(|slot| slot["type"].as_u64() == Some(1)) {
        let n = slot["n"].as_u64().unwrap_or(0);
        let parameter = |name: &str, default: u64| {
            u32::try_from(slot[name].as_u64().unwrap_or(default))
                .map_err(|_| malformed(FORMAT, format!("scrypt {name} out of range")))
        };
        let (r, p) = (parameter("r", 8)?, parameter("p", 1)?);
        if !n.is_power_of_two() || n < 2 {
            return Err(malformed(FORMAT, "scrypt n is not a power of two"));
        }
        let log_n = n.trailing_zeros() as u8;
        check_kdf(FORMAT, KdfCost::Scrypt { log_n, r, p })?;
        let params = scrypt::Params::new(log_n, r, p, 32)
            .map_err(|_| malformed(FORMAT, "scrypt parameters out of range"))?;
        let mut derived = [0u8; 32];
        scrypt::scrypt(
            password.as_bytes(),
            &hex(&slot["salt"], "salt")?,
            &params,
            &mut derived,
        )
        .map_err(|_| malformed(FORMAT, "scrypt failed"))?;
        let mut key = hex(&slot["key"], "slot key")?;
        let params = &slot["key_params"];
        if let Ok(opened) = open(
            &derived,
            &hex(&params["nonce"], "nonce")?,
            &mut key,
            &hex(&params["tag"], "tag")?,
        ) {
            master = Some(opened);
            break;
        }
    }
    let master = master.ok_or(ImportError::WrongPassword)?;
    let mut body = BASE64
        .decode(sealed.as_bytes())
        .map_err(|_| malformed(FORMAT, "db is not base64"))?;
    let params = &header["params"];
    let plain = open(
        &master,
        &hex(&params["nonce"], "nonce")?,
        &mut body,
        &hex(&params["tag"], "tag")?,
    )
    .map_err(|_| malformed(FORMAT, "the database does not open with its master key"))?;
    serde_json::from_slice(&plain).map_err(|e| malformed(FORMAT, e.to_string()))
}
