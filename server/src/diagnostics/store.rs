//! Writing a batch: each event it carries from the last 30 days becomes one
//! row of `diagnostic_events`, with the batch's install and environment and
//! the server's hour of receipt; nothing else from the request is kept (not
//! its address, not its exact time). Rows received over 90 days ago are
//! pruned on the way, a bounded number per batch.

use countersign_otp::clock::UnixTime;
use countersign_protocol::diagnostics::{
    Batch, Bucket, Event, ImportFormatName, MAX_EVENTS, RecordedEvent,
};
use serde::Serialize;

use crate::db::{DbResult, Sql, ToValue, Value, params};

/// Events older than this when they arrive are dropped: a phone that kept
/// its queue for a month reports nothing useful about the current release.
pub const MAX_EVENT_AGE_SECONDS: i64 = 30 * 86_400;
/// Rows are kept this long after they were received.
pub const KEEP_SECONDS: i64 = 90 * 86_400;

const HOUR: i64 = 3600;

/// Rows pruned per stored batch at most: twice what a batch can add, so a
/// backlog (a server that was off for a while) shrinks with every batch
/// while no single request deletes without bound.
const PRUNE_PER_BATCH: i64 = 2 * MAX_EVENTS as i64;

/// Rows per `INSERT` at most. A batch is written in chunks whose sizes are
/// powers of two, so PostgreSQL prepares (and caches per connection) at most
/// nine statement shapes rather than one per batch length.
const ROWS_PER_INSERT: usize = 256;

/// The columns `row` fills, in its order.
const COLUMNS: [&str; 17] = [
    "received_hour",
    "install",
    "app_version",
    "core_version",
    "platform",
    "os_version",
    "device_class",
    "language",
    "event",
    "code",
    "format",
    "hour",
    "millis",
    "frames",
    "accounts",
    "migrated_from",
    "version",
];

/// Stores the events of `batch` that happened in the last 30 days and not
/// after `now`; how many were stored. Call it inside a transaction, so a
/// batch is stored whole or not at all.
pub async fn store(db: &impl Sql, batch: &Batch, now: UnixTime) -> DbResult<usize> {
    let received_hour = now - now.rem_euclid(HOUR);
    let rows: Vec<[Value; COLUMNS.len()]> = batch
        .events
        .iter()
        .filter_map(|recorded| row(batch, recorded, received_hour, now))
        .collect();
    let mut start = 0;
    while start < rows.len() {
        let take = chunk_len(rows.len() - start);
        let values: Vec<Value> = rows[start..start + take]
            .iter()
            .flatten()
            .cloned()
            .collect();
        db.execute(&insert_statement(take), &values).await?;
        start += take;
    }
    db.execute(
        "DELETE FROM diagnostic_events WHERE id IN
           (SELECT id FROM diagnostic_events WHERE received_hour < ?1 LIMIT ?2)",
        params![received_hour - KEEP_SECONDS, PRUNE_PER_BATCH],
    )
    .await?;
    Ok(rows.len())
}

/// The row for one event, or `None` when it is outside the window.
fn row(
    batch: &Batch,
    recorded: &RecordedEvent,
    received_hour: i64,
    now: UnixTime,
) -> Option<[Value; COLUMNS.len()]> {
    // Compared before any arithmetic: `hour` is the sender's number.
    if recorded.hour > now || recorded.hour < now - MAX_EVENT_AGE_SECONDS {
        return None;
    }
    // The phone rounds down to the hour already; a sender that did not
    // still cannot store a finer time than that.
    let hour = recorded.hour - recorded.hour.rem_euclid(HOUR);
    let (event, code) = recorded.event.code();
    let numbers = Numbers::of(&recorded.event);
    let environment = &batch.environment;
    Some([
        received_hour.to_value(),
        batch.install.as_str().to_value(),
        environment.app_version.as_str().to_value(),
        environment.core_version.as_str().to_value(),
        closed_name(&environment.platform).to_value(),
        environment.os_version.as_str().to_value(),
        closed_name(&environment.device_class).to_value(),
        environment.language.as_str().to_value(),
        event.to_value(),
        code.to_value(),
        numbers.format.to_value(),
        hour.to_value(),
        numbers.millis.to_value(),
        numbers.frames.to_value(),
        numbers.accounts.to_value(),
        numbers.migrated_from.to_value(),
        numbers.version.to_value(),
    ])
}

