//! The OpenID Connect provider over HTTP against the real server: discovery,
//! the JWKS and its rotation, the admin's client registration, the
//! authorization endpoint's refusals (a page when the client or redirect URI
//! is not known good, a redirect otherwise), and the token endpoint's (wrong
//! verifier or secret, replayed or expired code). The browser, the phone and
//! a real client library are in cli/tests/oidc_browser.rs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::HashMap;

use common::Harness;
use countersign_server::db::Sql;
use countersign_server::oidc::{jws, keys};
use countersign_testkit::form_browser::{Answer, FormBrowser};
use reqwest::{Method, StatusCode, Url};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery";
const VERIFIER: &str = "a-verifier-of-at-least-43-characters-0123456789";
const REDIRECT: &str = "http://127.0.0.1:9/callback";

fn challenge(verifier: &str) -> String {
    data_encoding::BASE64URL_NOPAD
        .encode(ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes()).as_ref())
}

async fn register(h: &Harness, body: Value) -> Value {
    let response = h
        .admin(Method::POST, "/v1/admin/oidc/clients", Some(body))
        .await;
    assert_eq!(response.status(), 201, "{:?}", response.text().await);
    response.json().await.unwrap()
}

async fn confidential(h: &Harness) -> (String, String) {
    let client = register(
        h,
        json!({ "name": "Wiki", "redirect_uris": [REDIRECT],
                "post_logout_redirect_uris": ["http://127.0.0.1:9/bye"] }),
    )
    .await;
    (
        client["client_id"].as_str().unwrap().to_owned(),
        client["client_secret"].as_str().unwrap().to_owned(),
    )
}

fn authorize_path(client_id: &str, extra: &[(&str, &str)]) -> String {
    let challenge = challenge(VERIFIER);
    let mut pairs = vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", REDIRECT),
        ("scope", "openid profile"),
        ("state", "st-1"),
        ("nonce", "n-1"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    for (name, value) in extra {
        pairs.retain(|(existing, _)| existing != name);
        if !value.is_empty() {
            pairs.push((name, value));
        }
    }
    let url = Url::parse_with_params("http://x/oidc/authorize", &pairs).unwrap();
    format!("{}?{}", url.path(), url.query().unwrap())
}

fn query(url: &str) -> HashMap<String, String> {
    Url::parse(url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

/// Where a continue page sends the browser.
fn continued(answer: &Answer) -> String {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let start = answer.body.find("id=\"continue\"").unwrap();
    let href = answer.body[..start].rfind("href=\"").unwrap() + 6;
    answer.body[href..]
        .split('"')
        .next()
        .unwrap()
        .replace("&#x2f;", "/")
        .replace("&amp;", "&")
}

async fn user(h: &Harness) {
    let response = h
        .admin(
            Method::POST,
            "/v1/admin/users",
            Some(json!({ "name": "jane", "password": PASSWORD, "email": "jane@example.com" })),
        )
        .await;
    assert_eq!(response.status(), 201);
}

/// Signs in (password only: jane has no second factor yet), consents, and
/// returns the code the client receives.
async fn code_for(h: &Harness, browser: &mut FormBrowser, client_id: &str) -> String {
    let answer = browser.get(&authorize_path(client_id, &[])).await;
    let mut location = answer.location.clone().unwrap();
    if location.starts_with("/portal/login?oidc=") {
        let id = location.rsplit('=').next().unwrap().to_owned();
        let page = browser.get(&location).await;
        let csrf = page.csrf().unwrap();
        let signed_in = browser
            .post(
                "/portal/login/password",
                &csrf,
                &[("username", "jane"), ("password", PASSWORD), ("oidc", &id)],
            )
            .await;
        assert_eq!(
            signed_in.location.as_deref(),
            Some(&*format!("/oidc/resume/{id}"))
        );
        location = browser
            .get(&format!("/oidc/resume/{id}"))
            .await
            .location
            .unwrap();
    }
    assert!(location.starts_with("/oidc/consent/"), "{location}");
    let page = browser.get(&location).await;
    assert_eq!(
        page.text_of("consent-text").unwrap(),
        "Wiki wants to sign you in as jane."
    );
    let csrf = page.csrf().unwrap();
    let back = browser
        .post(&location, &csrf, &[("decision", "allow")])
        .await;
    let url = continued(&back);
    assert!(url.starts_with(REDIRECT), "{url}");
    let params = query(&url);
    assert_eq!(params["state"], "st-1");
    assert_eq!(params["iss"], h.base);
    params["code"].clone()
}

async fn exchange(
    h: &Harness,
    basic: Option<(&str, &str)>,
    form: &[(&str, &str)],
) -> (StatusCode, Value) {
    let mut request = h.http.post(format!("{}/oidc/token", h.base)).form(form);
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    let response = request.send().await.unwrap();
    (response.status(), response.json().await.unwrap())
}

fn code_form<'a>(code: &'a str, verifier: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier),
    ]
}

