use proptest::prelude::*;

use super::*;

const RFC_SEED_SHA1: &[u8] = b"12345678901234567890";
const RFC_SEED_SHA256: &[u8] = b"12345678901234567890123456789012";
const RFC_SEED_SHA512: &[u8] = b"1234567890123456789012345678901234567890123456789012345678901234";

fn secret(bytes: &[u8]) -> SecretBytes {
    SecretBytes::new(bytes.to_vec())
}

fn hotp(digits: u8, counter: u64) -> OtpParams {
    OtpParams::new(Algorithm::Sha1, digits, OtpKind::Hotp { counter }).unwrap()
}

fn totp(algorithm: Algorithm, digits: u8, period: u32) -> OtpParams {
    OtpParams::new(algorithm, digits, OtpKind::Totp { period, t0: 0 }).unwrap()
}

/// RFC 4226 appendix D: the truncated values and the 6-digit HOTP codes.
const RFC4226_VECTORS: [(u32, &str); 10] = [
    (1284755224, "755224"),
    (1094287082, "287082"),
    (137359152, "359152"),
    (1726969429, "969429"),
    (1640338314, "338314"),
    (868254676, "254676"),
    (1918287922, "287922"),
    (82162583, "162583"),
    (673399871, "399871"),
    (645520489, "520489"),
];

#[test]
fn hotp_matches_every_rfc4226_appendix_d_vector() {
    for (counter, (_, code)) in RFC4226_VECTORS.iter().enumerate() {
        let params = hotp(6, counter as u64);
        let generated = params.code_at(&secret(RFC_SEED_SHA1), 0).unwrap();
        assert_eq!(generated.value, *code, "counter {counter}");
        assert_eq!(generated.step, counter as u64);
        assert_eq!(generated.seconds_left, None);
    }
}

#[test]
fn ten_digit_hotp_is_the_whole_truncated_value_zero_padded() {
    for (counter, (truncated, _)) in RFC4226_VECTORS.iter().enumerate() {
        let generated = hotp(10, counter as u64)
            .code_at(&secret(RFC_SEED_SHA1), 0)
            .unwrap();
        assert_eq!(
            generated.value,
            format!("{truncated:010}"),
            "counter {counter}"
        );
    }
}

#[test]
fn totp_matches_every_rfc6238_appendix_b_vector() {
    // (time, SHA-1, SHA-256, SHA-512), 8 digits, 30-second period.
    let vectors: [(i64, &str, &str, &str); 6] = [
        (59, "94287082", "46119246", "90693936"),
        (1111111109, "07081804", "68084774", "25091201"),
        (1111111111, "14050471", "67062674", "99943326"),
        (1234567890, "89005924", "91819424", "93441116"),
        (2000000000, "69279037", "90698825", "38618901"),
        (20000000000, "65353130", "77737706", "47863826"),
    ];
    for (time, sha1, sha256, sha512) in vectors {
        for (algorithm, seed, expected) in [
            (Algorithm::Sha1, RFC_SEED_SHA1, sha1),
            (Algorithm::Sha256, RFC_SEED_SHA256, sha256),
            (Algorithm::Sha512, RFC_SEED_SHA512, sha512),
        ] {
            let code = totp(algorithm, 8, 30).code_at(&secret(seed), time).unwrap();
            assert_eq!(code.value, expected, "{algorithm} at {time}");
        }
    }
}

#[test]
fn six_digit_totp_is_the_last_six_of_the_rfc_eight() {
    let code = totp(Algorithm::Sha1, 6, 30)
        .code_at(&secret(RFC_SEED_SHA1), 59)
        .unwrap();
    assert_eq!(code.value, "287082");
    assert_eq!(code.seconds_left, Some(1));
    assert_eq!(code.period, Some(30));
}

