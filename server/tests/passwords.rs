//! Portal passwords over HTTP: set by the admin API, stored only as Argon2id
//! hashes, never silently ignored; the portal's sign-in form throttles per
//! account name and per address and answers an unknown user and a wrong
//! password alike. (The pages themselves are driven in a browser in
//! testkit/tests/portal_browser.rs.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::Harness;
use countersign_server::db::Sql;
use countersign_testkit::form_browser::FormBrowser;
use reqwest::{Method, StatusCode};
use serde_json::json;

const PASSWORD: &str = "correct horse battery";

async fn user_with_password(h: &Harness, name: &str) {
    let response = h
        .admin(
            Method::POST,
            "/v1/admin/users",
            Some(json!({ "name": name, "password": PASSWORD })),
        )
        .await;
    assert_eq!(response.status(), 201, "{:?}", response.text().await);
}

#[tokio::test]
async fn passwords_are_stored_as_argon2id_hashes_only() {
    let h = Harness::start().await;
    user_with_password(&h, "jane").await;
    let stored: String = h
        .db()
        .await
        .query_row(
            "SELECT password_hash FROM users WHERE name = 'jane'",
            &[],
            |row| row.get(0),
        )
        .await
        .unwrap();
    assert!(stored.starts_with("$argon2id$v=19$"), "{stored}");
    let everything = h.database_dump();
    assert!(
        !everything
            .windows(PASSWORD.len())
            .any(|window| window == PASSWORD.as_bytes()),
        "the password itself is nowhere in the database file"
    );
}

#[tokio::test]
async fn a_weak_password_or_one_for_an_existing_user_is_refused_not_ignored() {
    let h = Harness::start().await;
    let short = h
        .admin(
            Method::POST,
            "/v1/admin/users",
            Some(json!({ "name": "jane", "password": "short" })),
        )
        .await;
    assert_eq!(short.status(), 400);
    assert!(
        short
            .text()
            .await
            .unwrap()
            .contains("at least 8 characters")
    );
    user_with_password(&h, "jane").await;
    // Creating her again changes nothing and is said so.
    let again = h
        .admin(
            Method::POST,
            "/v1/admin/users",
            Some(json!({ "name": "jane" })),
        )
        .await;
    assert_eq!(again.status(), 200);
    assert_eq!(
        again.json::<serde_json::Value>().await.unwrap()["created"],
        false
    );
    let with_password = h
        .admin(
            Method::POST,
            "/v1/admin/users",
            Some(json!({ "name": "jane", "password": "another password" })),
        )
        .await;
    assert_eq!(with_password.status(), 400);
    let audit = h
        .admin(Method::GET, "/v1/admin/audit", None)
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let created = audit["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["event"] == "user_created")
        .count();
    assert_eq!(created, 1, "{audit}");
    // The password is changed where it says: and the old one stops working.
    let set = h
        .admin(
            Method::PUT,
            "/v1/admin/users/jane/password",
            Some(json!({ "password": "a new password" })),
        )
        .await;
    assert_eq!(set.status(), 200);
    let mut browser = FormBrowser::new(&h.base);
    let old = browser.sign_in("jane", PASSWORD).await;
    assert_eq!(
        old.text_of("error").as_deref(),
        Some("The username or password is wrong.")
    );
    let new = browser.sign_in("jane", "a new password").await;
    assert_eq!(
        (new.status, new.location.as_deref()),
        (
            StatusCode::SEE_OTHER,
            Some("/portal/security?notice=enroll")
        )
    );
    let missing = h
        .admin(
            Method::PUT,
            "/v1/admin/users/nobody/password",
            Some(json!({ "password": "a new password" })),
        )
        .await;
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn one_address_guessing_many_names_is_locked_too() {
    let h = Harness::start().await;
    user_with_password(&h, "jane").await;
    let mut browser = FormBrowser::new(&h.base);
    // Password spraying: one wrong guess each for 20 names from one address.
    for n in 0..20 {
        let answer = browser.sign_in(&format!("user{n}"), "Summer2026!").await;
        let expected = if n < 19 {
            StatusCode::OK
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(answer.status, expected, "{n}: {}", answer.body);
    }
    // Now even the right password waits, from this address.
    let locked = browser.sign_in("jane", PASSWORD).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        locked.text_of("error").as_deref(),
        Some("Too many sign-in attempts. Try again in 60 s.")
    );
    // A minute later the address may try again.
    h.clock.advance(61);
    assert_eq!(
        browser.sign_in("jane", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn the_pages_are_served_where_a_person_looks_for_them() {
    let h = Harness::start().await;
    let mut browser = FormBrowser::new(&h.base);
    for path in ["/", "/portal", "/portal/security"] {
        let response = browser
            .http
            .get(format!("{}{path}", h.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert!(
            response.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/portal/login"),
            "{path}"
        );
    }
    let page = browser.get("/portal/login").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("<form method=\"post\" action=\"/portal/login/password\"")
    );
    let cookie = browser.cookies.join("; ");
    assert!(cookie.starts_with("cs_browser=br_"), "{cookie}");
}

#[tokio::test]
async fn a_user_signs_in_with_a_mail_address_too_and_a_refusal_names_no_one() {
    let h = Harness::start().await;
    let response = h
        .admin(
            Method::POST,
            "/v1/admin/users",
            Some(json!({ "name": "jane", "password": PASSWORD, "email": "jane@example.com" })),
        )
        .await;
    assert_eq!(response.status(), 201);
    let mut browser = FormBrowser::new(&h.base);
    let wrong = browser.sign_in("jane@example.com", "not it at all").await;
    assert_eq!(
        wrong.text_of("error").as_deref(),
        Some("The username or password is wrong.")
    );
    // The form comes back with what was typed, not the account it belongs to.
    assert!(wrong.body.contains("value=\"jane@example.com\""));
    assert!(!wrong.body.contains("value=\"jane\""));
    let right = browser.sign_in("jane@example.com", PASSWORD).await;
    assert_eq!(right.status, StatusCode::SEE_OTHER);
    assert!(
        browser
            .get("/portal/security")
            .await
            .text_of("nav-apps")
            .is_some(),
        "signed in"
    );
}

#[tokio::test]
async fn reset_links_are_limited_per_user_and_per_address() {
    let h = Harness::start().await;
    let response = h
        .admin(
            Method::POST,
            "/v1/admin/users",
            Some(json!({ "name": "jane", "password": PASSWORD, "email": "jane@example.com" })),
        )
        .await;
    assert_eq!(response.status(), 201);
    let mut browser = FormBrowser::new(&h.base);
    let csrf = browser.get("/portal/password-reset").await.csrf().unwrap();
    let mails = || {
        std::fs::read_dir(h.data_dir().join("outbox"))
            .map(|dir| dir.count())
            .unwrap_or(0)
    };
    for n in 1..=10 {
        let answer = browser
            .post(
                "/portal/password-reset/request",
                &csrf,
                &[("who", "jane@example.com")],
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{n}: {}", answer.body);
        assert!(answer.text_of("notice").unwrap().contains("is on its way"));
        assert_eq!(
            mails(),
            n.min(3),
            "at most 3 mails to one user per 15 minutes"
        );
    }
    let refused = browser
        .post(
            "/portal/password-reset/request",
            &csrf,
            &[("who", "someone-else")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        refused.text_of("error").as_deref(),
        Some("Too many requests from your address. Try again in 15 min.")
    );
    h.clock.advance(15 * 60);
    let again = browser
        .post("/portal/password-reset/request", &csrf, &[("who", "jane")])
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(mails(), 4);
}
