//! `countersign import` on real export files from other apps.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/testdata/import")
        .join(path)
}

fn countersign(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_countersign"))
        .args(args)
        .env("COUNTERSIGN_VAULT", dir.join("vault.sqlite"))
        .env("COUNTERSIGN_KEY_FILE", dir.join("vault.key"))
        .output()
        .unwrap()
}

#[test]
fn an_encrypted_aegis_vault_is_previewed_then_imported_once() {
    let dir = tempfile::tempdir().unwrap();
    let password = dir.path().join("password");
    std::fs::write(&password, "test\n").unwrap();
    let file = fixture("aegis/aegis_encrypted.json");
    let args = [
        "import",
        file.to_str().unwrap(),
        "--password-file",
        password.to_str().unwrap(),
    ];
    let dry = countersign(dir.path(), &[&args[..], &["--dry-run"]].concat());
    let out = String::from_utf8(dry.stdout).unwrap();
    assert!(dry.status.success(), "{out}");
    assert!(
        out.contains("aegis export:")
            && out.contains("7 to add")
            && out.contains("nothing was changed"),
        "{out}"
    );
    assert!(
        String::from_utf8(countersign(dir.path(), &["list"]).stdout)
            .unwrap()
            .starts_with("No accounts")
    );
    let real = countersign(dir.path(), &args);
    assert!(
        String::from_utf8(real.stdout)
            .unwrap()
            .contains("Added 7 accounts.")
    );
    let again = String::from_utf8(countersign(dir.path(), &args).stdout).unwrap();
    assert!(
        again.contains("0 to add") && again.contains("7 already in your vault"),
        "{again}"
    );
    assert_eq!(
        String::from_utf8(countersign(dir.path(), &["list"]).stdout)
            .unwrap()
            .lines()
            .count(),
        8
    );
}

#[test]
fn a_wrong_password_or_unknown_file_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let password = dir.path().join("password");
    std::fs::write(&password, "nope").unwrap();
    let file = fixture("aegis/aegis_encrypted.json");
    let wrong = countersign(
        dir.path(),
        &[
            "import",
            file.to_str().unwrap(),
            "--password-file",
            password.to_str().unwrap(),
        ],
    );
    assert_eq!(wrong.status.code(), Some(1));
    assert!(
        String::from_utf8(wrong.stderr)
            .unwrap()
            .contains("password is wrong")
    );
    let unknown = countersign(dir.path(), &["import", password.to_str().unwrap()]);
    assert!(
        String::from_utf8(unknown.stderr)
            .unwrap()
            .contains("not one Countersign can import")
    );
}

#[test]
fn a_google_authenticator_export_uri_is_imported_directly() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture(
        "google_authenticator_migration/test_plus_problem_export.txt",
    ))
    .unwrap();
    let uri = text
        .lines()
        .find(|l| l.starts_with("otpauth-migration://"))
        .unwrap();
    let output = countersign(dir.path(), &["import", uri]);
    assert!(
        String::from_utf8(output.stdout)
            .unwrap()
            .contains("Added 4 accounts.")
    );
}

#[test]
fn export_then_import_into_a_new_vault_gives_the_same_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let password = dir.path().join("password");
    std::fs::write(&password, "backup password\n").unwrap();
    let source = fixture("otpauth_uri_list/plain.txt");
    assert!(
        countersign(dir.path(), &["import", source.to_str().unwrap()])
            .status
            .success()
    );
    let backup = dir.path().join("backup.json");
    let output = countersign(
        dir.path(),
        &[
            "export",
            "--format",
            "countersign",
            "--out",
            backup.to_str().unwrap(),
            "--password-file",
            password.to_str().unwrap(),
        ],
    );
    assert!(
        String::from_utf8(output.stdout)
            .unwrap()
            .contains("Wrote 7 accounts")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&backup).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let refused = countersign(
        dir.path(),
        &[
            "export",
            "--format",
            "otpauth",
            "--out",
            dir.path().join("x").to_str().unwrap(),
        ],
    );
    assert!(
        String::from_utf8(refused.stderr)
            .unwrap()
            .contains("--unencrypted")
    );
    let qr_dir = dir.path().join("qr");
    let qr = countersign(
        dir.path(),
        &[
            "export",
            "--format",
            "google-qr",
            "--unencrypted",
            "--out",
            qr_dir.to_str().unwrap(),
        ],
    );
    let said = String::from_utf8(qr.stdout).unwrap();
    assert!(
        said.contains("Wrote 3 files") && said.contains("left out"),
        "{said}"
    );

    let other = tempfile::tempdir().unwrap();
    let imported = countersign(
        other.path(),
        &[
            "import",
            backup.to_str().unwrap(),
            "--password-file",
            password.to_str().unwrap(),
        ],
    );
    assert!(
        String::from_utf8(imported.stdout)
            .unwrap()
            .contains("Added 7 accounts.")
    );
    let list = |d: &Path| {
        String::from_utf8(countersign(d, &["list"]).stdout)
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| l[14..].to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(list(dir.path()), list(other.path()));
}
