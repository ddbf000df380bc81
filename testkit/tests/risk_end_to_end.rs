//! Risk-aware pushes from the relying party to the phone's core, over HTTP on
//! 127.0.0.1: the server's signed risk level reaches the phone with its
//! reasons, and the core holds the user to what the level demands whatever a
//! shell does (no inline Approve, the number, the user verified).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use countersign_core::push::device::{AnswerOutcome, BiometricGate, GateError, PushError};
use countersign_core::push::wire::{RiskLevel, RiskReason};
use countersign_testkit::{Phone, Server};
use serde_json::{Value, json};

/// A prompt that passes or is cancelled, as told.
struct Prompt(Result<(), GateError>);

#[async_trait::async_trait]
impl BiometricGate for Prompt {
    async fn confirm(&self, _reason: &str) -> Result<(), GateError> {
        self.0.clone()
    }
}

fn from_berlin() -> Value {
    json!({ "ip": "203.0.113.24", "location": "Berlin, DE", "browser": "Firefox 133",
            "os": "Windows 11", "time": 0, "lat": 52.52, "lon": 13.405, "network": "AS3320" })
}

/// Sydney by its coordinates, through the same address and network (a new
/// address and network as well would make it very high: refused, not sent).
fn from_sydney() -> Value {
    json!({ "ip": "203.0.113.24", "location": "Sydney, AU", "browser": "Firefox 133",
            "os": "Windows 11", "time": 0, "lat": -33.8688, "lon": 151.2093, "network": "AS3320" })
}

async fn enrolled(server: &Server, user: &str) -> Phone {
    let phone = Phone::new(server, 0);
    phone
        .enroll(&server.enrollment_uri(user).await)
        .await
        .unwrap();
    phone
}

/// A sign-in from `context`, approved on the phone with its number.
async fn approved(server: &Server, phone: &Phone, user: &str, context: Value) {
    let (id, number) = server
        .push_with_context(user, "portal", "login", context)
        .await;
    phone.device.pending(&phone.vault).await.unwrap();
    let outcome = phone
        .device
        .approve(&phone.vault, &id, number.as_deref(), &Prompt(Ok(())))
        .await
        .unwrap();
    assert_eq!(outcome, AnswerOutcome::Approved);
}

#[tokio::test]
async fn impossible_travel_reaches_the_phone_as_a_signed_high_risk_that_needs_the_number_and_the_user()
 {
    let server = Server::start().await;
    let phone = enrolled(&server, "jane").await;
    approved(&server, &phone, "jane", from_berlin()).await;

    // Ten minutes later, Sydney.
    server.clock.advance(600);
    let (id, number) = server
        .push_with_context("jane", "portal", "login", from_sydney())
        .await;
    let requests = phone.device.pending(&phone.vault).await.unwrap();
    let request = requests.iter().find(|r| r.id == id).unwrap();
    assert_eq!(request.risk_level, RiskLevel::High, "{request:?}");
    assert!(
        request.risk_reasons.contains(&RiskReason::ImpossibleTravel),
        "{:?}",
        request.risk_reasons
    );
    assert!(request.number_matching, "high risk forces the number");
    assert!(
        !request.answerable_inline(),
        "no Approve on the lock screen"
    );
    assert!(
        request.seconds_left <= 30,
        "and expires sooner: {}",
        request.seconds_left
    );

    // The lock screen's inline Approve carries no number: refused at once.
    let inline = phone
        .device
        .approve(&phone.vault, &id, None, &Prompt(Ok(())))
        .await;
    assert!(
        matches!(inline, Err(PushError::NumberRequired)),
        "{inline:?}"
    );
    // With the number, the user must pass the prompt.
    let cancelled = phone
        .device
        .approve(
            &phone.vault,
            &id,
            number.as_deref(),
            &Prompt(Err(GateError::Cancelled)),
        )
        .await;
    assert!(
        matches!(cancelled, Err(PushError::Gate(GateError::Cancelled))),
        "{cancelled:?}"
    );
    assert_eq!(server.status(&id).await["status"], "pending");
    let outcome = phone
        .device
        .approve(&phone.vault, &id, number.as_deref(), &Prompt(Ok(())))
        .await
        .unwrap();
    assert_eq!(outcome, AnswerOutcome::Approved);
    assert_eq!(server.status(&id).await["status"], "approved");
}

#[tokio::test]
async fn a_streak_of_denials_raises_the_next_request_to_medium_with_its_reason() {
    let server = Server::start().await;
    let phone = enrolled(&server, "omar").await;
    for _ in 0..2 {
        let (id, _) = server
            .push_with_context("omar", "portal", "login", from_berlin())
            .await;
        phone.device.pending(&phone.vault).await.unwrap();
        phone.device.deny(&phone.vault, &id, false).await.unwrap();
        server.clock.advance(30);
    }
    let (id, _) = server
        .push_with_context("omar", "portal", "login", from_berlin())
        .await;
    let requests = phone.device.pending(&phone.vault).await.unwrap();
    let request = requests.iter().find(|r| r.id == id).unwrap();
    assert!(request.risk_level >= RiskLevel::Medium, "{request:?}");
    assert!(
        request.risk_reasons.contains(&RiskReason::DeniedStreak),
        "{:?}",
        request.risk_reasons
    );
    assert!(!request.answerable_inline());
    let inline = phone
        .device
        .approve(&phone.vault, &id, None, &Prompt(Ok(())))
        .await;
    assert!(
        matches!(inline, Err(PushError::NumberRequired)),
        "{inline:?}"
    );
}

#[tokio::test]
async fn a_normal_day_from_home_and_office_raises_nothing() {
    let server = Server::start().await;
    let phone = enrolled(&server, "lena").await;
    let home = json!({ "ip": "203.0.113.24", "location": "Berlin, DE", "time": 0,
                       "lat": 52.52, "lon": 13.405, "network": "AS3320" });
    let office = json!({ "ip": "198.51.100.40", "location": "Potsdam, DE", "time": 0,
                         "lat": 52.39, "lon": 13.06, "network": "AS680" });
    // Both places once, then the day goes back and forth.
    approved(&server, &phone, "lena", home.clone()).await;
    server.clock.advance(3600);
    approved(&server, &phone, "lena", office.clone()).await;
    for hour in 0..6 {
        server.clock.advance(3600);
        let context = if hour % 2 == 0 {
            home.clone()
        } else {
            office.clone()
        };
        let (id, number) = server
            .push_with_context("lena", "portal", "login", context)
            .await;
        let requests = phone.device.pending(&phone.vault).await.unwrap();
        let request = requests.iter().find(|r| r.id == id).unwrap();
        assert_eq!(
            request.risk_level,
            RiskLevel::Low,
            "hour {hour}: {request:?}"
        );
        assert!(request.risk_reasons.is_empty());
        phone
            .device
            .approve(&phone.vault, &id, number.as_deref(), &Prompt(Ok(())))
            .await
            .unwrap();
    }
}
