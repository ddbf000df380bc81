//! `cargo +nightly fuzz run otpauth`: see fuzz/bodies for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| countersign_fuzz_bodies::otpauth(data));
