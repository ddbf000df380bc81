//! The User Portal in a real browser (headless Chromium), every step as a
//! person does it: sign in with a password, enroll the phone by scanning the
//! QR code on the screen (decoded from a screenshot with the core's scanner),
//! watch the page turn green by itself, sign in again with a push approved on
//! the phone, then denied, then expired, then refused while one is pending;
//! set up TOTP and sign in with a code instead; reset the authenticator app.
//! Abuse: a form without its CSRF token, a guessed password, an unknown user.
//!
//! `#[ignore]`d where Chromium is missing; `.ci/run` installs it and runs them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use countersign_core::push::device::NoGate;
use countersign_core::scan::scan_image;
use countersign_core::uri::parse_otpauth;
use countersign_core::{Clock, OtpAccount};
use countersign_testkit::browser::Browser;
use countersign_testkit::{Phone, Server};
use reqwest::Method;
use serde_json::json;

const PASSWORD: &str = "correct horse battery";

async fn server_with(user: &str) -> Server {
    let server = Server::start().await;
    server
        .admin(
            Method::POST,
            "/v1/admin/users",
            json!({ "name": user, "password": PASSWORD }),
        )
        .await;
    server
}

async fn sign_in(browser: &Browser, server: &Server, user: &str, password: &str) {
    browser.goto(&format!("{}/portal/login", server.base)).await;
    browser.fill("#username", user).await;
    browser.fill("#password", password).await;
    browser.click("#sign-in").await;
    // The next navigation would abort a POST still in flight (Argon2 is slow
    // in a debug build), and the server would never count the attempt.
    browser
        .wait_for("the sign-in form to be answered", || async {
            browser.path().await != "/portal/login"
        })
        .await;
}

/// The QR code on the page, read from a screenshot as a phone camera would.
async fn scan_screen(browser: &mut Browser, label: &str) -> String {
    browser.wait_for_element("#qr svg").await;
    let png = browser.screenshot(label).await;
    scan_image(&png)
        .unwrap()
        .unwrap_or_else(|| panic!("no QR code on the {label} screenshot"))
        .text
}

async fn approve_on_phone(phone: &Phone, number: &str) {
    let requests = phone.device.pending(&phone.vault).await.unwrap();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let request = &requests[0];
    assert_eq!(request.resource.name, "Countersign portal");
    assert_eq!(request.context.ip.as_deref(), Some("127.0.0.1"));
    phone
        .device
        .approve(&phone.vault, &request.id, Some(number), &NoGate)
        .await
        .unwrap();
}

