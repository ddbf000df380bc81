//! Risk-aware pushes over HTTP (docs/server.md, "Risk signals and
//! escalation"): each signal from fixtures a relying party would send, the
//! escalation each level brings (number matching, a biometric, 30 s, the
//! in-app APNs category, refusal), its enforcement on answers, and the cases
//! that must raise nothing. Runs on both backends (COUNTERSIGN_TEST_BACKEND).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Harness, Phone, problem};
use countersign_core::push::jose::Compact;
use countersign_core::push::wire::*;
use countersign_server::db::{Sql, Value as Sqlv};
use countersign_testkit::form_browser::FormBrowser;
use countersign_testkit::push_services::PushServices;
use countersign_testkit::{ADMIN, START, Setup, TestClock};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

const BERLIN: (f64, f64) = (52.52, 13.405);
const SYDNEY: (f64, f64) = (-33.87, 151.21);
const APNS_TOKEN: &str = "5f1c9e0a7d3b42e8a6c1f09b3d7e24a8c5b19f6e0d3a7c2b8e4f1a9d6c0b3e72";

/// `POST /v1/pushes` for a login with this context.
async fn push_with(h: &Harness, user: &str, resource: &str, context: Value) -> Response {
    h.rp_post(
        "/v1/pushes",
        json!({ "user": user, "resource": resource, "context": context }),
    )
    .await
}

/// As `push_with`, expecting the push to be made: its `201` body.
async fn created(h: &Harness, user: &str, resource: &str, context: Value) -> Value {
    let response = push_with(h, user, resource, context).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

fn id(push: &Value) -> &str {
    push["id"].as_str().unwrap()
}

/// Approves as the person who started it: the number from the login screen,
/// verified on the phone.
async fn approve(phone: &Phone, push: &Value) {
    let answered = phone
        .answer(
            id(push),
            Decision::Approve,
            push["number"].as_str(),
            true,
            false,
        )
        .await;
    assert_eq!(answered.status(), StatusCode::OK, "{push}");
}

/// The verified challenge the phone fetched for `id`.
async fn challenge(phone: &Phone, push: &Value) -> ChallengeClaims {
    phone
        .pending()
        .await
        .into_iter()
        .find(|claims| claims.id == id(push))
        .expect("the challenge is pending on the phone")
}

async fn add_resource(h: &Harness, resource: Value) {
    let response = h
        .admin(Method::POST, "/v1/admin/resources", Some(resource))
        .await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{:?}",
        response.text().await
    );
}

fn place((lat, lon): (f64, f64)) -> Value {
    json!({ "lat": lat, "lon": lon })
}

fn with(mut context: Value, more: Value) -> Value {
    for (name, value) in more.as_object().unwrap() {
        context[name] = value.clone();
    }
    context
}

async fn events(h: &Harness, event: &str) -> Vec<Value> {
    h.audit()
        .await
        .into_iter()
        .filter(|e| e["event"] == event)
        .collect()
}

/// The `push_created` line for a push, its detail parsed.
async fn created_line(h: &Harness, push: &Value) -> Value {
    events(h, "push_created")
        .await
        .into_iter()
        .map(|e| serde_json::from_str::<Value>(e["detail"].as_str().unwrap()).unwrap())
        .find(|detail| detail["push"] == push["id"])
        .expect("push_created names the push")
}

#[tokio::test]
async fn four_pushes_in_five_minutes_are_a_burst_and_force_number_matching() {
    let h = Harness::start().await;
    let phone = h.enrolled("bo").await;
    // Number matching off by policy: the burst turns it on for this one push.
    h.set_policy(json!({ "number_matching": false })).await;
    for _ in 0..3 {
        let push = created(&h, "bo", "portal", json!({})).await;
        assert!(push["number"].is_null(), "{push}");
        assert_eq!(
            push["risk"],
            json!({"score": 0, "level": "low", "reasons": []})
        );
        approve(&phone, &push).await;
        h.clock.advance(80);
    }
    let fourth = created(&h, "bo", "portal", json!({})).await;
    assert_eq!(
        fourth["risk"],
        json!({"score": 30, "level": "medium", "reasons": ["burst"]})
    );
    assert!(fourth["number"].is_string(), "{fourth}");
    let claims = challenge(&phone, &fourth).await;
    assert!(claims.number_matching);
    assert_eq!(claims.biometric, Biometric::Optional);
    assert_eq!(claims.exp - claims.iat, 60);
    assert_eq!(
        claims.risk,
        Some(Risk {
            level: RiskLevel::Medium,
            reasons: vec![RiskReason::Burst],
        })
    );
    // The relying party's status call and the audit line carry it too.
    let status = h.push_status(id(&fourth)).await;
    assert_eq!(status["risk"]["level"], "medium");
    let line = created_line(&h, &fourth).await;
    assert_eq!(line["risk"]["reasons"], json!(["burst"]));
    assert_eq!(line["signals"][0]["earlier_pushes"], 3);
    // Without the number the approval fails, as number matching says.
    let answered = phone
        .answer(id(&fourth), Decision::Approve, None, true, false)
        .await;
    problem(answered, ProblemType::WrongNumber).await;
}

