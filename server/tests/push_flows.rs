//! Every rule of the push server, over real HTTP to a server on 127.0.0.1, with
//! a phone built from countersign-core. Time is moved with the server's clock,
//! never by sleeping.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use countersign_core::push::jose::{self, Compact};
use countersign_core::push::wire::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn approved(h: &Harness, id: &str) {
    assert_eq!(h.push_status(id).await["status"], "approved");
}

#[tokio::test]
async fn enroll_login_push_and_approve_with_the_number() {
    let h = Harness::start().await;
    let phone = h.enrolled("alice").await;
    let (id, number) = h.push("alice", "portal").await;
    let number = number.expect("number matching is on by default");
    let pending = phone.pending().await;
    assert_eq!(pending.len(), 1);
    let challenge = &pending[0];
    assert_eq!(
        (
            challenge.id.as_str(),
            challenge.kind,
            challenge.user.as_str()
        ),
        (id.as_str(), ChallengeKind::Login, "alice")
    );
    assert_eq!(challenge.context.location.as_deref(), Some("Berlin, DE"));
    assert_eq!(challenge.exp - challenge.iat, 60);
    assert!(challenge.number_matching);
    let response = phone
        .answer(&id, Decision::Approve, Some(&number), false, false)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: AnswerResponse = response.json().await.unwrap();
    assert_eq!(body.status, AnswerStatus::Approved);
    approved(&h, &id).await;
    assert!(
        phone.pending().await.is_empty(),
        "answered challenges are no longer pending"
    );
}

#[tokio::test]
async fn deny_is_reported_as_denied() {
    let h = Harness::start().await;
    let phone = h.enrolled("bob").await;
    let (id, _) = h.push("bob", "portal").await;
    let response = phone.answer(&id, Decision::Deny, None, false, false).await;
    assert_eq!(
        response.json::<AnswerResponse>().await.unwrap().status,
        AnswerStatus::Denied
    );
    assert_eq!(h.push_status(&id).await["status"], "denied");
}

