//! Local stand-ins for Apple's and Google's push services: one HTTP/2 server
//! over TLS on 127.0.0.1, with a certificate from a test CA made at start, that
//! speaks the APNs provider API (`POST /3/device/<token>`), FCM HTTP v1
//! (`POST /v1/projects/<id>/messages:send`) and Google's OAuth 2.0 token
//! endpoint (JWT bearer grant). It checks what the real services check and
//! answers with their documented errors: provider and access tokens (signature,
//! key id, issuer, age), required headers, payload sizes. Every request it
//! accepted is recorded; a test can script the next answers (410 Unregistered,
//! 429 with `Retry-After`, 503, ...). Test kit only: the shipped server never
//! contains it.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Version};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use countersign_core::Clock;
use countersign_server::delivery::{
    ApnsConfig, DeliveryConfig, FcmConfig, RetryPolicy, jwt::pkcs8_from_pem,
};
use data_encoding::{BASE64, BASE64URL_NOPAD};
use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair,
    RSA_PKCS1_2048_8192_SHA256, RsaKeyPair, UnparsedPublicKey,
};
use serde_json::{Value, json};
use tokio::sync::Notify;

pub const APNS_KEY_ID: &str = "KEYID12345";
pub const APNS_TEAM_ID: &str = "TEAMID6789";
pub const APNS_TOPIC: &str = "dev.countersign.app";
pub const FCM_PROJECT: &str = "countersign-test";
pub const FCM_CLIENT_EMAIL: &str = "push@countersign-test.iam.gserviceaccount.com";
pub const FCM_KEY_ID: &str = "0123456789abcdef0123456789abcdef01234567";
const FCM_SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";
/// A 2048-bit RSA key made once with `openssl genpkey` for these tests only
/// (ring verifies RSA but cannot make RSA keys).
const FCM_TEST_KEY_PEM: &str = include_str!("fixtures/fcm-test-key.pem");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Apns,
    Fcm,
}

/// A request the peer accepted.
#[derive(Debug, Clone)]
pub struct Received {
    pub service: Service,
    /// The APNs device token or FCM registration token it was for.
    pub token: String,
    /// Header names in lower case.
    pub headers: HashMap<String, String>,
    /// The APNs payload, or FCM's `message`.
    pub body: Value,
    /// When it arrived.
    pub at: std::time::Instant,
}

/// A scripted answer, used for the next request that passes the checks.
#[derive(Debug, Clone)]
pub struct Scripted {
    status: u16,
    body: Value,
    retry_after: Option<String>,
}

impl Scripted {
    /// An APNs error: `{"reason": ...}` (410 also carries `timestamp`).
    pub fn apns(status: u16, reason: &str) -> Self {
        let mut body = json!({ "reason": reason });
        if status == 410 {
            body["timestamp"] = json!(1_767_268_800_000_i64);
        }
        Self {
            status,
            body,
            retry_after: None,
        }
    }

    /// An FCM error (google.rpc.Status, with FCM's `errorCode` when given).
    pub fn fcm(status: u16, api_status: &str, error_code: Option<&str>) -> Self {
        let mut error = json!({ "code": status, "message": "scripted", "status": api_status });
        if let Some(code) = error_code {
            error["details"] = json!([{
                "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                "errorCode": code,
            }]);
        }
        Self {
            status,
            body: json!({ "error": error }),
            retry_after: None,
        }
    }

    /// An OAuth 2.0 error from the token endpoint (RFC 6749 5.2).
    pub fn oauth_error(status: u16, error: &str) -> Self {
        Self {
            status,
            body: json!({ "error": error, "error_description": "scripted" }),
            retry_after: None,
        }
    }

    pub fn retry_after(mut self, value: &str) -> Self {
        self.retry_after = Some(value.to_owned());
        self
    }

    fn into_response(self) -> Response {
        let mut response = (
            StatusCode::from_u16(self.status).unwrap(),
            [("content-type", "application/json")],
            self.body.to_string(),
        )
            .into_response();
        if let Some(after) = self.retry_after {
            response
                .headers_mut()
                .insert("retry-after", after.parse().unwrap());
        }
        response
    }
}

