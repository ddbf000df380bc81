//! QR scanning for the camera screen: one still image or frame, or a live
//! `Scanner` session that keeps its state between frames.

use std::sync::Mutex;

use countersign_core::scan::{
    self, LumaFrame, Rotation, STILL_IMAGE_TIME, ScanCancel, ScanPayload, ScanResult, ScanSession,
};

use crate::error::FfiError;
use crate::records::{ScanItem, ScanKind, ScanPoint};

fn item(result: ScanResult) -> ScanItem {
    let detail = match &result.payload {
        ScanPayload::InvalidOtpauth(error) => Some(error.to_string()),
        ScanPayload::InvalidMigration(error) => Some(error.to_string()),
        ScanPayload::NotAuthenticator { link_host, .. } => link_host.clone(),
        ScanPayload::Otpauth(_)
        | ScanPayload::MigrationBatch(_)
        | ScanPayload::PushEnrollment { .. }
        | ScanPayload::PrivacyIdeaPush { .. } => None,
    };
    ScanItem {
        kind: ScanKind::from(&result.payload),
        detail,
        points: result
            .points
            .iter()
            .map(|p| ScanPoint { x: p.x, y: p.y })
            .collect(),
        text: result.text,
    }
}

/// A frame from the camera's arguments; a bad rotation is a typed error.
fn frame(
    width: u32,
    height: u32,
    row_stride: u32,
    rotation_degrees: u32,
    bytes: &[u8],
) -> Result<LumaFrame<'_>, FfiError> {
    Ok(LumaFrame {
        width,
        height,
        row_stride,
        rotation: Rotation::from_degrees(rotation_degrees)?,
        bytes,
    })
}

/// A PNG, JPEG or WebP file (a screenshot, a photo). Large images are scaled
/// down first and the scan gives up after 10 s (`InvalidInput`, "crop it").
#[uniffi::export]
pub fn scan_image(bytes: Vec<u8>) -> Result<Option<ScanItem>, FfiError> {
    Ok(scan::scan_image(&bytes)?.map(item))
}

/// A handle to stop an image scan from another thread (the user left the
/// screen or picked another image): make one, pass it to
/// `scan_image_cancellable`, call `cancel()`.
#[derive(Debug, Default, uniffi::Object)]
pub struct ScanCancellation {
    cancel: ScanCancel,
}

#[uniffi::export]
impl ScanCancellation {
    #[uniffi::constructor]
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cancel(&self) {
        self.cancel.cancel();
    }
}

/// `scan_image` that ends with `Cancelled` as soon as `cancellation` is cancelled
/// (checked between decoding attempts). Call it off the main thread.
#[uniffi::export]
pub fn scan_image_cancellable(
    bytes: Vec<u8>,
    cancellation: std::sync::Arc<ScanCancellation>,
) -> Result<Option<ScanItem>, FfiError> {
    Ok(scan::scan_image_with(&bytes, &cancellation.cancel, STILL_IMAGE_TIME)?.map(item))
}

/// One camera frame's luma plane, with every strategy (a still capture).
#[uniffi::export]
pub fn scan_luma_frame(
    width: u32,
    height: u32,
    row_stride: u32,
    rotation_degrees: u32,
    bytes: Vec<u8>,
) -> Result<Option<ScanItem>, FfiError> {
    let frame = frame(width, height, row_stride, rotation_degrees, &bytes)?;
    Ok(scan::scan_luma(&frame)?.map(item))
}

/// A live camera session: feed every preview frame; the first code ends it.
#[derive(Debug, uniffi::Object)]
pub struct Scanner {
    session: Mutex<ScanSession>,
}

#[uniffi::export]
impl Scanner {
    #[uniffi::constructor]
    pub fn new() -> Self {
        Self {
            session: Mutex::new(ScanSession::default()),
        }
    }

    pub fn push_frame(
        &self,
        width: u32,
        height: u32,
        row_stride: u32,
        rotation_degrees: u32,
        bytes: Vec<u8>,
    ) -> Result<Option<ScanItem>, FfiError> {
        let frame = frame(width, height, row_stride, rotation_degrees, &bytes)?;
        let mut session = self
            .session
            .lock()
            .map_err(|_| FfiError::platform("scanner poisoned"))?;
        Ok(session.push_frame(&frame)?.map(item))
    }

    pub fn is_finished(&self) -> bool {
        self.session.lock().map(|s| s.is_finished()).unwrap_or(true)
    }
}

impl Default for Scanner {
    fn default() -> Self {
        Self::new()
    }
}
