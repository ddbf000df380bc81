//! The vault is never held while the core waits on a person or a server.
//!
//! Proved without timing: the approval's prompt, and then the server's answer,
//! are each held until 100 `codes()` calls from other tasks have returned. A
//! `codes()` call that waited for the approval would never return, the hold
//! would never be released, and the test would run into its timeout and fail.
//! The same way, `pending` must have both servers' requests in flight at once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use countersign_core::http::PlainHttp;
use countersign_core::{Clock, SystemClock};
use countersign_ffi::{
    AnswerResult, Authenticator, BiometricOutcome, BiometricPrompt, FfiError, KeyStore,
};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};

/// Long enough for a slow CI machine; a lock held across the wait never ends.
const DEADLOCK: Duration = Duration::from_secs(60);
const ADMIN: &str = "lock-admin-token-0123456789";
const RP: &str = "lock-rp-token-0123456789";

#[derive(Debug, Default)]
struct MemoryKeyStore(std::sync::Mutex<std::collections::HashMap<String, Vec<u8>>>);

impl KeyStore for MemoryKeyStore {
    fn load(&self, name: String) -> Result<Option<Vec<u8>>, FfiError> {
        Ok(self.0.lock().unwrap().get(&name).cloned())
    }
    fn store(&self, name: String, value: Vec<u8>) -> Result<(), FfiError> {
        self.0.lock().unwrap().insert(name, value);
        Ok(())
    }
    fn delete(&self, name: String) -> Result<(), FfiError> {
        self.0.lock().unwrap().remove(&name);
        Ok(())
    }
}

/// A point the core reaches and then waits at until the test releases it.
#[derive(Debug)]
struct Hold {
    armed: AtomicBool,
    reached: Notify,
    released: watch::Sender<bool>,
}

impl Hold {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            armed: AtomicBool::new(false),
            reached: Notify::new(),
            released: watch::channel(false).0,
        })
    }

    async fn wait_here(&self) {
        self.reached.notify_one();
        let mut released = self.released.subscribe();
        let _ = released.wait_for(|released| *released).await;
    }

    fn release(&self) {
        self.released.send_replace(true);
    }
}

/// The user looking at the fingerprint dialog for as long as the test likes.
struct HeldPrompt(Arc<Hold>);

#[async_trait::async_trait]
impl BiometricPrompt for HeldPrompt {
    async fn confirm(&self, _reason: String) -> Result<BiometricOutcome, FfiError> {
        self.0.wait_here().await;
        Ok(BiometricOutcome::Passed)
    }
}

/// A relay on 127.0.0.1 in front of a server: once armed, the phone's next
/// bytes wait in it until the test releases them (a slow or stuck server).
async fn relay(upstream: SocketAddr, hold: Arc<Hold>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let hold = hold.clone();
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(upstream).await else {
                    return;
                };
                let (mut client_in, mut client_out) = client.into_split();
                let (mut server_in, mut server_out) = server.into_split();
                tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut server_in, &mut client_out).await;
                });
                let mut buffer = vec![0u8; 16 * 1024];
                while let Ok(read) = client_in.read(&mut buffer).await {
                    if read == 0 {
                        break;
                    }
                    if hold.armed.load(Ordering::SeqCst) {
                        hold.wait_here().await;
                    }
                    if server_out.write_all(&buffer[..read]).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    address
}

