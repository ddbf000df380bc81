//! Share Diagnostic Data through the surface the apps call: events from real
//! operations (against the reference server) reach the collector with sharing
//! on, nothing is queued or sent with it off, and no byte that is queued or
//! leaves the phone holds any of the user data the operations were given.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::MemoryKeyStore;
use countersign_core::http::PlainHttp;
use countersign_ffi::*;
use countersign_testkit::{Server, Setup};
use proptest::prelude::*;
use reqwest::Method;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::Mutex;

use common::open_loopback as open;

struct Passing;

#[async_trait::async_trait]
impl BiometricPrompt for Passing {
    async fn confirm(&self, _reason: String) -> Result<BiometricOutcome, FfiError> {
        Ok(BiometricOutcome::Passed)
    }
}

fn environment(os_version: &str, locale: &str) -> DiagnosticsEnvironment {
    DiagnosticsEnvironment {
        app_version: "1.4.0".into(),
        platform: AppPlatform::Android,
        os_version: os_version.into(),
        device: DeviceKind::Phone,
        locale: locale.into(),
    }
}

/// A collector on 127.0.0.1 that answers 202 and keeps every request's raw
/// bytes: what left the phone, exactly.
#[derive(Clone, Default)]
struct CapturingCollector {
    requests: Arc<Mutex<Vec<Vec<u8>>>>,
    connections: Arc<AtomicUsize>,
}

impl CapturingCollector {
    async fn start(&self) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let this = self.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                this.connections.fetch_add(1, Ordering::SeqCst);
                let mut bytes = Vec::new();
                let mut buffer = [0u8; 8192];
                // Headers, then as much body as Content-Length says.
                loop {
                    let read = stream.read(&mut buffer).await.unwrap_or(0);
                    if read == 0 {
                        break;
                    }
                    bytes.extend_from_slice(&buffer[..read]);
                    if let Some(end) = find(&bytes, b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&bytes[..end]).to_ascii_lowercase();
                        let length = head
                            .lines()
                            .find_map(|line| line.strip_prefix("content-length:"))
                            .and_then(|value| value.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        if bytes.len() >= end + 4 + length {
                            break;
                        }
                    }
                }
                this.requests.lock().await.push(bytes);
                let _ = stream
                    .write_all(b"HTTP/1.1 202 Accepted\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}")
                    .await;
            }
        });
        format!("http://{address}")
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// User data an operation is given, which no diagnostics byte may hold.
#[derive(Debug, Clone)]
struct UserData {
    issuer: String,
    account: String,
    secret: String,
    user: String,
    host: String,
    ip: String,
    location: String,
    browser: String,
    note: String,
}

impl UserData {
    fn needles(&self) -> Vec<String> {
        vec![
            self.issuer.clone(),
            self.account.clone(),
            self.secret.clone(),
            self.user.clone(),
            self.host.clone(),
            self.ip.clone(),
            self.location.clone(),
            self.browser.clone(),
            self.note.clone(),
        ]
    }
}

fn word() -> impl Strategy<Value = String> {
    // "zq" makes a random word impossible to meet in the schema's own text.
    "zq[a-z0-9]{10}"
}

fn user_data() -> impl Strategy<Value = UserData> {
    (
        (word(), word(), "[A-Z2-7]{32}", word(), word()),
        (100u8..250, 100u8..250, 100u8..250, 100u8..250),
        (word(), word(), word()),
    )
        .prop_map(
            |((issuer, account, secret, user, host), (a, b, c, d), (location, browser, note))| {
                UserData {
                    issuer,
                    account,
                    secret,
                    user,
                    host,
                    ip: format!("{a}.{b}.{c}.{d}"),
                    location,
                    browser,
                    note,
                }
            },
        )
}

fn context_of(data: &UserData) -> serde_json::Value {
    json!({ "ip": data.ip, "location": data.location,
            "browser": data.browser, "os": data.note, "time": 0 })
}

