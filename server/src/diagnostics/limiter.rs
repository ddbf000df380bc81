//! At most 60 batches per client address per hour. An install sends at most
//! one batch an hour, and many phones share a carrier's NAT address, so the
//! limit is generous; it only stops one source from flooding the table.
//!
//! Counted in this process's memory, not in the database: the diagnostics
//! must not be linkable to an address, and a count kept in the database
//! would keep the address beside the time a batch arrived. The cost: with
//! several instances each counts its own, so one address may send up to 60
//! batches an hour to each. Windows start with an address's first batch (as
//! `attempt_throttle::count_request` counts), and ended ones are swept every
//! five minutes, so memory holds at most the addresses of the last hour.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};

use countersign_otp::clock::UnixTime;

/// Batches one address may send per window.
pub const BATCHES_PER_WINDOW: u32 = 60;
/// A window's length in seconds.
pub const WINDOW_SECONDS: i64 = 3600;

/// Addresses counted at most (some 40 to 75 MB); past it, addresses not yet
/// counted wait for the next sweep rather than grow memory without bound.
const MAX_TRACKED: usize = 1_000_000;
const SWEEP_SECONDS: i64 = 300;

/// Over the limit: try again in `retry_after` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "over {BATCHES_PER_WINDOW} diagnostics batches an hour from this address; retry in {retry_after} s"
)]
pub struct Limited {
    pub retry_after: i64,
}

#[derive(Debug, Default)]
pub struct BatchLimiter {
    windows: Mutex<Windows>,
}

#[derive(Debug, Default)]
struct Windows {
    by_source: HashMap<u128, Window>,
    next_sweep: i64,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: i64,
    count: u32,
}

impl BatchLimiter {
    /// Counts one batch from `address` (as `client_addr` names it), or says
    /// how long it must wait.
    pub fn admit(&self, address: &str, now: UnixTime) -> Result<(), Limited> {
        let source = source_of(address);
        // Never held across an await: a map lookup and an insert.
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        if now >= windows.next_sweep {
            windows
                .by_source
                .retain(|_, window| now < window.started + WINDOW_SECONDS);
            windows.next_sweep = now + SWEEP_SECONDS;
        }
        let full = windows.by_source.len() >= MAX_TRACKED;
        let next_sweep = windows.next_sweep;
        match windows.by_source.get_mut(&source) {
            Some(window) if now < window.started + WINDOW_SECONDS => {
                if window.count >= BATCHES_PER_WINDOW {
                    return Err(Limited {
                        retry_after: (window.started + WINDOW_SECONDS - now).max(1),
                    });
                }
                window.count += 1;
            }
            Some(window) => {
                *window = Window {
                    started: now,
                    count: 1,
                };
            }
            None if full => {
                return Err(Limited {
                    retry_after: (next_sweep - now).max(1),
                });
            }
            None => {
                windows.by_source.insert(
                    source,
                    Window {
                        started: now,
                        count: 1,
                    },
                );
            }
        }
        Ok(())
    }
}

/// What is counted for an address: an IPv4 address itself, an IPv6
/// address's /64 (one subscriber's network: a phone, or a sender, can pick
/// any address within it). A request without a known peer counts as one
/// source.
fn source_of(address: &str) -> u128 {
    match address
        .parse::<IpAddr>()
        .map(|address| address.to_canonical())
    {
        Ok(IpAddr::V4(v4)) => u128::from(v4.to_ipv6_mapped()),
        Ok(IpAddr::V6(v6)) => u128::from(v6) & !u128::from(u64::MAX),
        Err(_) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixty_batches_an_hour_per_address_then_a_wait() {
        let limiter = BatchLimiter::default();
        let start = 1_767_268_800;
        for second in 0..60 {
            assert_eq!(limiter.admit("198.51.100.7", start + second), Ok(()));
        }
        assert_eq!(
            limiter.admit("198.51.100.7", start + 600),
            Err(Limited { retry_after: 3000 })
        );
        // Another address has its own count.
        assert_eq!(limiter.admit("198.51.100.8", start + 600), Ok(()));
        // The window ends an hour after its first batch.
        assert_eq!(limiter.admit("198.51.100.7", start + 3600), Ok(()));
    }

    #[test]
    fn an_ipv6_network_counts_as_one_source() {
        let limiter = BatchLimiter::default();
        for host in 0..60 {
            let address = format!("2001:db8:1:2::{host:x}");
            assert_eq!(limiter.admit(&address, 0), Ok(()));
        }
        assert!(limiter.admit("2001:db8:1:2:ffff::1", 0).is_err());
        assert_eq!(limiter.admit("2001:db8:1:3::1", 0), Ok(()));
    }

    #[test]
    fn ended_windows_are_swept() {
        let limiter = BatchLimiter::default();
        for host in 0..100 {
            assert_eq!(limiter.admit(&format!("192.0.2.{host}"), 0), Ok(()));
        }
        assert_eq!(
            limiter.admit("192.0.2.200", WINDOW_SECONDS + SWEEP_SECONDS),
            Ok(())
        );
        let windows = limiter
            .windows
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        assert_eq!(windows.by_source.len(), 1);
    }
}
