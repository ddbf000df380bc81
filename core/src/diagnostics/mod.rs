//! Share Diagnostic Data (docs/diagnostics.md): typed events about what went
//! wrong and how long things took, queued in the vault while sharing is on
//! (the default) and sent hourly to the app's own collector. The events are
//! the schema types of `countersign_protocol::diagnostics`: closed sets,
//! bucketed numbers and version numbers, so no user data can be put in one.
//! Off means nothing is recorded, nothing is sent and the queue is gone.

pub mod classify;
pub mod queue;
pub mod upload;

pub use countersign_protocol::diagnostics as schema;
pub use queue::{NetworkPolicy, QueuedEvent, note, record};
pub use upload::{Collector, Network, SendOutcome, next_batch};

use schema::{Bucket, Event};

use crate::clock::UnixTime;
use crate::transfer::{ImportError, ImportFormat};
use crate::vault::{Vault, VaultError};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiagnosticsError {
    #[error("{0}")]
    Vault(#[from] VaultError),
    #[error("an event could not be encoded")]
    Encoding,
    #[error("the system's random source failed")]
    Random,
    #[error("the diagnostics collector must be reached over https")]
    InsecureCollector,
    #[error("the diagnostics collector could not be reached; the events stay queued")]
    Network,
    #[error("the diagnostics collector is busy (HTTP {status}); the events stay queued")]
    CollectorBusy { status: u16 },
}

impl From<rusqlite::Error> for DiagnosticsError {
    fn from(error: rusqlite::Error) -> Self {
        DiagnosticsError::Vault(VaultError::from(error))
    }
}

/// A field of what is shared, and what it means, as the app's "What is
/// shared" screen and docs/diagnostics.md list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SharedField {
    pub name: &'static str,
    pub meaning: &'static str,
}

/// Everything a batch can carry, field by field. The schema's types decide
/// what a field can hold; this says it in words.
pub const WHAT_IS_SHARED: &[SharedField] = &[
    SharedField {
        name: "install",
        meaning: "a random id made when sharing is turned on, forgotten when it is turned off; not your Protect ID",
    },
    SharedField {
        name: "app_version",
        meaning: "the app's version number",
    },
    SharedField {
        name: "core_version",
        meaning: "the version number of the app's core library",
    },
    SharedField {
        name: "platform",
        meaning: "android, ios or desktop",
    },
    SharedField {
        name: "os_version",
        meaning: "the operating system's version number, such as 14 or 17.4",
    },
    SharedField {
        name: "device_class",
        meaning: "phone, tablet, watch or desktop; never the model",
    },
    SharedField {
        name: "language",
        meaning: "the language of your locale, such as de; not your region",
    },
    SharedField {
        name: "hour",
        meaning: "the hour an event happened in",
    },
    SharedField {
        name: "event",
        meaning: "which kind of event: enrollment_failed, push_verify_failed, answer_refused, scan_finished, vault_opened, import_finished or push_timing",
    },
    SharedField {
        name: "check",
        meaning: "which check an enrollment failed, such as code_expired or network",
    },
    SharedField {
        name: "reason",
        meaning: "why a sign-in request was not shown, such as bad_signature or expired",
    },
    SharedField {
        name: "problem",
        meaning: "why an answer did not go through, such as wrong_number or network",
    },
    SharedField {
        name: "outcome",
        meaning: "how a scan or an import ended, such as decoded, no_qr or wrong_password",
    },
    SharedField {
        name: "frames",
        meaning: "camera frames until a scan ended, rounded down to a power of two",
    },
    SharedField {
        name: "millis",
        meaning: "how long something took in milliseconds, rounded down to a power of two",
    },
    SharedField {
        name: "migrated_from, version",
        meaning: "the vault's format version before and after an update",
    },
    SharedField {
        name: "format",
        meaning: "which authenticator an import came from, such as aegis",
    },
    SharedField {
        name: "accounts",
        meaning: "how many accounts an import added, rounded down to a power of two",
    },
    SharedField {
        name: "stage",
        meaning: "which part of a sign-in request a timing measures",
    },
];

/// Never shared, whatever happens: what the leak tests search for.
pub const NEVER_SHARED: &str = "account names, issuers, secrets, codes, server URLs or host names, \
    user names, IP addresses, locations, what a sign-in request says, your Protect ID, push \
    tokens, file names and error messages";

/// Notes how the vault opened, once per batch (iOS opens it for every
/// operation, which would otherwise fill the queue with openings).
pub fn note_vault_opened(vault: &mut Vault, now: UnixTime) {
    let report = vault.open_report();
    if matches!(queue::is_queued(vault, "vault_opened"), Ok(true)) {
        return;
    }
    let millis = u64::try_from(report.took.as_millis()).unwrap_or(u64::MAX);
    let event = Event::VaultOpened {
        millis: Bucket::of(millis),
        migrated_from: report.migrated_from.and_then(|v| u32::try_from(v).ok()),
        version: u32::try_from(report.version).unwrap_or(0),
    };
    let _ = record(vault, event, now);
}

/// Notes how an import of a `format` file ended.
pub fn note_import(
    vault: &mut Vault,
    format: Option<ImportFormat>,
    result: &Result<usize, ImportError>,
    now: UnixTime,
) {
    let format = format.and_then(|f| schema::ImportFormatName::try_from(f.name().to_owned()).ok());
    let added = result.as_ref().map_or(0, |added| *added as u64);
    let event = Event::ImportFinished {
        format,
        outcome: classify::import_outcome(result),
        accounts: Bucket::of(added),
    };
    let _ = record(vault, event, now);
}

#[cfg(test)]
mod tests;
