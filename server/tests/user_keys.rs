//! User keys (protocol §4.1 `user_key`, §7.1, ADR 0014): an enrollment that
//! brings an attested key proves user verification by that key's signature;
//! a chain that does not verify leaves the key "claimed"; a policy can require
//! the proof. Chains are made by the test kit (root → CA → leaf) and trusted
//! through `--attestation-roots`' setting.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Harness, Phone, problem};
use countersign_core::push::EnrollmentUri;
use countersign_core::push::jose::{JwsSigner, SoftwareKey};
use countersign_core::push::wire::{
    Decision, KeyAttestation, ProblemType, UserKey, UserVerification,
};
use countersign_server::config::AttestationConfig;
use countersign_server::db::{self, Sql};
use countersign_server::user_keys::attestation_challenge;
use countersign_testkit::Setup;
use countersign_testkit::attestation::{KeyDescriptionSpec, chain_for, trusting};
use data_encoding::BASE64;
use reqwest::StatusCode;
use serde_json::json;
use tempfile::NamedTempFile;

/// A server trusting the roots in a file the test can rewrite (a restart
/// reads it again).
struct Attested {
    h: Harness,
    roots: NamedTempFile,
}

async fn server_trusting(root_pem: &str) -> Attested {
    let (attestation, roots) = trusting(root_pem);
    let h = Harness::start_setup(Setup {
        attestation,
        ..Setup::default()
    })
    .await;
    Attested { h, roots }
}

/// A user key with a chain made for this enrollment `uri` (its token as the
/// challenge) as `spec` says; the chain's root comes back for the server.
fn attested_user_key(uri: &str, spec: KeyDescriptionSpec) -> (SoftwareKey, UserKey, String) {
    let token = EnrollmentUri::parse(uri).unwrap().token;
    let key = SoftwareKey::generate().unwrap();
    let point = key.public_jwk().uncompressed_point().unwrap();
    let chain = chain_for(
        &KeyDescriptionSpec {
            challenge: attestation_challenge(&token),
            ..spec
        },
        &point,
    );
    let claim = UserKey {
        jwk: key.public_jwk(),
        attestation: Some(KeyAttestation {
            format: "android-key".into(),
            chain: chain.chain.iter().map(|der| BASE64.encode(der)).collect(),
        }),
    };
    (key, claim, chain.root_pem)
}

/// A server trusting the chain made for `user`'s enrollment code, and a
/// phone carrying that user key. The code comes from the server, and the chain
/// (its challenge) from the code, so the server starts trusting Google's roots,
/// issues the code, and restarts trusting the chain's root (a restart keeps it).
async fn attested_phone(user: &str, spec: KeyDescriptionSpec) -> (Attested, Phone, String) {
    let first = server_trusting(include_str!("../attestation/google-roots.pem")).await;
    first.h.user(user).await;
    let uri = first.h.enrollment_uri(user).await;
    let (key, claim, root_pem) = attested_user_key(&uri, spec);
    std::fs::write(first.roots.path(), root_pem).unwrap();
    let server = Attested {
        h: first.h.restart().await,
        roots: first.roots,
    };
    let mut phone = Phone::new(&server.h);
    phone.user_key = Some((key, claim));
    (server, phone, uri)
}

