//! The phone's core with a user key (ADR 0014) against the reference server:
//! the "hardware" here makes a key only a passed prompt can use and attests
//! it under a test root the server trusts, as Android Keystore does with
//! Google's. Approvals that need the user are signed by that key, after its
//! prompt; a refused prompt signs nothing; an invalidated key says to enroll
//! again; a phone whose hardware makes no user key keeps the gate.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use countersign_core::push::PushStore;
use countersign_core::push::device::{
    BiometricGate, CreatedUserKey, DeviceSigner, GateError, NoGate, PushDevice, PushError,
    UserKeySigner,
};
use countersign_core::push::jose::{Jwk, JwsSigner, SoftwareKey};
use countersign_testkit::attestation::{AttestationAuthority, KeyDescriptionSpec, trusting};
use countersign_testkit::{Phone, Server, Setup};
use reqwest::Method;
use serde_json::json;
use tempfile::NamedTempFile;

/// What the next user-key prompt does.
#[derive(Clone)]
enum Prompt {
    Pass,
    Refuse(GateError),
    KeyInvalidated,
}

struct Enclave {
    /// `None`: this hardware makes no user keys (Android before 11).
    authority: Option<AttestationAuthority>,
    keys: Mutex<HashMap<String, Arc<SoftwareKey>>>,
    prompts: Mutex<Vec<String>>,
    next: Mutex<Prompt>,
}

impl Enclave {
    fn new(authority: Option<AttestationAuthority>) -> Arc<Self> {
        Arc::new(Self {
            authority,
            keys: Mutex::default(),
            prompts: Mutex::default(),
            next: Mutex::new(Prompt::Pass),
        })
    }

    fn key(&self, alias: &str) -> Result<Arc<SoftwareKey>, String> {
        self.keys
            .lock()
            .unwrap()
            .get(alias)
            .cloned()
            .ok_or_else(|| "no such key".to_owned())
    }

    fn make(&self, alias: &str) -> Arc<SoftwareKey> {
        let key = Arc::new(SoftwareKey::generate().unwrap());
        self.keys
            .lock()
            .unwrap()
            .insert(alias.to_owned(), key.clone());
        key
    }
}

struct Held(Arc<SoftwareKey>);

impl JwsSigner for Held {
    fn public_jwk(&self) -> Jwk {
        self.0.public_jwk()
    }
    fn sign_es256(&self, message: &[u8]) -> Result<Vec<u8>, countersign_core::push::JoseError> {
        self.0.sign_es256(message)
    }
}

/// The enclave as the core sees it (the test keeps its own `Arc` to look in).
struct Hardware(Arc<Enclave>);

struct UserKey {
    enclave: Arc<Enclave>,
    key: Arc<SoftwareKey>,
}

#[async_trait::async_trait]
impl UserKeySigner for UserKey {
    fn public_jwk(&self) -> Jwk {
        self.key.public_jwk()
    }

    async fn sign_for_user(&self, message: &[u8], reason: &str) -> Result<Vec<u8>, GateError> {
        self.enclave.prompts.lock().unwrap().push(reason.to_owned());
        let next = self.enclave.next.lock().unwrap().clone();
        match next {
            Prompt::Pass => Ok(self.key.sign_es256(message).unwrap()),
            Prompt::Refuse(error) => Err(error),
            Prompt::KeyInvalidated => Err(GateError::KeyInvalidated),
        }
    }
}

impl DeviceSigner for Hardware {
    fn create(&self, alias: &str) -> Result<Box<dyn JwsSigner>, String> {
        Ok(Box::new(Held(self.0.make(alias))))
    }

    fn open(&self, alias: &str) -> Result<Box<dyn JwsSigner>, String> {
        Ok(Box::new(Held(self.0.key(alias)?)))
    }

    fn create_user_key(
        &self,
        alias: &str,
        challenge: &[u8],
    ) -> Result<Option<CreatedUserKey>, String> {
        let Some(authority) = &self.0.authority else {
            return Ok(None);
        };
        let key = self.0.make(alias);
        let point = key.public_jwk().uncompressed_point().unwrap();
        let spec = KeyDescriptionSpec {
            challenge: challenge.to_vec(),
            ..KeyDescriptionSpec::default()
        };
        Ok(Some(CreatedUserKey {
            jwk: key.public_jwk(),
            attestation_chain: authority.issue(&spec, &point),
        }))
    }

    fn user_key(&self, alias: &str) -> Result<Box<dyn UserKeySigner>, String> {
        Ok(Box::new(UserKey {
            enclave: self.0.clone(),
            key: self.0.key(alias)?,
        }))
    }
}

/// A gate that must not be asked: the user key's prompt replaces it.
struct NoGateExpected;

#[async_trait::async_trait]
impl BiometricGate for NoGateExpected {
    async fn confirm(&self, _reason: &str) -> Result<(), GateError> {
        panic!("the gate ran although the user key verifies the user");
    }
}

/// A server trusting `authority`'s root, with `biometric: required`.
async fn server_trusting(authority: &AttestationAuthority) -> (Server, NamedTempFile) {
    let (attestation, roots) = trusting(&authority.root_pem());
    let server = Server::start_with(Setup {
        attestation,
        ..Setup::default()
    })
    .await;
    server
        .admin(
            Method::PUT,
            "/v1/admin/policy",
            json!({ "biometric": "required", "number_matching": false }),
        )
        .await;
    (server, roots)
}

