//! Files the user names: read with a cap, so a huge or endless file (a
//! device, a pipe) is refused instead of filling memory.

use std::io::Read;
use std::path::Path;

use countersign_core::scan::MAX_IMAGE_FILE_BYTES;

use crate::error::CliError;

/// An image to scan, at most `MAX_IMAGE_FILE_BYTES` (the scanner refuses more).
pub fn read_image(path: &Path) -> Result<Vec<u8>, CliError> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_IMAGE_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}
