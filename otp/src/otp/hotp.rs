//! RFC 4226 section 5.3: HMAC over the big-endian counter, then dynamic truncation.
//!
//! Each hash comes from the fastest well-kept implementation we measured
//! (`core/benches/otp.rs`, docs/benchmarks.md): SHA-1 from RustCrypto, which uses the CPU's SHA
//! instructions on x86-64 and ARMv8 (3x faster than ring's portable SHA-1), and
//! SHA-256/512 from ring, whose assembly beats RustCrypto's there.

use hmac::{Hmac, Mac};
use ring::hmac as ring_hmac;

use super::{Algorithm, OtpError};
use crate::secret::SecretBytes;

/// A keyed HMAC, built once per secret so a verification window reuses it.
pub(super) enum HmacKey {
    Sha1(Hmac<sha1::Sha1>),
    Ring(ring_hmac::Key),
}

impl HmacKey {
    pub(super) fn new(algorithm: Algorithm, secret: &SecretBytes) -> Result<Self, OtpError> {
        if secret.is_empty() {
            return Err(OtpError::EmptySecret);
        }
        let key = secret.expose_secret();
        Ok(match algorithm {
            // HMAC accepts keys of any length, so this cannot fail.
            Algorithm::Sha1 => {
                HmacKey::Sha1(Hmac::new_from_slice(key).map_err(|_| OtpError::EmptySecret)?)
            }
            Algorithm::Sha256 => HmacKey::Ring(ring_hmac::Key::new(ring_hmac::HMAC_SHA256, key)),
            Algorithm::Sha512 => HmacKey::Ring(ring_hmac::Key::new(ring_hmac::HMAC_SHA512, key)),
        })
    }

    /// The 31-bit number that RFC 4226's dynamic truncation yields for `counter`.
    pub(super) fn truncated_value(&self, counter: u64) -> u32 {
        let message = counter.to_be_bytes();
        match self {
            HmacKey::Sha1(key) => {
                let mut mac = key.clone();
                mac.update(&message);
                truncate(&mac.finalize().into_bytes())
            }
            HmacKey::Ring(key) => truncate(ring_hmac::sign(key, &message).as_ref()),
        }
    }
}

fn truncate(mac: &[u8]) -> u32 {
    // Every HMAC here is at least 20 bytes, so offset + 3 <= 15 + 3 is in range.
    let offset = usize::from(mac[mac.len() - 1] & 0x0f);
    u32::from_be_bytes([
        mac[offset],
        mac[offset + 1],
        mac[offset + 2],
        mac[offset + 3],
    ]) & 0x7fff_ffff
}

/// The value modulo 10^digits, zero-padded. With 10 digits every 31-bit value
/// already fits, so the modulus is done in u64.
pub(super) fn render_decimal(value: u32, digits: u8) -> String {
    let modulus = 10u64.pow(u32::from(digits));
    let code = u64::from(value) % modulus;
    format!("{code:0width$}", width = usize::from(digits))
}