#[derive(Debug, Default)]
struct Record {
    received: Vec<Received>,
    /// Requests refused by a check (not by a script): what was wrong.
    refused: Vec<String>,
    apns_script: VecDeque<Scripted>,
    fcm_script: VecDeque<Scripted>,
    token_script: VecDeque<Scripted>,
    /// Distinct APNs provider tokens seen, with their `iat`.
    provider_tokens: Vec<(String, i64)>,
    /// The last provider token was answered `ExpiredProviderToken`: a new one
    /// is then welcome at once.
    expired_reported: bool,
    /// Access tokens issued, with their expiry.
    access_tokens: HashMap<String, i64>,
}

struct Peer {
    clock: Arc<dyn Clock>,
    apns_public_key: Vec<u8>,
    fcm_public_key: Vec<u8>,
    token_url: String,
    record: Mutex<Record>,
    changed: Notify,
}

/// The running peer and the files a server needs to use it.
pub struct PushServices {
    pub address: SocketAddr,
    /// `https://127.0.0.1:<port>`: APNs and FCM base URL alike.
    pub url: String,
    /// The test CA (PEM), for the server's `--push-ca-file`.
    pub ca_file: PathBuf,
    pub apns_key_file: PathBuf,
    pub service_account_file: PathBuf,
    peer: Arc<Peer>,
    task: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl std::fmt::Debug for PushServices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PushServices({})", self.url)
    }
}

impl Drop for PushServices {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn pem(label: &str, der: &[u8]) -> String {
    let body = BASE64.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|chunk| std::str::from_utf8(chunk).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

impl PushServices {
    /// Starts the peer; `clock` is the one the server under test uses, so
    /// token ages are judged on the same time line.
    pub async fn start(clock: Arc<dyn Clock>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        // HTTP/2 only, as APNs: a client that cannot speak it fails the handshake.
        let (ca_pem, tls) = crate::test_ca::server_config("Countersign test push CA", &[b"h2"]);
        let ca_file = dir.path().join("push-ca.pem");
        std::fs::write(&ca_file, ca_pem).unwrap();

        let apns_key =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                .unwrap();
        let apns_pair = EcdsaKeyPair::from_pkcs8(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            apns_key.as_ref(),
            &SystemRandom::new(),
        )
        .unwrap();
        let apns_key_file = dir.path().join(format!("AuthKey_{APNS_KEY_ID}.p8"));
        std::fs::write(&apns_key_file, pem("PRIVATE KEY", apns_key.as_ref())).unwrap();

        let fcm_pair = RsaKeyPair::from_pkcs8(&pkcs8_from_pem(FCM_TEST_KEY_PEM).unwrap()).unwrap();

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let url = format!("https://{address}");
        let token_url = format!("{url}/token");
        let service_account_file = dir.path().join("service-account.json");
        std::fs::write(
            &service_account_file,
            json!({
                "type": "service_account",
                "project_id": FCM_PROJECT,
                "private_key_id": FCM_KEY_ID,
                "private_key": FCM_TEST_KEY_PEM,
                "client_email": FCM_CLIENT_EMAIL,
                "client_id": "100000000000000000000",
                "auth_uri": "https://accounts.google.com/o/oauth2/auth",
                "token_uri": token_url,
            })
            .to_string(),
        )
        .unwrap();

        let peer = Arc::new(Peer {
            clock,
            apns_public_key: apns_pair.public_key().as_ref().to_vec(),
            fcm_public_key: fcm_pair.public().as_ref().to_vec(),
            token_url,
            record: Mutex::new(Record::default()),
            changed: Notify::new(),
        });
        let router = Router::new()
            .route("/3/device/{token}", post(apns_send))
            .route("/token", post(oauth_token))
            .route("/v1/projects/{project}/{method}", post(fcm_send))
            .with_state(peer.clone());
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let acceptor = acceptor.clone();
                let router = router.clone();
                tokio::spawn(async move {
                    let Ok(stream) = acceptor.accept(stream).await else {
                        return;
                    };
                    let service = hyper_util::service::TowerToHyperService::new(router);
                    let _ = hyper::server::conn::http2::Builder::new(
                        hyper_util::rt::TokioExecutor::new(),
                    )
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
                });
            }
        });
        Self {
            address,
            url,
            ca_file,
            apns_key_file,
            service_account_file,
            peer,
            task,
            _dir: dir,
        }
    }

    /// A server configuration that delivers here, retrying quickly.
    pub fn delivery_config(&self) -> DeliveryConfig {
        DeliveryConfig {
            apns: Some(ApnsConfig {
                key_file: self.apns_key_file.clone(),
                key_id: APNS_KEY_ID.into(),
                team_id: APNS_TEAM_ID.into(),
                topic: APNS_TOPIC.into(),
                base_url: self.url.clone(),
            }),
            fcm: Some(FcmConfig {
                base_url: self.url.clone(),
                ..FcmConfig::new(self.service_account_file.clone())
            }),
            ca_file: Some(self.ca_file.clone()),
            retry: RetryPolicy {
                base: Duration::from_millis(20),
                cap: Duration::from_millis(200),
            },
            confirmation_hold: Duration::from_secs(2),
        }
    }

    /// The next APNs requests that pass the checks get these answers.
    pub fn script_apns(&self, answers: impl IntoIterator<Item = Scripted>) {
        self.peer.record.lock().unwrap().apns_script.extend(answers);
    }

    pub fn script_fcm(&self, answers: impl IntoIterator<Item = Scripted>) {
        self.peer.record.lock().unwrap().fcm_script.extend(answers);
    }

    pub fn script_token_endpoint(&self, answers: impl IntoIterator<Item = Scripted>) {
        self.peer
            .record
            .lock()
            .unwrap()
            .token_script
            .extend(answers);
    }

    /// Every request accepted so far (scripted errors included).
    pub fn received(&self) -> Vec<Received> {
        self.peer.record.lock().unwrap().received.clone()
    }

    pub fn received_count(&self) -> usize {
        self.peer.record.lock().unwrap().received.len()
    }

    /// Requests a check refused, with the reason: a correct sender makes none.
    pub fn refused(&self) -> Vec<String> {
        self.peer.record.lock().unwrap().refused.clone()
    }

    /// Distinct APNs provider tokens used so far.
    pub fn provider_tokens(&self) -> usize {
        self.peer.record.lock().unwrap().provider_tokens.len()
    }

    /// OAuth access tokens issued so far.
    pub fn access_tokens_issued(&self) -> usize {
        self.peer.record.lock().unwrap().access_tokens.len()
    }

    /// Waits until `count` requests were accepted (panics after 10 s).
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        self.wait_until(count).await;
        self.received()
    }

    /// As [`Self::wait_for`], without copying what arrived.
    pub async fn wait_until(&self, count: usize) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let changed = self.peer.changed.notified();
            let arrived = self.received_count();
            if arrived >= count {
                return;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                panic!(
                    "{arrived} of {count} deliveries arrived; refused: {:?}",
                    self.refused()
                );
            }
        }
    }
}

