//! Countersign's core against a live privacyIDEA on 127.0.0.1 (issue 7):
//! enrollment from privacyIDEA's own QR code, polling, approve, decline, number
//! matching, forged challenges and the enrollment ttl. Started by `.ci/run`
//! through scripts/privacyidea/start.sh. Each test is `#[ignore]`d, so a plain
//! `cargo test` reports them as ignored instead of passing without a server;
//! `cargo test -- --include-ignored` (CI) runs them, and a missing server fails.
//!
//! Each test uses its own privacyIDEA user, so they can run in parallel.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use countersign_core::keys::MemorySecretStore;
use countersign_core::push::PrivacyIdeaStore;
use countersign_core::push::PrivacyIdeaToken;
use countersign_core::push::PushStore;
use countersign_core::push::device::{
    AnswerOutcome, DeviceInfo, EnrolledPush, EnrollmentCode, NoGate, PushDevice, PushError,
    WatchDecision,
};
use countersign_core::push::privacyidea::{DEVICE_KEY_BITS, PiUriError};
use countersign_core::{Clock, OffsetClock, SharedVault, SystemClock, Vault};
use countersign_testkit::privacyidea::PrivacyIdea;

/// Most tests make 2048-bit keys to save seconds; one enrolls with the real 4096.
const TEST_KEY_BITS: usize = 2048;

struct PiPhone {
    vault: SharedVault,
    device: PushDevice,
    clock: Arc<dyn Clock>,
    _dir: tempfile::TempDir,
}

impl PiPhone {
    fn new(clock_error_seconds: i64) -> Self {
        Self::with_key_bits(clock_error_seconds, TEST_KEY_BITS)
    }

    fn with_key_bits(clock_error_seconds: i64, bits: usize) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let vault = Vault::open(
            &dir.path().join("vault.sqlite"),
            std::sync::Arc::new(MemorySecretStore::new()),
        )
        .unwrap();
        let clock: Arc<dyn Clock> = Arc::new(OffsetClock::new(SystemClock, clock_error_seconds));
        Self {
            vault: SharedVault::new(vault),
            device: PushDevice::new(clock.clone())
                .unwrap()
                .allowing_loopback_http()
                .with_privacyidea_key_bits(bits),
            clock,
            _dir: dir,
        }
    }

    fn info() -> DeviceInfo {
        DeviceInfo {
            platform: "android".into(),
            device_name: "Test Pixel".into(),
            app_version: "0.1.0".into(),
            push_token: None,
        }
    }

    async fn enroll(&self, uri: &str) -> Result<String, PushError> {
        self.enroll_scanned_at(uri, self.clock.now())
            .await
            .map(|token| token.id)
    }

    /// Through the one entry point the apps use; the user has accepted
    /// sslverify=0 (the CI privacyIDEA serves http on loopback, so its codes
    /// say so).
    async fn enroll_scanned_at(
        &self,
        uri: &str,
        scanned_at: i64,
    ) -> Result<PrivacyIdeaToken, PushError> {
        let code = EnrollmentCode::new(uri, scanned_at).accepting_unchecked_certificates();
        match self.device.enroll(&self.vault, code, &Self::info()).await? {
            EnrolledPush::PrivacyIdea(token) => Ok(token),
            EnrolledPush::Countersign(account) => Err(PushError::Server {
                problem: "test".into(),
                detail: format!("expected a privacyIDEA token, enrolled {}", account.id),
            }),
        }
    }
}

/// A privacyIDEA user with no tokens, and a phone enrolled for them.
async fn enrolled(server: &PrivacyIdea, user: &str) -> (PiPhone, String) {
    server.delete_tokens(user).await;
    let (serial, uri) = server.init_push(user).await;
    let phone = PiPhone::new(0);
    phone.enroll(&uri).await.unwrap();
    (phone, serial)
}

