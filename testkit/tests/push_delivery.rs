//! Pushes delivered through APNs and FCM: the reference server sends to the
//! test kit's local peers (HTTP/2 over TLS on 127.0.0.1, checking tokens,
//! headers and sizes as Apple and Google document them), and the phone's core
//! verifies and answers what arrived. Every documented error class is played.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use countersign_core::Clock;
use countersign_core::push::device::{DeviceInfo, EnrollmentCode, NoGate};
use countersign_core::push::wire::ChallengeKind;
use countersign_server::delivery::DeliveryConfig;
use countersign_testkit::form_browser::FormBrowser;
use countersign_testkit::push_services::{APNS_TOPIC, PushServices, Received, Scripted, Service};
use countersign_testkit::{Phone, RP, START, Server, Setup, TestClock};
use reqwest::Method;
use serde_json::{Value, json};

const APNS_TOKEN: &str = "5f1c9e0a7d3b42e8a6c1f09b3d7e24a8c5b19f6e0d3a7c2b8e4f1a9d6c0b3e72";
const FCM_TOKEN: &str = "eKq3-FCMtoken:APA91bH0123456789abcdefghijklmnopqrstuvwxyz";

async fn rig_with(tune: impl FnOnce(&mut DeliveryConfig)) -> (PushServices, Server) {
    let clock = Arc::new(TestClock::fixed(START));
    let services = PushServices::start(clock.clone()).await;
    let mut delivery = services.delivery_config();
    tune(&mut delivery);
    let server = Server::start_with(Setup {
        delivery,
        clock: Some(clock),
        ..Setup::default()
    })
    .await;
    (services, server)
}

async fn rig() -> (PushServices, Server) {
    rig_with(|_| {}).await
}

fn device(platform: &str, token: Option<&str>) -> DeviceInfo {
    DeviceInfo {
        platform: platform.into(),
        device_name: "Test phone".into(),
        app_version: "0.1.0".into(),
        push_token: token.map(str::to_owned),
    }
}

async fn enrolled(server: &Server, user: &str, info: &DeviceInfo) -> Phone {
    let phone = Phone::new(server, 0);
    let uri = server.enrollment_uri(user).await;
    phone.enroll_as(&uri, info).await.unwrap();
    phone
}

async fn ios(server: &Server, user: &str) -> Phone {
    enrolled(server, user, &device("ios", Some(APNS_TOKEN))).await
}

async fn android(server: &Server, user: &str) -> Phone {
    enrolled(server, user, &device("android", Some(FCM_TOKEN))).await
}

