//! The test kit: a reference server on 127.0.0.1 with a clock the test
//! controls, a phone (vault + `PushDevice`) on its own clock, and a live
//! privacyIDEA when one runs (`privacyidea`). The end-to-end tests in `tests/`
//! use it, and so do the FFI's and the CLI's tests, instead of each starting
//! a server its own way.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod attestation;
pub mod browser;
pub mod cli_phone;
pub mod der;
pub mod form_browser;
pub mod postgres;
pub mod privacyidea;
pub mod push_services;
pub mod smtp;
pub mod test_ca;
pub mod tls_front;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use countersign_core::clock::UnixTime;
use countersign_core::keys::MemorySecretStore;
use countersign_core::push::PushAccount;
use countersign_core::push::device::{
    DeviceInfo, EnrolledPush, EnrollmentCode, PushDevice, PushError,
};
use countersign_core::{Clock, FixedClock, OffsetClock, SharedVault, SystemClock, Vault};
use countersign_server::{Config, PortalConfig, RunningServer, TrustedProxies};
use serde_json::{Value, json};

pub const ADMIN: &str = "e2e-admin-token-0123456789";
pub const RP: &str = "e2e-rp-token-0123456789";
pub const START: i64 = 1_767_268_800;

/// A port on 127.0.0.1 free a moment ago, for a process that must be told its
/// address before it starts.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The server's clock: fixed at [`START`], or the system's for phones that
/// read the real clock (the FFI's `Authenticator`, the CLI binary); moved by
/// the test either way.
pub struct TestClock {
    base: Box<dyn Clock>,
    moved: AtomicI64,
}

impl TestClock {
    pub fn fixed(at: UnixTime) -> Self {
        Self {
            base: Box::new(FixedClock::new(at)),
            moved: AtomicI64::new(0),
        }
    }

    pub fn system() -> Self {
        Self {
            base: Box::new(SystemClock),
            moved: AtomicI64::new(0),
        }
    }

    pub fn advance(&self, seconds: i64) {
        self.moved.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> UnixTime {
        self.base.now() + self.moved.load(Ordering::SeqCst)
    }
}

impl std::fmt::Debug for TestClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TestClock({})", self.now())
    }
}

/// How to start a [`Server`]: `Setup::default()` is the fixed clock at
/// [`START`] and the listening address (a free port on 127.0.0.1) as the
/// public URL.
#[derive(Debug, Default)]
pub struct Setup {
    pub system_time: bool,
    /// The URL phones are given, when they reach the server through something.
    pub public_url: Option<String>,
    pub trusted_proxies: TrustedProxies,
    /// Mail, app download link.
    pub portal: PortalConfig,
    /// A clock to share (with the push services' peer); else a new one.
    pub clock: Option<Arc<TestClock>>,
    /// APNs/FCM (see [`push_services::PushServices::delivery_config`]).
    pub delivery: countersign_server::delivery::DeliveryConfig,
    /// Android attestation roots and app identity (see [`attestation`]).
    pub attestation: countersign_server::config::AttestationConfig,
}

impl Setup {
    /// For phones that read the system clock.
    pub fn system_time() -> Self {
        Self {
            system_time: true,
            ..Self::default()
        }
    }
}

#[derive(Debug)]
pub struct Server {
    pub running: RunningServer,
    pub clock: Arc<TestClock>,
    pub http: reqwest::Client,
    pub base: String,
    config: Config,
    trusted_proxies: TrustedProxies,
    _dir: tempfile::TempDir,
}

impl Server {
    pub async fn start() -> Self {
        Self::start_with(Setup::default()).await
    }

