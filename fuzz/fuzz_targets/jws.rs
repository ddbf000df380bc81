//! `cargo +nightly fuzz run jws`: see fuzz/bodies for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| countersign_fuzz_bodies::jws(data));