/// The push's status once its delivery has left `queued`.
async fn delivered(server: &Server, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let status = server.status(id).await;
        if status["delivery"] != "queued" {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "the delivery of {id} never finished"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// What the peers received, without enrollment confirmations (a phone that
/// enrolls in the foreground approves those before they are sent).
fn sign_ins(services: &PushServices) -> Vec<Received> {
    services
        .received()
        .into_iter()
        .filter(|r| {
            r.body["aps"]["alert"]["title-loc-key"] != "COUNTERSIGN_ENROLLMENT_CONFIRM_TITLE"
                && r.body["data"]["countersign_kind"] != "enrollment_confirm"
        })
        .collect()
}

/// What the app hands the core: APNs' whole payload, FCM's data map.
fn as_delivered(received: &Received) -> Vec<u8> {
    match received.service {
        Service::Apns => received.body.to_string().into_bytes(),
        Service::Fcm => json!({ "data": received.body["data"] })
            .to_string()
            .into_bytes(),
    }
}

async fn audit(server: &Server, event: &str) -> Vec<Value> {
    let audit = server
        .admin(Method::GET, "/v1/admin/audit?since=0&limit=1000", json!({}))
        .await;
    let events = audit
        .as_array()
        .or_else(|| audit["events"].as_array())
        .cloned()
        .unwrap_or_default();
    events.into_iter().filter(|e| e["event"] == event).collect()
}

/// The user's device's push token as the server holds it.
async fn push_token(server: &Server, user: &str) -> Option<String> {
    let db = server.running.state.db().await.unwrap();
    countersign_server::store::current_device(&db, user)
        .await
        .unwrap()
        .and_then(|device| device.push_token)
}

/// The phone fetches its requests and denies `id`.
async fn deny(phone: &Phone, id: &str) {
    phone.device.pending(&phone.vault).await.unwrap();
    phone.device.deny(&phone.vault, id, false).await.unwrap();
}

async fn add_resource(server: &Server, id: &str) {
    server
        .admin(
            Method::POST,
            "/v1/admin/resources",
            json!({ "id": id, "name": id }),
        )
        .await;
}

#[tokio::test]
async fn an_apns_push_reaches_the_phone_which_verifies_and_approves_it() {
    let (services, server) = rig().await;
    let phone = ios(&server, "alice").await;
    let (id, number) = server.push("alice", "portal", "login").await;
    let status = delivered(&server, &id).await;
    assert_eq!(status["delivery"], "sent", "{status}");
    let received = sign_ins(&services);
    let apns = &received[0];
    assert_eq!(
        (apns.service, apns.token.as_str()),
        (Service::Apns, APNS_TOKEN)
    );
    let header = |name: &str| apns.headers.get(name).cloned();
    assert_eq!(header("apns-topic").as_deref(), Some(APNS_TOPIC));
    assert_eq!(header("apns-push-type").as_deref(), Some("alert"));
    assert_eq!(header("apns-priority").as_deref(), Some("10"));
    let expires_at = server.clock.now() + 60;
    assert_eq!(header("apns-expiration"), Some(expires_at.to_string()));
    assert!(header("apns-collapse-id").is_some_and(|id| id.len() <= 64));
    // The lock screen's text says nothing about the request.
    let aps = &apns.body["aps"];
    assert_eq!(aps["alert"]["title"], "Sign-in request");
    assert_eq!(aps["mutable-content"], 1);
    assert_eq!(aps["category"], "COUNTERSIGN_REQUEST");
    for private in ["Berlin", "203.0.113", "Firefox", "alice", "portal"] {
        assert!(
            !aps.to_string().contains(private),
            "{private} on the lock screen: {aps}"
        );
    }

    let request = phone
        .device
        .handle_push_payload(&phone.vault, &as_delivered(apns))
        .unwrap()
        .expect("the payload carries the challenge");
    assert_eq!(request.id, id);
    assert_eq!(request.context.location.as_deref(), Some("Berlin, DE"));
    phone
        .device
        .approve(&phone.vault, &id, number.as_deref(), &NoGate)
        .await
        .unwrap();
    assert_eq!(server.status(&id).await["status"], "approved");
    assert!(services.refused().is_empty(), "{:?}", services.refused());
    assert_eq!(audit(&server, "push_delivered").await.len(), 1);
}

#[tokio::test]
async fn an_fcm_push_reaches_the_phone_as_a_high_priority_data_message() {
    let (services, server) = rig().await;
    let phone = android(&server, "bob").await;
    let (id, _) = server.push("bob", "portal", "login").await;
    assert_eq!(delivered(&server, &id).await["delivery"], "sent");
    let fcm = sign_ins(&services).remove(0);
    assert_eq!((fcm.service, fcm.token.as_str()), (Service::Fcm, FCM_TOKEN));
    assert_eq!(fcm.body["android"]["priority"], "high");
    assert_eq!(fcm.body["android"]["ttl"], "60s");
    assert!(fcm.body["android"]["collapse_key"].is_string());
    assert!(fcm.body["notification"].is_null(), "a data message only");
    assert_eq!(fcm.body["data"]["countersign_kind"], "login");

    let request = phone
        .device
        .handle_push_payload(&phone.vault, &as_delivered(&fcm))
        .unwrap()
        .unwrap();
    assert_eq!(request.id, id);
    phone.device.deny(&phone.vault, &id, false).await.unwrap();
    assert_eq!(server.status(&id).await["status"], "denied");

    // The access token is cached: the next message asks for no other.
    let (next, _) = server.push("bob", "portal", "login").await;
    assert_eq!(delivered(&server, &next).await["delivery"], "sent");
    assert_eq!(services.access_tokens_issued(), 1);
    assert!(services.refused().is_empty(), "{:?}", services.refused());
}

#[tokio::test]
async fn a_device_without_a_token_or_a_sender_is_poll_only() {
    let (services, server) = rig().await;
    let _desktop = enrolled(&server, "carol", &device("desktop", None)).await;
    let (id, _) = server.push("carol", "portal", "login").await;
    assert_eq!(server.status(&id).await["delivery"], "poll_only");

    // No FCM configured: an Android phone polls.
    let (services_ios_only, server_ios_only) = rig_with(|config| config.fcm = None).await;
    let _phone = android(&server_ios_only, "dan").await;
    let (id, _) = server_ios_only.push("dan", "portal", "login").await;
    assert_eq!(server_ios_only.status(&id).await["delivery"], "poll_only");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(sign_ins(&services).is_empty() && services_ios_only.received().is_empty());
}

#[tokio::test]
async fn unregistered_and_bad_tokens_are_cleared_and_the_next_push_is_poll_only() {
    let (services, server) = rig().await;
    let iphone = ios(&server, "erin").await;
    let _pixel = android(&server, "frank").await;
    services.script_apns([Scripted::apns(410, "Unregistered")]);
    services.script_fcm([Scripted::fcm(404, "NOT_FOUND", Some("UNREGISTERED"))]);

    let (apns_push, _) = server.push("erin", "portal", "login").await;
    let (fcm_push, _) = server.push("frank", "portal", "login").await;
    assert_eq!(delivered(&server, &apns_push).await["delivery"], "failed");
    assert_eq!(delivered(&server, &fcm_push).await["delivery"], "failed");
    assert_eq!(push_token(&server, "erin").await, None);
    assert_eq!(push_token(&server, "frank").await, None);
    let cleared = audit(&server, "push_token_cleared").await;
    assert_eq!(cleared.len(), 2, "{cleared:?}");

    // The device still polls and answers.
    let pending = iphone.device.pending(&iphone.vault).await.unwrap();
    assert_eq!(pending.len(), 1);
    iphone
        .device
        .deny(&iphone.vault, &apns_push, false)
        .await
        .unwrap();
    let (next, _) = server.push("erin", "portal", "login").await;
    assert_eq!(server.status(&next).await["delivery"], "poll_only");
    assert_eq!(sign_ins(&services).len(), 2);

    // A token the app registers again is used again.
    iphone
        .device
        .update_push_token(&iphone.vault, Some(APNS_TOKEN))
        .await
        .unwrap();
    assert_eq!(
        push_token(&server, "erin").await.as_deref(),
        Some(APNS_TOKEN)
    );
}

#[tokio::test]
async fn bad_device_token_clears_it_but_a_configuration_error_does_not() {
    let (services, server) = rig().await;
    let _phone = ios(&server, "gina").await;
    add_resource(&server, "vpn").await;
    services.script_apns([Scripted::apns(400, "TopicDisallowed")]);
    let (first, _) = server.push("gina", "portal", "login").await;
    let status = delivered(&server, &first).await;
    assert_eq!(status["delivery"], "failed");
    assert_eq!(
        push_token(&server, "gina").await.as_deref(),
        Some(APNS_TOKEN)
    );

    services.script_apns([Scripted::apns(400, "BadDeviceToken")]);
    let (second, _) = server.push("gina", "vpn", "login").await;
    assert_eq!(delivered(&server, &second).await["delivery"], "failed");
    assert_eq!(push_token(&server, "gina").await, None);
}

#[tokio::test]
async fn throttling_and_outages_are_retried_honouring_retry_after() {
    let (services, server) = rig().await;
    let _iphone = ios(&server, "hank").await;
    let _pixel = android(&server, "ivy").await;
    services.script_apns([
        Scripted::apns(503, "ServiceUnavailable"),
        Scripted::apns(429, "TooManyRequests").retry_after("1"),
    ]);
    services.script_fcm([
        Scripted::fcm(503, "UNAVAILABLE", None),
        Scripted::fcm(429, "RESOURCE_EXHAUSTED", Some("QUOTA_EXCEEDED")).retry_after("1"),
        Scripted::fcm(500, "INTERNAL", Some("INTERNAL")),
    ]);
    let started = Instant::now();
    let (apns_push, _) = server.push("hank", "portal", "login").await;
    let (fcm_push, _) = server.push("ivy", "portal", "login").await;
    assert_eq!(delivered(&server, &apns_push).await["delivery"], "sent");
    assert_eq!(delivered(&server, &fcm_push).await["delivery"], "sent");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 was not honoured"
    );
    let received = sign_ins(&services);
    assert_eq!(
        received
            .iter()
            .filter(|r| r.service == Service::Apns)
            .count(),
        3
    );
    assert_eq!(
        received
            .iter()
            .filter(|r| r.service == Service::Fcm)
            .count(),
        4
    );
}

#[tokio::test]
async fn retries_stop_at_the_challenges_expiry() {
    let (services, server) = rig().await;
    let _phone = ios(&server, "jack").await;
    add_resource(&server, "vpn").await;
    // Asked to come back after the request has expired: give up now.
    services.script_apns([Scripted::apns(429, "TooManyRequests").retry_after("120")]);
    let (id, _) = server.push("jack", "portal", "login").await;
    let status = delivered(&server, &id).await;
    assert_eq!(status["delivery"], "failed");
    assert_eq!(sign_ins(&services).len(), 1);
    let failures = audit(&server, "push_delivery_failed").await;
    assert!(
        failures[0]["detail"]
            .as_str()
            .unwrap()
            .contains("expires before a retry")
    );

    // An outage that lasts: retried until the request expires, then no more.
    services.script_apns((0..10_000).map(|_| Scripted::apns(503, "ServiceUnavailable")));
    let (id, _) = server.push("jack", "vpn", "login").await;
    services.wait_for(4).await;
    server.clock.advance(61);
    assert_eq!(delivered(&server, &id).await["delivery"], "failed");
    let attempts = sign_ins(&services).len();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        sign_ins(&services).len() <= attempts + 1,
        "retries went on after expiry"
    );
}