#[tokio::test]
async fn an_address_and_a_network_never_approved_before_are_new() {
    let h = Harness::start().await;
    let phone = h.enrolled("cai").await;
    let home = json!({ "ip": "198.51.100.20", "network": "AS3320" });
    // The first sign-in is not "new": there is nothing to compare it with.
    let first = created(&h, "cai", "portal", home.clone()).await;
    assert_eq!(first["risk"]["reasons"], json!([]));
    approve(&phone, &first).await;
    for _ in 0..2 {
        h.clock.advance(900);
        let again = created(&h, "cai", "portal", home.clone()).await;
        assert_eq!(again["risk"]["score"], 0);
        approve(&phone, &again).await;
    }
    h.clock.advance(900);
    // Another address on the same network: noted, and low on its own.
    let cafe = created(
        &h,
        "cai",
        "portal",
        json!({ "ip": "198.51.100.99", "network": "AS3320" }),
    )
    .await;
    assert_eq!(
        cafe["risk"],
        json!({"score": 15, "level": "low", "reasons": ["new_address"]})
    );
    assert_eq!(challenge(&phone, &cafe).await.risk, None);
    // Denied: a new address is not "known" until a sign-in from it is approved.
    let denied = phone
        .answer(id(&cafe), Decision::Deny, None, false, false)
        .await;
    assert_eq!(denied.status(), StatusCode::OK);
    h.clock.advance(900);
    let abroad = created(
        &h,
        "cai",
        "portal",
        json!({ "ip": "198.51.100.99", "network": "AS64500" }),
    )
    .await;
    assert_eq!(
        abroad["risk"],
        json!({"score": 35, "level": "medium", "reasons": ["new_network", "new_address"]})
    );
    let claims = challenge(&phone, &abroad).await;
    assert_eq!(claims.risk.unwrap().level, RiskLevel::Medium);
}

/// A server delivering to the test kit's local APNs peer, sharing its clock.
async fn with_apns() -> (PushServices, Harness) {
    let clock = Arc::new(TestClock::fixed(START));
    let services = PushServices::start(clock.clone()).await;
    let h = Harness::start_setup(Setup {
        delivery: services.delivery_config(),
        clock: Some(clock),
        ..Setup::default()
    })
    .await;
    (services, h)
}

async fn iphone(h: &Harness, user: &str) -> Phone {
    h.user(user).await;
    let uri = h.enrollment_uri(user).await;
    let mut phone = Phone::new(h);
    phone.platform = "ios".into();
    phone.push_token = Some(APNS_TOKEN.into());
    phone.enroll(&uri).await.unwrap();
    phone
}