async fn stored(h: &Harness, device: &str) -> (Option<String>, Option<String>) {
    let db = h.db().await;
    db.query_row(
        "SELECT user_verification, attestation_detail FROM devices WHERE id = ?1",
        &[db::Value::Text(device.into())],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn an_attested_user_key_proves_user_verification_and_the_device_key_no_longer_can() {
    let (server, mut phone, uri) = attested_phone("ana", KeyDescriptionSpec::default()).await;
    let h = &server.h;
    let record = phone.enroll(&uri).await.unwrap();
    assert_eq!(record.user_verification, Some(UserVerification::Attested));
    assert_eq!(
        stored(h, &phone.device_id).await,
        (Some("attested".into()), Some("tee".into()))
    );
    h.set_policy(json!({ "biometric": "required", "number_matching": false }))
        .await;

    let (id, _) = h.push("ana", "portal").await;
    // The device key's word is not enough any more.
    problem(
        phone
            .answer(&id, Decision::Approve, None, true, false)
            .await,
        ProblemType::UserVerificationRequired,
    )
    .await;
    assert!(
        h.audit()
            .await
            .iter()
            .any(|e| e["outcome"] == "uv_not_proven")
    );
    // Signed by the user key: approved.
    let answer = phone
        .answer_by_user_key(&id, Decision::Approve, None, true)
        .await;
    assert_eq!(answer.status(), StatusCode::OK, "{:?}", answer.text().await);
    assert_eq!(h.push_status(&id).await["status"], "approved");

    // The user key signs approvals with uv only.
    let (id, _) = h.push("ana", "portal").await;
    problem(
        phone
            .answer_by_user_key(&id, Decision::Approve, None, false)
            .await,
        ProblemType::MalformedRequest,
    )
    .await;
    problem(
        phone
            .answer_by_user_key(&id, Decision::Deny, None, false)
            .await,
        ProblemType::MalformedRequest,
    )
    .await;
    // Denying stays the device key's job.
    let deny = phone.answer(&id, Decision::Deny, None, false, false).await;
    assert_eq!(deny.status(), StatusCode::OK);
    // The record the device fetches later says the same.
    let audit = h.audit().await;
    assert!(audit.iter().any(|e| e["event"] == "user_key_attested"));
}

#[tokio::test]
async fn a_chain_that_does_not_verify_leaves_the_key_claimed_and_says_why() {
    // A time-bound key (unlocked for 30 s by any authentication) proves an
    // unlock, not an approval.
    let (server, mut phone, uri) = attested_phone(
        "ben",
        KeyDescriptionSpec {
            auth_timeout: Some(30),
            ..KeyDescriptionSpec::default()
        },
    )
    .await;
    let h = &server.h;
    let record = phone.enroll(&uri).await.unwrap();
    assert_eq!(record.user_verification, Some(UserVerification::Claimed));
    let (verification, detail) = stored(h, &phone.device_id).await;
    assert_eq!(verification.as_deref(), Some("claimed"));
    assert!(
        detail.as_deref().unwrap_or_default().contains("30"),
        "{detail:?}"
    );
    assert!(
        h.audit()
            .await
            .iter()
            .any(|e| e["event"] == "user_key_claimed")
    );
    // A claimed key changes nothing for the device key's uv claim.
    h.set_policy(json!({ "biometric": "required", "number_matching": false }))
        .await;
    let (id, _) = h.push("ben", "portal").await;
    let answer = phone
        .answer(&id, Decision::Approve, None, true, false)
        .await;
    assert_eq!(answer.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_chain_for_another_enrollment_is_not_accepted() {
    let h = Harness::start().await;
    h.user("cem").await;
    let other = h.enrollment_uri("cem").await;
    let (key, claim, root) = attested_user_key(&other, KeyDescriptionSpec::default());
    let server = server_trusting(&root).await;
    server.h.user("cem").await;
    let uri = server.h.enrollment_uri("cem").await;
    let mut phone = Phone::new(&server.h);
    phone.user_key = Some((key, claim));
    let record = phone.enroll(&uri).await.unwrap();
    assert_eq!(record.user_verification, Some(UserVerification::Claimed));
    let (_, detail) = stored(&server.h, &phone.device_id).await;
    assert!(
        detail.as_deref().unwrap_or_default().contains("challenge"),
        "{detail:?}"
    );
}

#[tokio::test]
async fn the_policy_can_require_an_attested_key_and_the_code_survives_a_refusal() {
    let (server, mut phone, uri) = attested_phone("dee", KeyDescriptionSpec::default()).await;
    let h = &server.h;
    h.set_policy(json!({ "require_attested_uv": true })).await;
    let policy = h
        .admin(reqwest::Method::GET, "/v1/admin/policy", None)
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(policy["require_attested_uv"], true);

    // A phone without a user key is refused, and told why.
    let mut plain = Phone::new(h);
    let refused = problem(
        plain.enroll(&uri).await.unwrap_err(),
        ProblemType::AttestationRequired,
    )
    .await;
    assert!(refused["detail"].as_str().unwrap().contains("sent none"));
    // One with a user key but no chain is refused, saying so.
    let (wrong_key, mut wrong_claim, _) = attested_user_key(&uri, KeyDescriptionSpec::default());
    wrong_claim.attestation = None;
    let mut unattested = Phone::new(h);
    unattested.user_key = Some((wrong_key, wrong_claim));
    let refused = problem(
        unattested.enroll(&uri).await.unwrap_err(),
        ProblemType::AttestationRequired,
    )
    .await;
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .contains("no attestation was sent"),
        "{refused}"
    );
    assert!(
        h.audit()
            .await
            .iter()
            .any(|e| e["event"] == "enrollment_refused")
    );
    // The code was not used up: the attested phone enrolls with it.
    let record = phone.enroll(&uri).await.unwrap();
    assert_eq!(record.user_verification, Some(UserVerification::Attested));
}

#[tokio::test]
async fn a_user_key_must_be_a_second_p256_key() {
    let h = Harness::start().await;
    h.user("eve").await;
    let uri = h.enrollment_uri("eve").await;
    let mut phone = Phone::new(&h);
    let same = UserKey {
        jwk: phone.key.public_jwk(),
        attestation: None,
    };
    phone.user_key = Some((SoftwareKey::generate().unwrap(), same));
    let refused = problem(
        phone.enroll(&uri).await.unwrap_err(),
        ProblemType::MalformedRequest,
    )
    .await;
    assert!(refused["detail"].as_str().unwrap().contains("differ"));
    // Without a user key nothing changes: no `user_verification` in the record.
    let mut plain = Phone::new(&h);
    let record = plain.enroll(&uri).await.unwrap();
    assert_eq!(record.user_verification, None);
}

#[tokio::test]
async fn an_unreadable_roots_file_stops_the_server_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let roots = dir.path().join("roots.pem");
    std::fs::write(&roots, "not a certificate").unwrap();
    let config = countersign_server::Config {
        attestation: AttestationConfig {
            roots_file: Some(roots.clone()),
            ..AttestationConfig::default()
        },
        ..countersign_server::Config::loopback(
            dir.path().join("data"),
            "Example",
            countersign_testkit::ADMIN.into(),
            countersign_testkit::RP.into(),
        )
    };
    let error = countersign_server::start(
        &config,
        std::sync::Arc::new(countersign_testkit::TestClock::fixed(
            countersign_testkit::START,
        )),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(error.contains("attestation roots"), "{error}");
    assert!(error.contains("roots.pem"), "{error}");
}

/// OpenID Connect's `hwk` (docs/oidc.md) is the server's word that the
/// approving device's user key is attested: a sign-in approved on such a
/// phone says so in the ID token's `amr`.
#[tokio::test]
async fn an_oidc_sign_in_approved_on_an_attested_phone_has_hwk_in_amr() {
    use countersign_testkit::form_browser::FormBrowser;
    let (server, mut phone, uri) = attested_phone("ana", KeyDescriptionSpec::default()).await;
    let h = &server.h;
    phone.enroll(&uri).await.unwrap();
    let set = h
        .admin(
            reqwest::Method::PUT,
            "/v1/admin/users/ana/password",
            Some(json!({ "password": "correct horse battery" })),
        )
        .await;
    assert!(set.status().is_success());
    let redirect = "http://127.0.0.1:9/cb";
    let client: serde_json::Value = h
        .admin(
            reqwest::Method::POST,
            "/v1/admin/oidc/clients",
            Some(json!({ "name": "Wiki", "type": "public", "redirect_uris": [redirect] })),
        )
        .await
        .json()
        .await
        .unwrap();
    let client_id = client["client_id"].as_str().unwrap();
    let verifier = "v".repeat(43);
    let challenge = data_encoding::BASE64URL_NOPAD
        .encode(ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes()).as_ref());
    let mut browser = FormBrowser::new(&h.base);
    let login = browser
        .get(&format!(
            "/oidc/authorize?response_type=code&client_id={client_id}&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&scope=openid&code_challenge={challenge}&code_challenge_method=S256"
        ))
        .await
        .location
        .unwrap();
    let id = login.rsplit('=').next().unwrap().to_owned();
    let csrf = browser.get(&login).await.csrf().unwrap();
    let waiting = browser
        .post(
            "/portal/login/password",
            &csrf,
            &[
                ("username", "ana"),
                ("password", "correct horse battery"),
                ("oidc", &id),
            ],
        )
        .await
        .location
        .unwrap();
    let page = browser.get(&waiting).await;
    let number = page.text_of("number");
    let push = waiting.rsplit('/').next().unwrap();
    let answered = phone
        .answer_by_user_key(push, Decision::Approve, number.as_deref(), true)
        .await;
    assert_eq!(
        answered.status(),
        StatusCode::OK,
        "{:?}",
        answered.text().await
    );
    let resume = browser.get(&waiting).await.location.unwrap();
    assert_eq!(resume, format!("/oidc/resume/{id}"));
    let consent = browser.get(&resume).await.location.unwrap();
    let csrf = browser.get(&consent).await.csrf().unwrap();
    let back = browser
        .post(&consent, &csrf, &[("decision", "allow")])
        .await;
    let start = back.body.find("url=").unwrap() + 4;
    let url = back.body[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&#x2f;", "/")
        .replace("&amp;", "&");
    let code = reqwest::Url::parse(&url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let tokens: serde_json::Value = h
        .http
        .post(format!("{}/oidc/token", h.base))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", redirect),
            ("code_verifier", &verifier),
            ("client_id", client_id),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let payload = tokens["id_token"]
        .as_str()
        .unwrap()
        .split('.')
        .nth(1)
        .unwrap();
    let claims: serde_json::Value = serde_json::from_slice(
        &data_encoding::BASE64URL_NOPAD
            .decode(payload.as_bytes())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["amr"], json!(["pwd", "mfa", "hwk"]));
}