/// An event's fields besides its name and code.
#[derive(Debug, Default)]
struct Numbers<'a> {
    format: Option<&'a str>,
    millis: Option<i64>,
    frames: Option<i64>,
    accounts: Option<i64>,
    migrated_from: Option<i64>,
    version: Option<i64>,
}

impl<'a> Numbers<'a> {
    /// Every variant is named, so a new event does not compile until it is
    /// decided what of it is stored.
    fn of(event: &'a Event) -> Self {
        match event {
            Event::EnrollmentFailed { .. }
            | Event::PushVerifyFailed { .. }
            | Event::AnswerRefused { .. } => Self::default(),
            Event::ScanFinished {
                outcome: _,
                frames,
                millis,
            } => Self {
                frames: bucket(*frames),
                millis: bucket(*millis),
                ..Self::default()
            },
            Event::VaultOpened {
                millis,
                migrated_from,
                version,
            } => Self {
                millis: bucket(*millis),
                migrated_from: migrated_from.map(i64::from),
                version: Some(i64::from(*version)),
                ..Self::default()
            },
            Event::ImportFinished {
                format,
                outcome: _,
                accounts,
            } => Self {
                format: format.as_ref().map(ImportFormatName::as_str),
                accounts: bucket(*accounts),
                ..Self::default()
            },
            Event::PushTiming { stage: _, millis } => Self {
                millis: bucket(*millis),
                ..Self::default()
            },
        }
    }
}

fn bucket(value: Bucket) -> Option<i64> {
    // At most 2^24 by the type; never out of range.
    i64::try_from(value.value()).ok()
}

/// A closed-set value as the wire spells it (`android`, `phone`).
fn closed_name<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|name| name.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The largest power of two that is at most `remaining` and `ROWS_PER_INSERT`.
fn chunk_len(remaining: usize) -> usize {
    let most = remaining.clamp(1, ROWS_PER_INSERT);
    if most.is_power_of_two() {
        most
    } else {
        most.next_power_of_two() / 2
    }
}

/// `INSERT … VALUES (?1, …, ?17), (?18, …)` for `rows` rows.
fn insert_statement(rows: usize) -> String {
    let width = COLUMNS.len();
    let tuples: Vec<String> = (0..rows)
        .map(|row| {
            let parameters: Vec<String> = (1..=width)
                .map(|column| format!("?{}", row * width + column))
                .collect();
            format!("({})", parameters.join(", "))
        })
        .collect();
    format!(
        "INSERT INTO diagnostic_events ({}) VALUES {}",
        COLUMNS.join(", "),
        tuples.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_is_written_in_few_statement_shapes() {
        assert_eq!(chunk_len(500), 256);
        assert_eq!(chunk_len(244), 128);
        assert_eq!(chunk_len(3), 2);
        assert_eq!(chunk_len(1), 1);
        // 500 events: 256 + 128 + 64 + 32 + 16 + 4.
        let mut remaining = MAX_EVENTS;
        let mut statements = 0;
        while remaining > 0 {
            remaining -= chunk_len(remaining);
            statements += 1;
        }
        assert_eq!(statements, 6);
    }

    #[test]
    fn the_insert_numbers_every_parameter_once() {
        let statement = insert_statement(2);
        assert!(statement.contains("(?1, ?2,"), "{statement}");
        assert!(statement.contains("?17), (?18,"), "{statement}");
        assert!(statement.ends_with("?34)"), "{statement}");
    }
}
