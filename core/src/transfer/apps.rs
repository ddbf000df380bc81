//! The other apps' export files: each a small mapping from its JSON (or CSV)
//! fields onto `Fields`, following the app's own field names.

use data_encoding::BASE64;
use serde_json::Value;

use super::{
    ExportContents, Fields, ImportError, ImportFormat, add_uri, base32, malformed, push_fields,
};
use crate::secret::SecretBytes;

pub(super) fn detect_json(json: &Value) -> Option<ImportFormat> {
    let has = |key: &str| json.get(key).is_some();
    if json["format"] == super::export::BACKUP_FORMAT {
        Some(ImportFormat::CountersignBackup)
    } else if has("db") && has("header") {
        Some(ImportFormat::Aegis)
    } else if has("services") || has("servicesEncrypted") {
        Some(ImportFormat::TwoFas)
    } else if has("items") && has("encrypted") {
        Some(ImportFormat::BitwardenJson)
    } else if has("tokens") && has("tokenOrder") {
        Some(ImportFormat::FreeOtpPlus)
    } else if json
        .get("entries")
        .and_then(|e| e.get(0))
        .and_then(|e| e.get("content"))
        .is_some()
    {
        Some(ImportFormat::Proton)
    } else if has("Authenticators") {
        Some(ImportFormat::Stratum)
    } else if has("shared_secret") || json.get("accounts").is_some_and(|a| a.is_object()) {
        Some(ImportFormat::Steam)
    } else if json
        .as_array()
        .and_then(|a| a.first())
        .is_some_and(|e| e.get("secret").is_some() && e.get("label").is_some())
    {
        Some(ImportFormat::AndOtp)
    } else if json
        .as_array()
        .and_then(|a| a.first())
        .is_some_and(|e| e.get("otpGenerator").is_some())
    {
        Some(ImportFormat::Duo)
    } else {
        None
    }
}

pub(super) fn read_json(
    format: ImportFormat,
    text: &str,
    password: Option<&str>,
    contents: &mut ExportContents,
) -> Result<(), ImportError> {
    let json: Value = serde_json::from_str(text).map_err(|e| malformed(format, e.to_string()))?;
    match format {
        ImportFormat::TwoFas => two_fas(&json, password, contents),
        ImportFormat::AndOtp => and_otp(&json, false, contents),
        ImportFormat::Duo => duo(&json, contents),
        ImportFormat::BitwardenJson => bitwarden_json(&json, contents),
        ImportFormat::FreeOtpPlus => free_otp_plus(&json, contents),
        ImportFormat::Proton => proton(&json, contents),
        ImportFormat::Stratum => stratum(&json, contents),
        ImportFormat::Steam => steam(&json, contents),
        _ => Err(ImportError::UnknownFormat),
    }
}

fn list<'a>(
    format: ImportFormat,
    value: &'a Value,
    what: &str,
) -> Result<&'a Vec<Value>, ImportError> {
    value
        .as_array()
        .ok_or_else(|| malformed(format, format!("no {what} list")))
}

/// 2FAS schemas 1-4, plain or encrypted. Schema 1 has no parameters (TOTP
/// SHA-1/6/30), schema 2 no token type (TOTP), schemas 3-4 everything.
fn two_fas(
    json: &Value,
    password: Option<&str>,
    contents: &mut ExportContents,
) -> Result<(), ImportError> {
    let format = ImportFormat::TwoFas;
    let decrypted;
    let sealed = json
        .get("servicesEncrypted")
        .and_then(Value::as_str)
        .filter(|sealed| !sealed.is_empty());
    let services = match sealed {
        Some(sealed) => {
            let password = password.ok_or(ImportError::PasswordRequired {
                format: format.name(),
            })?;
            let plain = super::encrypted::two_fas(sealed, password)?;
            decrypted = serde_json::from_slice::<Value>(&plain)
                .map_err(|e| malformed(format, e.to_string()))?;
            &decrypted
        }
        None => &json["services"],
    };
    for service in list(format, services, "services")? {
        let otp = &service["otp"];
        let issuer = otp["issuer"]
            .as_str()
            .filter(|i| !i.is_empty())
            .or(service["name"].as_str());
        let name = otp["account"].as_str().unwrap_or("");
        let kind = otp["tokenType"].as_str().unwrap_or("TOTP");
        let fields = base32(service["secret"].as_str().unwrap_or("")).map(|secret| Fields {
            issuer,
            name,
            kind,
            secret,
            algorithm: otp["algorithm"].as_str(),
            digits: otp["digits"].as_u64(),
            period: otp["period"].as_u64(),
            counter: otp["counter"].as_u64(),
        });
        push_fields(fields, name, contents);
    }
    Ok(())
}

