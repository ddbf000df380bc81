//! RFC 6238 section 4.2: the time step a moment falls into.

use super::OtpError;
use crate::clock::UnixTime;

/// The step that `now` falls into and the seconds left until the next one.
pub(super) fn step_at(now: UnixTime, period: u32, t0: UnixTime) -> Result<(u64, u32), OtpError> {
    if now < t0 {
        return Err(OtpError::TimeBeforeT0 { now, t0 });
    }
    // now >= t0, so the difference is non-negative and fits in u64.
    let elapsed = now.abs_diff(t0);
    let period = u64::from(period.max(1));
    // Almost every account has a 30-second period: dividing by the constant
    // compiles to a multiplication instead of a 64-bit division (a tenth of a
    // kept-key code's time).
    let (step, into_step) = if period == 30 {
        (elapsed / 30, elapsed % 30)
    } else {
        (elapsed / period, elapsed % period)
    };
    // into_step < period <= u32::MAX, so the difference fits.
    let seconds_left = u32::try_from(period - into_step).unwrap_or(u32::MAX);
    Ok((step, seconds_left))
}
