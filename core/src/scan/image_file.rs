//! Image files to grayscale: PNG, JPEG and WebP through the `image` crate, with
//! limits so a hostile file cannot make us allocate gigabytes.

use std::io::Cursor;

use image::{DynamicImage, ImageReader, Limits};

use super::ScanError;
use super::decode::Gray;
use super::frame::MAX_SIDE;

/// An image file at the most: a phone photo is a few MiB; more is not a
/// picture of a QR code worth decoding.
pub const MAX_IMAGE_FILE_BYTES: usize = 64 * 1024 * 1024;

pub fn to_gray(bytes: &[u8]) -> Result<Gray, ScanError> {
    if bytes.len() > MAX_IMAGE_FILE_BYTES {
        return Err(ScanError::FileTooLarge {
            bytes: bytes.len() as u64,
        });
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|error| ScanError::NotAnImage {
            reason: error.to_string(),
        })?;
    reader.limits(limits());
    let (width, height) = reader
        .into_dimensions()
        .map_err(|error| ScanError::NotAnImage {
            reason: error.to_string(),
        })?;
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(ScanError::ImageTooLarge { width, height });
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|error| ScanError::NotAnImage {
            reason: error.to_string(),
        })?;
    reader.limits(limits());
    let image = reader.decode().map_err(|error| ScanError::NotAnImage {
        reason: error.to_string(),
    })?;
    Ok(luma_on_white(&image))
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(512 * 1024 * 1024);
    limits
}

/// Grayscale, with transparent pixels composited onto white: a QR drawn in black
/// on a transparent background would otherwise turn entirely black.
fn luma_on_white(image: &DynamicImage) -> Gray {
    let (width, height) = (image.width(), image.height());
    let pixels = if image.color().has_alpha() {
        image
            .to_luma_alpha8()
            .pixels()
            .map(|pixel| {
                let [luma, alpha] = pixel.0;
                let (luma, alpha) = (u32::from(luma), u32::from(alpha));
                ((luma * alpha + 255 * (255 - alpha)) / 255) as u8
            })
            .collect()
    } else {
        image.to_luma8().into_raw()
    };
    Gray {
        width,
        height,
        pixels,
    }
}
