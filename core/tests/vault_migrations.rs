//! Vault files written by earlier versions keep opening. `fixtures/vault-v<N>/` holds
//! a vault made by the release that introduced schema N (with its key file); each
//! later schema must open it with every account, setting and identity intact.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use countersign_core::keys::KeyFileSecretStore;
use countersign_core::push::PrivacyIdeaStore;
use countersign_core::push::PushStore;
use countersign_core::vault::CodeDisplay;
use countersign_core::{Algorithm, OtpKind, Vault};

fn open_copy_of(fixture: &str) -> (tempfile::TempDir, Vault) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(fixture);
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(source.join("vault.sqlite"), dir.path().join("vault.sqlite")).unwrap();
    std::fs::copy(source.join("keys"), dir.path().join("keys")).unwrap();
    #[cfg(unix)]
    {
        // git does not keep the 0600 mode, which the key file store insists on.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            dir.path().join("keys"),
            std::fs::Permissions::from_mode(0o600),
        )
        .unwrap();
    }
    let vault = Vault::open(
        &dir.path().join("vault.sqlite"),
        std::sync::Arc::new(KeyFileSecretStore::new(dir.path().join("keys"))),
    )
    .unwrap();
    (dir, vault)
}

#[test]
fn a_schema_1_vault_opens_with_everything_in_it() {
    let (_dir, mut vault) = open_copy_of("vault-v1");
    assert_eq!(vault.integrity_check().unwrap(), "ok");
    assert_eq!(vault.protect_id(), "7DNC-62N7-D4ET-HZKK");
    assert!(!vault.diagnostics_enabled().unwrap());
    let accounts = vault.list(None).unwrap();
    let titles: Vec<_> = accounts
        .iter()
        .map(|a| (a.issuer.clone().unwrap(), a.name.clone()))
        .collect();
    assert_eq!(
        titles,
        [
            ("GitHub".into(), "jane".into()),
            ("Bank".into(), "jane".into()),
            ("Steam".into(), "gaben".into()),
            ("ACME Co".into(), "jane@acme.test".into())
        ]
    );
    assert_eq!(accounts[1].params.kind(), OtpKind::Hotp { counter: 5 });
    assert_eq!(accounts[3].params.algorithm(), Algorithm::Sha512);
    let acme = vault.account(&accounts[3].id).unwrap().account;
    assert_eq!(
        acme.extra,
        [("image".to_owned(), "https://acme.test/i.png".to_owned())]
    );
    let view = vault.codes_view(59).unwrap();
    let CodeDisplay::Code(github) = &view.entries[0].display else {
        panic!("{view:?}")
    };
    assert_eq!(github.value, "287082");
    let CodeDisplay::Code(steam) = &view.entries[2].display else {
        panic!("{view:?}")
    };
    assert_eq!(steam.value, "9WW3X");
    // RFC 4226 appendix D, counter 5.
    assert_eq!(
        vault.next_hotp_code(&accounts[1].id).unwrap().value,
        "254676"
    );
}

#[test]
fn a_schema_2_vault_opens_with_its_push_account() {
    use countersign_core::push::{DeviceKeyRef, PushAccountStatus};
    let (_dir, vault) = open_copy_of("vault-v2");
    assert_eq!(vault.integrity_check().unwrap(), "ok");
    assert_eq!(vault.protect_id(), "ZOXV-3HGN-Q2CW-VV4Y");
    assert_eq!(vault.list(None).unwrap().len(), 2);
    let push = vault.push_accounts().unwrap();
    assert_eq!(push.len(), 1);
    let account = &push[0];
    assert_eq!(
        (
            account.device_id.as_str(),
            account.clock_offset,
            account.status
        ),
        ("dv_FIXTURE", 7, PushAccountStatus::Active)
    );
    let DeviceKeyRef::Software(pkcs8) = &account.key else {
        panic!("{:?}", account.key)
    };
    let key = countersign_core::push::SoftwareKey::from_pkcs8(pkcs8.clone()).unwrap();
    use countersign_core::push::JwsSigner;
    assert_eq!(
        key.public_jwk().thumbprint(),
        "1_aGBOJrQkoSoc-3z95UJZmz0tWuBq91bFsJ9U57-rw",
        "the sealed device key survives"
    );
}

#[test]
fn a_schema_5_vault_keeps_its_push_accounts_tokens_and_answers() {
    use countersign_core::push::{DeviceKeyRef, PushAccountStatus};
    // Written before push took over its own tables: the row MACs it computed
    // then must still match the ones push computes now.
    let (_dir, vault) = open_copy_of("vault-v5");
    assert_eq!(vault.integrity_check().unwrap(), "ok");
    assert_eq!(vault.protect_id(), "EVVW-RDZB-HKOJ-6WOJ");
    let push = vault.push_accounts().unwrap();
    let summary: Vec<_> = push
        .iter()
        .map(|a| {
            (
                a.device_id.as_str(),
                a.user.as_str(),
                a.status,
                a.clock_offset,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("dv_V5FIXTURE", "jane", PushAccountStatus::Replaced, -3),
            ("dv_V5HARDWARE", "john", PushAccountStatus::Active, 0)
        ]
    );
    assert!(push[0].policy.number_matching);
    assert!(matches!(push[0].key, DeviceKeyRef::Software(_)));
    assert_eq!(
        push[1].key,
        DeviceKeyRef::Hardware {
            alias: "countersign-v5fixture".into()
        }
    );
    let tokens = vault.privacyidea_tokens().unwrap();
    assert_eq!(tokens.len(), 1);
    let token = &tokens[0];
    assert_eq!(
        (
            token.serial.as_str(),
            token.url.as_str(),
            token.ssl_verify,
            token.poll_only,
            token.require_unlock,
            token.clock_offset
        ),
        (
            "PIPU0001V5",
            "https://pi.example.test/ttype/push",
            true,
            false,
            true,
            11
        )
    );
    assert_eq!(token.server_key, b"server-pkcs1-der-bytes");
    assert_eq!(token.device_key.expose_secret(), b"device-pkcs8-der-bytes");
    let answered = vault.cached_challenge("ch_V5").unwrap().unwrap();
    assert_eq!(answered.answered.as_deref(), Some("approve"));
    assert_eq!(answered.account, push[0].id);
}