/// The APNs payload that carried `push`'s challenge.
async fn apns_payload(services: &PushServices, push: &Value) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let found = services.received().into_iter().find(|received| {
            received.body["countersign_challenge"]
                .as_str()
                .and_then(|jws| Compact::parse(jws).ok())
                .and_then(|compact| compact.claims::<ChallengeClaims>().ok())
                .is_some_and(|claims| claims.id == id(push))
        });
        if let Some(received) = found {
            let mut body = received.body;
            body["headers"] = json!(received.headers);
            return body;
        }
        assert!(Instant::now() < deadline, "{push} never reached APNs");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn berlin_then_sydney_ten_minutes_later_is_high_and_escalates_everything() {
    let (services, h) = with_apns().await;
    let phone = iphone(&h, "dana").await;
    let berlin = created(&h, "dana", "portal", place(BERLIN)).await;
    assert_eq!(berlin["risk"]["score"], 0);
    assert_eq!(berlin["expires_at"].as_i64().unwrap() - h.now(), 60);
    let berlin_apns = apns_payload(&services, &berlin).await;
    assert_eq!(berlin_apns["aps"]["category"], "COUNTERSIGN_REQUEST");
    approve(&phone, &berlin).await;

    h.clock.advance(600);
    let sydney = created(&h, "dana", "portal", place(SYDNEY)).await;
    assert_eq!(
        sydney["risk"],
        json!({"score": 80, "level": "high", "reasons": ["impossible_travel", "new_location"]})
    );
    assert!(sydney["number"].is_string(), "number matching is forced");
    assert_eq!(sydney["expires_at"].as_i64().unwrap() - h.now(), 30);

    let claims = challenge(&phone, &sydney).await;
    assert!(claims.number_matching);
    assert_eq!(claims.biometric, Biometric::Required);
    assert_eq!(claims.exp - claims.iat, 30);
    assert_eq!(
        claims.risk,
        Some(Risk {
            level: RiskLevel::High,
            reasons: vec![RiskReason::ImpossibleTravel, RiskReason::NewLocation],
        })
    );

    // On the lock screen: the in-app category (no Approve there), the same
    // neutral text, and a challenge whose signed claims carry the risk.
    let payload = apns_payload(&services, &sydney).await;
    assert_eq!(payload["aps"]["category"], "COUNTERSIGN_REQUEST_IN_APP");
    assert_eq!(payload["aps"]["alert"]["title"], "Sign-in request");
    assert_eq!(
        payload["aps"]["alert"]["body"],
        "Open Countersign to review it."
    );
    assert_eq!(
        payload["headers"]["apns-expiration"],
        claims.exp.to_string(),
        "{payload}"
    );
    let delivered = Compact::parse(payload["countersign_challenge"].as_str().unwrap()).unwrap();
    delivered
        .verify(phone.server_key.as_ref().unwrap(), TYP_CHALLENGE)
        .unwrap();
    let delivered: ChallengeClaims = delivered.claims().unwrap();
    assert_eq!(delivered.risk_level(), RiskLevel::High);

    let line = created_line(&h, &sydney).await;
    assert_eq!(line["risk"]["level"], "high");
    let travel = &line["signals"][0];
    assert_eq!(travel["reason"], "impossible_travel");
    assert_eq!(travel["seconds"], 600);
    assert!(travel["km"].as_u64().unwrap() > 15_000, "{line}");

    // The right number with the user verified approves it.
    approve(&phone, &sydney).await;
    assert_eq!(h.push_status(id(&sydney)).await["status"], "approved");
}

#[tokio::test]
async fn a_high_risk_approval_needs_uv_and_the_number_whatever_the_challenge_says() {
    let h = Harness::start().await;
    let phone = h.enrolled("eli").await;
    h.set_policy(json!({ "number_matching": false })).await;
    let berlin = created(&h, "eli", "portal", place(BERLIN)).await;
    approve(&phone, &berlin).await;
    h.clock.advance(600);
    let sydney = created(&h, "eli", "portal", place(SYDNEY)).await;
    assert_eq!(sydney["risk"]["level"], "high");
    // Even if the stored push had lost its biometric demand (a policy edit,
    // a bug), its risk level alone requires user verification.
    h.db()
        .await
        .execute(
            "UPDATE challenges SET biometric = 'optional' WHERE id = ?1",
            &[Sqlv::Text(id(&sydney).into())],
        )
        .await
        .unwrap();
    let unverified = phone
        .answer(
            id(&sydney),
            Decision::Approve,
            sydney["number"].as_str(),
            false,
            false,
        )
        .await;
    problem(unverified, ProblemType::UserVerificationRequired).await;
    let refused = events(&h, "answer_refused").await;
    assert_eq!(refused.last().unwrap()["outcome"], "uv_missing");
    // Still pending: the user may verify and answer again, but not without the number.
    assert_eq!(h.push_status(id(&sydney)).await["status"], "pending");
    let without_number = phone
        .answer(id(&sydney), Decision::Approve, None, true, false)
        .await;
    problem(without_number, ProblemType::WrongNumber).await;
    assert_eq!(h.push_status(id(&sydney)).await["status"], "denied");
}