/// Every public operation a user's data goes through, failures included.
/// Returns the codes the phone showed (they must not leak either).
async fn use_the_app(app: &Authenticator, server: &Server, data: &UserData) -> Vec<String> {
    let uri = format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}",
        data.issuer, data.account, data.secret, data.issuer
    );
    app.add_account(uri.clone()).await.unwrap();
    assert!(app.add_account(uri).await.is_err(), "a duplicate");
    let codes: Vec<String> = app
        .codes()
        .await
        .unwrap()
        .items
        .into_iter()
        .filter_map(|item| item.code)
        .collect();
    // An import that fails, and one that adds an account.
    let garbage = format!("{} {} {}", data.note, data.account, data.secret);
    assert!(app.import_file(garbage.into_bytes(), None).await.is_err());
    let list = format!(
        "otpauth://totp/{}:{}2?secret={}\n",
        data.issuer, data.account, data.secret
    );
    app.import_file(list.into_bytes(), None).await.unwrap();
    // An enrollment code for a server that does not exist, then a real one.
    let bad = format!(
        "countersign://enroll?v=1&url=https%3A%2F%2F{}.example&token={}",
        data.host, data.note
    );
    assert!(
        app.enroll_push(bad, 0, data.note.clone(), "android".into(), None, false)
            .await
            .is_err()
    );
    let enrollment = server.enrollment_uri(&data.user).await;
    app.enroll_push(
        enrollment,
        countersign_core::Clock::now(&countersign_core::SystemClock),
        data.account.clone(),
        "android".into(),
        Some(data.note.clone()),
        false,
    )
    .await
    .unwrap();
    let context = context_of(data);
    // A wrong number (the request is then blocked), and a right one.
    let (_, number) = server
        .push_with_context(&data.user, "portal", "login", context.clone())
        .await;
    let requests = app.pending_requests().await.unwrap();
    let wrong = if number.as_deref() == Some("00") {
        "01"
    } else {
        "00"
    };
    let refused = app
        .approve(
            requests[0].id.clone(),
            Some(wrong.into()),
            Arc::new(Passing),
        )
        .await;
    assert!(
        matches!(refused, Err(FfiError::WrongNumber { .. })),
        "{refused:?}"
    );
    let (_, number) = server
        .push_with_context(&data.user, "portal", "login", context)
        .await;
    let requests = app.pending_requests().await.unwrap();
    app.approve(requests[0].id.clone(), number, Arc::new(Passing))
        .await
        .unwrap();
    // Denied from the Watch, a new push token, the accounts renamed, previewed
    // and deleted: every other operation that takes the user's words.
    let (id, _) = server
        .push_with_context(&data.user, "portal", "login", context_of(data))
        .await;
    app.pending_requests().await.unwrap();
    app.watch_request(id.clone()).await.unwrap();
    app.answer_from_watch(id, false, None, false).await.unwrap();
    app.update_push_token(Some(format!("{}{}", data.note, data.secret)))
        .await
        .unwrap();
    let accounts = app.accounts(Some(data.account.clone())).await.unwrap();
    app.rename(
        accounts[0].id.clone(),
        Some(data.location.clone()),
        data.browser.clone(),
    )
    .await
    .unwrap();
    let list = format!(
        "otpauth://totp/{}:{}3?secret={}\n",
        data.issuer, data.account, data.secret
    );
    app.preview_import(list.into_bytes(), None).await.unwrap();
    app.delete_account(accounts[0].id.clone()).await.unwrap();
    // A forged notification carrying the user's words.
    let forged =
        json!({ "countersign_challenge": format!("{}.{}.{}", data.note, data.location, data.ip) });
    assert!(
        app.handle_push_payload(forged.to_string().into_bytes())
            .await
            .is_err()
    );
    app.note_scan(ScanEnd::Decoded, 7, 900).await;
    codes
}

