//! The `countersign-server` binary as an operator runs it: one command, a key
//! made on first run (0600) and kept across restarts, HTTP on 127.0.0.1.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The server process, killed when dropped: a failing assertion must not leave
/// it running (it holds the test's stderr, and CI would wait for it).
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(data: &std::path::Path) -> (Running, String, String) {
    start_with(data, &[])
}

fn start_with(data: &std::path::Path, extra: &[&str]) -> (Running, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_countersign-server"))
        .args(["--listen", "127.0.0.1:0", "--data", data.to_str().unwrap()])
        .args(extra)
        .env("COUNTERSIGN_ADMIN_TOKEN", "admin-token-0123456789")
        .env("COUNTERSIGN_RP_TOKEN", "rp-token-0123456789abc")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    // "countersign-server listening on 127.0.0.1:PORT (public URL …, server key SK)"
    let address = line.split_whitespace().nth(3).unwrap().to_owned();
    let sk = line
        .trim_end()
        .trim_end_matches(')')
        .rsplit(' ')
        .next()
        .unwrap()
        .to_owned();
    (Running(child), address, sk)
}

#[tokio::test]
async fn starts_with_one_command_and_keeps_its_key_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let (first, address, sk) = start(dir.path());
    let health = countersign_core::http::client_builder()
        .build()
        .unwrap()
        .get(format!("http://{address}/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.text().await.unwrap(), "ok");
    let key = dir.path().join("server-key.pk8");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    drop(first);
    let (_second, _, sk_again) = start(dir.path());
    assert_eq!(sk_again, sk, "the pinned server key must survive a restart");
}

#[test]
fn weak_tokens_are_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_countersign-server"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--data",
            dir.path().to_str().unwrap(),
            "--admin-token",
            "short",
            "--rp-token",
            "short",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("at least 16 characters")
    );
}

#[test]
fn an_unusable_database_setting_stops_the_server_with_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_countersign-server"))
            .args([
                "--listen",
                "127.0.0.1:0",
                "--data",
                dir.path().to_str().unwrap(),
            ])
            .args(extra)
            .env("COUNTERSIGN_ADMIN_TOKEN", "admin-token-0123456789")
            .env("COUNTERSIGN_RP_TOKEN", "rp-token-0123456789abc")
            .output()
            .unwrap()
    };
    let pool = run(&["--database-pool-size", "0"]);
    assert!(!pool.status.success());
    assert!(String::from_utf8_lossy(&pool.stderr).contains("--database-pool-size"));
    let url = run(&[
        "--database",
        "postgres://countersign@127.0.0.1:1/none?connect_timeout=2",
    ]);
    assert_eq!(url.status.code(), Some(1));
    let said = String::from_utf8_lossy(&url.stderr);
    assert!(said.contains("the database cannot be used"), "{said}");
    assert!(said.contains("refused"), "the cause is named: {said}");
    let malformed = run(&["--database", "postgres://[bad"]);
    assert_eq!(malformed.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&malformed.stderr).contains("URL is not usable"));
}

#[tokio::test]
async fn trusted_proxy_flags_decide_whose_x_forwarded_for_counts() {
    let http = countersign_core::http::client_builder().build().unwrap();
    for (flags, expected) in [
        (
            &[
                "--trusted-proxy",
                "10.0.0.0/8",
                "--trusted-proxy",
                "127.0.0.1",
            ][..],
            "198.51.100.7",
        ),
        (&["--trusted-proxy", "10.0.0.0/8"][..], "127.0.0.1"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (_server, address, _) = start_with(dir.path(), flags);
        let login = http
            .post(format!("http://{address}/portal/login"))
            .header("x-forwarded-for", "198.51.100.7")
            .json(&serde_json::json!({ "user": "nobody" }))
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 201);
        let audit: serde_json::Value = http
            .get(format!("http://{address}/v1/admin/audit"))
            .bearer_auth("admin-token-0123456789")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let refused = audit["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["event"] == "push_refused")
            .unwrap();
        assert_eq!(refused["source"], expected, "{flags:?}");
    }
}

#[test]
fn a_trusted_proxy_that_is_not_an_address_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_countersign-server"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--data",
            dir.path().to_str().unwrap(),
        ])
        .args(["--trusted-proxy", "10.0.0.0/33"])
        .env("COUNTERSIGN_ADMIN_TOKEN", "admin-token-0123456789")
        .env("COUNTERSIGN_RP_TOKEN", "rp-token-0123456789abc")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8(output.stderr).unwrap().contains("CIDR"));
}