#[tokio::test]
#[ignore = "needs a privacyIDEA: scripts/privacyidea/start.sh, then cargo test -- --include-ignored"]
async fn enroll_poll_and_approve_a_login() {
    let server = PrivacyIdea::connect().await;
    server.delete_tokens("alice").await;
    let (serial, uri) = server.init_push("alice").await;
    assert!(uri.starts_with("otpauth://pipush/"), "{uri}");
    assert_eq!(server.rollout_state(&serial).await, "clientwait");
    // The real thing: a 4096-bit key, made off the caller's thread.
    let phone = PiPhone::with_key_bits(0, DEVICE_KEY_BITS);
    let now = phone.clock.now();
    // sslverify=0 is refused until the user accepts it, before anything is sent.
    let refused = phone
        .device
        .enroll(
            &phone.vault,
            EnrollmentCode::new(&uri, now),
            &PiPhone::info(),
        )
        .await;
    assert!(
        matches!(
            refused,
            Err(PushError::UncheckedCertificatesNeedConsent { .. })
        ),
        "{refused:?}"
    );
    assert_eq!(server.rollout_state(&serial).await, "clientwait");
    let token = phone.enroll_scanned_at(&uri, now).await.unwrap();
    assert_eq!(token.serial, serial);
    assert_eq!(token.issuer, "privacyIDEA");
    assert!(token.poll_only && !token.ssl_verify && !token.require_unlock);
    assert_eq!(server.rollout_state(&serial).await, "enrolled");
    assert_eq!(
        phone.vault.lock().privacyidea_tokens().unwrap(),
        vec![token.clone()]
    );

    // Nothing is waiting before a login.
    assert!(phone.device.pending(&phone.vault).await.unwrap().is_empty());
    let (transaction, presence) = server.trigger("alice").await;
    assert_eq!(presence, None);
    let requests = phone.device.pending(&phone.vault).await.unwrap();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let request = &requests[0];
    assert_eq!(request.account_id, token.id);
    assert_eq!(request.org, "privacyIDEA");
    assert_eq!(request.resource.name, "Countersign test");
    assert_eq!(
        request.message.as_deref(),
        Some("Confirm the Countersign test login?")
    );
    assert!(!request.number_matching && !request.biometric_required);
    assert!(request.seconds_left > 100, "{}", request.seconds_left);
    assert_eq!(server.challenge_status(&transaction).await, "pending");

    let outcome = phone
        .device
        .approve(&phone.vault, &request.id, None, &NoGate)
        .await
        .unwrap();
    assert_eq!(outcome, AnswerOutcome::Approved);
    assert_eq!(server.challenge_status(&transaction).await, "accept");
    // A second tap is harmless; an answered request is not shown again.
    assert_eq!(
        phone
            .device
            .approve(&phone.vault, &request.id, None, &NoGate)
            .await
            .unwrap(),
        AnswerOutcome::Approved
    );
    assert!(phone.device.pending(&phone.vault).await.unwrap().is_empty());
    server.delete_tokens("alice").await;
}

#[tokio::test]
#[ignore = "needs a privacyIDEA: scripts/privacyidea/start.sh, then cargo test -- --include-ignored"]
async fn decline_with_and_without_reporting_fraud() {
    let server = PrivacyIdea::connect().await;
    let (phone, _) = enrolled(&server, "bob").await;

    // A plain deny says nothing about who started it: declined.
    let (transaction, _) = server.trigger("bob").await;
    let requests = phone.device.pending(&phone.vault).await.unwrap();
    assert_eq!(requests.len(), 1);
    let outcome = phone
        .device
        .deny(&phone.vault, &requests[0].id, false)
        .await
        .unwrap();
    assert_eq!(outcome, AnswerOutcome::Denied);
    assert_eq!(server.challenge_status(&transaction).await, "declined");
    // Approving after declining is refused without asking the server.
    assert!(matches!(
        phone
            .device
            .approve(&phone.vault, &requests[0].id, None, &NoGate)
            .await,
        Err(PushError::AlreadyAnswered { .. })
    ));

    // "This was not me": declined, with the signed reason unknown_trigger.
    let (transaction, _) = server.trigger("bob").await;
    let requests = phone.device.pending(&phone.vault).await.unwrap();
    assert_eq!(requests.len(), 1);
    phone
        .device
        .answer_from_watch(
            &phone.vault,
            &requests[0].id,
            WatchDecision::Deny { fraud: true },
        )
        .await
        .unwrap();
    assert_eq!(server.challenge_status(&transaction).await, "declined");
    server.delete_tokens("bob").await;
}