fn assert_holds_none(bytes: &[u8], needles: &[String], what: &str) {
    for needle in needles {
        assert!(
            find(bytes, needle.as_bytes()).is_none(),
            "{what} holds {needle:?}: {}",
            String::from_utf8_lossy(bytes)
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4, ..ProptestConfig::default() })]

    #[test]
    fn no_user_data_is_queued_or_sent(data in user_data()) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let server = Server::start_with(Setup::system_time()).await;
            server
                .admin(Method::PUT, "/v1/admin/policy", json!({ "number_matching": true }))
                .await;
            let dir = tempfile::tempdir().unwrap();
            let app = open(&dir);
            let codes = use_the_app(&app, &server, &data).await;

            let mut needles = data.needles();
            needles.extend(codes.iter().map(|code| format!("\"{code}\"")));
            needles.push(app.protect_id().await);
            let queued = app.diagnostics_queue().await.unwrap();
            let names: Vec<&str> = queued
                .iter()
                .map(|body| serde_json::from_str::<serde_json::Value>(body).unwrap())
                .map(|event| match event["event"].as_str().unwrap() {
                    "enrollment_failed" => "enrollment_failed",
                    "answer_refused" => "answer_refused",
                    "push_verify_failed" => "push_verify_failed",
                    "import_finished" => "import_finished",
                    "push_timing" => "push_timing",
                    "scan_finished" => "scan_finished",
                    "vault_opened" => "vault_opened",
                    other => panic!("unknown event {other}"),
                })
                .collect();
            for expected in ["vault_opened", "import_finished", "enrollment_failed",
                             "answer_refused", "push_timing", "push_verify_failed", "scan_finished"] {
                assert!(names.contains(&expected), "{expected} missing from {names:?}");
            }
            assert_holds_none(queued.join("\n").as_bytes(), &needles, "the queue");

            // The user's own words as OS version and locale: only a version
            // number and a language may pass.
            let collector = CapturingCollector::default();
            let url = collector.start().await;
            let sent = app
                .send_diagnostics(url, environment(&data.note, &data.location), NetworkKind::Unmetered)
                .await
                .unwrap();
            assert_eq!(sent, DiagnosticsSent::Sent { events: queued.len() as u32 });
            let requests = collector.requests.lock().await.clone();
            assert_eq!(requests.len(), 1);
            assert_holds_none(&requests[0], &needles, "the request sent");
            assert!(app.diagnostics_queue().await.unwrap().is_empty(), "sent events leave the queue");
            server.stop().await;
        });
    }
}

#[tokio::test]
async fn events_reach_the_reference_server_and_its_aggregates() {
    let server = Server::start_with(Setup::system_time()).await;
    server
        .admin(
            Method::PUT,
            "/v1/admin/policy",
            json!({ "number_matching": true }),
        )
        .await;
    let dir = tempfile::tempdir().unwrap();
    let app = open(&dir);
    let uri = server.enrollment_uri("jane").await;
    app.enroll_push(
        uri,
        countersign_core::Clock::now(&countersign_core::SystemClock),
        "Pixel".into(),
        "android".into(),
        None,
        false,
    )
    .await
    .unwrap();
    server.push("jane", "portal", "login").await;
    let requests = app.pending_requests().await.unwrap();
    let refused = app
        .approve(
            requests[0].id.clone(),
            Some("100".into()),
            Arc::new(Passing),
        )
        .await;
    assert!(
        matches!(refused, Err(FfiError::WrongNumber { .. })),
        "{refused:?}"
    );

    let sent = app
        .send_diagnostics(
            server.base.clone(),
            environment("14", "de-CH"),
            NetworkKind::Unmetered,
        )
        .await
        .unwrap();
    let DiagnosticsSent::Sent { events } = sent else {
        panic!("{sent:?}");
    };
    assert!(
        events >= 2,
        "the opening and the refusal, at least: {events}"
    );
    let aggregates = server
        .admin(Method::GET, "/v1/admin/diagnostics?since=0", json!({}))
        .await;
    let errors = aggregates["errors"].as_array().unwrap();
    assert!(
        errors.iter().any(|row| row["event"] == "answer_refused"
            && row["code"] == "wrong_number"
            && row["app_version"] == "1.4.0"
            && row["count"] == 1),
        "{aggregates}"
    );
    assert_eq!(aggregates["installs"], 1, "{aggregates}");
    server.stop().await;
}