#[tokio::test]
async fn an_unreachable_provider_is_retried_until_expiry() {
    // Nothing listens on the APNs URL.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let (_services, server) = rig_with(|config| {
        if let Some(apns) = config.apns.as_mut() {
            apns.base_url = format!("https://127.0.0.1:{port}");
        }
    })
    .await;
    let _phone = ios(&server, "kate").await;
    let (id, _) = server.push("kate", "portal", "login").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(server.status(&id).await["delivery"], "queued");
    server.clock.advance(61);
    let status = delivered(&server, &id).await;
    assert_eq!(status["delivery"], "failed");
    let failure = &audit(&server, "push_delivery_failed").await[0];
    assert!(
        failure["detail"].as_str().unwrap().contains("expired"),
        "{failure}"
    );
    // The device token is not blamed for the provider's outage.
    assert_eq!(
        push_token(&server, "kate").await.as_deref(),
        Some(APNS_TOKEN)
    );
}

#[tokio::test]
async fn a_provider_with_a_certificate_we_do_not_trust_gets_nothing() {
    let other = PushServices::start(Arc::new(TestClock::fixed(START))).await;
    let (services, server) = rig_with(|config| config.ca_file = Some(other.ca_file.clone())).await;
    let _phone = ios(&server, "liam").await;
    let (id, _) = server.push("liam", "portal", "login").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.clock.advance(61);
    assert_eq!(delivered(&server, &id).await["delivery"], "failed");
    assert!(sign_ins(&services).is_empty());
}

