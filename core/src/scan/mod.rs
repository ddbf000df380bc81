//! QR scanning for enrollment: camera frames (a luma plane with stride and
//! rotation) and image files (PNG, JPEG, WebP), decoded in pure Rust (rxing) with a
//! cascade of pre-processing and binarization strategies chosen by measurement
//! (docs/scanner.md), then classified.
//!
//! Must not: know about accounts or storage; panic on any input.

mod classify;
mod decode;
mod frame;
mod image_file;

pub use image_file::{MAX_IMAGE_FILE_BYTES, to_gray as decode_image_file};
mod session;
mod still;

pub use classify::{NotAnAccount, ScanPayload, account_from_code, classify};
pub use decode::{ALL_STRATEGIES, Gray, Strategy};
pub use frame::{LumaFrame, MAX_SIDE, Rotation};
pub use session::ScanSession;
pub use still::{MAX_STILL_PIXELS, STILL_IMAGE_TIME, ScanCancel, downscale_factor};

/// A decoded code: its text, where it was (upright frame coordinates, for a
/// viewfinder overlay) and what it is.
#[derive(Clone, PartialEq)]
pub struct ScanResult {
    pub text: String,
    /// The finder-pattern centres or corners the decoder reported (3 or 4 points).
    pub points: Vec<ScanPoint>,
    pub payload: ScanPayload,
}

/// The decoded text holds whatever the code holds (secrets, enrollment
/// tokens): Debug shows its length and the classified payload only.
impl std::fmt::Debug for ScanResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanResult")
            .field(
                "text",
                &format_args!("[{} bytes, redacted]", self.text.len()),
            )
            .field("points", &self.points)
            .field("payload", &self.payload)
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScanPoint {
    pub x: f32,
    pub y: f32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    #[error("the frame geometry is wrong: {reason}")]
    BadGeometry { reason: String },
    #[error("the frame buffer has {got} bytes, but its geometry needs {needed}")]
    BufferTooSmall { needed: u64, got: u64 },
    #[error("rotation must be 0, 90, 180 or 270 degrees, not {degrees}")]
    BadRotation { degrees: u32 },
    #[error("this file is not an image we can read (PNG, JPEG or WebP): {reason}")]
    NotAnImage { reason: String },
    #[error("the image is too large to scan ({width}×{height}; at most {MAX_SIDE} a side)")]
    ImageTooLarge { width: u32, height: u32 },
    #[error(
        "the file is {bytes} bytes, more than the {} MiB a picture of a QR code needs; pick a \
         smaller image",
        MAX_IMAGE_FILE_BYTES / (1024 * 1024)
    )]
    FileTooLarge { bytes: u64 },
    #[error(
        "the image took too long to scan (over {seconds} s): crop it to the QR code and try again"
    )]
    TooSlow { seconds: u64 },
    #[error("the scan was cancelled")]
    Cancelled,
}

/// An image transformation applied before a strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transform {
    Original,
    /// 2×2 pixels averaged into one.
    Half,
    /// Light and dark swapped (dark-mode codes).
    Inverted,
    HalfInverted,
    /// Contrast stretched to the full range.
    Stretched,
    /// Unsharp-masked.
    Sharpened,
    /// Stretched, then unsharp-masked.
    StretchedSharpened,
}

pub const ALL_TRANSFORMS: [Transform; 7] = [
    Transform::Original,
    Transform::Half,
    Transform::Inverted,
    Transform::HalfInverted,
    Transform::Stretched,
    Transform::Sharpened,
    Transform::StretchedSharpened,
];

/// One transform + strategy: the unit the cascades are made of and measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Attempt {
    pub transform: Transform,
    pub strategy: Strategy,
}

const fn attempt(transform: Transform, strategy: Strategy) -> Attempt {
    Attempt {
        transform,
        strategy,
    }
}

/// Every attempt worth making, most productive per millisecond first (measured
/// on the test corpus with `examples/scan_accuracy.rs --attempts`; docs/scanner.md). A still
/// image gets all of them in this order.
pub const CASCADE: [Attempt; 10] = [
    attempt(Transform::Original, Strategy::Hybrid),
    attempt(Transform::Half, Strategy::Hybrid),
    attempt(Transform::Inverted, Strategy::Hybrid),
    attempt(Transform::Original, Strategy::GlobalHistogram),
    attempt(Transform::Original, Strategy::HybridTryHarder),
    attempt(Transform::Half, Strategy::GlobalHistogram),
    attempt(Transform::Inverted, Strategy::HybridTryHarder),
    attempt(Transform::HalfInverted, Strategy::Hybrid),
    attempt(Transform::Sharpened, Strategy::Hybrid),
    attempt(Transform::Stretched, Strategy::HybridTryHarder),
];

