//! RFC 4226 section 5.3: HMAC over the big-endian counter, then dynamic truncation.

use ring::hmac;

use super::{Algorithm, OtpError};
use crate::secret::SecretBytes;

/// A keyed HMAC, built once per secret so a verification window reuses it.
pub(super) struct HmacKey(hmac::Key);

impl HmacKey {
    pub(super) fn new(algorithm: Algorithm, secret: &SecretBytes) -> Result<Self, OtpError> {
        if secret.is_empty() {
            return Err(OtpError::EmptySecret);
        }
        let ring_algorithm = match algorithm {
            // RFC 4226 and nearly every issued account use SHA-1 in HMAC, where its
            // collision weakness does not apply.
            Algorithm::Sha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            Algorithm::Sha256 => hmac::HMAC_SHA256,
            Algorithm::Sha512 => hmac::HMAC_SHA512,
        };
        Ok(Self(hmac::Key::new(ring_algorithm, secret.expose_secret())))
    }

    /// The 31-bit number that RFC 4226's dynamic truncation yields for `counter`.
    pub(super) fn truncated_value(&self, counter: u64) -> u32 {
        let tag = hmac::sign(&self.0, &counter.to_be_bytes());
        let mac = tag.as_ref();
        // Every HMAC here is at least 20 bytes, so offset + 3 <= 15 + 3 is in range.
        let offset = usize::from(mac[mac.len() - 1] & 0x0f);
        u32::from_be_bytes([
            mac[offset],
            mac[offset + 1],
            mac[offset + 2],
            mac[offset + 3],
        ]) & 0x7fff_ffff
    }
}

/// The value modulo 10^digits, zero-padded. With 10 digits every 31-bit value
/// already fits, so the modulus is done in u64.
pub(super) fn render_decimal(value: u32, digits: u8) -> String {
    let modulus = 10u64.pow(u32::from(digits));
    let code = u64::from(value) % modulus;
    format!("{code:0width$}", width = usize::from(digits))
}
