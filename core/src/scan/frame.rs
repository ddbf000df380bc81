//! Camera frames as the phones hand them over: the luma (Y) plane of a YUV image,
//! rows padded to a stride, and the rotation that makes the picture upright.
//! Geometry that does not fit the buffer is a typed error, never a bad read.

use super::ScanError;
use super::decode::Gray;

/// The largest side we accept: beyond 8K a "frame" is not from a phone camera.
pub const MAX_SIDE: u32 = 8192;

/// Degrees clockwise the frame must be turned to be upright (Android's
/// `ImageInfo.rotationDegrees`, iOS's `CGImagePropertyOrientation` mapped likewise).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Rotation {
    #[default]
    Deg0,
    Deg90,
    Deg180,
    Deg270,
}

impl Rotation {
    pub fn from_degrees(degrees: u32) -> Result<Self, ScanError> {
        match degrees % 360 {
            0 => Ok(Rotation::Deg0),
            90 => Ok(Rotation::Deg90),
            180 => Ok(Rotation::Deg180),
            270 => Ok(Rotation::Deg270),
            _ => Err(ScanError::BadRotation { degrees }),
        }
    }

    /// Where sensor pixel (x, y) of a `width`×`height` frame lands once upright.
    pub(crate) fn upright(self, (x, y): (f32, f32), width: u32, height: u32) -> (f32, f32) {
        let (w, h) = (width as f32, height as f32);
        match self {
            Rotation::Deg0 => (x, y),
            Rotation::Deg90 => (h - 1.0 - y, x),
            Rotation::Deg180 => (w - 1.0 - x, h - 1.0 - y),
            Rotation::Deg270 => (y, w - 1.0 - x),
        }
    }
}

/// A borrowed luma plane.
#[derive(Debug, Clone, Copy)]
pub struct LumaFrame<'a> {
    pub width: u32,
    pub height: u32,
    /// Bytes from the start of one row to the start of the next (>= width).
    pub row_stride: u32,
    pub rotation: Rotation,
    pub bytes: &'a [u8],
}

impl LumaFrame<'_> {
    /// Checks the geometry against the buffer and copies the rows out without
    /// their padding.
    pub(crate) fn packed(&self) -> Result<Gray, ScanError> {
        let (width, height, stride) = (self.width, self.height, self.row_stride);
        if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
            return Err(ScanError::BadGeometry {
                reason: format!("{width}×{height} is not a frame size (1 to {MAX_SIDE} a side)"),
            });
        }
        if stride < width {
            return Err(ScanError::BadGeometry {
                reason: format!("row stride {stride} is smaller than the width {width}"),
            });
        }
        // The last row needs only `width` bytes: platforms may omit its padding.
        let needed = u64::from(stride) * u64::from(height - 1) + u64::from(width);
        if (self.bytes.len() as u64) < needed {
            return Err(ScanError::BufferTooSmall {
                needed,
                got: self.bytes.len() as u64,
            });
        }
        let (width, stride) = (width as usize, stride as usize);
        let mut pixels = Vec::with_capacity(width * height as usize);
        for row in self.bytes.chunks(stride).take(height as usize) {
            pixels.extend_from_slice(&row[..width]);
        }
        Ok(Gray {
            width: self.width,
            height: self.height,
            pixels,
        })
    }
}
