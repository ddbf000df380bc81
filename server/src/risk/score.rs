//! From signals to a level: each reason's weight, summed, against the
//! resource's policy's thresholds (docs/server.md has the table). Weights
//! reflect how rarely a signal fires for the real user: impossible travel and
//! a spray almost never do, a new address often does (a phone on mobile data).

use countersign_protocol::risk::{Risk, RiskLevel, RiskReason};

use super::signals::Signal;

/// How a resource treats risk, set by an administrator per resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RiskPolicy {
    /// Nothing assessed: every push is low.
    Off,
    #[default]
    Standard,
    /// Lower thresholds, for resources worth more to an attacker.
    Strict,
}

impl RiskPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            RiskPolicy::Off => "off",
            RiskPolicy::Standard => "standard",
            RiskPolicy::Strict => "strict",
        }
    }

    pub fn from_text(text: &str) -> Option<Self> {
        match text {
            "off" => Some(RiskPolicy::Off),
            "standard" => Some(RiskPolicy::Standard),
            "strict" => Some(RiskPolicy::Strict),
            _ => None,
        }
    }

    /// The lowest score of medium, high and very high; `None` when off.
    pub fn thresholds(self) -> Option<Thresholds> {
        match self {
            RiskPolicy::Off => None,
            RiskPolicy::Standard => Some(Thresholds {
                medium: 30,
                high: 60,
                very_high: 90,
            }),
            RiskPolicy::Strict => Some(Thresholds {
                medium: 20,
                high: 40,
                very_high: 70,
            }),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    pub medium: u32,
    pub high: u32,
    pub very_high: u32,
}

/// The server's level: the protocol's three, and very high, which never
/// reaches a phone (the push is refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Low,
    Medium,
    High,
    VeryHigh,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::VeryHigh => "very_high",
        }
    }

    pub fn from_text(text: &str) -> Option<Self> {
        match text {
            "low" => Some(Level::Low),
            "medium" => Some(Level::Medium),
            "high" => Some(Level::High),
            "very_high" => Some(Level::VeryHigh),
            _ => None,
        }
    }

    /// What a challenge can carry; very high has no challenge.
    pub fn protocol(self) -> Option<RiskLevel> {
        match self {
            Level::Low => Some(RiskLevel::Low),
            Level::Medium => Some(RiskLevel::Medium),
            Level::High => Some(RiskLevel::High),
            Level::VeryHigh => None,
        }
    }
}

/// Each reason's points.
pub fn weight(reason: RiskReason) -> u32 {
    match reason {
        RiskReason::Burst => 30,
        RiskReason::DeniedStreak => 30,
        RiskReason::NewAddress => 15,
        RiskReason::NewNetwork => 20,
        RiskReason::NewLocation => 20,
        RiskReason::ImpossibleTravel => 60,
        RiskReason::UnusualHour => 10,
        RiskReason::Spray => 60,
    }
}

/// A push's risk: its score, level, reasons (heaviest first) and the signals
/// with their figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub score: u32,
    pub level: Level,
    pub reasons: Vec<RiskReason>,
    pub signals: Vec<Signal>,
}

impl Assessment {
    /// A push nothing was assessed for (risk off).
    pub fn low() -> Self {
        Self {
            score: 0,
            level: Level::Low,
            reasons: Vec::new(),
            signals: Vec::new(),
        }
    }

    /// What the challenge carries: the level and reasons above low, nothing
    /// at low (absent reads as low, protocol.md section 6.2).
    pub fn challenge_risk(&self) -> Option<Risk> {
        let level = self.level.protocol()?;
        (level > RiskLevel::Low).then(|| Risk {
            level,
            reasons: self.reasons.clone(),
        })
    }
}