#[tokio::test]
async fn a_spray_of_twenty_users_from_one_address_is_refused_from_the_eleventh() {
    let h = Harness::start().await;
    let mut phones = Vec::new();
    // Each user has signed in from home before (an address and network of
    // their own), so the sprayer's address and network are new to all.
    for index in 0..20 {
        let user = format!("user{index:02}");
        let phone = h.enrolled(&user).await;
        let home = json!({ "ip": format!("198.51.100.{index}"), "network": format!("AS{}", 64_600 + index) });
        let push = created(&h, &user, "portal", home).await;
        approve(&phone, &push).await;
        phones.push(phone);
    }
    h.clock.advance(3_600);
    let sprayer = json!({ "ip": "192.0.2.66", "network": "AS64496" });
    for (index, phone) in phones.iter().enumerate() {
        let user = format!("user{index:02}");
        let response = push_with(&h, &user, "portal", sprayer.clone()).await;
        if index < 10 {
            assert_eq!(response.status(), StatusCode::CREATED, "{user}");
            let push: Value = response.json().await.unwrap();
            assert_eq!(
                push["risk"],
                json!({"score": 35, "level": "medium", "reasons": ["new_network", "new_address"]}),
                "{user}"
            );
            continue;
        }
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{user}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["type"], "https://countersign.dev/problems/risk_refused",
            "{body}"
        );
        assert_eq!(body["status"], 403);
        assert_eq!(body["level"], "very_high");
        assert_eq!(body["score"], 95);
        assert_eq!(
            body["reasons"],
            json!(["spray", "new_network", "new_address"])
        );
        assert!(body["server_time"].is_i64());
        // No challenge reached the phone.
        assert!(phone.pending().await.is_empty(), "{user}");
    }
    // The administrator is alerted: one `risk_refused` per refused push,
    // with the reasons, the caller and the figures.
    let refused = events(&h, "risk_refused").await;
    assert_eq!(refused.len(), 10);
    for (line, index) in refused.iter().zip(10..) {
        assert_eq!(line["user"], format!("user{index:02}"));
        assert_eq!(line["resource"], "portal");
        assert_eq!(line["outcome"], "spray,new_network,new_address");
        assert_eq!(line["actor"], "rp");
        let detail: Value = serde_json::from_str(line["detail"].as_str().unwrap()).unwrap();
        assert_eq!(detail["risk"]["level"], "very_high");
        assert_eq!(detail["signals"][0]["other_users"], index);
    }
    // The admin's view of the user lists the refused push with its risk.
    let listed: Value = h
        .admin(Method::GET, "/v1/admin/users/user15/pushes", None)
        .await
        .json()
        .await
        .unwrap();
    let latest = &listed["pushes"][0];
    assert_eq!(latest["status"], "refused");
    assert_eq!(latest["ip"], "192.0.2.66");
    assert_eq!(latest["network"], "AS64496");
    assert_eq!(latest["risk"]["level"], "very_high");
    assert_eq!(listed["pushes"][1]["status"], "approved");
}

#[tokio::test]
async fn the_portal_answers_a_refused_sign_in_like_an_unknown_name() {
    let h = Harness::start().await;
    let phone = h.enrolled("fay").await;
    // Strict on the portal: a spray from an address new to the user is
    // refused (60 + 15 ≥ 70); a spray alone is high (60 ≥ 40).
    let patched = h
        .admin(
            Method::PATCH,
            "/v1/admin/resources/portal",
            Some(json!({ "risk": "strict" })),
        )
        .await;
    assert_eq!(patched.status(), StatusCode::OK);
    let home = created(&h, "fay", "portal", json!({ "ip": "198.51.100.20" })).await;
    approve(&phone, &home).await;
    h.clock.advance(3_600);
    // Ten names tried through the portal, from this test's address.
    for index in 0..10 {
        let (status, _) = h.portal_login(&format!("guess{index}")).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, real) = h.portal_login("fay").await;
    assert_eq!(status, StatusCode::CREATED, "{real}");
    let (status, unknown) = h.portal_login("nobody").await;
    assert_eq!(status, StatusCode::CREATED, "{unknown}");
    // Both handles look alike: a number, 30 s, no risk member.
    for answer in [&real, &unknown] {
        assert!(answer["number"].is_string(), "{answer}");
        assert_eq!(
            answer["expires_at"].as_i64().unwrap() - answer["server_time"].as_i64().unwrap(),
            30,
            "{answer}"
        );
        assert!(answer.get("risk").is_none(), "{answer}");
        assert!(answer["handoff"].is_string());
    }
    assert!(
        phone.pending().await.is_empty(),
        "the refused push never reached the phone"
    );
    let refused = events(&h, "risk_refused").await;
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0]["user"], "fay");
    assert_eq!(refused[0]["outcome"], "spray,new_address");
    assert_eq!(refused[0]["actor"], "portal");
    assert_eq!(refused[0]["source"], "127.0.0.1");
}