#[tokio::test]
async fn the_apns_provider_token_is_reused_refreshed_after_50_minutes_and_renewed_once_when_expired()
 {
    let (services, server) = rig().await;
    let phone = ios(&server, "mia").await;
    let (first, _) = server.push("mia", "portal", "login").await;
    assert_eq!(delivered(&server, &first).await["delivery"], "sent");
    deny(&phone, &first).await;
    let (second, _) = server.push("mia", "portal", "login").await;
    assert_eq!(delivered(&server, &second).await["delivery"], "sent");
    deny(&phone, &second).await;
    assert_eq!(services.provider_tokens(), 1, "one token for both");

    // 51 minutes later a new token is made (the peer refuses one renewed
    // within 20 minutes, and expires one older than 60).
    server.clock.advance(51 * 60);
    let (third, _) = server.push("mia", "portal", "login").await;
    assert_eq!(delivered(&server, &third).await["delivery"], "sent");
    deny(&phone, &third).await;
    assert_eq!(services.provider_tokens(), 2);

    // ExpiredProviderToken: renewed once and sent again.
    services.script_apns([Scripted::apns(403, "ExpiredProviderToken")]);
    let (fourth, _) = server.push("mia", "portal", "login").await;
    assert_eq!(delivered(&server, &fourth).await["delivery"], "sent");
    deny(&phone, &fourth).await;
    assert_eq!(services.provider_tokens(), 3);

    // Refused twice: a configuration problem, not retried for ever.
    services.script_apns([
        Scripted::apns(403, "ExpiredProviderToken"),
        Scripted::apns(403, "ExpiredProviderToken"),
    ]);
    let (fifth, _) = server.push("mia", "portal", "login").await;
    assert_eq!(delivered(&server, &fifth).await["delivery"], "failed");
    assert!(services.refused().is_empty(), "{:?}", services.refused());
}

