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
    for file in [
        "server.sqlite",
        "server.sqlite-wal",
        "server.sqlite-shm",
        "server-key.pk8",
    ] {
        assert_eq!(mode(file), 0o600, "{file}");
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
    set(h.data_dir().join("server.sqlite"), 0o644);
    let h = h.restart().await;
    let mode =
        |path: std::path::PathBuf| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(h.data_dir()), 0o700);
    assert_eq!(mode(h.data_dir().join("server.sqlite")), 0o600);
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
async fn already_answered_names_the_recorded_decision_decision_not_status() {
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
    let body: Value = h
        .admin(
            Method::POST,
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
