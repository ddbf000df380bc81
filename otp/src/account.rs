//! An OTP account as the user sees it: who issued it, for whom, and how its codes
//! are made. Parsed from QR codes and imports, stored by the vault.

use crate::clock::UnixTime;
use crate::otp::{OtpCode, OtpError, OtpParams};
use crate::secret::SecretBytes;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtpAccount {
    /// The service, e.g. "GitHub". `None` when the QR code names none.
    pub issuer: Option<String>,
    /// The account at that service, e.g. "jane@example.com".
    pub name: String,
    pub secret: SecretBytes,
    pub params: OtpParams,
    /// Parameters we do not interpret (e.g. `image`, `color`), kept in order so
    /// that exporting the account gives them back.
    pub extra: Vec<(String, String)>,
}

/// Under 128 bits a secret is guessable offline faster than RFC 4226 recommends;
/// 80-bit secrets are common enough that we accept and flag them.
pub const RECOMMENDED_SECRET_BITS: usize = 128;

impl OtpAccount {
    pub fn code_at(&self, now: UnixTime) -> Result<OtpCode, OtpError> {
        self.params.code_at(&self.secret, now)
    }

    pub fn has_weak_secret(&self) -> bool {
        self.secret.len_bits() < RECOMMENDED_SECRET_BITS
    }

    /// "Issuer (name)" or just the name: how lists and prompts title an account.
    pub fn display_name(&self) -> String {
        match &self.issuer {
            Some(issuer) if !issuer.is_empty() => format!("{issuer} ({})", self.name),
            _ => self.name.clone(),
        }
    }
}