fn phone_with(server: &Server, enclave: &Arc<Enclave>) -> Phone {
    let hardware = Arc::new(Hardware(enclave.clone()));
    Phone::with_device(server, 0, |clock| {
        PushDevice::new(clock).unwrap().with_hardware_keys(hardware)
    })
}

async fn user_verification(server: &Server, device: &str) -> Option<String> {
    let db = server.running.state.db().await.unwrap();
    countersign_server::store::device(&db, device)
        .await
        .unwrap()
        .and_then(|device| device.user_verification)
}

#[tokio::test]
async fn approvals_that_need_the_user_are_signed_by_the_attested_user_key() {
    let authority = AttestationAuthority::new();
    let (server, _roots) = server_trusting(&authority).await;
    let enclave = Enclave::new(Some(authority));
    let phone = phone_with(&server, &enclave);
    let uri = server.enrollment_uri("ines").await;
    let account = phone.enroll(&uri).await.unwrap();
    let alias = account.user_key.clone().expect("a user key was made");
    assert!(enclave.keys.lock().unwrap().contains_key(&alias));
    // Kept in the vault, across a reopen of the account list.
    assert_eq!(
        phone.vault.lock().push_accounts().unwrap()[0].user_key,
        Some(alias)
    );
    assert_eq!(
        user_verification(&server, &account.device_id)
            .await
            .as_deref(),
        Some("attested")
    );

    let (id, _) = server.push("ines", "portal", "login").await;
    phone.device.pending(&phone.vault).await.unwrap();
    phone
        .device
        .approve(&phone.vault, &id, None, &NoGateExpected)
        .await
        .unwrap();
    assert_eq!(server.status(&id).await["status"], "approved");
    let prompts = enclave.prompts.lock().unwrap().clone();
    assert_eq!(prompts.len(), 1);
    assert!(prompts[0].contains("Countersign portal"), "{prompts:?}");

    // A cancelled prompt signs nothing: the request stays open.
    let (id, _) = server.push("ines", "portal", "login").await;
    phone.device.pending(&phone.vault).await.unwrap();
    *enclave.next.lock().unwrap() = Prompt::Refuse(GateError::Cancelled);
    let refused = phone
        .device
        .approve(&phone.vault, &id, None, &NoGateExpected)
        .await;
    assert!(
        matches!(refused, Err(PushError::Gate(GateError::Cancelled))),
        "{refused:?}"
    );
    assert_eq!(server.status(&id).await["status"], "pending");

    // The screen lock changed: the key is gone for good, and the user is told
    // to enroll again, not to retry.
    *enclave.next.lock().unwrap() = Prompt::KeyInvalidated;
    let invalidated = phone
        .device
        .approve(&phone.vault, &id, None, &NoGateExpected)
        .await
        .unwrap_err();
    assert!(
        matches!(invalidated, PushError::Gate(GateError::KeyInvalidated)),
        "{invalidated:?}"
    );
    assert!(invalidated.to_string().contains("enroll"), "{invalidated}");
    assert_eq!(server.status(&id).await["status"], "pending");

    // Denying needs no prompt and is signed by the device key.
    let prompts_before = enclave.prompts.lock().unwrap().len();
    phone.device.deny(&phone.vault, &id, false).await.unwrap();
    assert_eq!(server.status(&id).await["status"], "denied");
    assert_eq!(enclave.prompts.lock().unwrap().len(), prompts_before);
}

#[tokio::test]
async fn an_organisation_that_requires_attestation_enrolls_the_phone_that_brings_it() {
    let authority = AttestationAuthority::new();
    let (server, _roots) = server_trusting(&authority).await;
    server
        .admin(
            Method::PUT,
            "/v1/admin/policy",
            json!({ "require_attested_uv": true }),
        )
        .await;
    // A phone without a user key (older Android) is refused with the reason.
    let old_phone = phone_with(&server, &Enclave::new(None));
    let uri = server.enrollment_uri("jon").await;
    let refused = old_phone.enroll(&uri).await.unwrap_err();
    assert!(
        refused.to_string().contains("attested user key"),
        "{refused}"
    );
    assert!(old_phone.vault.lock().push_accounts().unwrap().is_empty());
    // The same code then enrolls a phone that has one.
    let phone = phone_with(&server, &Enclave::new(Some(authority)));
    let account = phone.enroll(&uri).await.unwrap();
    assert!(account.user_key.is_some());
}

#[tokio::test]
async fn a_phone_without_user_keys_keeps_the_biometric_gate() {
    let authority = AttestationAuthority::new();
    let (server, _roots) = server_trusting(&authority).await;
    let phone = phone_with(&server, &Enclave::new(None));
    let uri = server.enrollment_uri("kai").await;
    let account = phone.enroll(&uri).await.unwrap();
    assert_eq!(account.user_key, None);
    assert_eq!(user_verification(&server, &account.device_id).await, None);
    let (id, _) = server.push("kai", "portal", "login").await;
    phone.device.pending(&phone.vault).await.unwrap();
    // No gate, no approval...
    let refused = phone.device.approve(&phone.vault, &id, None, &NoGate).await;
    assert!(matches!(refused, Err(PushError::Gate(_))), "{refused:?}");
    // ...and with one, the device's claim is accepted as before.
    struct Passes;
    #[async_trait::async_trait]
    impl BiometricGate for Passes {
        async fn confirm(&self, _reason: &str) -> Result<(), GateError> {
            Ok(())
        }
    }
    phone
        .device
        .approve(&phone.vault, &id, None, &Passes)
        .await
        .unwrap();
    assert_eq!(server.status(&id).await["status"], "approved");
}