    pub async fn start_with(setup: Setup) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let clock = setup.clock.unwrap_or_else(|| {
            Arc::new(if setup.system_time {
                TestClock::system()
            } else {
                TestClock::fixed(START)
            })
        });
        let database = if postgres::selected() {
            Some(postgres::fresh_database().await)
        } else {
            None
        };
        let config = Config {
            database,
            public_url: setup.public_url,
            portal: setup.portal,
            delivery: setup.delivery,
            attestation: setup.attestation,
            ..Config::loopback(
                dir.path().join("server"),
                "Example Corp",
                ADMIN.into(),
                RP.into(),
            )
        };
        let running =
            countersign_server::start_with(&config, setup.trusted_proxies.clone(), clock.clone())
                .await
                .unwrap();
        let base = running.base_url();
        Self {
            running,
            clock,
            http: countersign_core::http::client_builder().build().unwrap(),
            base,
            config,
            trusted_proxies: setup.trusted_proxies,
            _dir: dir,
        }
    }

    /// Stops the server and starts it again on the same address, data
    /// directory and clock, as an operator's restart would.
    pub async fn restart(self) -> Self {
        let Self {
            running,
            clock,
            http,
            base,
            mut config,
            trusted_proxies,
            _dir,
        } = self;
        config.listen = running.address;
        running.stop().await;
        let running =
            countersign_server::start_with(&config, trusted_proxies.clone(), clock.clone())
                .await
                .unwrap();
        assert_eq!(running.base_url(), base);
        Self {
            running,
            clock,
            http,
            base,
            config,
            trusted_proxies,
            _dir,
        }
    }

    /// Where the server keeps its database and key.
    pub fn data_dir(&self) -> std::path::PathBuf {
        self.config.data_dir.clone()
    }

    /// Whether this server keeps its data in SQLite files (the default) or
    /// in PostgreSQL (`COUNTERSIGN_TEST_BACKEND=postgres`).
    pub fn on_sqlite(&self) -> bool {
        self.config.database.is_none()
    }

    /// Every byte of the server's stored data as someone holding a copy
    /// would have it: the SQLite file and its write-ahead log, or a `pg_dump`.
    pub fn database_dump(&self) -> Vec<u8> {
        match &self.config.database {
            Some(url) => postgres::dump(url),
            None => ["server.sqlite", "server.sqlite-wal"]
                .iter()
                .filter_map(|name| std::fs::read(self.data_dir().join(name)).ok())
                .flatten()
                .collect(),
        }
    }

    pub async fn stop(self) {
        self.running.stop().await;
    }

    pub async fn admin(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let response = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(ADMIN)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    pub async fn enrollment_uri(&self, user: &str) -> String {
        self.admin(
            reqwest::Method::POST,
            "/v1/admin/users",
            json!({ "name": user }),
        )
        .await;
        let body = self
            .admin(
                reqwest::Method::POST,
                &format!("/v1/admin/users/{user}/enrollments"),
                json!({ "kind": "push" }),
            )
            .await;
        body["uri"].as_str().unwrap().to_owned()
    }

    /// Starts a push as the relying party; returns (id, number).
    pub async fn push(&self, user: &str, resource: &str, kind: &str) -> (String, Option<String>) {
        let context = json!({ "ip": "203.0.113.24", "location": "Berlin, DE",
                              "browser": "Firefox 133", "os": "Windows 11", "time": 0 });
        self.push_with_context(user, resource, kind, context).await
    }

    /// [`Server::push`] with the relying party's own `context`.
    pub async fn push_with_context(
        &self,
        user: &str,
        resource: &str,
        kind: &str,
        context: Value,
    ) -> (String, Option<String>) {
        let response = self
            .http
            .post(format!("{}/v1/pushes", self.base))
            .bearer_auth(RP)
            .json(&json!({ "user": user, "resource": resource, "kind": kind, "context": context }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "{:?}", response.text().await);
        let body: Value = response.json().await.unwrap();
        (
            body["id"].as_str().unwrap().to_owned(),
            body["number"].as_str().map(str::to_owned),
        )
    }

    pub async fn status(&self, id: &str) -> Value {
        self.http
            .get(format!("{}/v1/pushes/{id}", self.base))
            .bearer_auth(RP)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

/// A phone: its own vault file, its own clock (the server's, shifted).
#[derive(Debug)]
pub struct Phone {
    pub vault: SharedVault,
    pub device: PushDevice,
    pub clock: Arc<OffsetClock<Arc<TestClock>>>,
    _dir: tempfile::TempDir,
}

impl Phone {
    pub fn new(server: &Server, clock_error_seconds: i64) -> Self {
        Self::with_device(server, clock_error_seconds, |clock| {
            PushDevice::new(clock).unwrap()
        })
    }

    pub fn with_device(
        server: &Server,
        clock_error_seconds: i64,
        make: impl FnOnce(Arc<dyn Clock>) -> PushDevice,
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let vault = Vault::open(
            &dir.path().join("vault.sqlite"),
            std::sync::Arc::new(MemorySecretStore::new()),
        )
        .unwrap();
        let clock = Arc::new(OffsetClock::new(server.clock.clone(), clock_error_seconds));
        // The reference server listens on 127.0.0.1 over plain http.
        let device = make(clock.clone()).allowing_loopback_http();
        Self {
            vault: SharedVault::new(vault),
            device,
            clock,
            _dir: dir,
        }
    }

    pub fn info() -> DeviceInfo {
        DeviceInfo {
            platform: "ios".into(),
            device_name: "Test iPhone".into(),
            app_version: "0.1.0".into(),
            push_token: Some("00ff".into()),
        }
    }

    /// Enrolls from a Countersign enrollment code, through the one entry
    /// point the apps use.
    pub async fn enroll(&self, uri: &str) -> Result<PushAccount, PushError> {
        self.enroll_as(uri, &Self::info()).await
    }

    /// Enrolls as a given platform, with a given push token.
    pub async fn enroll_as(&self, uri: &str, info: &DeviceInfo) -> Result<PushAccount, PushError> {
        self.enroll_code(EnrollmentCode::new(uri, self.clock.now()), info)
            .await
    }

    /// Enrolls from a code the test shaped (e.g. `confirming_by_push`).
    pub async fn enroll_code(
        &self,
        code: EnrollmentCode<'_>,
        info: &DeviceInfo,
    ) -> Result<PushAccount, PushError> {
        match self.device.enroll(&self.vault, code, info).await? {
            EnrolledPush::Countersign(account) => Ok(account),
            EnrolledPush::PrivacyIdea(token) => Err(PushError::Server {
                problem: "test".into(),
                detail: format!("expected a Countersign account, enrolled {}", token.serial),
            }),
        }
    }
}
