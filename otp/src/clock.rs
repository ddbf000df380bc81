//! Where "now" comes from. Codes, expiry and countdowns all read one `Clock`, so a
//! phone whose clock is wrong can be corrected with an offset and tests can pin time.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch. Signed so that an offset can never wrap.
pub type UnixTime = i64;

pub trait Clock: Send + Sync {
    fn now(&self) -> UnixTime;
}

/// A shared clock is a clock (the server and a test may hold the same one).
impl<C: Clock + ?Sized> Clock for std::sync::Arc<C> {
    fn now(&self) -> UnixTime {
        self.as_ref().now()
    }
}

/// The operating system's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> UnixTime {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(elapsed) => i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX),
            // A clock set before 1970 is as wrong as a clock can be; report the epoch
            // and let the offset (learned from a server) repair it.
            Err(_) => 0,
        }
    }
}

/// A clock that says what it is told: for tests and for `--at` on the command line.
#[derive(Debug, Default)]
pub struct FixedClock(AtomicI64);

impl FixedClock {
    pub fn new(at: UnixTime) -> Self {
        Self(AtomicI64::new(at))
    }

    pub fn set(&self, at: UnixTime) {
        self.0.store(at, Ordering::SeqCst);
    }

    pub fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> UnixTime {
        self.0.load(Ordering::SeqCst)
    }
}

/// Another clock corrected by an offset, e.g. one learned from a server's `Date`.
#[derive(Debug)]
pub struct OffsetClock<C> {
    inner: C,
    offset_seconds: AtomicI64,
}

impl<C: Clock> OffsetClock<C> {
    pub fn new(inner: C, offset_seconds: i64) -> Self {
        Self {
            inner,
            offset_seconds: AtomicI64::new(offset_seconds),
        }
    }

    pub fn offset(&self) -> i64 {
        self.offset_seconds.load(Ordering::SeqCst)
    }

    pub fn set_offset(&self, offset_seconds: i64) {
        self.offset_seconds.store(offset_seconds, Ordering::SeqCst);
    }

    /// Learns the offset from a trusted time observed at the same moment as our own.
    pub fn learn_from(&self, trusted_now: UnixTime) {
        self.set_offset(trusted_now.saturating_sub(self.inner.now()));
    }
}

impl<C: Clock> Clock for OffsetClock<C> {
    fn now(&self) -> UnixTime {
        self.inner.now().saturating_add(self.offset())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_clock_corrects_a_phone_that_runs_late() {
        let phone = FixedClock::new(1_000);
        let corrected = OffsetClock::new(phone, 0);
        corrected.learn_from(1_042);
        assert_eq!(corrected.offset(), 42);
        assert_eq!(corrected.now(), 1_042);
    }

    #[test]
    fn fixed_clock_moves_only_when_told() {
        let clock = FixedClock::new(59);
        clock.advance(1);
        assert_eq!(clock.now(), 60);
        clock.set(5);
        assert_eq!(clock.now(), 5);
    }

    #[test]
    fn system_clock_is_after_2020() {
        assert!(SystemClock.now() > 1_577_836_800);
    }
}
