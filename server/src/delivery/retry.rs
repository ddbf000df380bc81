//! When to try a delivery again: capped exponential back-off with full jitter,
//! never sooner than the provider's `Retry-After`.

use std::time::{Duration, SystemTime};

use ring::rand::{SecureRandom, SystemRandom};

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// The first back-off's upper bound; each retry doubles it.
    pub base: Duration,
    /// The most any single wait may be.
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base: Duration::from_millis(500),
            cap: Duration::from_secs(16),
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `retry` (1 for the first retry): a uniform draw
    /// from `[0, min(cap, base·2^(retry-1))]`, raised to the provider's
    /// `Retry-After` when it asked for more (then not capped: it knows).
    pub fn wait(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let ceiling = self
            .base
            .saturating_mul(
                1u32.checked_shl(retry.saturating_sub(1))
                    .unwrap_or(u32::MAX),
            )
            .min(self.cap);
        let mut random = [0u8; 8];
        // Without entropy the back-off is simply not jittered.
        let draw = match SystemRandom::new().fill(&mut random) {
            Ok(()) => u64::from_le_bytes(random),
            Err(_) => u64::MAX,
        };
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        let jittered = Duration::from_millis(draw % millis.saturating_add(1));
        retry_after.map_or(jittered, |after| jittered.max(after))
    }
}

/// A `Retry-After` header: delay-seconds or an HTTP-date (RFC 9110 10.2.3).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn waits_grow_to_the_cap_and_respect_retry_after() {
        let policy = RetryPolicy {
            base: Duration::from_millis(100),
            cap: Duration::from_millis(800),
        };
        for _ in 0..50 {
            assert!(policy.wait(1, None) <= Duration::from_millis(100));
            assert!(policy.wait(3, None) <= Duration::from_millis(400));
            assert!(policy.wait(30, None) <= Duration::from_millis(800));
            assert!(policy.wait(40, Some(Duration::from_secs(5))) >= Duration::from_secs(5));
        }
        // Jitter: not every draw is the same.
        let draws: std::collections::HashSet<_> = (0..50).map(|_| policy.wait(4, None)).collect();
        assert!(draws.len() > 1);
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2026 07:28:00 GMT").unwrap();
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2026 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2026 07:27:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
