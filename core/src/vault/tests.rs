use std::path::PathBuf;

use super::*;
use crate::keys::MemorySecretStore;
use crate::uri::parse_otpauth;

struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
    store: std::sync::Arc<MemorySecretStore>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    Fixture {
        path: dir.path().join("vault.sqlite"),
        _dir: dir,
        store: std::sync::Arc::new(MemorySecretStore::new()),
    }
}

impl Fixture {
    fn open(&self) -> Vault {
        Vault::open(&self.path, self.store.clone()).unwrap()
    }
}

fn account(uri: &str) -> OtpAccount {
    parse_otpauth(uri).unwrap().account
}

const GITHUB: &str =
    "otpauth://totp/GitHub:jane?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=GitHub";
const ACME: &str = "otpauth://totp/ACME%20Co:jane@acme.test?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co&period=60&digits=8&algorithm=SHA256";
const HOTP: &str = "otpauth://hotp/Bank:jane?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=0";

#[test]
fn added_accounts_are_listed_in_order_and_survive_reopening() {
    let f = fixture();
    let (github, acme) = {
        let mut vault = f.open();
        (
            vault.add(&account(GITHUB), 100).unwrap(),
            vault.add(&account(ACME), 100).unwrap(),
        )
    };
    let vault = f.open();
    let list = vault.list(None).unwrap();
    assert_eq!(
        list.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
        [github.as_str(), acme.as_str()]
    );
    assert_eq!(list[1].issuer.as_deref(), Some("ACME Co"));
    assert_eq!(list[1].params, account(ACME).params);
    assert!(!list[0].weak_secret);
    assert!(list[1].weak_secret, "JBSWY3DPEHPK3PXP is 80 bits");
    let stored = vault.account(&acme).unwrap();
    assert_eq!(stored.account, account(ACME));
    assert_eq!(stored.created_at, 100);
}