/// andOTP JSON; `old_labels`: the old encrypted format had no issuer and wrote
/// labels as "Issuer - Issuer:Name".
pub(super) fn and_otp(
    json: &Value,
    old_labels: bool,
    contents: &mut ExportContents,
) -> Result<(), ImportError> {
    for entry in list(ImportFormat::AndOtp, json, "entries")? {
        let label = entry["label"].as_str().unwrap_or("");
        let (issuer, name) = match (entry["issuer"].as_str(), label.split_once(" - ")) {
            (None, Some((issuer, name))) if old_labels => (Some(issuer), name),
            (issuer, _) => (issuer, label),
        };
        let fields = base32(entry["secret"].as_str().unwrap_or("")).map(|secret| Fields {
            issuer,
            name,
            kind: entry["type"].as_str().unwrap_or("TOTP"),
            secret,
            algorithm: entry["algorithm"].as_str(),
            digits: entry["digits"].as_u64(),
            period: entry["period"].as_u64(),
            counter: entry["counter"].as_u64(),
        });
        push_fields(fields, name, contents);
    }
    Ok(())
}

/// Bitwarden keeps an otpauth URI (or `steam://SECRET`) in `login.totp`.
fn bitwarden_entry(totp: &str, item_name: &str, contents: &mut ExportContents) {
    if let Some(secret) = totp.strip_prefix("steam://") {
        let fields = base32(secret).map(|secret| Fields {
            issuer: Some("Steam"),
            name: item_name,
            kind: "steam",
            secret,
            algorithm: None,
            digits: None,
            period: None,
            counter: None,
        });
        push_fields(fields, item_name, contents);
    } else {
        add_uri(totp, item_name, contents);
    }
}

fn bitwarden_json(json: &Value, contents: &mut ExportContents) -> Result<(), ImportError> {
    if json["encrypted"].as_bool() == Some(true) {
        return Err(ImportError::Unsupported {
            format: ImportFormat::BitwardenJson.name(),
            what: "encrypted Bitwarden exports (export as unencrypted JSON)".into(),
        });
    }
    for item in list(ImportFormat::BitwardenJson, &json["items"], "items")? {
        if let Some(totp) = item["login"]["totp"].as_str().filter(|t| !t.is_empty()) {
            bitwarden_entry(totp, item["name"].as_str().unwrap_or(""), contents);
        }
    }
    Ok(())
}

pub(super) fn bitwarden_csv(
    bytes: &[u8],
    contents: &mut ExportContents,
) -> Result<(), ImportError> {
    let format = ImportFormat::BitwardenCsv;
    let mut reader = csv::Reader::from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| malformed(format, e.to_string()))?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let totp = column("login_totp").ok_or_else(|| malformed(format, "no login_totp column"))?;
    let name = column("name");
    for record in reader.records() {
        let record = record.map_err(|e| malformed(format, e.to_string()))?;
        if let Some(value) = record.get(totp).filter(|v| !v.is_empty()) {
            bitwarden_entry(
                value,
                name.and_then(|n| record.get(n)).unwrap_or(""),
                contents,
            );
        }
    }
    Ok(())
}

/// FreeOTP+ stores the secret as a signed byte array.
fn free_otp_plus(json: &Value, contents: &mut ExportContents) -> Result<(), ImportError> {
    free_otp_tokens(
        list(ImportFormat::FreeOtpPlus, &json["tokens"], "tokens")?,
        contents,
    );
    Ok(())
}

/// FreeOTP's token JSON, shared by FreeOTP+ exports and both apps' internal XML
/// (the secret a signed byte array).
pub(super) fn free_otp_tokens(tokens: &[Value], contents: &mut ExportContents) {
    for token in tokens {
        let secret: Option<Vec<u8>> = token["secret"].as_array().map(|bytes| {
            bytes
                .iter()
                .filter_map(|b| b.as_i64())
                .map(|b| b as u8)
                .collect()
        });
        let secret = secret
            .map(SecretBytes::new)
            .ok_or_else(|| "it has no secret".to_owned());
        push_free_otp_token(token, secret, contents);
    }
}

