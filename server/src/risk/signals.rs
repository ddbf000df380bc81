//! The risk signals (docs/server.md, "Risk signals and escalation"), each a
//! typed value with the figures that raised it. They are pure functions of
//! what the new push brings (`Attempt`) and what the server already holds
//! (`History`, loaded by `history.rs`), so every rule is tested on fixtures
//! without a database, and the loader decides only what to read.

use countersign_otp::clock::UnixTime;
use countersign_protocol::risk::{Degrees, RiskReason, distance_km};
use countersign_protocol::wire::Context;
use serde::Serialize;

/// Latitude and longitude.
pub type Place = (Degrees, Degrees);

/// Pushes to one user across every resource are counted over this window…
pub const BURST_WINDOW_SECONDS: i64 = 600;
/// …and this many before the new one make a burst.
pub const BURST_EARLIER_PUSHES: u32 = 3;
/// This many denied or expired pushes in a row, newest first, make a streak.
pub const STREAK_LENGTH: u32 = 2;
/// A place farther than this from every approved sign-in is new. A city and
/// its suburbs, or home and office, are well within it; a coarse IP-based
/// position (which relying parties often send) is off by tens of kilometres.
pub const NEW_LOCATION_KM: f64 = 100.0;
/// Faster than an airliner between two sign-ins is impossible travel…
pub const TRAVEL_KMH: f64 = 900.0;
/// …but only over more than this: two coarse positions of one city can be
/// hundreds of kilometres apart for a few seconds (a mobile network's exit).
pub const TRAVEL_MIN_KM: f64 = 500.0;
/// The user's usual hours are those of this many latest approved sign-ins…
pub const USUAL_HOURS_SAMPLE: usize = 30;
/// …once there are at least this many; fewer say nothing about a habit.
pub const USUAL_HOURS_MIN: usize = 10;
/// Distinct users sent pushes from one address are counted over this window…
pub const SPRAY_WINDOW_SECONDS: i64 = 600;
/// …and this many other users before the new one make a spray.
pub const SPRAY_OTHER_USERS: u32 = 10;

/// The push being assessed.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    /// The server's time now: windows (burst, spray) are measured in it.
    pub at: UnixTime,
    /// The sign-in's own time (`context.time`, which the server already set
    /// to its now when the relying party sent none or 0): travel and hours
    /// are measured in it.
    pub time: UnixTime,
    pub ip: Option<&'a str>,
    pub network: Option<&'a str>,
    pub place: Option<Place>,
}

impl<'a> Attempt<'a> {
    pub fn of(context: &'a Context, at: UnixTime) -> Self {
        Self {
            at,
            time: context.time,
            ip: context.ip.as_deref(),
            network: context.network.as_deref(),
            place: context.coordinates(),
        }
    }
}

/// How an earlier push of the user ended (or has not yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Approved,
    Denied,
    Expired,
    /// Still answerable: no outcome yet.
    Pending,
    /// Refused by its risk: it never reached the phone.
    Refused,
}

impl Outcome {
    /// From a stored status; a pending push past its expiry has expired.
    pub fn of(status: &str, exp: UnixTime, now: UnixTime) -> Self {
        match status {
            "approved" => Self::Approved,
            "denied" => Self::Denied,
            "expired" => Self::Expired,
            "refused" => Self::Refused,
            _ if exp <= now => Self::Expired,
            _ => Self::Pending,
        }
    }
}

/// One earlier push of the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Earlier {
    /// When it was made (server time).
    pub iat: UnixTime,
    pub outcome: Outcome,
}

/// Whether the user has signed in from a value (an address, a network) before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Familiarity {
    /// No approved sign-in of the user carried such a value (or the push
    /// carries none): a first sign-in is not "new".
    #[default]
    NoHistory,
    Familiar,
    Unfamiliar,
}

/// What the server holds about the user and the address, as far as the
/// signals need it.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// The user's latest pushes, every resource, newest first (refused ones
    /// too; enrollment confirmations are not sign-ins and are left out).
    pub earlier: Vec<Earlier>,
    pub address: Familiarity,
    pub network: Familiarity,
    /// Where the user's approved sign-ins with coordinates were.
    pub approved_places: Vec<Place>,
    /// The user's latest sign-in with coordinates, whatever its outcome, and
    /// its context time.
    pub previous_place: Option<(Place, UnixTime)>,
    /// The sign-in times of the user's latest approved sign-ins (at most
    /// `USUAL_HOURS_SAMPLE`).
    pub approved_times: Vec<UnixTime>,
    /// Distinct other users sent pushes from the attempt's address within
    /// the spray window.
    pub other_users_from_address: u32,
}