/// `GET /oidc/userinfo` with an access token.
async fn userinfo(h: &Harness, access_token: &str) -> reqwest::Response {
    h.http
        .get(format!("{}/oidc/userinfo", h.base))
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap()
}

async fn jwks(h: &Harness) -> Vec<Value> {
    let body: Value = h
        .http
        .get(format!("{}/oidc/jwks", h.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["keys"].as_array().unwrap().clone()
}

#[tokio::test]
async fn discovery_names_every_endpoint_under_the_public_url() {
    let h = Harness::start().await;
    let response = h
        .http
        .get(format!("{}/.well-known/openid-configuration", h.base))
        .send()
        .await
        .unwrap();
    // Browser applications may read it (and the JWKS, token and userinfo).
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    let document: Value = response.json().await.unwrap();
    let preflight = h
        .http
        .request(Method::OPTIONS, format!("{}/oidc/userinfo", h.base))
        .header("origin", "https://app.example.com")
        .header("access-control-request-headers", "authorization")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
    assert!(
        preflight.headers()["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("Authorization")
    );
    let authorize = h
        .http
        .get(format!("{}/oidc/authorize", h.base))
        .send()
        .await
        .unwrap();
    assert!(
        authorize
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    assert_eq!(document["issuer"], h.base);
    for (name, path) in [
        ("authorization_endpoint", "/oidc/authorize"),
        ("token_endpoint", "/oidc/token"),
        ("userinfo_endpoint", "/oidc/userinfo"),
        ("jwks_uri", "/oidc/jwks"),
        ("end_session_endpoint", "/oidc/logout"),
    ] {
        assert_eq!(document[name], format!("{}{path}", h.base), "{name}");
    }
    assert_eq!(
        document["code_challenge_methods_supported"],
        json!(["S256"])
    );
    assert_eq!(document["response_types_supported"], json!(["code"]));
    assert_eq!(
        document["id_token_signing_alg_values_supported"],
        json!(["RS256", "ES256"])
    );
    assert_eq!(
        document["token_endpoint_auth_methods_supported"],
        json!(["client_secret_basic", "client_secret_post", "none"])
    );
    assert_eq!(document["subject_types_supported"], json!(["public"]));
}

#[tokio::test]
async fn the_jwks_has_its_own_keys_and_rotation_keeps_the_old_ones_for_the_grace_period() {
    let h = Harness::start().await;
    let first = jwks(&h).await;
    let algs: Vec<&str> = first.iter().map(|k| k["alg"].as_str().unwrap()).collect();
    assert!(
        algs.contains(&"RS256") && algs.contains(&"ES256"),
        "{algs:?}"
    );
    assert_eq!(first.len(), 2);
    // Never the push key phones pin.
    h.user("pinner").await;
    let enrollment = h.enrollment_uri("pinner").await;
    let push_key =
        query(&enrollment.replacen("countersign://enroll", "http://x/", 1))["sk"].clone();
    assert!(first.iter().all(|k| k["kid"] != push_key.as_str()));
    for key in &first {
        let mut required = key.as_object().unwrap().clone();
        required.retain(|name, _| ["e", "kty", "n", "crv", "x", "y"].contains(&name.as_str()));
        assert_eq!(key["kid"], keys::thumbprint(&Value::Object(required)));
    }

    let rotated = h
        .admin(Method::POST, "/v1/admin/oidc/keys/rotate", None)
        .await;
    assert_eq!(rotated.status(), 200);
    let rotated: Value = rotated.json().await.unwrap();
    assert_eq!(rotated["kids"].as_array().unwrap().len(), 2);
    let after = jwks(&h).await;
    assert_eq!(after.len(), 4, "the replaced keys stay published");
    for key in &first {
        assert!(after.iter().any(|k| k["kid"] == key["kid"]));
    }
    h.clock.advance(keys::GRACE_SECONDS + 1);
    let later = jwks(&h).await;
    assert_eq!(later.len(), 2);
    assert!(
        later
            .iter()
            .all(|k| first.iter().all(|old| old["kid"] != k["kid"]))
    );
    // Keys older than 90 days are replaced when next needed; the old ones
    // stay published for the grace period.
    h.clock.advance(keys::MAX_AGE_SECONDS);
    let aged = jwks(&h).await;
    assert_eq!(aged.len(), 4);
    for key in &later {
        assert!(aged.iter().any(|k| k["kid"] == key["kid"]));
    }
    let events: Vec<String> = h
        .audit()
        .await
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_owned())
        .collect();
    assert!(events.iter().filter(|e| *e == "oidc_key_rotated").count() >= 6);

    // The private keys are sealed: no PKCS#8 header in the stored rows.
    let stored: Vec<Vec<u8>> = h
        .db()
        .await
        .query_map("SELECT private_key FROM oidc_keys", &[], |row| row.get(0))
        .await
        .unwrap();
    assert!(
        stored
            .iter()
            .all(|key| key[0] == 1 && !key.starts_with(&[0x30]))
    );
}

#[tokio::test]
async fn the_admin_registers_changes_and_deletes_clients() {
    let h = Harness::start().await;
    let created = register(
        &h,
        json!({ "name": "Grafana", "redirect_uris": ["https://grafana.example.com/login/generic_oauth"] }),
    )
    .await;
    let id = created["client_id"].as_str().unwrap();
    assert_eq!(created["type"], "confidential");
    assert_eq!(created["id_token_signed_response_alg"], "RS256");
    assert!(created["client_secret"].as_str().unwrap().len() >= 40);

    let fetched: Value = h
        .admin(Method::GET, &format!("/v1/admin/oidc/clients/{id}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(fetched["name"], "Grafana");
    assert!(
        fetched.get("client_secret").is_none(),
        "the secret is shown once"
    );

    let public = register(
        &h,
        json!({ "name": "CLI", "type": "public", "redirect_uris": ["http://127.0.0.1:8/cb"],
                "id_token_signed_response_alg": "ES256" }),
    )
    .await;
    assert!(public.get("client_secret").is_none());
    assert_eq!(public["token_endpoint_auth_method"], "none");

    for (body, says) in [
        (
            json!({ "name": "A", "redirect_uris": ["http://app.example.com/cb"] }),
            "https",
        ),
        (
            json!({ "name": "A", "redirect_uris": ["https://app/cb#frag"] }),
            "fragment",
        ),
        (json!({ "name": "A", "redirect_uris": [] }), "at least one"),
        (
            json!({ "name": "A", "redirect_uris": ["https://a/cb"], "type": "other" }),
            "type",
        ),
        (
            json!({ "name": "A", "redirect_uris": ["https://a/cb"],
                 "id_token_signed_response_alg": "HS256" }),
            "RS256",
        ),
    ] {
        let response = h
            .admin(Method::POST, "/v1/admin/oidc/clients", Some(body))
            .await;
        assert_eq!(response.status(), 400);
        let problem: Value = response.json().await.unwrap();
        assert!(
            problem["detail"].as_str().unwrap().contains(says),
            "{problem}"
        );
    }

    let changed: Value = h
        .admin(
            Method::PATCH,
            &format!("/v1/admin/oidc/clients/{id}"),
            Some(json!({ "redirect_uris": ["https://grafana.example.com/cb2"] })),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        changed["redirect_uris"],
        json!(["https://grafana.example.com/cb2"])
    );
    let listed: Value = h
        .admin(Method::GET, "/v1/admin/oidc/clients", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["clients"].as_array().unwrap().len(), 2);

    let deleted = h
        .admin(
            Method::DELETE,
            &format!("/v1/admin/oidc/clients/{id}"),
            None,
        )
        .await;
    assert_eq!(deleted.status(), 200);
    let gone = h
        .admin(Method::GET, &format!("/v1/admin/oidc/clients/{id}"), None)
        .await;
    assert_eq!(gone.status(), 404);
    let without_token = h
        .http
        .get(format!("{}/v1/admin/oidc/clients", h.base))
        .send()
        .await
        .unwrap();
    assert_eq!(without_token.status(), 401);
    let events: Vec<String> = h
        .audit()
        .await
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_owned())
        .collect();
    for event in [
        "oidc_client_created",
        "oidc_client_updated",
        "oidc_client_deleted",
    ] {
        assert!(events.iter().any(|e| e == event), "{event}: {events:?}");
    }
}

#[tokio::test]
async fn authorization_errors_are_a_page_until_the_redirect_uri_is_trusted() {
    let h = Harness::start().await;
    let (client_id, _) = confidential(&h).await;
    let mut browser = FormBrowser::new(&h.base);

    let unknown = browser.get(&authorize_path("oc_nobody", &[])).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(unknown.location, None);
    assert!(
        unknown
            .text_of("message")
            .unwrap()
            .contains("not registered")
    );

    for wrong in [
        "http://127.0.0.1:9/callback/",
        "http://127.0.0.1:9/callback?x=1",
        "https://evil.example.com/callback",
        "",
    ] {
        let answer = browser
            .get(&authorize_path(&client_id, &[("redirect_uri", wrong)]))
            .await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{wrong}");
        assert_eq!(answer.location, None, "{wrong}: never a redirect");
    }

    for (extra, error) in [
        (vec![("code_challenge", "")], "invalid_request"),
        (vec![("code_challenge_method", "plain")], "invalid_request"),
        (vec![("code_challenge_method", "")], "invalid_request"),
        (vec![("scope", "profile")], "invalid_request"),
        (
            vec![("response_type", "token")],
            "unsupported_response_type",
        ),
        (vec![("prompt", "none login")], "invalid_request"),
        (vec![("max_age", "soon")], "invalid_request"),
    ] {
        let answer = browser.get(&authorize_path(&client_id, &extra)).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{extra:?}");
        let location = answer.location.unwrap();
        assert!(location.starts_with(REDIRECT), "{location}");
        let params = query(&location);
        assert_eq!(params["error"], error, "{extra:?}");
        assert_eq!(params["state"], "st-1");
        assert!(params.contains_key("error_description"));
    }

    // prompt=none without a session: login_required, back to the client.
    let answer = browser
        .get(&authorize_path(&client_id, &[("prompt", "none")]))
        .await;
    assert_eq!(query(&continued(&answer))["error"], "login_required");
}

#[tokio::test]
async fn codes_are_bound_single_use_short_lived_and_need_the_verifier() {
    let h = Harness::start().await;
    user(&h).await;
    let (client_id, secret) = confidential(&h).await;
    let basic = Some((client_id.as_str(), secret.as_str()));
    let mut browser = FormBrowser::new(&h.base);

    let code = code_for(&h, &mut browser, &client_id).await;
    let wrong_verifier = "b".repeat(43);
    let (status, body) = exchange(&h, basic, &code_form(&code, &wrong_verifier)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    let mut no_verifier = code_form(&code, VERIFIER);
    no_verifier.pop();
    let (_, body) = exchange(&h, basic, &no_verifier).await;
    assert_eq!(body["error"], "invalid_grant");
    let mut other_redirect = code_form(&code, VERIFIER);
    other_redirect[2].1 = "http://127.0.0.1:9/other";
    let (_, body) = exchange(&h, basic, &other_redirect).await;
    assert_eq!(body["error"], "invalid_grant");
    let (status, body) = exchange(
        &h,
        Some((&client_id, "wrong-secret")),
        &code_form(&code, VERIFIER),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );

    // The right exchange (the secret in the body this time).
    let mut form = code_form(&code, VERIFIER);
    form.push(("client_id", &client_id));
    form.push(("client_secret", &secret));
    let (status, tokens) = exchange(&h, None, &form).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    let claims = jws::verify(&jwks(&h).await, tokens["id_token"].as_str().unwrap()).unwrap();
    assert_eq!(claims["iss"], h.base);
    assert_eq!(claims["aud"], client_id.as_str());
    assert_eq!(claims["nonce"], "n-1");
    assert_eq!(
        claims["amr"],
        json!(["pwd"]),
        "jane has no second factor yet"
    );
    assert_eq!(claims["acr"], "urn:countersign:acr:pwd");
    assert_eq!(claims["preferred_username"], "jane");
    assert!(claims["auth_time"].as_i64().unwrap() <= claims["iat"].as_i64().unwrap());

    let access = tokens["access_token"].as_str().unwrap();
    let answer = userinfo(&h, access).await;
    assert_eq!(answer.status(), 200);
    let info: Value = answer.json().await.unwrap();
    assert_eq!(info["sub"], claims["sub"]);
    assert_eq!(info["preferred_username"], "jane");

    // A replay is refused and revokes what the first exchange bought.
    let (status, body) = exchange(&h, basic, &code_form(&code, VERIFIER)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    let revoked = userinfo(&h, access).await;
    assert_eq!(revoked.status(), 401);

    // The session and the consent are remembered: straight back with a code.
    let again = browser.get(&authorize_path(&client_id, &[])).await;
    let code = query(&continued(&again))["code"].clone();
    h.clock.advance(61);
    let (_, body) = exchange(&h, basic, &code_form(&code, VERIFIER)).await;
    assert_eq!(body["error"], "invalid_grant");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("expired")
    );

    // prompt=login sends a signed-in browser to the sign-in page again.
    let fresh = browser
        .get(&authorize_path(&client_id, &[("prompt", "login")]))
        .await;
    assert!(fresh.location.unwrap().starts_with("/portal/login?oidc="));
    let events: Vec<String> = h
        .audit()
        .await
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_owned())
        .collect();
    assert!(events.iter().any(|e| e == "oidc_signed_in"));
    assert!(events.iter().any(|e| e == "oidc_code_replayed"));
}

#[tokio::test]
async fn a_public_client_authenticates_with_pkce_alone_and_gets_es256() {
    let h = Harness::start().await;
    user(&h).await;
    let client = register(
        &h,
        json!({ "name": "Wiki", "type": "public", "redirect_uris": [REDIRECT],
                "id_token_signed_response_alg": "ES256" }),
    )
    .await;
    let client_id = client["client_id"].as_str().unwrap();
    let mut browser = FormBrowser::new(&h.base);
    let code = code_for(&h, &mut browser, client_id).await;
    let mut form = code_form(&code, VERIFIER);
    form.push(("client_id", client_id));
    let (status, tokens) = exchange(&h, None, &form).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let id_token = tokens["id_token"].as_str().unwrap();
    let header: Value = serde_json::from_slice(
        &data_encoding::BASE64URL_NOPAD
            .decode(id_token.split('.').next().unwrap().as_bytes())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], "ES256");
    jws::verify(&jwks(&h).await, id_token).unwrap();
}

#[tokio::test]
async fn logout_ends_the_session_and_returns_only_to_a_registered_uri() {
    let h = Harness::start().await;
    user(&h).await;
    let (client_id, secret) = confidential(&h).await;
    let mut browser = FormBrowser::new(&h.base);
    let code = code_for(&h, &mut browser, &client_id).await;
    let (_, tokens) = exchange(&h, Some((&client_id, &secret)), &code_form(&code, VERIFIER)).await;
    let hint = tokens["id_token"].as_str().unwrap();

    let refused = browser
        .get(&format!(
            "/oidc/logout?client_id={client_id}&post_logout_redirect_uri=https%3A%2F%2Fevil.example.com%2F"
        ))
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.location, None);

    let out = browser
        .get(&format!(
            "/oidc/logout?id_token_hint={hint}&post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fbye&state=s2"
        ))
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(
        out.location.as_deref(),
        Some("http://127.0.0.1:9/bye?state=s2")
    );
    // Signed out: the next authorization asks for a sign-in again.
    let next = browser.get(&authorize_path(&client_id, &[])).await;
    assert!(next.location.unwrap().starts_with("/portal/login?oidc="));
}

#[tokio::test]
async fn logout_without_the_users_id_token_asks_first() {
    let h = Harness::start().await;
    user(&h).await;
    let (client_id, _) = confidential(&h).await;
    let mut browser = FormBrowser::new(&h.base);
    code_for(&h, &mut browser, &client_id).await;

    // A link any page could hold: a question, and still signed in.
    let link = format!(
        "/oidc/logout?client_id={client_id}&post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fbye&state=s3"
    );
    let asked = browser.get(&link).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    assert!(
        asked
            .text_of("logout-text")
            .unwrap()
            .contains("asks to sign you out"),
        "{}",
        asked.body
    );
    let still = browser.get(&authorize_path(&client_id, &[])).await;
    assert!(
        !still
            .location
            .as_deref()
            .unwrap_or_default()
            .starts_with("/portal/login"),
        "still signed in: {:?}",
        still.location
    );

    // Without the page's token the form does nothing.
    let forged = browser
        .post(
            "/oidc/logout",
            "not-the-token",
            &[("client_id", &client_id)],
        )
        .await;
    assert_ne!(forged.status, StatusCode::OK);

    // Confirmed: signed out, then on to the registered URI with the state.
    let csrf = asked.csrf().unwrap();
    let out = browser
        .post(
            "/oidc/logout",
            &csrf,
            &[
                ("client_id", client_id.as_str()),
                ("post_logout_redirect_uri", "http://127.0.0.1:9/bye"),
                ("state", "s3"),
            ],
        )
        .await;
    assert_eq!(out.status, StatusCode::OK, "{}", out.body);
    assert_eq!(out.text_of("continue").as_deref(), Some("Continue to Wiki"));
    // (minijinja escapes the URL's slashes in the page.)
    assert!(
        out.body
            .replace("&#x2f;", "/")
            .contains("url=http://127.0.0.1:9/bye?state=s3"),
        "{}",
        out.body
    );
    let next = browser.get(&authorize_path(&client_id, &[])).await;
    assert!(next.location.unwrap().starts_with("/portal/login?oidc="));
}

#[tokio::test]
async fn the_admin_portal_page_registers_an_application_and_shows_its_secret_once() {
    let h = Harness::start().await;
    let mut browser = FormBrowser::new(&h.base);
    assert_eq!(
        browser.get("/admin/oidc").await.location.as_deref(),
        Some("/admin/login")
    );
    let csrf = browser.get("/admin/login").await.csrf().unwrap();
    browser
        .post(
            "/admin/login",
            &csrf,
            &[("token", countersign_testkit::ADMIN)],
        )
        .await;
    let page = browser.get("/admin/oidc").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("discovery-url"), "{}", page.body);
    assert!(
        page.text_of("discovery-url")
            .unwrap()
            .ends_with("/.well-known/openid-configuration")
    );
    let csrf = page.csrf().unwrap();

    let refused = browser
        .post(
            "/admin/oidc/clients",
            &csrf,
            &[
                ("name", "Wiki"),
                ("redirect_uris", "http://wiki.example.com/cb"),
                ("kind", "confidential"),
                ("alg", "RS256"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.text_of("error").unwrap().contains("https"));

    let created = browser
        .post(
            "/admin/oidc/clients",
            &csrf,
            &[
                ("name", "Wiki"),
                (
                    "redirect_uris",
                    "https://wiki.example.com/cb\r\nhttps://wiki.example.com/cb2\r\n",
                ),
                ("post_logout_redirect_uris", ""),
                ("kind", "confidential"),
                ("alg", "ES256"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let id = created.text_of("created-client-id").unwrap();
    let secret = created.text_of("created-client-secret").unwrap();
    assert!(secret.len() >= 40);
    let api: Value = h
        .admin(Method::GET, &format!("/v1/admin/oidc/clients/{id}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        api["redirect_uris"],
        json!([
            "https://wiki.example.com/cb",
            "https://wiki.example.com/cb2"
        ])
    );
    assert_eq!(api["id_token_signed_response_alg"], "ES256");
    let listed = browser.get("/admin/oidc").await;
    assert!(!listed.body.contains(&secret), "the secret is shown once");

    let forged = browser
        .post(
            &format!("/admin/oidc/clients/{id}/delete"),
            "not-the-token",
            &[],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let deleted = browser
        .post(&format!("/admin/oidc/clients/{id}/delete"), &csrf, &[])
        .await;
    assert!(deleted.text_of("notice").unwrap().contains("deleted"));
    let rotated = browser.post("/admin/oidc/keys/rotate", &csrf, &[]).await;
    assert!(
        rotated
            .text_of("notice")
            .unwrap()
            .contains("New signing keys")
    );
}

#[tokio::test]
async fn a_code_instead_of_the_push_is_otp_in_amr_and_max_age_asks_again() {
    let h = Harness::start().await;
    user(&h).await;
    let account = h.totp_account("jane").await;
    let (client_id, secret) = confidential(&h).await;
    let mut browser = FormBrowser::new(&h.base);

    let answer = browser.get(&authorize_path(&client_id, &[])).await;
    let login = answer.location.unwrap();
    let id = login.rsplit('=').next().unwrap().to_owned();
    let csrf = browser.get(&login).await.csrf().unwrap();
    let second = browser
        .post(
            "/portal/login/password",
            &csrf,
            &[("username", "jane"), ("password", PASSWORD), ("oidc", &id)],
        )
        .await;
    assert_eq!(second.location.as_deref(), Some("/portal/login/code"));
    let csrf = browser.get("/portal/login/code").await.csrf().unwrap();
    let code = account.code_at(h.now()).unwrap().value;
    let signed_in = browser
        .post("/portal/login/code", &csrf, &[("code", &code)])
        .await;
    assert_eq!(
        signed_in.location.as_deref(),
        Some(&*format!("/oidc/resume/{id}"))
    );
    let consent = browser
        .get(&format!("/oidc/resume/{id}"))
        .await
        .location
        .unwrap();
    let csrf = browser.get(&consent).await.csrf().unwrap();
    let back = browser
        .post(&consent, &csrf, &[("decision", "allow")])
        .await;
    let code = query(&continued(&back))["code"].clone();
    let (status, tokens) =
        exchange(&h, Some((&client_id, &secret)), &code_form(&code, VERIFIER)).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let claims = jws::verify(&jwks(&h).await, tokens["id_token"].as_str().unwrap()).unwrap();
    assert_eq!(claims["amr"], json!(["pwd", "otp", "mfa"]));
    assert_eq!(claims["acr"], "urn:countersign:acr:mfa");
    assert_eq!(claims["auth_time"], h.now());

    // max_age: a sign-in younger than it goes straight through; an older one
    // is asked for again.
    h.clock.advance(100);
    let within = browser
        .get(&authorize_path(&client_id, &[("max_age", "3600")]))
        .await;
    assert!(query(&continued(&within)).contains_key("code"));
    let beyond = browser
        .get(&authorize_path(&client_id, &[("max_age", "50")]))
        .await;
    assert!(beyond.location.unwrap().starts_with("/portal/login?oidc="));

    // Cancel on the consent page is access_denied for the application.
    let other = register(&h, json!({ "name": "Other", "redirect_uris": [REDIRECT] })).await;
    let asked = browser
        .get(&authorize_path(other["client_id"].as_str().unwrap(), &[]))
        .await;
    let consent = asked.location.unwrap();
    assert!(consent.starts_with("/oidc/consent/"), "{consent}");
    let csrf = browser.get(&consent).await.csrf().unwrap();
    let cancelled = browser
        .post(&consent, &csrf, &[("decision", "cancel")])
        .await;
    let params = query(&continued(&cancelled));
    assert_eq!(params["error"], "access_denied");
    assert_eq!(params["state"], "st-1");
}

#[tokio::test]
async fn a_reset_ends_the_users_tokens_and_deletion_forgets_its_consents() {
    let h = Harness::start().await;
    user(&h).await;
    let (client_id, secret) = confidential(&h).await;
    let mut browser = FormBrowser::new(&h.base);
    let code = code_for(&h, &mut browser, &client_id).await;
    let (_, tokens) = exchange(&h, Some((&client_id, &secret)), &code_form(&code, VERIFIER)).await;
    let reset = h
        .admin(Method::POST, "/v1/admin/users/jane/reset", None)
        .await;
    assert!(reset.status().is_success());
    let revoked = userinfo(&h, tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(revoked.status(), 401);
    assert_eq!(
        revoked.headers()["www-authenticate"],
        "Bearer error=\"invalid_token\""
    );
    let deleted = h.admin(Method::DELETE, "/v1/admin/users/jane", None).await;
    assert!(deleted.status().is_success());
    let consents: i64 = h
        .db()
        .await
        .query_row("SELECT COUNT(*) FROM oidc_consents", &[], |row| row.get(0))
        .await
        .unwrap();
    assert_eq!(consents, 0);
}
