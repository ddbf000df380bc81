//! The phone's CPU cost per push: verifying a challenge against the pinned key,
//! and signing an answer (ES256, ring).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use countersign_core::push::jose::{self, Compact, JwsSigner, SoftwareKey};
use countersign_core::push::wire::*;
use criterion::{Criterion, criterion_group, criterion_main};

fn push(c: &mut Criterion) {
    let server = SoftwareKey::generate().unwrap();
    let device = SoftwareKey::generate().unwrap();
    let claims = ChallengeClaims {
        id: "ch_iMaqkvN6_Tpb3ytZijeaBw".into(),
        device: "dv_4K7QJ2M9XH3T".into(),
        user: "alice@example.com".into(),
        kind: ChallengeKind::Login,
        resource: Resource {
            id: "salesforce".into(),
            name: "Salesforce".into(),
        },
        context: Context {
            ip: Some("203.0.113.24".into()),
            location: Some("Berlin, DE".into()),
            browser: Some("Firefox 133".into()),
            os: Some("Windows 11".into()),
            time: 1767269998,
            ..Context::default()
        },
        number_matching: true,
        number_choices: None,
        biometric: Biometric::Required,
        iat: 1767270000,
        exp: 1767270060,
        risk: None,
    };
    let jws = jose::sign(TYP_CHALLENGE, &claims, &server, false).unwrap();
    let pinned = server.public_jwk();
    c.bench_function("verify_challenge", |b| {
        b.iter(|| {
            let compact = Compact::parse(black_box(&jws)).unwrap();
            compact.verify(&pinned, TYP_CHALLENGE).unwrap();
            compact.claims::<ChallengeClaims>().unwrap()
        })
    });
    let answer = AnswerClaims {
        challenge: claims.id.clone(),
        device: claims.device.clone(),
        decision: Decision::Approve,
        fraud: false,
        number: Some("472".into()),
        uv: true,
        iat: 1767270011,
    };
    c.bench_function("sign_answer", |b| {
        b.iter(|| jose::sign(TYP_ANSWER, black_box(&answer), &device, false).unwrap())
    });
}

criterion_group!(benches, push);
criterion_main!(benches);