impl Peer {
    fn refuse(&self, why: String, answer: Scripted) -> Response {
        self.record.lock().unwrap().refused.push(why);
        self.changed.notify_waiters();
        answer.into_response()
    }

    /// Records an accepted request and answers it: scripted, or success.
    fn accept(&self, received: Received, success: Response) -> Response {
        let service = received.service;
        let mut record = self.record.lock().unwrap();
        record.received.push(received);
        let script = match service {
            Service::Apns => record.apns_script.pop_front(),
            Service::Fcm => record.fcm_script.pop_front(),
        };
        if let Some(Scripted { body, .. }) = &script {
            if body["reason"] == "ExpiredProviderToken" {
                record.expired_reported = true;
            }
        }
        drop(record);
        self.changed.notify_waiters();
        script.map_or(success, Scripted::into_response)
    }
}

fn header_map(headers: &HeaderMap) -> HashMap<String, String> {
    headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                value.to_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

/// Splits and decodes a compact JWS, checking its signature with `verify`.
fn decode_jwt(token: &str, verify: impl Fn(&[u8], &[u8]) -> bool) -> Option<(Value, Value)> {
    let mut parts = token.split('.');
    let (header, claims, signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let signature = BASE64URL_NOPAD.decode(signature.as_bytes()).ok()?;
    if !verify(format!("{header}.{claims}").as_bytes(), &signature) {
        return None;
    }
    let decode = |part: &str| -> Option<Value> {
        serde_json::from_slice(&BASE64URL_NOPAD.decode(part.as_bytes()).ok()?).ok()
    };
    Some((decode(header)?, decode(claims)?))
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get("authorization")?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.to_owned())
}

async fn apns_send(
    State(peer): State<Arc<Peer>>,
    Path(token): Path<String>,
    version: Version,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let refuse = |status: u16, reason: &str| {
        peer.refuse(
            format!("APNs {status} {reason}"),
            Scripted::apns(status, reason),
        )
    };
    if version != Version::HTTP_2 {
        return refuse(400, "BadRequest: HTTP/2 only");
    }
    // Provider token (Establishing a token-based connection to APNs).
    let Some(jwt) = bearer(&headers) else {
        return refuse(403, "MissingProviderToken");
    };
    // A token verified once is not verified again (its claims still are).
    let known = peer
        .record
        .lock()
        .unwrap()
        .provider_tokens
        .iter()
        .any(|(seen, _)| *seen == jwt);
    let verify = |input: &[u8], signature: &[u8]| {
        known
            || UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &peer.apns_public_key)
                .verify(input, signature)
                .is_ok()
    };
    let Some((jwt_header, claims)) = decode_jwt(&jwt, verify) else {
        return refuse(403, "InvalidProviderToken");
    };
    if jwt_header["alg"] != "ES256"
        || jwt_header["kid"] != APNS_KEY_ID
        || claims["iss"] != APNS_TEAM_ID
    {
        return refuse(403, "InvalidProviderToken");
    }
    let now = peer.clock.now();
    let Some(iat) = claims["iat"].as_i64() else {
        return refuse(403, "InvalidProviderToken");
    };
    if now - iat >= 3600 {
        return refuse(403, "ExpiredProviderToken");
    }
    if iat > now + 60 {
        return refuse(403, "InvalidProviderToken");
    }
    {
        let mut record = peer.record.lock().unwrap();
        if !record.provider_tokens.iter().any(|(seen, _)| *seen == jwt) {
            let last_iat = record.provider_tokens.last().map(|(_, iat)| *iat);
            let too_soon = last_iat.is_some_and(|last| iat - last < 20 * 60);
            if too_soon && !record.expired_reported {
                drop(record);
                return refuse(429, "TooManyProviderTokenUpdates");
            }
            record.provider_tokens.push((jwt.clone(), iat));
            record.expired_reported = false;
        }
    }
    // Headers (Sending notification requests to APNs).
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    match header("apns-topic") {
        None => return refuse(400, "MissingTopic"),
        Some(topic) if topic != APNS_TOPIC => return refuse(400, "TopicDisallowed"),
        Some(_) => {}
    }
    if !matches!(
        header("apns-push-type"),
        Some(
            "alert"
                | "background"
                | "voip"
                | "complication"
                | "fileprovider"
                | "mdm"
                | "liveactivity"
                | "pushtotalk"
        )
    ) {
        return refuse(400, "InvalidPushType");
    }
    if header("apns-push-type") == Some("alert") && body.len() <= 4096 {
        // An alert needs an alert (or sound/badge) to show.
        let payload: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        if payload["aps"]["alert"].is_null() {
            return refuse(400, "PayloadEmpty");
        }
    }
    if !matches!(header("apns-priority"), None | Some("1" | "5" | "10")) {
        return refuse(400, "BadPriority");
    }
    if header("apns-expiration").is_some_and(|value| value.parse::<u64>().is_err()) {
        return refuse(400, "BadExpirationDate");
    }
    if header("apns-collapse-id").is_some_and(|value| value.len() > 64) {
        return refuse(400, "BadCollapseId");
    }
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return refuse(400, "BadDeviceToken");
    }
    if body.len() > 4096 {
        return refuse(413, "PayloadTooLarge");
    }
    let Ok(payload) = serde_json::from_slice::<Value>(&body) else {
        return refuse(400, "BadPayload");
    };
    let received = Received {
        service: Service::Apns,
        token,
        headers: header_map(&headers),
        body: payload,
        at: std::time::Instant::now(),
    };
    let mut success = StatusCode::OK.into_response();
    success.headers_mut().insert(
        "apns-id",
        "9f5a2c1e-0b7d-4e63-8a41-2d6c9e0f1b3a".parse().unwrap(),
    );
    peer.accept(received, success)
}