#[tokio::test]
#[ignore = "needs a privacyIDEA: scripts/privacyidea/start.sh, then cargo test -- --include-ignored"]
async fn number_matching_right_and_wrong() {
    let server = PrivacyIdea::connect().await;
    server
        .set_user_policy(
            "countersign-presence-dave",
            "dave",
            "push_require_presence,push_presence_options=ALPHABETIC,push_presence_num_options=3",
        )
        .await;
    let (phone, _) = enrolled(&server, "dave").await;
    let (transaction, shown) = server.trigger("dave").await;
    let shown = shown.expect("the login screen names the option to choose");
    let requests = phone.device.pending(&phone.vault).await.unwrap();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert!(request.number_matching);
    let choices = request.number_choices.clone().unwrap();
    assert_eq!(choices.len(), 3);
    assert!(choices.contains(&shown), "{choices:?} lacks {shown}");
    // Letters, not digits: the same "choose what you see" model.
    assert!(
        choices
            .iter()
            .all(|c| c.chars().all(|c| c.is_ascii_uppercase()))
    );

    assert!(matches!(
        phone
            .device
            .approve(&phone.vault, &request.id, None, &NoGate)
            .await,
        Err(PushError::NumberRequired)
    ));
    let wrong = choices.iter().find(|choice| **choice != shown).unwrap();
    assert!(matches!(
        phone
            .device
            .approve(&phone.vault, &request.id, Some(wrong), &NoGate)
            .await,
        Err(PushError::WrongNumber)
    ));
    // privacyIDEA would take another try; trying the options in turn would
    // defeat number matching, so the phone declined the request.
    assert_eq!(server.challenge_status(&transaction).await, "declined");
    assert!(matches!(
        phone
            .device
            .approve(&phone.vault, &request.id, Some(&shown), &NoGate)
            .await,
        Err(PushError::AlreadyAnswered { .. })
    ));

    // The next sign-in, with the right choice.
    let (transaction, shown) = server.trigger("dave").await;
    let requests = phone.device.pending(&phone.vault).await.unwrap();
    assert_eq!(requests.len(), 1);
    let outcome = phone
        .device
        .approve(
            &phone.vault,
            &requests[0].id,
            Some(&shown.unwrap()),
            &NoGate,
        )
        .await
        .unwrap();
    assert_eq!(outcome, AnswerOutcome::Approved);
    assert_eq!(server.challenge_status(&transaction).await, "accept");
    server.delete_tokens("dave").await;
}

