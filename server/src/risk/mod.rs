//! Risk-aware pushes (docs/server.md, "Risk signals and escalation"): when a
//! push is made, signals from what the server already holds (`signals.rs`,
//! read by `history.rs`) are scored under the resource's policy (`score.rs`),
//! and the level decides what the push demands: medium forces number
//! matching; high also a biometric, a 30 s expiry and no Approve on the lock
//! screen; very high refuses the push and alerts the administrator.
//!
//! Storage errors are the only failures here (`DbError`): a signal that
//! cannot be computed (no address, no coordinates) is simply absent.

mod history;
pub mod score;
pub mod signals;

use countersign_otp::clock::UnixTime;
use countersign_protocol::risk::RiskReason;
use countersign_protocol::wire::{
    Biometric, CHALLENGE_LIFETIME, PROBLEM_TYPE_PREFIX, Policy, Problem,
};
use serde::Serialize;

use crate::db::{DbResult, Sql};
use crate::problem::ApiError;
pub use score::{Assessment, Level, RiskPolicy};
pub use signals::Attempt;

/// A high-risk challenge's lifetime: long enough to open the app, verify and
/// type the number; short enough that a push left on a phone does not wait
/// for a careless tap.
pub const HIGH_RISK_LIFETIME: i64 = 30;

/// The problem a relying party gets for a very high risk (403): not one of
/// the protocol's own types, since no device ever receives it.
pub const REFUSED_PROBLEM: &str = "risk_refused";

/// A resource's risk settings (admin API, resource endpoint).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResourceRisk {
    pub policy: RiskPolicy,
    /// The unusual-hour signal: off by default, since shift workers and
    /// travellers sign in at any hour.
    pub unusual_hour: bool,
}

/// Assesses a push to `user`; with the policy off nothing is read.
pub async fn assess(
    db: &impl Sql,
    user: &str,
    attempt: &Attempt<'_>,
    settings: ResourceRisk,
) -> DbResult<Assessment> {
    if settings.policy == RiskPolicy::Off {
        return Ok(Assessment::low());
    }
    let history = history::load(db, user, attempt, settings.unusual_hour).await?;
    let found = signals::signals(attempt, &history, settings.unusual_hour);
    Ok(score::assess(settings.policy, found))
}

/// What a challenge at `level` demands, on top of the resource's policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Demands {
    pub number_matching: bool,
    pub biometric: Biometric,
    /// Seconds from `iat` to `exp`.
    pub lifetime: i64,
}

pub fn demands(level: Level, policy: Policy) -> Demands {
    let normal = Demands {
        number_matching: policy.number_matching,
        biometric: policy.biometric,
        lifetime: CHALLENGE_LIFETIME,
    };
    match level {
        Level::Low => normal,
        Level::Medium => Demands {
            number_matching: true,
            ..normal
        },
        // Very high is refused before a challenge exists; should one be made,
        // it gets the strictest demands.
        Level::High | Level::VeryHigh => Demands {
            number_matching: true,
            biometric: Biometric::Required,
            lifetime: HIGH_RISK_LIFETIME,
        },
    }
}

/// A reason's name on the wire and in storage.
pub fn reason_name(reason: RiskReason) -> &'static str {
    match reason {
        RiskReason::Burst => "burst",
        RiskReason::DeniedStreak => "denied_streak",
        RiskReason::NewAddress => "new_address",
        RiskReason::NewNetwork => "new_network",
        RiskReason::NewLocation => "new_location",
        RiskReason::ImpossibleTravel => "impossible_travel",
        RiskReason::UnusualHour => "unusual_hour",
        RiskReason::Spray => "spray",
    }
}

const REASONS: [RiskReason; 8] = [
    RiskReason::Burst,
    RiskReason::DeniedStreak,
    RiskReason::NewAddress,
    RiskReason::NewNetwork,
    RiskReason::NewLocation,
    RiskReason::ImpossibleTravel,
    RiskReason::UnusualHour,
    RiskReason::Spray,
];

/// The stored form of reasons: their names, comma-separated.
pub fn reasons_text(reasons: &[RiskReason]) -> String {
    reasons
        .iter()
        .map(|reason| reason_name(*reason))
        .collect::<Vec<_>>()
        .join(",")
}

fn reasons_from_text(text: &str) -> Vec<RiskReason> {
    text.split(',')
        .filter_map(|name| REASONS.into_iter().find(|r| reason_name(*r) == name))
        .collect()
}

/// A push's risk as the relying party and the administrator see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskView {
    pub score: u32,
    /// `low`, `medium`, `high` or `very_high`.
    pub level: &'static str,
    pub reasons: Vec<RiskReason>,
}

impl RiskView {
    pub fn of(assessment: &Assessment) -> Self {
        Self {
            score: assessment.score,
            level: assessment.level.as_str(),
            reasons: assessment.reasons.clone(),
        }
    }

