//! The phone's core (vault + PushDevice) against the reference server over HTTP
//! on 127.0.0.1: every push flow of issue 6, end to end.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use countersign_core::push::PushStore;
use countersign_core::push::device::{
    AnswerOutcome, BiometricGate, DeviceSigner, GateError, NoGate, PushDevice, PushError,
    WatchDecision,
};
use countersign_core::push::jose::{self, Compact, JwsSigner, SoftwareKey};
use countersign_core::push::wire::{ChallengeClaims, ChallengeKind, TYP_CHALLENGE};
use countersign_core::push::{DeviceKeyRef, PushAccountStatus};
use countersign_core::push::{EnrollUriError, EnrollmentUri};
use countersign_testkit::{Phone, Server};
use reqwest::Method;
use serde_json::json;

/// A biometric prompt that answers as told and counts how often it was asked.
struct Gate {
    answer: Result<(), GateError>,
    asked: AtomicUsize,
}

impl Gate {
    fn new(answer: Result<(), GateError>) -> Self {
        Self {
            answer,
            asked: AtomicUsize::new(0),
        }
    }
}

#[async_trait::async_trait]
impl BiometricGate for Gate {
    async fn confirm(&self, reason: &str) -> Result<(), GateError> {
        assert!(reason.contains("Countersign portal"), "{reason}");
        self.asked.fetch_add(1, Ordering::SeqCst);
        self.answer.clone()
    }
}

async fn enrolled(server: &Server, user: &str) -> Phone {
    let phone = Phone::new(server, 0);
    let uri = server.enrollment_uri(user).await;
    phone.enroll(&uri).await.unwrap();
    phone
}

#[tokio::test]
async fn enroll_receive_and_approve_a_login_with_the_number() {
    let server = Server::start().await;
    let phone = Phone::new(&server, 0);
    let uri = server.enrollment_uri("alice").await;
    let account = phone.enroll(&uri).await.unwrap();
    assert_eq!(
        (account.user.as_str(), account.org.as_str()),
        ("alice", "Example Corp")
    );
    assert_eq!(
        account.server_jwk.thumbprint(),
        server.running.state.sk,
        "the server key is pinned"
    );
    assert!(matches!(account.key, DeviceKeyRef::Software(_)));
    // The account, key included, is in the vault.
    let stored = phone.vault.lock().push_accounts().unwrap();
    assert_eq!(stored, vec![account.clone()]);

    let (id, number) = server.push("alice", "portal", "login").await;
    let requests = phone.device.pending(&phone.vault).await.unwrap();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(
        (
            request.id.as_str(),
            request.kind,
            request.resource.name.as_str()
        ),
        (id.as_str(), ChallengeKind::Login, "Countersign portal")
    );
    assert_eq!(request.context.location.as_deref(), Some("Berlin, DE"));
    assert_eq!(request.seconds_left, 60);
    assert!(request.number_matching && !request.biometric_required);
    assert_eq!(request.burst, 1);

    let outcome = phone
        .device
        .approve(&phone.vault, &id, number.as_deref(), &NoGate)
        .await
        .unwrap();
    assert_eq!(outcome, AnswerOutcome::Approved);
    assert_eq!(server.status(&id).await["status"], "approved");
    // A second tap is harmless; the opposite answer is refused without a request.
    assert_eq!(
        phone
            .device
            .approve(&phone.vault, &id, number.as_deref(), &NoGate)
            .await
            .unwrap(),
        AnswerOutcome::Approved
    );
    assert!(matches!(
        phone.device.deny(&phone.vault, &id, false).await,
        Err(PushError::AlreadyAnswered { .. })
    ));
    assert!(phone.device.pending(&phone.vault).await.unwrap().is_empty());
}

#[tokio::test]
async fn deny_and_deny_with_fraud_reach_the_server() {
    let server = Server::start().await;
    let phone = enrolled(&server, "bob").await;
    let (id, _) = server.push("bob", "portal", "login").await;
    phone.device.pending(&phone.vault).await.unwrap();
    assert_eq!(
        phone.device.deny(&phone.vault, &id, false).await.unwrap(),
        AnswerOutcome::Denied
    );
    assert_eq!(server.status(&id).await["status"], "denied");
    let (id, _) = server.push("bob", "portal", "login").await;
    phone.device.pending(&phone.vault).await.unwrap();
    phone.device.deny(&phone.vault, &id, true).await.unwrap();
    // The report arrived; what the server does with it (the lock) is
    // server/tests/push_flows.rs's to test.
    let status = server.status(&id).await;
    assert_eq!(
        (&status["status"], &status["fraud"]),
        (&json!("denied"), &json!(true))
    );
}

