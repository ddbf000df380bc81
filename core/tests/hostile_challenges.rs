//! A challenge whose signature is good but whose shown text breaks the
//! protocol's limits (section 6.2): a 60 KB "please approve" in the location,
//! or a newline that forges a second line on the approval screen. The phone
//! refuses it even from its own server (before, it was shown verbatim).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use countersign_core::keys::MemorySecretStore;
use countersign_core::push::PushStore;
use countersign_core::push::device::{PushDevice, PushError, PushRequest};
use countersign_core::push::jose;
use countersign_core::push::wire::{
    Biometric, ChallengeClaims, ChallengeKind, Context, Policy, Resource, TYP_CHALLENGE,
};
use countersign_core::push::{DeviceKeyRef, PushAccount, PushAccountStatus};
use countersign_core::push::{JwsSigner, SoftwareKey};
use countersign_core::{FixedClock, SharedVault, Vault};
use serde_json::json;

const NOW: i64 = 1_767_268_800;

struct Phone {
    _dir: tempfile::TempDir,
    vault: SharedVault,
    device: PushDevice,
    server: SoftwareKey,
}

fn phone() -> Phone {
    let dir = tempfile::tempdir().unwrap();
    let mut vault = Vault::open(
        &dir.path().join("vault.sqlite"),
        Arc::new(MemorySecretStore::new()),
    )
    .unwrap();
    let server = SoftwareKey::generate().unwrap();
    let device_key = SoftwareKey::generate().unwrap();
    vault
        .add_push_account(&PushAccount {
            id: String::new(),
            server_url: "https://mfa.example.com".into(),
            server_jwk: server.public_jwk(),
            device_id: "dv_1".into(),
            user: "alice".into(),
            org: "Example".into(),
            policy: Policy {
                biometric: Biometric::Optional,
                number_matching: false,
            },
            key: DeviceKeyRef::Software(device_key.expose_pkcs8().clone()),
            user_key: None,
            clock_offset: 0,
            status: PushAccountStatus::Active,
            created_at: NOW,
        })
        .unwrap();
    Phone {
        _dir: dir,
        vault: vault.into(),
        device: PushDevice::new(Arc::new(FixedClock::new(NOW))).unwrap(),
        server,
    }
}

fn challenge(id: &str, resource_name: &str, context: Context) -> ChallengeClaims {
    ChallengeClaims {
        id: id.into(),
        device: "dv_1".into(),
        user: "alice".into(),
        kind: ChallengeKind::Login,
        resource: Resource {
            id: "portal".into(),
            name: resource_name.into(),
        },
        context,
        number_matching: false,
        number_choices: None,
        biometric: Biometric::Optional,
        iat: NOW,
        exp: NOW + 60,
        risk: None,
    }
}

/// `claims` signed by the phone's server and delivered as a notification.
fn delivered(phone: &Phone, claims: &ChallengeClaims) -> Result<Option<PushRequest>, PushError> {
    let jws = jose::sign(TYP_CHALLENGE, claims, &phone.server, false).unwrap();
    let payload = json!({ "countersign_challenge": jws });
    phone
        .device
        .handle_push_payload(&phone.vault, payload.to_string().as_bytes())
}

fn deliver(phone: &mut Phone, claims: &ChallengeClaims) -> Result<(), PushError> {
    delivered(phone, claims).map(|_| ())
}

#[test]
fn a_well_formed_challenge_from_the_pinned_key_is_shown() {
    let mut phone = phone();
    let context = Context {
        location: Some("Berlin, DE".into()),
        time: NOW,
        ..Context::default()
    };
    deliver(&mut phone, &challenge("ch_ok", "Salesforce", context)).unwrap();
    assert!(
        phone
            .vault
            .lock()
            .cached_challenge("ch_ok")
            .unwrap()
            .is_some()
    );
}

