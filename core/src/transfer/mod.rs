//! Moving in: read other authenticators' export files into accounts, loudly.
//! `detect` names the format from the bytes; `read_export` turns a file into
//! accounts plus the entries it could not take and why; the vault then previews
//! (what is new, what is already there) and adds everything in one transaction.
//!
//! Must not: store anything itself, or turn an entry it cannot generate codes
//! for (mOTP, Yandex, MD5) into a different kind of account.
//!
//! Formats read: every one Aegis imports (see docs/import-export.md for the
//! list), plus Countersign's own encrypted backup and QR screenshots.

mod aegis;
mod apps;
mod databases;
mod encrypted;
pub mod export;
mod freeotp_v2;
pub mod limits;
mod shared_prefs;

use crate::account::OtpAccount;
use crate::otp::{Algorithm, OtpKind, OtpParams};
use crate::secret::SecretBytes;
use crate::uri::{MigrationEntry, parse_migration, parse_otpauth};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportFormat {
    OtpauthList,
    GoogleAuthenticatorExport,
    Aegis,
    TwoFas,
    AndOtp,
    BitwardenJson,
    BitwardenCsv,
    FreeOtpPlus,
    Proton,
    Stratum,
    Steam,
    Duo,
    GoogleAuthenticatorDb,
    MicrosoftAuthenticatorDb,
    StratumDb,
    Authy,
    TotpAuthenticator,
    TotpAuthenticatorBackup,
    FreeOtpXml,
    StratumEncrypted,
    CountersignBackup,
    QrImage,
    BattleNet,
    AuthenticatorPlus,
    FreeOtpV2,
}

impl ImportFormat {
    pub const ALL: [ImportFormat; 25] = [
        ImportFormat::OtpauthList,
        ImportFormat::GoogleAuthenticatorExport,
        ImportFormat::Aegis,
        ImportFormat::TwoFas,
        ImportFormat::AndOtp,
        ImportFormat::BitwardenJson,
        ImportFormat::BitwardenCsv,
        ImportFormat::FreeOtpPlus,
        ImportFormat::Proton,
        ImportFormat::Stratum,
        ImportFormat::Steam,
        ImportFormat::Duo,
        ImportFormat::GoogleAuthenticatorDb,
        ImportFormat::MicrosoftAuthenticatorDb,
        ImportFormat::StratumDb,
        ImportFormat::Authy,
        ImportFormat::TotpAuthenticator,
        ImportFormat::TotpAuthenticatorBackup,
        ImportFormat::FreeOtpXml,
        ImportFormat::StratumEncrypted,
        ImportFormat::CountersignBackup,
        ImportFormat::QrImage,
        ImportFormat::BattleNet,
        ImportFormat::AuthenticatorPlus,
        ImportFormat::FreeOtpV2,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ImportFormat::OtpauthList => "otpauth",
            ImportFormat::GoogleAuthenticatorExport => "google",
            ImportFormat::Aegis => "aegis",
            ImportFormat::TwoFas => "2fas",
            ImportFormat::AndOtp => "andotp",
            ImportFormat::BitwardenJson => "bitwarden-json",
            ImportFormat::BitwardenCsv => "bitwarden-csv",
            ImportFormat::FreeOtpPlus => "freeotp-plus",
            ImportFormat::Proton => "proton",
            ImportFormat::Stratum => "stratum",
            ImportFormat::Steam => "steam",
            ImportFormat::Duo => "duo",
            ImportFormat::GoogleAuthenticatorDb => "google-db",
            ImportFormat::MicrosoftAuthenticatorDb => "microsoft-db",
            ImportFormat::StratumDb => "stratum-db",
            ImportFormat::Authy => "authy",
            ImportFormat::TotpAuthenticator => "totp-authenticator",
            ImportFormat::TotpAuthenticatorBackup => "totp-authenticator-backup",
            ImportFormat::FreeOtpXml => "freeotp-xml",
            ImportFormat::StratumEncrypted => "stratum-encrypted",
            ImportFormat::CountersignBackup => "countersign",
            ImportFormat::QrImage => "qr-image",
            ImportFormat::BattleNet => "battle-net",
            ImportFormat::AuthenticatorPlus => "authenticator-plus",
            ImportFormat::FreeOtpV2 => "freeotp-v2",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|format| format.name() == name)
    }
}

/// An entry the import cannot take, with the reason the user is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub name: String,
    pub reason: String,
}