#[tokio::test]
async fn a_relying_party_withdraws_a_push_nobody_waits_for() {
    let h = Harness::start().await;
    let phone = h.enrolled("dana").await;
    let (id, number) = h.push("dana", "portal").await;
    assert_eq!(phone.pending().await.len(), 1);
    let withdraw = |id: String| {
        h.http
            .delete(format!("{}/v1/pushes/{id}", h.base))
            .bearer_auth(RP)
            .send()
    };
    let response = withdraw(id.clone()).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "expired");
    // Gone from the phone, an answer is too late, and the pending limit has
    // its slot back.
    assert!(phone.pending().await.is_empty());
    problem(
        phone
            .answer(&id, Decision::Approve, number.as_deref(), false, false)
            .await,
        ProblemType::Expired,
    )
    .await;
    let (next, number) = h.push("dana", "portal").await;
    assert!(
        h.audit()
            .await
            .iter()
            .any(|event| event["event"] == "push_withdrawn" && event["user"] == "dana")
    );

    // A decided push keeps its outcome; an unknown one is not found; the
    // call needs the RP token.
    phone
        .answer(&next, Decision::Approve, number.as_deref(), false, false)
        .await;
    let body: Value = withdraw(next.clone()).await.unwrap().json().await.unwrap();
    assert_eq!(body["status"], "approved");
    problem(
        withdraw("ch_unknown0000000000".into()).await.unwrap(),
        ProblemType::NotFound,
    )
    .await;
    let anonymous = h
        .http
        .delete(format!("{}/v1/pushes/{next}", h.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_answer_after_sixty_seconds_is_refused_as_expired() {
    let h = Harness::start().await;
    let phone = h.enrolled("carol").await;
    let (id, number) = h.push("carol", "portal").await;
    h.clock.advance(61);
    let body = problem(
        phone
            .answer(&id, Decision::Approve, number.as_deref(), false, false)
            .await,
        ProblemType::Expired,
    )
    .await;
    assert_eq!(body["expired_seconds_ago"], 1);
    assert_eq!(h.push_status(&id).await["status"], "expired");
    assert!(
        phone.pending().await.is_empty(),
        "expired challenges are not offered"
    );
}

#[tokio::test]
async fn a_second_push_within_a_minute_is_rate_limited_until_the_first_is_answered() {
    let h = Harness::start().await;
    let phone = h.enrolled("dave").await;
    let (first, number) = h.push("dave", "portal").await;
    h.clock.advance(15);
    let response = h.push_response("dave", "portal", "login").await;
    assert_eq!(response.headers().get("retry-after").unwrap(), "45");
    let body = problem(response, ProblemType::RateLimited).await;
    assert_eq!(body["retry_after"], 45);
    // Another user is never affected.
    h.enrolled("erin").await;
    h.push("erin", "portal").await;
    // Answering frees the slot.
    phone
        .answer(&first, Decision::Approve, number.as_deref(), false, false)
        .await;
    h.push("dave", "portal").await;
    // An admin can allow more at once for a resource.
    let created = h
        .admin(
            Method::POST,
            "/v1/admin/resources",
            Some(json!({ "id": "vpn", "name": "VPN", "max_pending": 2 })),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    h.push("dave", "vpn").await;
    h.push("dave", "vpn").await;
    problem(
        h.push_response("dave", "vpn", "login").await,
        ProblemType::RateLimited,
    )
    .await;
    // Once they expire, pushes are possible again.
    h.clock.advance(61);
    h.push("dave", "vpn").await;
}

#[tokio::test]
async fn a_challenge_is_answered_once_and_a_replayed_answer_is_refused() {
    let h = Harness::start().await;
    let phone = h.enrolled("frank").await;
    let (id, number) = h.push("frank", "portal").await;
    let jws = phone.answer_jws(&id, Decision::Approve, number.as_deref(), false, false);
    let path = format!("/v1/challenges/{id}/answer");
    assert_eq!(
        phone.post_jose(&path, jws.clone()).await.status(),
        StatusCode::OK
    );
    let body = problem(
        phone.post_jose(&path, jws).await,
        ProblemType::AlreadyAnswered,
    )
    .await;
    assert_eq!(body["decision"], "approved");
    let body = problem(
        phone.answer(&id, Decision::Deny, None, false, false).await,
        ProblemType::AlreadyAnswered,
    )
    .await;
    assert_eq!(body["decision"], "approved", "the first answer stands");
    approved(&h, &id).await;
}

#[tokio::test]
async fn enrolling_again_revokes_the_old_device() {
    let h = Harness::start().await;
    let old = h.enrolled("grace").await;
    let (id, number) = h.push("grace", "portal").await;
    let mut new = Phone::new(&h);
    new.enroll(&h.enrollment_uri("grace").await).await.unwrap();
    assert_ne!(new.device_id, old.device_id);
    let body = problem(
        old.answer(&id, Decision::Approve, number.as_deref(), false, false)
            .await,
        ProblemType::DeviceReplaced,
    )
    .await;
    assert!(body["replaced_at"].is_i64());
    problem(old.challenges_response().await, ProblemType::DeviceReplaced).await;
    assert_eq!(
        h.push_status(&id).await["status"],
        "expired",
        "the old device's pending pushes end"
    );
    let (id, number) = h.push("grace", "portal").await;
    assert_eq!(new.pending().await[0].device, new.device_id);
    new.answer(&id, Decision::Approve, number.as_deref(), false, false)
        .await;
    approved(&h, &id).await;
    let user: Value = h
        .admin(Method::GET, "/v1/admin/users/grace", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(user["device"]["id"], new.device_id);
}

#[tokio::test]
async fn forged_signatures_are_refused_both_ways() {
    let h = Harness::start().await;
    let phone = h.enrolled("heidi").await;
    let (id, number) = h.push("heidi", "portal").await;
    // (A challenge forged by another server is the phone's to refuse:
    // testkit/tests/push_end_to_end.rs and core/tests/hostile_challenges.rs.)
    // An answer signed by a key the server does not know for this device.
    let mut impostor = Phone::new(&h);
    impostor.device_id = phone.device_id.clone();
    problem(
        impostor
            .answer(&id, Decision::Approve, number.as_deref(), false, false)
            .await,
        ProblemType::BadSignature,
    )
    .await;
    // A genuine answer whose signed challenge id differs from the URL's.
    let jws = phone.answer_jws(
        "ch_somewhere_else",
        Decision::Approve,
        number.as_deref(),
        false,
        false,
    );
    problem(
        phone
            .post_jose(&format!("/v1/challenges/{id}/answer"), jws)
            .await,
        ProblemType::BadSignature,
    )
    .await;
    assert_eq!(
        h.push_status(&id).await["status"],
        "pending",
        "nothing was decided"
    );
}

#[tokio::test]
async fn deny_and_report_fraud_locks_the_user_until_an_admin_lifts_it() {
    let h = Harness::start().await;
    let phone = h.enrolled("ivan").await;
    let (id, _) = h.push("ivan", "portal").await;
    phone.answer(&id, Decision::Deny, None, false, true).await;
    let body = problem(
        h.push_response("ivan", "portal", "login").await,
        ProblemType::FraudLocked,
    )
    .await;
    assert_eq!(body["locked_until"], h.now() + 3600);
    let audit = h.audit().await;
    assert!(
        audit
            .iter()
            .any(|e| e["event"] == "fraud_reported" && e["user"] == "ivan")
    );
    let lifted = h
        .admin(Method::DELETE, "/v1/admin/users/ivan/lock", None)
        .await;
    assert_eq!(lifted.status(), StatusCode::OK);
    // The lock time is an admin setting, and the lock runs out by itself.
    h.set_policy(json!({ "fraud_lock_seconds": 120 })).await;
    let (id, _) = h.push("ivan", "portal").await;
    phone.answer(&id, Decision::Deny, None, false, true).await;
    problem(
        h.push_response("ivan", "portal", "login").await,
        ProblemType::FraudLocked,
    )
    .await;
    h.clock.advance(121);
    h.push("ivan", "portal").await;
}

#[tokio::test]
async fn a_fraud_report_also_denies_the_users_other_pending_pushes() {
    let h = Harness::start().await;
    let phone = h.enrolled("judy").await;
    h.admin(
        Method::POST,
        "/v1/admin/resources",
        Some(json!({ "id": "mail", "name": "Mail" })),
    )
    .await;
    let (first, _) = h.push("judy", "portal").await;
    let (second, _) = h.push("judy", "mail").await;
    phone
        .answer(&first, Decision::Deny, None, false, true)
        .await;
    assert_eq!(h.push_status(&second).await["status"], "denied");
}

#[tokio::test]
async fn number_matching_right_approves_and_wrong_blocks_the_sign_in() {
    let h = Harness::start().await;
    let phone = h.enrolled("kim").await;
    let (id, number) = h.push("kim", "portal").await;
    let wrong = if number.as_deref() == Some("100") {
        "101"
    } else {
        "100"
    };
    problem(
        phone
            .answer(&id, Decision::Approve, Some(wrong), false, false)
            .await,
        ProblemType::WrongNumber,
    )
    .await;
    assert_eq!(
        h.push_status(&id).await["status"],
        "denied",
        "a wrong number is the one answer"
    );
    problem(
        phone
            .answer(&id, Decision::Approve, number.as_deref(), false, false)
            .await,
        ProblemType::AlreadyAnswered,
    )
    .await;
    let (id, _) = h.push("kim", "portal").await;
    problem(
        phone
            .answer(&id, Decision::Approve, None, false, false)
            .await,
        ProblemType::WrongNumber,
    )
    .await;
    // Without number matching there is no number to send. (Risk off: after
    // two denials in a row the denied-streak signal would force it back on,
    // tests/risk.rs.)
    h.set_policy(json!({ "number_matching": false })).await;
    let risk_off = h
        .admin(
            reqwest::Method::PATCH,
            "/v1/admin/resources/portal",
            Some(json!({ "risk": "off" })),
        )
        .await;
    assert_eq!(risk_off.status(), StatusCode::OK);
    let (id, number) = h.push("kim", "portal").await;
    assert_eq!(number, None);
    assert!(!phone.pending().await[0].number_matching);
    phone
        .answer(&id, Decision::Approve, None, false, false)
        .await;
    approved(&h, &id).await;
    assert!(
        h.audit()
            .await
            .iter()
            .any(|e| e["outcome"] == "wrong_number")
    );
}

#[tokio::test]
async fn biometric_policy_requires_user_verification_to_approve() {
    let h = Harness::start().await;
    h.set_policy(json!({ "biometric": "required" })).await;
    let phone = h.enrolled("lena").await;
    let (id, number) = h.push("lena", "portal").await;
    assert_eq!(phone.pending().await[0].biometric, Biometric::Required);
    problem(
        phone
            .answer(&id, Decision::Approve, number.as_deref(), false, false)
            .await,
        ProblemType::UserVerificationRequired,
    )
    .await;
    assert_eq!(
        h.push_status(&id).await["status"],
        "pending",
        "still answerable"
    );
    // A uv claim flipped in transit breaks the device's signature.
    let jws = phone.answer_jws(&id, Decision::Approve, number.as_deref(), false, false);
    let (header, rest) = jws.split_once('.').unwrap();
    let (_, signature) = rest.split_once('.').unwrap();
    let mut claims: Value = Compact::parse(&jws).unwrap().claims().unwrap();
    claims["uv"] = json!(true);
    let tampered = format!(
        "{header}.{}.{signature}",
        jose::base64url(claims.to_string().as_bytes())
    );
    problem(
        phone
            .post_jose(&format!("/v1/challenges/{id}/answer"), tampered)
            .await,
        ProblemType::BadSignature,
    )
    .await;
    let response = phone
        .answer(&id, Decision::Approve, number.as_deref(), true, false)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let status = h.push_status(&id).await;
    assert_eq!(
        (status["status"].as_str(), status["uv"].as_bool()),
        (Some("approved"), Some(true))
    );
    // Denying never needs user verification.
    let (id, _) = h.push("lena", "portal").await;
    assert_eq!(
        phone
            .answer(&id, Decision::Deny, None, false, false)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn portal_sign_in_and_a_denied_step_up_ends_the_session() {
    let h = Harness::start().await;
    let phone = h.enrolled("mia").await;
    let started: Value = h
        .http
        .post(format!("{}/portal/login", h.base))
        .json(&json!({ "user": "mia" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = started["id"].as_str().unwrap();
    let pending: Value = h
        .http
        .get(format!("{}/portal/pushes/{id}", h.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(pending["status"], "pending");
    assert!(pending.get("session").is_none());
    phone
        .answer(
            id,
            Decision::Approve,
            started["number"].as_str(),
            false,
            false,
        )
        .await;
    let done: Value = h
        .http
        .get(format!("{}/portal/pushes/{id}?wait=5", h.base))
        .header("countersign-handoff", started["handoff"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let session = done["session"]
        .as_str()
        .expect("an approved sign-in hands out a session")
        .to_owned();
    let again: Value = h
        .http
        .get(format!("{}/portal/pushes/{id}", h.base))
        .header("countersign-handoff", started["handoff"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(again.get("session").is_none(), "only once");
    let me = |token: String| {
        h.http
            .get(format!("{}/portal/me", h.base))
            .header("authorization", format!("Session {token}"))
            .send()
    };
    assert_eq!(
        me(session.clone())
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()["user"],
        "mia"
    );
    let step_up: Value = h
        .http
        .post(format!("{}/portal/step-up", h.base))
        .header("authorization", format!("Session {session}"))
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let step_id = step_up["id"].as_str().unwrap();
    assert_eq!(phone.pending().await[0].kind, ChallengeKind::StepUp);
    phone
        .answer(step_id, Decision::Deny, None, false, false)
        .await;
    problem(me(session).await.unwrap(), ProblemType::Unauthorized).await;
    assert!(
        h.audit()
            .await
            .iter()
            .any(|e| e["event"] == "sessions_revoked")
    );
}

#[tokio::test]
async fn a_password_reset_completes_only_on_approval() {
    let h = Harness::start().await;
    let phone = h.enrolled("noor").await;
    let start = || {
        h.http
            .post(format!("{}/portal/password-reset", h.base))
            .json(&json!({ "user": "noor" }))
            .send()
    };
    let status_of = |id: String| h.http.get(format!("{}/portal/pushes/{id}", h.base)).send();
    let denied: Value = start().await.unwrap().json().await.unwrap();
    let denied_id = denied["id"].as_str().unwrap().to_owned();
    phone
        .answer(&denied_id, Decision::Deny, None, false, false)
        .await;
    let status: Value = status_of(denied_id).await.unwrap().json().await.unwrap();
    assert_eq!(
        (status["status"].as_str(), status.get("effect")),
        (Some("denied"), None)
    );
    let approved: Value = start().await.unwrap().json().await.unwrap();
    let approved_id = approved["id"].as_str().unwrap().to_owned();
    assert_eq!(phone.pending().await[0].kind, ChallengeKind::PasswordReset);
    phone
        .answer(
            &approved_id,
            Decision::Approve,
            approved["number"].as_str(),
            false,
            false,
        )
        .await;
    let status: Value = status_of(approved_id).await.unwrap().json().await.unwrap();
    assert_eq!(status["effect"], "password_reset_completed");
}

#[tokio::test]
async fn totp_codes_verify_within_one_step_and_only_once() {
    let h = Harness::start().await;
    h.user("olga").await;
    let account = h.totp_account("olga").await;
    assert_eq!(account.issuer.as_deref(), Some("Example Corp"));
    let verify =
        |code: String| h.rp_post("/v1/totp/verify", json!({ "user": "olga", "code": code }));
    let previous = account.code_at(h.now() - 30).unwrap().value;
    assert_eq!(
        verify(previous.clone()).await.status(),
        StatusCode::OK,
        "one step late is accepted"
    );
    problem(verify(previous).await, ProblemType::WrongCode).await;
    let current = account.code_at(h.now()).unwrap().value;
    assert_eq!(verify(current.clone()).await.status(), StatusCode::OK);
    problem(verify(current).await, ProblemType::WrongCode).await;
    let two_ahead = account.code_at(h.now() + 60).unwrap().value;
    problem(verify(two_ahead).await, ProblemType::WrongCode).await;
    h.clock.advance(30);
    let next = account.code_at(h.now()).unwrap().value;
    assert_eq!(verify(next).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn enrollment_tokens_are_single_use_and_short_lived() {
    let h = Harness::start().await;
    h.user("pat").await;
    let uri = h.enrollment_uri("pat").await;
    let mut first = Phone::new(&h);
    let record = first.enroll(&uri).await.unwrap();
    // The same key retrying (its response was lost) gets its record again.
    let again = first.enroll(&uri).await.unwrap();
    assert_eq!(again.device_id, record.device_id);
    // Any other key is refused.
    problem(
        Phone::new(&h).enroll(&uri).await.unwrap_err(),
        ProblemType::TokenUsed,
    )
    .await;
    let late = h.enrollment_uri("pat").await;
    h.clock.advance(601);
    let body = problem(
        Phone::new(&h).enroll(&late).await.unwrap_err(),
        ProblemType::TokenExpired,
    )
    .await;
    assert_eq!(body["expired_seconds_ago"], 1);
    let unknown = late.replace("token=", "token=AAAA");
    problem(
        Phone::new(&h).enroll(&unknown).await.unwrap_err(),
        ProblemType::UnknownToken,
    )
    .await;
}

#[tokio::test]
async fn device_requests_are_bound_to_method_url_time_and_a_fresh_nonce() {
    let h = Harness::start().await;
    let phone = h.enrolled("quinn").await;
    let path = format!("/v1/devices/{}/challenges", phone.device_id);
    let send = |jws: String| {
        h.http
            .get(format!("{}{path}", h.base))
            .header("authorization", format!("Countersign {jws}"))
            .send()
    };
    let jws = phone.request_jws("GET", &path, h.now(), &Phone::fresh_nonce());
    assert_eq!(send(jws.clone()).await.unwrap().status(), StatusCode::OK);
    problem(send(jws).await.unwrap(), ProblemType::Replayed).await;
    problem(
        send(phone.request_jws("GET", &path, h.now() - 61, &Phone::fresh_nonce()))
            .await
            .unwrap(),
        ProblemType::ClockSkew,
    )
    .await;
    problem(
        send(phone.request_jws("POST", &path, h.now(), &Phone::fresh_nonce()))
            .await
            .unwrap(),
        ProblemType::BadSignature,
    )
    .await;
    problem(
        send(phone.request_jws(
            "GET",
            "/v1/devices/other/challenges",
            h.now(),
            &Phone::fresh_nonce(),
        ))
        .await
        .unwrap(),
        ProblemType::BadSignature,
    )
    .await;
    problem(
        h.http
            .get(format!("{}{path}", h.base))
            .send()
            .await
            .unwrap(),
        ProblemType::Unauthorized,
    )
    .await;
    let record = phone
        .signed_get(&format!("/v1/devices/{}", phone.device_id))
        .await;
    assert_eq!(record.status(), StatusCode::OK);
}

#[tokio::test]
async fn malformed_and_oversize_requests_get_clear_4xx_and_the_server_keeps_serving() {
    let h = Harness::start().await;
    let phone = h.enrolled("rosa").await;
    problem(
        phone.post_jose("/v1/enroll", "not a jws".into()).await,
        ProblemType::MalformedRequest,
    )
    .await;
    let wrong_type = h
        .http
        .post(format!("{}/v1/enroll", h.base))
        .header("content-type", "text/plain")
        .body("x")
        .send()
        .await
        .unwrap();
    problem(wrong_type, ProblemType::MalformedRequest).await;
    let broken_json = h
        .http
        .post(format!("{}/v1/pushes", h.base))
        .bearer_auth(RP)
        .header("content-type", "application/json")
        .body("{\"user\":")
        .send()
        .await
        .unwrap();
    problem(broken_json, ProblemType::MalformedRequest).await;
    let huge = "a".repeat(MAX_BODY_BYTES + 10);
    let body = problem(
        phone.post_jose("/v1/enroll", huge.clone()).await,
        ProblemType::PayloadTooLarge,
    )
    .await;
    assert_eq!(body["max_bytes"], 65536);
    let huge_json = h
        .http
        .post(format!("{}/v1/pushes", h.base))
        .bearer_auth(RP)
        .header("content-type", "application/json")
        .body(format!("{{\"user\":\"{huge}\"}}"))
        .send()
        .await
        .unwrap();
    problem(huge_json, ProblemType::PayloadTooLarge).await;
    problem(
        h.http
            .get(format!("{}/v1/nowhere", h.base))
            .send()
            .await
            .unwrap(),
        ProblemType::NotFound,
    )
    .await;
    problem(
        h.http
            .post(format!("{}/v1/pushes", h.base))
            .json(&json!({"user": "rosa", "resource": "portal"}))
            .send()
            .await
            .unwrap(),
        ProblemType::Unauthorized,
    )
    .await;
    problem(
        h.http
            .get(format!("{}/v1/admin/audit", h.base))
            .bearer_auth(RP)
            .send()
            .await
            .unwrap(),
        ProblemType::Unauthorized,
    )
    .await;
    // Still serving.
    let (id, number) = h.push("rosa", "portal").await;
    phone
        .answer(&id, Decision::Approve, number.as_deref(), false, false)
        .await;
    approved(&h, &id).await;
}

#[tokio::test]
async fn admin_reset_revokes_the_device_and_the_totp_secret() {
    let h = Harness::start().await;
    let phone = h.enrolled("sam").await;
    h.admin(
        Method::POST,
        "/v1/admin/users/sam/enrollments",
        Some(json!({ "kind": "totp" })),
    )
    .await;
    let reset = h
        .admin(Method::POST, "/v1/admin/users/sam/reset", None)
        .await;
    assert_eq!(reset.status(), StatusCode::OK);
    let body = problem(
        phone.challenges_response().await,
        ProblemType::DeviceRevoked,
    )
    .await;
    assert!(body["revoked_at"].is_i64());
    problem(
        h.push_response("sam", "portal", "login").await,
        ProblemType::NotEnrolled,
    )
    .await;
    problem(
        h.rp_post(
            "/v1/totp/verify",
            json!({ "user": "sam", "code": "123456" }),
        )
        .await,
        ProblemType::NotEnrolled,
    )
    .await;
    let user: Value = h
        .admin(Method::GET, "/v1/admin/users/sam", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (user["device"].is_null(), user["totp"].as_bool()),
        (true, Some(false))
    );
}

#[tokio::test]
async fn every_decision_is_in_the_audit_log_with_time_user_resource_and_outcome() {
    let h = Harness::start().await;
    let phone = h.enrolled("tara").await;
    let (id, number) = h.push("tara", "portal").await;
    h.clock.advance(5);
    phone
        .answer(&id, Decision::Approve, number.as_deref(), false, false)
        .await;
    let audit = h.audit().await;
    let answered = audit
        .iter()
        .find(|e| e["event"] == "push_answered" && e["detail"] == id.as_str())
        .unwrap();
    assert_eq!(answered["user"], "tara");
    assert_eq!(answered["resource"], "portal");
    assert_eq!(answered["outcome"], "approved");
    assert_eq!(answered["at"], h.now());
    for event in [
        "user_created",
        "enrollment_issued",
        "device_enrolled",
        "device_confirmed",
        "push_created",
    ] {
        assert!(audit.iter().any(|e| e["event"] == event), "{event} missing");
    }
    let page: Value = h
        .admin(Method::GET, "/v1/admin/audit?since=2&limit=1", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["events"].as_array().unwrap().len(), 1);
    assert_eq!(page["events"][0]["id"], 3);
}

#[tokio::test]
async fn long_poll_returns_as_soon_as_the_push_is_decided() {
    let h = Harness::start().await;
    let phone = h.enrolled("uma").await;
    let (id, number) = h.push("uma", "portal").await;
    let waiting = {
        let http = h.http.clone();
        let url = format!("{}/v1/pushes/{id}?wait=20", h.base);
        tokio::spawn(async move {
            http.get(url)
                .bearer_auth(RP)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let started = std::time::Instant::now();
    phone
        .answer(&id, Decision::Approve, number.as_deref(), false, false)
        .await;
    let status = waiting.await.unwrap();
    assert_eq!(status["status"], "approved");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "woken by the decision, not the timeout"
    );
}

#[tokio::test]
async fn the_device_can_remove_itself() {
    let h = Harness::start().await;
    let phone = h.enrolled("vic").await;
    let path = format!("/v1/devices/{}", phone.device_id);
    let jws = phone.request_jws("DELETE", &path, h.now(), &Phone::fresh_nonce());
    let response = h
        .http
        .delete(format!("{}{path}", h.base))
        .header("authorization", format!("Countersign {jws}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    problem(
        phone.challenges_response().await,
        ProblemType::DeviceRevoked,
    )
    .await;
    problem(
        h.push_response("vic", "portal", "login").await,
        ProblemType::NotEnrolled,
    )
    .await;
}

#[tokio::test]
async fn a_new_device_counts_once_it_approves_the_servers_enrollment_confirmation() {
    let h = Harness::start().await;
    // Even under a biometric policy, confirming one's own enrollment needs none.
    h.set_policy(json!({ "biometric": "required" })).await;
    h.user("uma").await;
    let uri = h.enrollment_uri("uma").await;
    let mut phone = Phone::new(&h);
    phone.enroll_unconfirmed(&uri).await.unwrap();
    let refused = problem(
        h.push_response("uma", "portal", "login").await,
        ProblemType::NotEnrolled,
    )
    .await;
    assert!(refused["detail"].as_str().unwrap().contains("confirm"));
    let pending = phone.pending().await;
    assert_eq!(pending.len(), 1);
    let confirmation = &pending[0];
    assert_eq!(confirmation.kind, ChallengeKind::EnrollmentConfirm);
    assert_eq!(confirmation.resource.id, "portal");
    assert!(!confirmation.number_matching);
    assert_eq!(confirmation.biometric, Biometric::Optional);
    assert_eq!(confirmation.context.ip.as_deref(), Some("127.0.0.1"));

    // Retrying the enrollment with the same key does not issue another.
    phone.enroll_unconfirmed(&uri).await.unwrap();
    assert_eq!(phone.pending().await.len(), 1);

    let answered = phone
        .answer(&confirmation.id, Decision::Approve, None, false, false)
        .await;
    assert_eq!(answered.status(), StatusCode::OK);
    let (id, _) = h.push("uma", "portal").await;
    assert!(phone.pending().await.iter().any(|c| c.id == id));
    let user: Value = h
        .admin(Method::GET, "/v1/admin/users/uma", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(user["device"]["confirmed"], true);
}

#[tokio::test]
async fn a_denied_confirmation_removes_the_device_and_an_expired_one_is_issued_again_on_retry() {
    let h = Harness::start().await;
    h.user("vera").await;
    let uri = h.enrollment_uri("vera").await;
    let mut phone = Phone::new(&h);
    phone.enroll_unconfirmed(&uri).await.unwrap();
    let confirmation = phone.pending().await.remove(0);
    phone
        .answer(&confirmation.id, Decision::Deny, None, false, false)
        .await;
    let gone = problem(
        phone.challenges_response().await,
        ProblemType::DeviceRevoked,
    )
    .await;
    assert!(
        gone["detail"].as_str().unwrap().contains("denied"),
        "{gone}"
    );
    problem(
        h.push_response("vera", "portal", "login").await,
        ProblemType::NotEnrolled,
    )
    .await;

    // Unanswered until it expired: the same key retrying gets a new one.
    h.user("walt").await;
    let uri = h.enrollment_uri("walt").await;
    let mut phone = Phone::new(&h);
    phone.enroll_unconfirmed(&uri).await.unwrap();
    let first = phone.pending().await.remove(0);
    h.clock.advance(61);
    assert!(phone.pending().await.is_empty());
    phone.enroll_unconfirmed(&uri).await.unwrap();
    let second = phone.pending().await.remove(0);
    assert_ne!(first.id, second.id);
    assert_eq!(second.kind, ChallengeKind::EnrollmentConfirm);
}
