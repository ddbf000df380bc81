//! Moving out: the whole vault as an encrypted Countersign backup, as an
//! encrypted Aegis vault (to leave for Aegis), as a plain otpauth list (only when
//! asked for by name), or as Google Authenticator export codes. Each export says
//! what it left out and why (push accounts belong to this device; accounts a
//! format cannot express).

use data_encoding::{BASE64, HEXLOWER};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::{Value, json};

use super::{ImportError, Skipped};
use crate::account::OtpAccount;
use crate::otp::{Algorithm, OtpKind};
use crate::uri::build_otpauth;

pub const BACKUP_FORMAT: &str = "countersign-backup";
const BACKUP_AAD: &[u8] = b"countersign-backup v1";
/// scrypt log_n a backup may name: ours write 15; 20 leaves room for a future
/// stronger setting (the shared memory budget is the tighter cap at r = 8).
const MAX_LOG_N: u64 = 20;
/// scrypt N = 2^15, r 8, p 1: about 0.1 s and 32 MiB on a phone.
const SCRYPT_LOG_N: u8 = 15;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    #[error("an encrypted export needs a password")]
    PasswordRequired,
    #[error("the system's random number generator failed")]
    Random,
    #[error("could not encrypt: {0}")]
    Crypto(String),
}

/// An export's bytes (one file, or one per QR code) and what was left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    pub files: Vec<ExportFile>,
    pub left_out: Vec<Skipped>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFile {
    /// A suggested file name ("countersign-backup.json", "google-1-of-2.png" …).
    pub name: String,
    pub bytes: Vec<u8>,
}

fn random(len: usize) -> Result<Vec<u8>, ExportError> {
    let mut bytes = vec![0u8; len];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| ExportError::Random)?;
    Ok(bytes)
}

fn seal(key: &[u8], aad: &[u8], plain: &[u8]) -> Result<(Vec<u8>, Vec<u8>), ExportError> {
    let nonce = random(NONCE_LEN)?;
    let key = LessSafeKey::new(
        UnboundKey::new(&AES_256_GCM, key).map_err(|e| ExportError::Crypto(e.to_string()))?,
    );
    let mut buffer = plain.to_vec();
    let nonce_value =
        Nonce::try_assume_unique_for_key(&nonce).map_err(|e| ExportError::Crypto(e.to_string()))?;
    key.seal_in_place_append_tag(nonce_value, Aad::from(aad), &mut buffer)
        .map_err(|e| ExportError::Crypto(e.to_string()))?;
    Ok((nonce, buffer))
}

fn scrypt_key(password: &str, salt: &[u8], log_n: u8) -> Result<[u8; 32], String> {
    let params = scrypt::Params::new(log_n, 8, 1, 32).map_err(|e| e.to_string())?;
    let mut key = [0u8; 32];
    scrypt::scrypt(password.as_bytes(), salt, &params, &mut key).map_err(|e| e.to_string())?;
    Ok(key)
}

/// One account as the backup stores it: every field the vault keeps.
fn account_json(account: &OtpAccount) -> Value {
    let params = account.params;
    let (kind, period, t0, counter) = match params.kind() {
        OtpKind::Totp { period, t0 } => ("totp", Some(period), Some(t0), None),
        OtpKind::Hotp { counter } => ("hotp", None, None, Some(counter)),
        OtpKind::Steam { period } => ("steam", Some(period), None, None),
    };
    json!({
        "issuer": account.issuer, "name": account.name, "secret": account.secret.to_base32(),
        "type": kind, "algorithm": params.algorithm().as_str(), "digits": params.digits(),
        "period": period, "t0": t0, "counter": counter, "extra": account.extra,
    })
}

/// The Countersign backup: scrypt (parameters in the file) + AES-256-GCM over
/// the accounts as JSON. `import` reads it back exactly.
pub fn countersign_backup(
    accounts: &[OtpAccount],
    password: &str,
) -> Result<ExportFile, ExportError> {
    if password.is_empty() {
        return Err(ExportError::PasswordRequired);
    }
    let salt = random(32)?;
    let key = scrypt_key(password, &salt, SCRYPT_LOG_N).map_err(ExportError::Crypto)?;
    let plain =
        json!({ "accounts": accounts.iter().map(account_json).collect::<Vec<_>>() }).to_string();
    let (nonce, sealed) = seal(&key, BACKUP_AAD, plain.as_bytes())?;
    let file = json!({
        "format": BACKUP_FORMAT,
        "version": 1,
        "kdf": { "name": "scrypt", "log_n": SCRYPT_LOG_N, "r": 8, "p": 1, "salt": BASE64.encode(&salt) },
        "cipher": "AES-256-GCM",
        "nonce": BASE64.encode(&nonce),
        "ciphertext": BASE64.encode(&sealed),
    });
    Ok(ExportFile {
        name: "countersign-backup.json".into(),
        bytes: serde_json::to_vec_pretty(&file).unwrap_or_default(),
    })
}

