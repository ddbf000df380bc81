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
const READABLE: [(&str, &str, ImportFormat); 44] = [
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
    (
        "battle_net",
        "battle_net_authenticator.xml",
        ImportFormat::BattleNet,
    ),
    (
        "authenticator_plus",
        "authenticator_plus.zip",
        ImportFormat::AuthenticatorPlus,
    ),
    ("freeotp", "freeotp_v2_api23.xml", ImportFormat::FreeOtpV2),
    ("freeotp", "freeotp_v2_api25.xml", ImportFormat::FreeOtpV2),
    ("freeotp", "freeotp_v2_api27.xml", ImportFormat::FreeOtpV2),
    ("freeotp", "freeotp_v2_api34.xml", ImportFormat::FreeOtpV2),
    (
        "freeotp",
        "freeotp_v2_null_algo.xml",
        ImportFormat::FreeOtpV2,
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
    let mut vault = crate::vault::Vault::open(
        &dir.path().join("v.sqlite"),
        std::sync::Arc::new(MemorySecretStore::new()),
    )
    .unwrap();
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

/// Every account of the standard vectors (TOTP, HOTP, Steam), plus extras.
fn sample_accounts() -> Vec<OtpAccount> {
    let bytes = std::fs::read(import_dir().join("otpauth_uri_list/plain.txt")).unwrap();
    let mut accounts = read_export(&bytes, None, None).unwrap().accounts;
    let mut with_extra = crate::uri::parse_otpauth(
        "otpauth://totp/T0%20Corp:x?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&t0=100&image=a.png",
    )
    .unwrap()
    .account;
    with_extra.issuer = Some("T0 Corp".into());
    accounts.push(with_extra);
    accounts
}

#[test]
fn the_countersign_backup_reads_back_exactly_and_only_with_its_password() {
    let accounts = sample_accounts();
    let file = export::countersign_backup(&accounts, "correct horse").unwrap();
    assert_eq!(detect(&file.bytes), Some(ImportFormat::CountersignBackup));
    let back = read_export(&file.bytes, None, Some("correct horse")).unwrap();
    assert_eq!(back.accounts, accounts);
    assert_eq!(
        read_export(&file.bytes, None, Some("wrong")),
        Err(ImportError::WrongPassword)
    );
    assert_eq!(
        read_export(&file.bytes, None, None),
        Err(ImportError::PasswordRequired {
            format: "countersign"
        })
    );
    // No secret in the file, in any encoding.
    let text = String::from_utf8_lossy(&file.bytes);
    for account in &accounts {
        assert!(!text.contains(&account.secret.to_base32()));
    }
    // A flipped byte of ciphertext, or a cut file, opens nothing.
    let mut value: Value = serde_json::from_slice(&file.bytes).unwrap();
    let mut sealed = data_encoding::BASE64
        .decode(value["ciphertext"].as_str().unwrap().as_bytes())
        .unwrap();
    sealed[10] ^= 1;
    value["ciphertext"] = json!(data_encoding::BASE64.encode(&sealed));
    assert_eq!(
        read_export(value.to_string().as_bytes(), None, Some("correct horse")),
        Err(ImportError::WrongPassword)
    );
    assert!(
        read_export(
            &file.bytes[..file.bytes.len() / 2],
            Some(ImportFormat::CountersignBackup),
            Some("correct horse")
        )
        .is_err()
    );
    assert_eq!(
        export::countersign_backup(&accounts, ""),
        Err(export::ExportError::PasswordRequired)
    );
}

#[test]
fn the_aegis_export_reads_back_through_the_aegis_importer() {
    let accounts = sample_accounts();
    let file = export::aegis_encrypted(&accounts, "pass").unwrap();
    let back = read_export(&file.bytes, None, Some("pass")).unwrap();
    assert_eq!(back.format, ImportFormat::Aegis);
    // Aegis has no T0 or unknown parameters: those two fields do not travel.
    let comparable = |a: &OtpAccount| {
        (
            a.issuer.clone(),
            a.name.clone(),
            a.secret.clone(),
            a.params.algorithm(),
            a.params.digits(),
        )
    };
    assert_eq!(
        back.accounts.iter().map(comparable).collect::<Vec<_>>(),
        accounts.iter().map(comparable).collect::<Vec<_>>()
    );
    assert_eq!(back.accounts[..7], accounts[..7]);
}

#[test]
fn the_otpauth_list_reads_back_exactly() {
    let accounts = sample_accounts();
    let file = export::otpauth_list(&accounts);
    assert_eq!(
        read_export(&file.bytes, None, None).unwrap().accounts,
        accounts
    );
}

#[test]
fn google_export_codes_scan_back_into_the_accounts_google_can_hold() {
    let mut accounts = sample_accounts();
    // 25 more plain TOTP accounts: three codes of up to 10.
    for i in 0..25u8 {
        let mut account = accounts[0].clone();
        account.name = format!("user{i}");
        account.secret = SecretBytes::new(vec![i; 20]);
        accounts.push(account);
    }
    let export = export::google_migration(&accounts).unwrap();
    // 7-digit, 20 s, 50 s, Steam and T0 accounts cannot be expressed.
    let reasons: Vec<&str> = export.left_out.iter().map(|s| s.reason.as_str()).collect();
    assert_eq!(reasons.len(), 5, "{reasons:?}");
    let pngs: Vec<_> = export
        .files
        .iter()
        .filter(|f| f.name.ends_with(".png"))
        .collect();
    assert_eq!(pngs.len(), 3);
    assert_eq!(
        export
            .files
            .iter()
            .filter(|f| f.name.ends_with(".svg"))
            .count(),
        3
    );
    let mut back = Vec::new();
    for png in pngs {
        // Through a real QR decode, as a phone would read the screen.
        let result = crate::scan::scan_image(&png.bytes)
            .unwrap()
            .expect("the QR code reads");
        let crate::scan::ScanPayload::MigrationBatch(batch) = result.payload else {
            panic!()
        };
        assert_eq!(batch.batch_size, Some(3));
        for entry in batch.entries {
            let crate::uri::MigrationEntry::Account(account) = entry else {
                panic!()
            };
            back.push(account);
        }
    }
    let expected: Vec<OtpAccount> = accounts
        .iter()
        .filter(|a| !export.left_out.iter().any(|s| s.name == a.display_name()))
        .cloned()
        .map(|mut a| {
            a.extra.clear();
            a
        })
        .collect();
    assert_eq!(back, expected);
}

#[test]
fn a_screenshot_of_an_export_code_imports_its_accounts() {
    let dir = import_dir().join("google_authenticator_migration");
    let bytes = std::fs::read(dir.join("example_export.png")).unwrap();
    assert_eq!(detect(&bytes), Some(ImportFormat::QrImage));
    let contents = read_export(&bytes, None, None).unwrap();
    let names: Vec<_> = contents.accounts.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Test1:test1@example1.com",
            "Test2:test2@example2.com",
            "Test3:test3@example3.com"
        ]
    );
}