#[test]
fn search_matches_issuer_or_name_in_any_case() {
    let f = fixture();
    let mut vault = f.open();
    vault.add(&account(GITHUB), 0).unwrap();
    vault.add(&account(ACME), 0).unwrap();
    let names = |query| {
        vault
            .list(Some(query))
            .unwrap()
            .into_iter()
            .map(|a| a.issuer.unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(names("acme"), ["ACME Co"]);
    assert_eq!(names("JANE"), ["GitHub", "ACME Co"]);
    assert_eq!(names("github"), ["GitHub"]);
    assert!(names("nobody").is_empty());
}

#[test]
fn the_same_account_twice_is_refused_but_a_new_secret_is_not() {
    let f = fixture();
    let mut vault = f.open();
    let first = vault.add(&account(GITHUB), 0).unwrap();
    assert_eq!(
        vault.add(&account(GITHUB), 0),
        Err(VaultError::Duplicate { existing_id: first })
    );
    let reissued = GITHUB.replace(
        "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
        "HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ",
    );
    vault.add(&account(&reissued), 0).unwrap();
    assert_eq!(vault.list(None).unwrap().len(), 2);
}

#[test]
fn rename_move_and_delete() {
    let f = fixture();
    let mut vault = f.open();
    let a = vault.add(&account(GITHUB), 0).unwrap();
    let b = vault.add(&account(ACME), 0).unwrap();
    let c = vault.add(&account(HOTP), 0).unwrap();
    vault
        .rename(&a, Some("GitHub Enterprise"), "jane.doe")
        .unwrap();
    let renamed = vault.account(&a).unwrap().account;
    assert_eq!(
        (renamed.issuer.as_deref(), renamed.name.as_str()),
        (Some("GitHub Enterprise"), "jane.doe")
    );
    vault.rename(&a, None, "only a name").unwrap();
    assert_eq!(vault.account(&a).unwrap().account.issuer, None);

    vault.move_to(&c, 0).unwrap();
    let order = |vault: &Vault| {
        vault
            .list(None)
            .unwrap()
            .into_iter()
            .map(|a| a.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(order(&vault), [c.clone(), a.clone(), b.clone()]);
    vault.move_to(&c, 2).unwrap();
    assert_eq!(order(&vault), [a.clone(), b.clone(), c.clone()]);
    assert_eq!(
        vault.move_to(&c, 3),
        Err(VaultError::PositionOutOfRange {
            position: 3,
            count: 3
        })
    );

    vault.delete(&b).unwrap();
    assert_eq!(order(&vault), [a.clone(), c.clone()]);
    assert_eq!(
        vault.delete(&b),
        Err(VaultError::NotFound { id: b.clone() })
    );
    assert_eq!(
        vault.rename(&b, None, "x"),
        Err(VaultError::NotFound { id: b.clone() })
    );
    assert!(matches!(
        vault.account(&b),
        Err(VaultError::NotFound { .. })
    ));
}

#[test]
fn hotp_next_code_advances_the_stored_counter_first() {
    let f = fixture();
    let id = f.open().add(&account(HOTP), 0).unwrap();
    // RFC 4226 appendix D codes for counters 0, 1, 2 (the secret is the RFC's seed).
    for expected in ["755224", "287082", "359152"] {
        // A fresh Vault each time: the counter comes from the file, not from memory.
        assert_eq!(f.open().next_hotp_code(&id).unwrap().value, expected);
    }
    assert_eq!(
        f.open().account(&id).unwrap().account.params.kind(),
        OtpKind::Hotp { counter: 3 }
    );
    let totp = f.open().add(&account(GITHUB), 0).unwrap();
    assert_eq!(
        f.open().next_hotp_code(&totp),
        Err(VaultError::NotHotp { id: totp })
    );
}

#[test]
fn codes_view_computes_every_code_from_one_clock_reading() {
    let f = fixture();
    let mut vault = f.open();
    let github = vault.add(&account(GITHUB), 0).unwrap();
    vault.add(&account(ACME), 0).unwrap();
    vault.add(&account(HOTP), 0).unwrap();
    let view = vault.codes_view(59).unwrap();
    assert_eq!(view.now, 59);
    assert_eq!(view.entries[0].id, github);
    let CodeDisplay::Code(code) = &view.entries[0].display else {
        panic!("{view:?}")
    };
    // The RFC 6238 seed at t = 59, 6 digits.
    assert_eq!(
        (code.value.as_str(), code.seconds_left),
        ("287082", Some(1))
    );
    let CodeDisplay::Code(acme) = &view.entries[1].display else {
        panic!("{view:?}")
    };
    assert_eq!(
        (acme.value.len(), acme.seconds_left, acme.period),
        (8, Some(1), Some(60))
    );
    assert_eq!(
        view.entries[2].display,
        CodeDisplay::HotpReady { counter: 0 }
    );
}

#[test]
fn a_screen_tick_reuses_codes_in_their_step_and_asks_again_when_a_code_appears() {
    let f = fixture();
    let mut vault = f.open();
    vault.add(&account(GITHUB), 0).unwrap();
    // An account whose T0 is 1,000 shows no code before then (a wrong clock).
    let mut later = account(GITHUB);
    later.params = OtpParams::new(
        Algorithm::Sha1,
        6,
        OtpKind::Totp {
            period: 30,
            t0: 1_000,
        },
    )
    .unwrap();
    later.name = "later".into();
    vault.add(&later, 0).unwrap();
    vault.add(&account(HOTP), 0).unwrap();
    let mut screen = vault.codes_screen().unwrap();
    let view = screen.view(59);
    assert!(matches!(
        view.entries[1].display,
        CodeDisplay::Unavailable { .. }
    ));

    let values = |codes: Vec<Option<&OtpCode>>| -> Vec<Option<String>> {
        codes
            .into_iter()
            .map(|code| code.map(|code| code.value.clone()))
            .collect()
    };
    assert_eq!(
        values(screen.tick(59).unwrap()),
        [Some("287082".to_owned()), None, None]
    );
    // The next step's code, computed when the step begins.
    assert_eq!(
        values(screen.tick(60).unwrap())[0],
        Some(vault.codes_view(60).unwrap().entries[0].display.clone()).and_then(|display| {
            match display {
                CodeDisplay::Code(code) => Some(code.value),
                _ => None,
            }
        })
    );
    // At T0 the second account's code appears: the rows must be shown again.
    assert_eq!(screen.tick(1_000), None);
    let view = screen.view(1_000);
    assert!(matches!(view.entries[1].display, CodeDisplay::Code(_)));
    assert!(screen.tick(1_001).unwrap()[1].is_some());
}

#[test]
fn diagnostics_are_on_by_default_and_the_choice_persists() {
    let f = fixture();
    assert!(f.open().diagnostics_enabled().unwrap());
    f.open().set_diagnostics_enabled(false).unwrap();
    assert!(!f.open().diagnostics_enabled().unwrap());
    f.open().set_diagnostics_enabled(true).unwrap();
    assert!(f.open().diagnostics_enabled().unwrap());
}

#[test]
fn protect_id_is_made_once_and_kept() {
    let f = fixture();
    let first = f.open().protect_id().to_owned();
    assert_eq!(first.len(), 19, "{first}");
    assert_eq!(first.matches('-').count(), 3);
    assert_eq!(f.open().protect_id(), first);
    assert_ne!(fixture().open().protect_id(), first);
}

#[test]
fn a_wrong_vault_key_is_refused_and_nothing_is_overwritten() {
    let f = fixture();
    let id = f.open().add(&account(GITHUB), 0).unwrap();
    let before = std::fs::read(&f.path).unwrap();
    let vault_id: String = {
        let vault = f.open();
        let bytes: Vec<u8> = vault
            .connection()
            .query_row("SELECT value FROM meta WHERE name = 'vault_id'", [], |r| {
                r.get(0)
            })
            .unwrap();
        String::from_utf8(bytes).unwrap()
    };
    let other_key = std::sync::Arc::new(MemorySecretStore::new());
    other_key
        .store(
            &format!("vault-key-{vault_id}"),
            &SecretBytes::new(vec![9; 32]),
        )
        .unwrap();
    assert_eq!(
        Vault::open(&f.path, other_key.clone()).unwrap_err(),
        VaultError::KeyMismatch
    );
    assert_eq!(std::fs::read(&f.path).unwrap(), before);
    // The right key still opens everything.
    assert_eq!(f.open().account(&id).unwrap().account, account(GITHUB));
}

#[test]
fn a_vault_whose_key_is_gone_is_not_given_a_new_one() {
    let f = fixture();
    f.open().add(&account(GITHUB), 0).unwrap();
    let empty = std::sync::Arc::new(MemorySecretStore::new());
    assert!(matches!(
        Vault::open(&f.path, empty.clone()),
        Err(VaultError::KeyMissing { .. })
    ));
    assert!(
        matches!(
            Vault::open(&f.path, empty.clone()),
            Err(VaultError::KeyMissing { .. })
        ),
        "still missing: no key was made"
    );
    assert_eq!(f.open().list(None).unwrap().len(), 1);
}

#[test]
fn one_tampered_secret_breaks_that_account_only() {
    let f = fixture();
    let mut vault = f.open();
    let good = vault.add(&account(GITHUB), 0).unwrap();
    let bad = vault.add(&account(ACME), 0).unwrap();
    let last = vault
        .add(
            &account("otpauth://totp/x?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ"),
            0,
        )
        .unwrap();
    let mut sealed: Vec<u8> = vault
        .connection()
        .query_row("SELECT secret FROM accounts WHERE id = ?1", [&bad], |r| {
            r.get(0)
        })
        .unwrap();
    sealed[20] ^= 0x01;
    vault
        .connection()
        .execute(
            "UPDATE accounts SET secret = ?2 WHERE id = ?1",
            params![bad, sealed],
        )
        .unwrap();
    drop(vault);
    let vault = f.open();
    assert_eq!(
        vault.account(&bad).unwrap_err(),
        VaultError::Integrity { id: bad.clone() }
    );
    assert!(vault.account(&good).is_ok());
    let view = vault.codes_view(59).unwrap();
    assert!(matches!(view.entries[0].display, CodeDisplay::Code(_)));
    assert!(
        matches!(&view.entries[1].display, CodeDisplay::Unavailable { reason } if reason.contains("integrity"))
    );
    assert!(matches!(view.entries[2].display, CodeDisplay::Code(_)));
    assert_eq!(view.entries[2].id, last);
}

#[test]
fn a_secret_moved_to_another_row_does_not_open() {
    let f = fixture();
    let mut vault = f.open();
    let a = vault.add(&account(GITHUB), 0).unwrap();
    let b = vault.add(&account(ACME), 0).unwrap();
    vault
        .connection()
        .execute("UPDATE accounts SET secret = (SELECT secret FROM accounts WHERE id = ?1) WHERE id = ?2", [&a, &b])
        .unwrap();
    assert_eq!(
        vault.account(&b).unwrap_err(),
        VaultError::Integrity { id: b }
    );
    assert!(vault.account(&a).is_ok());
}

#[test]
fn a_full_disk_fails_the_write_and_keeps_everything_before_it() {
    let f = fixture();
    let mut vault = f.open();
    let mut added = Vec::new();
    for i in 0..20 {
        let uri = format!("otpauth://totp/Issuer{i}:user?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        added.push(vault.add(&account(&uri), 0).unwrap());
    }
    // Cap the file at its current size: the next page SQLite needs is "the disk is full".
    let pages: i64 = vault
        .connection()
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .unwrap();
    vault
        .connection()
        .pragma_update(None, "max_page_count", pages)
        .unwrap();
    let long_name = "x".repeat(8192);
    let result = vault.add(
        &account(&format!(
            "otpauth://totp/Big:{long_name}?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ"
        )),
        0,
    );
    assert_eq!(result, Err(VaultError::DiskFull));
    assert!(VaultError::DiskFull.to_string().contains("free some space"));
    drop(vault);
    let vault = f.open();
    assert_eq!(vault.integrity_check().unwrap(), "ok");
    let listed: Vec<_> = vault
        .list(None)
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(listed, added);
}

#[test]
fn the_file_holds_no_secret_in_any_encoding() {
    let f = fixture();
    let secrets = [
        "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
        "HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ",
        "JBSWY3DPEHPK3PXP",
    ];
    {
        let mut vault = f.open();
        for (i, secret) in secrets.iter().enumerate() {
            vault
                .add(
                    &account(&format!("otpauth://totp/I{i}:u?secret={secret}")),
                    0,
                )
                .unwrap();
        }
    }
    let mut bytes = std::fs::read(&f.path).unwrap();
    let wal = f.path.with_extension("sqlite-wal");
    if let Ok(more) = std::fs::read(&wal) {
        bytes.extend(more);
    }
    let contains = |needle: &[u8]| bytes.windows(needle.len()).any(|window| window == needle);
    for secret in secrets {
        let raw = SecretBytes::from_base32(secret).unwrap();
        let raw = raw.expose_secret();
        for needle in [
            raw.to_vec(),
            secret.as_bytes().to_vec(),
            secret.to_lowercase().into_bytes(),
            data_encoding::HEXLOWER.encode(raw).into_bytes(),
            data_encoding::HEXUPPER.encode(raw).into_bytes(),
            data_encoding::BASE64.encode(raw).into_bytes(),
        ] {
            assert!(
                !contains(&needle),
                "{secret} found in the file as {:?}",
                String::from_utf8_lossy(&needle)
            );
        }
    }
    assert!(contains(b"I0"), "the test reads the right file");
}

#[test]
fn another_sqlite_file_or_garbage_is_not_a_vault() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.sqlite");
    Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t (x)")
        .unwrap();
    assert_eq!(
        Vault::open(&other, std::sync::Arc::new(MemorySecretStore::new())).unwrap_err(),
        VaultError::NotAVault
    );
    let garbage = dir.path().join("garbage");
    std::fs::write(&garbage, vec![0x42; 8192]).unwrap();
    assert_eq!(
        Vault::open(&garbage, std::sync::Arc::new(MemorySecretStore::new())).unwrap_err(),
        VaultError::NotAVault
    );
    assert_eq!(
        std::fs::read(&garbage).unwrap(),
        vec![0x42; 8192],
        "left as it was"
    );
}

#[test]
fn a_vault_from_a_newer_version_is_refused() {
    let f = fixture();
    f.open();
    Connection::open(&f.path)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    assert_eq!(
        Vault::open(&f.path, f.store.clone()).unwrap_err(),
        VaultError::TooNew {
            found: 99,
            supported: schema::CURRENT_VERSION
        }
    );
}

#[test]
fn extra_parameters_and_full_width_counters_round_trip() {
    let f = fixture();
    let mut vault = f.open();
    let uri = format!(
        "otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP&counter={}&image=a%26b&image=c",
        u64::MAX - 1
    );
    let id = vault.add(&account(&uri), 0).unwrap();
    let stored = vault.account(&id).unwrap().account;
    assert_eq!(stored, account(&uri));
    vault.next_hotp_code(&id).unwrap();
    assert_eq!(
        vault.next_hotp_code(&id),
        Err(VaultError::CounterExhausted { id })
    );
}

#[test]
fn add_all_is_all_or_nothing() {
    let f = fixture();
    let mut vault = f.open();
    let existing = vault.add(&account(ACME), 0).unwrap();
    let batch = [account(GITHUB), account(HOTP), account(ACME)];
    assert_eq!(
        vault.add_all(&batch, 0),
        Err(VaultError::Duplicate {
            existing_id: existing
        })
    );
    assert_eq!(
        vault.list(None).unwrap().len(),
        1,
        "nothing from the failed batch"
    );
    let ids = vault.add_all(&batch[..2], 0).unwrap();
    let listed: Vec<_> = vault
        .list(None)
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(listed[1..], ids[..]);
}
