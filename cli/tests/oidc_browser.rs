//! An OpenID Connect client (the `openidconnect` crate, over the workspace's
//! reqwest) signs a user in through the server's provider: headless Chromium
//! does the browser's part (the portal's password page, the consent page),
//! this CLI is the phone that approves or denies the push, and a small
//! listener on 127.0.0.1 is the application's redirect URI. The client
//! library checks the ID token (signature through the JWKS, issuer,
//! audience, nonce); the test checks `amr` and `auth_time`.
//! `#[ignore]`d where Chromium is missing; `.ci/run` runs it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use countersign_testkit::browser::Browser;
use countersign_testkit::cli_phone::CliPhone;
use countersign_testkit::{Server, Setup};
use openidconnect::core::{
    CoreAuthPrompt, CoreAuthenticationFlow, CoreClient, CoreIdTokenClaims, CoreIdTokenVerifier,
    CoreJwsSigningAlgorithm, CoreProviderMetadata, CoreTokenResponse, CoreUserInfoClaims,
};
use openidconnect::{
    AuthenticationContextClass, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use reqwest::{Method, Url};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

const PASSWORD: &str = "correct horse battery";

/// A client as discovery configures it: authorization endpoint known, token
/// and userinfo endpoints as the document says.
type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

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

/// A server (the system's clock, as the CLI reads it), jane with a password
/// and the CLI phone enrolled for her.
async fn set_up() -> (Server, CliPhone, tempfile::TempDir) {
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
    let dir = tempfile::tempdir().unwrap();
    let phone = CliPhone::new(env!("CARGO_BIN_EXE_countersign"), dir.path());
    phone.enroll(enrollment["uri"].as_str().unwrap()).await;
    (server, phone, dir)
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
async fn sign_in_and_answer(browser: &Browser, phone: &CliPhone, approve: bool) {
    browser.wait_for_element("#username").await;
    browser.fill("#username", "jane").await;
    browser.fill("#password", PASSWORD).await;
    browser.click("#sign-in").await;
    browser
        .wait_for_text("#status", "Waiting for your approval")
        .await;
    let number = browser.text("#number").await;
    let requests = phone.pending().await;
    assert_eq!(requests.len(), 1, "{requests:?}");
    let id = requests[0]["id"].as_str().unwrap().to_owned();
    if approve {
        phone.ok(&["approve", &id, "--number", &number]).await;
    } else {
        phone.ok(&["deny", &id]).await;
    }
}

/// One authorization request as the client library builds it.
struct Attempt {
    url: Url,
    state: CsrfToken,
    nonce: Nonce,
    verifier: PkceCodeVerifier,
}

fn attempt(client: &Client, prompt_login: bool) -> Attempt {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("email".into()))
        .set_pkce_challenge(challenge);
    if prompt_login {
        request = request.add_prompt(CoreAuthPrompt::Login);
    }
    let (url, state, nonce) = request.url();
    Attempt {
        url,
        state,
        nonce,
        verifier,
    }
}

/// The code from the redirect, exchanged by the library, and the ID token's
/// claims as its verifier accepts them.
async fn exchange(
    client: &Client,
    verifier: &CoreIdTokenVerifier<'_>,
    attempt: Attempt,
    callback: &Url,
) -> (CoreTokenResponse, CoreIdTokenClaims) {
    let tokens = client
        .exchange_code(AuthorizationCode::new(
            param(callback, "code").expect("a code"),
        ))
        .unwrap()
        .set_pkce_verifier(attempt.verifier)
        .request_async(&http_client)
        .await
        .unwrap();
    let claims = tokens
        .id_token()
        .expect("an ID token")
        .claims(verifier, &attempt.nonce)
        .expect("the library accepts the ID token")
        .clone();
    (tokens, claims)
}

/// The application's client, configured from the provider's discovery document.
async fn client(server: &Server, app: &App, alg: &str) -> Client {
    let (client_id, secret) = register(server, app, alg).await;
    let metadata = CoreProviderMetadata::discover_async(
        IssuerUrl::new(server.base.clone()).unwrap(),
        &http_client,
    )
    .await
    .unwrap();
    CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(client_id),
        Some(ClientSecret::new(secret)),
    )
    .set_redirect_uri(RedirectUrl::new(app.redirect_uri.clone()).unwrap())
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs chromium and chromium-driver (.ci/run installs them)"]
async fn an_oidc_client_signs_jane_in_with_password_and_push() {
    let (server, phone, _dir) = set_up().await;
    let mut app = App::start().await;
    let client = client(&server, &app, "RS256").await;
    let verifier = client.id_token_verifier();

    let first = attempt(&client, false);
    let state = first.state.secret().clone();
    let mut browser = Browser::start("oidc").await;
    browser.goto(first.url.as_str()).await;
    browser.wait_for_path("/portal/login").await;
    sign_in_and_answer(&browser, &phone, true).await;
    browser
        .wait_for_text("#consent-text", "Team Wiki wants to sign you in as jane")
        .await;
    browser.screenshot("consent").await;
    browser.click("#allow").await;

    let callback = app.callback().await;
    assert_eq!(param(&callback, "state"), Some(state));
    let (tokens, claims) = exchange(&client, &verifier, first, &callback).await;
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
    let age = seconds_since(auth_time.timestamp());
    assert!((0..120).contains(&age), "auth_time {age} s ago");
    assert_eq!(
        claims.preferred_username().map(|u| u.as_str()),
        Some("jane")
    );
    let userinfo: CoreUserInfoClaims = client
        .user_info(tokens.access_token().clone(), None)
        .unwrap()
        .request_async(&http_client)
        .await
        .unwrap();
    assert_eq!(userinfo.subject(), claims.subject());
    assert_eq!(
        userinfo.email().map(|e| e.as_str()),
        Some("jane@example.com")
    );

    // Again in the same browser: the session and the consent are
    // remembered, so no push is sent and no page is shown.
    let again = attempt(&client, false);
    browser.goto(again.url.as_str()).await;
    let callback = app.callback().await;
    assert!(phone.pending().await.is_empty(), "no push this time");
    let (_, claims) = exchange(&client, &verifier, again, &callback).await;
    assert_eq!(claims.auth_time(), Some(auth_time), "the same sign-in");

    // prompt=login: a fresh password and push, and a later auth_time.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let fresh = attempt(&client, true);
    browser.goto(fresh.url.as_str()).await;
    browser.wait_for_path("/portal/login").await;
    sign_in_and_answer(&browser, &phone, true).await;
    let callback = app.callback().await;
    let (_, claims) = exchange(&client, &verifier, fresh, &callback).await;
    assert!(
        claims.auth_time().unwrap() > auth_time,
        "a new push was approved"
    );

    // An ES256 client: consent once more (a new application), then the
    // library verifies an ES256 signature through the JWKS.
    let es_client = self::client(&server, &app, "ES256").await;
    let es_verifier = es_client
        .id_token_verifier()
        .set_allowed_algs(vec![CoreJwsSigningAlgorithm::EcdsaP256Sha256]);
    let es = attempt(&es_client, false);
    browser.goto(es.url.as_str()).await;
    browser.wait_for_element("#allow").await;
    browser.click("#allow").await;
    let callback = app.callback().await;
    exchange(&es_client, &es_verifier, es, &callback).await;

    // A sign-out link without jane's ID token asks first; confirmed, the
    // next authorization needs a sign-in again.
    browser.goto(&format!("{}/oidc/logout", server.base)).await;
    browser.wait_for_element("#sign-out-confirm").await;
    browser.screenshot("logout-confirm").await;
    browser.click("#sign-out-confirm").await;
    browser
        .wait_for_text("#message", "You are signed out")
        .await;
    browser.goto(attempt(&client, false).url.as_str()).await;
    browser.wait_for_path("/portal/login").await;
    browser.finish().await;
}

/// Seconds since `at`, by the system clock (the server's too here).
fn seconds_since(at: i64) -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    i64::try_from(now).unwrap() - at
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs chromium and chromium-driver (.ci/run installs them)"]
async fn a_push_denied_on_the_phone_sends_access_denied_to_the_client() {
    let (server, phone, _dir) = set_up().await;
    let mut app = App::start().await;
    let client = client(&server, &app, "RS256").await;
    let denied = attempt(&client, false);
    let browser = Browser::start("oidc-deny").await;
    browser.goto(denied.url.as_str()).await;
    browser.wait_for_path("/portal/login").await;
    sign_in_and_answer(&browser, &phone, false).await;
    let callback = app.callback().await;
    assert_eq!(param(&callback, "error").as_deref(), Some("access_denied"));
    assert_eq!(
        param(&callback, "state").as_deref(),
        Some(denied.state.secret().as_str())
    );
    assert_eq!(param(&callback, "code"), None);
    browser.finish().await;
}
