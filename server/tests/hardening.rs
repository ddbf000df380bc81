//! The server side of the security review (issue 13), each attack reproduced
//! over real HTTP against a server on 127.0.0.1 with a clock the test moves.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use countersign_core::push::wire::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

// ---- 12: files -------------------------------------------------------------

#[cfg(unix)]
#[tokio::test]
async fn the_data_directory_and_database_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let h = Harness::start().await;
    // Something written, so the WAL and shared-memory files exist.
    h.user("pia").await;
    let mode = |name: &str| {
        let path = if name.is_empty() {
            h.data_dir()
        } else {
            h.data_dir().join(name)
        };
        std::fs::metadata(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(""), 0o700, "data directory");
    assert_eq!(mode("server-key.pk8"), 0o600, "server key");
    // On PostgreSQL the server writes no database file of its own.
    if h.on_sqlite() {
        for file in ["server.sqlite", "server.sqlite-wal", "server.sqlite-shm"] {
            assert_eq!(mode(file), 0o600, "{file}");
        }
    }
}

#[cfg(unix)]
#[tokio::test]
async fn files_an_older_server_left_readable_are_made_private_on_start() {
    use std::os::unix::fs::PermissionsExt;
    let h = Harness::start().await;
    h.user("pia").await;
    let set = |path: std::path::PathBuf, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    set(h.data_dir(), 0o755);
    if h.on_sqlite() {
        set(h.data_dir().join("server.sqlite"), 0o644);
    }
    let h = h.restart().await;
    let mode =
        |path: std::path::PathBuf| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(h.data_dir()), 0o700);
    if h.on_sqlite() {
        assert_eq!(mode(h.data_dir().join("server.sqlite")), 0o600);
    }
}

// ---- 13: request-nonce memory -----------------------------------------------

#[tokio::test]
async fn a_request_replayed_after_a_restart_inside_the_window_is_refused() {
    let h = Harness::start().await;
    let phone = h.enrolled("nina").await;
    let path = format!("/v1/devices/{}/challenges", phone.device_id);
    let jws = phone.request_jws("GET", &path, h.now(), &Phone::fresh_nonce());
    let send = |h: &Harness, jws: &str| {
        h.http
            .get(format!("{}{path}", h.base))
            .header("authorization", format!("Countersign {jws}"))
            .send()
    };
    assert_eq!(send(&h, &jws).await.unwrap().status(), StatusCode::OK);
    let h = h.restart().await;
    h.clock.advance(30);
    problem(send(&h, &jws).await.unwrap(), ProblemType::Replayed).await;
    // A fresh request still works, and the memory forgets after the window:
    // by then the old request is refused for its iat instead.
    let fresh = phone.request_jws("GET", &path, h.now(), &Phone::fresh_nonce());
    assert_eq!(send(&h, &fresh).await.unwrap().status(), StatusCode::OK);
    h.clock.advance(100);
    problem(send(&h, &jws).await.unwrap(), ProblemType::ClockSkew).await;
}

