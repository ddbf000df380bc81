//! Matching a submitted code against a window of steps without leaking, through
//! timing, which step matched or how many characters were right.

use std::ops::RangeInclusive;

use subtle::{ConditionallySelectable, ConstantTimeEq};

/// The step a submitted code matched, and its distance from the current step
/// (negative: an earlier step; for HOTP, how far the counter must move on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifiedStep {
    pub step: u64,
    pub drift: i64,
}

pub(super) fn find_step(
    submitted: &str,
    steps: RangeInclusive<u64>,
    current: u64,
    render: impl Fn(u64) -> String,
) -> Option<VerifiedStep> {
    // People type codes with spaces ("123 456") and Steam codes in lower case.
    let submitted: String = submitted
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let mut found = subtle::Choice::from(0);
    let mut matched = 0u64;
    // Every step is rendered and compared; nothing returns early on a match.
    for step in steps {
        let candidate = render(step);
        let equal = if candidate.len() == submitted.len() {
            candidate.as_bytes().ct_eq(submitted.as_bytes())
        } else {
            // The length of a code is public (it is in the account's parameters).
            subtle::Choice::from(0)
        };
        matched.conditional_assign(&step, equal & !found);
        found |= equal;
    }
    if bool::from(found) {
        let drift = i64::try_from(i128::from(matched) - i128::from(current)).unwrap_or(i64::MAX);
        Some(VerifiedStep {
            step: matched,
            drift,
        })
    } else {
        None
    }
}