#[tokio::test]
async fn fcm_access_tokens_are_renewed_on_401_and_token_endpoint_errors_are_handled() {
    let (services, server) = rig().await;
    let phone = android(&server, "noah").await;
    services.script_fcm([Scripted::fcm(
        401,
        "UNAUTHENTICATED",
        Some("THIRD_PARTY_AUTH_ERROR"),
    )]);
    let (first, _) = server.push("noah", "portal", "login").await;
    assert_eq!(delivered(&server, &first).await["delivery"], "sent");
    assert_eq!(services.access_tokens_issued(), 2);
    deny(&phone, &first).await;

    // Near its expiry the access token is renewed; the endpoint is down once.
    server.clock.advance(3600);
    services.script_token_endpoint([Scripted::fcm(503, "UNAVAILABLE", None).retry_after("0")]);
    let (second, _) = server.push("noah", "portal", "login").await;
    assert_eq!(delivered(&server, &second).await["delivery"], "sent");
    assert_eq!(services.access_tokens_issued(), 3);
    deny(&phone, &second).await;

    // The service account is refused: a failure with Google's reason.
    server.clock.advance(3600);
    services.script_token_endpoint([Scripted::oauth_error(400, "invalid_grant")]);
    let (third, _) = server.push("noah", "portal", "login").await;
    assert_eq!(delivered(&server, &third).await["delivery"], "failed");
    let failure = &audit(&server, "push_delivery_failed").await[0];
    assert!(
        failure["detail"]
            .as_str()
            .unwrap()
            .contains("invalid_grant"),
        "{failure}"
    );
}

#[tokio::test]
async fn a_biometric_policy_shows_no_inline_approve_and_the_rp_sees_delivery_only_there() {
    let (services, server) = rig().await;
    let _phone = ios(&server, "olga").await;
    server
        .admin(
            Method::PUT,
            "/v1/admin/policy",
            json!({ "biometric": "required", "number_matching": true, "max_pending": 1, "fraud_lock_seconds": 3600 }),
        )
        .await;
    let (id, _) = server.push("olga", "portal", "login").await;
    assert_eq!(delivered(&server, &id).await["delivery"], "sent");
    assert_eq!(
        sign_ins(&services)[0].body["aps"]["category"],
        "COUNTERSIGN_REQUEST_BIOMETRIC"
    );
    // The portal's own status answer does not tell delivery (nor enrollment).
    let portal = server
        .http
        .get(format!("{}/portal/pushes/{id}", server.base))
        .send()
        .await
        .unwrap();
    let portal: Value = portal.json().await.unwrap();
    assert!(portal.get("delivery").is_none(), "{portal}");
}

/// Signs `user` in to the portal (no second factor yet: the first sign-in is
/// how a user enrolls) and opens the phone enrollment page: the code and the
/// URL its live status is polled at.
async fn portal_enrollment(server: &Server, user: &str) -> (FormBrowser, String, String) {
    server
        .admin(
            Method::POST,
            "/v1/admin/users",
            json!({ "name": user, "password": "correct horse battery" }),
        )
        .await;
    let mut browser = FormBrowser::new(&server.base);
    browser.sign_in(user, "correct horse battery").await;
    let security = browser.get("/portal/security").await;
    let page = browser
        .post("/portal/security/device", &security.csrf().unwrap(), &[])
        .await;
    let uri = page.text_of("enrollment-uri").unwrap();
    let poll = page.body.split("data-poll=\"").nth(1).unwrap();
    let poll = poll.split('"').next().unwrap().replace("&#x2f;", "/");
    (browser, uri, poll)
}