#[tokio::test]
async fn an_expired_request_is_refused_with_how_long_ago() {
    let server = Server::start().await;
    let phone = enrolled(&server, "carol").await;
    let (id, number) = server.push("carol", "portal", "login").await;
    phone.device.pending(&phone.vault).await.unwrap();
    server.clock.advance(75);
    let error = phone
        .device
        .approve(&phone.vault, &id, number.as_deref(), &NoGate)
        .await
        .unwrap_err();
    assert_eq!(error, PushError::Expired { seconds_ago: 15 });
    assert!(error.to_string().contains("15 s ago"));
    assert!(phone.device.pending(&phone.vault).await.unwrap().is_empty());
}

/// "Reset Authenticator App": the administrator removes the phone. It learns
/// why at its next answer, remembers it, and stops asking the server.
#[tokio::test]
async fn a_device_the_administrator_removed_learns_it_and_stops_answering() {
    let server = Server::start().await;
    let phone = enrolled(&server, "sam").await;
    let (id, number) = server.push("sam", "portal", "login").await;
    phone.device.pending(&phone.vault).await.unwrap();
    server
        .admin(Method::POST, "/v1/admin/users/sam/reset", json!({}))
        .await;
    assert_eq!(
        phone
            .device
            .approve(&phone.vault, &id, number.as_deref(), &NoGate)
            .await
            .unwrap_err(),
        PushError::DeviceRevoked
    );
    assert_eq!(
        phone.vault.lock().push_accounts().unwrap()[0].status,
        PushAccountStatus::Revoked
    );
    // Not asked again: nothing to show, and no failure to report.
    let report = phone.device.pending_report(&phone.vault).await.unwrap();
    assert_eq!((report.requests.len(), report.failures.len()), (0, 0));
    // Refused on the phone now, before any request is signed.
    assert_eq!(
        phone
            .device
            .deny(&phone.vault, &id, false)
            .await
            .unwrap_err(),
        PushError::DeviceRevoked
    );
}

#[tokio::test]
async fn enrolling_again_revokes_the_old_device_and_it_learns_why() {
    let server = Server::start().await;
    let old = enrolled(&server, "dave").await;
    let (id, number) = server.push("dave", "portal", "login").await;
    old.device.pending(&old.vault).await.unwrap();
    let new = Phone::new(&server, 0);
    let uri = {
        let body = server
            .admin(
                Method::POST,
                "/v1/admin/users/dave/enrollments",
                json!({ "kind": "push" }),
            )
            .await;
        body["uri"].as_str().unwrap().to_owned()
    };
    new.enroll(&uri).await.unwrap();
    let error = old
        .device
        .approve(&old.vault, &id, number.as_deref(), &NoGate)
        .await
        .unwrap_err();
    assert_eq!(error, PushError::DeviceReplaced);
    assert_eq!(
        old.vault.lock().push_accounts().unwrap()[0].status,
        PushAccountStatus::Replaced
    );
    assert_eq!(
        old.device
            .approve(&old.vault, &id, number.as_deref(), &NoGate)
            .await
            .unwrap_err(),
        PushError::DeviceReplaced
    );
    let (id, number) = server.push("dave", "portal", "login").await;
    new.device.pending(&new.vault).await.unwrap();
    new.device
        .approve(&new.vault, &id, number.as_deref(), &NoGate)
        .await
        .unwrap();
    assert!(
        old.device.pending(&old.vault).await.unwrap().is_empty(),
        "a replaced account is not polled"
    );
}

