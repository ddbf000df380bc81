use std::path::PathBuf;

use serde_json::{Value, json};

use super::*;

fn import_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/import")
}

/// The account as the fixtures' manifests describe accounts.
fn describe(account: &OtpAccount) -> Value {
    let (kind, period, counter) = match account.params.kind() {
        OtpKind::Totp { period, .. } => ("totp", Some(period), None),
        OtpKind::Hotp { counter } => ("hotp", None, Some(counter)),
        OtpKind::Steam { period } => ("steam", Some(period), None),
    };
    json!({
        "issuer": account.issuer.clone().unwrap_or_default(),
        "name": account.name,
        "type": kind,
        "secret": account.secret.to_base32(),
        "algorithm": account.params.algorithm().as_str(),
        "digits": account.params.digits(),
        "period": period,
        "counter": counter,
    })
}

/// Fields the manifest leaves null are not asserted (its "not_asserted" notes).
fn matches(expected: &Value, actual: &Value) -> bool {
    expected.as_object().unwrap().iter().all(|(key, value)| {
        value.is_null()
            || (key == "issuer" && value == "" && actual[key] == "")
            || actual[key] == *value
    })
}

/// Every fixture of a format we read imports to exactly its expected accounts.
const READABLE: [(&str, &str, ImportFormat); 37] = [
    ("otpauth_uri_list", "plain.txt", ImportFormat::OtpauthList),
    ("ente_auth", "ente_auth.txt", ImportFormat::OtpauthList),
    (
        "google_authenticator_migration",
        "example_export.txt",
        ImportFormat::GoogleAuthenticatorExport,
    ),
    (
        "google_authenticator_migration",
        "example_export_only_totp.txt",
        ImportFormat::GoogleAuthenticatorExport,
    ),
    (
        "google_authenticator_migration",
        "test_plus_problem_export.txt",
        ImportFormat::GoogleAuthenticatorExport,
    ),
    ("aegis", "aegis_plain.json", ImportFormat::Aegis),
    ("aegis", "aegis_plain_grouped_v2.json", ImportFormat::Aegis),
    ("aegis", "aegis_encrypted.json", ImportFormat::Aegis),
    ("2fas", "2fas_authenticator.json", ImportFormat::TwoFas),
    (
        "2fas",
        "2fas_authenticator_plain.2fas",
        ImportFormat::TwoFas,
    ),
    (
        "2fas",
        "2fas_authenticator_plain_v3.2fas",
        ImportFormat::TwoFas,
    ),
    (
        "2fas",
        "2fas_authenticator_plain_v4.2fas",
        ImportFormat::TwoFas,
    ),
    ("andotp", "andotp_plain.json", ImportFormat::AndOtp),
    ("bitwarden", "bitwarden.json", ImportFormat::BitwardenJson),
    ("bitwarden", "bitwarden.csv", ImportFormat::BitwardenCsv),
    (
        "freeotp_plus",
        "freeotp_plus.json",
        ImportFormat::FreeOtpPlus,
    ),
    (
        "proton_authenticator",
        "proton_authenticator.json",
        ImportFormat::Proton,
    ),
    ("stratum", "stratum_plain.json", ImportFormat::Stratum),
    ("steam", "steam.json", ImportFormat::Steam),
    ("steam", "steam_old.json", ImportFormat::Steam),
    (
        "2fas",
        "2fas_authenticator_encrypted.2fas",
        ImportFormat::TwoFas,
    ),
    (
        "2fas",
        "2fas_authenticator_encrypted_v3.2fas",
        ImportFormat::TwoFas,
    ),
    (
        "2fas",
        "2fas_authenticator_encrypted_v4.2fas",
        ImportFormat::TwoFas,
    ),
    ("andotp", "andotp_encrypted.bin", ImportFormat::AndOtp),
    ("andotp", "andotp_encrypted_old.bin", ImportFormat::AndOtp),
    ("duo", "duo.json", ImportFormat::Duo),
    (
        "google_authenticator",
        "google_authenticator.sqlite",
        ImportFormat::GoogleAuthenticatorDb,
    ),
    (
        "microsoft_authenticator",
        "microsoft_authenticator.sqlite",
        ImportFormat::MicrosoftAuthenticatorDb,
    ),
    ("stratum", "stratum_internal.db", ImportFormat::StratumDb),
    ("authy", "authy_plain.xml", ImportFormat::Authy),
    ("authy", "authy_encrypted.xml", ImportFormat::Authy),
    (
        "totp_authenticator",
        "totp_authenticator_internal.xml",
        ImportFormat::TotpAuthenticator,
    ),
    (
        "totp_authenticator",
        "totp_authenticator.bin",
        ImportFormat::TotpAuthenticatorBackup,
    ),
    ("freeotp", "freeotp.xml", ImportFormat::FreeOtpXml),
    (
        "freeotp_plus",
        "freeotp_plus_internal.xml",
        ImportFormat::FreeOtpXml,
    ),
    (
        "stratum",
        "stratum_encrypted.bin",
        ImportFormat::StratumEncrypted,
    ),
    (
        "stratum",
        "stratum_encrypted_legacy.bin",
        ImportFormat::StratumEncrypted,
    ),
];

/// Files that look like nothing in particular (encrypted bytes, bare base64):
/// the user names their format.
const NAMED_NOT_DETECTED: [&str; 3] = [
    "andotp_encrypted.bin",
    "andotp_encrypted_old.bin",
    "totp_authenticator.bin",
];