#[tokio::test]
async fn a_normal_working_day_from_home_and_office_raises_nothing() {
    let h = Harness::start().await;
    let phone = h.enrolled("gus").await;
    // The unusual-hour signal on too: the day must not trip it either.
    add_resource(
        &h,
        json!({ "id": "mail", "name": "Mail", "risk": "standard", "risk_unusual_hour": true }),
    )
    .await;
    // Home and office, 10 km apart across Berlin, each with its own address
    // and network.
    let home =
        json!({ "ip": "198.51.100.20", "network": "AS3320", "lat": 52.5200, "lon": 13.4050 });
    let office =
        json!({ "ip": "203.0.113.80", "network": "AS8881", "lat": 52.5100, "lon": 13.2600 });
    // The day before: the first sign-in from each place. The first from the
    // office is new (that is the signal working); once approved it is known.
    let midnight = START - START.rem_euclid(86_400);
    let at =
        |day: i64, hour: i64, minute: i64| midnight + day * 86_400 + hour * 3_600 + minute * 60;
    let move_to = |time: i64| h.clock.advance(time - h.now());
    move_to(at(1, 8, 10));
    let first = created(&h, "gus", "mail", home.clone()).await;
    approve(&phone, &first).await;
    move_to(at(1, 9, 30));
    let first_office = created(&h, "gus", "mail", office.clone()).await;
    assert_eq!(
        first_office["risk"]["reasons"],
        json!(["new_network", "new_address"])
    );
    approve(&phone, &first_office).await;
    // Two ordinary days: 8 sign-ins each between 08:00 and 18:00, to several
    // resources, the unusual-hour signal active from the tenth approval.
    let day = [
        (8, 5, &home, "mail"),
        (9, 20, &office, "mail"),
        (10, 45, &office, "portal"),
        (12, 30, &office, "mail"),
        (13, 15, &home, "portal"),
        (14, 50, &office, "mail"),
        (16, 40, &office, "portal"),
        (17, 55, &home, "mail"),
    ];
    for day_number in [2, 3] {
        for (hour, minute, context, resource) in day {
            move_to(at(day_number, hour, minute));
            let push = created(&h, "gus", resource, context.clone()).await;
            assert_eq!(
                push["risk"],
                json!({"score": 0, "level": "low", "reasons": []}),
                "day {day_number} {hour}:{minute:02} at {context}"
            );
            assert_eq!(challenge(&phone, &push).await.risk, None);
            approve(&phone, &push).await;
        }
    }
    // And at 03:00 the next night, from home, the hour alone is noted (low).
    move_to(at(4, 3, 0));
    let night = created(&h, "gus", "mail", home.clone()).await;
    assert_eq!(
        night["risk"],
        json!({"score": 10, "level": "low", "reasons": ["unusual_hour"]})
    );
}