    /// From a push's stored columns; `None` for a push made before risk was
    /// assessed (or an enrollment confirmation, which is not).
    pub fn stored(score: Option<i64>, level: Option<&str>, reasons: Option<&str>) -> Option<Self> {
        let level = Level::from_text(level?)?;
        Some(Self {
            score: u32::try_from(score.unwrap_or(0)).unwrap_or(0),
            level: level.as_str(),
            reasons: reasons.map(reasons_from_text).unwrap_or_default(),
        })
    }
}

/// The audit line's detail for a push: its id, the assessment and the
/// figures behind each signal.
pub fn audit_detail(push_id: &str, assessment: Option<&Assessment>) -> String {
    let mut detail = serde_json::json!({ "push": push_id });
    if let Some(assessment) = assessment {
        detail["risk"] = serde_json::to_value(RiskView::of(assessment)).unwrap_or_default();
        detail["signals"] = serde_json::to_value(&assessment.signals).unwrap_or_default();
    }
    detail.to_string()
}

/// The relying party's answer to a very high risk: 403 `risk_refused` with
/// the score and reasons. The detail is generic: pages may show it to the
/// person signing in, who should not learn which signal to avoid.
pub fn refused_problem(assessment: &Assessment, now: UnixTime) -> ApiError {
    let problem = Problem {
        problem_type: format!("{PROBLEM_TYPE_PREFIX}{REFUSED_PROBLEM}"),
        title: "The sign-in was refused as too risky".into(),
        status: 403,
        detail:
            "this sign-in looks too risky to send to the phone; the administrator has been alerted"
                .into(),
        server_time: now,
        extensions: serde_json::Map::new(),
    }
    .with("score", assessment.score)
    .with("level", assessment.level.as_str())
    .with(
        "reasons",
        serde_json::to_value(&assessment.reasons).unwrap_or_default(),
    );
    ApiError(problem)
}

/// Whether an error is `refused_problem`'s.
pub fn is_refusal(error: &ApiError) -> bool {
    error
        .0
        .problem_type
        .strip_prefix(PROBLEM_TYPE_PREFIX)
        .is_some_and(|name| name == REFUSED_PROBLEM)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use signals::Signal;

    #[test]
    fn each_level_demands_more_than_the_last() {
        let lenient = Policy {
            biometric: Biometric::Optional,
            number_matching: false,
        };
        assert_eq!(
            demands(Level::Low, lenient),
            Demands {
                number_matching: false,
                biometric: Biometric::Optional,
                lifetime: CHALLENGE_LIFETIME
            }
        );
        assert!(demands(Level::Medium, lenient).number_matching);
        assert_eq!(demands(Level::Medium, lenient).lifetime, CHALLENGE_LIFETIME);
        assert_eq!(
            demands(Level::High, lenient),
            Demands {
                number_matching: true,
                biometric: Biometric::Required,
                lifetime: HIGH_RISK_LIFETIME
            }
        );
    }

    #[test]
    fn reasons_are_stored_and_read_back_by_name() {
        let text = reasons_text(&REASONS);
        assert_eq!(reasons_from_text(&text), REASONS);
        for reason in REASONS {
            // The stored name is the wire name.
            assert_eq!(
                serde_json::to_value(reason).unwrap(),
                serde_json::Value::from(reason_name(reason))
            );
        }
        let view = RiskView::stored(Some(35), Some("medium"), Some("new_network,new_address"));
        assert_eq!(
            view.unwrap().reasons,
            [RiskReason::NewNetwork, RiskReason::NewAddress]
        );
        assert_eq!(RiskView::stored(None, None, None), None);
        assert!(reasons_from_text("").is_empty());
    }

    #[test]
    fn a_refusal_is_a_403_with_its_reasons() {
        let assessed = score::assess(
            RiskPolicy::Standard,
            vec![
                Signal::Spray { other_users: 12 },
                Signal::NewAddress,
                Signal::NewNetwork,
            ],
        );
        let error = refused_problem(&assessed, 1_000);
        assert!(is_refusal(&error));
        assert_eq!(error.0.status, 403);
        assert_eq!(error.kind(), None);
        let body = serde_json::to_value(&error.0).unwrap();
        assert_eq!(
            body["type"],
            "https://countersign.dev/problems/risk_refused"
        );
        assert_eq!(body["level"], "very_high");
        assert_eq!(body["score"], 95);
        assert_eq!(
            body["reasons"],
            serde_json::json!(["spray", "new_network", "new_address"])
        );
        let detail: serde_json::Value =
            serde_json::from_str(&audit_detail("ch_1", Some(&assessed))).unwrap();
        assert_eq!(detail["risk"]["level"], "very_high");
        assert_eq!(detail["signals"][0]["other_users"], 12);
    }
}