/// Reads a Countersign backup back into account JSON values.
pub(super) fn open_countersign_backup(
    file: &Value,
    password: &str,
) -> Result<Vec<Value>, ImportError> {
    use super::{ImportFormat, malformed};
    let format = ImportFormat::CountersignBackup;
    let kdf = &file["kdf"];
    if kdf["name"] != "scrypt" || kdf["r"] != 8 || kdf["p"] != 1 {
        return Err(malformed(format, "unknown key derivation"));
    }
    let log_n = kdf["log_n"]
        .as_u64()
        .ok_or_else(|| malformed(format, "no log_n"))?;
    if log_n < 10 {
        return Err(malformed(
            format,
            "log_n below 10: not a Countersign backup",
        ));
    }
    super::limits::within(format, "scrypt log_n", log_n, MAX_LOG_N)?;
    let log_n = log_n as u8;
    super::limits::check_kdf(format, super::limits::KdfCost::Scrypt { log_n, r: 8, p: 1 })?;
    let decode = |value: &Value| {
        BASE64
            .decode(value.as_str().unwrap_or("").as_bytes())
            .map_err(|_| malformed(format, "not base64"))
    };
    let key =
        scrypt_key(password, &decode(&kdf["salt"])?, log_n).map_err(|e| malformed(format, e))?;
    let nonce = decode(&file["nonce"])?;
    let mut sealed = decode(&file["ciphertext"])?;
    let key = LessSafeKey::new(
        UnboundKey::new(&AES_256_GCM, &key).map_err(|e| malformed(format, e.to_string()))?,
    );
    let nonce =
        Nonce::try_assume_unique_for_key(&nonce).map_err(|_| malformed(format, "bad nonce"))?;
    let plain = key
        .open_in_place(nonce, Aad::from(BACKUP_AAD), &mut sealed)
        .map_err(|_| ImportError::WrongPassword)?;
    let body: Value =
        serde_json::from_slice(plain).map_err(|e| malformed(format, e.to_string()))?;
    body["accounts"]
        .as_array()
        .cloned()
        .ok_or_else(|| malformed(format, "no accounts"))
}

/// The accounts of an opened backup, exactly as they were stored.
pub(super) fn backup_accounts(values: &[Value], contents: &mut super::ExportContents) {
    use crate::otp::OtpParams;
    use crate::secret::SecretBytes;
    for value in values {
        let name = value["name"].as_str().unwrap_or("").to_owned();
        let account = (|| -> Result<OtpAccount, String> {
            let algorithm: Algorithm = value["algorithm"]
                .as_str()
                .unwrap_or("SHA1")
                .parse()
                .map_err(|_| "unknown algorithm".to_owned())?;
            let period = u32::try_from(value["period"].as_u64().unwrap_or(30))
                .map_err(|_| "bad period".to_owned())?;
            let kind = match value["type"].as_str() {
                Some("totp") => OtpKind::Totp {
                    period,
                    t0: value["t0"].as_i64().unwrap_or(0),
                },
                Some("hotp") => OtpKind::Hotp {
                    counter: value["counter"].as_u64().unwrap_or(0),
                },
                Some("steam") => OtpKind::Steam { period },
                other => return Err(format!("unknown type {other:?}")),
            };
            let digits = u8::try_from(value["digits"].as_u64().unwrap_or(6))
                .map_err(|_| "bad digits".to_owned())?;
            let params = OtpParams::new(algorithm, digits, kind).map_err(|e| e.to_string())?;
            let secret = SecretBytes::from_base32(value["secret"].as_str().unwrap_or(""))
                .map_err(|e| e.to_string())?;
            let extra = serde_json::from_value(value["extra"].clone()).unwrap_or_default();
            Ok(OtpAccount {
                issuer: value["issuer"].as_str().map(str::to_owned),
                name: name.clone(),
                secret,
                params,
                extra,
            })
        })();
        match account {
            Ok(account) => contents.accounts.push(account),
            Err(reason) => contents.skipped.push(Skipped { name, reason }),
        }
    }
}

