//! The surface the apps call, driven from Rust with Rust implementations of the
//! platform traits: vault, codes, errors, scanning and a push approved end to end.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use common::MemoryKeyStore;
use countersign_core::scan::{ScanPayload, classify};
use countersign_core::{Clock, SystemClock};
use countersign_ffi::*;
use countersign_testkit::{Server, Setup};
use reqwest::Method;
use serde_json::json;

struct BrokenKeyStore;

impl KeyStore for BrokenKeyStore {
    fn load(&self, _: String) -> Result<Option<Vec<u8>>, FfiError> {
        Err(FfiError::Platform {
            reason: "Keystore is locked".into(),
        })
    }
    fn store(&self, _: String, _: Vec<u8>) -> Result<(), FfiError> {
        Err(FfiError::Platform {
            reason: "Keystore is locked".into(),
        })
    }
    fn delete(&self, _: String) -> Result<(), FfiError> {
        Ok(())
    }
}

struct Prompt(BiometricOutcome);

#[async_trait::async_trait]
impl BiometricPrompt for Prompt {
    async fn confirm(&self, _reason: String) -> Result<BiometricOutcome, FfiError> {
        Ok(self.0)
    }
}

use common::open_loopback as open;

/// `add_account` reads a code by the scanner's rules: what a scan calls an
/// account adds as one, and anything else says what it is instead.
#[tokio::test]
async fn an_account_is_added_from_whatever_the_scanner_calls_an_account() {
    let dir = tempfile::tempdir().unwrap();
    let app = open(&dir);
    let pia = "pia://totp/privacyIDEA:alice?secret=JBSWY3DPEHPK3PXP&issuer=privacyIDEA";
    let scanned = classify(pia);
    assert!(matches!(scanned, ScanPayload::Otpauth(_)), "{scanned:?}");
    app.add_account(pia.into()).await.unwrap();
    let accounts = app.accounts(None).await.unwrap();
    assert_eq!(
        (accounts.len(), accounts[0].issuer.as_deref()),
        (1, Some("privacyIDEA"))
    );
    let enrollment = app
        .add_account("countersign://enroll?v=1&url=https%3A%2F%2Fmfa.example".into())
        .await;
    assert!(
        matches!(&enrollment, Err(FfiError::InvalidInput { reason }) if reason.contains("enroll it for push")),
        "{enrollment:?}"
    );
}

#[tokio::test]
async fn accounts_and_the_codes_view_in_one_call() {
    let dir = tempfile::tempdir().unwrap();
    let app = open(&dir);
    let id = app
        .add_account(
            "otpauth://totp/GitHub:jane?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=GitHub"
                .into(),
        )
        .await
        .unwrap();
    app.add_account("otpauth://hotp/Bank:me?secret=JBSWY3DPEHPK3PXP&counter=0".into())
        .await
        .unwrap();
    let view = app.codes().await.unwrap();
    assert_eq!(view.items.len(), 2);
    assert_eq!(view.items[0].id, id);
    assert_eq!(view.items[0].code.as_ref().unwrap().len(), 6);
    assert!(view.items[0].seconds_left.unwrap() <= 30);
    assert_eq!(view.items[1].hotp_counter, Some(0));
    let accounts = app.accounts(Some("bank".into())).await.unwrap();
    assert_eq!(
        (accounts.len(), accounts[0].kind, accounts[0].weak_secret),
        (1, AccountKind::Hotp, true)
    );
    assert_eq!(
        app.next_hotp_code(accounts[0].id.clone())
            .await
            .unwrap()
            .len(),
        6
    );
    assert_eq!(app.protect_id().await.len(), 19);
    assert!(app.diagnostics_enabled().await.unwrap());
}

#[tokio::test]
async fn errors_arrive_as_the_flat_enum_with_their_message() {
    let dir = tempfile::tempdir().unwrap();
    let app = open(&dir);
    match app
        .add_account("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=4".into())
        .await
    {
        Err(FfiError::InvalidInput { reason }) => assert!(reason.contains("digits"), "{reason}"),
        other => panic!("{other:?}"),
    }
    let uri = "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP".to_owned();
    app.add_account(uri.clone()).await.unwrap();
    assert!(matches!(
        app.add_account(uri).await,
        Err(FfiError::Duplicate { .. })
    ));
    assert!(matches!(
        app.delete_account("nope".into()).await,
        Err(FfiError::NotFound { .. })
    ));
    let broken = Authenticator::open(
        dir.path().join("other.sqlite").to_str().unwrap().into(),
        Arc::new(BrokenKeyStore),
        None,
    );
    assert!(
        matches!(broken, Err(FfiError::KeyStore { reason }) if reason.contains("Keystore is locked"))
    );
}