/// What a file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportContents {
    pub format: ImportFormat,
    pub accounts: Vec<OtpAccount>,
    pub skipped: Vec<Skipped>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("the file's format is not one Countersign can import; name it with --format if it is")]
    UnknownFormat,
    #[error("this {format} file is encrypted: give its password")]
    PasswordRequired { format: &'static str },
    #[error("the password is wrong (or the file is damaged)")]
    WrongPassword,
    #[error("the {format} file is damaged or not what it claims: {reason}")]
    Malformed {
        format: &'static str,
        reason: String,
    },
    #[error("this {format} file uses a feature Countersign cannot read yet: {what}")]
    Unsupported { format: &'static str, what: String },
    /// The file asks for more than any real export needs (memory, time, size):
    /// refused before the work starts.
    #[error(
        "this {format} file sets {parameter} to {value}, over Countersign's limit of {limit}; \
         no authenticator writes such files, so it was not read: export it again from the app"
    )]
    OverLimit {
        format: &'static str,
        parameter: &'static str,
        value: u64,
        limit: u64,
    },
    #[error("the file could not be read: {reason}")]
    Unreadable { reason: String },
}

pub(crate) fn malformed(format: ImportFormat, reason: impl Into<String>) -> ImportError {
    ImportError::Malformed {
        format: format.name(),
        reason: reason.into(),
    }
}

/// Names the format from the file's bytes, or `None`.
pub fn detect(bytes: &[u8]) -> Option<ImportFormat> {
    if bytes.starts_with(databases::SQLITE_HEADER) {
        return databases::detect(bytes);
    }
    if encrypted::is_stratum(bytes) {
        return Some(ImportFormat::StratumEncrypted);
    }
    if freeotp_v2::is_java_serialized(bytes) {
        return Some(ImportFormat::FreeOtpV2);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return Some(ImportFormat::AuthenticatorPlus);
    }
    if image::guess_format(bytes).is_ok() {
        return Some(ImportFormat::QrImage);
    }
    let text = std::str::from_utf8(bytes)
        .ok()?
        .trim_start_matches('\u{feff}');
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(text) {
        return apps::detect_json(&json);
    }
    if let Some(format) = shared_prefs::detect(text) {
        return Some(format);
    }
    let lines = || {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
    };
    if lines()
        .next()
        .is_some_and(|header| header.contains("login_totp"))
    {
        return Some(ImportFormat::BitwardenCsv);
    }
    if lines().any(|l| l.starts_with("otpauth-migration://")) {
        return Some(ImportFormat::GoogleAuthenticatorExport);
    }
    if lines().any(|l| l.to_ascii_lowercase().starts_with("otpauth://")) {
        return Some(ImportFormat::OtpauthList);
    }
    None
}

/// Reads an export file. `format`: as detected when `None`.
pub fn read_export(
    bytes: &[u8],
    format: Option<ImportFormat>,
    password: Option<&str>,
) -> Result<ExportContents, ImportError> {
    limits::file_size(format.map_or("import", ImportFormat::name), bytes.len())?;
    let format = format
        .or_else(|| detect(bytes))
        .ok_or(ImportError::UnknownFormat)?;
    let text = || {
        std::str::from_utf8(bytes)
            .map(|text| text.trim_start_matches('\u{feff}'))
            .map_err(|_| malformed(format, "not UTF-8 text"))
    };
    let mut contents = ExportContents {
        format,
        accounts: Vec::new(),
        skipped: Vec::new(),
    };
    match format {
        ImportFormat::OtpauthList => uri_lines(text()?, &mut contents),
        ImportFormat::GoogleAuthenticatorExport => migration_lines(text()?, &mut contents)?,
        ImportFormat::Aegis => aegis::read(text()?, password, &mut contents)?,
        ImportFormat::BitwardenCsv => apps::bitwarden_csv(bytes, &mut contents)?,
        ImportFormat::GoogleAuthenticatorDb
        | ImportFormat::MicrosoftAuthenticatorDb
        | ImportFormat::StratumDb => databases::read(format, bytes, &mut contents)?,
        // An encrypted andOTP backup is binary; a plain one is JSON.
        ImportFormat::AndOtp if serde_json::from_slice::<serde_json::Value>(bytes).is_err() => {
            let password = password.ok_or(ImportError::PasswordRequired {
                format: format.name(),
            })?;
            let (plain, old) = encrypted::and_otp(bytes, password)?;
            let json =
                serde_json::from_slice(&plain).map_err(|e| malformed(format, e.to_string()))?;
            apps::and_otp(&json, old, &mut contents)?;
        }
        ImportFormat::Authy => shared_prefs::authy(text()?, password, &mut contents)?,
        ImportFormat::TotpAuthenticator => {
            shared_prefs::totp_authenticator_internal(text()?, &mut contents)?
        }
        ImportFormat::TotpAuthenticatorBackup => {
            shared_prefs::totp_authenticator_backup(text()?, password, &mut contents)?
        }
        ImportFormat::FreeOtpXml => shared_prefs::free_otp(text()?, &mut contents)?,
        ImportFormat::QrImage => qr_image(bytes, &mut contents)?,
        ImportFormat::BattleNet => shared_prefs::battle_net(text()?, &mut contents)?,
        ImportFormat::FreeOtpV2 => freeotp_v2::read(bytes, password, &mut contents)?,
        ImportFormat::AuthenticatorPlus => {
            let password = password.ok_or(ImportError::PasswordRequired {
                format: format.name(),
            })?;
            let accounts = authenticator_plus(bytes, password)?;
            uri_lines(&accounts, &mut contents);
        }
        ImportFormat::CountersignBackup => {
            let password = password.ok_or(ImportError::PasswordRequired {
                format: format.name(),
            })?;
            let file: serde_json::Value =
                serde_json::from_str(text()?).map_err(|e| malformed(format, e.to_string()))?;
            let accounts = export::open_countersign_backup(&file, password)?;
            export::backup_accounts(&accounts, &mut contents);
        }
        ImportFormat::StratumEncrypted => {
            let password = password.ok_or(ImportError::PasswordRequired {
                format: format.name(),
            })?;
            let plain = encrypted::stratum(bytes, password)?;
            let plain = std::str::from_utf8(&plain).map_err(|_| ImportError::WrongPassword)?;
            apps::read_json(ImportFormat::Stratum, plain, None, &mut contents)?;
        }
        _ => apps::read_json(format, text()?, password, &mut contents)?,
    }
    Ok(contents)
}