#[tokio::test]
#[ignore = "needs a privacyIDEA: scripts/privacyidea/start.sh, then cargo test -- --include-ignored"]
async fn a_challenge_signed_by_another_key_is_never_shown() {
    let server = PrivacyIdea::connect().await;
    server.delete_tokens("carol").await;
    // Two tokens for carol, on two phones: privacyIDEA signs each token's
    // challenges with that token's own server key.
    let (_, first_uri) = server.init_push("carol").await;
    let (_, second_uri) = server.init_push("carol").await;
    let phone = PiPhone::new(0);
    let other = PiPhone::new(0);
    let id = phone.enroll(&first_uri).await.unwrap();
    other.enroll(&second_uri).await.unwrap();
    let genuine = phone.vault.lock().privacyidea_tokens().unwrap()[0].clone();
    let mut wrong_key = genuine.clone();
    wrong_key.server_key = other.vault.lock().privacyidea_tokens().unwrap()[0]
        .server_key
        .clone();
    phone
        .vault
        .lock()
        .add_privacyidea_token(&wrong_key)
        .unwrap();

    server.trigger("carol").await;
    // Pinned to another key, the phone shows nothing and remembers nothing.
    assert!(phone.device.pending(&phone.vault).await.unwrap().is_empty());
    assert_eq!(other.device.pending(&other.vault).await.unwrap().len(), 1);

    // With the right key the same challenge is there.
    phone.vault.lock().add_privacyidea_token(&genuine).unwrap();
    let requests = phone.device.pending(&phone.vault).await.unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].account_id, id);
    let received = phone
        .vault
        .lock()
        .cached_challenge(&requests[0].id)
        .unwrap()
        .unwrap()
        .jws;

    // The same challenge arriving as a push payload: verified like a polled one.
    let mut payload: serde_json::Value = serde_json::from_str(&received).unwrap();
    let shown = phone
        .device
        .handle_push_payload(
            &phone.vault,
            serde_json::json!({ "data": payload.clone() })
                .to_string()
                .as_bytes(),
        )
        .unwrap()
        .unwrap();
    assert_eq!(shown.id, requests[0].id);
    payload["title"] = "Your bank".into();
    assert!(matches!(
        phone
            .device
            .handle_push_payload(&phone.vault, payload.to_string().as_bytes()),
        Err(PushError::Unverified { .. })
    ));
    phone
        .vault
        .lock()
        .add_privacyidea_token(&wrong_key)
        .unwrap();
    payload["title"] = "Countersign test".into();
    assert!(matches!(
        phone
            .device
            .handle_push_payload(&phone.vault, payload.to_string().as_bytes()),
        Err(PushError::Unverified { .. })
    ));
    server.delete_tokens("carol").await;
}

#[tokio::test]
#[ignore = "needs a privacyIDEA: scripts/privacyidea/start.sh, then cargo test -- --include-ignored"]
async fn an_expired_enrollment_ttl_is_refused_and_a_used_code_too() {
    let server = PrivacyIdea::connect().await;
    server.delete_tokens("erin").await;
    let (serial, uri) = server.init_push("erin").await;
    let phone = PiPhone::new(0);
    // Scanned 11 minutes ago; the code's ttl is 10 minutes.
    let scanned_at = phone.clock.now() - 11 * 60;
    let refused = phone.enroll_scanned_at(&uri, scanned_at).await;
    assert_eq!(
        refused,
        Err(PushError::PrivacyIdeaUri(PiUriError::Expired {
            minutes_ago: 11,
            ttl: 10
        }))
    );
    assert!(phone.vault.lock().privacyidea_tokens().unwrap().is_empty());
    assert_eq!(server.rollout_state(&serial).await, "clientwait");

    phone.enroll(&uri).await.unwrap();
    assert_eq!(server.rollout_state(&serial).await, "enrolled");
    // The code cannot be used a second time, by this phone or another.
    let thief = PiPhone::new(0);
    assert_eq!(thief.enroll(&uri).await, Err(PushError::TokenUsed));
    assert!(thief.vault.lock().privacyidea_tokens().unwrap().is_empty());
    server.delete_tokens("erin").await;
}

#[tokio::test]
#[ignore = "needs a privacyIDEA: scripts/privacyidea/start.sh, then cargo test -- --include-ignored"]
async fn a_wrong_clock_is_corrected_from_the_server() {
    let server = PrivacyIdea::connect().await;
    // This phone's clock is 5 minutes fast; privacyIDEA allows 1 minute.
    let (mut phone, _) = enrolled(&server, "frank").await;
    let id = phone.vault.lock().privacyidea_tokens().unwrap()[0]
        .id
        .clone();
    let mut fast = PiPhone::new(300);
    std::mem::swap(&mut fast.vault, &mut phone.vault);
    // Forget what enrollment learned, so the first poll is refused.
    fast.vault
        .lock()
        .set_privacyidea_clock_offset(&id, 0)
        .unwrap();
    server.trigger("frank").await;
    let requests = fast.device.pending(&fast.vault).await.unwrap();
    assert_eq!(requests.len(), 1);
    let offset = fast
        .vault
        .lock()
        .privacyidea_token(&id)
        .unwrap()
        .unwrap()
        .clock_offset;
    assert!((-310..=-290).contains(&offset), "learned offset {offset}");
    fast.device
        .deny(&fast.vault, &requests[0].id, false)
        .await
        .unwrap();
    server.delete_tokens("frank").await;
}

