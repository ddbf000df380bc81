//! `pam_countersign.so` loaded by Debian's `pamtester` through a service file
//! of its own in /etc/pam.d (pamtester cannot point PAM anywhere else, so
//! these tests run as root; `.ci/run` does), against the reference server on
//! 127.0.0.1 with the `countersign` CLI as the phone: approve, deny, expire,
//! a typed code, the pending limit, a server that is down or answers 500,
//! and a token file others can read.
//!
//! The CLI binary is the workspace's `target/<profile>/countersign`, which
//! `cargo test --workspace` builds; run `cargo build -p countersign-cli`
//! before testing this crate alone.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use countersign_testkit::cli_phone::CliPhone;
use countersign_testkit::{RP, Server, Setup};
use serde_json::{Value, json};

/// `target/<profile>`, from this test's own path (`target/<profile>/deps/…`).
fn build_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().to_owned()
}

/// The module this test build made: `cargo test` leaves a library that is
/// only a dependency of the tests in `deps/` (`cargo build` also copies it up).
fn module() -> PathBuf {
    let module = build_dir().join("deps").join("libpam_countersign.so");
    assert!(module.exists(), "{} is missing", module.display());
    module
}

fn cli() -> PathBuf {
    let cli = build_dir().join("countersign");
    assert!(
        cli.exists(),
        "{} is missing: cargo build -p countersign-cli (cargo test --workspace builds it)",
        cli.display()
    );
    cli
}

/// A uniquely named service file in /etc/pam.d, removed on drop.
struct PamService {
    name: String,
    path: PathBuf,
}

impl PamService {
    fn new(label: &str, config: &Path) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "countersign-test-{}-{}-{label}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        let path = Path::new("/etc/pam.d").join(&name);
        std::fs::write(
            &path,
            format!(
                "auth required {} config={}\n",
                module().display(),
                config.display()
            ),
        )
        .unwrap_or_else(|e| {
            panic!(
                "writing {} needs root (pamtester reads /etc/pam.d only): {e}",
                path.display()
            )
        });
        Self { name, path }
    }
}

