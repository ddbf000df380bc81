//! The test kit's server on 127.0.0.1 (in-process, with a clock the test
//! moves) and a phone that speaks docs/protocol.md to it by hand over HTTP, so
//! the server's own tests check the wire format rather than trust the core's
//! client.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use countersign_core::push::EnrollmentUri;
use countersign_core::push::jose::{self, Compact, Jwk, JwsSigner, SoftwareKey};
use countersign_core::push::wire::*;
use countersign_server::TrustedProxies;
use countersign_testkit::{Server, Setup, TestClock};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

pub use countersign_testkit::{ADMIN, RP};

/// The test kit's server (fixed clock at `countersign_testkit::START`), with the requests these
/// tests make by hand.
pub struct Harness {
    /// The in-process server; `None` for a server process started by the test.
    kit: Option<Server>,
    pub clock: Arc<TestClock>,
    pub http: Client,
    pub base: String,
}

impl Harness {
    pub async fn start() -> Self {
        Self::start_with(TrustedProxies::default()).await
    }

    /// A server that believes `X-Forwarded-For` from these peers.
    pub async fn start_with(trusted_proxies: TrustedProxies) -> Self {
        Self::over(
            Server::start_with(Setup {
                trusted_proxies,
                ..Setup::default()
            })
            .await,
        )
    }

    /// A server started with the test kit's `setup`.
    pub async fn start_setup(setup: Setup) -> Self {
        Self::over(Server::start_with(setup).await)
    }

    fn over(kit: Server) -> Self {
        Self {
            clock: kit.clock.clone(),
            http: kit.http.clone(),
            base: kit.base.clone(),
            kit: Some(kit),
        }
    }

    /// A server process the test started, reached at `base` (its clock is
    /// the system's).
    pub fn remote(base: &str) -> Self {
        Self {
            kit: None,
            clock: Arc::new(TestClock::system()),
            http: countersign_core::http::client_builder().build().unwrap(),
            base: base.to_owned(),
        }
    }

    fn kit(&self) -> &Server {
        self.kit.as_ref().expect("an in-process server")
    }

    /// Stops the server and starts a new one on the same address, data
    /// directory and clock, as an operator's restart would.
    pub async fn restart(self) -> Self {
        Self::over(self.kit.expect("an in-process server").restart().await)
    }

    pub fn data_dir(&self) -> std::path::PathBuf {
        self.kit().data_dir()
    }

    pub fn on_sqlite(&self) -> bool {
        self.kit().on_sqlite()
    }

    pub fn database_dump(&self) -> Vec<u8> {
        self.kit().database_dump()
    }

    /// The server's own database connection, for a test to read what it stored.
    pub async fn db(&self) -> countersign_server::db::Conn {
        self.kit().running.state.db().await.unwrap()
    }

    pub fn now(&self) -> i64 {
        use countersign_core::Clock;
        self.clock.now()
    }