#[tokio::test]
async fn with_risk_off_nothing_is_raised_or_escalated() {
    let h = Harness::start().await;
    let phone = h.enrolled("hal").await;
    h.set_policy(json!({ "number_matching": false })).await;
    add_resource(
        &h,
        json!({ "id": "wiki", "name": "Wiki", "risk": "off", "risk_unusual_hour": true }),
    )
    .await;
    let berlin = created(
        &h,
        "hal",
        "wiki",
        with(place(BERLIN), json!({"ip": "198.51.100.1"})),
    )
    .await;
    approve(&phone, &berlin).await;
    // Impossible travel, a new address and a burst: all ignored.
    for _ in 0..4 {
        h.clock.advance(70);
        let sydney = created(
            &h,
            "hal",
            "wiki",
            with(
                place(SYDNEY),
                json!({"ip": "192.0.2.9", "network": "AS64496"}),
            ),
        )
        .await;
        assert_eq!(
            sydney["risk"],
            json!({"score": 0, "level": "low", "reasons": []})
        );
        assert!(sydney["number"].is_null());
        assert_eq!(sydney["expires_at"].as_i64().unwrap() - h.now(), 60);
        let claims = challenge(&phone, &sydney).await;
        assert_eq!(claims.risk, None);
        assert_eq!(claims.biometric, Biometric::Optional);
        approve(&phone, &sydney).await;
    }
    // The same trip to a resource on the default policy is high.
    h.clock.advance(600);
    let portal = created(
        &h,
        "hal",
        "portal",
        with(place(BERLIN), json!({"ip": "198.51.100.1"})),
    )
    .await;
    assert_eq!(portal["risk"]["level"], "high", "{portal}");
}

async fn list(h: &Harness) -> Vec<Value> {
    let body: Value = h
        .admin(Method::GET, "/v1/admin/resources", None)
        .await
        .json()
        .await
        .unwrap();
    body["resources"].as_array().unwrap().clone()
}

#[tokio::test]
async fn the_admin_api_sets_a_resources_risk_policy() {
    let h = Harness::start().await;
    add_resource(&h, json!({ "id": "vpn", "name": "VPN", "risk": "strict" })).await;
    let resources = list(&h).await;
    let vpn = resources.iter().find(|r| r["id"] == "vpn").unwrap();
    assert_eq!(vpn["risk"], "strict");
    assert_eq!(vpn["risk_unusual_hour"], false);
    // Unset is the default, standard.
    let portal = resources.iter().find(|r| r["id"] == "portal").unwrap();
    assert_eq!(portal["risk"], "standard");

    let patched = h
        .admin(
            Method::PATCH,
            "/v1/admin/resources/vpn",
            Some(json!({ "risk": "off", "risk_unusual_hour": true })),
        )
        .await;
    assert_eq!(patched.status(), StatusCode::OK);
    let vpn = list(&h)
        .await
        .into_iter()
        .find(|r| r["id"] == "vpn")
        .unwrap();
    assert_eq!(
        (vpn["risk"].as_str(), vpn["risk_unusual_hour"].as_bool()),
        (Some("off"), Some(true))
    );
    // A name left out of the PATCH stays as it was.
    h.admin(
        Method::PATCH,
        "/v1/admin/resources/vpn",
        Some(json!({ "name": "Corporate VPN" })),
    )
    .await;
    let vpn = list(&h)
        .await
        .into_iter()
        .find(|r| r["id"] == "vpn")
        .unwrap();
    assert_eq!(vpn["risk"], "off");

    for body in [json!({ "risk": "paranoid" }), json!({ "risk": "" })] {
        let refused = h
            .admin(Method::PATCH, "/v1/admin/resources/vpn", Some(body))
            .await;
        problem(refused, ProblemType::MalformedRequest).await;
    }
    // The change is audited with before and after.
    let saved = events(&h, "resource_saved").await;
    let change: Value = serde_json::from_str(saved[1]["detail"].as_str().unwrap()).unwrap();
    assert_eq!(change["before"]["risk"], "strict");
    assert_eq!(change["after"]["risk"], "off");
    assert_eq!(change["after"]["risk_unusual_hour"], true);
}

