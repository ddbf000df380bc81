//! One-time codes: HOTP (RFC 4226), TOTP (RFC 6238) and Steam Guard, and the
//! verification of a submitted code inside a window of steps.
//!
//! Pure functions of (secret, parameters, time): no I/O, no clock of its own.
//! The HMAC is RFC 2104 over RustCrypto's compression functions with the
//! key's states kept (`key_state`); see docs/adr/0001-own-otp-generator.md for
//! why the generator is ours and where `totp-rs` is used.

mod hotp;
mod key_state;
mod steam;
mod totp;
mod verify;

use std::fmt;
use std::str::FromStr;

use crate::clock::UnixTime;
use crate::secret::SecretBytes;

pub use verify::VerifiedStep;

/// The HMAC hash function a code is computed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Algorithm {
    #[default]
    Sha1,
    Sha256,
    Sha512,
}

impl Algorithm {
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Sha1 => "SHA1",
            Algorithm::Sha256 => "SHA256",
            Algorithm::Sha512 => "SHA512",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Algorithm {
    type Err = OtpError;

    /// Accepts `SHA1`, `sha-256`, `HmacSHA512` and the like.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let normalised: String = text
            .trim()
            .to_ascii_uppercase()
            .trim_start_matches("HMAC")
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .collect();
        match normalised.as_str() {
            "SHA1" => Ok(Algorithm::Sha1),
            "SHA256" => Ok(Algorithm::Sha256),
            "SHA512" => Ok(Algorithm::Sha512),
            _ => Err(OtpError::UnknownAlgorithm {
                name: text.to_owned(),
            }),
        }
    }
}

/// What moves a code forward: time, or a counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OtpKind {
    /// RFC 6238: step = floor((now - t0) / period).
    Totp { period: u32, t0: UnixTime },
    /// RFC 4226: the counter of the next code to show.
    Hotp { counter: u64 },
    /// Steam Guard: TOTP with SHA-1 and a 5-letter code from Steam's alphabet.
    Steam { period: u32 },
}

pub const DEFAULT_PERIOD: u32 = 30;
pub const DEFAULT_DIGITS: u8 = 6;
pub const MIN_DIGITS: u8 = 6;
pub const MAX_DIGITS: u8 = 10;
pub const STEAM_DIGITS: u8 = 5;

/// Validated parameters of a code generator. Construct with [`OtpParams::new`] so
/// digits and period are always in range: generation itself cannot fail on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OtpParams {
    algorithm: Algorithm,
    digits: u8,
    kind: OtpKind,
}

impl OtpParams {
    /// Checks the parameters. Steam codes are always SHA-1 with 5 characters, so
    /// `algorithm` and `digits` are ignored for them.
    pub fn new(algorithm: Algorithm, digits: u8, kind: OtpKind) -> Result<Self, OtpError> {
        match kind {
            OtpKind::Steam { period } => {
                check_period(period)?;
                Ok(Self {
                    algorithm: Algorithm::Sha1,
                    digits: STEAM_DIGITS,
                    kind,
                })
            }
            OtpKind::Totp { period, .. } => {
                check_period(period)?;
                check_digits(digits)?;
                Ok(Self {
                    algorithm,
                    digits,
                    kind,
                })
            }
            OtpKind::Hotp { .. } => {
                check_digits(digits)?;
                Ok(Self {
                    algorithm,
                    digits,
                    kind,
                })
            }
        }
    }

    /// SHA-1, 6 digits, 30 seconds: what almost every site issues.
    pub fn default_totp() -> Self {
        Self {
            algorithm: Algorithm::Sha1,
            digits: DEFAULT_DIGITS,
            kind: OtpKind::Totp {
                period: DEFAULT_PERIOD,
                t0: 0,
            },
        }
    }

    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    pub fn digits(&self) -> u8 {
        self.digits
    }

    pub fn kind(&self) -> OtpKind {
        self.kind
    }

    /// The same parameters with another HOTP counter (no-op for time-based kinds).
    pub fn with_counter(mut self, counter: u64) -> Self {
        if let OtpKind::Hotp { .. } = self.kind {
            self.kind = OtpKind::Hotp { counter };
        }
        self
    }

    /// The code to show at `now` (for HOTP: the code of the stored counter).
    pub fn code_at(&self, secret: &SecretBytes, now: UnixTime) -> Result<OtpCode, OtpError> {
        self.generator(secret)?.code_at(now)
    }

    /// These parameters with the secret's HMAC key state computed once, for a
    /// screen that shows the account's code again and again.
    pub fn generator(&self, secret: &SecretBytes) -> Result<CodeGenerator, OtpError> {
        Ok(CodeGenerator {
            params: *self,
            key: hotp::key_state(self.algorithm, secret)?,
        })
    }