#[test]
fn t0_shifts_the_steps() {
    let shifted = OtpParams::new(
        Algorithm::Sha1,
        8,
        OtpKind::Totp {
            period: 30,
            t0: 100,
        },
    )
    .unwrap();
    let plain = totp(Algorithm::Sha1, 8, 30);
    assert_eq!(
        shifted.code_at(&secret(RFC_SEED_SHA1), 159).unwrap().value,
        plain.code_at(&secret(RFC_SEED_SHA1), 59).unwrap().value
    );
    assert_eq!(
        shifted.code_at(&secret(RFC_SEED_SHA1), 99),
        Err(OtpError::TimeBeforeT0 { now: 99, t0: 100 })
    );
}

#[test]
fn seconds_left_counts_down_to_the_next_step() {
    let params = totp(Algorithm::Sha1, 6, 30);
    let s = secret(RFC_SEED_SHA1);
    assert_eq!(params.code_at(&s, 60).unwrap().seconds_left, Some(30));
    assert_eq!(params.code_at(&s, 61).unwrap().seconds_left, Some(29));
    assert_eq!(params.code_at(&s, 89).unwrap().seconds_left, Some(1));
    let one_second = totp(Algorithm::Sha1, 6, 1);
    assert_eq!(one_second.code_at(&s, 1234).unwrap().step, 1234);
}

#[test]
fn steam_codes_match_an_independent_python_implementation() {
    // Computed with Python's hmac module and Steam's alphabet, outside this crate.
    let steam_secret = SecretBytes::from_base32("JRZCL47CMXVOQMNPZR2F7J4RGI").unwrap();
    let params = OtpParams::new(Algorithm::Sha1, 5, OtpKind::Steam { period: 30 }).unwrap();
    for (time, expected) in [
        (0, "C2F47"),
        (59, "9WW3X"),
        (1111111109, "T73T6"),
        (1700000000, "747JR"),
        (2000000000, "G7879"),
    ] {
        assert_eq!(
            params.code_at(&steam_secret, time).unwrap().value,
            expected,
            "at {time}"
        );
    }
}

#[test]
fn steam_ignores_digits_and_algorithm_it_cannot_use() {
    let params = OtpParams::new(Algorithm::Sha512, 8, OtpKind::Steam { period: 30 }).unwrap();
    assert_eq!(params.digits(), 5);
    assert_eq!(params.algorithm(), Algorithm::Sha1);
}

#[test]
fn out_of_range_parameters_are_refused_by_name() {
    for digits in [0, 5, 11, 255] {
        assert_eq!(
            OtpParams::new(Algorithm::Sha1, digits, OtpKind::Hotp { counter: 0 }),
            Err(OtpError::DigitsOutOfRange { digits })
        );
    }
    assert_eq!(
        OtpParams::new(Algorithm::Sha1, 6, OtpKind::Totp { period: 0, t0: 0 }),
        Err(OtpError::PeriodZero)
    );
    assert_eq!(
        OtpParams::new(Algorithm::Sha1, 6, OtpKind::Steam { period: 0 }),
        Err(OtpError::PeriodZero)
    );
    assert_eq!(
        OtpParams::default_totp().code_at(&SecretBytes::new(vec![]), 0),
        Err(OtpError::EmptySecret)
    );
}

#[test]
fn algorithm_names_are_read_as_issuers_write_them() {
    for (text, algorithm) in [
        ("SHA1", Algorithm::Sha1),
        ("sha1", Algorithm::Sha1),
        ("SHA-256", Algorithm::Sha256),
        ("HmacSHA512", Algorithm::Sha512),
    ] {
        assert_eq!(text.parse::<Algorithm>(), Ok(algorithm), "{text}");
    }
    assert_eq!(
        "MD5".parse::<Algorithm>(),
        Err(OtpError::UnknownAlgorithm { name: "MD5".into() })
    );
}

#[test]
fn verification_reports_the_step_that_matched_inside_the_window() {
    let params = totp(Algorithm::Sha1, 8, 30);
    let s = secret(RFC_SEED_SHA1);
    // "07081804" is the code of step 37037036 (time 1111111109).
    let now = 1111111109 + 30; // one step later
    let matched = params.verify(&s, "07081804", now, 1).unwrap().unwrap();
    assert_eq!(matched.step, 1111111109 / 30);
    assert_eq!(matched.drift, -1);
    assert_eq!(
        params.verify(&s, "07081804", now + 30, 1).unwrap(),
        None,
        "two steps late"
    );
    assert_eq!(
        params
            .verify(&s, "0708 1804", now, 1)
            .unwrap()
            .unwrap()
            .drift,
        -1
    );
    assert_eq!(params.verify(&s, "00000000", now, 1).unwrap(), None);
    assert_eq!(
        params.verify(&s, "0708180", now, 1).unwrap(),
        None,
        "wrong length"
    );
}