#[tokio::test]
async fn the_admin_portal_sets_the_policy_and_shows_a_users_risky_requests() {
    let h = Harness::start().await;
    let phone = h.enrolled("ida").await;
    let mut browser = FormBrowser::new(&h.base);
    let csrf = browser.get("/admin/login").await.csrf().unwrap();
    let signed_in = browser
        .post("/admin/login", &csrf, &[("token", ADMIN)])
        .await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    let page = browser.get("/admin/resources").await;
    let saved = browser
        .post(
            "/admin/resources",
            &page.csrf().unwrap(),
            &[
                ("id", "crm"),
                ("name", "CRM"),
                ("risk", "strict"),
                ("risk_unusual_hour", "on"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let row = saved.text_of("resource-crm").unwrap();
    assert!(row.contains("strict") && row.ends_with("on"), "{row}");
    let resources: Value = h
        .admin(Method::GET, "/v1/admin/resources", None)
        .await
        .json()
        .await
        .unwrap();
    let crm = resources["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "crm")
        .unwrap()
        .clone();
    assert_eq!(
        (crm["risk"].as_str(), crm["risk_unusual_hour"].as_bool()),
        (Some("strict"), Some(true))
    );

    let home = created(&h, "ida", "crm", json!({ "ip": "198.51.100.20" })).await;
    approve(&phone, &home).await;
    // Within the admin session's 30 idle minutes.
    h.clock.advance(600);
    // Strict: a new network (20) is medium.
    let away = created(
        &h,
        "ida",
        "crm",
        json!({ "ip": "198.51.100.20", "network": "AS64500" }),
    )
    .await;
    assert_eq!(
        away["risk"]["level"], "low",
        "no network was ever approved: not new"
    );
    approve(&phone, &away).await;
    h.clock.advance(600);
    let other = created(
        &h,
        "ida",
        "crm",
        json!({ "ip": "198.51.100.20", "network": "AS64501" }),
    )
    .await;
    assert_eq!(other["risk"]["level"], "medium");
    let user = browser.get("/admin/users/ida").await;
    assert_eq!(user.status, StatusCode::OK);
    let row = user.text_of(&format!("push-{}", id(&other))).unwrap();
    assert!(row.contains("medium (20)"), "{row}");
    assert!(row.contains("new network"), "{row}");
    assert!(row.contains("AS64501"), "{row}");
}

#[tokio::test]
async fn a_user_recreated_with_the_same_name_starts_without_the_old_history() {
    let h = Harness::start().await;
    let old = h.enrolled("kit").await;
    let office = json!({ "ip": "203.0.113.80", "network": "AS8881" });
    let push = created(&h, "kit", "portal", office.clone()).await;
    approve(&old, &push).await;
    let deleted = h.admin(Method::DELETE, "/v1/admin/users/kit", None).await;
    assert_eq!(deleted.status(), StatusCode::OK);
    h.clock.advance(60);
    let new = h.enrolled("kit").await;
    // Another person: the old user's office is not theirs…
    let first = created(
        &h,
        "kit",
        "portal",
        json!({ "ip": "198.51.100.7", "network": "AS3320" }),
    )
    .await;
    assert_eq!(
        first["risk"]["reasons"],
        json!([]),
        "nothing to compare with yet"
    );
    approve(&new, &first).await;
    h.clock.advance(900);
    // …so a sign-in from it is new to them.
    let at_office = created(&h, "kit", "portal", office).await;
    assert_eq!(
        at_office["risk"]["reasons"],
        json!(["new_network", "new_address"])
    );
}

#[tokio::test]
async fn context_coordinates_and_network_are_checked_like_the_rest() {
    let h = Harness::start().await;
    h.enrolled("jo").await;
    for context in [
        json!({ "lat": 52.5 }),
        json!({ "lon": 13.4 }),
        json!({ "lat": 91.0, "lon": 13.4 }),
        json!({ "lat": 52.5, "lon": 181.0 }),
        json!({ "lat": "52.5", "lon": 13.4 }),
        json!({ "network": "AS3320\nAS1" }),
        json!({ "network": "x".repeat(201) }),
    ] {
        let response = push_with(&h, "jo", "portal", context.clone()).await;
        problem(response, ProblemType::MalformedRequest).await;
    }
    // The phone is shown them as sent (section 6.2), and they are stored for
    // the next assessment.
    let push = created(
        &h,
        "jo",
        "portal",
        json!({ "lat": -33.8688, "lon": 151.2093, "network": "AS1221" }),
    )
    .await;
    let stored: (Option<i64>, Option<i64>, Option<String>, Option<i64>) = h
        .db()
        .await
        .query_row(
            "SELECT lat, lon, network, context_time FROM challenges WHERE id = ?1",
            &[Sqlv::Text(id(&push).into())],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .await
        .unwrap();
    assert_eq!(
        stored,
        (
            Some(-33_868_800),
            Some(151_209_300),
            Some("AS1221".to_owned()),
            Some(h.now())
        )
    );
}