/// An encrypted Aegis vault (db version 2, one password slot) that Aegis imports.
pub fn aegis_encrypted(accounts: &[OtpAccount], password: &str) -> Result<ExportFile, ExportError> {
    if password.is_empty() {
        return Err(ExportError::PasswordRequired);
    }
    let entries: Vec<Value> = accounts
        .iter()
        .map(|account| {
            let params = account.params;
            let mut info = json!({ "secret": account.secret.to_base32(), "algo": params.algorithm().as_str(), "digits": params.digits() });
            let kind = match params.kind() {
                OtpKind::Totp { period, .. } => {
                    info["period"] = json!(period);
                    "totp"
                }
                OtpKind::Hotp { counter } => {
                    info["counter"] = json!(counter);
                    "hotp"
                }
                OtpKind::Steam { period } => {
                    info["period"] = json!(period);
                    "steam"
                }
            };
            let uuid = random(16).map(|b| HEXLOWER.encode(&b)).unwrap_or_default();
            let uuid = format!("{}-{}-4{}-8{}-{}", &uuid[0..8], &uuid[8..12], &uuid[13..16], &uuid[17..20], &uuid[20..32]);
            json!({ "type": kind, "uuid": uuid, "name": account.name, "issuer": account.issuer.clone().unwrap_or_default(),
                    "note": "", "favorite": false, "icon": null, "info": info, "groups": [] })
        })
        .collect();
    let db = json!({ "version": 3, "entries": entries, "groups": [] }).to_string();
    let master = random(32)?;
    let (db_nonce, mut db_sealed) = seal(&master, b"", db.as_bytes())?;
    let db_tag = db_sealed.split_off(db_sealed.len() - 16);
    let salt = random(32)?;
    let derived = scrypt_key(password, &salt, SCRYPT_LOG_N).map_err(ExportError::Crypto)?;
    let (key_nonce, mut key_sealed) = seal(&derived, b"", &master)?;
    let key_tag = key_sealed.split_off(key_sealed.len() - 16);
    let uuid = random(16).map(|b| HEXLOWER.encode(&b))?;
    let vault = json!({
        "version": 1,
        "header": {
            "slots": [{
                "type": 1, "uuid": uuid, "key": HEXLOWER.encode(&key_sealed),
                "key_params": { "nonce": HEXLOWER.encode(&key_nonce), "tag": HEXLOWER.encode(&key_tag) },
                "n": 1u32 << SCRYPT_LOG_N, "r": 8, "p": 1, "salt": HEXLOWER.encode(&salt), "repaired": true, "is_backup": false
            }],
            "params": { "nonce": HEXLOWER.encode(&db_nonce), "tag": HEXLOWER.encode(&db_tag) }
        },
        "db": BASE64.encode(&db_sealed),
    });
    Ok(ExportFile {
        name: "aegis-export.json".into(),
        bytes: serde_json::to_vec_pretty(&vault).unwrap_or_default(),
    })
}

/// Every account as an otpauth:// URI, one per line, in the clear.
pub fn otpauth_list(accounts: &[OtpAccount]) -> ExportFile {
    let mut text = String::new();
    for account in accounts {
        text.push_str(&build_otpauth(account));
        text.push('\n');
    }
    ExportFile {
        name: "otpauth-accounts.txt".into(),
        bytes: text.into_bytes(),
    }
}

