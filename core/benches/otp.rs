//! How long codes take. `ours_vs_totp_rs` times our generator (key state kept,
//! as while a codes screen is open), our one-off `code_at` (key set up each
//! time) and totp-rs's `generate` on the same SHA-1 key in the same run, so
//! the README can report ratios rather than numbers from different days.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use countersign_core::{Algorithm, OtpKind, OtpParams, SecretBytes};
use criterion::{Criterion, criterion_group, criterion_main};

const NOW: i64 = 1_700_000_000;
const KEY: &str = "HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ";

fn ours_vs_totp_rs(c: &mut Criterion) {
    let secret = SecretBytes::from_base32(KEY).unwrap();
    let params = OtpParams::default_totp();
    let generator = params.generator(&secret).unwrap();
    let reference = totp_rs::Builder::new()
        .with_algorithm(totp_rs::Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_secret(secret.expose_secret().to_vec())
        .build_noncompliant();
    assert_eq!(
        generator.code_at(NOW).unwrap().value,
        reference.generate(NOW as u64).to_string()
    );
    let mut group = c.benchmark_group("ours_vs_totp_rs_sha1");
    group.bench_function("ours_key_state_kept", |b| {
        b.iter(|| generator.code_at(black_box(NOW)))
    });
    group.bench_function("ours_key_set_up_each_code", |b| {
        b.iter(|| params.code_at(black_box(&secret), black_box(NOW)))
    });
    // totp-rs 6's Token is a number; ours is the text a screen shows, so the
    // like-for-like comparison includes its to_string().
    group.bench_function("totp_rs_generate", |b| {
        b.iter(|| reference.generate(black_box(NOW as u64)))
    });
    group.bench_function("totp_rs_generate_to_string", |b| {
        b.iter(|| reference.generate(black_box(NOW as u64)).to_string())
    });
    group.finish();

    // The floor under a kept key state: the two SHA-1 compressions a code
    // needs, and RustCrypto's HMAC with its keyed state cloned per code.
    let mut floor = c.benchmark_group("sha1_floor");
    let block = sha1::digest::generic_array::GenericArray::clone_from_slice(&[7u8; 64]);
    floor.bench_function("two_sha1_compressions", |b| {
        b.iter(|| {
            let mut state = black_box([1u32, 2, 3, 4, 5]);
            sha1::compress(&mut state, std::slice::from_ref(&block));
            sha1::compress(&mut state, std::slice::from_ref(&block));
            state
        })
    });
    use hmac::Mac;
    let keyed = hmac::Hmac::<sha1::Sha1>::new_from_slice(secret.expose_secret()).unwrap();
    floor.bench_function("hmac_crate_keyed_state_cloned", |b| {
        b.iter(|| {
            let mut mac = keyed.clone();
            mac.update(&black_box(NOW as u64 / 30).to_be_bytes());
            mac.finalize().into_bytes()
        })
    });
    floor.finish();
}

fn one_code(c: &mut Criterion) {
    let secret = SecretBytes::from_base32(KEY).unwrap();
    for algorithm in [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512] {
        let params = OtpParams::new(algorithm, 6, OtpKind::Totp { period: 30, t0: 0 }).unwrap();
        let generator = params.generator(&secret).unwrap();
        c.bench_function(&format!("totp_one_code_{algorithm}"), |b| {
            b.iter(|| params.code_at(black_box(&secret), black_box(NOW)))
        });
        c.bench_function(&format!("totp_one_code_key_state_kept_{algorithm}"), |b| {
            b.iter(|| generator.code_at(black_box(NOW)))
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
    let generators: Vec<_> = accounts
        .iter()
        .map(|(secret, params)| params.generator(secret).unwrap())
        .collect();
    c.bench_function("totp_codes_1000_accounts", |b| {
        b.iter(|| {
            accounts
                .iter()
                .map(|(secret, params)| params.code_at(secret, black_box(NOW)))
                .collect::<Vec<_>>()
        })
    });
    c.bench_function("totp_codes_1000_accounts_key_state_kept", |b| {
        b.iter(|| {
            generators
                .iter()
                .map(|generator| generator.code_at(black_box(NOW)))
                .collect::<Vec<_>>()
        })
    });
}

fn verify_window(c: &mut Criterion) {
    let secret = SecretBytes::from_base32(KEY).unwrap();
    let params = OtpParams::default_totp();
    c.bench_function("totp_verify_window_1", |b| {
        b.iter(|| params.verify(&secret, black_box("123456"), black_box(NOW), 1))
    });
}

criterion_group!(
    benches,
    ours_vs_totp_rs,
    one_code,
    thousand_accounts,
    verify_window
);
criterion_main!(benches);