    /// Checks a code someone typed against the steps `window` either side of now
    /// (HOTP: the stored counter and `window` ahead). The comparison takes the same
    /// time whichever step matches, or none. Returns the step that matched so the
    /// caller can refuse to accept it twice.
    pub fn verify(
        &self,
        secret: &SecretBytes,
        submitted: &str,
        now: UnixTime,
        window: u32,
    ) -> Result<Option<VerifiedStep>, OtpError> {
        let key = hotp::key_state(self.algorithm, secret)?;
        let (current, _, _) = self.current_step(now)?;
        let window = u64::from(window);
        let (first, last) = match self.kind {
            OtpKind::Hotp { .. } => (current, current.saturating_add(window)),
            _ => (
                current.saturating_sub(window),
                current.saturating_add(window),
            ),
        };
        Ok(verify::find_step(
            submitted,
            first..=last,
            current,
            |step| self.render(&key, step),
        ))
    }

    fn current_step(&self, now: UnixTime) -> Result<(u64, Option<u32>, Option<u32>), OtpError> {
        match self.kind {
            OtpKind::Hotp { counter } => Ok((counter, None, None)),
            OtpKind::Totp { period, t0 } => {
                let (step, left) = totp::step_at(now, period, t0)?;
                Ok((step, Some(left), Some(period)))
            }
            OtpKind::Steam { period } => {
                let (step, left) = totp::step_at(now, period, 0)?;
                Ok((step, Some(left), Some(period)))
            }
        }
    }

    fn render(&self, key: &key_state::KeyState, step: u64) -> String {
        let value = key.truncated_value(step);
        match self.kind {
            OtpKind::Steam { .. } => steam::render(value),
            _ => hotp::render_decimal(value, self.digits),
        }
    }
}

/// One account's code generator: its parameters and its secret's HMAC key
/// state (zeroized on drop). It lives as long as the codes screen that shows
/// the account, and costs two hash compressions a code.
#[derive(Clone)]
pub struct CodeGenerator {
    params: OtpParams,
    key: key_state::KeyState,
}

impl CodeGenerator {
    pub fn params(&self) -> &OtpParams {
        &self.params
    }

    /// The code to show at `now` (for HOTP: the code of the counter the
    /// parameters were made with).
    pub fn code_at(&self, now: UnixTime) -> Result<OtpCode, OtpError> {
        self.code_at_reusing(now, None)
    }

    /// The code at `now`, reusing `shown`'s value when it is this account's
    /// code of the same step: a screen ticking every second computes each
    /// code once per period, not thirty times.
    pub fn code_at_reusing(
        &self,
        now: UnixTime,
        shown: Option<&OtpCode>,
    ) -> Result<OtpCode, OtpError> {
        let (step, seconds_left, period) = self.params.current_step(now)?;
        let value = match shown {
            Some(code) if code.step == step => code.value.clone(),
            _ => self.params.render(&self.key, step),
        };
        Ok(OtpCode {
            value,
            step,
            seconds_left,
            period,
        })
    }
}

impl fmt::Debug for CodeGenerator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CodeGenerator")
            .field("params", &self.params)
            .field("key", &"[redacted]")
            .finish()
    }
}

fn check_digits(digits: u8) -> Result<(), OtpError> {
    if (MIN_DIGITS..=MAX_DIGITS).contains(&digits) {
        Ok(())
    } else {
        Err(OtpError::DigitsOutOfRange { digits })
    }
}

fn check_period(period: u32) -> Result<(), OtpError> {
    if period == 0 {
        Err(OtpError::PeriodZero)
    } else {
        Ok(())
    }
}

/// A code ready to show.
#[derive(Clone, PartialEq, Eq)]
pub struct OtpCode {
    /// The digits (or Steam letters) to show and copy.
    pub value: String,
    /// The TOTP time step or HOTP counter this code belongs to.
    pub step: u64,
    /// Seconds until the next code (time-based kinds only).
    pub seconds_left: Option<u32>,
    /// The period, for drawing the countdown ring (time-based kinds only).
    pub period: Option<u32>,
}

impl fmt::Debug for OtpCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A live code is a credential for the next few seconds: keep it out of logs.
        f.debug_struct("OtpCode")
            .field("value", &"[redacted]")
            .field("step", &self.step)
            .field("seconds_left", &self.seconds_left)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OtpError {
    #[error("{digits} digits is not supported: codes have 6 to 10 digits")]
    DigitsOutOfRange { digits: u8 },
    #[error("the period is 0 seconds: it must be at least 1 second (usually 30)")]
    PeriodZero,
    #[error("unknown algorithm {name:?}: use SHA1, SHA256 or SHA512")]
    UnknownAlgorithm { name: String },
    #[error("the secret is empty")]
    EmptySecret,
    #[error(
        "the time {now} is before this account's start time T0 = {t0}; \
         check the device clock"
    )]
    TimeBeforeT0 { now: UnixTime, t0: UnixTime },
}

#[cfg(test)]
mod tests;
