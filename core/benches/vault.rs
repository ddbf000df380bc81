//! Opening the vault and producing the codes view (what the app does on every
//! launch), for 1,000 and 10,000 accounts in a real SQLite file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use countersign_core::keys::MemorySecretStore;
use countersign_core::uri::parse_otpauth;
use countersign_core::{OtpAccount, SecretBytes, Vault};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

fn accounts(count: u32) -> Vec<OtpAccount> {
    let template = parse_otpauth("otpauth://totp/Issuer:user?secret=JBSWY3DPEHPK3PXP")
        .unwrap()
        .account;
    (0..count)
        .map(|i| OtpAccount {
            issuer: Some(format!("Issuer {i}")),
            name: format!("user{i}@example.com"),
            secret: SecretBytes::new(i.to_be_bytes().repeat(5)),
            ..template.clone()
        })
        .collect()
}

fn open_and_codes_view(c: &mut Criterion) {
    let mut group = c.benchmark_group("vault_open_and_codes_view");
    group.sample_size(20);
    for count in [1_000u32, 10_000] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vault.sqlite");
        let store = std::sync::Arc::new(MemorySecretStore::new());
        Vault::open(&path, store.clone())
            .unwrap()
            .add_all(&accounts(count), 0)
            .unwrap();
        group.bench_with_input(BenchmarkId::from_parameter(count), &count, |b, _| {
            b.iter(|| {
                let vault = Vault::open(&path, store.clone()).unwrap();
                black_box(vault.codes_view(1_700_000_000).unwrap())
            })
        });
    }
    group.finish();
}

/// One tick of an open codes screen (what the app does every second): the
/// generators were made when the screen opened, so no SQLite read and no
/// decryption; inside a step the codes are reused, so a tick is the rows'
/// strings (the first tick of each step computes them: `otp` bench).
fn codes_screen_tick(c: &mut Criterion) {
    let mut group = c.benchmark_group("codes_screen_tick");
    for count in [100u32, 1_000] {
        let dir = tempfile::tempdir().unwrap();
        let store = std::sync::Arc::new(MemorySecretStore::new());
        let mut vault = Vault::open(&dir.path().join("vault.sqlite"), store).unwrap();
        vault.add_all(&accounts(count), 0).unwrap();
        let mut screen = vault.codes_screen().unwrap();
        group.bench_with_input(BenchmarkId::new("whole_view", count), &count, |b, _| {
            b.iter(|| {
                black_box(screen.view(black_box(1_700_000_000)))
                    .entries
                    .len()
            })
        });
        // What the FFI's codes_update sends: the codes only.
        group.bench_with_input(BenchmarkId::new("codes_only", count), &count, |b, _| {
            b.iter(|| {
                screen
                    .tick(black_box(1_700_000_000))
                    .unwrap()
                    .into_iter()
                    .map(|code| code.map(|code| code.value.clone()).unwrap_or_default())
                    .collect::<Vec<_>>()
            })
        });
    }
    group.finish();
}

/// A 10,000-account otpauth list: read, previewed against the vault, added in
/// one transaction (what `countersign import` does).
fn import_ten_thousand(c: &mut Criterion) {
    use countersign_core::transfer::{preview, read_export};
    let text: String = (0u32..10_000)
        .map(|i| {
            let secret = data_encoding::BASE32_NOPAD.encode(&i.to_be_bytes().repeat(5));
            format!("otpauth://totp/Issuer%20{i}:user{i}@example.com?secret={secret}&issuer=Issuer%20{i}\n")
        })
        .collect();
    let mut group = c.benchmark_group("import");
    group.sample_size(10);
    group.bench_function("import_10000_accounts", |b| {
        b.iter_with_setup(
            || tempfile::tempdir().unwrap(),
            |dir| {
                let store = std::sync::Arc::new(MemorySecretStore::new());
                let mut vault = Vault::open(&dir.path().join("v.sqlite"), store.clone()).unwrap();
                let contents = read_export(text.as_bytes(), None, None).unwrap();
                let plan = preview(&vault, contents).unwrap();
                vault.add_all(&plan.to_add, 0).unwrap();
                dir
            },
        )
    });
    group.finish();
}

criterion_group!(
    benches,
    open_and_codes_view,
    codes_screen_tick,
    import_ten_thousand
);
criterion_main!(benches);
