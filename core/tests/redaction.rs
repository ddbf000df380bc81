//! No credential in a log line: every type that holds an enrollment token, a
//! privacyIDEA enrollment credential, an OTP secret or a device key, and every
//! error made from such input, is formatted (Debug and Display) and searched
//! for the secret. (Before, a QR image holding an enrollment printed its whole
//! token in the import error, and `EnrollmentUri`'s Debug showed it too.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use countersign_core::keys::MemorySecretStore;
use countersign_core::push::PushStore;
use countersign_core::push::privacyidea::PiEnrollmentUri;
use countersign_core::push::{DeviceKeyRef, PushAccount, PushAccountStatus};
use countersign_core::push::{EnrollmentUri, JwsSigner, SoftwareKey};
use countersign_core::scan::{classify, scan_image};
use countersign_core::transfer::read_export;
use countersign_core::uri::{parse_migration, parse_otpauth};
use countersign_core::{SecretBytes, Vault};

const TOKEN: &str = "tokSECRETtokenNEVERprinted0123";
const CREDENTIAL: &str = "c0ffee5ecre7c4ede471a1";
const OTP_SECRET: &str = "JBSWY3DPEHPK3PXPQRSTUVWXYZ234567";

#[track_caller]
fn assert_clean(what: &str, text: &str) {
    for secret in [TOKEN, CREDENTIAL, OTP_SECRET] {
        assert!(!text.contains(secret), "{what} prints a credential: {text}");
    }
}

#[track_caller]
fn check<T: std::fmt::Debug>(what: &str, value: &T) {
    assert_clean(what, &format!("{value:?}"));
    assert_clean(what, &format!("{value:#?}"));
}

#[track_caller]
fn check_error<E: std::fmt::Debug + std::fmt::Display>(what: &str, error: &E) {
    check(what, error);
    assert_clean(what, &error.to_string());
}

fn enrollment() -> String {
    let server = SoftwareKey::generate().unwrap();
    EnrollmentUri {
        url: "https://mfa.example.com".into(),
        token: TOKEN.into(),
        sk: server.public_jwk().thumbprint(),
        user: "alice".into(),
        org: "Example".into(),
        exp: 2_000_000_000,
    }
    .build()
}

fn pipush() -> String {
    format!(
        "otpauth://pipush/PIPU0001?url=https%3A//pi.example.com/ttype/push&ttl=10\
         &issuer=privacyIDEA&enrollment_credential={CREDENTIAL}&v=1&serial=PIPU0001&sslverify=1"
    )
}

fn otpauth() -> String {
    format!("otpauth://totp/Example:alice?secret={OTP_SECRET}&issuer=Example")
}

/// A QR code of `text` as a PNG (black modules, 8 px, a white quiet zone).
fn qr_png(text: &str) -> Vec<u8> {
    let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
    let modules = code.width() as u32;
    let colors = code.to_colors();
    let (module, border) = (8u32, 32u32);
    let side = modules * module + 2 * border;
    let mut pixels = vec![255u8; (side * side) as usize];
    for y in 0..modules * module {
        for x in 0..modules * module {
            if colors[((y / module) * modules + x / module) as usize] == qrcode::Color::Dark {
                pixels[((border + y) * side + border + x) as usize] = 0;
            }
        }
    }
    let image = image::GrayImage::from_raw(side, side, pixels).unwrap();
    let mut bytes = std::io::Cursor::new(Vec::new());
    image.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
    bytes.into_inner()
}

#[test]
fn enrollment_uris_and_scan_payloads_never_print_their_credentials() {
    let parsed = EnrollmentUri::parse(&enrollment()).unwrap();
    assert_eq!(parsed.token, TOKEN, "the token is there, only not printed");
    check("EnrollmentUri", &parsed);
    check(
        "PiEnrollmentUri",
        &PiEnrollmentUri::parse(&pipush()).unwrap(),
    );
    check("ParsedOtpauth", &parse_otpauth(&otpauth()).unwrap());
    for text in [enrollment(), pipush(), otpauth()] {
        check("ScanPayload", &classify(&text));
    }
}

#[test]
fn scanned_images_and_their_import_errors_never_print_credentials() {
    for text in [enrollment(), pipush(), otpauth()] {
        let png = qr_png(&text);
        let result = scan_image(&png).unwrap().expect("the QR code is read");
        assert_eq!(result.text, text);
        check("ScanResult", &result);
        match read_export(&png, None, None) {
            Ok(contents) => check("ExportContents", &contents),
            Err(error) => check_error("ImportError", &error),
        }
    }
}

#[test]
fn errors_about_inputs_that_hold_credentials_do_not_repeat_them() {
    let broken_enrollment = enrollment().replace("v=1", "v=9");
    check_error(
        "EnrollUriError",
        &EnrollmentUri::parse(&broken_enrollment).unwrap_err(),
    );
    let broken_pipush = pipush().replace("ttl=10", "ttl=soon");
    check_error(
        "PiUriError",
        &PiEnrollmentUri::parse(&broken_pipush).unwrap_err(),
    );
    for broken in [
        otpauth().replace("totp", "motp"),
        otpauth() + "&digits=99",
        otpauth() + "&algorithm=MD5",
        otpauth().replace("secret=", "secret=1"),
    ] {
        check_error("UriError", &parse_otpauth(&broken).unwrap_err());
    }
    check_error(
        "MigrationError",
        &parse_migration("otpauth-migration://offline?data=!!!").unwrap_err(),
    );
}

#[test]
fn stored_push_accounts_and_keys_are_redacted() {
    let dir = tempfile::tempdir().unwrap();
    let mut vault = Vault::open(
        &dir.path().join("vault.sqlite"),
        Arc::new(MemorySecretStore::new()),
    )
    .unwrap();
    let device_key = SoftwareKey::generate().unwrap();
    let pkcs8 = device_key.expose_pkcs8().clone();
    let account = PushAccount {
        id: String::new(),
        server_url: "https://mfa.example.com".into(),
        server_jwk: SoftwareKey::generate().unwrap().public_jwk(),
        device_id: "dv_1".into(),
        user: "alice".into(),
        org: "Example".into(),
        policy: countersign_core::push::wire::Policy {
            biometric: countersign_core::push::wire::Biometric::Optional,
            number_matching: true,
        },
        key: DeviceKeyRef::Software(pkcs8.clone()),
        user_key: None,
        clock_offset: 0,
        status: PushAccountStatus::Active,
        created_at: 0,
    };
    vault.add_push_account(&account).unwrap();
    let key_hex = data_encoding::HEXLOWER.encode(pkcs8.expose_secret());
    for text in [
        format!("{:?}", vault.push_accounts().unwrap()),
        format!("{device_key:?}"),
        format!("{vault:?}"),
        format!("{:?}", SecretBytes::new(OTP_SECRET.as_bytes().to_vec())),
    ] {
        assert!(!text.contains(&key_hex[..32]), "{text}");
        assert!(
            !text.contains(&format!("{:?}", pkcs8.expose_secret())),
            "{text}"
        );
        assert_clean("stored", &text);
    }
}