fn uri_lines(text: &str, contents: &mut ExportContents) {
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        add_uri(line, line, contents);
    }
}

fn migration_lines(text: &str, contents: &mut ExportContents) -> Result<(), ImportError> {
    let uris = text
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("otpauth-migration://"));
    // (batch id, size) -> indexes seen: an export of more than ~10 accounts spans
    // several codes, and a missing one must be said, not silently skipped.
    let mut seen: std::collections::BTreeMap<(i32, u32), Vec<u32>> = Default::default();
    for line in uris {
        match parse_migration(line) {
            Ok(batch) => {
                if let (Some(id), Some(size), Some(index)) =
                    (batch.batch_id, batch.batch_size, batch.batch_index)
                {
                    // Each missing index becomes a line for the user: the
                    // size is the file's word, so it is capped first.
                    limits::within(
                        ImportFormat::GoogleAuthenticatorExport,
                        "the batch size",
                        u64::from(size),
                        limits::MIGRATION_MAX_BATCH,
                    )?;
                    seen.entry((id, size)).or_default().push(index);
                }
                add_migration_entries(batch.entries, contents);
            }
            Err(error) => contents.skipped.push(Skipped {
                name: "an export code".into(),
                reason: error.to_string(),
            }),
        }
    }
    for ((_, size), indexes) in seen {
        for missing in (0..size).filter(|index| !indexes.contains(index)) {
            contents.skipped.push(Skipped {
                name: format!("export code {} of {size}", missing + 1),
                reason: "it was not in the file: scan it too, its accounts are not imported".into(),
            });
        }
    }
    Ok(())
}

fn add_migration_entries(entries: Vec<MigrationEntry>, contents: &mut ExportContents) {
    for entry in entries {
        match entry {
            MigrationEntry::Account(account) => contents.accounts.push(account),
            MigrationEntry::Unsupported { name, reason, .. } => {
                contents.skipped.push(Skipped { name, reason })
            }
        }
    }
}

/// Authenticator Plus: a ZipCrypto-encrypted zip holding `Accounts.txt`, one
/// otpauth URI a line.
fn authenticator_plus(bytes: &[u8], password: &str) -> Result<String, ImportError> {
    let format = ImportFormat::AuthenticatorPlus;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| malformed(format, e.to_string()))?;
    let file = archive
        .by_name_decrypt("Accounts.txt", password.as_bytes())
        .map_err(|error| match error {
            zip::result::ZipError::InvalidPassword => ImportError::WrongPassword,
            other => malformed(format, other.to_string()),
        })?;
    // The declared size is the archive's word: the bounded read is the check.
    let bytes =
        limits::read_bounded(format, "Accounts.txt's size (bytes)", file).map_err(|error| {
            match error {
                over @ ImportError::OverLimit { .. } => over,
                // ZipCrypto's password check is one byte: a wrong password can
                // pass it and yield garbage that fails to inflate.
                _ => ImportError::WrongPassword,
            }
        })?;
    String::from_utf8(bytes).map_err(|_| ImportError::WrongPassword)
}