impl Drop for PamService {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A running `pamtester <service> <user> authenticate`, with everything it
/// writes (prompts and messages) collected in one text.
struct Pamtester {
    child: Child,
    stdin: ChildStdin,
    seen: Arc<Mutex<String>>,
}

impl Pamtester {
    fn start(service: &PamService, user: &str) -> Self {
        let mut child = Command::new("pamtester")
            .args(["-v", &service.name, user, "authenticate"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("pamtester (apt install pamtester)");
        let seen = Arc::new(Mutex::new(String::new()));
        let stdout: Box<dyn Read + Send> = Box::new(child.stdout.take().unwrap());
        let stderr: Box<dyn Read + Send> = Box::new(child.stderr.take().unwrap());
        for mut stream in [stdout, stderr] {
            let seen = seen.clone();
            std::thread::spawn(move || {
                let mut buffer = [0u8; 512];
                while let Ok(read) = stream.read(&mut buffer) {
                    if read == 0 {
                        break;
                    }
                    seen.lock()
                        .unwrap()
                        .push_str(&String::from_utf8_lossy(&buffer[..read]));
                }
            });
        }
        let stdin = child.stdin.take().unwrap();
        Self { child, stdin, seen }
    }

    fn seen(&self) -> String {
        self.seen.lock().unwrap().clone()
    }

    /// Waits until the output holds `text`, and returns the output.
    async fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let seen = self.seen();
            if seen.contains(text) {
                return seen;
            }
            assert!(Instant::now() < deadline, "no {text:?} in {seen:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The number the prompt shows.
    async fn number(&self) -> String {
        let seen = self.wait_for("then press Enter").await;
        let after = seen
            .split("number ")
            .nth(1)
            .expect("a number in the prompt");
        after.chars().take_while(char::is_ascii_digit).collect()
    }

    fn answer(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
    }

    /// Whether PAM let the user in, and everything shown.
    async fn finish(mut self) -> (bool, String) {
        let status = tokio::task::spawn_blocking(move || {
            let status = self.child.wait().unwrap();
            (status, self)
        })
        .await
        .unwrap();
        let (status, this) = status;
        // Let the readers drain what is left.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let seen = this.seen();
        let succeeded = status.success() && seen.contains("successfully authenticated");
        (succeeded, seen)
    }
}

/// A reference server on the system clock (the CLI phone reads it), a
/// resource for this computer's logins, and the module's configuration.
struct Rig {
    server: Server,
    dir: tempfile::TempDir,
}

impl Rig {
    async fn start() -> Self {
        let server = Server::start_with(Setup::system_time()).await;
        let rig = Self {
            server,
            dir: tempfile::tempdir().unwrap(),
        };
        rig.server
            .admin(
                reqwest::Method::POST,
                "/v1/admin/resources",
                json!({ "id": "build-01", "name": "SSH to build-01" }),
            )
            .await;
        rig.server
            .admin(
                reqwest::Method::PUT,
                "/v1/admin/policy",
                json!({ "number_matching": true }),
            )
            .await;
        rig
    }

    /// Writes the configuration (root-owned, as the module demands) and the
    /// service file that loads the module with it.
    fn service(&self, label: &str, server: &str, extra: &str) -> PamService {
        let token = self.dir.path().join(format!("{label}.token"));
        std::fs::write(&token, format!("{RP}\n")).unwrap();
        std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o600)).unwrap();
        let config = self.dir.path().join(format!("{label}.conf"));
        std::fs::write(
            &config,
            format!(
                "# written by pam/tests/pamtester.rs\nserver = {server}\n\
                 token_file = {}\nresource = build-01\ntimeout = 60\n{extra}",
                token.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
        PamService::new(label, &config)
    }

    fn phone(&self, user: &str) -> CliPhone {
        CliPhone::new(cli(), &self.dir.path().join(format!("phone-{user}")))
    }

    /// `user` with the CLI as their enrolled phone.
    async fn enrolled(&self, user: &str) {
        let uri = self.server.enrollment_uri(user).await;
        self.phone(user).enroll(&uri).await;
    }

    /// Approves request `id` on `user`'s phone with the login's number.
    async fn approve(&self, user: &str, id: &str, number: &str) {
        self.phone(user)
            .ok(&["approve", id, "--number", number])
            .await;
    }

    /// The phone's one waiting request for `user`.
    async fn request(&self, user: &str) -> Value {
        let pending = self.phone(user).pending().await;
        assert_eq!(pending.len(), 1, "{pending:?}");
        pending[0].clone()
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs root and Debian's pamtester (.ci/run installs it and runs these)"]
async fn approved_on_the_phone_with_the_number_lets_the_user_in() {
    let rig = Rig::start().await;
    rig.enrolled("alice").await;
    let service = rig.service("approve", &rig.server.base, "");

    let mut login = Pamtester::start(&service, "alice");
    let number = login.number().await;
    assert_eq!(number.len(), 3, "{}", login.seen());
    let request = rig.request("alice").await;
    // What the phone shows: the resource, and "<service> on <host>".
    assert_eq!(request["resource"]["name"], "SSH to build-01");
    assert_eq!(request["browser"], service.name.as_str());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    assert_eq!(request["os"], host.trim());
    assert_eq!(request["number_matching"], true);
    let id = request["id"].as_str().unwrap();
    rig.approve("alice", id, &number).await;
    login.answer("");
    let (let_in, seen) = login.finish().await;
    assert!(let_in, "{seen}");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs root and Debian's pamtester (.ci/run installs it and runs these)"]
async fn enter_before_the_approval_waits_for_it() {
    let rig = Rig::start().await;
    rig.enrolled("alice").await;
    let service = rig.service("early-enter", &rig.server.base, "");

    let mut login = Pamtester::start(&service, "alice");
    let number = login.number().await;
    login.answer("");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!login.seen().contains("authenticated"), "{}", login.seen());
    let request = rig.request("alice").await;
    let id = request["id"].as_str().unwrap();
    rig.approve("alice", id, &number).await;
    let (let_in, seen) = login.finish().await;
    assert!(let_in, "{seen}");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs root and Debian's pamtester (.ci/run installs it and runs these)"]
async fn denied_on_the_phone_fails_the_login_and_says_so() {
    let rig = Rig::start().await;
    rig.enrolled("alice").await;
    let service = rig.service("deny", &rig.server.base, "");

    let mut login = Pamtester::start(&service, "alice");
    login.number().await;
    let request = rig.request("alice").await;
    rig.phone("alice")
        .ok(&["deny", request["id"].as_str().unwrap()])
        .await;
    login.answer("");
    let (let_in, seen) = login.finish().await;
    assert!(!let_in, "{seen}");
    assert!(seen.contains("Denied on your phone."), "{seen}");
    assert!(seen.contains("Authentication failure"), "{seen}");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs root and Debian's pamtester (.ci/run installs it and runs these)"]
async fn an_expired_request_fails_the_login_and_says_so() {
    let rig = Rig::start().await;
    rig.enrolled("alice").await;
    let service = rig.service("expire", &rig.server.base, "");

    let mut login = Pamtester::start(&service, "alice");
    login.number().await;
    // Nobody answers; the server's minute passes.
    rig.server.clock.advance(61);
    login.answer("");
    let (let_in, seen) = login.finish().await;
    assert!(!let_in, "{seen}");
    assert!(seen.contains("The request on your phone expired"), "{seen}");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs root and Debian's pamtester (.ci/run installs it and runs these)"]
async fn a_code_typed_at_the_prompt_lets_the_user_in_and_a_wrong_one_does_not() {
    let rig = Rig::start().await;
    rig.enrolled("alice").await;
    let otpauth = rig
        .server
        .admin(
            reqwest::Method::POST,
            "/v1/admin/users/alice/enrollments",
            json!({ "kind": "totp" }),
        )
        .await["uri"]
        .as_str()
        .unwrap()
        .to_owned();
    rig.phone("alice").ok(&["add", &otpauth]).await;
    let service = rig.service("code", &rig.server.base, "");

    // Three wrong codes end the login, and take its push back from the phone.
    let mut login = Pamtester::start(&service, "alice");
    login.number().await;
    for _ in 0..3 {
        login.answer("000000");
    }
    let (let_in, seen) = login.finish().await;
    assert!(!let_in, "{seen}");
    assert_eq!(seen.matches("That code is not right.").count(), 3, "{seen}");
    assert!(rig.phone("alice").pending().await.is_empty(), "withdrawn");

    // The code the phone shows lets the user in; the push goes back too.
    let mut login = Pamtester::start(&service, "alice");
    login.number().await;
    let codes: Value =
        serde_json::from_str(&rig.phone("alice").ok(&["codes", "--json"]).await).unwrap();
    login.answer(codes["accounts"][0]["code"].as_str().unwrap());
    let (let_in, seen) = login.finish().await;
    assert!(let_in, "{seen}");
    assert!(rig.phone("alice").pending().await.is_empty(), "withdrawn");

    // The pending limit: while one login's push waits on the phone, the next
    // login says so and takes a code (the next step's: a code counts once).
    let mut first = Pamtester::start(&service, "alice");
    let number = first.number().await;
    let mut second = Pamtester::start(&service, "alice");
    second.wait_for("Type a code from your authenticator").await;
    // The server runs on the system clock, as the CLI does.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let next_step = (now.as_secs() + 30).to_string();
    let next_code = rig
        .phone("alice")
        .ok(&["code", &otpauth, "--at", &next_step])
        .await;
    second.answer(next_code.split_whitespace().next().unwrap());
    let (let_in, seen) = second.finish().await;
    assert!(let_in, "{seen}");
    // misc_conv prints notes on stdout, buffered until pamtester exits.
    assert!(
        seen.contains("A sign-in is already waiting on your phone"),
        "{seen}"
    );
    // The first login's push is still the phone's to answer.
    let request = rig.request("alice").await;
    rig.approve("alice", request["id"].as_str().unwrap(), &number)
        .await;
    first.answer("");
    let (let_in, seen) = first.finish().await;
    assert!(let_in, "{seen}");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs root and Debian's pamtester (.ci/run installs it and runs these)"]
async fn a_server_that_is_down_or_failing_refuses_everyone_but_the_allow_list() {
    let rig = Rig::start().await;
    let failing = answers_500().await;
    let closed = format!("http://127.0.0.1:{}", countersign_testkit::free_port());
    for (label, server) in [("down", closed.as_str()), ("500", failing.as_str())] {
        // Fail closed: the default.
        let service = rig.service(&format!("{label}-closed"), server, "");
        let (let_in, seen) = Pamtester::start(&service, "alice").finish().await;
        assert!(!let_in, "{label}: {seen}");
        assert!(seen.contains("cannot be reached"), "{label}: {seen}");

        // The allow list lets its users in, and only them.
        let service = rig.service(
            &format!("{label}-listed"),
            server,
            "when_unreachable = allow-listed\nunreachable_allow = root, oncall\n",
        );
        let (let_in, seen) = Pamtester::start(&service, "oncall").finish().await;
        assert!(let_in, "{label}: {seen}");
        assert!(seen.contains("lets you in without it"), "{label}: {seen}");
        let (let_in, seen) = Pamtester::start(&service, "alice").finish().await;
        assert!(!let_in, "{label}: {seen}");

        // Fail open lets everyone in.
        let service = rig.service(
            &format!("{label}-open"),
            server,
            "when_unreachable = allow\n",
        );
        let (let_in, seen) = Pamtester::start(&service, "alice").finish().await;
        assert!(let_in, "{label}: {seen}");
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs root and Debian's pamtester (.ci/run installs it and runs these)"]
async fn a_token_file_others_can_read_or_a_wrong_token_refuses_even_when_failing_open() {
    let rig = Rig::start().await;
    rig.enrolled("alice").await;
    let service = rig.service("readable", &rig.server.base, "when_unreachable = allow\n");
    let token = rig.dir.path().join("readable.token");
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (let_in, seen) = Pamtester::start(&service, "alice").finish().await;
    assert!(!let_in, "{seen}");
    assert!(seen.contains("not set up correctly"), "{seen}");

    // A token the server does not know is not "unreachable".
    let service = rig.service(
        "wrong-token",
        &rig.server.base,
        "when_unreachable = allow\n",
    );
    std::fs::write(rig.dir.path().join("wrong-token.token"), "not-the-token\n").unwrap();
    let (let_in, seen) = Pamtester::start(&service, "alice").finish().await;
    assert!(!let_in, "{seen}");
    assert!(seen.contains("refused this computer's token"), "{seen}");
}

/// A server on 127.0.0.1 that answers every request with a 500.
async fn answers_500() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut request = vec![0u8; 4096];
                let _ = stream.read(&mut request).await;
                let body = "{\"error\":\"boom\"}";
                let _ = stream
                    .write_all(
                        format!(
                            "HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\n\
                             content-length: {}\r\nconnection: close\r\n\r\n{body}",
                            body.len()
                        )
                        .as_bytes(),
                    )
                    .await;
            });
        }
    });
    format!("http://{address}")
}