/// One signal with what raised it; `reason` is what the phone and the relying
/// party are told.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Signal {
    Burst { earlier_pushes: u32 },
    DeniedStreak { length: u32 },
    NewAddress,
    NewNetwork,
    NewLocation { nearest_km: u32 },
    ImpossibleTravel { km: u32, seconds: i64 },
    UnusualHour { hour: u8 },
    Spray { other_users: u32 },
}

impl Signal {
    pub fn reason(&self) -> RiskReason {
        match self {
            Signal::Burst { .. } => RiskReason::Burst,
            Signal::DeniedStreak { .. } => RiskReason::DeniedStreak,
            Signal::NewAddress => RiskReason::NewAddress,
            Signal::NewNetwork => RiskReason::NewNetwork,
            Signal::NewLocation { .. } => RiskReason::NewLocation,
            Signal::ImpossibleTravel { .. } => RiskReason::ImpossibleTravel,
            Signal::UnusualHour { .. } => RiskReason::UnusualHour,
            Signal::Spray { .. } => RiskReason::Spray,
        }
    }
}

/// The UTC hour (0–23) of a Unix time.
pub fn utc_hour(time: UnixTime) -> u8 {
    // rem_euclid keeps times before 1970 in 0..86_400 too.
    (time.rem_euclid(86_400) / 3_600) as u8
}