/// A screenshot or photo of a QR code: an account or an export code.
fn qr_image(bytes: &[u8], contents: &mut ExportContents) -> Result<(), ImportError> {
    let format = ImportFormat::QrImage;
    let result = crate::scan::scan_image(bytes)
        .map_err(|e| malformed(format, e.to_string()))?
        .ok_or_else(|| malformed(format, "no QR code found in the image"))?;
    match result.payload {
        crate::scan::ScanPayload::Otpauth(parsed) => contents.accounts.push(parsed.account),
        crate::scan::ScanPayload::MigrationBatch(batch) => {
            if let (Some(size), Some(index)) = (batch.batch_size, batch.batch_index) {
                if size > 1 {
                    contents.skipped.push(Skipped {
                        name: format!("export codes other than {} of {size}", index + 1),
                        reason: "one image holds one code: import the others too".into(),
                    });
                }
            }
            add_migration_entries(batch.entries, contents);
        }
        other => {
            return Err(malformed(
                format,
                format!(
                    "the QR code holds {}, not accounts to import",
                    other.description()
                ),
            ));
        }
    }
    Ok(())
}

/// One `otpauth://` URI; a broken one is skipped with its reason.
pub(crate) fn add_uri(uri: &str, name: &str, contents: &mut ExportContents) {
    match parse_otpauth(uri) {
        Ok(parsed) => contents.accounts.push(parsed.account),
        Err(error) => contents.skipped.push(Skipped {
            name: name.chars().take(60).collect(),
            reason: error.to_string(),
        }),
    }
}

/// The pieces most formats store separately, checked into an account.
pub(crate) struct Fields<'a> {
    pub issuer: Option<&'a str>,
    pub name: &'a str,
    pub kind: &'a str,
    pub secret: SecretBytes,
    pub algorithm: Option<&'a str>,
    pub digits: Option<u64>,
    pub period: Option<u64>,
    pub counter: Option<u64>,
}

/// Builds the account, or says why the entry cannot be taken.
pub(crate) fn account_from(fields: Fields<'_>) -> Result<OtpAccount, String> {
    let algorithm: Algorithm = match fields.algorithm {
        Some(name) => name
            .parse()
            .map_err(|_| format!("it uses the {name} algorithm, which no standard OTP allows"))?,
        None => Algorithm::Sha1,
    };
    let period = u32::try_from(fields.period.unwrap_or(30))
        .map_err(|_| "its period is out of range".to_owned())?;
    let kind = match fields.kind.to_ascii_lowercase().as_str() {
        "totp" => OtpKind::Totp { period, t0: 0 },
        "hotp" => OtpKind::Hotp {
            counter: fields.counter.unwrap_or(0),
        },
        "steam" => OtpKind::Steam { period },
        "motp" | "yandex" => {
            return Err(format!(
                "it is a {} account; Countersign cannot make {} codes yet",
                fields.kind, fields.kind
            ));
        }
        other => return Err(format!("its type {other:?} is unknown")),
    };
    let digits = u8::try_from(fields.digits.unwrap_or(6))
        .map_err(|_| "its digits are out of range".to_owned())?;
    let params = OtpParams::new(algorithm, digits, kind).map_err(|error| error.to_string())?;
    if fields.secret.is_empty() {
        return Err("it has no secret".into());
    }
    Ok(OtpAccount {
        issuer: fields
            .issuer
            .map(str::trim)
            .filter(|i| !i.is_empty())
            .map(str::to_owned),
        name: fields.name.trim().to_owned(),
        secret: fields.secret,
        params,
        extra: Vec::new(),
    })
}

pub(crate) fn push_fields(
    fields: Result<Fields<'_>, String>,
    label: &str,
    contents: &mut ExportContents,
) {
    match fields.and_then(account_from) {
        Ok(account) => contents.accounts.push(account),
        Err(reason) => contents.skipped.push(Skipped {
            name: label.to_owned(),
            reason,
        }),
    }
}

/// What an import will do, shown before anything is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportPreview {
    pub format: ImportFormat,
    /// New accounts: all of them are added, in one transaction, or none.
    pub to_add: Vec<OtpAccount>,
    /// Already in the vault (or twice in the file): left as they are.
    pub duplicates: Vec<OtpAccount>,
    pub skipped: Vec<Skipped>,
}

/// Sorts a file's accounts into new and already present.
pub fn preview(
    vault: &crate::vault::Vault,
    contents: ExportContents,
) -> Result<ImportPreview, crate::vault::VaultError> {
    let mut preview = ImportPreview {
        format: contents.format,
        to_add: Vec::new(),
        duplicates: Vec::new(),
        skipped: contents.skipped,
    };
    for account in contents.accounts {
        let in_file = preview.to_add.iter().any(|seen| {
            seen.issuer == account.issuer
                && seen.name == account.name
                && seen.secret == account.secret
        });
        if in_file || vault.find_duplicate_of(&account)?.is_some() {
            preview.duplicates.push(account);
        } else {
            preview.to_add.push(account);
        }
    }
    Ok(preview)
}

pub(crate) fn base32(secret: &str) -> Result<SecretBytes, String> {
    SecretBytes::from_base32(secret).map_err(|error| error.to_string())
}

#[cfg(test)]
mod tests;