/// A reference server reached through a relay, and an admin to drive it.
struct HeldServer {
    server: countersign_server::RunningServer,
    hold: Arc<Hold>,
    base: String,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl HeldServer {
    async fn start(user: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let hold = Hold::new();
        // The relay's address is the server's public one: the phone only
        // ever talks to the relay.
        let placeholder = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let listen = placeholder.local_addr().unwrap();
        drop(placeholder);
        let public = relay(listen, hold.clone()).await;
        let config = countersign_server::Config {
            listen,
            data_dir: dir.path().join("server"),
            key_file: None,
            public_url: Some(format!("http://{public}")),
            org: "Example Corp".into(),
            admin_token: ADMIN.into(),
            rp_token: RP.into(),
        };
        let server = countersign_server::start(&config, Arc::new(SystemClock))
            .await
            .unwrap();
        let base = server.base_url();
        let http = countersign_core::http::client_builder().build().unwrap();
        let created = http
            .post(format!("{base}/v1/admin/users"))
            .bearer_auth(ADMIN)
            .json(&json!({ "name": user }))
            .send()
            .await
            .unwrap();
        assert!(created.status().is_success(), "{created:?}");
        http.put(format!("{base}/v1/admin/policy"))
            .bearer_auth(ADMIN)
            .json(&json!({ "biometric": "required" }))
            .send()
            .await
            .unwrap();
        Self {
            server,
            hold,
            base,
            http,
            _dir: dir,
        }
    }

    async fn enrollment_uri(&self, user: &str) -> String {
        let answer: Value = self
            .http
            .post(format!("{}/v1/admin/users/{user}/enrollments", self.base))
            .bearer_auth(ADMIN)
            .json(&json!({ "kind": "push" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        answer["uri"].as_str().unwrap().to_owned()
    }

    /// A sign-in push; returns the number to match.
    async fn push(&self, user: &str) -> Option<String> {
        let push: Value = self
            .http
            .post(format!("{}/v1/pushes", self.base))
            .bearer_auth(RP)
            .json(&json!({ "user": user, "resource": "portal", "context": { "time": 0 } }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        push["number"].as_str().map(str::to_owned)
    }
}

fn now() -> i64 {
    SystemClock.now()
}

fn open(dir: &tempfile::TempDir) -> Arc<Authenticator> {
    Authenticator::open_with(
        dir.path().join("vault.sqlite").to_str().unwrap().into(),
        Arc::new(MemoryKeyStore::default()),
        None,
        PlainHttp::Loopback,
    )
    .unwrap()
}

/// 100 `codes()` calls from other tasks, all of which must return.
async fn codes_from_other_tasks(app: &Arc<Authenticator>) {
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move { app.codes().await })
        })
        .collect();
    for call in calls {
        let view = call.await.unwrap().unwrap();
        assert_eq!(view.items.len(), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codes_stay_live_while_an_approval_waits_on_the_prompt_and_on_the_server() {
    let server = HeldServer::start("jane").await;
    let dir = tempfile::tempdir().unwrap();
    let app = open(&dir);
    app.add_account("otpauth://totp/Acme:jane?secret=JBSWY3DPEHPK3PXP&issuer=Acme".into())
        .await
        .unwrap();
    let uri = server.enrollment_uri("jane").await;
    app.enroll_push(uri, now(), "Pixel".into(), "android".into(), None, false)
        .await
        .unwrap();
    let number = server.push("jane").await;
    let requests = app.pending_requests().await.unwrap();
    let id = requests[0].id.clone();

    let scenario = async {
        let prompt = Hold::new();
        let approval = tokio::spawn({
            let app = app.clone();
            let prompt = prompt.clone();
            async move { app.approve(id, number, Arc::new(HeldPrompt(prompt))).await }
        });
        // The fingerprint dialog is up.
        prompt.reached.notified().await;
        codes_from_other_tasks(&app).await;
        // The finger is on the sensor; the answer then sticks at the server.
        server.hold.armed.store(true, Ordering::SeqCst);
        prompt.release();
        server.hold.reached.notified().await;
        codes_from_other_tasks(&app).await;
        server.hold.release();
        approval.await.unwrap()
    };
    let approved = tokio::time::timeout(DEADLOCK, scenario).await.expect(
        "a codes() call waited for the approval: the vault is held across the prompt or the server",
    );
    assert_eq!(approved.unwrap(), AnswerResult::Approved);
    server.server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_asks_every_server_at_once() {
    let first = HeldServer::start("jane").await;
    let second = HeldServer::start("jane").await;
    let dir = tempfile::tempdir().unwrap();
    let app = open(&dir);
    for server in [&first, &second] {
        let uri = server.enrollment_uri("jane").await;
        app.enroll_push(uri, now(), "Pixel".into(), "android".into(), None, false)
            .await
            .unwrap();
        server.push("jane").await;
    }
    first.hold.armed.store(true, Ordering::SeqCst);
    second.hold.armed.store(true, Ordering::SeqCst);
    let scenario = async {
        let pending = tokio::spawn({
            let app = app.clone();
            async move { app.pending_report().await }
        });
        // One after the other, the first would wait for ever and the second
        // would never be asked.
        first.hold.reached.notified().await;
        second.hold.reached.notified().await;
        first.hold.release();
        second.hold.release();
        pending.await.unwrap()
    };
    let report = tokio::time::timeout(DEADLOCK, scenario)
        .await
        .expect("pending asked one server after the other")
        .unwrap();
    assert_eq!((report.requests.len(), report.failures.len()), (2, 0));
    first.server.stop().await;
    second.server.stop().await;
}
