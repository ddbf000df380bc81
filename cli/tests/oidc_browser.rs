//! An OpenID Connect client (the `openidconnect` crate, over the workspace's
//! reqwest) signs a user in through the server's provider: headless Chromium
//! does the browser's part (the portal's password page, the consent page),
//! this CLI is the phone that approves or denies the push, and a small
//! listener on 127.0.0.1 is the application's redirect URI. The client
//! library checks the ID token (signature through the JWKS, issuer,
//! audience, nonce); the test checks `amr` and `auth_time`.
//! `#[ignore]`d where Chromium is missing; `.ci/run` runs it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use countersign_testkit::browser::Browser;
use countersign_testkit::{Server, Setup};
use openidconnect::core::{
    CoreAuthPrompt, CoreAuthenticationFlow, CoreClient, CoreJwsSigningAlgorithm,
    CoreProviderMetadata,
};
use openidconnect::{
    AuthenticationContextClass, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl,
    Nonce, OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};
use reqwest::{Method, Url};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

const PASSWORD: &str = "correct horse battery";

/// The library's HTTP client: the workspace's reqwest, redirects not followed
/// (as the library asks, so a token request is never sent elsewhere).
async fn http_client(
    request: openidconnect::HttpRequest,
) -> Result<openidconnect::HttpResponse, reqwest::Error> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let response = client.execute(request.try_into()?).await?;
    let mut answer = openidconnect::http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        answer = answer.header(name, value);
    }
    let body = response.bytes().await?.to_vec();
    Ok(answer.body(body).unwrap())
}

/// The application's redirect URI: answers every request with a short page
/// and reports the request target of each `/callback`.
struct App {
    redirect_uri: String,
    callbacks: mpsc::UnboundedReceiver<Url>,
}

impl App {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (send, callbacks) = mpsc::unbounded_channel();
        let origin = base.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                let send = send.clone();
                let origin = origin.clone();
                tokio::spawn(async move {
                    let mut buffer = vec![0u8; 8192];
                    let read = stream.read(&mut buffer).await.unwrap_or(0);
                    let request = String::from_utf8_lossy(&buffer[..read]).into_owned();
                    let target = request.split_whitespace().nth(1).unwrap_or("/").to_owned();
                    let body = "signed in";
                    let _ = stream
                        .write_all(
                            format!(
                                "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                                body.len()
                            )
                            .as_bytes(),
                        )
                        .await;
                    if target.starts_with("/callback") {
                        let _ = send.send(Url::parse(&format!("{origin}{target}")).unwrap());
                    }
                });
            }
        });
        Self {
            redirect_uri: format!("{base}/callback"),
            callbacks,
        }
    }

    async fn callback(&mut self) -> Url {
        tokio::time::timeout(Duration::from_secs(20), self.callbacks.recv())
            .await
            .expect("the browser reached the redirect URI")
            .unwrap()
    }
}

