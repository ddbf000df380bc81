//! The queue in the vault: typed events waiting to be sent, the oldest dropped
//! past [`MAX_QUEUED`], and the install's diagnostics settings. Nothing is
//! written while sharing is off; turning it off deletes the queue and the
//! install id in the same transaction (`Vault::set_diagnostics_enabled`).

use countersign_protocol::diagnostics::{Event, InstallId, MAX_EVENTS, RecordedEvent};
use ring::rand::SecureRandom;
use rusqlite::{OptionalExtension, params};

use super::DiagnosticsError;
use crate::clock::UnixTime;
use crate::vault::{SharedVault, Vault};

/// Events kept at the most: one batch's worth.
pub const MAX_QUEUED: usize = MAX_EVENTS;

const INSTALL: &str = "diagnostics_install";
const LAST_SENT: &str = "diagnostics_last_sent";
// Outside the `diagnostics_` names that turning sharing off deletes: a preference.
const NETWORK: &str = "share_diagnostics_network";

/// One queued event as it will be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedEvent {
    pub seq: i64,
    pub body: String,
}

/// On which networks a batch may be sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum NetworkPolicy {
    /// Wi-Fi or Ethernet only (the default: nobody pays for our diagnostics).
    #[default]
    UnmeteredOnly,
    Any,
}

/// Queues `event` if sharing is on; the event's time is kept to the hour.
pub fn record(vault: &mut Vault, event: Event, now: UnixTime) -> Result<(), DiagnosticsError> {
    if !vault.diagnostics_enabled()? {
        return Ok(());
    }
    let recorded = RecordedEvent {
        hour: now - now.rem_euclid(3600),
        event,
    };
    let body = serde_json::to_string(&recorded).map_err(|_| DiagnosticsError::Encoding)?;
    vault.write_tables(|tables| {
        let transaction = tables.transaction();
        transaction.execute("INSERT INTO diagnostic_events (body) VALUES (?1)", [&body])?;
        transaction.execute(
            "DELETE FROM diagnostic_events
             WHERE seq <= (SELECT MAX(seq) FROM diagnostic_events) - ?1",
            [MAX_QUEUED as i64],
        )?;
        Ok(())
    })?;
    Ok(())
}

/// [`record`] for a caller in the middle of an operation: diagnostics never
/// make an operation fail, so a vault that cannot take the event drops it.
pub fn note(vault: &SharedVault, event: Event, now: UnixTime) {
    let _ = record(&mut vault.lock(), event, now);
}

/// Every queued event, oldest first.
pub fn queued(vault: &Vault) -> Result<Vec<QueuedEvent>, DiagnosticsError> {
    let connection = vault.tables().connection();
    let mut statement =
        connection.prepare("SELECT seq, body FROM diagnostic_events ORDER BY seq")?;
    let rows = statement.query_map([], |row| {
        Ok(QueuedEvent {
            seq: row.get(0)?,
            body: row.get(1)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Whether an event with this name is already waiting (one vault opening per
/// batch is enough: the app opens the vault for every operation on iOS).
pub fn is_queued(vault: &Vault, event_name: &str) -> Result<bool, DiagnosticsError> {
    let pattern = format!("%\"event\":\"{event_name}\"%");
    let found: bool = vault.tables().connection().query_row(
        "SELECT EXISTS (SELECT 1 FROM diagnostic_events WHERE body LIKE ?1)",
        [pattern],
        |row| row.get(0),
    )?;
    Ok(found)
}

/// Deletes the events a collector accepted (or refused for good).
pub fn forget_up_to(vault: &mut Vault, seq: i64) -> Result<(), DiagnosticsError> {
    vault.write_tables(|tables| {
        tables
            .transaction()
            .execute("DELETE FROM diagnostic_events WHERE seq <= ?1", [seq])?;
        Ok(())
    })?;
    Ok(())
}

/// This install's diagnostics id, made on first use after sharing was turned on.
pub fn install_id(vault: &mut Vault) -> Result<InstallId, DiagnosticsError> {
    if let Some(id) = setting(vault, INSTALL)? {
        if let Ok(id) = InstallId::try_from(id) {
            return Ok(id);
        }
    }
    let mut bytes = [0u8; 16];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| DiagnosticsError::Random)?;
    let id = InstallId::from_random(bytes);
    set_setting(vault, INSTALL, id.as_str())?;
    Ok(id)
}

/// When a batch was last attempted (sent or failed), if ever.
pub fn last_attempt(vault: &Vault) -> Result<Option<UnixTime>, DiagnosticsError> {
    Ok(setting(vault, LAST_SENT)?.and_then(|text| text.parse().ok()))
}

pub fn set_last_attempt(vault: &mut Vault, at: UnixTime) -> Result<(), DiagnosticsError> {
    set_setting(vault, LAST_SENT, &at.to_string())
}

pub fn network_policy(vault: &Vault) -> Result<NetworkPolicy, DiagnosticsError> {
    Ok(match setting(vault, NETWORK)?.as_deref() {
        Some("any") => NetworkPolicy::Any,
        _ => NetworkPolicy::UnmeteredOnly,
    })
}

pub fn set_network_policy(
    vault: &mut Vault,
    policy: NetworkPolicy,
) -> Result<(), DiagnosticsError> {
    let value = match policy {
        NetworkPolicy::Any => "any",
        NetworkPolicy::UnmeteredOnly => "unmetered",
    };
    set_setting(vault, NETWORK, value)
}

fn setting(vault: &Vault, name: &str) -> Result<Option<String>, DiagnosticsError> {
    Ok(vault
        .tables()
        .connection()
        .query_row(
            "SELECT value FROM settings WHERE name = ?1",
            [name],
            |row| row.get(0),
        )
        .optional()?)
}

fn set_setting(vault: &mut Vault, name: &str, value: &str) -> Result<(), DiagnosticsError> {
    vault.write_tables(|tables| {
        tables.transaction().execute(
            "INSERT INTO settings (name, value) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            params![name, value],
        )?;
        Ok(())
    })?;
    Ok(())
}
