//! The CLI as the phone, against a reference server on 127.0.0.1: the real
//! `countersign` binary for enroll, pending, approve, deny, listen and demo.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use countersign_testkit::{ADMIN, Server, Setup as TestSetup};
use serde_json::{Value, json};

/// The test kit's server on the system clock (the binary reads it), and a
/// directory for the phone's vault.
struct Setup {
    server: Server,
    dir: tempfile::TempDir,
    http: reqwest::Client,
}

impl Setup {
    async fn start() -> Self {
        let server = Server::start_with(TestSetup::system_time()).await;
        let http = server.http.clone();
        Self {
            server,
            dir: tempfile::tempdir().unwrap(),
            http,
        }
    }

    fn base(&self) -> String {
        self.server.base.clone()
    }

    async fn push(&self, user: &str) -> (String, Option<String>) {
        self.server.push(user, "portal", "login").await
    }

    async fn status(&self, id: &str) -> String {
        self.server.status(id).await["status"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn enrolled(&self, user: &str) {
        let uri = self.server.enrollment_uri(user).await;
        let output = countersign(self.dir.path(), &["enroll", &uri], "").await;
        assert!(output.status.success(), "{output:?}");
        assert!(
            String::from_utf8(output.stdout)
                .unwrap()
                .starts_with(&format!("Enrolled {user} at Example Corp"))
        );
    }
}

fn vault(dir: &Path) -> PathBuf {
    dir.join("phone.sqlite")
}

/// Runs the binary off the async runtime, so the in-process server keeps serving.
async fn countersign(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let (dir, args, stdin) = (
        dir.to_owned(),
        args.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>(),
        stdin.to_owned(),
    );
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_countersign"))
            .args(&args)
            .env("COUNTERSIGN_VAULT", vault(&dir))
            .env("COUNTERSIGN_KEY_FILE", dir.join("vault.key"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn enroll_pending_and_approve_with_the_number() {
    let setup = Setup::start().await;
    setup.enrolled("alice").await;
    let (id, number) = setup.push("alice").await;
    let pending = countersign(setup.dir.path(), &["pending"], "").await;
    let listed = String::from_utf8(pending.stdout).unwrap();
    assert!(
        listed.contains(&id)
            && listed.contains("Berlin, DE")
            && listed.contains("enter the number"),
        "{listed}"
    );
    let json = countersign(setup.dir.path(), &["pending", "--json"], "").await;
    let json: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(json["requests"][0]["id"], id.as_str());
    assert_eq!(json["requests"][0]["kind"], "login");
    assert_eq!(json["requests"][0]["location"], "Berlin, DE");
    assert_eq!(json["requests"][0]["number_matching"], true);
    assert_eq!(json["failures"], serde_json::json!([]));
    let accounts = countersign(setup.dir.path(), &["push-accounts", "--json"], "").await;
    let accounts: Value = serde_json::from_slice(&accounts.stdout).unwrap();
    assert_eq!(accounts[0]["dialect"], "countersign");
    assert_eq!(accounts[0]["user"], "alice");
    assert_eq!(accounts[0]["status"], "active");
    assert_eq!(accounts[0]["certificate_checks"], true);
    let missing = countersign(setup.dir.path(), &["approve", &id], "").await;
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        String::from_utf8(missing.stderr)
            .unwrap()
            .contains("enter the number")
    );
    let approve = countersign(
        setup.dir.path(),
        &["approve", &id, "--number", number.as_deref().unwrap()],
        "",
    )
    .await;
    assert!(approve.status.success(), "{approve:?}");
    assert_eq!(
        String::from_utf8(approve.stdout).unwrap().trim(),
        "Approved."
    );
    assert_eq!(setup.status(&id).await, "approved");
}

#[tokio::test(flavor = "multi_thread")]
async fn deny_with_fraud_reports_it() {
    let setup = Setup::start().await;
    setup.enrolled("bob").await;
    let (id, _) = setup.push("bob").await;
    let deny = countersign(setup.dir.path(), &["deny", &id, "--fraud"], "").await;
    assert!(deny.status.success(), "{deny:?}");
    assert!(String::from_utf8(deny.stdout).unwrap().contains("Reported"));
    let status = setup.server.status(&id).await;
    assert_eq!(
        (&status["status"], &status["fraud"]),
        (&json!("denied"), &json!(true))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn biometric_policy_needs_confirmation_at_the_terminal_or_confirm() {
    let setup = Setup::start().await;
    setup
        .http
        .put(format!("{}/v1/admin/policy", setup.base()))
        .bearer_auth(ADMIN)
        .json(&json!({ "biometric": "required", "number_matching": false }))
        .send()
        .await
        .unwrap();
    setup.enrolled("carol").await;
    let (id, _) = setup.push("carol").await;
    let refused = countersign(setup.dir.path(), &["approve", &id], "").await;
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        String::from_utf8(refused.stderr)
            .unwrap()
            .contains("--confirm")
    );
    assert_eq!(setup.status(&id).await, "pending", "nothing was signed");
    let confirmed = countersign(setup.dir.path(), &["approve", &id, "--confirm"], "").await;
    assert!(confirmed.status.success(), "{confirmed:?}");
    assert_eq!(setup.status(&id).await, "approved");
}

#[tokio::test(flavor = "multi_thread")]
async fn listen_prompts_and_answers_from_the_keyboard() {
    let setup = Setup::start().await;
    setup.enrolled("dave").await;
    let (id, _) = setup.push("dave").await;
    let listen = countersign(
        setup.dir.path(),
        &["listen", "--seconds", "1", "--every", "1"],
        "n\n",
    )
    .await;
    let out = String::from_utf8(listen.stdout).unwrap();
    assert!(listen.status.success(), "{out}");
    assert!(
        out.contains("Sign in to Countersign portal") && out.contains("Denied."),
        "{out}"
    );
    assert_eq!(setup.status(&id).await, "denied");
}

#[test]
fn the_demo_runs_every_flow_end_to_end() {
    let output = Command::new(env!("CARGO_BIN_EXE_countersign"))
        .arg("demo")
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for expected in [
        "enrolls",
        "the sign-in screen shows the number",
        "Berlin, DE · Firefox 133 on Windows 11",
        "approves: Approved",
        "The portal sees the push approved",
        "the server accepts the code: true",
        "Done:",
    ] {
        assert!(
            stdout.contains(expected),
            "{expected:?} missing from:\n{stdout}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_export_says_push_accounts_stay_behind() {
    let setup = Setup::start().await;
    setup.enrolled("erin").await;
    let password = setup.dir.path().join("password");
    std::fs::write(&password, "pw\n").unwrap();
    let out = setup.dir.path().join("backup.json");
    let output = countersign(
        setup.dir.path(),
        &[
            "export",
            "--format",
            "countersign",
            "--out",
            out.to_str().unwrap(),
            "--password-file",
            password.to_str().unwrap(),
        ],
        "",
    )
    .await;
    let said = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{said}");
    assert!(
        said.contains("left out: push sign-in for erin at Example Corp")
            && said.contains("bound to this device"),
        "{said}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_privacyidea_code_fails_at_once_without_making_a_key() {
    let dir = tempfile::tempdir().unwrap();
    // A privacyIDEA scheme with no serial, key or URL in it.
    let output = countersign(dir.path(), &["enroll", "pia://pipush/LABEL?v=1"], "").await;
    let said = String::from_utf8(output.stderr).unwrap();
    assert!(!output.status.success(), "{said}");
    assert!(!said.contains("RSA key"), "{said}");
    assert!(said.contains("privacyIDEA"), "{said}");
    let listed = countersign(dir.path(), &["push-accounts", "--json"], "").await;
    let listed = String::from_utf8(listed.stdout).unwrap();
    assert_eq!(listed.trim(), "[]", "nothing was enrolled");
}

#[tokio::test(flavor = "multi_thread")]
async fn diagnostics_are_shown_sent_to_a_collector_and_gone_when_turned_off() {
    let setup = Setup::start().await;
    setup.enrolled("alice").await;
    let (id, _) = setup.push("alice").await;
    let missing = countersign(setup.dir.path(), &["approve", &id], "").await;
    assert_eq!(missing.status.code(), Some(1));

    let shown = countersign(setup.dir.path(), &["settings", "diagnostics", "--show"], "").await;
    let shown = String::from_utf8(shown.stdout).unwrap();
    assert!(
        shown.contains(r#""event":"answer_refused","problem":"number_required""#),
        "{shown}"
    );
    for private in ["alice", "Berlin", "203.0.113.24", "127.0.0.1", &id] {
        assert!(!shown.contains(private), "{private} in {shown}");
    }

    let base = setup.base();
    let sent = countersign(
        setup.dir.path(),
        &["settings", "diagnostics", "--send-to", &base],
        "",
    )
    .await;
    let sent = String::from_utf8(sent.stdout).unwrap();
    assert!(sent.starts_with("Sent "), "{sent}");
    let report = setup
        .server
        .admin(
            reqwest::Method::GET,
            "/v1/admin/diagnostics?since=0",
            json!({}),
        )
        .await;
    assert!(
        report["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|row| row["code"] == "number_required"),
        "{report}"
    );
    let again = countersign(
        setup.dir.path(),
        &["settings", "diagnostics", "--send-to", &base],
        "",
    )
    .await;
    assert!(
        String::from_utf8(again.stdout)
            .unwrap()
            .contains("less than an hour ago")
    );

    let off = countersign(
        setup.dir.path(),
        &["settings", "diagnostics", "off", "--show"],
        "",
    )
    .await;
    let off = String::from_utf8(off.stdout).unwrap();
    assert!(off.contains("Queued diagnostic events: 0"), "{off}");
    assert!(off.contains("Share diagnostic data:  off"), "{off}");
}