/// Scores the signals under `policy`.
pub fn assess(policy: RiskPolicy, mut signals: Vec<Signal>) -> Assessment {
    let Some(thresholds) = policy.thresholds() else {
        return Assessment::low();
    };
    // Heaviest first: what a phone shows first, and what an audit line leads with.
    signals.sort_by_key(|signal| {
        let reason = signal.reason();
        (std::cmp::Reverse(weight(reason)), reason)
    });
    let reasons: Vec<RiskReason> = signals.iter().map(Signal::reason).collect();
    let score = reasons.iter().copied().map(weight).sum();
    let level = if score >= thresholds.very_high {
        Level::VeryHigh
    } else if score >= thresholds.high {
        Level::High
    } else if score >= thresholds.medium {
        Level::Medium
    } else {
        Level::Low
    };
    Assessment {
        score,
        level,
        reasons,
        signals,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(policy: RiskPolicy, signals: &[Signal]) -> (u32, Level) {
        let assessed = assess(policy, signals.to_vec());
        (assessed.score, assessed.level)
    }

    const BURST: Signal = Signal::Burst { earlier_pushes: 3 };
    const STREAK: Signal = Signal::DeniedStreak { length: 2 };
    const TRAVEL: Signal = Signal::ImpossibleTravel {
        km: 16_000,
        seconds: 600,
    };
    const PLACE: Signal = Signal::NewLocation { nearest_km: 16_000 };
    const SPRAY: Signal = Signal::Spray { other_users: 12 };
    const HOUR: Signal = Signal::UnusualHour { hour: 3 };

    #[test]
    fn standard_thresholds_are_30_60_90() {
        use Level::*;
        let standard = RiskPolicy::Standard;
        assert_eq!(level(standard, &[]), (0, Low));
        assert_eq!(level(standard, &[Signal::NewAddress, HOUR]), (25, Low));
        assert_eq!(level(standard, &[BURST]), (30, Medium));
        assert_eq!(level(standard, &[BURST, STREAK]), (60, High));
        assert_eq!(level(standard, &[TRAVEL, PLACE]), (80, High));
        assert_eq!(
            level(standard, &[SPRAY, Signal::NewAddress, Signal::NewNetwork]),
            (95, VeryHigh)
        );
    }

    #[test]
    fn strict_thresholds_are_20_40_70_and_off_is_always_low() {
        use Level::*;
        let strict = RiskPolicy::Strict;
        assert_eq!(level(strict, &[Signal::NewAddress]), (15, Low));
        assert_eq!(level(strict, &[Signal::NewNetwork]), (20, Medium));
        assert_eq!(level(strict, &[Signal::NewNetwork, PLACE]), (40, High));
        assert_eq!(level(strict, &[SPRAY, HOUR]), (70, VeryHigh));
        let everything = [BURST, STREAK, TRAVEL, PLACE, SPRAY, HOUR];
        assert_eq!(level(RiskPolicy::Off, &everything), (0, Low));
        assert!(
            assess(RiskPolicy::Off, everything.to_vec())
                .reasons
                .is_empty()
        );
    }

    #[test]
    fn reasons_come_heaviest_first_and_only_above_low_reach_the_challenge() {
        let assessed = assess(RiskPolicy::Standard, vec![HOUR, Signal::NewAddress, TRAVEL]);
        assert_eq!(assessed.score, 85);
        assert_eq!(
            assessed.reasons,
            [
                RiskReason::ImpossibleTravel,
                RiskReason::NewAddress,
                RiskReason::UnusualHour
            ]
        );
        let risk = assessed.challenge_risk().unwrap_or_else(|| Risk {
            level: RiskLevel::Low,
            reasons: Vec::new(),
        });
        assert_eq!(risk.level, RiskLevel::High);
        assert_eq!(risk.reasons, assessed.reasons);
        assert_eq!(
            assess(RiskPolicy::Standard, vec![Signal::NewAddress]).challenge_risk(),
            None
        );
        assert_eq!(
            assess(RiskPolicy::Standard, vec![SPRAY, TRAVEL]).challenge_risk(),
            None,
            "very high is refused, never signed into a challenge"
        );
    }

    #[test]
    fn names_round_trip() {
        for policy in [RiskPolicy::Off, RiskPolicy::Standard, RiskPolicy::Strict] {
            assert_eq!(RiskPolicy::from_text(policy.as_str()), Some(policy));
        }
        for level in [Level::Low, Level::Medium, Level::High, Level::VeryHigh] {
            assert_eq!(Level::from_text(level.as_str()), Some(level));
        }
        assert_eq!(RiskPolicy::from_text("lenient"), None);
    }
}