#[test]
fn over_long_or_multi_line_texts_are_refused_and_not_remembered() {
    let cases = [
        (
            "ch_long",
            "Salesforce",
            Context {
                location: Some("please approve ".repeat(4000)),
                ..Context::default()
            },
            "context.location",
        ),
        (
            "ch_newline",
            "Salesforce",
            Context {
                browser: Some("Firefox\nApproved by your IT department".into()),
                ..Context::default()
            },
            "context.browser",
        ),
        (
            "ch_name",
            &"S".repeat(101),
            Context::default(),
            "resource.name",
        ),
        (
            "ch_bidi",
            "Salesforce",
            Context {
                location: Some("Berlin, DE \u{202E}ED ,nilreB".into()),
                ..Context::default()
            },
            "context.location",
        ),
        (
            "ch_separator",
            "Salesforce",
            Context {
                os: Some("Windows 11\u{2028}Approved by IT".into()),
                ..Context::default()
            },
            "context.os",
        ),
    ];
    for (id, name, context, field) in cases {
        let mut phone = phone();
        let result = deliver(&mut phone, &challenge(id, name, context));
        match result {
            Err(PushError::Unverified { reason }) => assert!(reason.contains(field), "{reason}"),
            other => panic!("{id}: expected the challenge refused, got {other:?}"),
        }
        assert!(phone.vault.lock().cached_challenge(id).unwrap().is_none());
    }
}

/// A cancelling prompt: if the core asks, the approval stops with `Gate`.
struct Cancelling;

#[async_trait::async_trait]
impl countersign_core::push::device::BiometricGate for Cancelling {
    async fn confirm(
        &self,
        _reason: &str,
    ) -> Result<(), countersign_core::push::device::GateError> {
        Err(countersign_core::push::device::GateError::Cancelled)
    }
}

#[tokio::test]
async fn a_signed_high_risk_level_demands_the_number_and_the_user_whatever_else_the_challenge_says()
{
    use countersign_core::push::device::GateError;
    use countersign_core::push::wire::{Risk, RiskLevel, RiskReason};

    let phone = phone();
    // Biometric optional and no number matching in the challenge itself: only
    // the risk claim asks for more.
    let mut claims = challenge("ch_risky", "Salesforce", Context::default());
    claims.risk = Some(Risk {
        level: RiskLevel::High,
        reasons: vec![RiskReason::ImpossibleTravel, RiskReason::NewLocation],
    });
    let request = delivered(&phone, &claims).unwrap().unwrap();
    assert_eq!(request.risk_level, RiskLevel::High);
    assert_eq!(
        request.risk_reasons,
        [RiskReason::ImpossibleTravel, RiskReason::NewLocation]
    );
    assert!(
        !request.answerable_inline(),
        "no Approve on the lock screen"
    );

    // The lock screen's inline Approve: no number, no prompt.
    let inline = phone
        .device
        .approve(&phone.vault, "ch_risky", None, &Cancelling)
        .await;
    assert!(
        matches!(inline, Err(PushError::NumberRequired)),
        "{inline:?}"
    );
    // With the number, the user must still pass the prompt: nothing is sent
    // while it is cancelled.
    let unverified = phone
        .device
        .approve(&phone.vault, "ch_risky", Some("42"), &Cancelling)
        .await;
    assert!(
        matches!(unverified, Err(PushError::Gate(GateError::Cancelled))),
        "{unverified:?}"
    );
    let watch = phone
        .device
        .watch_request(&phone.vault, "ch_risky")
        .unwrap();
    assert!(watch.phone_required && watch.number_matching);
}

#[test]
fn a_medium_risk_level_is_not_answerable_inline_and_an_absent_one_is_low() {
    use countersign_core::push::wire::{Risk, RiskLevel};

    let phone = phone();
    let mut claims = challenge("ch_medium", "Salesforce", Context::default());
    claims.risk = Some(Risk {
        level: RiskLevel::Medium,
        reasons: vec![],
    });
    let request = delivered(&phone, &claims).unwrap().unwrap();
    assert_eq!(request.risk_level, RiskLevel::Medium);
    assert!(!request.answerable_inline());
    let plain = challenge("ch_plain", "Salesforce", Context::default());
    let request = delivered(&phone, &plain).unwrap().unwrap();
    assert_eq!(request.risk_level, RiskLevel::Low);
    assert!(request.answerable_inline());
}