/// A sign-in push the server refuses as `not_enrolled` (409); the problem.
async fn push_refused(server: &Server, user: &str) -> Value {
    let refused = server
        .http
        .post(format!("{}/v1/pushes", server.base))
        .bearer_auth(RP)
        .json(&json!({ "user": user, "resource": "portal" }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 409);
    refused.json().await.unwrap()
}

async fn enrollment_status(browser: &mut FormBrowser, poll: &str) -> Value {
    serde_json::from_str(&browser.get(poll).await.body).unwrap()
}

#[tokio::test]
async fn enrolling_in_the_foreground_confirms_at_once() {
    let (_services, server) = rig().await;
    let (mut browser, uri, poll) = portal_enrollment(&server, "pia").await;
    let phone = Phone::new(&server, 0);
    phone
        .enroll_as(&uri, &device("ios", Some(APNS_TOKEN)))
        .await
        .unwrap();
    let status = enrollment_status(&mut browser, &poll).await;
    assert_eq!(status["status_text"], "Your phone is enrolled.");
    assert_eq!(status["done"], true);
    let user = server
        .admin(Method::GET, "/v1/admin/users/pia", json!({}))
        .await;
    assert_eq!(user["device"]["confirmed"], true);
    assert!(phone.device.pending(&phone.vault).await.unwrap().is_empty());
    assert_eq!(audit(&server, "device_confirmed").await.len(), 1);
}

#[tokio::test]
async fn enrolling_as_the_app_goes_to_the_background_is_finished_by_approving_a_push() {
    let (services, server) = rig().await;
    let (mut browser, uri, poll) = portal_enrollment(&server, "quinn").await;
    assert_eq!(
        enrollment_status(&mut browser, &poll).await["status_text"],
        "Waiting for your phone…"
    );
    let phone = Phone::new(&server, 0);
    let code = EnrollmentCode::new(&uri, phone.clock.now()).confirming_by_push();
    phone
        .enroll_code(code, &device("ios", Some(APNS_TOKEN)))
        .await
        .unwrap();
    let status = enrollment_status(&mut browser, &poll).await;
    assert_eq!(
        status["status_text"],
        "Approve the request on your phone to finish."
    );
    assert_eq!(status["done"], false);

    // Until then the device gets no sign-in pushes.
    let problem = push_refused(&server, "quinn").await;
    assert!(
        problem["detail"].as_str().unwrap().contains("confirm"),
        "{problem}"
    );

    // The confirmation arrives on the lock screen and is approved.
    let received = services.wait_for(1).await;
    let aps = &received[0].body["aps"];
    assert_eq!(aps["alert"]["title"], "Confirm your new device");
    assert_eq!(
        aps["alert"]["title-loc-key"],
        "COUNTERSIGN_ENROLLMENT_CONFIRM_TITLE"
    );
    let request = phone
        .device
        .handle_push_payload(&phone.vault, &as_delivered(&received[0]))
        .unwrap()
        .unwrap();
    assert_eq!(request.kind, ChallengeKind::EnrollmentConfirm);
    assert_eq!(request.context.ip.as_deref(), Some("127.0.0.1"));
    phone
        .device
        .approve(&phone.vault, &request.id, None, &NoGate)
        .await
        .unwrap();
    assert_eq!(
        enrollment_status(&mut browser, &poll).await["status_text"],
        "Your phone is enrolled."
    );
    let (id, _) = server.push("quinn", "portal", "login").await;
    assert_eq!(delivered(&server, &id).await["delivery"], "sent");
}

#[tokio::test]
async fn a_denied_or_expired_confirmation_leaves_no_usable_device() {
    let (services, server) = rig().await;
    let (mut browser, uri, poll) = portal_enrollment(&server, "ruth").await;
    let phone = Phone::new(&server, 0);
    let code = EnrollmentCode::new(&uri, phone.clock.now()).confirming_by_push();
    phone
        .enroll_code(code, &device("android", Some(FCM_TOKEN)))
        .await
        .unwrap();
    let received = services.wait_for(1).await;
    let request = phone
        .device
        .handle_push_payload(&phone.vault, &as_delivered(&received[0]))
        .unwrap()
        .unwrap();
    // "I did not enroll this."
    phone
        .device
        .deny(&phone.vault, &request.id, false)
        .await
        .unwrap();
    let status = enrollment_status(&mut browser, &poll).await;
    assert_eq!(status["final"], true);
    assert!(
        status["status_text"]
            .as_str()
            .unwrap()
            .contains("Enroll again")
    );
    let user = server
        .admin(Method::GET, "/v1/admin/users/ruth", json!({}))
        .await;
    assert!(user["device"].is_null(), "{user}");
    let revoked = audit(&server, "device_revoked").await;
    assert_eq!(revoked[0]["outcome"], "enrollment_denied");

    // Left unanswered, the confirmation expires and the enrollment with it.
    let (mut browser, uri, poll) = portal_enrollment(&server, "sam").await;
    let phone = Phone::new(&server, 0);
    let code = EnrollmentCode::new(&uri, phone.clock.now()).confirming_by_push();
    phone
        .enroll_code(code, &device("desktop", None))
        .await
        .unwrap();
    server.clock.advance(61);
    let status = enrollment_status(&mut browser, &poll).await;
    assert_eq!(status["final"], true, "{status}");
    push_refused(&server, "sam").await;
}
