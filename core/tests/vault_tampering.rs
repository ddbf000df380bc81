//! Someone with the vault file but not its key edits the security settings
//! beside the sealed secrets (a pinned server key, `ssl_verify`, an HOTP
//! counter, OTP parameters) or puts back an older copy of the whole file. Each
//! is refused with a typed error; before row MACs and the generation counter,
//! every one of these edits was silently used.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use countersign_core::keys::MemorySecretStore;
use countersign_core::push::PrivacyIdeaStore;
use countersign_core::push::PushStore;
use countersign_core::push::wire::{Biometric, Policy};
use countersign_core::push::{DeviceKeyRef, PrivacyIdeaToken, PushAccount, PushAccountStatus};
use countersign_core::push::{JwsSigner, SoftwareKey};
use countersign_core::uri::parse_otpauth;
use countersign_core::vault::CodeDisplay;
use countersign_core::{SecretBytes, SecretStore, Vault, VaultError};

const HOTP: &str = "otpauth://hotp/Bank:alice?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&counter=5";
const TOTP: &str = "otpauth://totp/Mail:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
    store: Arc<MemorySecretStore>,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self {
            path: dir.path().join("vault.sqlite"),
            _dir: dir,
            store: Arc::new(MemorySecretStore::new()),
        }
    }

    fn open(&self) -> Result<Vault, VaultError> {
        Vault::open(&self.path, self.store.clone())
    }

    /// Edits the file as an attacker would: plain SQL, no key.
    fn edit(&self, sql: &str) {
        let connection = rusqlite::Connection::open(&self.path).unwrap();
        let changed = connection.execute(sql, []).unwrap();
        assert!(changed > 0, "the edit {sql:?} changed nothing");
    }
}

fn push_account() -> PushAccount {
    let server = SoftwareKey::generate().unwrap();
    let device = SoftwareKey::generate().unwrap();
    PushAccount {
        id: String::new(),
        server_url: "https://mfa.example.com".into(),
        server_jwk: server.public_jwk(),
        device_id: "dv_1".into(),
        user: "alice".into(),
        org: "Example".into(),
        policy: Policy {
            biometric: Biometric::Required,
            number_matching: true,
        },
        key: DeviceKeyRef::Software(device.expose_pkcs8().clone()),
        user_key: None,
        clock_offset: 0,
        status: PushAccountStatus::Active,
        created_at: 1_767_268_800,
    }
}

fn privacyidea_token() -> PrivacyIdeaToken {
    PrivacyIdeaToken {
        id: String::new(),
        serial: "PIPU0001".into(),
        label: "alice".into(),
        issuer: "privacyIDEA".into(),
        url: "https://pi.example.com/ttype/push".into(),
        server_key: vec![1, 2, 3, 4],
        device_key: SecretBytes::new(vec![5; 64]),
        ssl_verify: true,
        poll_only: false,
        require_unlock: true,
        clock_offset: 0,
        created_at: 1_767_268_800,
    }
}

#[track_caller]
fn assert_tampered<T: std::fmt::Debug>(result: Result<T, VaultError>, id: &str) {
    match result {
        Err(VaultError::Tampered { id: reported }) => assert_eq!(reported, id),
        other => panic!("expected the row {id} refused as tampered, got {other:?}"),
    }
}

#[test]
fn a_swapped_pinned_server_key_is_refused() {
    let f = Fixture::new();
    let id = f.open().unwrap().add_push_account(&push_account()).unwrap();
    let attacker = SoftwareKey::generate().unwrap().public_jwk();
    f.edit(&format!(
        "UPDATE push_accounts SET server_jwk = '{}'",
        serde_json::to_string(&attacker).unwrap()
    ));
    let vault = f.open().unwrap();
    assert_tampered(vault.push_account(&id), &id);
    assert_tampered(vault.push_accounts(), &id);
}

#[test]
fn a_redirected_server_url_or_weakened_policy_is_refused() {
    for edit in [
        "UPDATE push_accounts SET server_url = 'https://evil.example.net'",
        "UPDATE push_accounts SET policy = '{\"biometric\":\"optional\",\"number_matching\":false}'",
        "UPDATE push_accounts SET mac = NULL",
    ] {
        let f = Fixture::new();
        let id = f.open().unwrap().add_push_account(&push_account()).unwrap();
        f.edit(edit);
        assert_tampered(f.open().unwrap().push_account(&id), &id);
    }
}

#[test]
fn privacyidea_ssl_verify_and_server_key_cannot_be_edited() {
    for edit in [
        "UPDATE privacyidea_tokens SET ssl_verify = 0",
        "UPDATE privacyidea_tokens SET server_key = X'09090909'",
        "UPDATE privacyidea_tokens SET url = 'https://evil.example.net/ttype/push'",
    ] {
        let f = Fixture::new();
        let id = f
            .open()
            .unwrap()
            .add_privacyidea_token(&privacyidea_token())
            .unwrap();
        f.edit(edit);
        assert_tampered(f.open().unwrap().privacyidea_token(&id), &id);
    }
}

