//! Arbitrary text through every URI parser and the payload classifier.
#![no_main]

use countersign_core::scan::classify;
use countersign_core::uri::{build_otpauth, parse_migration, parse_otpauth};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(parsed) = parse_otpauth(text) {
        // Whatever parses must build and parse back to the same account.
        let rebuilt = build_otpauth(&parsed.account);
        let again = parse_otpauth(&rebuilt).expect("a built URI parses");
        assert_eq!(again.account, parsed.account);
    }
    let _ = parse_migration(text);
    let _ = classify(text);
});