/// One FreeOTP token (v1, FreeOTP+ or v2) with its secret, however it was stored.
pub(super) fn push_free_otp_token(
    token: &Value,
    secret: Result<SecretBytes, String>,
    contents: &mut ExportContents,
) {
    let name = token["label"].as_str().unwrap_or("");
    let fields = secret.map(|secret| Fields {
        issuer: token["issuerExt"].as_str().or(token["issuerInt"].as_str()),
        name,
        kind: token["type"].as_str().unwrap_or("TOTP"),
        secret,
        algorithm: token["algo"].as_str(),
        digits: token["digits"].as_u64(),
        period: token["period"].as_u64(),
        counter: token["counter"].as_u64(),
    });
    push_fields(fields, name, contents);
}

fn proton(json: &Value, contents: &mut ExportContents) -> Result<(), ImportError> {
    for entry in list(ImportFormat::Proton, &json["entries"], "entries")? {
        let content = &entry["content"];
        let name = content["name"].as_str().unwrap_or("");
        add_uri(content["uri"].as_str().unwrap_or(""), name, contents);
    }
    Ok(())
}

/// Authenticator Pro / Stratum: Type 1 HOTP, 2 TOTP, 3 mOTP, 4 Steam, 5 Yandex;
/// Algorithm 0 SHA-1, 1 SHA-256, 2 SHA-512.
fn stratum(json: &Value, contents: &mut ExportContents) -> Result<(), ImportError> {
    let entries = list(
        ImportFormat::Stratum,
        &json["Authenticators"],
        "Authenticators",
    )?;
    stratum_entries(entries, contents);
    Ok(())
}

pub(super) fn stratum_entries(entries: &[Value], contents: &mut ExportContents) {
    for entry in entries {
        let name = entry["Username"].as_str().unwrap_or("");
        let kind = match entry["Type"].as_u64() {
            Some(1) => "hotp",
            Some(2) => "totp",
            Some(3) => "motp",
            Some(4) => "steam",
            Some(5) => "yandex",
            _ => "unknown",
        };
        let algorithm = match entry["Algorithm"].as_u64() {
            Some(0) | None => "SHA1",
            Some(1) => "SHA256",
            Some(2) => "SHA512",
            Some(_) => "unknown",
        };
        let fields = base32(entry["Secret"].as_str().unwrap_or("")).map(|secret| Fields {
            issuer: entry["Issuer"].as_str(),
            name,
            kind,
            secret,
            algorithm: Some(algorithm),
            digits: entry["Digits"].as_u64(),
            period: entry["Period"].as_u64(),
            counter: entry["Counter"].as_u64(),
        });
        push_fields(fields, name, contents);
    }
}

/// Duo Mobile: no issuer; a counter means HOTP.
fn duo(json: &Value, contents: &mut ExportContents) -> Result<(), ImportError> {
    for account in list(ImportFormat::Duo, json, "accounts")? {
        let name = account["name"].as_str().unwrap_or("");
        let generator = &account["otpGenerator"];
        let kind = if generator.get("counter").is_some() {
            "hotp"
        } else {
            "totp"
        };
        let fields = base32(generator["otpSecret"].as_str().unwrap_or("")).map(|secret| Fields {
            issuer: None,
            name,
            kind,
            secret,
            algorithm: None,
            digits: None,
            period: None,
            counter: generator["counter"].as_u64(),
        });
        push_fields(fields, name, contents);
    }
    Ok(())
}

/// Steam guard files: `shared_secret` in base64, one account or `accounts: {…}`.
fn steam(json: &Value, contents: &mut ExportContents) -> Result<(), ImportError> {
    let accounts: Vec<&Value> = match json.get("accounts").and_then(Value::as_object) {
        Some(accounts) => accounts.values().collect(),
        None => vec![json],
    };
    for account in accounts {
        let name = account["account_name"].as_str().unwrap_or("");
        let fields = BASE64
            .decode(account["shared_secret"].as_str().unwrap_or("").as_bytes())
            .map_err(|_| "its shared_secret is not base64".to_owned())
            .map(|secret| Fields {
                issuer: Some("Steam"),
                name,
                kind: "steam",
                secret: SecretBytes::new(secret),
                algorithm: None,
                digits: None,
                period: None,
                counter: None,
            });
        push_fields(fields, name, contents);
    }
    Ok(())
}