/// Every signal the attempt raises; `unusual_hour` is the resource's flag.
pub fn signals(attempt: &Attempt<'_>, history: &History, unusual_hour: bool) -> Vec<Signal> {
    [
        burst(attempt, history),
        denied_streak(history),
        new_address(attempt, history),
        new_network(attempt, history),
        new_location(attempt, history),
        impossible_travel(attempt, history),
        unusual_hour
            .then(|| unusual_hour_signal(attempt, history))
            .flatten(),
        spray(attempt, history),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn burst(attempt: &Attempt<'_>, history: &History) -> Option<Signal> {
    let since = attempt.at - BURST_WINDOW_SECONDS;
    let earlier_pushes = history
        .earlier
        .iter()
        .filter(|earlier| earlier.iat > since)
        .count() as u32;
    (earlier_pushes >= BURST_EARLIER_PUSHES).then_some(Signal::Burst { earlier_pushes })
}

fn denied_streak(history: &History) -> Option<Signal> {
    let mut length = 0;
    for earlier in &history.earlier {
        match earlier.outcome {
            Outcome::Denied | Outcome::Expired => length += 1,
            // Neither is the user's answer: look past them.
            Outcome::Pending | Outcome::Refused => {}
            Outcome::Approved => break,
        }
    }
    (length >= STREAK_LENGTH).then_some(Signal::DeniedStreak { length })
}

fn new_address(attempt: &Attempt<'_>, history: &History) -> Option<Signal> {
    (attempt.ip.is_some() && history.address == Familiarity::Unfamiliar)
        .then_some(Signal::NewAddress)
}

fn new_network(attempt: &Attempt<'_>, history: &History) -> Option<Signal> {
    (attempt.network.is_some() && history.network == Familiarity::Unfamiliar)
        .then_some(Signal::NewNetwork)
}

fn new_location(attempt: &Attempt<'_>, history: &History) -> Option<Signal> {
    let place = attempt.place?;
    let nearest = history
        .approved_places
        .iter()
        .map(|known| distance_km(*known, place))
        .min_by(f64::total_cmp)?;
    (nearest > NEW_LOCATION_KM).then(|| Signal::NewLocation {
        nearest_km: nearest.round() as u32,
    })
}

fn impossible_travel(attempt: &Attempt<'_>, history: &History) -> Option<Signal> {
    let place = attempt.place?;
    let (previous, then) = history.previous_place?;
    let km = distance_km(previous, place);
    let seconds = (attempt.time - then).abs();
    // km / hours > TRAVEL_KMH, multiplied out: no division by a zero interval.
    let too_fast = km * 3_600.0 > TRAVEL_KMH * seconds as f64;
    (km > TRAVEL_MIN_KM && too_fast).then(|| Signal::ImpossibleTravel {
        km: km.round() as u32,
        seconds,
    })
}

fn unusual_hour_signal(attempt: &Attempt<'_>, history: &History) -> Option<Signal> {
    if history.approved_times.len() < USUAL_HOURS_MIN {
        return None;
    }
    let hour = utc_hour(attempt.time);
    let usual = history
        .approved_times
        .iter()
        .take(USUAL_HOURS_SAMPLE)
        .any(|time| utc_hour(*time) == hour);
    (!usual).then_some(Signal::UnusualHour { hour })
}

/// Many users from one address is a password spray, unless the user has
/// signed in from this address before: an office's or a campus's shared
/// address sends many users' sign-ins every morning, and flagging each of
/// them would teach people to ignore the flag.
fn spray(attempt: &Attempt<'_>, history: &History) -> Option<Signal> {
    let other_users = history.other_users_from_address;
    let spray = attempt.ip.is_some()
        && other_users >= SPRAY_OTHER_USERS
        && history.address != Familiarity::Familiar;
    spray.then_some(Signal::Spray { other_users })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const NOW: UnixTime = 1_767_270_000; // 2026-01-01 12:20:00 UTC

    fn place(lat: f64, lon: f64) -> Place {
        (Degrees::from_degrees(lat), Degrees::from_degrees(lon))
    }

    const BERLIN: (f64, f64) = (52.52, 13.405);
    const POTSDAM: (f64, f64) = (52.39, 13.065);
    const HAMBURG: (f64, f64) = (53.55, 9.99);
    const SYDNEY: (f64, f64) = (-33.87, 151.21);

    fn attempt() -> Attempt<'static> {
        Attempt {
            at: NOW,
            time: NOW,
            ip: None,
            network: None,
            place: None,
        }
    }

    fn earlier(ago: i64, outcome: Outcome) -> Earlier {
        Earlier {
            iat: NOW - ago,
            outcome,
        }
    }

    fn reasons(found: &[Signal]) -> Vec<RiskReason> {
        found.iter().map(Signal::reason).collect()
    }

    #[test]
    fn nothing_known_raises_nothing() {
        assert!(signals(&attempt(), &History::default(), true).is_empty());
        let from = Attempt {
            ip: Some("203.0.113.5"),
            network: Some("AS3320"),
            place: Some(place(BERLIN.0, BERLIN.1)),
            ..attempt()
        };
        // A first sign-in is not new anywhere.
        assert!(signals(&from, &History::default(), true).is_empty());
    }

    #[test]
    fn a_burst_is_three_pushes_before_this_one_within_ten_minutes() {
        let approved = |ago| earlier(ago, Outcome::Approved);
        let two = History {
            earlier: vec![approved(60), approved(120), approved(700)],
            ..History::default()
        };
        assert!(signals(&attempt(), &two, false).is_empty());
        let three = History {
            earlier: vec![approved(60), approved(120), approved(599)],
            ..History::default()
        };
        assert_eq!(
            signals(&attempt(), &three, false),
            vec![Signal::Burst { earlier_pushes: 3 }]
        );
        // Refused ones were pushes too.
        let with_refused = History {
            earlier: vec![
                approved(60),
                earlier(70, Outcome::Refused),
                earlier(80, Outcome::Refused),
            ],
            ..History::default()
        };
        assert_eq!(
            reasons(&signals(&attempt(), &with_refused, false)),
            [RiskReason::Burst]
        );
    }

    #[test]
    fn a_streak_is_two_denied_or_expired_with_no_approval_since() {
        let history = |outcomes: &[Outcome]| History {
            earlier: outcomes
                .iter()
                .enumerate()
                .map(|(index, outcome)| earlier(3_600 * (index as i64 + 1), *outcome))
                .collect(),
            ..History::default()
        };
        use Outcome::*;
        let streak = |outcomes: &[Outcome]| denied_streak(&history(outcomes));
        assert_eq!(
            streak(&[Denied, Expired, Approved]),
            Some(Signal::DeniedStreak { length: 2 })
        );
        assert_eq!(streak(&[Denied, Approved, Denied]), None);
        assert_eq!(streak(&[Expired]), None);
        // A pending or refused push is no answer: the streak runs past it.
        assert_eq!(
            streak(&[Pending, Denied, Refused, Expired, Denied, Approved]),
            Some(Signal::DeniedStreak { length: 3 })
        );
        assert_eq!(Outcome::of("pending", NOW, NOW), Expired);
        assert_eq!(Outcome::of("pending", NOW + 1, NOW), Pending);
    }

    #[test]
    fn an_address_or_network_is_new_only_against_a_history_of_them() {
        let from = Attempt {
            ip: Some("198.51.100.7"),
            network: Some("AS64500"),
            ..attempt()
        };
        let history = |address, network| History {
            address,
            network,
            ..History::default()
        };
        use Familiarity::*;
        assert_eq!(
            reasons(&signals(&from, &history(Unfamiliar, Unfamiliar), false)),
            [RiskReason::NewAddress, RiskReason::NewNetwork]
        );
        assert!(signals(&from, &history(Familiar, Familiar), false).is_empty());
        assert!(signals(&from, &history(NoHistory, NoHistory), false).is_empty());
        // Without an address in the push there is nothing to compare.
        assert!(signals(&attempt(), &history(Unfamiliar, Unfamiliar), false).is_empty());
    }

    #[test]
    fn a_location_is_new_beyond_100_km_of_every_approved_one() {
        let history = History {
            approved_places: vec![place(BERLIN.0, BERLIN.1), place(SYDNEY.0, SYDNEY.1)],
            ..History::default()
        };
        let at = |(lat, lon): (f64, f64)| Attempt {
            place: Some(place(lat, lon)),
            // Long after any previous sign-in: travel is not the question here.
            ..attempt()
        };
        // Potsdam is about 27 km from Berlin.
        assert!(new_location(&at(POTSDAM), &history).is_none());
        let hamburg = new_location(&at(HAMBURG), &history);
        assert!(
            matches!(hamburg, Some(Signal::NewLocation { nearest_km }) if (250..270).contains(&nearest_km)),
            "{hamburg:?}"
        );
        // No approved place with coordinates: nothing is new.
        assert!(new_location(&at(HAMBURG), &History::default()).is_none());
    }

    #[test]
    fn travel_is_impossible_above_900_km_h_over_more_than_500_km() {
        let from_berlin = |seconds_ago: i64| History {
            previous_place: Some((place(BERLIN.0, BERLIN.1), NOW - seconds_ago)),
            ..History::default()
        };
        let at = |(lat, lon): (f64, f64)| Attempt {
            place: Some(place(lat, lon)),
            ..attempt()
        };
        let sydney = impossible_travel(&at(SYDNEY), &from_berlin(600));
        assert!(
            matches!(sydney, Some(Signal::ImpossibleTravel { km, seconds: 600 }) if km > 16_000),
            "{sydney:?}"
        );
        // About 16,000 km in 20 hours is 800 km/h: a flight.
        assert!(impossible_travel(&at(SYDNEY), &from_berlin(20 * 3_600)).is_none());
        // Berlin to Hamburg (255 km) in a minute: too short a distance to judge.
        assert!(impossible_travel(&at(HAMBURG), &from_berlin(60)).is_none());
        // The same second, far apart: impossible, and no division by zero.
        assert!(impossible_travel(&at(SYDNEY), &from_berlin(0)).is_some());
        // A sign-in time earlier than the previous one counts the same interval.
        assert!(impossible_travel(&at(SYDNEY), &from_berlin(-600)).is_some());
    }

    #[test]
    fn an_unusual_hour_needs_ten_approved_sign_ins_and_the_flag() {
        let at_hour = |hour: i64| NOW - NOW.rem_euclid(86_400) + hour * 3_600;
        let office_hours = History {
            approved_times: (0..10)
                .map(|day| at_hour(8 + day % 10) - day * 86_400)
                .collect(),
            ..History::default()
        };
        let at = |hour| Attempt {
            time: at_hour(hour),
            ..attempt()
        };
        assert_eq!(
            signals(&at(3), &office_hours, true),
            vec![Signal::UnusualHour { hour: 3 }]
        );
        assert!(signals(&at(3), &office_hours, false).is_empty());
        assert!(signals(&at(9), &office_hours, true).is_empty());
        let nine = History {
            approved_times: office_hours.approved_times[..9].to_vec(),
            ..History::default()
        };
        assert!(signals(&at(3), &nine, true).is_empty());
        assert_eq!(utc_hour(-1), 23);
    }

    #[test]
    fn a_spray_is_ten_other_users_from_an_address_new_to_this_one() {
        let from = Attempt {
            ip: Some("192.0.2.66"),
            ..attempt()
        };
        let history = |other_users, address| History {
            other_users_from_address: other_users,
            address,
            ..History::default()
        };
        assert_eq!(
            spray(&from, &history(10, Familiarity::NoHistory)),
            Some(Signal::Spray { other_users: 10 })
        );
        assert!(spray(&from, &history(9, Familiarity::NoHistory)).is_none());
        // The office's address, where this user signs in every day.
        assert!(spray(&from, &history(40, Familiarity::Familiar)).is_none());
        assert!(spray(&attempt(), &history(40, Familiarity::NoHistory)).is_none());
    }

    #[test]
    fn signals_carry_their_figures_for_the_audit_log() {
        let value = serde_json::to_value(Signal::ImpossibleTravel {
            km: 16_020,
            seconds: 600,
        })
        .unwrap();
        assert_eq!(
            value,
            serde_json::json!({"reason": "impossible_travel", "km": 16_020, "seconds": 600})
        );
        assert_eq!(
            serde_json::to_value(Signal::NewAddress).unwrap(),
            serde_json::json!({"reason": "new_address"})
        );
    }
}