/// The attempts whose 95th-percentile cost at 720p is within a live frame's budget.
pub const CHEAP_ATTEMPTS: [Attempt; 6] = [
    attempt(Transform::Original, Strategy::Hybrid),
    attempt(Transform::Half, Strategy::Hybrid),
    attempt(Transform::Original, Strategy::GlobalHistogram),
    attempt(Transform::HalfInverted, Strategy::Hybrid),
    attempt(Transform::Half, Strategy::GlobalHistogram),
    attempt(Transform::Inverted, Strategy::Hybrid),
];

/// The rest of the cascade: each may take 10-20 ms on a 720p frame.
pub const EXPENSIVE_ATTEMPTS: [Attempt; 4] = [
    attempt(Transform::Original, Strategy::HybridTryHarder),
    attempt(Transform::Stretched, Strategy::HybridTryHarder),
    attempt(Transform::Sharpened, Strategy::Hybrid),
    attempt(Transform::Inverted, Strategy::HybridTryHarder),
];

/// Runs one attempt on a packed image; points are in the image's coordinates.
pub fn run_attempt(image: &Gray, attempt: Attempt) -> Option<(String, Vec<(f32, f32)>)> {
    let (prepared, scale) = match attempt.transform {
        Transform::Original => (None, 1.0),
        Transform::Half => (Some(image.downscaled(2)), 2.0),
        Transform::Inverted => (Some(image.inverted()), 1.0),
        Transform::HalfInverted => (Some(image.downscaled(2).inverted()), 2.0),
        Transform::Stretched => (Some(image.stretched()), 1.0),
        Transform::Sharpened => (Some(image.sharpened()), 1.0),
        Transform::StretchedSharpened => (Some(image.stretched().sharpened()), 1.0),
    };
    let decoded = decode::decode(prepared.as_ref().unwrap_or(image), attempt.strategy)?;
    let points = decoded
        .points
        .iter()
        .map(|(x, y)| (x * scale, y * scale))
        .collect();
    Some((decoded.text, points))
}

/// Scans one camera frame with every strategy (for a still capture; a live
/// preview should use a [`ScanSession`]), within `STILL_IMAGE_TIME`.
pub fn scan_luma(frame: &LumaFrame<'_>) -> Result<Option<ScanResult>, ScanError> {
    let image = frame.packed()?;
    Ok(
        still::scan_still(&image, &CASCADE, &ScanCancel::new(), STILL_IMAGE_TIME)?
            .map(|(text, points)| result(text, points, frame.rotation, frame.width, frame.height)),
    )
}

/// Scans a PNG, JPEG or WebP file's bytes within `STILL_IMAGE_TIME`.
pub fn scan_image(bytes: &[u8]) -> Result<Option<ScanResult>, ScanError> {
    scan_image_with(bytes, &ScanCancel::new(), STILL_IMAGE_TIME)
}

/// [`scan_image`] that stops when `cancel` is cancelled (from another thread)
/// or after `time`: `ScanError::Cancelled` or `ScanError::TooSlow`.
pub fn scan_image_with(
    bytes: &[u8],
    cancel: &ScanCancel,
    time: std::time::Duration,
) -> Result<Option<ScanResult>, ScanError> {
    let image = image_file::to_gray(bytes)?;
    Ok(still::scan_still(&image, &CASCADE, cancel, time)?
        .map(|(text, points)| result(text, points, Rotation::Deg0, image.width, image.height)))
}

fn result(
    text: String,
    points: Vec<(f32, f32)>,
    rotation: Rotation,
    width: u32,
    height: u32,
) -> ScanResult {
    ScanResult {
        payload: classify(&text),
        points: points
            .into_iter()
            .map(|point| {
                let (x, y) = rotation.upright(point, width, height);
                ScanPoint { x, y }
            })
            .collect(),
        text,
    }
}

#[cfg(test)]
mod tests;