/// Google's OAuth 2.0 token endpoint, JWT bearer grant (RFC 7523).
async fn oauth_token(State(peer): State<Arc<Peer>>, body: Bytes) -> Response {
    let refuse = |why: &str| {
        peer.refuse(
            format!("token endpoint: {why}"),
            Scripted {
                status: 400,
                body: json!({ "error": "invalid_grant", "error_description": why }),
                retry_after: None,
            },
        )
    };
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    if form.get("grant_type").map(String::as_str)
        != Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
    {
        return refuse("unsupported grant_type");
    }
    let Some(assertion) = form.get("assertion") else {
        return refuse("no assertion");
    };
    let verify = |input: &[u8], signature: &[u8]| {
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &peer.fcm_public_key)
            .verify(input, signature)
            .is_ok()
    };
    let Some((header, claims)) = decode_jwt(assertion, verify) else {
        return refuse("Invalid JWT Signature.");
    };
    if header["alg"] != "RS256" || header["kid"] != FCM_KEY_ID {
        return refuse("Invalid JWT: wrong algorithm or key id");
    }
    let now = peer.clock.now();
    let (Some(iat), Some(exp)) = (claims["iat"].as_i64(), claims["exp"].as_i64()) else {
        return refuse("Invalid JWT: iat and exp are required");
    };
    if claims["iss"] != FCM_CLIENT_EMAIL
        || claims["aud"] != peer.token_url.as_str()
        || !claims["scope"]
            .as_str()
            .is_some_and(|scope| scope.split(' ').any(|s| s == FCM_SCOPE))
    {
        return refuse("Invalid JWT: iss, aud or scope");
    }
    if exp - iat > 3600 || exp <= now || iat > now + 60 {
        return refuse(
            "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.",
        );
    }
    let scripted = peer.record.lock().unwrap().token_script.pop_front();
    if let Some(answer) = scripted {
        return answer.into_response();
    }
    let mut random = [0u8; 24];
    ring::rand::SecureRandom::fill(&SystemRandom::new(), &mut random).unwrap();
    let token = format!("ya29.{}", BASE64URL_NOPAD.encode(&random));
    peer.record
        .lock()
        .unwrap()
        .access_tokens
        .insert(token.clone(), now + 3599);
    axum::Json(json!({ "access_token": token, "expires_in": 3599, "token_type": "Bearer" }))
        .into_response()
}