#[test]
fn hotp_verification_looks_ahead_only() {
    let s = secret(RFC_SEED_SHA1);
    let matched = hotp(6, 3).verify(&s, "254676", 0, 3).unwrap().unwrap();
    assert_eq!(matched, VerifiedStep { step: 5, drift: 2 });
    assert_eq!(
        hotp(6, 3).verify(&s, "359152", 0, 3).unwrap(),
        None,
        "counter 2 is used up"
    );
}

#[test]
fn steam_codes_verify_in_any_case() {
    let steam_secret = SecretBytes::from_base32("JRZCL47CMXVOQMNPZR2F7J4RGI").unwrap();
    let params = OtpParams::new(Algorithm::Sha1, 5, OtpKind::Steam { period: 30 }).unwrap();
    assert!(
        params
            .verify(&steam_secret, "9ww3x", 59, 0)
            .unwrap()
            .is_some()
    );
}

#[test]
fn code_debug_output_hides_the_code() {
    let code = OtpParams::default_totp()
        .code_at(&secret(RFC_SEED_SHA1), 59)
        .unwrap();
    assert!(!format!("{code:?}").contains(&code.value));
}

fn totp_rs_algorithm(algorithm: Algorithm) -> totp_rs::Algorithm {
    match algorithm {
        Algorithm::Sha1 => totp_rs::Algorithm::SHA1,
        Algorithm::Sha256 => totp_rs::Algorithm::SHA256,
        Algorithm::Sha512 => totp_rs::Algorithm::SHA512,
    }
}

proptest! {
    /// totp-rs is an independent implementation of the same RFC: wherever it
    /// applies (T0 = 0, 6-8 digits), our codes must be identical to its codes.
    #[test]
    fn totp_agrees_with_totp_rs(
        key in proptest::collection::vec(any::<u8>(), 10..64),
        algorithm in prop_oneof![Just(Algorithm::Sha1), Just(Algorithm::Sha256), Just(Algorithm::Sha512)],
        digits in 6u8..=8,
        period in 1u32..=120,
        time in 0i64..=40_000_000_000,
    ) {
        let reference = totp_rs::Builder::new()
            .with_algorithm(totp_rs_algorithm(algorithm))
            .with_digits(digits)
            .with_step_duration(u64::from(period))
            .with_secret(key.clone())
            .build_noncompliant();
        let ours = totp(algorithm, digits, period).code_at(&SecretBytes::new(key), time).unwrap();
        prop_assert_eq!(ours.value, reference.generate(time as u64).to_string());
    }

    #[test]
    fn steam_agrees_with_totp_rs(
        key in proptest::collection::vec(any::<u8>(), 10..40),
        time in 0i64..=40_000_000_000,
    ) {
        let reference = totp_rs::Builder::new_steam().with_secret(key.clone()).build_noncompliant();
        let params = OtpParams::new(Algorithm::Sha1, 5, OtpKind::Steam { period: 30 }).unwrap();
        let ours = params.code_at(&SecretBytes::new(key), time).unwrap();
        prop_assert_eq!(ours.value, reference.generate(time as u64).to_string());
    }

    #[test]
    fn every_generated_code_verifies_at_its_own_step(
        key in proptest::collection::vec(any::<u8>(), 1..64),
        digits in 6u8..=10,
        time in 0i64..=40_000_000_000,
    ) {
        let params = totp(Algorithm::Sha256, digits, 30);
        let s = SecretBytes::new(key);
        let code = params.code_at(&s, time).unwrap();
        prop_assert_eq!(code.value.len(), usize::from(digits));
        let matched = params.verify(&s, &code.value, time, 0).unwrap();
        prop_assert_eq!(matched.map(|m| m.step), Some(code.step));
    }
}