fn code_now(account: &OtpAccount, server: &Server) -> String {
    account.code_at(server.clock.now()).unwrap().value
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs chromium and chromium-driver (.ci/run installs them)"]
async fn enroll_by_scanning_the_screen_then_sign_in_with_a_push() {
    let server = server_with("jane").await;
    let phone = Phone::new(&server, 0);
    let mut browser = Browser::start("push").await;

    // First sign-in: a password only, since nothing is enrolled yet.
    sign_in(&browser, &server, "jane", PASSWORD).await;
    browser.wait_for_path("/portal/security").await;
    assert!(
        browser
            .text("#notice")
            .await
            .contains("Protect your account")
    );
    browser.screenshot("security-new").await;

    browser.click("#enroll-device").await;
    browser
        .wait_for_text("#status", "Waiting for your phone")
        .await;
    let uri = scan_screen(&mut browser, "enroll-device").await;
    assert!(uri.starts_with("countersign://enroll?"), "{uri}");
    // "Enter code instead" shows the same enrollment.
    browser.click("#manual summary").await;
    assert_eq!(browser.text("#enrollment-uri").await, uri);
    phone.enroll(&uri).await.unwrap();
    // The page notices by itself.
    browser
        .wait_for_text("#done", "Your phone is enrolled")
        .await;
    browser.screenshot("enrolled").await;
    browser
        .goto(&format!("{}/portal/security", server.base))
        .await;
    assert!(browser.text("#device-status").await.contains("Test iPhone"));

    // Sign out, and in again: now with a push and its number.
    browser.click("#sign-out").await;
    browser.wait_for_text("#notice", "You are signed out").await;
    sign_in(&browser, &server, "jane", PASSWORD).await;
    browser
        .wait_for_text("#status", "Waiting for your approval")
        .await;
    let number = browser.text("#number").await;
    assert!(
        number.len() == 3 && number.bytes().all(|b| b.is_ascii_digit()),
        "{number}"
    );
    assert!(browser.text("#push").await.contains("Countersign portal"));
    browser.screenshot("push-wait").await;
    approve_on_phone(&phone, &number).await;
    browser.wait_for_path("/portal/security").await;
    assert_eq!(browser.text(".who").await, "jane");

    // Denied on the phone: the page says so, and no session is made.
    browser.click("#sign-out").await;
    sign_in(&browser, &server, "jane", PASSWORD).await;
    browser.wait_for_text("#status", "Waiting").await;
    let requests = phone.device.pending(&phone.vault).await.unwrap();
    phone
        .device
        .deny(&phone.vault, &requests[0].id, false)
        .await
        .unwrap();
    browser
        .wait_for_text("#status", "You denied the sign-in")
        .await;
    browser.screenshot("push-denied").await;
    browser
        .goto(&format!("{}/portal/security", server.base))
        .await;
    browser.wait_for_path("/portal/login").await;

    // Unanswered for 60 s: expired, and "try again" is offered.
    sign_in(&browser, &server, "jane", PASSWORD).await;
    browser.wait_for_text("#status", "Waiting").await;
    // A second sign-in while that push is pending is refused, with its wait.
    let mut second = Browser::start("second").await;
    sign_in(&second, &server, "jane", PASSWORD).await;
    second
        .wait_for_text("#notice", "already waiting on your phone")
        .await;
    assert!(second.text("#notice").await.contains("try again in"));
    second.screenshot("pending-limit").await;
    second.finish().await;
    server.clock.advance(61);
    browser.wait_for_text("#status", "expired").await;
    browser.wait_for_text("#try-again", "Try again").await;
    browser.screenshot("push-expired").await;

    browser.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs chromium and chromium-driver (.ci/run installs them)"]
async fn totp_set_up_sign_in_with_a_code_and_reset_the_authenticator_app() {
    let server = server_with("omar").await;
    let mut browser = Browser::start("totp").await;
    sign_in(&browser, &server, "omar", PASSWORD).await;
    browser.wait_for_path("/portal/security").await;

    browser.click("#setup-totp").await;
    let uri = scan_screen(&mut browser, "totp-setup").await;
    let account = parse_otpauth(&uri).unwrap().account;
    assert_eq!(account.name, "omar");
    // Not active until confirmed: a wrong code is refused and says so.
    browser.fill("#code", "000000").await;
    browser.click("#confirm-totp").await;
    browser.wait_for_text("#error", "does not match").await;
    browser.fill("#code", &code_now(&account, &server)).await;
    browser.click("#confirm-totp").await;
    browser
        .wait_for_text("#notice", "authenticator app is set up")
        .await;

    // Sign in again with the password and a code (no phone enrolled).
    browser.click("#sign-out").await;
    sign_in(&browser, &server, "omar", PASSWORD).await;
    browser.wait_for_path("/portal/login/code").await;
    // The code just used to confirm is spent; the next one works.
    browser.fill("#code", &code_now(&account, &server)).await;
    browser.click("#verify-code").await;
    browser
        .wait_for_text("#code-error", "wrong, expired or already used")
        .await;
    server.clock.advance(30);
    browser.fill("#code", &code_now(&account, &server)).await;
    browser.click("#verify-code").await;
    browser.wait_for_path("/portal/security").await;

    // Reset Authenticator App: the current code, then a new secret, confirmed.
    server.clock.advance(30);
    browser
        .fill("#current-code", &code_now(&account, &server))
        .await;
    browser.click("#reset-totp").await;
    let new_uri = scan_screen(&mut browser, "totp-reset").await;
    let new_account = parse_otpauth(&new_uri).unwrap().account;
    assert_ne!(
        new_account.secret.expose_secret(),
        account.secret.expose_secret()
    );
    browser
        .fill("#code", &code_now(&new_account, &server))
        .await;
    browser.click("#confirm-totp").await;
    browser
        .wait_for_text("#notice", "authenticator app is set up")
        .await;
    // The old app's codes no longer sign in.
    browser.click("#sign-out").await;
    sign_in(&browser, &server, "omar", PASSWORD).await;
    server.clock.advance(30);
    browser.fill("#code", &code_now(&account, &server)).await;
    browser.click("#verify-code").await;
    browser.wait_for_text("#code-error", "wrong").await;
    browser.screenshot("old-code-refused").await;
    browser.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs chromium and chromium-driver (.ci/run installs them)"]
async fn guesses_get_one_answer_then_a_lock_and_forms_need_their_token() {
    let server = server_with("jane").await;
    let mut browser = Browser::start("abuse").await;

    // An unknown user and a wrong password read the same.
    sign_in(&browser, &server, "nobody", PASSWORD).await;
    let unknown = browser.text("#error").await;
    sign_in(&browser, &server, "jane", "wrong password").await;
    let wrong = browser.text("#error").await;
    assert_eq!(unknown, wrong);
    assert_eq!(wrong, "The username or password is wrong.");
    browser.screenshot("wrong-password").await;

    // Five wrong passwords for one name lock it, for everyone, right or wrong.
    for _ in 0..4 {
        sign_in(&browser, &server, "jane", "wrong password").await;
    }
    browser
        .wait_for_text("#error", "Too many sign-in attempts")
        .await;
    sign_in(&browser, &server, "jane", PASSWORD).await;
    assert!(
        browser
            .text("#error")
            .await
            .contains("Too many sign-in attempts")
    );
    browser.screenshot("locked").await;
    browser.finish().await;

    // A form posted without this browser's token (another site's form) is
    // refused, and changes nothing.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = http
        .post(format!("{}/portal/login/password", server.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=jane&password=correct+horse+battery")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let headers = response.headers().clone();
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("This form has expired")
    );
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["x-frame-options"], "DENY");
}

/// The reset link in the newest mail of the server's outbox.
fn link_from_outbox(server: &Server) -> String {
    let outbox = server.data_dir().join("outbox");
    let mut mails: Vec<_> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    mails.sort();
    let text = std::fs::read_to_string(mails.last().unwrap()).unwrap();
    assert!(text.contains("To: jane@example.com\r\n"), "{text}");
    text.lines()
        .find(|line| line.starts_with("http://"))
        .unwrap()
        .trim()
        .to_owned()
}

async fn ask_for_a_link(browser: &Browser, server: &Server) -> String {
    browser.goto(&format!("{}/portal/login", server.base)).await;
    browser.click("#forgot").await;
    browser.fill("#who", "jane@example.com").await;
    browser.click("#send-link").await;
    browser.wait_for_text("#notice", "is on its way").await;
    link_from_outbox(server)
}

async fn choose(browser: &Browser, password: &str) {
    browser.fill("#password", password).await;
    browser.fill("#again", password).await;
    browser.click("#set-password").await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs chromium and chromium-driver (.ci/run installs them)"]
async fn a_password_reset_needs_the_mailed_link_and_an_approval_on_the_phone() {
    let server = Server::start().await;
    server
        .admin(
            Method::POST,
            "/v1/admin/users",
            json!({ "name": "jane", "password": PASSWORD, "email": "jane@example.com" }),
        )
        .await;
    let phone = Phone::new(&server, 0);
    phone
        .enroll(&server.enrollment_uri("jane").await)
        .await
        .unwrap();
    let mut browser = Browser::start("reset").await;

    // Unknown addresses get the same answer, and no mail.
    browser
        .goto(&format!("{}/portal/password-reset", server.base))
        .await;
    browser.fill("#who", "nobody@example.com").await;
    browser.click("#send-link").await;
    browser.wait_for_text("#notice", "is on its way").await;
    assert!(!server.data_dir().join("outbox").exists());

    let link = ask_for_a_link(&browser, &server).await;
    browser.goto(&link).await;
    browser.fill("#password", "a brand new one").await;
    browser.fill("#again", "a brand new One").await;
    browser.click("#set-password").await;
    browser.wait_for_text("#error", "differ").await;
    choose(&browser, "a brand new one").await;
    browser
        .wait_for_text("#status", "Waiting for your approval")
        .await;
    browser.screenshot("reset-wait").await;
    let number = browser.text("#number").await;
    let requests = phone.device.pending(&phone.vault).await.unwrap();
    assert_eq!(
        requests[0].kind,
        countersign_core::push::wire::ChallengeKind::PasswordReset
    );
    phone
        .device
        .approve(&phone.vault, &requests[0].id, Some(&number), &NoGate)
        .await
        .unwrap();
    browser
        .wait_for_text("#notice", "Your password is changed")
        .await;
    // The link is spent.
    browser.goto(&link).await;
    browser.wait_for_text("#message", "work once").await;
    sign_in(&browser, &server, "jane", PASSWORD).await;
    browser.wait_for_text("#error", "wrong").await;

    // Denied on the phone: nothing changes, and the link is spent too.
    let link = ask_for_a_link(&browser, &server).await;
    browser.goto(&link).await;
    choose(&browser, "yet another one").await;
    browser.wait_for_text("#status", "Waiting").await;
    let requests = phone.device.pending(&phone.vault).await.unwrap();
    phone
        .device
        .deny(&phone.vault, &requests[0].id, false)
        .await
        .unwrap();
    browser
        .wait_for_text("#status", "your password was not changed")
        .await;
    browser.screenshot("reset-denied").await;
    sign_in(&browser, &server, "jane", "a brand new one").await;
    browser
        .wait_for_text("#status", "Waiting for your approval")
        .await;
    browser.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs chromium and chromium-driver (.ci/run installs them)"]
async fn a_step_up_app_opens_on_approval_and_a_denial_signs_out_everywhere() {
    let server = server_with("jane").await;
    for (id, name, step_up) in [
        ("slack", "Slack", false),
        ("salesforce", "Salesforce", true),
    ] {
        server
            .admin(
                Method::POST,
                "/v1/admin/resources",
                json!({ "id": id, "name": name, "step_up": step_up }),
            )
            .await;
    }
    let phone = Phone::new(&server, 0);
    phone
        .enroll(&server.enrollment_uri("jane").await)
        .await
        .unwrap();
    let mut browser = Browser::start("apps").await;
    sign_in(&browser, &server, "jane", PASSWORD).await;
    browser.wait_for_text("#status", "Waiting").await;
    let number = browser.text("#number").await;
    approve_on_phone(&phone, &number).await;
    browser.wait_for_path("/portal/security").await;

    browser.click("#nav-apps").await;
    assert!(browser.text(".apps").await.contains("requires step-up"));
    browser.screenshot("apps").await;
    browser.click("#open-slack").await;
    browser
        .wait_for_text("h1", "You are signed in to Slack")
        .await;

    // Salesforce asks the phone first.
    browser.goto(&format!("{}/portal/apps", server.base)).await;
    browser.click("#open-salesforce").await;
    browser
        .wait_for_text("#status", "Waiting for your approval")
        .await;
    assert!(browser.text("#push").await.contains("Salesforce"));
    let number = browser.text("#number").await;
    let requests = phone.device.pending(&phone.vault).await.unwrap();
    assert_eq!(
        requests[0].kind,
        countersign_core::push::wire::ChallengeKind::StepUp
    );
    phone
        .device
        .approve(&phone.vault, &requests[0].id, Some(&number), &NoGate)
        .await
        .unwrap();
    browser
        .wait_for_text("h1", "You are signed in to Salesforce")
        .await;

    // Without an approval the app does not open.
    browser
        .goto(&format!("{}/portal/apps/salesforce/launched", server.base))
        .await;
    browser.wait_for_path("/portal/apps").await;

    // Denied: "that was not me" ends every session of the user.
    browser.click("#open-salesforce").await;
    browser.wait_for_text("#status", "Waiting").await;
    let requests = phone.device.pending(&phone.vault).await.unwrap();
    phone
        .device
        .deny(&phone.vault, &requests[0].id, false)
        .await
        .unwrap();
    browser
        .wait_for_text("#status", "signed out everywhere")
        .await;
    browser.screenshot("step-up-denied").await;
    browser
        .goto(&format!("{}/portal/security", server.base))
        .await;
    browser.wait_for_path("/portal/login").await;
    browser.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs chromium and chromium-driver (.ci/run installs them)"]
async fn an_administrator_registers_an_openid_connect_application_in_the_page() {
    let server = Server::start().await;
    let mut browser = Browser::start("admin-oidc").await;
    browser.goto(&format!("{}/admin", server.base)).await;
    browser.wait_for_path("/admin/login").await;
    browser.fill("#token", countersign_testkit::ADMIN).await;
    browser.click("#admin-sign-in").await;
    browser.wait_for_path("/admin").await;
    browser.click("#nav-oidc").await;
    browser.wait_for_path("/admin/oidc").await;
    browser.fill("#name", "Team Wiki").await;
    browser
        .fill("#redirect_uris", "https://wiki.example.com/oauth2/callback")
        .await;
    browser.click("#register-client").await;
    browser.wait_for_element("#created-client-secret").await;
    browser.screenshot("application-registered").await;
    let client_id = browser.text("#created-client-id").await;
    let secret = browser.text("#created-client-secret").await;
    assert!(secret.len() >= 32, "{secret}");
    // The page's client is the API's, with the URI exactly as typed and no
    // secret shown again.
    let client = server
        .admin(
            Method::GET,
            &format!("/v1/admin/oidc/clients/{client_id}"),
            json!({}),
        )
        .await;
    assert_eq!(
        client["redirect_uris"],
        json!(["https://wiki.example.com/oauth2/callback"])
    );
    assert!(client.get("client_secret").is_none(), "{client}");
    browser.goto(&format!("{}/admin/oidc", server.base)).await;
    browser
        .wait_for_element(&format!("#client-{client_id}"))
        .await;
    assert!(!browser.text("#clients").await.contains(&secret));
    assert!(browser.console_errors().await.is_empty());
    browser.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs chromium and chromium-driver (.ci/run installs them)"]
async fn an_administrator_does_in_pages_what_the_admin_api_does() {
    let server = Server::start().await;
    let mut browser = Browser::start("admin").await;
    browser.goto(&format!("{}/admin", server.base)).await;
    browser.wait_for_path("/admin/login").await;
    browser.fill("#token", "not-the-admin-token").await;
    browser.click("#admin-sign-in").await;
    browser.wait_for_text("#error", "not the admin token").await;
    browser.fill("#token", countersign_testkit::ADMIN).await;
    browser.click("#admin-sign-in").await;
    browser.wait_for_path("/admin").await;

    // Users: one invited by mail, one with an initial password.
    browser.fill("#name", "kim").await;
    browser.fill("#email", "kim@example.com").await;
    browser.click("#add-user").await;
    browser
        .wait_for_text("#notice", "a link to choose a password")
        .await;
    let outbox = server.data_dir().join("outbox");
    let invitation = std::fs::read_dir(&outbox).unwrap().next().unwrap().unwrap();
    let invitation = std::fs::read_to_string(invitation.path()).unwrap();
    assert!(invitation.contains("To: kim@example.com"), "{invitation}");
    assert!(
        invitation.contains("/portal/password-reset/pr_"),
        "{invitation}"
    );
    browser.fill("#name", "lee").await;
    browser.fill("#password", PASSWORD).await;
    browser.click("#add-user").await;
    browser.wait_for_text("#notice", "User added").await;
    assert!(browser.text("#users").await.contains("lee"));
    browser.screenshot("users").await;

    // Enroll kim's phone from the QR the admin page shows.
    browser
        .goto(&format!("{}/admin/users/kim", server.base))
        .await;
    browser.click("#issue-enrollment").await;
    let uri = scan_screen(&mut browser, "admin-enrollment").await;
    let phone = Phone::new(&server, 0);
    phone.enroll(&uri).await.unwrap();
    browser
        .goto(&format!("{}/admin/users/kim", server.base))
        .await;
    assert!(browser.text("#device").await.starts_with("enrolled"));

    // A fraud report locks kim's pushes; the admin unlocks them.
    let (id, _) = server.push("kim", "portal", "login").await;
    phone.device.pending(&phone.vault).await.unwrap();
    phone.device.deny(&phone.vault, &id, true).await.unwrap();
    browser
        .goto(&format!("{}/admin/users/kim", server.base))
        .await;
    assert!(browser.text("#locked").await.contains("fraud report"));
    browser.click("#unlock").await;
    browser.wait_for_text("#notice", "Unlocked").await;
    assert_eq!(browser.text("#locked").await, "not locked");

    // Resources with their push limit and step-up; the policy.
    browser.click("#nav-resources").await;
    browser.fill("#id", "vpn").await;
    browser.fill("#name", "Acme VPN").await;
    browser.fill("#max_pending", "2").await;
    browser.click("#step_up").await;
    browser.click("#save-resource").await;
    browser.wait_for_text("#notice", "Saved").await;
    let row = browser.text("#resource-vpn").await;
    assert!(
        row.contains("Acme VPN") && row.contains('2') && row.contains("yes"),
        "{row}"
    );
    browser.fill("#max_pending", "500").await;
    browser.fill("#id", "vpn").await;
    browser.fill("#name", "Acme VPN").await;
    browser.click("#save-resource").await;
    browser
        .wait_for_text("#error", "max_pending is 1 to 100")
        .await;
    browser.click("#nav-policy").await;
    browser.fill("#fraud_lock_seconds", "600").await;
    browser
        .client
        .find(fantoccini::Locator::Css(
            "#number_matching option[value=off]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.click("#save-policy").await;
    browser.wait_for_text("#notice", "Saved").await;
    let policy = server
        .admin(Method::GET, "/v1/admin/policy", json!(null))
        .await;
    assert_eq!(
        (
            policy["number_matching"].as_bool(),
            policy["fraud_lock_seconds"].as_i64()
        ),
        (Some(false), Some(600))
    );

    // The audit log, filtered to kim.
    browser.click("#nav-audit").await;
    browser.fill("#user", "kim").await;
    browser.click("#filter").await;
    browser.wait_for_text("#audit", "fraud_reported").await;
    assert!(!browser.text("#audit").await.contains("lee"));
    browser.screenshot("audit").await;

    // What phones reported (nothing yet on this server), and each resource's
    // risk policy.
    browser.click("#nav-diagnostics").await;
    browser
        .wait_for_text("#diagnostics-about", "Share diagnostic data")
        .await;
    browser.screenshot("diagnostics").await;
    browser.click("#nav-resources").await;
    browser.wait_for_text("#risk", "standard").await;
    browser.screenshot("resources-risk").await;

    // A TOTP secret issued by the admin works at once.
    browser
        .goto(&format!("{}/admin/users/lee", server.base))
        .await;
    browser.click("#issue-totp").await;
    let totp_uri = scan_screen(&mut browser, "admin-totp").await;
    let lee = parse_otpauth(&totp_uri).unwrap().account;
    assert_eq!(browser.text("#totp").await, "set up");
    let verified = server
        .http
        .post(format!("{}/v1/totp/verify", server.base))
        .bearer_auth(countersign_testkit::RP)
        .json(&json!({ "user": "lee", "code": code_now(&lee, &server) }))
        .send()
        .await
        .unwrap();
    assert_eq!(verified.status(), 200);

    // Reset: the phone is gone.
    browser
        .goto(&format!("{}/admin/users/kim", server.base))
        .await;
    browser.screenshot("user-requests").await;
    browser.click("#reset").await;
    browser.wait_for_text("#notice", "reset").await;
    assert_eq!(browser.text("#device").await, "none");
    browser.click("#admin-sign-out").await;
    browser.wait_for_path("/admin/login").await;
    browser.goto(&format!("{}/admin/audit", server.base)).await;
    browser.wait_for_path("/admin/login").await;
    browser.finish().await;
}