#[test]
fn an_edited_hotp_counter_is_refused_and_not_re_blessed() {
    let f = Fixture::new();
    let mut vault = f.open().unwrap();
    let id = vault.add(&parse_otpauth(HOTP).unwrap().account, 0).unwrap();
    vault.next_hotp_code(&id).unwrap();
    drop(vault);
    // Back to a counter whose codes were already used.
    f.edit("UPDATE accounts SET counter = 5");
    let mut vault = f.open().unwrap();
    assert_tampered(vault.next_hotp_code(&id), &id);
    // Refused again: a failed attempt did not write a fresh MAC.
    assert_tampered(vault.next_hotp_code(&id), &id);
}

#[test]
fn edited_otp_parameters_show_as_unavailable_and_the_others_still_work() {
    let f = Fixture::new();
    let mut vault = f.open().unwrap();
    let totp = vault.add(&parse_otpauth(TOTP).unwrap().account, 0).unwrap();
    let hotp = vault.add(&parse_otpauth(HOTP).unwrap().account, 0).unwrap();
    drop(vault);
    f.edit(&format!(
        "UPDATE accounts SET digits = 8, algorithm = 'SHA256' WHERE id = '{totp}'"
    ));
    let vault = f.open().unwrap();
    let view = vault.codes_view(1_767_268_800).unwrap();
    let display = |id: &str| {
        view.entries
            .iter()
            .find(|entry| entry.id == id)
            .unwrap()
            .display
            .clone()
    };
    match display(&totp) {
        CodeDisplay::Unavailable { reason } => {
            assert!(reason.contains("changed outside Countersign"), "{reason}")
        }
        other => panic!("expected the edited account unavailable, got {other:?}"),
    }
    assert!(matches!(display(&hotp), CodeDisplay::HotpReady { .. }));
    assert_tampered(vault.account(&totp), &totp);
}

#[test]
fn an_older_copy_of_the_vault_is_refused() {
    let f = Fixture::new();
    let mut vault = f.open().unwrap();
    let id = vault.add(&parse_otpauth(HOTP).unwrap().account, 0).unwrap();
    let first = vault.next_hotp_code(&id).unwrap();
    drop(vault);
    let copy = f.path.with_extension("copy");
    checkpoint_copy(&f.path, &copy);
    let mut vault = f.open().unwrap();
    vault.next_hotp_code(&id).unwrap();
    drop(vault);
    // Put back the copy from before the second code: its counter would hand
    // out the second code again.
    restore(&copy, &f.path);
    match f.open() {
        Err(VaultError::RolledBack { found, expected }) => assert!(found < expected),
        other => panic!("expected the old copy refused, got {other:?}"),
    }
    let _ = first;
}

#[test]
fn a_removed_integrity_marker_does_not_get_rows_re_blessed() {
    let f = Fixture::new();
    let id = f.open().unwrap().add_push_account(&push_account()).unwrap();
    f.edit("UPDATE push_accounts SET server_url = 'https://evil.example.net', mac = NULL");
    f.edit("DELETE FROM meta WHERE name = 'row_macs'");
    assert!(
        matches!(f.open(), Err(VaultError::RolledBack { .. })),
        "a vault that had MACs must not compute new ones"
    );
    let _ = id;
}

#[test]
fn the_generation_survives_an_app_that_died_before_updating_the_store() {
    let f = Fixture::new();
    let mut vault = f.open().unwrap();
    let vault_id: String = {
        let connection = rusqlite::Connection::open(&f.path).unwrap();
        connection
            .query_row(
                "SELECT value FROM meta WHERE name = 'vault_id'",
                [],
                |row| row.get::<_, Vec<u8>>(0),
            )
            .map(|bytes| String::from_utf8(bytes).unwrap())
            .unwrap()
    };
    let id = vault.add(&parse_otpauth(HOTP).unwrap().account, 0).unwrap();
    vault.next_hotp_code(&id).unwrap();
    drop(vault);
    // The store lags one write behind the file, as after a crash between the
    // commit and the store update: the vault is newer, so it opens.
    f.store
        .store(
            &format!("vault-generation-{vault_id}"),
            &SecretBytes::new(0u64.to_be_bytes().to_vec()),
        )
        .unwrap();
    let mut vault = f.open().unwrap();
    vault.next_hotp_code(&id).unwrap();
}

/// A consistent copy of a WAL database (what a backup tool or an attacker's
/// `cp` after the app closed would have).
fn checkpoint_copy(from: &Path, to: &Path) {
    let connection = rusqlite::Connection::open(from).unwrap();
    connection
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
        .unwrap();
    drop(connection);
    std::fs::copy(from, to).unwrap();
}

fn restore(copy: &Path, to: &Path) {
    for suffix in ["-wal", "-shm"] {
        let mut path = to.as_os_str().to_owned();
        path.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(path));
    }
    std::fs::copy(copy, to).unwrap();
}
