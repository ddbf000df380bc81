//! RFC 4226 section 5.3: HMAC over the big-endian counter, then dynamic truncation.

use super::key_state::KeyState;
use super::{Algorithm, OtpError};
use crate::secret::SecretBytes;

/// A keyed HMAC, built once per secret so a verification window, or a codes
/// screen ticking every second, reuses it.
pub(super) fn key_state(algorithm: Algorithm, secret: &SecretBytes) -> Result<KeyState, OtpError> {
    if secret.is_empty() {
        return Err(OtpError::EmptySecret);
    }
    Ok(KeyState::new(algorithm, secret.expose_secret()))
}

/// The value modulo 10^digits, zero-padded. With 10 digits every 31-bit value
/// already fits, so the modulus is done in u64. Written digit by digit: a
/// `format!` here cost a third of a cached code's time.
pub(super) fn render_decimal(value: u32, digits: u8) -> String {
    let digits = usize::from(digits);
    let mut rest = u64::from(value);
    let mut text = [b'0'; super::MAX_DIGITS as usize];
    for slot in text[..digits].iter_mut().rev() {
        // rest % 10 < 10, so the cast keeps the value.
        *slot = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    // ASCII digits, so this never fails; one exact allocation.
    std::str::from_utf8(&text[..digits])
        .map(str::to_owned)
        .unwrap_or_default()
}