#[tokio::test]
async fn a_denied_step_up_ends_the_portal_session_and_an_approved_reset_completes() {
    let server = Server::start().await;
    let phone = enrolled(&server, "erin").await;
    let login: serde_json::Value = server
        .http
        .post(format!("{}/portal/login", server.base))
        .json(&json!({ "user": "erin" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = login["id"].as_str().unwrap();
    phone.device.pending(&phone.vault).await.unwrap();
    phone
        .device
        .approve(&phone.vault, id, login["number"].as_str(), &NoGate)
        .await
        .unwrap();
    let done: serde_json::Value = server
        .http
        .get(format!("{}/portal/pushes/{id}", server.base))
        .header("countersign-handoff", login["handoff"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let session = done["session"].as_str().unwrap().to_owned();
    let step: serde_json::Value = server
        .http
        .post(format!("{}/portal/step-up", server.base))
        .header("authorization", format!("Session {session}"))
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let requests = phone.device.pending(&phone.vault).await.unwrap();
    assert_eq!(requests[0].kind, ChallengeKind::StepUp);
    phone
        .device
        .deny(&phone.vault, step["id"].as_str().unwrap(), false)
        .await
        .unwrap();
    let me = server
        .http
        .get(format!("{}/portal/me", server.base))
        .header("authorization", format!("Session {session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 401);

    let reset: serde_json::Value = server
        .http
        .post(format!("{}/portal/password-reset", server.base))
        .json(&json!({ "user": "erin" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let requests = phone.device.pending(&phone.vault).await.unwrap();
    assert_eq!(requests[0].kind, ChallengeKind::PasswordReset);
    phone
        .device
        .approve(
            &phone.vault,
            reset["id"].as_str().unwrap(),
            reset["number"].as_str(),
            &NoGate,
        )
        .await
        .unwrap();
    assert_eq!(
        server.status(reset["id"].as_str().unwrap()).await["effect"],
        "password_reset_completed"
    );
}

#[tokio::test]
async fn biometric_policy_runs_the_gate_and_a_refused_gate_signs_nothing() {
    let server = Server::start().await;
    server
        .admin(
            Method::PUT,
            "/v1/admin/policy",
            json!({ "biometric": "required" }),
        )
        .await;
    let phone = enrolled(&server, "frank").await;
    let (id, number) = server.push("frank", "portal", "login").await;
    let requests = phone.device.pending(&phone.vault).await.unwrap();
    assert!(requests[0].biometric_required);
    for refusal in [GateError::Failed, GateError::Cancelled] {
        let gate = Gate::new(Err(refusal.clone()));
        let error = phone
            .device
            .approve(&phone.vault, &id, number.as_deref(), &gate)
            .await
            .unwrap_err();
        assert_eq!(error, PushError::Gate(refusal));
        assert_eq!(gate.asked.load(Ordering::SeqCst), 1);
        assert_eq!(
            server.status(&id).await["status"],
            "pending",
            "nothing was sent"
        );
    }
    let gate = Gate::new(Ok(()));
    phone
        .device
        .approve(&phone.vault, &id, number.as_deref(), &gate)
        .await
        .unwrap();
    let status = server.status(&id).await;
    assert_eq!(
        (status["status"].as_str(), status["uv"].as_bool()),
        (Some("approved"), Some(true))
    );
    // Denying never asks for biometrics.
    let (id, _) = server.push("frank", "portal", "login").await;
    phone.device.pending(&phone.vault).await.unwrap();
    phone.device.deny(&phone.vault, &id, false).await.unwrap();
}

#[tokio::test]
async fn number_matching_right_wrong_and_missing() {
    let server = Server::start().await;
    let phone = enrolled(&server, "grace").await;
    let (id, number) = server.push("grace", "portal", "login").await;
    phone.device.pending(&phone.vault).await.unwrap();
    assert_eq!(
        phone
            .device
            .approve(&phone.vault, &id, None, &NoGate)
            .await
            .unwrap_err(),
        PushError::NumberRequired
    );
    assert_eq!(
        server.status(&id).await["status"],
        "pending",
        "a missing number sends nothing"
    );
    let wrong = if number.as_deref() == Some("100") {
        "101"
    } else {
        "100"
    };
    assert_eq!(
        phone
            .device
            .approve(&phone.vault, &id, Some(wrong), &NoGate)
            .await
            .unwrap_err(),
        PushError::WrongNumber
    );
    assert_eq!(server.status(&id).await["status"], "denied");
    let (id, number) = server.push("grace", "portal", "login").await;
    phone.device.pending(&phone.vault).await.unwrap();
    let typed = format!(" {} ", number.unwrap());
    phone
        .device
        .approve(&phone.vault, &id, Some(&typed), &NoGate)
        .await
        .unwrap();
    assert_eq!(server.status(&id).await["status"], "approved");
}

#[tokio::test]
async fn push_payloads_from_apns_and_fcm_are_verified_and_forgeries_never_shown() {
    let server = Server::start().await;
    let phone = enrolled(&server, "heidi").await;
    let (id, number) = server.push("heidi", "portal", "login").await;
    // What the server would put in the notification: the signed challenge.
    let jws = {
        let requests = phone.device.pending(&phone.vault).await.unwrap();
        assert_eq!(requests.len(), 1);
        phone
            .vault
            .lock()
            .cached_challenge(&id)
            .unwrap()
            .unwrap()
            .jws
    };
    let device_id = phone.vault.lock().push_accounts().unwrap()[0]
        .device_id
        .clone();
    let apns = json!({ "aps": { "alert": "Sign-in request" }, "countersign_challenge": jws, "countersign_device": device_id });
    let request = phone
        .device
        .handle_push_payload(&phone.vault, apns.to_string().as_bytes())
        .unwrap()
        .unwrap();
    assert_eq!(request.id, id);
    let fcm = json!({ "data": { "countersign_challenge": jws, "countersign_device": device_id } });
    assert_eq!(
        phone
            .device
            .handle_push_payload(&phone.vault, fcm.to_string().as_bytes())
            .unwrap()
            .unwrap()
            .id,
        id
    );
    let wake_up = json!({ "data": { "countersign_device": device_id } });
    assert_eq!(
        phone
            .device
            .handle_push_payload(&phone.vault, wake_up.to_string().as_bytes())
            .unwrap(),
        None
    );
    // The same claims signed by another key: refused, and not remembered.
    let mut claims: ChallengeClaims = Compact::parse(&jws).unwrap().claims().unwrap();
    claims.id = "ch_forged".into();
    let forged = jose::sign(
        TYP_CHALLENGE,
        &claims,
        &SoftwareKey::generate().unwrap(),
        false,
    )
    .unwrap();
    let payload = json!({ "countersign_challenge": forged });
    assert!(matches!(
        phone
            .device
            .handle_push_payload(&phone.vault, payload.to_string().as_bytes()),
        Err(PushError::BadServerMessage(_))
    ));
    assert_eq!(
        phone.vault.lock().cached_challenge("ch_forged").unwrap(),
        None
    );
    assert_eq!(
        phone
            .device
            .approve(&phone.vault, "ch_forged", Some("123"), &NoGate)
            .await
            .unwrap_err(),
        PushError::UnknownRequest
    );
    // The genuine one is still answerable.
    phone
        .device
        .approve(&phone.vault, &id, number.as_deref(), &NoGate)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_watch_answers_through_the_phone_but_cannot_replace_face_id() {
    let server = Server::start().await;
    let phone = enrolled(&server, "ivan").await;
    let (id, number) = server.push("ivan", "portal", "login").await;
    phone.device.pending(&phone.vault).await.unwrap();
    let watch = phone.device.watch_request(&phone.vault, &id).unwrap();
    assert_eq!(watch.title, "Sign in to Countersign portal");
    assert_eq!(watch.detail, "Berlin, DE · Firefox 133 on Windows 11");
    assert!(!watch.phone_required && watch.number_matching);
    let outcome = phone
        .device
        .answer_from_watch(&phone.vault, &id, WatchDecision::Approve { number })
        .await
        .unwrap();
    assert_eq!(outcome, AnswerOutcome::Approved);
    assert_eq!(
        server.status(&id).await["uv"],
        false,
        "the Watch cannot claim user verification"
    );

    server
        .admin(
            Method::PUT,
            "/v1/admin/policy",
            json!({ "biometric": "required" }),
        )
        .await;
    let (id, number) = server.push("ivan", "portal", "login").await;
    phone.device.pending(&phone.vault).await.unwrap();
    assert!(
        phone
            .device
            .watch_request(&phone.vault, &id)
            .unwrap()
            .phone_required
    );
    let error = phone
        .device
        .answer_from_watch(&phone.vault, &id, WatchDecision::Approve { number })
        .await
        .unwrap_err();
    assert_eq!(error, PushError::PhoneRequired);
    assert_eq!(server.status(&id).await["status"], "pending");
    phone
        .device
        .answer_from_watch(&phone.vault, &id, WatchDecision::Deny { fraud: false })
        .await
        .unwrap();
    assert_eq!(server.status(&id).await["status"], "denied");
}

#[tokio::test]
async fn enrollment_refusals_are_typed_and_store_nothing() {
    let server = Server::start().await;
    let phone = Phone::new(&server, 0);
    let uri = server.enrollment_uri("judy").await;
    // A QR code whose pinned key is not the server's key.
    let other_sk = SoftwareKey::generate().unwrap().public_jwk().thumbprint();
    let parsed = EnrollmentUri::parse(&uri).unwrap();
    let tampered = EnrollmentUri {
        sk: other_sk,
        ..parsed.clone()
    }
    .build();
    assert_eq!(
        phone.enroll(&tampered).await.unwrap_err(),
        PushError::ServerKeyMismatch
    );
    assert!(phone.vault.lock().push_accounts().unwrap().is_empty());
    // Plain http to anything but this machine.
    let remote = EnrollmentUri {
        url: "http://mfa.example.com".into(),
        ..parsed.clone()
    }
    .build();
    assert!(matches!(
        phone.enroll(&remote).await,
        Err(PushError::EnrollUri(EnrollUriError::Insecure { .. }))
    ));
    // The token was consumed by the mismatching attempt: used.
    let other = Phone::new(&server, 0);
    assert_eq!(other.enroll(&uri).await.unwrap_err(), PushError::TokenUsed);
    // Expired, by the phone's own clock and by the server's.
    let fresh = {
        let body = server
            .admin(
                Method::POST,
                "/v1/admin/users/judy/enrollments",
                json!({ "kind": "push" }),
            )
            .await;
        body["uri"].as_str().unwrap().to_owned()
    };
    server.clock.advance(601);
    assert!(matches!(
        phone.enroll(&fresh).await,
        Err(PushError::EnrollUri(EnrollUriError::Expired {
            seconds_ago: 1
        }))
    ));
    let late_phone = Phone::new(&server, -120);
    assert_eq!(
        late_phone.enroll(&fresh).await.unwrap_err(),
        PushError::TokenExpired { seconds_ago: 1 }
    );
    assert!(phone.vault.lock().push_accounts().unwrap().is_empty());
}

#[tokio::test]
async fn a_phone_whose_clock_is_wrong_learns_the_offset_from_the_server() {
    let server = Server::start().await;
    // Five minutes slow: every iat it signs is outside the server's ±60 s.
    let phone = Phone::new(&server, -300);
    let uri = server.enrollment_uri("kim").await;
    let account = phone.enroll(&uri).await.unwrap();
    assert_eq!(account.clock_offset, 300);
    let (id, number) = server.push("kim", "portal", "login").await;
    let requests = phone.device.pending(&phone.vault).await.unwrap();
    assert_eq!(
        requests[0].seconds_left, 60,
        "shown with the server's clock"
    );
    phone
        .device
        .approve(&phone.vault, &id, number.as_deref(), &NoGate)
        .await
        .unwrap();
    // The server's clock moves on; the phone's drifts back: learned again.
    phone
        .vault
        .lock()
        .set_push_clock_offset(&account.id, 0)
        .unwrap();
    let (id, number) = server.push("kim", "portal", "login").await;
    phone.device.pending(&phone.vault).await.unwrap();
    phone
        .device
        .approve(&phone.vault, &id, number.as_deref(), &NoGate)
        .await
        .unwrap();
    assert_eq!(
        phone.vault.lock().push_accounts().unwrap()[0].clock_offset,
        300
    );
}

#[tokio::test]
async fn a_burst_of_requests_is_counted_as_one() {
    let server = Server::start().await;
    server
        .admin(
            Method::PATCH,
            "/v1/admin/resources/portal",
            json!({ "max_pending": 3 }),
        )
        .await;
    let phone = enrolled(&server, "lena").await;
    for _ in 0..3 {
        server.push("lena", "portal", "login").await;
        server.clock.advance(5);
    }
    let requests = phone.device.pending(&phone.vault).await.unwrap();
    assert_eq!(
        requests.iter().map(|r| r.burst).collect::<Vec<_>>(),
        [1, 2, 3]
    );
}

#[tokio::test]
async fn a_network_failure_says_so_and_changes_nothing() {
    let server = Server::start().await;
    let phone = enrolled(&server, "mia").await;
    let (id, number) = server.push("mia", "portal", "login").await;
    phone.device.pending(&phone.vault).await.unwrap();
    server.running.stop().await;
    let error = phone
        .device
        .approve(&phone.vault, &id, number.as_deref(), &NoGate)
        .await
        .unwrap_err();
    assert!(matches!(error, PushError::Network { .. }), "{error:?}");
    assert!(error.to_string().contains("try again"));
    assert_eq!(
        phone
            .vault
            .lock()
            .cached_challenge(&id)
            .unwrap()
            .unwrap()
            .answered,
        None,
        "still answerable later"
    );
}

/// A "Secure Enclave" for tests: it signs, and the core never sees its private key.
struct FakeEnclave {
    keys: std::sync::Mutex<std::collections::HashMap<String, Arc<SoftwareKey>>>,
}

struct EnclaveKey(Arc<SoftwareKey>);

impl JwsSigner for EnclaveKey {
    fn public_jwk(&self) -> countersign_core::push::Jwk {
        self.0.public_jwk()
    }
    fn sign_es256(&self, message: &[u8]) -> Result<Vec<u8>, countersign_core::push::JoseError> {
        self.0.sign_es256(message)
    }
}

impl DeviceSigner for FakeEnclave {
    fn create(&self, alias: &str) -> Result<Box<dyn JwsSigner>, String> {
        let key = Arc::new(SoftwareKey::generate().map_err(|e| e.to_string())?);
        self.keys
            .lock()
            .unwrap()
            .insert(alias.to_owned(), key.clone());
        Ok(Box::new(EnclaveKey(key)))
    }
    fn open(&self, alias: &str) -> Result<Box<dyn JwsSigner>, String> {
        let key = self
            .keys
            .lock()
            .unwrap()
            .get(alias)
            .cloned()
            .ok_or("no such key")?;
        Ok(Box::new(EnclaveKey(key)))
    }
}

#[tokio::test]
async fn a_hardware_key_signs_for_the_core_without_giving_it_the_private_key() {
    let server = Server::start().await;
    let enclave = Arc::new(FakeEnclave {
        keys: Default::default(),
    });
    let phone = Phone::with_device(&server, 0, |clock| {
        PushDevice::new(clock)
            .unwrap()
            .with_hardware_keys(enclave.clone())
    });
    let uri = server.enrollment_uri("noor").await;
    let account = phone.enroll(&uri).await.unwrap();
    let DeviceKeyRef::Hardware { alias } = &account.key else {
        panic!("{:?}", account.key)
    };
    assert!(enclave.keys.lock().unwrap().contains_key(alias));
    let (id, number) = server.push("noor", "portal", "login").await;
    phone.device.pending(&phone.vault).await.unwrap();
    // The enclave loses the key (a wiped Keystore): the phone's fault, said so,
    // not "the server refused".
    let kept = std::mem::take(&mut *enclave.keys.lock().unwrap());
    let failed = phone
        .device
        .approve(&phone.vault, &id, number.as_deref(), &NoGate)
        .await;
    assert!(
        matches!(&failed, Err(PushError::HardwareKey { reason }) if reason.contains("no such key")),
        "{failed:?}"
    );
    *enclave.keys.lock().unwrap() = kept;
    phone
        .device
        .approve(&phone.vault, &id, number.as_deref(), &NoGate)
        .await
        .unwrap();
    assert_eq!(server.status(&id).await["status"], "approved");
}

#[tokio::test]
async fn a_new_push_token_reaches_the_server() {
    let server = Server::start().await;
    let phone = enrolled(&server, "alice").await;
    let device_id = phone.vault.lock().push_accounts().unwrap()[0]
        .device_id
        .clone();
    let stored = async |server: &Server| -> Option<String> {
        let db = server.running.state.db().await.unwrap();
        countersign_server::store::device(&db, &device_id)
            .await
            .unwrap()
            .and_then(|device| device.push_token)
    };
    assert_eq!(stored(&server).await.as_deref(), Some("00ff"));
    let failures = phone
        .device
        .update_push_token(&phone.vault, Some("0a0b0c"))
        .await
        .unwrap();
    assert!(failures.is_empty(), "{failures:?}");
    assert_eq!(stored(&server).await.as_deref(), Some("0a0b0c"));
    // Notifications turned off: the server forgets the token.
    phone
        .device
        .update_push_token(&phone.vault, None)
        .await
        .unwrap();
    assert_eq!(stored(&server).await, None);
}
