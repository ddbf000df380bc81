//! One function per fuzz target, taking the fuzzer's bytes. Each feeds a
//! parser hostile input and may assert properties (round trips); a panic, an
//! abort or a hang is a finding. The cargo-fuzz targets in `../fuzz/fuzz_targets`
//! are one-line wrappers, and `tests/replay.rs` runs every corpus file through
//! the same functions on stable, so CI replays what the fuzzers found.

// A failed property must stop the fuzzer with its input: panicking is the
// finding's report.
#![allow(clippy::panic)]

use std::cell::RefCell;
use std::sync::Arc;

use countersign_core::keys::MemorySecretStore;
use countersign_core::push::device::PushDevice;
use countersign_core::push::jose::Compact;
use countersign_core::push::privacyidea::PiEnrollmentUri;
use countersign_core::push::wire::{ChallengeClaims, EnrollClaims, RequestClaims, TYP_CHALLENGE};
use countersign_core::push::{EnrollmentUri, JwsSigner, SoftwareKey};
use countersign_core::scan::{LumaFrame, Rotation, ScanSession, classify, scan_image, scan_luma};
use countersign_core::transfer::{ImportFormat, detect, read_export};
use countersign_core::uri::{build_otpauth, parse_migration, parse_otpauth};
use countersign_core::{FixedClock, SharedVault, Vault};

/// A fuzz target's body: the fuzzer's bytes in, a panic for a finding.
pub type Body = fn(&[u8]);

/// Every target, by the name of its corpus folder and cargo-fuzz binary.
pub const TARGETS: [(&str, Body); 8] = [
    ("otpauth", otpauth),
    ("migration", migration),
    ("enrollment_uri", enrollment_uri),
    ("jws", jws),
    ("push_payload", push_payload),
    ("import", import_detected),
    ("scan_image", image),
    ("scan_luma", luma),
];

fn text(data: &[u8]) -> &str {
    std::str::from_utf8(data).unwrap_or_default()
}

/// `otpauth://`: whatever parses builds and parses back to the same account.
pub fn otpauth(data: &[u8]) {
    let text = text(data);
    if let Ok(parsed) = parse_otpauth(text) {
        let rebuilt = build_otpauth(&parsed.account);
        match parse_otpauth(&rebuilt) {
            Ok(again) => assert_eq!(again.account, parsed.account, "round trip of {text:?}"),
            Err(error) => panic!("{rebuilt:?}, built from {text:?}, does not parse: {error}"),
        }
    }
    let _ = classify(text);
}

/// `otpauth-migration://` (Google Authenticator exports).
pub fn migration(data: &[u8]) {
    let _ = parse_migration(text(data));
}

/// Enrollment QR codes of both dialects; ours round-trip through `build`.
pub fn enrollment_uri(data: &[u8]) {
    let text = text(data);
    if let Ok(uri) = EnrollmentUri::parse(text) {
        match EnrollmentUri::parse(&uri.build()) {
            Ok(again) => assert_eq!(again, uri, "round trip of {text:?}"),
            Err(error) => panic!("{text:?} parses but its rebuilt form does not: {error}"),
        }
    }
    let _ = PiEnrollmentUri::parse(text);
}

/// Compact JWS: parse, verify against a key, read every claims type.
pub fn jws(data: &[u8]) {
    let Ok(compact) = Compact::parse(text(data)) else {
        return;
    };
    thread_local! {
        static KEY: Option<SoftwareKey> = SoftwareKey::generate().ok();
    }
    KEY.with(|key| {
        if let Some(key) = key {
            let _ = compact.verify(&key.public_jwk(), TYP_CHALLENGE);
        }
    });
    let _ = compact.claims::<ChallengeClaims>();
    let _ = compact.claims::<EnrollClaims>();
    let _ = compact.claims::<RequestClaims>();
    let _ = compact.claims::<serde_json::Value>();
}

/// An APNs / FCM payload as the shell hands it over (both dialects).
pub fn push_payload(data: &[u8]) {
    struct Phone {
        _dir: tempfile::TempDir,
        vault: SharedVault,
        device: PushDevice,
    }
    thread_local! {
        static PHONE: RefCell<Option<Phone>> = RefCell::new({
            let dir = tempfile::tempdir().ok();
            dir.and_then(|dir| {
                let vault = Vault::open(
                    &dir.path().join("vault.sqlite"),
                    Arc::new(MemorySecretStore::new()),
                )
                .ok()?;
                Some(Phone {
                    _dir: dir,
                    vault: SharedVault::new(vault),
                    device: PushDevice::new(Arc::new(FixedClock::new(1_767_268_800))).ok()?,
                })
            })
        });
    }
    PHONE.with(|phone| {
        if let Some(phone) = phone.borrow_mut().as_mut() {
            let _ = phone.device.handle_push_payload(&phone.vault, data);
        }
    });
}

/// An export file whose format is detected from its bytes.
pub fn import_detected(data: &[u8]) {
    import_as(data, None);
}

/// An export file read by a chosen importer: the first byte picks it (past
/// the last, detection), the rest is the file. Encrypted formats get a
/// password, so their KDF rules run. (The `import_as` fuzz target; its replay
/// feeds every import corpus file to every importer.)
pub fn import_selected(data: &[u8]) {
    let Some((selector, file)) = data.split_first() else {
        return;
    };
    let format = ImportFormat::ALL.get(usize::from(*selector)).copied();
    import_as(file, format);
}

/// [`import`] with the importer named (`None`: detected from the bytes).
pub fn import_as(file: &[u8], format: Option<ImportFormat>) {
    let _ = detect(file);
    let _ = read_export(file, format, Some("fuzz password"));
}

/// An image file (a picked screenshot or photo).
pub fn image(data: &[u8]) {
    let _ = scan_image(data);
}

/// A camera frame: arbitrary geometry, stride and rotation over arbitrary bytes.
pub fn luma(data: &[u8]) {
    #[derive(Debug, arbitrary::Arbitrary)]
    struct Input<'a> {
        width: u16,
        height: u16,
        padding: u8,
        rotation: u8,
        bytes: &'a [u8],
    }
    let mut unstructured = arbitrary::Unstructured::new(data);
    let Ok(input) = <Input<'_> as arbitrary::Arbitrary>::arbitrary(&mut unstructured) else {
        return;
    };
    let rotation = match input.rotation % 4 {
        0 => Rotation::Deg0,
        1 => Rotation::Deg90,
        2 => Rotation::Deg180,
        _ => Rotation::Deg270,
    };
    let width = u32::from(input.width % 512);
    let frame = LumaFrame {
        width,
        height: u32::from(input.height % 512),
        row_stride: width + u32::from(input.padding),
        rotation,
        bytes: input.bytes,
    };
    let _ = scan_luma(&frame);
    let _ = ScanSession::default().push_frame(&frame);
}
