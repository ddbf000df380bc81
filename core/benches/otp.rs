//! How long codes take: one SHA-1 TOTP code, and the codes of 1,000 accounts

#![allow(clippy::unwrap_used, clippy::expect_used)]
//! (what the accounts screen computes when it opens).

use std::hint::black_box;

use countersign_core::{Algorithm, OtpKind, OtpParams, SecretBytes};
use criterion::{Criterion, criterion_group, criterion_main};

fn one_code(c: &mut Criterion) {
    let secret = SecretBytes::from_base32("HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ").unwrap();
    for algorithm in [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512] {
        let params = OtpParams::new(algorithm, 6, OtpKind::Totp { period: 30, t0: 0 }).unwrap();
        c.bench_function(&format!("totp_one_code_{algorithm}"), |b| {
            b.iter(|| params.code_at(black_box(&secret), black_box(1_700_000_000)))
        });
    }
}

fn thousand_accounts(c: &mut Criterion) {
    let accounts: Vec<(SecretBytes, OtpParams)> = (0u32..1_000)
        .map(|i| {
            let secret = SecretBytes::new(i.to_be_bytes().repeat(5));
            (secret, OtpParams::default_totp())
        })
        .collect();
    c.bench_function("totp_codes_1000_accounts", |b| {
        b.iter(|| {
            accounts
                .iter()
                .map(|(secret, params)| params.code_at(secret, black_box(1_700_000_000)))
                .collect::<Vec<_>>()
        })
    });
}

fn verify_window(c: &mut Criterion) {
    let secret = SecretBytes::from_base32("HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ").unwrap();
    let params = OtpParams::default_totp();
    c.bench_function("totp_verify_window_1", |b| {
        b.iter(|| params.verify(&secret, black_box("123456"), black_box(1_700_000_000), 1))
    });
}

criterion_group!(benches, one_code, thousand_accounts, verify_window);
criterion_main!(benches);
