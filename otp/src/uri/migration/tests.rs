use std::path::PathBuf;

use super::*;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/testdata/import/google_authenticator_migration")
}

fn manifest_file(name: &str) -> serde_json::Value {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixtures().join("manifest.json")).unwrap()).unwrap();
    manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|file| file["file"] == name)
        .unwrap()
        .clone()
}

/// (issuer, name, type, secret, algorithm, digits, period, counter) as the manifest writes them.
fn describe(entry: &MigrationEntry) -> serde_json::Value {
    let MigrationEntry::Account(account) = entry else {
        panic!("{entry:?}")
    };
    let (kind, period, counter) = match account.params.kind() {
        OtpKind::Totp { period, .. } => ("totp", Some(period), None),
        OtpKind::Hotp { counter } => ("hotp", None, Some(counter)),
        OtpKind::Steam { period } => ("steam", Some(period), None),
    };
    serde_json::json!({
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

#[test]
fn every_export_file_yields_exactly_its_expected_accounts() {
    for file in [
        "example_export.txt",
        "example_export_only_totp.txt",
        "test_plus_problem_export.txt",
    ] {
        let expected = manifest_file(file);
        let text = std::fs::read_to_string(fixtures().join(file)).unwrap();
        let mut accounts = Vec::new();
        let mut batches = Vec::new();
        for line in text
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("otpauth-migration:"))
        {
            let batch = parse_migration(line).unwrap_or_else(|e| panic!("{file}: {e}"));
            accounts.extend(batch.entries.iter().map(describe));
            batches.push(serde_json::json!({
                "version": batch.version, "batch_size": batch.batch_size,
                "batch_index": batch.batch_index, "batch_id": batch.batch_id,
                "accounts": batch.entries.len(),
            }));
        }
        assert_eq!(
            serde_json::Value::Array(accounts),
            expected["expected_accounts"],
            "{file}"
        );
        assert_eq!(
            serde_json::Value::Array(batches),
            expected["batches"],
            "{file}"
        );
    }
}

#[test]
fn the_screenshot_uri_yields_its_three_accounts() {
    let expected = manifest_file("example_export.png");
    let batch = parse_migration(expected["decoded_uri"].as_str().unwrap()).unwrap();
    let accounts: Vec<_> = batch.entries.iter().map(describe).collect();
    assert_eq!(
        serde_json::Value::Array(accounts),
        expected["expected_accounts"]
    );
}

#[test]
fn broken_exports_get_typed_errors() {
    assert_eq!(
        parse_migration("otpauth://totp/a?secret=A"),
        Err(MigrationError::NotMigration)
    );
    assert_eq!(
        parse_migration("otpauth-migration://offline?x=1"),
        Err(MigrationError::MissingData)
    );
    assert_eq!(
        parse_migration("otpauth-migration://offline?data=%%%!"),
        Err(MigrationError::NotBase64)
    );
    // A length prefix that runs past the end: a QR read halfway.
    let cut = data_encoding::BASE64.encode(&[0x0a, 0x30, 0x0a, 0x02]);
    assert!(matches!(
        parse_migration(&format!("otpauth-migration://offline?data={cut}")),
        Err(MigrationError::Malformed { .. })
    ));
}

#[test]
fn md5_and_unknown_types_are_reported_not_converted() {
    // One entry: secret "AB", name "x", algorithm MD5 (4).
    let entry = [0x0a, 0x02, b'A', b'B', 0x12, 0x01, b'x', 0x20, 0x04];
    let mut payload = vec![0x0a, entry.len() as u8];
    payload.extend_from_slice(&entry);
    let uri = format!(
        "otpauth-migration://offline?data={}",
        data_encoding::BASE64.encode(&payload)
    );
    let batch = parse_migration(&uri).unwrap();
    assert!(
        matches!(&batch.entries[0], MigrationEntry::Unsupported { reason, .. } if reason.contains("MD5"))
    );
}