/// `ttl` is a duration in seconds with up to nine fractional digits and `s`.
fn is_duration(text: &str) -> bool {
    let Some(number) = text.strip_suffix('s') else {
        return false;
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, "0"));
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && (1..=9).contains(&fraction.len())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

async fn fcm_send(
    State(peer): State<Arc<Peer>>,
    Path((project, method)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let refuse = |status: u16, api_status: &str, why: &str| {
        peer.refuse(
            format!("FCM {status} {api_status}: {why}"),
            Scripted::fcm(status, api_status, None),
        )
    };
    if method != "messages:send" {
        return refuse(404, "NOT_FOUND", "unknown method");
    }
    let now = peer.clock.now();
    let authorized = bearer(&headers).is_some_and(|token| {
        peer.record
            .lock()
            .unwrap()
            .access_tokens
            .get(&token)
            .is_some_and(|until| *until > now)
    });
    if !authorized {
        return refuse(401, "UNAUTHENTICATED", "no valid OAuth 2 access token");
    }
    if project != FCM_PROJECT {
        return refuse(403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH");
    }
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return refuse(400, "INVALID_ARGUMENT", "the body is not JSON");
    };
    let message = &request["message"];
    let Some(token) = message["token"].as_str().filter(|token| !token.is_empty()) else {
        return refuse(400, "INVALID_ARGUMENT", "message.token is required");
    };
    let data = &message["data"];
    let all_strings = data
        .as_object()
        .is_some_and(|data| data.values().all(Value::is_string));
    if !all_strings {
        return refuse(400, "INVALID_ARGUMENT", "data values must be strings");
    }
    if data.to_string().len() > 4096 {
        return refuse(400, "INVALID_ARGUMENT", "Message is too big");
    }
    let android = &message["android"];
    if !matches!(android["priority"].as_str(), None | Some("high" | "normal")) {
        return refuse(400, "INVALID_ARGUMENT", "android.priority");
    }
    if !android["ttl"].as_str().is_none_or(is_duration) {
        return refuse(
            400,
            "INVALID_ARGUMENT",
            "android.ttl is a duration such as \"3.5s\"",
        );
    }
    let received = Received {
        service: Service::Fcm,
        token: token.to_owned(),
        headers: header_map(&headers),
        body: message.clone(),
        at: std::time::Instant::now(),
    };
    let success = axum::Json(json!({ "name": format!("projects/{project}/messages/0:1767268800000000%31bd1c9631bd1c96") }))
        .into_response();
    peer.accept(received, success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_durations() {
        assert!(is_duration("55s"));
        assert!(is_duration("3.5s"));
        assert!(!is_duration("55"));
        assert!(!is_duration("s"));
        assert!(!is_duration("-1s"));
    }
}