/// Google Authenticator export codes: batches of 10 accounts, each as its
/// `otpauth-migration://` URI and as a QR code (PNG and SVG). Accounts that
/// Google Authenticator cannot express are left out with the reason.
pub fn google_migration(accounts: &[OtpAccount]) -> Result<Export, ExportError> {
    let mut left_out = Vec::new();
    let mut expressible = Vec::new();
    for account in accounts {
        match migration_entry(account) {
            Ok(entry) => expressible.push(entry),
            Err(reason) => left_out.push(Skipped {
                name: account.display_name(),
                reason,
            }),
        }
    }
    let batches: Vec<&[Vec<u8>]> = expressible.chunks(10).collect();
    let batch_id =
        random(4).map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]).unsigned_abs() as u64)?;
    let mut files = Vec::new();
    for (index, batch) in batches.iter().enumerate() {
        let mut payload = Vec::new();
        for entry in *batch {
            field_bytes(&mut payload, 1, entry);
        }
        field_varint(&mut payload, 2, 1);
        field_varint(&mut payload, 3, batches.len() as u64);
        field_varint(&mut payload, 4, index as u64);
        field_varint(&mut payload, 5, batch_id);
        let data: String = percent_encoding::utf8_percent_encode(
            &BASE64.encode(&payload),
            percent_encoding::NON_ALPHANUMERIC,
        )
        .to_string();
        let uri = format!("otpauth-migration://offline?data={data}");
        let stem = format!("google-{}-of-{}", index + 1, batches.len());
        let code = qrcode::QrCode::with_error_correction_level(uri.as_bytes(), qrcode::EcLevel::M)
            .map_err(|e| ExportError::Crypto(e.to_string()))?;
        files.push(ExportFile {
            name: format!("{stem}.txt"),
            bytes: format!("{uri}\n").into_bytes(),
        });
        files.push(ExportFile {
            name: format!("{stem}.png"),
            bytes: qr_png(&code)?,
        });
        let svg = code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(400, 400)
            .build();
        files.push(ExportFile {
            name: format!("{stem}.svg"),
            bytes: svg.into_bytes(),
        });
    }
    Ok(Export { files, left_out })
}

/// A QR code as a PNG: 8 px a module, a 4-module quiet zone.
fn qr_png(code: &qrcode::QrCode) -> Result<Vec<u8>, ExportError> {
    const SCALE: u32 = 8;
    const QUIET: u32 = 4;
    let width = code.width() as u32;
    let side = (width + 2 * QUIET) * SCALE;
    let colors = code.to_colors();
    let image = image::GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = (
            (x / SCALE).wrapping_sub(QUIET),
            (y / SCALE).wrapping_sub(QUIET),
        );
        let dark =
            mx < width && my < width && colors[(my * width + mx) as usize] == qrcode::Color::Dark;
        image::Luma([if dark { 0 } else { 255 }])
    });
    let mut bytes = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut bytes, image::ImageFormat::Png)
        .map_err(|e| ExportError::Crypto(e.to_string()))?;
    Ok(bytes.into_inner())
}

/// One OtpParameters message, or why Google Authenticator cannot hold the account.
fn migration_entry(account: &OtpAccount) -> Result<Vec<u8>, String> {
    let params = account.params;
    let (otp_type, counter) = match params.kind() {
        OtpKind::Totp { period: 30, t0: 0 } => (2, None),
        OtpKind::Totp { .. } => {
            return Err("Google Authenticator only knows 30-second codes from time 0".into());
        }
        OtpKind::Hotp { counter } => (1, Some(counter)),
        OtpKind::Steam { .. } => return Err("Google Authenticator cannot make Steam codes".into()),
    };
    let digits = match params.digits() {
        6 => 1,
        8 => 2,
        other => {
            return Err(format!(
                "Google Authenticator cannot make {other}-digit codes"
            ));
        }
    };
    let algorithm = match params.algorithm() {
        Algorithm::Sha1 => 1,
        Algorithm::Sha256 => 2,
        Algorithm::Sha512 => 3,
    };
    // The name alone: Google Authenticator shows the issuer beside it.
    let mut entry = Vec::new();
    field_bytes(&mut entry, 1, account.secret.expose_secret());
    field_bytes(&mut entry, 2, account.name.as_bytes());
    if let Some(issuer) = &account.issuer {
        field_bytes(&mut entry, 3, issuer.as_bytes());
    }
    field_varint(&mut entry, 4, algorithm);
    field_varint(&mut entry, 5, digits);
    field_varint(&mut entry, 6, otp_type);
    if let Some(counter) = counter {
        field_varint(&mut entry, 7, counter);
    }
    Ok(entry)
}

fn varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn field_varint(out: &mut Vec<u8>, number: u64, value: u64) {
    varint(out, number << 3);
    varint(out, value);
}

fn field_bytes(out: &mut Vec<u8>, number: u64, value: &[u8]) {
    varint(out, (number << 3) | 2);
    varint(out, value.len() as u64);
    out.extend_from_slice(value);
}