#[tokio::test]
#[ignore = "needs a privacyIDEA: scripts/privacyidea/start.sh, then cargo test -- --include-ignored"]
async fn a_token_deleted_on_the_server_does_not_hide_the_others() {
    let server = PrivacyIdea::connect().await;
    server.delete_tokens("gina").await;
    server.delete_tokens("hank").await;
    let phone = PiPhone::new(0);
    let (_, gina_uri) = server.init_push("gina").await;
    let (_, hank_uri) = server.init_push("hank").await;
    let gina = phone.enroll(&gina_uri).await.unwrap();
    let hank = phone.enroll(&hank_uri).await.unwrap();
    // The administrator deletes hank's token; gina signs in.
    server.delete_tokens("hank").await;
    server.trigger("gina").await;
    let report = phone.device.pending_report(&phone.vault).await.unwrap();
    assert_eq!(report.requests.len(), 1);
    assert_eq!(report.requests[0].account_id, gina);
    assert_eq!(report.failures.len(), 1);
    assert_eq!(report.failures[0].account_id, hank);
    assert!(
        report.failures[0]
            .error
            .to_string()
            .contains("ask your administrator"),
        "{}",
        report.failures[0].error
    );
    // pending() shows what it can.
    assert_eq!(phone.device.pending(&phone.vault).await.unwrap().len(), 1);
    // Removing the dead token from the phone ends the failure.
    phone.vault.lock().delete_push_account(&hank).unwrap();
    let report = phone.device.pending_report(&phone.vault).await.unwrap();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!(phone.vault.lock().privacyidea_tokens().unwrap().len(), 1);
    server.delete_tokens("gina").await;
}

#[tokio::test]
#[ignore = "needs a privacyIDEA: scripts/privacyidea/start.sh, then cargo test -- --include-ignored"]
async fn code_to_phone_shows_the_code_the_login_screen_asks_for() {
    let server = PrivacyIdea::connect().await;
    server
        .set_user_policy(
            "countersign-code-to-phone-ivan",
            "ivan",
            "push_code_to_phone",
        )
        .await;
    let (phone, _) = enrolled(&server, "ivan").await;
    let (transaction, _) = server.trigger("ivan").await;
    let requests = phone.device.pending(&phone.vault).await.unwrap();
    assert_eq!(requests.len(), 1);
    let outcome = phone
        .device
        .approve(&phone.vault, &requests[0].id, None, &NoGate)
        .await
        .unwrap();
    let AnswerOutcome::ApprovedShowCode { code, message } = outcome else {
        panic!("no code to show: {outcome:?}");
    };
    assert!(
        !code.is_empty() && code.chars().all(|c| c.is_ascii_digit()),
        "{code}"
    );
    assert!(!message.is_empty());
    // The user types the code the phone showed: the login is accepted.
    assert_eq!(server.finish("ivan", &transaction, &code).await, "ACCEPT");
    server.delete_tokens("ivan").await;
}

#[tokio::test]
#[ignore = "needs a privacyIDEA: scripts/privacyidea/start.sh, then cargo test -- --include-ignored"]
async fn a_new_push_token_reaches_privacyidea() {
    let server = PrivacyIdea::connect().await;
    let (phone, serial) = enrolled(&server, "judy").await;
    assert_eq!(
        server.firebase_token(&serial).await.as_deref(),
        Some("poll-only")
    );
    let failures = phone
        .device
        .update_push_token(&phone.vault, Some("fcm-token-rotated-1"))
        .await
        .unwrap();
    assert!(failures.is_empty(), "{failures:?}");
    assert_eq!(
        server.firebase_token(&serial).await.as_deref(),
        Some("fcm-token-rotated-1")
    );
    server.delete_tokens("judy").await;
}