#[test]
fn the_clis_key_file_variable_in_the_same_shell_is_not_the_servers_key() {
    let dir = tempfile::tempdir().unwrap();
    let cli_key = dir.path().join("cli-vault.key");
    let mut child = Command::new(env!("CARGO_BIN_EXE_countersign-server"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--data",
            dir.path().to_str().unwrap(),
        ])
        .env("COUNTERSIGN_ADMIN_TOKEN", "admin-token-0123456789")
        .env("COUNTERSIGN_RP_TOKEN", "rp-token-0123456789abc")
        // Exported for the CLI (its vault key): the server must not take it.
        .env("COUNTERSIGN_KEY_FILE", &cli_key)
        .env_remove("COUNTERSIGN_SERVER_KEY_FILE")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _running = Running(child);
    assert!(line.contains("listening"), "{line}");
    assert!(dir.path().join("server-key.pk8").exists());
    assert!(!cli_key.exists(), "the CLI's key file was left alone");
}

/// `--demo` without tokens: prints made-up tokens, and on the first start a
/// demo user's password, once; the printed credentials work.
#[tokio::test]
async fn demo_mode_prints_working_credentials_once() {
    let dir = tempfile::tempdir().unwrap();
    let run = || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_countersign-server"))
            .args(["--demo", "--listen", "127.0.0.1:0", "--data"])
            .arg(dir.path())
            .env_remove("COUNTERSIGN_ADMIN_TOKEN")
            .env_remove("COUNTERSIGN_RP_TOKEN")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut lines = Vec::new();
        for _ in 0..4 {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            lines.push(line.trim_end().to_owned());
        }
        (Running(child), lines)
    };
    let word_after = |lines: &[String], marker: &str| -> String {
        let line = lines.iter().find(|line| line.contains(marker)).unwrap();
        let start = line.find(marker).unwrap() + marker.len();
        line[start..].split_whitespace().next().unwrap().to_owned()
    };
    let (first, lines) = run();
    let base = word_after(&lines, "User Portal: ").replace("/portal/login,", "");
    let admin = word_after(&lines, "admin token ");
    let password = word_after(&lines, " password ");
    let mut browser = countersign_testkit::form_browser::FormBrowser::new(&base);
    let signed_in = browser.sign_in("jane@example.com", &password).await;
    assert_eq!(
        signed_in.location.as_deref(),
        Some("/portal/security?notice=enroll"),
        "{lines:?}"
    );
    let users = countersign_core::http::client_builder()
        .build()
        .unwrap()
        .get(format!("{base}/v1/admin/users"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(users.status(), 200);
    drop(first);
    // A restart adds nothing and shows no password again.
    let (_second, lines) = run();
    assert!(
        lines
            .iter()
            .any(|line| line.contains("Users exist already")),
        "{lines:?}"
    );
    assert!(!lines.iter().any(|line| line.contains(&password)));
}

#[test]
fn push_delivery_flags_that_cannot_work_stop_the_server_with_what_to_fix() {
    let dir = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_countersign-server"))
            .args([
                "--listen",
                "127.0.0.1:0",
                "--data",
                dir.path().to_str().unwrap(),
            ])
            .args(extra)
            .env("COUNTERSIGN_ADMIN_TOKEN", "admin-token-0123456789")
            .env("COUNTERSIGN_RP_TOKEN", "rp-token-0123456789abc")
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8(output.stderr).unwrap(),
        )
    };
    // An APNs key without the ids that go with it: clap says which are missing.
    let (code, stderr) = run(&["--apns-key-file", "AuthKey.p8"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--apns-key-id"), "{stderr}");
    // A key file that is not there.
    let (code, stderr) = run(&[
        "--apns-key-file",
        "missing/AuthKey.p8",
        "--apns-key-id",
        "ABC123DEFG",
        "--apns-team-id",
        "TEAM123456",
        "--apns-topic",
        "dev.countersign.app",
    ]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("push delivery cannot work") && stderr.contains("missing/AuthKey.p8"),
        "{stderr}"
    );
    // A service account that is not one.
    let account = dir.path().join("account.json");
    std::fs::write(&account, "{}").unwrap();
    let (code, stderr) = run(&["--fcm-service-account", account.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("Service accounts"), "{stderr}");
}
