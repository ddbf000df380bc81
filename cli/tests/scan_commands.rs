//! `countersign scan` and `countersign add --image` on real QR images.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn testdata(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/testdata")
        .join(path)
}

const EXPORT_PNG: &str = "import/google_authenticator_migration/example_export.png";
const TOTP_FRAME: &str = "qr/synthetic-seed1/frame_0002.jpg";

fn countersign(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_countersign"))
        .args(args)
        .env("COUNTERSIGN_VAULT", dir.join("vault.sqlite"))
        .env("COUNTERSIGN_KEY_FILE", dir.join("vault.key"))
        .output()
        .unwrap()
}

#[test]
fn scan_says_what_each_code_is() {
    let dir = tempfile::tempdir().unwrap();
    let export = testdata(EXPORT_PNG);
    let frame = testdata(TOTP_FRAME);
    let link = testdata("qr/zxing-blackbox/qrcode-1/13.png");
    let output = countersign(
        dir.path(),
        &[
            "scan",
            export.to_str().unwrap(),
            frame.to_str().unwrap(),
            link.to_str().unwrap(),
        ],
    );
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("Google Authenticator export, code 1 of 1, 3 accounts"),
        "{stdout}"
    );
    assert!(
        stdout.contains("TOTP 30s account Google (erin.o-neil@example.com)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("not an authenticator code: a link to google.com"),
        "{stdout}"
    );
}

#[test]
fn scan_json_gives_one_object_per_image_and_fails_when_one_has_no_code() {
    let dir = tempfile::tempdir().unwrap();
    let frame = testdata(TOTP_FRAME);
    let not_image = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let output = countersign(
        dir.path(),
        &[
            "scan",
            "--json",
            frame.to_str().unwrap(),
            not_image.to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines[0]["kind"], "otpauth");
    assert_eq!(lines[0]["points"].as_array().unwrap().len(), 4);
    assert_eq!(lines[1]["found"], false);
    assert!(lines[1]["error"].as_str().unwrap().contains("not an image"));
}

#[test]
fn add_image_adds_every_account_of_an_export_and_a_single_account() {
    let dir = tempfile::tempdir().unwrap();
    let output = countersign(
        dir.path(),
        &["add", "--image", testdata(EXPORT_PNG).to_str().unwrap()],
    );
    assert!(output.status.success(), "{output:?}");
    assert_eq!(String::from_utf8(output.stdout).unwrap().lines().count(), 3);
    let output = countersign(
        dir.path(),
        &["add", "--image", testdata(TOTP_FRAME).to_str().unwrap()],
    );
    assert!(output.status.success(), "{output:?}");
    let list = String::from_utf8(countersign(dir.path(), &["list"]).stdout).unwrap();
    assert_eq!(list.lines().count(), 5, "{list}");
    assert!(
        list.contains("Test2:test2@example2.com") && list.contains("erin.o-neil@example.com"),
        "{list}"
    );
    // The same export again: refused as a whole, nothing added twice.
    let again = countersign(
        dir.path(),
        &["add", "--image", testdata(EXPORT_PNG).to_str().unwrap()],
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(
        String::from_utf8(again.stderr)
            .unwrap()
            .contains("already in the vault")
    );
    let list = String::from_utf8(countersign(dir.path(), &["list"]).stdout).unwrap();
    assert_eq!(list.lines().count(), 5);
}

#[test]
fn add_image_refuses_a_code_that_holds_no_account() {
    let dir = tempfile::tempdir().unwrap();
    let link = testdata("qr/zxing-blackbox/qrcode-1/13.png");
    let output = countersign(dir.path(), &["add", "--image", link.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("a link to google.com") && stderr.contains("no account to add"),
        "{stderr}"
    );
}

#[test]
fn an_endless_file_is_refused_after_the_image_limit_and_import_too() {
    let dir = tempfile::tempdir().unwrap();
    let output = countersign(dir.path(), &["scan", "/dev/zero"]);
    assert!(!output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("MiB a picture of a QR code needs"),
        "{stdout}"
    );
    let output = countersign(dir.path(), &["import", "--dry-run", "/dev/zero"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("the file size (bytes)"), "{stderr}");
}
