//! Still images (a picked file, a captured photo) get the whole cascade, but
//! within bounds: the decoder's cost grows faster than the pixel count (a
//! 4096×4096 noise picture ran past a minute), so a large image is scaled down
//! to at most `MAX_STILL_PIXELS` first, and the cascade stops at a time budget
//! or when the shell cancels. One attempt cannot be interrupted; the size cap
//! is what keeps each of them short.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::{Attempt, Gray, ScanError, run_attempt};

/// About 4 megapixels (2048 × 2048): a phone screenshot (2.6 MP) is scanned
/// as it is; a 12 MP photo is halved, which still leaves a code that fills a
/// tenth of the frame more than 100 pixels wide.
pub const MAX_STILL_PIXELS: u64 = 2048 * 2048;
/// How long a still image may take before the scan gives up.
pub const STILL_IMAGE_TIME: Duration = Duration::from_secs(10);

/// A handle the shell keeps to stop a scan from another thread (the user left
/// the screen or picked another image).
#[derive(Debug, Clone, Default)]
pub struct ScanCancel(Arc<AtomicBool>);

impl ScanCancel {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// The integer factor that brings `width × height` to at most `MAX_STILL_PIXELS`.
pub fn downscale_factor(width: u32, height: u32) -> u32 {
    let pixels = u64::from(width) * u64::from(height);
    let mut factor = 1u32;
    while pixels / u64::from(factor * factor) > MAX_STILL_PIXELS {
        factor += 1;
    }
    factor
}

/// A decoded text and the points where it was found.
pub(super) type Found = (String, Vec<(f32, f32)>);

/// Runs `attempts` on `image` (scaled down when large) until one decodes, the
/// time is up or the scan is cancelled. Points come back in `image`'s
/// coordinates.
pub(super) fn scan_still(
    image: &Gray,
    attempts: &[Attempt],
    cancel: &ScanCancel,
    time: Duration,
) -> Result<Option<Found>, ScanError> {
    let deadline = Instant::now() + time;
    let factor = downscale_factor(image.width, image.height);
    let scaled;
    let target = if factor > 1 {
        scaled = image.downscaled(factor);
        &scaled
    } else {
        image
    };
    for attempt in attempts {
        if cancel.is_cancelled() {
            return Err(ScanError::Cancelled);
        }
        if Instant::now() > deadline {
            return Err(ScanError::TooSlow {
                seconds: time.as_secs(),
            });
        }
        if let Some((text, points)) = run_attempt(target, *attempt) {
            let scale = factor as f32;
            let points = points.into_iter().map(|(x, y)| (x * scale, y * scale));
            return Ok(Some((text, points.collect())));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_images_over_the_cap_are_scaled_and_the_result_fits_it() {
        assert_eq!(downscale_factor(1080, 2400), 1);
        assert_eq!(downscale_factor(2048, 2048), 1);
        assert_eq!(downscale_factor(4000, 3000), 2);
        assert_eq!(downscale_factor(4096, 4096), 2);
        assert_eq!(downscale_factor(8192, 8192), 4);
        for (width, height) in [(4097, 4096), (8192, 5000), (6000, 1)] {
            let factor = downscale_factor(width, height);
            assert!(u64::from(width / factor) * u64::from(height / factor) <= MAX_STILL_PIXELS);
        }
    }
}
