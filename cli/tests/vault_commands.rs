//! The account commands as a user runs them: the real binary, a real vault file,
//! the key in a 0600 key file (the documented headless set-up).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::{Command, Output};

struct Desk {
    dir: tempfile::TempDir,
}

impl Desk {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn vault(&self) -> PathBuf {
        self.dir.path().join("data/vault.sqlite")
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_countersign"))
            .args(args)
            .env("COUNTERSIGN_VAULT", self.vault())
            .env(
                "COUNTERSIGN_KEY_FILE",
                self.dir.path().join("keys/vault.key"),
            )
            .output()
            .expect("the countersign binary runs")
    }

    fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    fn fails(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert_eq!(output.status.code(), Some(1), "{args:?} should fail");
        String::from_utf8(output.stderr).unwrap()
    }
}

const GITHUB: &str =
    "otpauth://totp/GitHub:jane?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=GitHub";
const ACME: &str =
    "otpauth://totp/ACME%20Co:jane@acme.test?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co";
const BANK: &str = "otpauth://hotp/Bank:me?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=0";

#[test]
fn add_list_and_codes() {
    let desk = Desk::new();
    assert!(
        desk.ok(&["add", GITHUB])
            .starts_with("Added GitHub (jane) as #1")
    );
    assert!(
        desk.ok(&["add", ACME])
            .starts_with("Added ACME Co (jane@acme.test) as #2")
    );
    desk.ok(&["add", BANK]);
    let list = desk.ok(&["list"]);
    let rows: Vec<&str> = list.lines().skip(1).collect();
    assert_eq!(rows.len(), 3, "{list}");
    assert!(
        rows[0].contains("GitHub") && rows[0].contains("TOTP 30s"),
        "{list}"
    );
    assert!(
        rows[1].contains("ACME Co") && rows[1].contains("(weak secret)"),
        "{list}"
    );
    assert!(rows[2].contains("HOTP #0"), "{list}");
    assert_eq!(desk.ok(&["list", "acme"]).lines().count(), 2);

    let codes = desk.ok(&["codes", "--at", "59"]);
    let lines: Vec<&str> = codes.lines().collect();
    // The RFC 6238 seed at t = 59: 287082, one second left.
    assert!(
        lines[0].starts_with("GitHub (jane)") && lines[0].contains("287 082   1s"),
        "{codes}"
    );
    assert!(lines[2].contains("countersign next"), "{codes}");
    // The key lives in the key file, 0600, and the vault was created under data/.
    assert!(desk.vault().exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let key = desk.dir.path().join("keys/vault.key");
        assert_eq!(
            std::fs::metadata(key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

#[test]
fn show_rename_move_delete_and_next() {
    let desk = Desk::new();
    desk.ok(&["add", GITHUB]);
    desk.ok(&["add", ACME]);
    desk.ok(&["add", BANK]);

    let shown = desk.ok(&["show", "acme"]);
    assert!(
        shown.contains("Issuer:    ACME Co") && shown.contains("80 bits (weak"),
        "{shown}"
    );
    assert!(
        !shown.contains("JBSWY3DPEHPK3PXP"),
        "the secret only with --reveal"
    );
    assert!(
        desk.ok(&["show", "acme", "--reveal"])
            .contains("secret=JBSWY3DPEHPK3PXP")
    );

    desk.ok(&["rename", "2", "--issuer", "Acme Corp", "--name", "jane"]);
    assert!(desk.ok(&["show", "2"]).contains("Issuer:    Acme Corp"));

    desk.ok(&["move", "bank", "1"]);
    let list = desk.ok(&["list"]);
    assert!(list.lines().nth(1).unwrap().contains("Bank"), "{list}");

    assert_eq!(
        desk.ok(&["next", "bank"]).trim(),
        "755224  (HOTP counter 0)"
    );
    assert_eq!(
        desk.ok(&["next", "bank"]).trim(),
        "287082  (HOTP counter 1)"
    );

    let refusal = desk.fails(&["delete", "github"]);
    assert!(refusal.contains("--yes"), "{refusal}");
    assert_eq!(
        desk.ok(&["list"]).lines().count(),
        4,
        "nothing deleted without --yes"
    );
    desk.ok(&["delete", "github", "--yes"]);
    assert!(!desk.ok(&["list"]).contains("GitHub"));
}

#[test]
fn mistakes_get_clear_errors_and_change_nothing() {
    let desk = Desk::new();
    desk.ok(&["add", GITHUB]);
    desk.ok(&["add", ACME]);
    assert!(
        desk.fails(&["add", GITHUB])
            .contains("already in the vault")
    );
    assert!(
        desk.fails(&["add", "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=4"])
            .contains("digits")
    );
    assert!(desk.fails(&["show", "jane"]).contains("matches 2 accounts"));
    assert!(
        desk.fails(&["show", "nobody"])
            .contains("no account matches")
    );
    assert!(
        desk.fails(&["next", "github"])
            .contains("not an HOTP account")
    );
    assert!(
        desk.fails(&["move", "github", "7"])
            .contains("out of range")
    );
    assert_eq!(desk.ok(&["list"]).lines().count(), 3);
}

#[test]
fn settings_show_the_protect_id_and_keep_the_diagnostics_choice() {
    let desk = Desk::new();
    let first = desk.ok(&["settings"]);
    assert!(first.contains("Share diagnostic data:  on"), "{first}");
    let protect_id = first
        .lines()
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(protect_id.len(), 19, "{first}");
    assert!(
        desk.ok(&["settings", "diagnostics", "off"])
            .contains("Share diagnostic data:  off")
    );
    let again = desk.ok(&["settings"]);
    assert!(
        again.contains("off") && again.contains(&protect_id),
        "{again}"
    );
}

#[test]
fn watch_redraws_until_told_to_stop() {
    let desk = Desk::new();
    desk.ok(&["add", GITHUB]);
    let frames = desk.ok(&["codes", "--watch", "--seconds", "1"]);
    assert_eq!(frames.matches("\x1b[2J").count(), 2, "{frames:?}");
    assert_eq!(frames.matches("GitHub (jane)").count(), 2);
}

#[test]
fn without_a_keyring_or_key_file_the_error_says_how_to_set_one_up() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_countersign"))
        .args([
            "--vault",
            dir.path().join("v.sqlite").to_str().unwrap(),
            "list",
        ])
        .env_remove("COUNTERSIGN_KEY_FILE")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("DISPLAY", "")
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("key store is not available") && stderr.contains("COUNTERSIGN_KEY_FILE"),
        "{stderr}"
    );
    // Nothing was written in plaintext instead.
    assert!(std::fs::read_dir(dir.path()).unwrap().all(|entry| {
        let name = entry.unwrap().file_name();
        name.to_string_lossy().starts_with("v.sqlite")
    }));
}

#[test]
fn list_codes_and_show_speak_json_for_scripts() {
    let desk = Desk::new();
    desk.ok(&["add", GITHUB]);
    desk.ok(&["add", BANK]);
    let list: serde_json::Value = serde_json::from_str(&desk.ok(&["list", "--json"])).unwrap();
    assert_eq!(list[0]["number"], 1);
    assert_eq!(list[0]["issuer"], "GitHub");
    assert_eq!(list[0]["params"]["kind"], "totp");
    assert_eq!(list[0]["params"]["period"], 30);
    assert_eq!(list[1]["params"]["kind"], "hotp");
    assert_eq!(list[1]["params"]["counter"], 0);
    assert_eq!(list[1]["issuer"], "Bank");

    let codes: serde_json::Value =
        serde_json::from_str(&desk.ok(&["codes", "--at", "59", "--json"])).unwrap();
    assert_eq!(codes["now"], 59);
    // Plain digits, not the table's "287 082".
    assert_eq!(codes["accounts"][0]["code"], "287082");
    assert_eq!(codes["accounts"][0]["state"], "code");
    assert_eq!(codes["accounts"][0]["seconds_left"], 1);
    assert_eq!(codes["accounts"][1]["state"], "hotp_ready");
    assert_eq!(codes["accounts"][1]["code"], serde_json::Value::Null);

    let shown: serde_json::Value =
        serde_json::from_str(&desk.ok(&["show", "1", "--json"])).unwrap();
    assert_eq!(shown["name"], "jane");
    assert_eq!(shown["secret_bits"], 160);
    assert_eq!(
        shown["uri"],
        serde_json::Value::Null,
        "no secret without --reveal"
    );
    let revealed: serde_json::Value =
        serde_json::from_str(&desk.ok(&["show", "1", "--json", "--reveal"])).unwrap();
    assert!(
        revealed["uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/")
    );
}