fn param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// Runs the binary off the async runtime, so the in-process server keeps serving.
async fn countersign(dir: &Path, args: &[&str]) -> Output {
    let (dir, args) = (
        dir.to_owned(),
        args.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>(),
    );
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_countersign"))
            .args(&args)
            .env("COUNTERSIGN_VAULT", dir.join("phone.sqlite"))
            .env("COUNTERSIGN_KEY_FILE", dir.join("vault.key"))
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn succeeded(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

async fn pending(phone: &Path) -> Vec<Value> {
    let pending: Value = serde_json::from_str(&succeeded(
        &countersign(phone, &["pending", "--json"]).await,
    ))
    .unwrap();
    pending["requests"].as_array().cloned().unwrap_or_default()
}

/// A server (the system's clock, as the CLI reads it), jane with a password
/// and the CLI phone enrolled for her.
async fn set_up() -> (Server, tempfile::TempDir) {
    let server = Server::start_with(Setup::system_time()).await;
    server
        .admin(
            Method::POST,
            "/v1/admin/users",
            json!({ "name": "jane", "password": PASSWORD, "email": "jane@example.com" }),
        )
        .await;
    let enrollment = server
        .admin(
            Method::POST,
            "/v1/admin/users/jane/enrollments",
            json!({ "kind": "push" }),
        )
        .await;
    let phone = tempfile::tempdir().unwrap();
    succeeded(
        &countersign(
            phone.path(),
            &[
                "enroll",
                enrollment["uri"].as_str().unwrap(),
                "--name",
                "CLI phone",
            ],
        )
        .await,
    );
    (server, phone)
}

async fn register(server: &Server, app: &App, alg: &str) -> (String, String) {
    let client = server
        .admin(
            Method::POST,
            "/v1/admin/oidc/clients",
            json!({ "name": "Team Wiki", "redirect_uris": [app.redirect_uri],
                    "id_token_signed_response_alg": alg }),
        )
        .await;
    (
        client["client_id"].as_str().unwrap().to_owned(),
        client["client_secret"].as_str().unwrap().to_owned(),
    )
}

/// The sign-in page's form, then the push the phone answers.
async fn sign_in_and_answer(browser: &Browser, phone: &Path, approve: bool) {
    browser.wait_for_element("#username").await;
    browser.fill("#username", "jane").await;
    browser.fill("#password", PASSWORD).await;
    browser.click("#sign-in").await;
    browser
        .wait_for_text("#status", "Waiting for your approval")
        .await;
    let number = browser.text("#number").await;
    let requests = pending(phone).await;
    assert_eq!(requests.len(), 1, "{requests:?}");
    let id = requests[0]["id"].as_str().unwrap().to_owned();
    if approve {
        succeeded(&countersign(phone, &["approve", &id, "--number", &number]).await);
    } else {
        succeeded(&countersign(phone, &["deny", &id]).await);
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs chromium and chromium-driver (.ci/run installs them)"]
async fn an_oidc_client_signs_jane_in_with_password_and_push() {
    let (server, phone) = set_up().await;
    let mut app = App::start().await;
    let (client_id, secret) = register(&server, &app, "RS256").await;

    let http = http_client;
    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(server.base.clone()).unwrap(), &http)
            .await
            .unwrap();
    let client = CoreClient::from_provider_metadata(
        metadata.clone(),
        ClientId::new(client_id.clone()),
        Some(ClientSecret::new(secret)),
    )
    .set_redirect_uri(RedirectUrl::new(app.redirect_uri.clone()).unwrap());

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("email".into()))
        .set_pkce_challenge(challenge)
        .url();

    let mut browser = Browser::start("oidc").await;
    browser.goto(url.as_str()).await;
    browser.wait_for_path("/portal/login").await;
    sign_in_and_answer(&browser, phone.path(), true).await;
    browser
        .wait_for_text("#consent-text", "Team Wiki wants to sign you in as jane")
        .await;
    browser.screenshot("consent").await;
    browser.click("#allow").await;

    let callback = app.callback().await;
    assert_eq!(
        param(&callback, "state").as_deref(),
        Some(state.secret().as_str())
    );
    let code = param(&callback, "code").expect("a code");
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .unwrap();
    let id_token = tokens.id_token().expect("an ID token");
    let claims = id_token
        .claims(&client.id_token_verifier(), &nonce)
        .expect("the library accepts the ID token");
    let methods: Vec<String> = claims
        .auth_method_refs()
        .unwrap()
        .iter()
        .map(|m| m.as_str().to_owned())
        .collect();
    assert!(methods.contains(&"pwd".to_owned()), "{methods:?}");
    assert!(methods.contains(&"mfa".to_owned()), "{methods:?}");
    assert!(
        !methods.contains(&"hwk".to_owned()),
        "the CLI's key is not attested"
    );
    assert_eq!(
        claims.auth_context_ref(),
        Some(&AuthenticationContextClass::new(
            "urn:countersign:acr:mfa".into()
        ))
    );
    let auth_time = claims.auth_time().expect("auth_time");
    let age = chrono_age(auth_time.timestamp());
    assert!((0..120).contains(&age), "auth_time {age} s ago");
    assert_eq!(
        claims.preferred_username().map(|u| u.as_str()),
        Some("jane")
    );
    let userinfo: openidconnect::core::CoreUserInfoClaims = client
        .user_info(tokens.access_token().clone(), None)
        .unwrap()
        .request_async(&http)
        .await
        .unwrap();
    assert_eq!(userinfo.subject(), claims.subject());
    assert_eq!(
        userinfo.email().map(|e| e.as_str()),
        Some("jane@example.com")
    );

    // Again in the same browser: the session and the consent are
    // remembered, so no push is sent and no page is shown.
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, _, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge)
        .url();
    browser.goto(url.as_str()).await;
    let callback = app.callback().await;
    assert!(pending(phone.path()).await.is_empty(), "no push this time");
    let tokens = client
        .exchange_code(AuthorizationCode::new(param(&callback, "code").unwrap()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .unwrap();
    let again = tokens
        .id_token()
        .unwrap()
        .claims(&client.id_token_verifier(), &nonce)
        .unwrap()
        .clone();
    assert_eq!(again.auth_time(), Some(auth_time), "the same sign-in");

    // prompt=login: a fresh password and push, and a later auth_time.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, _, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_prompt(CoreAuthPrompt::Login)
        .set_pkce_challenge(challenge)
        .url();
    browser.goto(url.as_str()).await;
    browser.wait_for_path("/portal/login").await;
    sign_in_and_answer(&browser, phone.path(), true).await;
    let callback = app.callback().await;
    let tokens = client
        .exchange_code(AuthorizationCode::new(param(&callback, "code").unwrap()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .unwrap();
    let fresh = tokens
        .id_token()
        .unwrap()
        .claims(&client.id_token_verifier(), &nonce)
        .unwrap()
        .clone();
    assert!(
        fresh.auth_time().unwrap() > auth_time,
        "a new push was approved"
    );

    // An ES256 client: consent once more (a new application), then the
    // library verifies an ES256 signature through the JWKS.
    let (es_id, es_secret) = register(&server, &app, "ES256").await;
    let es_client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(es_id),
        Some(ClientSecret::new(es_secret)),
    )
    .set_redirect_uri(RedirectUrl::new(app.redirect_uri.clone()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, _, nonce) = es_client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge)
        .url();
    browser.goto(url.as_str()).await;
    browser.wait_for_element("#allow").await;
    browser.click("#allow").await;
    let callback = app.callback().await;
    let tokens = es_client
        .exchange_code(AuthorizationCode::new(param(&callback, "code").unwrap()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .unwrap();
    let verifier = es_client
        .id_token_verifier()
        .set_allowed_algs(vec![CoreJwsSigningAlgorithm::EcdsaP256Sha256]);
    tokens
        .id_token()
        .unwrap()
        .claims(&verifier, &nonce)
        .expect("the library accepts the ES256 ID token");
    browser.finish().await;
}

/// Seconds since `at`, by the system clock (the server's too here).
fn chrono_age(at: i64) -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    now - at
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs chromium and chromium-driver (.ci/run installs them)"]
async fn a_push_denied_on_the_phone_sends_access_denied_to_the_client() {
    let (server, phone) = set_up().await;
    let mut app = App::start().await;
    let (client_id, secret) = register(&server, &app, "RS256").await;
    let http = http_client;
    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(server.base.clone()).unwrap(), &http)
            .await
            .unwrap();
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(client_id),
        Some(ClientSecret::new(secret)),
    )
    .set_redirect_uri(RedirectUrl::new(app.redirect_uri.clone()).unwrap());
    let (challenge, _verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, _nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge)
        .url();
    let browser = Browser::start("oidc-deny").await;
    browser.goto(url.as_str()).await;
    browser.wait_for_path("/portal/login").await;
    sign_in_and_answer(&browser, phone.path(), false).await;
    let callback = app.callback().await;
    assert_eq!(param(&callback, "error").as_deref(), Some("access_denied"));
    assert_eq!(
        param(&callback, "state").as_deref(),
        Some(state.secret().as_str())
    );
    assert_eq!(param(&callback, "code"), None);
    browser.finish().await;
}
