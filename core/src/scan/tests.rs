use super::*;

fn frame(width: u32, height: u32, row_stride: u32, bytes: &[u8]) -> LumaFrame<'_> {
    LumaFrame {
        width,
        height,
        row_stride,
        rotation: Rotation::Deg0,
        bytes,
    }
}

#[test]
fn geometry_that_does_not_fit_the_buffer_is_a_typed_error() {
    let bytes = vec![0u8; 100];
    assert_eq!(
        scan_luma(&frame(4, 3, 4, &bytes[..10])),
        Err(ScanError::BufferTooSmall {
            needed: 12,
            got: 10
        })
    );
    assert!(matches!(
        scan_luma(&frame(0, 3, 4, &bytes)),
        Err(ScanError::BadGeometry { .. })
    ));
    assert!(matches!(
        scan_luma(&frame(3, 0, 4, &bytes)),
        Err(ScanError::BadGeometry { .. })
    ));
    assert!(matches!(
        scan_luma(&frame(10, 3, 9, &bytes)),
        Err(ScanError::BadGeometry { .. })
    ));
    assert!(matches!(
        scan_luma(&frame(MAX_SIDE + 1, 1, MAX_SIDE + 1, &bytes)),
        Err(ScanError::BadGeometry { .. })
    ));
    // Stride times height would overflow 32 bits: still just "too small".
    assert!(matches!(
        scan_luma(&frame(8000, 8000, u32::MAX, &bytes)),
        Err(ScanError::BufferTooSmall { .. })
    ));
    assert_eq!(
        Rotation::from_degrees(45),
        Err(ScanError::BadRotation { degrees: 45 })
    );
}

#[test]
fn the_last_row_may_lack_its_padding() {
    // 3 rows of 10 pixels, stride 16: 16 + 16 + 10 bytes suffice.
    let bytes = vec![200u8; 42];
    assert_eq!(scan_luma(&frame(10, 3, 16, &bytes)), Ok(None));
}

#[test]
fn blank_and_tiny_frames_hold_nothing() {
    let white = vec![255u8; 64 * 48];
    assert_eq!(scan_luma(&frame(64, 48, 64, &white)), Ok(None));
    assert_eq!(scan_luma(&frame(1, 1, 1, &[0])), Ok(None));
}

#[test]
fn upright_points_follow_the_rotation() {
    // A 4×2 sensor frame; pixel (0, 0) is the sensor's top-left corner.
    assert_eq!(Rotation::Deg0.upright((0.0, 0.0), 4, 2), (0.0, 0.0));
    // Turned 90° clockwise the top-left goes to the top-right of a 2×4 picture.
    assert_eq!(Rotation::Deg90.upright((0.0, 0.0), 4, 2), (1.0, 0.0));
    assert_eq!(Rotation::Deg180.upright((0.0, 0.0), 4, 2), (3.0, 1.0));
    assert_eq!(Rotation::Deg270.upright((0.0, 0.0), 4, 2), (0.0, 3.0));
}

#[test]
fn not_an_image_is_a_typed_error() {
    assert!(matches!(
        scan_image(b"definitely not a picture"),
        Err(ScanError::NotAnImage { .. })
    ));
    assert!(matches!(scan_image(&[]), Err(ScanError::NotAnImage { .. })));
    // A PNG signature with nothing after it.
    assert!(matches!(
        scan_image(b"\x89PNG\r\n\x1a\n"),
        Err(ScanError::NotAnImage { .. })
    ));
}

mod never_panics {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        /// Any geometry with any buffer: a result, `None`, or a typed error.
        #[test]
        fn scan_luma_with_arbitrary_geometry(
            width in 0u32..80,
            height in 0u32..80,
            padding in 0u32..16,
            rotation in prop_oneof![Just(Rotation::Deg0), Just(Rotation::Deg90), Just(Rotation::Deg180), Just(Rotation::Deg270)],
            bytes in proptest::collection::vec(any::<u8>(), 0..8000),
        ) {
            let frame = LumaFrame { width, height, row_stride: width + padding, rotation, bytes: &bytes };
            let _ = scan_luma(&frame);
            let _ = ScanSession::default().push_frame(&frame);
        }

        #[test]
        fn scan_image_with_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
            let _ = scan_image(&bytes);
        }

        /// Real PNG headers followed by junk reach the decoder's deeper paths.
        #[test]
        fn scan_image_with_a_png_signature_and_junk(junk in proptest::collection::vec(any::<u8>(), 0..2000)) {
            let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
            bytes.extend(junk);
            let _ = scan_image(&bytes);
        }

        #[test]
        fn classify_arbitrary_text(text in "\\PC{0,200}") {
            let _ = classify(&text);
            let _ = classify(&format!("otpauth-migration://offline?data={text}"));
        }
    }
}
