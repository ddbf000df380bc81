#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use super::*;
use crate::keys::MemorySecretStore;
use schema::{AnswerProblem, Batch, DeviceClass, Environment, Language, Platform, Version};

struct Fixture {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    store: Arc<MemorySecretStore>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    Fixture {
        path: dir.path().join("vault.sqlite"),
        _dir: dir,
        store: Arc::new(MemorySecretStore::new()),
    }
}

impl Fixture {
    fn open(&self) -> Vault {
        Vault::open(&self.path, self.store.clone()).unwrap()
    }
}

fn environment() -> Environment {
    Environment {
        app_version: Version::or_zero("1.0.0"),
        core_version: Version::or_zero(env!("CARGO_PKG_VERSION")),
        platform: Platform::Android,
        os_version: Version::or_zero("14"),
        device_class: DeviceClass::Phone,
        language: Language::of_locale("en-GB"),
    }
}

fn wrong_number() -> Event {
    Event::AnswerRefused {
        problem: AnswerProblem::WrongNumber,
    }
}

#[test]
fn sharing_is_on_by_default_and_an_event_is_queued_to_the_hour() {
    let f = fixture();
    let mut vault = f.open();
    record(&mut vault, wrong_number(), 1_764_463_599).unwrap();
    let queued = queue::queued(&vault).unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(
        queued[0].body,
        r#"{"hour":1764460800,"event":"answer_refused","problem":"wrong_number"}"#
    );
}

#[test]
fn with_sharing_off_nothing_is_queued_and_turning_it_off_forgets_the_queue_and_the_id() {
    let f = fixture();
    let mut vault = f.open();
    record(&mut vault, wrong_number(), 0).unwrap();
    let first_id = queue::install_id(&mut vault).unwrap();
    queue::set_network_policy(&mut vault, NetworkPolicy::Any).unwrap();

    vault.set_diagnostics_enabled(false).unwrap();
    assert!(queue::queued(&vault).unwrap().is_empty());
    record(&mut vault, wrong_number(), 0).unwrap();
    note_vault_opened(&mut vault, 0);
    assert!(queue::queued(&vault).unwrap().is_empty());
    assert!(next_batch(&mut vault, &environment()).unwrap().is_none());

    vault.set_diagnostics_enabled(true).unwrap();
    let second_id = queue::install_id(&mut vault).unwrap();
    assert_ne!(first_id, second_id, "on again is a new, unrelated install");
    // The network choice is a preference, not diagnostics data: it stays.
    assert_eq!(queue::network_policy(&vault).unwrap(), NetworkPolicy::Any);
}

#[test]
fn the_queue_keeps_the_newest_events_only() {
    let f = fixture();
    let mut vault = f.open();
    for hour in 0..(queue::MAX_QUEUED as i64 + 20) {
        record(&mut vault, wrong_number(), hour * 3600).unwrap();
    }
    let queued = queue::queued(&vault).unwrap();
    assert_eq!(queued.len(), queue::MAX_QUEUED);
    assert!(
        queued[0].body.starts_with(r#"{"hour":72000,"#),
        "{}",
        queued[0].body
    );
}

#[test]
fn the_batch_is_the_schema_and_holds_every_queued_event() {
    let f = fixture();
    let mut vault = f.open();
    note_vault_opened(&mut vault, 7200);
    note_vault_opened(&mut vault, 7300);
    record(&mut vault, wrong_number(), 7300).unwrap();
    let (body, last, count) = next_batch(&mut vault, &environment()).unwrap().unwrap();
    let batch: Batch = serde_json::from_slice(&body).unwrap();
    assert_eq!((count, batch.events.len()), (2, 2), "one opening per batch");
    assert_eq!(batch.install, queue::install_id(&mut vault).unwrap());
    assert_eq!(batch.environment, environment());
    queue::forget_up_to(&mut vault, last).unwrap();
    assert!(next_batch(&mut vault, &environment()).unwrap().is_none());
}

#[test]
fn an_opening_that_migrated_says_from_which_version() {
    let f = fixture();
    let mut vault = f.open();
    let report = vault.open_report();
    assert_eq!(
        report.migrated_from,
        Some(0),
        "a new file is migrated from 0"
    );
    assert_eq!(f.open().open_report().migrated_from, None);
    note_vault_opened(&mut vault, 0);
    let body = &queue::queued(&vault).unwrap()[0].body;
    assert!(body.contains(r#""migrated_from":0"#), "{body}");
}

#[test]
fn every_import_format_can_be_reported() {
    for format in ImportFormat::ALL {
        assert!(
            schema::IMPORT_FORMATS.contains(&format.name()),
            "{} is missing from the diagnostics schema",
            format.name()
        );
    }
    assert_eq!(schema::IMPORT_FORMATS.len(), ImportFormat::ALL.len());
}

#[test]
fn an_import_is_noted_by_format_outcome_and_bucketed_count() {
    let f = fixture();
    let mut vault = f.open();
    note_import(&mut vault, Some(ImportFormat::Aegis), &Ok(5), 0);
    note_import(
        &mut vault,
        Some(ImportFormat::Aegis),
        &Err(ImportError::WrongPassword),
        0,
    );
    let bodies: Vec<String> = queue::queued(&vault)
        .unwrap()
        .into_iter()
        .map(|q| q.body)
        .collect();
    assert_eq!(
        bodies,
        [
            r#"{"hour":0,"event":"import_finished","format":"aegis","outcome":"imported","accounts":4}"#,
            r#"{"hour":0,"event":"import_finished","format":"aegis","outcome":"wrong_password","accounts":0}"#,
        ]
    );
}

#[test]
fn a_batch_never_outgrows_what_a_collector_takes() {
    // Today's longest events fit 500 to a batch; a smaller limit stands for
    // a schema that grew.
    let f = fixture();
    let mut vault = f.open();
    for hour in 0..100 {
        record(&mut vault, wrong_number(), hour * 3600).unwrap();
    }
    let limit = 4096;
    let (body, last, count) = upload::next_batch_within(&mut vault, &environment(), limit)
        .unwrap()
        .unwrap();
    assert!(body.len() <= limit, "{}", body.len());
    assert!(count < 100 && count > 20, "{count}");
    let sent: Batch = serde_json::from_slice(&body).unwrap();
    assert_eq!(sent.events[0].hour, 0, "the oldest go first");
    queue::forget_up_to(&mut vault, last).unwrap();
    assert_eq!(
        queue::queued(&vault).unwrap().len(),
        100 - count,
        "the rest waits"
    );
    let (full, _, _) = next_batch(&mut vault, &environment()).unwrap().unwrap();
    assert!(full.len() <= schema::MAX_BATCH_BYTES);
}