#[test]
fn scanning_an_image_and_bad_frames() {
    let png = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/testdata/import/google_authenticator_migration/example_export.png"),
    )
    .unwrap();
    let item = scan_image(png.clone()).unwrap().unwrap();
    assert_eq!(item.kind, ScanKind::MigrationBatch);
    // The shell's cancellation handle stops a scan; a fresh one lets it run.
    let cancellation = Arc::new(ScanCancellation::new());
    cancellation.cancel();
    assert!(matches!(
        scan_image_cancellable(png.clone(), cancellation),
        Err(FfiError::Cancelled { .. })
    ));
    let found = scan_image_cancellable(png, Arc::new(ScanCancellation::new())).unwrap();
    assert_eq!(found.unwrap().kind, ScanKind::MigrationBatch);
    assert!(matches!(
        scan_luma_frame(100, 100, 100, 0, vec![0; 10]),
        Err(FfiError::InvalidInput { .. })
    ));
    assert!(matches!(
        scan_luma_frame(10, 10, 10, 45, vec![0; 100]),
        Err(FfiError::InvalidInput { .. })
    ));
    let scanner = Scanner::new();
    assert_eq!(
        scanner
            .push_frame(64, 64, 64, 0, vec![255; 64 * 64])
            .unwrap(),
        None
    );
    assert!(!scanner.is_finished());
}

#[tokio::test]
async fn a_push_is_enrolled_received_and_approved_through_the_surface() {
    let dir = tempfile::tempdir().unwrap();
    // The Authenticator reads the system clock, so the server does too.
    let server = Server::start_with(Setup::system_time()).await;
    server
        .admin(
            Method::PUT,
            "/v1/admin/policy",
            json!({ "biometric": "required" }),
        )
        .await;
    let uri = server.enrollment_uri("jane").await;

    let app = open(&dir);
    let account = app
        .enroll_push(
            uri,
            SystemClock.now(),
            "Pixel".into(),
            "android".into(),
            None,
            false,
        )
        .await
        .unwrap();
    assert_eq!(
        (account.user.as_str(), account.status, account.dialect),
        ("jane", PushAccountStatus::Active, PushDialect::Countersign)
    );
    let (_, number) = server.push("jane", "portal", "login").await;
    let requests = app.pending_requests().await.unwrap();
    assert_eq!(
        (
            requests.len(),
            requests[0].kind,
            requests[0].location.as_deref()
        ),
        (1, ChallengeKind::Login, Some("Berlin, DE"))
    );
    assert!(requests[0].biometric_required);
    // Biometric policy: the notification offers Deny only, Approve opens the app.
    assert!(!requests[0].answer_inline);
    let id = requests[0].id.clone();
    let refused = app
        .approve(
            id.clone(),
            number.clone(),
            Arc::new(Prompt(BiometricOutcome::Cancelled)),
        )
        .await;
    assert!(
        matches!(
            refused,
            Err(FfiError::BiometricFailed {
                cancelled: true,
                ..
            })
        ),
        "{refused:?}"
    );
    let approved = app
        .approve(id, number, Arc::new(Prompt(BiometricOutcome::Passed)))
        .await
        .unwrap();
    assert_eq!(approved, AnswerResult::Approved);
    server.stop().await;
}

#[tokio::test]
async fn privacyidea_codes_are_checked_before_any_key_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let authenticator = open(&dir);
    let uri = "otpauth://pipush/PIPU0001?url=http%3A//127.0.0.1%3A9/ttype/push&ttl=10\
               &issuer=privacyIDEA&enrollment_credential=00ff&v=1&serial=PIPU0001&sslverify=0";
    // Scanned 11 minutes ago with a 10-minute ttl: refused, nothing stored.
    let stale = authenticator
        .enroll_push(
            uri.into(),
            SystemClock.now() - 11 * 60,
            "Test Pixel".into(),
            "android".into(),
            None,
            false,
        )
        .await;
    assert!(
        matches!(&stale, Err(FfiError::InvalidInput { reason }) if reason.contains("10 min")),
        "{stale:?}"
    );
    // The same entry point, both privacyIDEA forms: pia://pipush/ is read the same way.
    let stale_pia = authenticator
        .enroll_push(
            uri.replacen("otpauth://", "pia://", 1),
            SystemClock.now() - 11 * 60,
            "Test Pixel".into(),
            "android".into(),
            None,
            false,
        )
        .await;
    assert_eq!(stale_pia, stale);
    // An account's code is not an enrollment: the error says what it is.
    let account = authenticator
        .enroll_push(
            "otpauth://totp/Acme:jane?secret=JBSWY3DPEHPK3PXP".into(),
            SystemClock.now(),
            "Test Pixel".into(),
            "android".into(),
            None,
            false,
        )
        .await;
    assert!(
        matches!(&account, Err(FfiError::InvalidInput { reason }) if reason.contains("an account")),
        "{account:?}"
    );
    // A malformed code names its parameter.
    let malformed = authenticator
        .enroll_push(
            uri.replace("ttl=10", "ttl=soon"),
            SystemClock.now(),
            "Test Pixel".into(),
            "android".into(),
            None,
            false,
        )
        .await;
    assert!(
        matches!(&malformed, Err(FfiError::InvalidInput { reason }) if reason.contains("ttl")),
        "{malformed:?}"
    );
    assert!(authenticator.push_accounts().await.unwrap().is_empty());
}