#[test]
fn a_missing_code_of_a_multi_code_export_is_named() {
    let accounts = sample_accounts();
    let many: Vec<OtpAccount> = (0..25u8)
        .map(|i| {
            let mut account = accounts[0].clone();
            account.name = format!("user{i}");
            account.secret = SecretBytes::new(vec![i; 20]);
            account
        })
        .collect();
    let export = export::google_migration(&many).unwrap();
    let uris: Vec<String> = export
        .files
        .iter()
        .filter(|f| f.name.ends_with(".txt"))
        .map(|f| String::from_utf8(f.bytes.clone()).unwrap())
        .collect();
    // Codes 1 and 3 of 3: the 10 accounts of code 2 are missing, and said so.
    let text = format!("{}{}", uris[0], uris[2]);
    let contents = read_export(text.as_bytes(), None, None).unwrap();
    assert_eq!(contents.accounts.len(), 15);
    assert_eq!(contents.skipped.len(), 1);
    assert_eq!(contents.skipped[0].name, "export code 2 of 3");
}

#[test]
fn a_wrong_zip_password_is_a_wrong_password() {
    let zip =
        std::fs::read(import_dir().join("authenticator_plus/authenticator_plus.zip")).unwrap();
    assert_eq!(
        read_export(&zip, None, Some("not it")),
        Err(ImportError::WrongPassword)
    );
    assert_eq!(
        read_export(&zip, None, None),
        Err(ImportError::PasswordRequired {
            format: "authenticator-plus"
        })
    );
}

#[test]
fn a_freeotp_v2_backup_needs_its_password() {
    let backup = std::fs::read(import_dir().join("freeotp/freeotp_v2_api34.xml")).unwrap();
    assert_eq!(
        read_export(&backup, None, Some("nope")),
        Err(ImportError::WrongPassword)
    );
    assert!(matches!(
        read_export(&backup[..200], None, Some("test")),
        Err(ImportError::Malformed { .. })
    ));
}
