//! The vault is never held while the core waits on a person or a server.
//!
//! Proved without timing: the approval's prompt, and then the server's answer,
//! are each held until 100 `codes()` calls from other tasks have returned. A
//! `codes()` call that waited for the approval would never return, the hold
//! would never be released, and the test would run into its timeout and fail.
//! The same way, `pending` must have both servers' requests in flight at once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use countersign_core::{Clock, SystemClock};
use countersign_ffi::{
    AnswerResult, Authenticator, BiometricOutcome, BiometricPrompt, FfiError, PendingView,
};
use countersign_testkit::{Server, Setup};
use reqwest::Method;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};

/// Long enough for a slow CI machine; a lock held across the wait never ends.
const DEADLOCK: Duration = Duration::from_secs(60);

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
/// The server's address is set once it listens (the relay's must be known
/// first: it is the server's public URL).
async fn relay(hold: Arc<Hold>) -> (SocketAddr, Arc<OnceLock<SocketAddr>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let upstream = Arc::new(OnceLock::<SocketAddr>::new());
    let target = upstream.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let hold = hold.clone();
            let Some(&upstream) = target.get() else {
                continue;
            };
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
    (address, upstream)
}

/// A reference server (the test kit's, on the system clock the Authenticator
/// reads) reached only through a relay that can hold the phone's bytes.
struct HeldServer {
    server: Server,
    hold: Arc<Hold>,
}

impl HeldServer {
    async fn start() -> Self {
        let hold = Hold::new();
        let (public, upstream) = relay(hold.clone()).await;
        let server = Server::start_with(Setup {
            system_time: true,
            public_url: Some(format!("http://{public}")),
            ..Setup::default()
        })
        .await;
        upstream.set(server.running.address).unwrap();
        server
            .admin(
                Method::PUT,
                "/v1/admin/policy",
                json!({ "biometric": "required" }),
            )
            .await;
        Self { server, hold }
    }
}

fn now() -> i64 {
    SystemClock.now()
}

use common::open_loopback as open;

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
    let server = HeldServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let app = open(&dir);
    app.add_account("otpauth://totp/Acme:jane?secret=JBSWY3DPEHPK3PXP&issuer=Acme".into())
        .await
        .unwrap();
    let uri = server.server.enrollment_uri("jane").await;
    app.enroll_push(uri, now(), "Pixel".into(), "android".into(), None, false)
        .await
        .unwrap();
    let (_, number) = server.server.push("jane", "portal", "login").await;
    let requests = app.pending_requests().await.unwrap();
    let id = requests[0].id.clone();
    let id_again = id.clone();

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
        // A second tap, or the Watch, gets a clear answer at once: no second
        // prompt, no second answer sent.
        let again = app
            .approve(id_again.clone(), None, Arc::new(HeldPrompt(Hold::new())))
            .await;
        assert!(
            matches!(&again, Err(FfiError::AlreadyAnswered { reason }) if reason.contains("being answered")),
            "{again:?}"
        );
        let deny = app.deny(id_again.clone(), false).await;
        assert!(
            matches!(&deny, Err(FfiError::AlreadyAnswered { .. })),
            "{deny:?}"
        );
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

/// One phone enrolled on two held servers, a request waiting on each, both
/// relays armed: the phone's next bytes to either server wait in the relay.
struct TwoHeldServers {
    first: HeldServer,
    second: HeldServer,
    app: Arc<Authenticator>,
    first_account: String,
    _dir: tempfile::TempDir,
}

impl TwoHeldServers {
    async fn start() -> Self {
        let first = HeldServer::start().await;
        let second = HeldServer::start().await;
        let dir = tempfile::tempdir().unwrap();
        let app = open(&dir);
        let mut accounts = Vec::new();
        for server in [&first, &second] {
            let uri = server.server.enrollment_uri("jane").await;
            let account = app
                .enroll_push(uri, now(), "Pixel".into(), "android".into(), None, false)
                .await
                .unwrap();
            accounts.push(account.id);
            server.server.push("jane", "portal", "login").await;
        }
        first.hold.armed.store(true, Ordering::SeqCst);
        second.hold.armed.store(true, Ordering::SeqCst);
        Self {
            first,
            second,
            app,
            first_account: accounts.swap_remove(0),
            _dir: dir,
        }
    }

    /// `pending_report` with both servers' requests held until both have
    /// arrived (one after the other, the first would wait for ever and the
    /// second would never be asked); `meanwhile` runs before they are let go.
    async fn pending_while_held(
        &self,
        meanwhile: impl std::future::Future<Output = ()>,
    ) -> PendingView {
        let scenario = async {
            let pending = tokio::spawn({
                let app = self.app.clone();
                async move { app.pending_report().await }
            });
            self.first.hold.reached.notified().await;
            self.second.hold.reached.notified().await;
            meanwhile.await;
            self.first.hold.release();
            self.second.hold.release();
            pending.await.unwrap()
        };
        tokio::time::timeout(DEADLOCK, scenario)
            .await
            .expect("pending asked one server after the other, or waited for the vault")
            .unwrap()
    }

    async fn stop(self) {
        self.first.server.stop().await;
        self.second.server.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_asks_every_server_at_once() {
    let servers = TwoHeldServers::start().await;
    let report = servers.pending_while_held(async {}).await;
    assert_eq!((report.requests.len(), report.failures.len()), (2, 0));
    servers.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_removed_while_its_server_is_asked_hides_nothing_else() {
    let servers = TwoHeldServers::start().await;
    // The user removes the first account while its server is asked.
    let report = servers
        .pending_while_held(async {
            servers
                .app
                .delete_push_account(servers.first_account.clone())
                .await
                .unwrap();
        })
        .await;
    assert_eq!((report.requests.len(), report.failures.len()), (1, 0));
    assert_eq!(servers.app.push_accounts().await.unwrap().len(), 1);
    servers.stop().await;
}