/// What the apps ship: `Authenticator::open` of a build without the
/// `loopback-http` feature (the default) talks https only.
#[tokio::test]
async fn the_shipped_library_refuses_plain_http() {
    let dir = tempfile::tempdir().unwrap();
    let shipped = Authenticator::open(
        dir.path().join("vault.sqlite").to_str().unwrap().into(),
        Arc::new(MemoryKeyStore::default()),
        None,
    )
    .unwrap();
    let server_key = countersign_core::push::SoftwareKey::generate().unwrap();
    let uri = countersign_core::push::EnrollmentUri {
        url: "http://127.0.0.1:9".into(),
        token: "tok_0123456789abcdefghijkl".into(),
        sk: countersign_core::push::JwsSigner::public_jwk(&server_key).thumbprint(),
        user: "jane".into(),
        org: "Example".into(),
        exp: SystemClock.now() + 600,
    }
    .build();
    let refused = shipped
        .enroll_push(
            uri,
            SystemClock.now(),
            "Pixel".into(),
            "android".into(),
            None,
            false,
        )
        .await;
    assert!(
        matches!(&refused, Err(FfiError::Untrusted { reason }) if reason.contains("plain http")),
        "{refused:?}"
    );
    assert!(shipped.push_accounts().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_privacyidea_code_without_certificate_checks_needs_the_users_consent() {
    let dir = tempfile::tempdir().unwrap();
    let authenticator = open(&dir);
    let uri = "otpauth://pipush/PIPU0001?url=https%3A//pi.example.com/ttype/push&ttl=10\
               &issuer=privacyIDEA&enrollment_credential=00ff&v=1&serial=PIPU0001&sslverify=0";
    let refused = authenticator
        .enroll_push(
            uri.into(),
            SystemClock.now(),
            "Pixel".into(),
            "android".into(),
            None,
            false,
        )
        .await;
    match &refused {
        Err(FfiError::CertificateChecksOff { url, reason }) => {
            assert_eq!(url, "https://pi.example.com/ttype/push");
            assert!(reason.contains("sslverify=0"), "{reason}");
        }
        other => panic!("expected the warning, got {other:?}"),
    }
    assert!(authenticator.push_accounts().await.unwrap().is_empty());
}

/// Import as the app drives it: an encrypted Aegis export (shared/testdata)
/// asks for its password, a wrong one is told apart, the preview names what
/// will be added, and the import adds all of it once (a second import finds
/// only duplicates).
#[tokio::test]
async fn an_export_is_previewed_then_imported_with_its_password() {
    let dir = tempfile::tempdir().unwrap();
    let authenticator = open(&dir);
    let file = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/testdata/import/aegis/aegis_encrypted.json"),
    )
    .unwrap();
    let missing = authenticator
        .preview_import(file.clone(), None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            missing,
            FfiError::WrongPassword {
                password_missing: true,
                ..
            }
        ),
        "{missing:?}"
    );
    let wrong = authenticator
        .preview_import(file.clone(), Some("nope".into()))
        .await
        .unwrap_err();
    assert!(
        matches!(
            wrong,
            FfiError::WrongPassword {
                password_missing: false,
                ..
            }
        ),
        "{wrong:?}"
    );
    let plan = authenticator
        .preview_import(file.clone(), Some("test".into()))
        .await
        .unwrap();
    assert_eq!(plan.format, "aegis");
    assert!(plan.to_add.len() >= 3, "{plan:?}");
    assert!(
        plan.to_add
            .iter()
            .any(|a| a.issuer.as_deref() == Some("Deno") && a.name == "Mason")
    );
    assert!(
        authenticator.accounts(None).await.unwrap().is_empty(),
        "a preview writes nothing"
    );
    let added = authenticator
        .import_file(file.clone(), Some("test".into()))
        .await
        .unwrap();
    assert_eq!(added as usize, plan.to_add.len());
    assert_eq!(
        authenticator.accounts(None).await.unwrap().len(),
        plan.to_add.len()
    );
    let again = authenticator
        .preview_import(file, Some("test".into()))
        .await
        .unwrap();
    assert!(again.to_add.is_empty());
    assert_eq!(again.duplicates as usize, plan.to_add.len());
    // Not an export at all: said so, nothing added.
    let refused = authenticator
        .preview_import(b"hello".to_vec(), None)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, FfiError::InvalidInput { .. }),
        "{refused:?}"
    );
}