#[test]
fn every_readable_fixture_imports_to_exactly_its_expected_accounts() {
    for (app, file, format) in READABLE {
        let dir = import_dir().join(app);
        let manifest: Value =
            serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
        let entry = manifest["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["file"] == file)
            .unwrap();
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let named = NAMED_NOT_DETECTED.contains(&file);
        assert_eq!(
            detect(&bytes),
            (!named).then_some(format),
            "{app}/{file} detected"
        );
        let contents = read_export(&bytes, Some(format), entry["password"].as_str())
            .unwrap_or_else(|error| panic!("{app}/{file}: {error}"));
        let expected = entry["expected_accounts"].as_array().unwrap();
        let mut actual: Vec<Value> = contents.accounts.iter().map(describe).collect();
        assert_eq!(
            actual.len(),
            expected.len(),
            "{app}/{file}: {actual:#?} skipped {:?}",
            contents.skipped
        );
        for wanted in expected {
            let position = actual
                .iter()
                .position(|candidate| matches(wanted, candidate))
                .unwrap_or_else(|| panic!("{app}/{file}: {wanted} not among {actual:#?}"));
            actual.remove(position);
        }
        assert!(
            contents.skipped.is_empty(),
            "{app}/{file}: {:?}",
            contents.skipped
        );
    }
}

#[test]
fn a_wrong_or_missing_password_is_a_typed_error() {
    let bytes = std::fs::read(import_dir().join("aegis/aegis_encrypted.json")).unwrap();
    assert_eq!(
        read_export(&bytes, None, Some("wrong")),
        Err(ImportError::WrongPassword)
    );
    assert_eq!(
        read_export(&bytes, None, None),
        Err(ImportError::PasswordRequired { format: "aegis" })
    );
}

#[test]
fn encrypted_2fas_and_andotp_need_the_right_password() {
    let two_fas =
        std::fs::read(import_dir().join("2fas/2fas_authenticator_encrypted_v4.2fas")).unwrap();
    assert_eq!(
        read_export(&two_fas, None, None),
        Err(ImportError::PasswordRequired { format: "2fas" })
    );
    assert_eq!(
        read_export(&two_fas, None, Some("nope")),
        Err(ImportError::WrongPassword)
    );
    let and_otp = std::fs::read(import_dir().join("andotp/andotp_encrypted.bin")).unwrap();
    assert_eq!(
        read_export(&and_otp, Some(ImportFormat::AndOtp), Some("nope")),
        Err(ImportError::WrongPassword)
    );
    assert_eq!(
        read_export(&and_otp, None, Some("test")),
        Err(ImportError::UnknownFormat)
    );
}

#[test]
fn truncated_and_unknown_files_are_refused() {
    let bytes = std::fs::read(import_dir().join("aegis/aegis_plain.json")).unwrap();
    assert!(matches!(
        read_export(&bytes[..bytes.len() / 2], Some(ImportFormat::Aegis), None),
        Err(ImportError::Malformed { .. })
    ));
    assert_eq!(
        read_export(b"hello world", None, None),
        Err(ImportError::UnknownFormat)
    );
    assert_eq!(detect(&[0xff, 0xfe, 0x00]), None);
}

#[test]
fn entries_that_cannot_make_codes_are_skipped_with_a_reason_never_converted() {
    let file = json!({ "version": 1, "header": { "slots": null, "params": null }, "db": { "version": 2, "entries": [
        { "type": "motp", "name": "m", "issuer": "x", "info": { "secret": "JBSWY3DPEHPK3PXP", "digits": 6, "period": 10 } },
        { "type": "yandex", "name": "y", "issuer": "x", "info": { "secret": "JBSWY3DPEHPK3PXP", "digits": 8, "period": 30 } },
        { "type": "totp", "name": "md5", "issuer": "x", "info": { "secret": "JBSWY3DPEHPK3PXP", "algo": "MD5", "digits": 6, "period": 30 } },
        { "type": "totp", "name": "ok", "issuer": "x", "info": { "secret": "JBSWY3DPEHPK3PXP", "algo": "SHA1", "digits": 6, "period": 30 } }
    ] } });
    let contents = read_export(file.to_string().as_bytes(), None, None).unwrap();
    assert_eq!(contents.accounts.len(), 1);
    let reasons: Vec<_> = contents
        .skipped
        .iter()
        .map(|s| (s.name.as_str(), s.reason.as_str()))
        .collect();
    assert_eq!(reasons.len(), 3);
    assert!(
        reasons[0].1.contains("motp")
            && reasons[1].1.contains("yandex")
            && reasons[2].1.contains("MD5"),
        "{reasons:?}"
    );
}

#[test]
fn an_import_previews_then_adds_everything_or_nothing() {
    use crate::keys::MemorySecretStore;
    let dir = tempfile::tempdir().unwrap();
    let mut vault =
        crate::vault::Vault::open(&dir.path().join("v.sqlite"), &MemorySecretStore::new()).unwrap();
    let bytes = std::fs::read(import_dir().join("otpauth_uri_list/plain.txt")).unwrap();
    let first = read_export(&bytes, None, None).unwrap();
    // One of them is already in the vault.
    vault.add(&first.accounts[0], 0).unwrap();
    let plan = preview(&vault, first.clone()).unwrap();
    assert_eq!((plan.to_add.len(), plan.duplicates.len()), (6, 1));
    assert_eq!(
        vault.list(None).unwrap().len(),
        1,
        "a preview writes nothing"
    );
    vault.add_all(&plan.to_add, 0).unwrap();
    assert_eq!(vault.list(None).unwrap().len(), 7);
    // The same file again: all duplicates, nothing to add.
    let again = preview(&vault, first).unwrap();
    assert_eq!((again.to_add.len(), again.duplicates.len()), (0, 7));
}