    pub async fn admin(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Response {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(ADMIN);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    pub async fn rp_post(&self, path: &str, body: Value) -> Response {
        self.http
            .post(format!("{}{path}", self.base))
            .bearer_auth(RP)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn rp_get(&self, path: &str) -> Response {
        self.http
            .get(format!("{}{path}", self.base))
            .bearer_auth(RP)
            .send()
            .await
            .unwrap()
    }

    pub async fn user(&self, name: &str) {
        let response = self
            .admin(
                reqwest::Method::POST,
                "/v1/admin/users",
                Some(json!({ "name": name })),
            )
            .await;
        assert!(
            response.status().is_success(),
            "{:?}",
            response.text().await
        );
    }

    pub async fn enrollment_uri(&self, user: &str) -> String {
        let response = self
            .admin(
                reqwest::Method::POST,
                &format!("/v1/admin/users/{user}/enrollments"),
                Some(json!({ "kind": "push" })),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json::<Value>().await.unwrap()["uri"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn set_policy(&self, policy: Value) {
        let response = self
            .admin(reqwest::Method::PUT, "/v1/admin/policy", Some(policy))
            .await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "{:?}",
            response.text().await
        );
    }

    /// A user with an enrolled phone.
    pub async fn enrolled(&self, user: &str) -> Phone {
        self.user(user).await;
        let uri = self.enrollment_uri(user).await;
        let mut phone = Phone::new(self);
        if let Err(response) = phone.enroll(&uri).await {
            panic!("enrollment failed: {:?}", response.text().await);
        }
        phone
    }

    /// Starts a login push; returns (id, number).
    pub async fn push(&self, user: &str, resource: &str) -> (String, Option<String>) {
        let response = self.push_response(user, resource, "login").await;
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "{:?}",
            response.text().await
        );
        let body: Value = response.json().await.unwrap();
        (
            body["id"].as_str().unwrap().to_owned(),
            body["number"].as_str().map(str::to_owned),
        )
    }

    pub async fn push_response(&self, user: &str, resource: &str, kind: &str) -> Response {
        self.rp_post(
            "/v1/pushes",
            json!({ "user": user, "resource": resource, "kind": kind,
                    "context": { "ip": "203.0.113.24", "location": "Berlin, DE", "browser": "Firefox 133", "os": "Windows 11", "time": 0 } }),
        )
        .await
    }

    pub async fn push_status(&self, id: &str) -> Value {
        self.rp_get(&format!("/v1/pushes/{id}"))
            .await
            .json()
            .await
            .unwrap()
    }

    /// `POST /portal/login`: (status, body).
    pub async fn portal_login(&self, user: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .post(format!("{}/portal/login", self.base))
            .json(&json!({ "user": user }))
            .send()
            .await
            .unwrap();
        (response.status(), response.json().await.unwrap())
    }

    /// `GET /portal/pushes/{id}`, with a hand-off secret if given.
    pub async fn portal_push(&self, id: &str, handoff: Option<&str>) -> Value {
        let mut request = self.http.get(format!("{}/portal/pushes/{id}", self.base));
        if let Some(handoff) = handoff {
            request = request.header("countersign-handoff", handoff);
        }
        request.send().await.unwrap().json().await.unwrap()
    }

    /// Starts a portal sign-in for `user` and approves it with `phone`, without
    /// collecting the session: the sign-in's answer (`id`, `handoff`, …).
    pub async fn portal_sign_in_approved(&self, user: &str, phone: &Phone) -> Value {
        let (status, started) = self.portal_login(user).await;
        assert_eq!(status, StatusCode::CREATED, "{started}");
        let answered = phone
            .answer(
                started["id"].as_str().unwrap(),
                Decision::Approve,
                started["number"].as_str(),
                false,
                false,
            )
            .await;
        assert_eq!(answered.status(), StatusCode::OK);
        started
    }

    /// Signs `user` in to the portal with `phone`; returns the session.
    pub async fn portal_session(&self, user: &str, phone: &Phone) -> String {
        let started = self.portal_sign_in_approved(user, phone).await;
        let done = self
            .portal_push(started["id"].as_str().unwrap(), started["handoff"].as_str())
            .await;
        done["session"].as_str().expect("a session").to_owned()
    }

    /// `GET /portal/me` with a session: the HTTP status.
    pub async fn portal_me(&self, session: &str) -> StatusCode {
        self.http
            .get(format!("{}/portal/me", self.base))
            .header("authorization", format!("Session {session}"))
            .send()
            .await
            .unwrap()
            .status()
    }

    pub async fn audit(&self) -> Vec<Value> {
        let body: Value = self
            .admin(reqwest::Method::GET, "/v1/admin/audit", None)
            .await
            .json()
            .await
            .unwrap();
        body["events"].as_array().unwrap().clone()
    }
}

/// Reads a problem document and checks its type.
pub async fn problem(response: Response, expected: ProblemType) -> Value {
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["type"], expected.uri(), "{body}");
    assert_eq!(status.as_u16(), expected.status(), "{body}");
    assert_eq!(content_type.as_deref(), Some("application/problem+json"));
    assert!(body["server_time"].is_i64());
    body
}

pub struct Phone {
    pub key: SoftwareKey,
    pub device_id: String,
    pub server_key: Option<Jwk>,
    pub pinned_sk: String,
    pub http: Client,
    /// The server's public URL: what requests are signed for (`htu`).
    pub base: String,
    /// Where requests go: `base`, or one instance of several behind it.
    pub send_to: String,
    /// Sent as `X-Forwarded-For` (a server that trusts 127.0.0.1 as a proxy
    /// takes it as the phone's address).
    pub forwarded_for: Option<String>,
    pub clock: Arc<TestClock>,
    /// Sent as the enrollment's `user_key` (ADR 0014), with its private half.
    pub user_key: Option<(SoftwareKey, UserKey)>,
    /// What the phone enrolls as: `desktop` without a push token unless a
    /// test wants pushes delivered (`ios` and an APNs token).
    pub platform: String,
    pub push_token: Option<String>,
}

impl Phone {
    pub fn new(harness: &Harness) -> Self {
        Self {
            key: SoftwareKey::generate().unwrap(),
            device_id: String::new(),
            server_key: None,
            pinned_sk: String::new(),
            http: harness.http.clone(),
            base: harness.base.clone(),
            send_to: harness.base.clone(),
            forwarded_for: None,
            clock: harness.clock.clone(),
            user_key: None,
            platform: "desktop".into(),
            push_token: None,
        }
    }

    fn now(&self) -> i64 {
        use countersign_core::Clock;
        self.clock.now()
    }

    /// Enrolls as section 4 says and approves the server's enrollment
    /// confirmation at once (section 4.4); a refusal comes back as the
    /// server's response.
    pub async fn enroll(&mut self, uri: &str) -> Result<DeviceRecord, Response> {
        let record = self.enroll_unconfirmed(uri).await?;
        for challenge in self.pending().await {
            if challenge.kind == ChallengeKind::EnrollmentConfirm {
                let answer = self
                    .answer(&challenge.id, Decision::Approve, None, false, false)
                    .await;
                assert_eq!(answer.status(), StatusCode::OK);
            }
        }
        Ok(record)
    }

    /// Enrolls and leaves the confirmation pending (an app that went to the
    /// background before enrolling finished).
    pub async fn enroll_unconfirmed(&mut self, uri: &str) -> Result<DeviceRecord, Response> {
        let uri = EnrollmentUri::parse(uri).unwrap();
        assert_eq!(uri.url, self.base);
        let claims = EnrollClaims {
            token: uri.token.clone(),
            jwk: self.key.public_jwk(),
            platform: self.platform.clone(),
            push_token: self.push_token.clone(),
            device_name: "Test phone".into(),
            app_version: "0.1.0".into(),
            iat: self.now(),
            user_key: self.user_key.as_ref().map(|(_, claim)| claim.clone()),
        };
        let jws = jose::sign(TYP_ENROLL, &claims, &self.key, false).unwrap();
        let response = self.post_jose("/v1/enroll", jws).await;
        if response.status() != StatusCode::CREATED {
            return Err(response);
        }
        let body: EnrollResponse = response.json().await.unwrap();
        // Section 4.4: the record must come from the key the QR code named.
        let record = Compact::parse(&body.record).unwrap();
        let server_jwk = record.header.jwk.clone().unwrap();
        assert_eq!(server_jwk.thumbprint(), uri.sk);
        record.verify(&server_jwk, TYP_DEVICE).unwrap();
        let claims: DeviceRecord = record.claims().unwrap();
        assert_eq!(claims.device_jkt, self.key.public_jwk().thumbprint());
        assert_eq!(claims.user, uri.user);
        self.device_id = claims.device_id.clone();
        self.server_key = Some(server_jwk);
        self.pinned_sk = uri.sk;
        Ok(claims)
    }

    pub async fn post_jose(&self, path: &str, jws: String) -> Response {
        let mut request = self
            .http
            .post(format!("{}{path}", self.send_to))
            .header("content-type", "application/jose");
        if let Some(address) = &self.forwarded_for {
            request = request.header("x-forwarded-for", address);
        }
        request.body(jws).send().await.unwrap()
    }

    pub fn request_jws(&self, method: &str, path: &str, iat: i64, nonce: &str) -> String {
        let claims = RequestClaims {
            htm: method.into(),
            htu: format!("{}{path}", self.base),
            iat,
            nonce: nonce.into(),
            push_token: None,
        };
        jose::sign(TYP_REQUEST, &claims, &self.key, false).unwrap()
    }

    pub fn fresh_nonce() -> String {
        jose::base64url(&rand_bytes())
    }

    pub async fn signed_get(&self, path: &str) -> Response {
        let jws = self.request_jws("GET", path, self.now(), &Self::fresh_nonce());
        self.http
            .get(format!("{}{path}", self.send_to))
            .header("authorization", format!("Countersign {jws}"))
            .send()
            .await
            .unwrap()
    }

    pub async fn challenges_response(&self) -> Response {
        self.signed_get(&format!("/v1/devices/{}/challenges", self.device_id))
            .await
    }

    /// Pending challenges, each verified against the pinned server key.
    pub async fn pending(&self) -> Vec<ChallengeClaims> {
        let response = self.challenges_response().await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "{:?}",
            response.text().await
        );
        let body: ChallengesResponse = response.json().await.unwrap();
        body.challenges
            .iter()
            .map(|jws| {
                let compact = Compact::parse(jws).unwrap();
                compact
                    .verify(self.server_key.as_ref().unwrap(), TYP_CHALLENGE)
                    .unwrap();
                compact.claims().unwrap()
            })
            .collect()
    }

    pub fn answer_jws(
        &self,
        challenge: &str,
        decision: Decision,
        number: Option<&str>,
        uv: bool,
        fraud: bool,
    ) -> String {
        let claims = AnswerClaims {
            challenge: challenge.into(),
            device: self.device_id.clone(),
            decision,
            fraud,
            number: number.map(str::to_owned),
            uv,
            iat: self.now(),
        };
        jose::sign(TYP_ANSWER, &claims, &self.key, false).unwrap()
    }

    /// An answer signed by the user key instead of the device key.
    pub async fn answer_by_user_key(
        &self,
        challenge: &str,
        decision: Decision,
        number: Option<&str>,
        uv: bool,
    ) -> Response {
        let claims = AnswerClaims {
            challenge: challenge.into(),
            device: self.device_id.clone(),
            decision,
            fraud: false,
            number: number.map(str::to_owned),
            uv,
            iat: self.now(),
        };
        let (key, _) = self.user_key.as_ref().expect("a user key");
        let jws = jose::sign(TYP_ANSWER, &claims, key, false).unwrap();
        self.post_jose(&format!("/v1/challenges/{challenge}/answer"), jws)
            .await
    }

    pub async fn answer(
        &self,
        challenge: &str,
        decision: Decision,
        number: Option<&str>,
        uv: bool,
        fraud: bool,
    ) -> Response {
        let jws = self.answer_jws(challenge, decision, number, uv, fraud);
        self.post_jose(&format!("/v1/challenges/{challenge}/answer"), jws)
            .await
    }
}

fn rand_bytes() -> [u8; 16] {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 16];
    ring::rand::SystemRandom::new().fill(&mut bytes).unwrap();
    bytes
}

/// A `countersign-server` process, killed when dropped: a failing assertion
/// must not leave it running.
#[derive(Debug)]
pub struct ServerProcess {
    child: std::process::Child,
    /// `http://127.0.0.1:PORT`, from the line it prints when listening.
    pub base: String,
}

impl ServerProcess {
    /// Starts the binary with `args` and the test kit's admin and relying-party
    /// tokens (plus `env`); `Err` with what it said when it exits instead.
    pub fn start(args: &[&str], env: &[(&str, &str)]) -> Result<Self, String> {
        use std::io::{BufRead, BufReader};
        use std::process::{Command, Stdio};
        let mut child = Command::new(env!("CARGO_BIN_EXE_countersign-server"))
            .args(args)
            .env("COUNTERSIGN_ADMIN_TOKEN", ADMIN)
            .env("COUNTERSIGN_RP_TOKEN", RP)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        // "countersign-server listening on 127.0.0.1:PORT (…)"
        if !line.contains("listening on") {
            let output = child.wait_with_output().unwrap();
            return Err(format!("{line}{}", String::from_utf8_lossy(&output.stderr)));
        }
        let address = line.split_whitespace().nth(3).unwrap();
        Ok(Self {
            base: format!("http://{address}"),
            child,
        })
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Harness {
    /// A TOTP authenticator set up for `user` by the admin API.
    pub async fn totp_account(&self, user: &str) -> countersign_otp::OtpAccount {
        let body: Value = self
            .admin(
                reqwest::Method::POST,
                &format!("/v1/admin/users/{user}/enrollments"),
                Some(json!({ "kind": "totp" })),
            )
            .await
            .json()
            .await
            .unwrap();
        countersign_core::uri::parse_otpauth(body["uri"].as_str().unwrap())
            .unwrap()
            .account
    }
}