#[tokio::test]
async fn a_nonce_is_reusable_only_after_it_left_the_window() {
    let h = Harness::start().await;
    let phone = h.enrolled("nils").await;
    let path = format!("/v1/devices/{}/challenges", phone.device_id);
    let nonce = Phone::fresh_nonce();
    let send = |jws: String| {
        h.http
            .get(format!("{}{path}", h.base))
            .header("authorization", format!("Countersign {jws}"))
            .send()
    };
    assert_eq!(
        send(phone.request_jws("GET", &path, h.now(), &nonce))
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    h.clock.advance(119);
    problem(
        send(phone.request_jws("GET", &path, h.now(), &nonce))
            .await
            .unwrap(),
        ProblemType::Replayed,
    )
    .await;
    h.clock.advance(2);
    assert_eq!(
        send(phone.request_jws("GET", &path, h.now(), &nonce))
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_request_from_the_early_edge_of_the_window_cannot_be_replayed_at_the_late_edge() {
    let h = Harness::start().await;
    let phone = h.enrolled("edda").await;
    let path = format!("/v1/devices/{}/challenges", phone.device_id);
    // Signed 60 s ahead of the server's clock: accepted now, and its iat is
    // still within ±60 s 120 s later.
    let jws = phone.request_jws("GET", &path, h.now() + 60, &Phone::fresh_nonce());
    let send = || {
        h.http
            .get(format!("{}{path}", h.base))
            .header("authorization", format!("Countersign {jws}"))
            .send()
    };
    assert_eq!(send().await.unwrap().status(), StatusCode::OK);
    h.clock.advance(120);
    problem(send().await.unwrap(), ProblemType::Replayed).await;
}

// ---- 14: conformance with docs/protocol.md ---------------------------------

#[tokio::test]
async fn every_response_says_no_store() {
    let h = Harness::start().await;
    let phone = h.enrolled("cora").await;
    let responses = vec![
        h.http
            .get(format!("{}/health", h.base))
            .send()
            .await
            .unwrap(),
        h.http
            .get(format!("{}/v1/nowhere", h.base))
            .send()
            .await
            .unwrap(),
        h.admin(Method::GET, "/v1/admin/users", None).await,
        h.admin(
            Method::POST,
            "/v1/admin/users/cora/enrollments",
            Some(json!({ "kind": "totp" })),
        )
        .await,
        h.rp_post(
            "/v1/pushes",
            json!({ "user": "cora", "resource": "portal" }),
        )
        .await,
        phone.challenges_response().await,
        h.http
            .post(format!("{}/v1/pushes", h.base))
            .send()
            .await
            .unwrap(),
    ];
    for response in responses {
        assert_eq!(
            response
                .headers()
                .get("cache-control")
                .map(|v| v.to_str().unwrap()),
            Some("no-store"),
            "{} {:?}",
            response.status(),
            response.url().path()
        );
    }
}

#[tokio::test]
async fn a_body_over_64_kib_is_refused_on_every_route() {
    let h = Harness::start().await;
    let phone = h.enrolled("bert").await;
    let path = format!("/v1/devices/{}/push-token", phone.device_id);
    let jws = phone.request_jws("PUT", &path, h.now(), &Phone::fresh_nonce());
    let put = |body: Vec<u8>| {
        h.http
            .put(format!("{}{path}", h.base))
            .header("authorization", format!("Countersign {jws}"))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let body = problem(
        put(vec![b' '; 70_000]).await.unwrap(),
        ProblemType::PayloadTooLarge,
    )
    .await;
    assert_eq!(body["max_bytes"], 65536);
    // The nonce was not spent by the refused request.
    assert_eq!(put(b"{}".to_vec()).await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn another_protocol_version_is_unsupported_version_not_not_found() {
    let h = Harness::start().await;
    for path in [
        "/v2/enroll",
        "/v2/devices/dv_x/challenges",
        "/v3/anything",
        "/v2",
    ] {
        let response = h
            .http
            .post(format!("{}{path}", h.base))
            .send()
            .await
            .unwrap();
        let body = problem(response, ProblemType::UnsupportedVersion).await;
        assert_eq!(body["supported"], json!([1]), "{path}");
    }
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
            .get(format!("{}/version2", h.base))
            .send()
            .await
            .unwrap(),
        ProblemType::NotFound,
    )
    .await;
}

#[tokio::test]
async fn identifiers_outside_the_protocol_form_are_malformed_not_unknown() {
    let h = Harness::start().await;
    let phone = h.enrolled("ida").await;
    let long = "a".repeat(65);
    for id in [long.as_str(), "bad!id", "dv.x"] {
        problem(
            h.rp_get(&format!("/v1/pushes/{id}")).await,
            ProblemType::MalformedRequest,
        )
        .await;
        problem(
            h.http
                .get(format!("{}/portal/pushes/{id}", h.base))
                .send()
                .await
                .unwrap(),
            ProblemType::MalformedRequest,
        )
        .await;
        problem(
            phone
                .signed_get(&format!("/v1/devices/{id}/challenges"))
                .await,
            ProblemType::MalformedRequest,
        )
        .await;
        problem(
            phone
                .post_jose(&format!("/v1/challenges/{id}/answer"), "x.y.z".into())
                .await,
            ProblemType::MalformedRequest,
        )
        .await;
        problem(
            h.rp_post("/v1/pushes", json!({ "user": "ida", "resource": id }))
                .await,
            ProblemType::MalformedRequest,
        )
        .await;
    }
    // 64 characters of the alphabet are an identifier: unknown, not malformed.
    problem(
        h.rp_get(&format!("/v1/pushes/{}", "a".repeat(64))).await,
        ProblemType::NotFound,
    )
    .await;
}

#[tokio::test]
async fn already_answered_carries_the_recorded_decision_as_decision_not_a_second_status() {
    let h = Harness::start().await;
    let phone = h.enrolled("dana").await;
    let (id, number) = h.push("dana", "portal").await;
    phone
        .answer(&id, Decision::Approve, number.as_deref(), false, false)
        .await;
    let response = phone
        .answer(&id, Decision::Approve, number.as_deref(), false, false)
        .await;
    let text = response.text().await.unwrap();
    // Section 1.3: duplicate member names must be rejected, so there must be one `status`.
    assert_eq!(text.matches("\"status\"").count(), 1, "{text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["type"], ProblemType::AlreadyAnswered.uri());
    assert_eq!(body["status"], 409);
    assert_eq!(body["decision"], "approved");
}

#[tokio::test]
async fn context_time_is_optional_and_defaults_to_the_servers_now() {
    let h = Harness::start().await;
    let phone = h.enrolled("tim").await;
    h.clock.advance(5);
    let response = h
        .rp_post(
            "/v1/pushes",
            json!({ "user": "tim", "resource": "portal", "context": { "location": "Oslo, NO" } }),
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{:?}",
        response.text().await
    );
    let pending = phone.pending().await;
    assert_eq!(pending[0].context.time, h.now());
    assert_eq!(pending[0].context.location.as_deref(), Some("Oslo, NO"));
}

// ---- 7: TOTP brute force ---------------------------------------------------

async fn totp_account(h: &Harness, user: &str) -> countersign_core::account::OtpAccount {
    h.user(user).await;
    h.totp_account(user).await
}

/// A code that is wrong for every step in the ±1 window.
fn wrong_code(account: &countersign_core::account::OtpAccount, now: i64) -> String {
    let taken: Vec<String> = [-30, 0, 30]
        .iter()
        .map(|d| account.code_at(now + d).unwrap().value)
        .collect();
    (0..1_000_000)
        .map(|n| format!("{n:06}"))
        .find(|code| !taken.contains(code))
        .unwrap()
}

#[tokio::test]
async fn totp_guessing_is_locked_after_five_failures_with_a_growing_back_off() {
    let h = Harness::start().await;
    let account = totp_account(&h, "gus").await;
    let verify =
        |code: String| h.rp_post("/v1/totp/verify", json!({ "user": "gus", "code": code }));
    for _ in 0..4 {
        problem(
            verify(wrong_code(&account, h.now())).await,
            ProblemType::WrongCode,
        )
        .await;
    }
    // The fifth wrong code locks for 60 s ...
    let response = verify(wrong_code(&account, h.now())).await;
    assert_eq!(response.headers().get("retry-after").unwrap(), "60");
    problem(response, ProblemType::RateLimited).await;
    // ... during which even the right code is not checked.
    h.clock.advance(20);
    let right = account.code_at(h.now()).unwrap().value;
    let response = verify(right).await;
    assert_eq!(response.headers().get("retry-after").unwrap(), "40");
    let body = problem(response, ProblemType::RateLimited).await;
    assert_eq!(body["retry_after"], 40);
    let user: Value = h
        .admin(Method::GET, "/v1/admin/users/gus", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(user["totp_locked_until"], h.now() + 40);
    // After the lock, five more wrong codes lock for twice as long.
    h.clock.advance(40);
    for _ in 0..4 {
        problem(
            verify(wrong_code(&account, h.now())).await,
            ProblemType::WrongCode,
        )
        .await;
    }
    let body = problem(
        verify(wrong_code(&account, h.now())).await,
        ProblemType::RateLimited,
    )
    .await;
    assert_eq!(body["retry_after"], 120);
    // Audited.
    let locks = h
        .audit()
        .await
        .into_iter()
        .filter(|e| e["event"] == "totp_locked" && e["user"] == "gus")
        .count();
    assert_eq!(locks, 2);
}

#[tokio::test]
async fn a_right_totp_code_resets_the_failure_count() {
    let h = Harness::start().await;
    let account = totp_account(&h, "rita").await;
    let verify =
        |code: String| h.rp_post("/v1/totp/verify", json!({ "user": "rita", "code": code }));
    for _ in 0..4 {
        problem(
            verify(wrong_code(&account, h.now())).await,
            ProblemType::WrongCode,
        )
        .await;
    }
    let right = account.code_at(h.now()).unwrap().value;
    assert_eq!(verify(right).await.status(), StatusCode::OK);
    for _ in 0..4 {
        problem(
            verify(wrong_code(&account, h.now())).await,
            ProblemType::WrongCode,
        )
        .await;
    }
    h.clock.advance(30);
    let right = account.code_at(h.now()).unwrap().value;
    assert_eq!(
        verify(right).await.status(),
        StatusCode::OK,
        "4 + 4 failures do not lock"
    );
}

#[tokio::test]
async fn an_admin_unlock_lifts_a_totp_lockout() {
    let h = Harness::start().await;
    let account = totp_account(&h, "ulf").await;
    let verify =
        |code: String| h.rp_post("/v1/totp/verify", json!({ "user": "ulf", "code": code }));
    for _ in 0..5 {
        verify(wrong_code(&account, h.now())).await;
    }
    let right = account.code_at(h.now()).unwrap().value;
    problem(verify(right.clone()).await, ProblemType::RateLimited).await;
    h.admin(Method::DELETE, "/v1/admin/users/ulf/lock", None)
        .await;
    assert_eq!(verify(right).await.status(), StatusCode::OK);
}

// ---- 8: enrollment tokens outlive their user --------------------------------

#[tokio::test]
async fn a_qr_code_of_a_deleted_user_does_not_enroll_the_re_created_user() {
    let h = Harness::start().await;
    h.user("vic").await;
    let uri = h.enrollment_uri("vic").await;
    let deleted = h.admin(Method::DELETE, "/v1/admin/users/vic", None).await;
    assert_eq!(deleted.status(), StatusCode::OK);
    // Deleted: the QR code is dead.
    let mut phone = Phone::new(&h);
    problem(
        phone.enroll(&uri).await.err().unwrap(),
        ProblemType::UnknownToken,
    )
    .await;
    // Re-created with the same name (same second, too): still dead.
    h.user("vic").await;
    problem(
        phone.enroll(&uri).await.err().unwrap(),
        ProblemType::UnknownToken,
    )
    .await;
    // So the old QR's holder never receives the new user's pushes.
    problem(
        h.push_response("vic", "portal", "login").await,
        ProblemType::NotEnrolled,
    )
    .await;
    // A fresh QR for the new user works.
    let fresh = h.enrollment_uri("vic").await;
    phone.enroll(&fresh).await.map_err(|_| ()).unwrap();
}

#[tokio::test]
async fn an_admin_reset_invalidates_the_users_unused_qr_codes() {
    let h = Harness::start().await;
    h.user("wes").await;
    let uri = h.enrollment_uri("wes").await;
    let reset = h
        .admin(Method::POST, "/v1/admin/users/wes/reset", None)
        .await;
    assert_eq!(reset.status(), StatusCode::OK);
    let mut phone = Phone::new(&h);
    problem(
        phone.enroll(&uri).await.err().unwrap(),
        ProblemType::UnknownToken,
    )
    .await;
    assert!(
        h.audit()
            .await
            .iter()
            .any(|e| e["event"] == "enrollment_revoked" && e["user"] == "wes")
    );
}

// ---- 9: portal sessions ------------------------------------------------------

#[tokio::test]
async fn portal_sessions_end_after_30_minutes_idle() {
    let h = Harness::start().await;
    let phone = h.enrolled("ida").await;
    let session = h.portal_session("ida", &phone).await;
    h.clock.advance(29 * 60);
    assert_eq!(
        h.portal_me(&session).await,
        StatusCode::OK,
        "use keeps it alive"
    );
    h.clock.advance(29 * 60);
    assert_eq!(h.portal_me(&session).await, StatusCode::OK);
    h.clock.advance(30 * 60 + 1);
    assert_eq!(h.portal_me(&session).await, StatusCode::UNAUTHORIZED);
    let events = h.audit().await;
    let refused = rows(&events, "session_refused");
    assert_eq!(refused[0]["outcome"], "ended_or_unknown");
    assert_eq!(refused[0]["source"], "127.0.0.1");
}

#[tokio::test]
async fn portal_sessions_end_12_hours_after_sign_in_however_active() {
    let h = Harness::start().await;
    let phone = h.enrolled("abe").await;
    let session = h.portal_session("abe", &phone).await;
    for _ in 0..28 {
        h.clock.advance(25 * 60);
        assert_eq!(h.portal_me(&session).await, StatusCode::OK);
    }
    // 28 × 25 min = 11 h 40 min; the next use is past 12 h.
    h.clock.advance(25 * 60);
    assert_eq!(h.portal_me(&session).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_fraud_report_ends_the_users_portal_sessions() {
    let h = Harness::start().await;
    let phone = h.enrolled("fay").await;
    let session = h.portal_session("fay", &phone).await;
    let (id, _) = h.push("fay", "portal").await;
    phone.answer(&id, Decision::Deny, None, false, true).await;
    assert_eq!(h.portal_me(&session).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_reset_ends_the_users_portal_sessions() {
    let h = Harness::start().await;
    let phone = h.enrolled("ray").await;
    let session = h.portal_session("ray", &phone).await;
    h.admin(Method::POST, "/v1/admin/users/ray/reset", None)
        .await;
    assert_eq!(h.portal_me(&session).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_re_created_user_does_not_inherit_the_deleted_users_sessions() {
    let h = Harness::start().await;
    let phone = h.enrolled("dot").await;
    let session = h.portal_session("dot", &phone).await;
    h.admin(Method::DELETE, "/v1/admin/users/dot", None).await;
    h.user("dot").await;
    assert_eq!(h.portal_me(&session).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_database_holds_no_session_or_hand_off_secret_in_the_clear() {
    let h = Harness::start().await;
    let phone = h.enrolled("sue").await;
    let session = h.portal_session("sue", &phone).await;
    let (_, started) = h.portal_login("sue").await;
    let handoff = started["handoff"].as_str().unwrap().to_owned();
    // A step-up records the session it is for.
    let step_up = h
        .http
        .post(format!("{}/portal/step-up", h.base))
        .header("authorization", format!("Session {session}"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert!(step_up.status().is_success() || step_up.status() == StatusCode::TOO_MANY_REQUESTS);
    let stored = h.database_dump();
    for secret in [session.as_str(), handoff.as_str()] {
        assert!(
            !stored
                .windows(secret.len())
                .any(|window| window == secret.as_bytes()),
            "{secret} is stored in the clear"
        );
    }
    assert_eq!(
        h.portal_me(&session).await,
        StatusCode::OK,
        "and it still works"
    );
}

#[tokio::test]
async fn an_approved_sign_in_not_yet_collected_is_void_after_a_reset_or_a_deletion() {
    for (user, revoke) in [
        ("uma", Method::POST),   // reset
        ("ugo", Method::DELETE), // deletion, then the name is re-created
    ] {
        let h = Harness::start().await;
        let phone = h.enrolled(user).await;
        let started = h.portal_sign_in_approved(user, &phone).await;
        let id = started["id"].as_str().unwrap();
        let path = if revoke == Method::POST {
            format!("/v1/admin/users/{user}/reset")
        } else {
            format!("/v1/admin/users/{user}")
        };
        h.admin(revoke.clone(), &path, None).await;
        if revoke == Method::DELETE {
            h.user(user).await;
        }
        let late = h.portal_push(id, started["handoff"].as_str()).await;
        assert!(late.get("session").is_none(), "{user}: {late}");
    }
}

#[tokio::test]
async fn an_approved_push_for_another_resource_never_becomes_a_portal_session() {
    let h = Harness::start().await;
    let phone = h.enrolled("sal").await;
    let created = h
        .admin(
            Method::POST,
            "/v1/admin/resources",
            Some(json!({ "id": "salesforce", "name": "Salesforce" })),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let (id, number) = h.push("sal", "salesforce").await;
    phone
        .answer(&id, Decision::Approve, number.as_deref(), false, false)
        .await;
    let read = h.portal_push(&id, None).await;
    assert_eq!(read["status"], "approved");
    assert!(read.get("session").is_none(), "{read}");
    // Not even an RP-created push for the portal resource: it has no hand-off.
    let (id, number) = h.push("sal", "portal").await;
    phone
        .answer(&id, Decision::Approve, number.as_deref(), false, false)
        .await;
    assert!(h.portal_push(&id, None).await.get("session").is_none());
}

#[tokio::test]
async fn only_the_browser_holding_the_hand_off_secret_gets_the_session_once() {
    let h = Harness::start().await;
    let phone = h.enrolled("hal").await;
    let (_, started) = h.portal_login("hal").await;
    let id = started["id"].as_str().unwrap();
    let handoff = started["handoff"].as_str().unwrap();
    assert!(handoff.len() >= 43);
    phone
        .answer(
            id,
            Decision::Approve,
            started["number"].as_str(),
            false,
            false,
        )
        .await;
    // An eavesdropper who knows the push id, without or with a wrong secret.
    assert!(h.portal_push(id, None).await.get("session").is_none());
    assert!(
        h.portal_push(id, Some("guess"))
            .await
            .get("session")
            .is_none()
    );
    // In the query, where logs and Referer headers would keep it: ignored.
    let in_query: Value = h
        .http
        .get(format!("{}/portal/pushes/{id}?handoff={handoff}", h.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(in_query.get("session").is_none(), "{in_query}");
    // The browser, in the header; once only.
    let done = h.portal_push(id, Some(handoff)).await;
    let session = done["session"].as_str().unwrap();
    assert_eq!(h.portal_me(session).await, StatusCode::OK);
    assert!(
        h.portal_push(id, Some(handoff))
            .await
            .get("session")
            .is_none()
    );
}

#[tokio::test]
async fn a_step_up_denied_by_a_wrong_number_ends_the_sessions() {
    let h = Harness::start().await;
    let phone = h.enrolled("wyn").await;
    let session = h.portal_session("wyn", &phone).await;
    let step: Value = h
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
    let id = step["id"].as_str().unwrap();
    let right = step["number"].as_str().unwrap();
    let wrong = if right == "100" { "101" } else { "100" };
    problem(
        phone
            .answer(id, Decision::Approve, Some(wrong), false, false)
            .await,
        ProblemType::WrongNumber,
    )
    .await;
    assert_eq!(h.portal_me(&session).await, StatusCode::UNAUTHORIZED);
}

// ---- 10: context spoofing and enumeration --------------------------------------

#[tokio::test]
async fn context_members_over_200_characters_are_refused_and_never_reach_the_phone() {
    let h = Harness::start().await;
    let phone = h.enrolled("cal").await;
    let long = "please approve ".repeat(4_000); // 60 KB
    for field in ["ip", "location", "browser", "os"] {
        for value in [long.as_str(), &"x".repeat(201), "two\nlines"] {
            let response = h
                .rp_post(
                    "/v1/pushes",
                    json!({ "user": "cal", "resource": "portal", "context": { field: value } }),
                )
                .await;
            problem(response, ProblemType::MalformedRequest).await;
        }
    }
    let portal = h
        .http
        .post(format!("{}/portal/login", h.base))
        .json(&json!({ "user": "cal", "context": { "browser": long } }))
        .send()
        .await
        .unwrap();
    problem(portal, ProblemType::MalformedRequest).await;
    assert!(phone.pending().await.is_empty());
    // 200 characters are fine.
    let response = h
        .rp_post(
            "/v1/pushes",
            json!({ "user": "cal", "resource": "portal", "context": { "location": "x".repeat(200) } }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn the_portal_shows_the_connections_address_not_the_callers_claim() {
    let h = Harness::start().await;
    let phone = h.enrolled("ann").await;
    let response = h
        .http
        .post(format!("{}/portal/login", h.base))
        .header("x-forwarded-for", "198.51.100.77")
        .json(&json!({ "user": "ann", "context": { "ip": "203.0.113.1", "location": "Your office", "browser": "Firefox 133" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let pending = phone.pending().await;
    assert_eq!(pending[0].context.ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(pending[0].context.location, None);
    assert_eq!(pending[0].context.browser.as_deref(), Some("Firefox 133"));
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_portal_uses_x_forwarded_for() {
    let h = Harness::start_with(countersign_server::TrustedProxies(vec![
        "127.0.0.0/8".parse().unwrap(),
    ]))
    .await;
    let first = h.enrolled("bea").await;
    let second = h.enrolled("cy").await;
    for (user, client) in [("bea", "198.51.100.7"), ("cy", "203.0.113.9")] {
        let response = h
            .http
            .post(format!("{}/portal/login", h.base))
            .header("x-forwarded-for", format!("6.6.6.6, {client}"))
            .json(&json!({ "user": user }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    assert_eq!(
        first.pending().await[0].context.ip.as_deref(),
        Some("198.51.100.7")
    );
    assert_eq!(
        second.pending().await[0].context.ip.as_deref(),
        Some("203.0.113.9")
    );
}

/// Status and member names of a portal answer (values are random).
async fn portal_shape(h: &Harness, path: &str, user: &str) -> (StatusCode, Vec<String>) {
    let response = h
        .http
        .post(format!("{}{path}", h.base))
        .json(&json!({ "user": user }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    let mut keys: Vec<String> = body.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    (status, keys)
}

#[tokio::test]
async fn portal_sign_in_does_not_tell_whether_a_user_exists_or_is_enrolled() {
    let h = Harness::start().await;
    let phone = h.enrolled("eve").await;
    h.user("noreg").await;
    let locky = h.enrolled("locky").await;
    let (id, _) = h.push("locky", "portal").await;
    locky.answer(&id, Decision::Deny, None, false, true).await;
    h.clock.advance(61);
    for path in ["/portal/login", "/portal/password-reset"] {
        let enrolled = portal_shape(&h, path, "eve").await;
        assert_eq!(enrolled.0, StatusCode::CREATED);
        assert_eq!(
            portal_shape(&h, path, "nobody").await,
            enrolled,
            "{path}: unknown user"
        );
        assert_eq!(
            portal_shape(&h, path, "noreg").await,
            enrolled,
            "{path}: not enrolled"
        );
        assert_eq!(
            portal_shape(&h, path, "locky").await,
            enrolled,
            "{path}: fraud-locked"
        );
        // A second attempt within the minute is limited alike.
        let again = portal_shape(&h, path, "eve").await;
        assert_eq!(again.0, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            portal_shape(&h, path, "nobody").await,
            again,
            "{path}: unknown user"
        );
        assert_eq!(
            portal_shape(&h, path, "noreg").await,
            again,
            "{path}: not enrolled"
        );
        h.clock.advance(61);
    }
    // A decoy handle reads like a push nobody answers, then expires.
    let (_, decoy) = h.portal_login("nobody").await;
    let id = decoy["id"].as_str().unwrap();
    assert_eq!(
        h.portal_push(id, decoy["handoff"].as_str()).await["status"],
        "pending"
    );
    h.clock.advance(61);
    assert_eq!(
        h.portal_push(id, decoy["handoff"].as_str()).await["status"],
        "expired"
    );
    assert!(phone.pending().await.is_empty());
    // Ten minutes after expiry a real handle and a decoy both read as unknown,
    // so pruning old decoys does not set them apart.
    let (_, real) = h.portal_login("eve").await;
    let real_id = real["id"].as_str().unwrap();
    let (_, decoy) = h.portal_login("nobody2").await;
    let decoy_id = decoy["id"].as_str().unwrap();
    h.clock.advance(60 + 600);
    assert_eq!(h.portal_push(real_id, None).await["status"], "expired");
    assert_eq!(h.portal_push(decoy_id, None).await["status"], "expired");
    h.clock.advance(1);
    h.portal_login("nobody3").await; // prunes old decoys
    for id in [real_id, decoy_id] {
        let response = h
            .http
            .get(format!("{}/portal/pushes/{id}", h.base))
            .send()
            .await
            .unwrap();
        problem(response, ProblemType::NotFound).await;
    }
}

#[tokio::test]
async fn user_names_push_tokens_and_codes_are_held_to_their_limits() {
    use countersign_core::push::jose;
    let h = Harness::start().await;
    let phone = h.enrolled("lim").await;
    let long_user = "u".repeat(257);
    problem(
        h.rp_post(
            "/v1/pushes",
            json!({ "user": long_user, "resource": "portal" }),
        )
        .await,
        ProblemType::MalformedRequest,
    )
    .await;
    problem(
        h.rp_post(
            "/v1/totp/verify",
            json!({ "user": long_user, "code": "123456" }),
        )
        .await,
        ProblemType::MalformedRequest,
    )
    .await;
    problem(
        h.rp_post(
            "/v1/totp/verify",
            json!({ "user": "lim", "code": "1".repeat(5000) }),
        )
        .await,
        ProblemType::MalformedRequest,
    )
    .await;
    let portal = h
        .http
        .post(format!("{}/portal/login", h.base))
        .json(&json!({ "user": long_user }))
        .send()
        .await
        .unwrap();
    problem(portal, ProblemType::MalformedRequest).await;
    let path = format!("/v1/devices/{}/push-token", phone.device_id);
    let put = |token: String| {
        let claims = RequestClaims {
            htm: "PUT".into(),
            htu: format!("{}{path}", h.base),
            iat: h.now(),
            nonce: Phone::fresh_nonce(),
            push_token: Some(token),
        };
        let jws = jose::sign(TYP_REQUEST, &claims, &phone.key, false).unwrap();
        h.http
            .put(format!("{}{path}", h.base))
            .header("authorization", format!("Countersign {jws}"))
            .send()
    };
    problem(
        put("t".repeat(4097)).await.unwrap(),
        ProblemType::MalformedRequest,
    )
    .await;
    assert_eq!(put("t".repeat(163)).await.unwrap().status(), StatusCode::OK);
}

// ---- 11: audit log -------------------------------------------------------------

fn rows<'a>(events: &'a [Value], event: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["event"] == event).collect()
}

#[tokio::test]
async fn a_flood_of_refused_requests_costs_one_counted_row_per_source_and_minute() {
    let h = Harness::start().await;
    h.enrolled("flo").await;
    const N: usize = 200;
    for _ in 0..N {
        let response = h
            .http
            .get(format!("{}/v1/admin/audit", h.base))
            .bearer_auth("not-the-admin-token")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    // Unauthenticated portal sign-ins that are refused (one pending already).
    for _ in 0..N {
        h.portal_login("flo").await;
    }
    let events = h.audit().await;
    let failed = rows(&events, "auth_failed");
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0]["count"], N as i64);
    assert_eq!(failed[0]["source"], "127.0.0.1");
    assert_eq!(failed[0]["actor"], "admin");
    assert_eq!(failed[0]["outcome"], "wrong_token");
    let refused = rows(&events, "push_refused");
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0]["count"], N as i64 - 1);
    assert_eq!(refused[0]["outcome"], "rate_limited");
    assert_eq!(refused[0]["user"], "flo");
    assert_eq!(refused[0]["actor"], "portal");
    // The next minute starts a new row.
    h.clock.advance(60);
    h.http
        .get(format!("{}/v1/admin/audit", h.base))
        .send()
        .await
        .unwrap();
    let events = h.audit().await;
    let failed = rows(&events, "auth_failed");
    assert_eq!(failed.len(), 2);
    assert_eq!(
        (failed[1]["count"].as_i64(), failed[1]["outcome"].as_str()),
        (Some(1), Some("no_token"))
    );
}

#[tokio::test]
async fn failed_bearer_tokens_unknown_enrollment_tokens_and_bad_device_signatures_are_audited() {
    let h = Harness::start().await;
    let phone = h.enrolled("aud").await;
    let response = h
        .http
        .post(format!("{}/v1/pushes", h.base))
        .bearer_auth("wrong-rp-token-000000")
        .json(&json!({ "user": "aud", "resource": "portal" }))
        .send()
        .await
        .unwrap();
    problem(response, ProblemType::Unauthorized).await;
    let mut stranger = Phone::new(&h);
    let uri = h
        .enrollment_uri("aud")
        .await
        .replace("token=", "token=AAAAAAAAAAAAAAAAAAAAAA");
    problem(
        stranger.enroll(&uri).await.err().unwrap(),
        ProblemType::UnknownToken,
    )
    .await;
    let forged = Phone::new(&h);
    let path = format!("/v1/devices/{}/challenges", phone.device_id);
    let jws = forged.request_jws("GET", &path, h.now(), &Phone::fresh_nonce());
    let response = h
        .http
        .get(format!("{}{path}", h.base))
        .header("authorization", format!("Countersign {jws}"))
        .send()
        .await
        .unwrap();
    problem(response, ProblemType::BadSignature).await;
    let events = h.audit().await;
    let rp = rows(&events, "auth_failed");
    assert_eq!(
        (rp[0]["actor"].as_str(), rp[0]["source"].as_str()),
        (Some("rp"), Some("127.0.0.1"))
    );
    let enroll = rows(&events, "enroll_refused");
    assert_eq!(enroll[0]["outcome"], "unknown_token");
    assert_eq!(enroll[0]["source"], "127.0.0.1");
    let device = rows(&events, "device_auth_failed");
    assert_eq!(device[0]["outcome"], "bad_signature");
    assert_eq!(device[0]["actor"], format!("device:{}", phone.device_id));
}

#[tokio::test]
async fn policy_and_resource_changes_record_before_and_after() {
    let h = Harness::start().await;
    h.set_policy(json!({ "max_pending": 3, "fraud_lock_seconds": 600 }))
        .await;
    h.admin(
        Method::POST,
        "/v1/admin/resources",
        Some(json!({ "id": "vpn", "name": "VPN", "max_pending": 2 })),
    )
    .await;
    h.admin(
        Method::PATCH,
        "/v1/admin/resources/vpn",
        Some(json!({ "max_pending": 5 })),
    )
    .await;
    let events = h.audit().await;
    let policy = rows(&events, "policy_changed");
    assert_eq!(policy[0]["actor"], "admin");
    assert_eq!(policy[0]["source"], "127.0.0.1");
    let detail: Value = serde_json::from_str(policy[0]["detail"].as_str().unwrap()).unwrap();
    assert_eq!(detail["before"]["max_pending"], 1);
    assert_eq!(detail["after"]["max_pending"], 3);
    assert_eq!(detail["before"]["fraud_lock_seconds"], 3600);
    assert_eq!(detail["after"]["fraud_lock_seconds"], 600);
    let saved = rows(&events, "resource_saved");
    let created: Value = serde_json::from_str(saved[0]["detail"].as_str().unwrap()).unwrap();
    assert_eq!(created["before"], Value::Null);
    assert_eq!(created["after"]["max_pending"], 2);
    let patched: Value = serde_json::from_str(saved[1]["detail"].as_str().unwrap()).unwrap();
    assert_eq!(patched["before"]["max_pending"], 2);
    assert_eq!(patched["after"]["max_pending"], 5);
}

/// An enrollment URI for `user` whose token the server never issued.
fn forged_uri(real: &str) -> String {
    let token_start = real.find("token=").unwrap() + "token=".len();
    let token_end = real[token_start..]
        .find('&')
        .map_or(real.len(), |end| token_start + end);
    format!(
        "{}{}{}",
        &real[..token_start],
        "A".repeat(token_end - token_start),
        &real[token_end..]
    )
}

#[tokio::test]
async fn enrollment_code_guessing_locks_the_address_for_a_while() {
    let h = Harness::start().await;
    h.user("gil").await;
    let uri = h.enrollment_uri("gil").await;
    let forged = forged_uri(&uri);
    for attempt in 0..10 {
        let refused = Phone::new(&h)
            .enroll_unconfirmed(&forged)
            .await
            .unwrap_err();
        let expected = if attempt < 9 {
            ProblemType::UnknownToken
        } else {
            // The tenth refusal starts the lock.
            ProblemType::RateLimited
        };
        problem(refused, expected).await;
    }
    // Locked: even the real code is not looked at from this address.
    let locked = problem(
        Phone::new(&h).enroll_unconfirmed(&uri).await.unwrap_err(),
        ProblemType::RateLimited,
    )
    .await;
    assert_eq!(locked["retry_after"], 60);
    let events = h.audit().await;
    assert!(
        events
            .iter()
            .any(|event| event["event"] == "enroll_locked"
                && event["outcome"] == "too_many_failures"),
        "{events:?}"
    );
    h.clock.advance(61);
    assert!(Phone::new(&h).enroll(&uri).await.is_ok());
}

#[tokio::test]
async fn a_leaked_used_code_tried_from_many_addresses_locks_its_user_only() {
    let h = Harness::start_with(countersign_server::TrustedProxies(vec![
        "127.0.0.1".parse().unwrap(),
    ]))
    .await;
    let _phone = h.enrolled("hal").await;
    h.user("ida").await;
    let used = {
        // hal's code, used by hal's phone: issue another and use it.
        let uri = h.enrollment_uri("hal").await;
        assert!(Phone::new(&h).enroll(&uri).await.is_ok());
        uri
    };
    for attempt in 0..10 {
        let mut thief = Phone::new(&h);
        thief.forwarded_for = Some(format!("198.51.100.{attempt}"));
        let refused = thief.enroll_unconfirmed(&used).await.unwrap_err();
        let expected = if attempt < 9 {
            ProblemType::TokenUsed
        } else {
            ProblemType::RateLimited
        };
        problem(refused, expected).await;
    }
    // hal's enrollments are locked from anywhere for a while...
    let mut thief = Phone::new(&h);
    thief.forwarded_for = Some("203.0.113.50".into());
    let fresh = h.enrollment_uri("hal").await;
    problem(
        thief.enroll_unconfirmed(&fresh).await.unwrap_err(),
        ProblemType::RateLimited,
    )
    .await;
    // ...other users' are not, and no address was locked.
    let mut other = Phone::new(&h);
    other.forwarded_for = Some("198.51.100.9".into());
    let uri = h.enrollment_uri("ida").await;
    assert!(other.enroll(&uri).await.is_ok());
}

#[tokio::test]
async fn totp_codes_sprayed_over_many_users_from_one_address_lock_that_address() {
    let h = Harness::start().await;
    let mut accounts = Vec::new();
    for index in 0..21 {
        let user = format!("sprayed{index}");
        let account = totp_account(&h, &user).await;
        accounts.push((user, account));
    }
    let verify = |user: &str, code: &str, ip: &str| {
        h.rp_post(
            "/v1/totp/verify",
            json!({ "user": user, "code": code, "ip": ip }),
        )
    };
    let wrong = |code: &str| {
        format!(
            "{:06}",
            (code.parse::<u32>().unwrap() + 500_000) % 1_000_000
        )
    };
    // One wrong code for each of 20 users: no user reaches its own limit.
    for (index, (user, account)) in accounts.iter().take(20).enumerate() {
        let code = wrong(&account.code_at(h.now()).unwrap().value);
        let expected = if index < 19 {
            ProblemType::WrongCode
        } else {
            ProblemType::RateLimited
        };
        problem(verify(user, &code, "198.51.100.7").await, expected).await;
    }
    let (user, account) = &accounts[20];
    let right = account.code_at(h.now()).unwrap().value;
    // The address is locked: not even a right code is checked from it...
    problem(
        verify(user, &right, "198.51.100.7").await,
        ProblemType::RateLimited,
    )
    .await;
    // ...while the same user from elsewhere goes on.
    assert_eq!(
        verify(user, &right, "203.0.113.9").await.status(),
        StatusCode::OK
    );
}
