//! What an administrator sees of the stored events over a window of event
//! hours: how often each failure happened per app version, timing
//! percentiles, and how many events and installs there were. Counted by the
//! database (a few grouped rows come back, never the rows themselves) and
//! ordered here, so both backends list them alike whatever their collation.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::db::{DbResult, Sql, params};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Events in the window.
    pub events: i64,
    /// Distinct installs that sent them.
    pub installs: i64,
    /// Most frequent first, then by event, code and app version.
    pub errors: Vec<ErrorCount>,
    /// By event, then push stage.
    pub timings: Vec<Timing>,
}

/// How often one failure happened in one app version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorCount {
    pub event: String,
    pub code: Option<String>,
    pub app_version: String,
    pub count: i64,
}

/// The durations of one kind of event, from their buckets: a percentile is
/// the bucket value at its rank, so "p90 512 ms" means 90 % took less than
/// 1024 ms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Timing {
    pub event: String,
    /// The push stage, for `push_timing`.
    pub stage: Option<String>,
    pub count: i64,
    pub p50_ms: i64,
    pub p90_ms: i64,
    pub p99_ms: i64,
}

/// The counts over the events whose hour is at or after `since`.
pub async fn report(db: &impl Sql, since: i64) -> DbResult<Report> {
    let (events, installs) = db
        .query_row(
            "SELECT COUNT(*), COUNT(DISTINCT install) FROM diagnostic_events WHERE hour >= ?1",
            params![since],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .await?;
    Ok(Report {
        events,
        installs,
        errors: errors(db, since).await?,
        timings: timings(db, since).await?,
    })
}

async fn errors(db: &impl Sql, since: i64) -> DbResult<Vec<ErrorCount>> {
    // The failures: refusals and failed checks, and scans and imports that
    // did not end the way a user wanted.
    let mut errors = db
        .query_map(
            "SELECT event, code, app_version, COUNT(*) FROM diagnostic_events
             WHERE hour >= ?1
               AND (event IN ('enrollment_failed', 'push_verify_failed', 'answer_refused')
                    OR (event = 'scan_finished' AND code <> 'decoded')
                    OR (event = 'import_finished' AND code <> 'imported'))
             GROUP BY event, code, app_version",
            params![since],
            |row| {
                Ok(ErrorCount {
                    event: row.get(0)?,
                    code: row.get(1)?,
                    app_version: row.get(2)?,
                    count: row.get(3)?,
                })
            },
        )
        .await?;
    errors.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.event.cmp(&b.event))
            .then_with(|| a.code.cmp(&b.code))
            .then_with(|| a.app_version.cmp(&b.app_version))
    });
    Ok(errors)
}

async fn timings(db: &impl Sql, since: i64) -> DbResult<Vec<Timing>> {
    // One row per (kind, bucket): at most 25 buckets per kind.
    let buckets: Vec<(String, Option<String>, i64, i64)> = db
        .query_map(
            "SELECT event, CASE WHEN event = 'push_timing' THEN code END, millis, COUNT(*)
             FROM diagnostic_events
             WHERE hour >= ?1 AND millis IS NOT NULL
               AND event IN ('push_timing', 'scan_finished', 'vault_opened')
             GROUP BY 1, 2, 3",
            params![since],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .await?;
    let mut kinds: BTreeMap<(String, Option<String>), BTreeMap<i64, i64>> = BTreeMap::new();
    for (event, stage, millis, count) in buckets {
        *kinds
            .entry((event, stage))
            .or_default()
            .entry(millis)
            .or_default() += count;
    }
    // The map's order: by event, then stage, as bytes (the stages' names
    // come from the protocol's closed set; no list of them is kept here).
    Ok(kinds
        .into_iter()
        .map(|((event, stage), histogram)| Timing {
            count: histogram.values().sum(),
            p50_ms: percentile(&histogram, 50),
            p90_ms: percentile(&histogram, 90),
            p99_ms: percentile(&histogram, 99),
            event,
            stage,
        })
        .collect())
}

/// The `percent`-th percentile of a histogram (value → count) by the
/// nearest-rank method: the value at rank ⌈percent × n / 100⌉ of the n
/// values in order; 0 for no values.
pub fn percentile(histogram: &BTreeMap<i64, i64>, percent: i64) -> i64 {
    let total: i64 = histogram.values().sum();
    if total <= 0 {
        return 0;
    }
    let rank = (percent * total + 99) / 100;
    let rank = rank.max(1);
    let mut seen = 0;
    for (&value, &count) in histogram {
        seen += count;
        if seen >= rank {
            return value;
        }
    }
    histogram.keys().next_back().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_percentile_is_the_bucket_at_its_rank() {
        // 128, 256, 256, 512, 1024 ×3, 2048, 4096, 8192: ten values.
        let histogram: BTreeMap<i64, i64> = [
            (128, 1),
            (256, 2),
            (512, 1),
            (1024, 3),
            (2048, 1),
            (4096, 1),
            (8192, 1),
        ]
        .into_iter()
        .collect();
        assert_eq!(percentile(&histogram, 50), 1024);
        assert_eq!(percentile(&histogram, 90), 4096);
        assert_eq!(percentile(&histogram, 99), 8192);
        assert_eq!(percentile(&BTreeMap::new(), 50), 0);
        let one: BTreeMap<i64, i64> = [(64, 1)].into_iter().collect();
        assert_eq!(percentile(&one, 1), 64);
        assert_eq!(percentile(&one, 99), 64);
    }
}