#[tokio::test]
async fn with_sharing_off_nothing_is_queued_and_no_request_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let app = open(&dir);
    app.set_diagnostics_enabled(false).await.unwrap();
    assert!(
        app.diagnostics_queue().await.unwrap().is_empty(),
        "off deletes the queue at once"
    );

    // Failures that would otherwise be events.
    assert!(
        app.enroll_push(
            "countersign://enroll?v=1".into(),
            0,
            "Pixel".into(),
            "android".into(),
            None,
            false
        )
        .await
        .is_err()
    );
    assert!(
        app.import_file(b"not an export".to_vec(), None)
            .await
            .is_err()
    );
    app.note_scan(ScanEnd::NoQr, 300, 20_000).await;
    assert!(app.diagnostics_queue().await.unwrap().is_empty());

    let collector = CapturingCollector::default();
    let url = collector.start().await;
    let sent = app
        .send_diagnostics(url.clone(), environment("14", "en"), NetworkKind::Unmetered)
        .await
        .unwrap();
    assert_eq!(sent, DiagnosticsSent::Off);
    assert_eq!(collector.connections.load(Ordering::SeqCst), 0);

    // On again: events flow, as a new install.
    app.set_diagnostics_enabled(true).await.unwrap();
    app.note_scan(ScanEnd::NoQr, 300, 20_000).await;
    assert_eq!(app.diagnostics_queue().await.unwrap().len(), 1);
}

#[tokio::test]
async fn batches_go_at_most_hourly_and_on_allowed_networks_only() {
    let dir = tempfile::tempdir().unwrap();
    let app = open(&dir);
    let collector = CapturingCollector::default();
    let url = collector.start().await;
    app.note_scan(ScanEnd::Decoded, 3, 120).await;

    for network in [NetworkKind::Metered, NetworkKind::None] {
        let sent = app
            .send_diagnostics(url.clone(), environment("14", "en"), network)
            .await
            .unwrap();
        assert_eq!(sent, DiagnosticsSent::WaitingForNetwork, "{network:?}");
    }
    app.set_diagnostics_on_any_network(true).await.unwrap();
    assert!(app.diagnostics_on_any_network().await.unwrap());
    let sent = app
        .send_diagnostics(url.clone(), environment("14", "en"), NetworkKind::Metered)
        .await
        .unwrap();
    assert!(matches!(sent, DiagnosticsSent::Sent { .. }), "{sent:?}");

    app.note_scan(ScanEnd::Decoded, 3, 120).await;
    let sent = app
        .send_diagnostics(url, environment("14", "en"), NetworkKind::Unmetered)
        .await
        .unwrap();
    assert!(
        matches!(sent, DiagnosticsSent::NotDue { retry_in_seconds } if retry_in_seconds > 3500),
        "{sent:?}"
    );
    assert_eq!(collector.connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_phone_build_sends_to_an_https_collector_only() {
    let dir = tempfile::tempdir().unwrap();
    let app = Authenticator::open_with(
        dir.path().join("vault.sqlite").to_str().unwrap().into(),
        Arc::new(MemoryKeyStore::default()),
        None,
        PlainHttp::Refuse,
    )
    .unwrap();
    let sent = app
        .send_diagnostics(
            "http://127.0.0.1:9".into(),
            environment("14", "en"),
            NetworkKind::Unmetered,
        )
        .await;
    assert!(
        matches!(sent, Err(FfiError::InvalidInput { .. })),
        "{sent:?}"
    );
}

#[test]
fn what_is_shared_names_every_field_a_batch_can_carry() {
    let fields: Vec<String> = what_is_shared().into_iter().map(|f| f.name).collect();
    for name in [
        "install",
        "app_version",
        "core_version",
        "platform",
        "os_version",
        "device_class",
        "language",
        "hour",
        "event",
        "check",
        "reason",
        "problem",
        "outcome",
        "frames",
        "millis",
        "format",
        "accounts",
        "stage",
    ] {
        assert!(fields.iter().any(|field| field.contains(name)), "{name}");
    }
    assert!(never_shared().contains("IP addresses"));
}
