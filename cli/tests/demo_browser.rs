//! `countersign demo --browser` as a person uses it: the binary prints the
//! portal's URL and a password; a browser (here one without JavaScript)
//! signs in, enrolls with the code shown under "Enter code instead", pasted
//! into the terminal; then signs in again and the terminal approves with the
//! number the browser shows.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use countersign_testkit::form_browser::FormBrowser;
use reqwest::StatusCode;

/// The demo's terminal: what it printed so far, and its keyboard.
struct Terminal {
    child: Child,
    output: Arc<Mutex<String>>,
}

impl Terminal {
    fn start() -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_countersign"))
            .args(["demo", "--browser"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let output = Arc::new(Mutex::new(String::new()));
        let mut stdout = child.stdout.take().unwrap();
        let sink = output.clone();
        // Prompts end without a newline: read bytes, not lines.
        std::thread::spawn(move || {
            let mut buffer = [0u8; 1024];
            while let Ok(read) = stdout.read(&mut buffer) {
                if read == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buffer[..read]));
            }
        });
        Self { child, output }
    }

    /// Waits until the terminal has shown `text`; returns all it showed.
    async fn wait_for(&self, text: &str) -> String {
        let started = Instant::now();
        loop {
            let shown = self.output.lock().unwrap().clone();
            if shown.contains(text) {
                return shown;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the demo never showed {text:?}:\n{shown}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn type_line(&mut self, line: &str) {
        let stdin = self.child.stdin.as_mut().unwrap();
        stdin.write_all(format!("{line}\n").as_bytes()).unwrap();
        stdin.flush().unwrap();
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn after<'a>(text: &'a str, marker: &str) -> &'a str {
    let start = text
        .find(marker)
        .unwrap_or_else(|| panic!("{marker:?} in {text}"))
        + marker.len();
    text[start..].split_whitespace().next().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_enrolls_the_terminal_and_approves_a_sign_in_from_the_browser() {
    let mut terminal = Terminal::start();
    let shown = terminal.wait_for("paste the enrollment code here").await;
    let login = after(&shown, "1. Open ");
    let base = login.trim_end_matches("/portal/login").to_owned();
    let user = after(&shown, "2. Sign in as ");
    let password = after(&shown, "with the password ");
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");

    let mut browser = FormBrowser::new(&base);
    let first = browser.sign_in(user, password).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let security = browser.get("/portal/security").await;
    let enroll = browser
        .post("/portal/security/device", &security.csrf().unwrap(), &[])
        .await;
    let uri = enroll.text_of("enrollment-uri").unwrap();
    assert!(uri.starts_with("countersign://enroll?"), "{uri}");
    terminal.type_line(&uri);
    terminal.wait_for("Enrolled").await;
    let security = browser.get("/portal/security").await;
    assert!(
        security
            .text_of("device-status")
            .unwrap()
            .contains("Jane's terminal"),
        "{}",
        security.body
    );

    // Sign out and in again: the terminal shows the request and takes the number.
    browser
        .post("/portal/logout", &security.csrf().unwrap(), &[])
        .await;
    let second = browser.sign_in(user, password).await;
    let wait_page = second.location.unwrap();
    assert!(wait_page.starts_with("/portal/login/push/"), "{wait_page}");
    let number = browser.get(&wait_page).await.text_of("number").unwrap();
    terminal.wait_for("Number to approve").await;
    terminal.type_line(&number);
    terminal.wait_for("Approved").await;
    let signed_in = browser.get(&wait_page).await;
    assert_eq!(
        (signed_in.status, signed_in.location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/portal/security"))
    );
    assert_eq!(
        browser
            .get("/portal/security")
            .await
            .text_of("sign-out")
            .as_deref(),
        Some("Sign out")
    );
}
