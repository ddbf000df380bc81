//! JWS made by independent JOSE implementations verify here: jwcrypto (Python),
//! and the examples in docs/protocol.md signed with its published test keys.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use countersign_core::push::EnrollmentUri;
use countersign_core::push::jose::{self, Compact, Jwk, JwsSigner, SoftwareKey};
use countersign_core::push::wire::*;
use ring::digest::{SHA256, digest};

#[test]
fn a_challenge_signed_by_jwcrypto_verifies_and_reads() {
    let fixture: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/jose/jwcrypto_challenge.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let key: Jwk = serde_json::from_value(fixture["jwk"].clone()).unwrap();
    assert_eq!(
        key.thumbprint(),
        fixture["thumbprint"].as_str().unwrap(),
        "RFC 7638 agrees with jwcrypto"
    );
    let compact = Compact::parse(fixture["jws"].as_str().unwrap()).unwrap();
    compact.verify(&key, TYP_CHALLENGE).unwrap();
    let claims: ChallengeClaims = compact.claims().unwrap();
    assert_eq!(claims.kind, ChallengeKind::StepUp);
    assert_eq!(claims.context.location.as_deref(), Some("Lyon, FR"));
    assert_eq!(claims.exp - claims.iat, CHALLENGE_LIFETIME);
}

/// The JSON block that follows `<!-- example: NAME -->` in docs/protocol.md.
fn example(name: &str) -> String {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/protocol.md"))
            .unwrap();
    let marker = format!("<!-- example: {name} -->");
    let after = &doc[doc
        .find(&marker)
        .unwrap_or_else(|| panic!("no example {name}"))
        + marker.len()..];
    let body = after.split_once("```").unwrap().1;
    let body = body.split_once('\n').unwrap().1;
    body.split_once("```").unwrap().0.trim().to_owned()
}

fn json(name: &str) -> serde_json::Value {
    serde_json::from_str(&example(name)).unwrap()
}

/// The doc's example keys: d = SHA-256 of the label.
fn example_key(label: &str, public: &Jwk) -> SoftwareKey {
    let d = digest(&SHA256, label.as_bytes());
    SoftwareKey::from_scalar(d.as_ref(), &public.uncompressed_point().unwrap()).unwrap()
}

/// Parses an example into `T` and back: the doc uses exactly our field names.
fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(name: &str) -> T {
    let value = json(name);
    let typed: T = serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(
        serde_json::to_value(&typed).unwrap(),
        value,
        "{name} round trip"
    );
    typed
}

#[test]
fn the_protocol_document_examples_are_valid_messages() {
    let server_jwk: Jwk = serde_json::from_value(json("server-jwk")).unwrap();
    let device_jwk: Jwk = serde_json::from_value(json("device-jwk")).unwrap();
    assert_eq!(
        server_jwk.thumbprint(),
        "gFl-LXZtuoSkmeCimefg-Bt76csiMvGal2fEh55VAdQ"
    );
    assert_eq!(
        device_jwk.thumbprint(),
        "dE6wSjuxWoE1Cx2VbFIVWv73a1rEAHmlHim4_ZngZUs"
    );
    let server = example_key("countersign example server key", &server_jwk);
    let device = example_key("countersign example device key", &device_jwk);

    let uri = EnrollmentUri::parse(&example("enroll-uri")).unwrap();
    assert_eq!(uri.sk, server_jwk.thumbprint());
    assert_eq!(uri.build(), example("enroll-uri"));

    let enroll: EnrollClaims = round_trip("enroll-payload");
    assert_eq!(enroll.jwk, device_jwk);
    assert_eq!(enroll.token, uri.token);
    let record: DeviceRecord = round_trip("device-record-payload");
    assert_eq!(
        (record.server_jwk.thumbprint(), record.device_jkt.as_str()),
        (
            uri.sk.clone(),
            "dE6wSjuxWoE1Cx2VbFIVWv73a1rEAHmlHim4_ZngZUs"
        )
    );
    let challenge: ChallengeClaims = round_trip("challenge-payload");
    assert_eq!(challenge.exp - challenge.iat, CHALLENGE_LIFETIME);
    assert_eq!(challenge.device, record.device_id);
    let request: RequestClaims = round_trip("request-payload");
    assert_eq!(request.nonce.len(), 22);
    let answer: AnswerClaims = round_trip("answer-payload");
    assert_eq!(answer.challenge, challenge.id);
    let _: AnswerResponse = round_trip("answer-response");
    for (name, kind) in [
        ("problem-expired", ProblemType::Expired),
        ("problem-rate-limited", ProblemType::RateLimited),
    ] {
        let problem: Problem = serde_json::from_value(json(name)).unwrap();
        assert_eq!(problem.kind(), Some(kind));
        assert_eq!(problem.status, kind.status());
    }

    // Each example header is what our signer writes for that message and key.
    for (header, typ, signer, embed) in [
        (
            "enroll-header",
            TYP_ENROLL,
            &device as &dyn JwsSigner,
            false,
        ),
        ("device-record-header", TYP_DEVICE, &server, true),
        ("challenge-header", TYP_CHALLENGE, &server, false),
        ("request-header", TYP_REQUEST, &device, false),
        ("answer-header", TYP_ANSWER, &device, false),
    ] {
        let jws = jose::sign(typ, &serde_json::json!({}), signer, embed).unwrap();
        let compact = Compact::parse(&jws).unwrap();
        assert_eq!(
            serde_json::to_value(&compact.header).unwrap(),
            json(header),
            "{header}"
        );
        compact.verify(&signer.public_jwk(), typ).unwrap();
    }
}
