//! A picked image must not stall the scanner: large images are scaled down
//! before the cascade, the scan has a time budget, and the shell can cancel it.
//! (Before these limits, a 4096×4096 noise picture ran for over a minute.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use countersign_core::scan::{
    MAX_STILL_PIXELS, ScanCancel, ScanError, ScanPayload, downscale_factor, scan_image,
    scan_image_with,
};

fn png(width: u32, height: u32, pixels: Vec<u8>) -> Vec<u8> {
    let image = image::GrayImage::from_raw(width, height, pixels).unwrap();
    let mut bytes = std::io::Cursor::new(Vec::new());
    image.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
    bytes.into_inner()
}

/// 4096 × 4096 pixels of noise (xorshift), the picture that stalled the scanner.
fn noise() -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let pixels = (0..4096 * 4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 56) as u8
        })
        .collect();
    png(4096, 4096, pixels)
}

/// A photo-sized (4000 × 3000) white image with a QR code drawn at
/// (`left`, `top`), `module` pixels a module.
fn large_photo_with_code(text: &str, left: u32, top: u32, module: u32) -> Vec<u8> {
    let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
    let width = code.width() as u32;
    let colors = code.to_colors();
    let (image_width, image_height) = (4000u32, 3000u32);
    let mut pixels = vec![255u8; (image_width * image_height) as usize];
    for y in 0..width * module {
        for x in 0..width * module {
            let dark = colors[((y / module) * width + x / module) as usize] == qrcode::Color::Dark;
            if dark {
                pixels[((top + y) * image_width + left + x) as usize] = 0;
            }
        }
    }
    png(image_width, image_height, pixels)
}

#[test]
fn a_noise_picture_stops_at_the_time_budget() {
    let bytes = noise();
    assert!(
        downscale_factor(4096, 4096) > 1,
        "it is scanned scaled down"
    );
    let result = scan_image_with(&bytes, &ScanCancel::new(), Duration::from_millis(1));
    assert!(
        matches!(result, Err(ScanError::TooSlow { .. })),
        "{result:?}"
    );
}

#[test]
fn a_cancelled_scan_stops_before_the_next_attempt() {
    let bytes = noise();
    let cancel = ScanCancel::new();
    let shell = cancel.clone();
    shell.cancel();
    let result = scan_image_with(&bytes, &cancel, Duration::from_secs(600));
    assert!(matches!(result, Err(ScanError::Cancelled)), "{result:?}");
}

#[test]
fn a_code_in_a_twelve_megapixel_photo_is_read_and_located_in_the_photo() {
    let uri = "otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example";
    let (left, top, module) = (2400, 1200, 12);
    let bytes = large_photo_with_code(uri, left, top, module);
    assert!(u64::from(4000u32 * 3000) > MAX_STILL_PIXELS);
    let found = scan_image(&bytes).unwrap().expect("the code is found");
    assert_eq!(found.text, uri);
    assert!(matches!(found.payload, ScanPayload::Otpauth(_)));
    // The points are in the photo's coordinates, not the scaled-down copy's.
    let side = qrcode::QrCode::new(uri.as_bytes()).unwrap().width() as f32 * module as f32;
    for point in &found.points {
        assert!(
            point.x >= left as f32 - 1.0 && point.x <= left as f32 + side + 1.0,
            "{point:?}"
        );
        assert!(
            point.y >= top as f32 - 1.0 && point.y <= top as f32 + side + 1.0,
            "{point:?}"
        );
    }
}