/// RustCrypto's HMAC, truncated as RFC 4226 says: the reference for the
/// key-state HMAC.
fn reference_truncated(algorithm: Algorithm, key: &[u8], counter: u64) -> u32 {
    use hmac::{Hmac, Mac};
    let message = counter.to_be_bytes();
    let digest = match algorithm {
        Algorithm::Sha1 => {
            let mut mac = Hmac::<sha1::Sha1>::new_from_slice(key).unwrap();
            mac.update(&message);
            mac.finalize().into_bytes().to_vec()
        }
        Algorithm::Sha256 => {
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
            mac.update(&message);
            mac.finalize().into_bytes().to_vec()
        }
        Algorithm::Sha512 => {
            let mut mac = Hmac::<sha2::Sha512>::new_from_slice(key).unwrap();
            mac.update(&message);
            mac.finalize().into_bytes().to_vec()
        }
    };
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    u32::from_be_bytes(digest[offset..offset + 4].try_into().unwrap()) & 0x7fff_ffff
}

#[test]
fn key_state_hmac_equals_rustcrypto_hmac_at_every_key_length_around_the_blocks() {
    // 63..=65 and 127..=129 bytes: keys one short of, equal to and one past a
    // block, where a key is hashed first; 200: past SHA-512's block too.
    for length in (0..=70).chain(126..=130).chain([200]) {
        let key: Vec<u8> = (0..length).map(|i| (i * 7 + 3) as u8).collect();
        for algorithm in [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512] {
            let state = key_state::KeyState::new(algorithm, &key);
            for counter in [0, 1, 59, 0x0123_4567_89ab_cdef, u64::MAX] {
                assert_eq!(
                    state.truncated_value(counter),
                    reference_truncated(algorithm, &key, counter),
                    "{algorithm}, {length}-byte key, counter {counter}"
                );
            }
        }
    }
}

#[test]
fn a_generator_shows_the_same_codes_as_code_at_and_hides_its_key() {
    let secret = secret(RFC_SEED_SHA1);
    let params = totp(Algorithm::Sha1, 8, 30);
    let generator = params.generator(&secret).unwrap();
    for time in [59, 1_111_111_109, 2_000_000_000, 20_000_000_000] {
        assert_eq!(generator.code_at(time), params.code_at(&secret, time));
    }
    assert!(!format!("{generator:?}").contains("49"), "{generator:?}");
    assert_eq!(
        OtpParams::default_totp()
            .generator(&SecretBytes::new(Vec::new()))
            .unwrap_err(),
        OtpError::EmptySecret
    );
}

#[test]
fn a_shown_code_is_reused_only_within_its_own_step() {
    let secret = secret(RFC_SEED_SHA1);
    let generator = totp(Algorithm::Sha1, 8, 30).generator(&secret).unwrap();
    let shown = generator.code_at(59).unwrap();
    assert_eq!(shown.value, "94287082");
    // A stand-in value shows which path was taken.
    let marked = OtpCode {
        value: "marked".into(),
        ..shown.clone()
    };
    let same_step = generator.code_at_reusing(40, Some(&marked)).unwrap();
    assert_eq!(
        (same_step.value.as_str(), same_step.seconds_left),
        ("marked", Some(20))
    );
    let next_step = generator.code_at_reusing(60, Some(&marked)).unwrap();
    assert_eq!(next_step, generator.code_at(60).unwrap());
    assert_ne!(next_step.value, "marked");
}

proptest! {
    #[test]
    fn key_state_hmac_equals_rustcrypto_hmac(
        key in proptest::collection::vec(any::<u8>(), 1..300),
        algorithm in prop_oneof![Just(Algorithm::Sha1), Just(Algorithm::Sha256), Just(Algorithm::Sha512)],
        counter in any::<u64>(),
    ) {
        let state = key_state::KeyState::new(algorithm, &key);
        prop_assert_eq!(state.truncated_value(counter), reference_truncated(algorithm, &key, counter));
    }
}
