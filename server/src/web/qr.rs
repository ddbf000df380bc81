//! QR codes the portal shows (enrollment URIs, TOTP secrets), drawn as inline
//! SVG: sharp at any size, no image codec on the server.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// `text` as an `<svg>` element, or `None` if it does not fit in a QR code.
pub fn svg(text: &str) -> Option<String> {
    // Medium error correction: survives a phone camera's glare and blur
    // without making the symbol too dense for a long enrollment URI.
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let drawn = code
        .render::<svg::Color<'_>>()
        .min_dimensions(288, 288)
        .quiet_zone(true)
        .build();
    // Inline in HTML: drop the XML declaration the renderer starts with.
    let start = drawn.find("<svg")?;
    Some(drawn[start..].to_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_uri_becomes_an_svg_element() {
        let drawn = super::svg("countersign://enroll?url=http%3A%2F%2F127.0.0.1").unwrap();
        assert!(drawn.starts_with("<svg"), "{}", &drawn[..40]);
        assert!(drawn.ends_with("</svg>"));
        assert!(
            super::svg(&"x".repeat(5000)).is_none(),
            "too long for any QR version"
        );
    }
}
