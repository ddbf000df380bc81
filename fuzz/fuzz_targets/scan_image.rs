//! Arbitrary bytes as an image file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let _ = countersign_core::scan::scan_image(bytes);
});
