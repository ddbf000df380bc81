//! `countersign code` as a user runs it: the real binary, its stdout, stderr and exit code.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

fn countersign(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_countersign"))
        .args(args)
        .output()
        .expect("the countersign binary runs")
}

const ACME: &str =
    "otpauth://totp/ACME%20Co:jane@example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co";

#[test]
fn prints_the_code_and_seconds_left_at_a_given_time() {
    let output = countersign(&["code", ACME, "--at", "59"]);
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    // JBSWY3DPEHPK3PXP at t=59 (step 1), checked against Python's hmac.
    assert_eq!(stdout.trim(), "996554  (1 s left)");
    // The 80-bit secret is flagged, on stderr so scripts can read stdout alone.
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("only 80 bits")
    );
}

#[test]
fn hotp_prints_the_code_of_the_counter() {
    let uri = "otpauth://hotp/x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=1";
    let output = countersign(&["code", uri]);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8(output.stdout).unwrap().trim(),
        "287082  (HOTP counter 1)"
    );
}

#[test]
fn malformed_uris_exit_non_zero_naming_the_field() {
    for (uri, field) in [
        (
            "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=12",
            "digits",
        ),
        ("otpauth://totp/a?secret=JBSW1", "secret"),
        (
            "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&algorithm=MD5",
            "algorithm",
        ),
        ("otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP", "counter"),
        ("https://example.com", "otpauth://"),
    ] {
        let output = countersign(&["code", uri]);
        assert_eq!(output.status.code(), Some(1), "{uri}");
        assert!(output.stdout.is_empty(), "{uri}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(
            stderr.starts_with("error: ") && stderr.contains(field),
            "{uri}: {stderr}"
        );
    }
}
