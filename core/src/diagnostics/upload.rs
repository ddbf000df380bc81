//! Sending the queue: one batch at most every hour, to the app's own collector
//! (a build setting of the app, never a push server the user is enrolled
//! with), only on the networks the user allows. The vault is held to build the
//! batch and to forget what was accepted, never while the request is out.

use std::time::Duration;

use countersign_protocol::diagnostics::{
    Batch, Environment, MAX_BATCH_BYTES, RecordedEvent, SCHEMA,
};

use super::DiagnosticsError;
use super::queue::{self, NetworkPolicy};
use crate::clock::UnixTime;
use crate::http::{PlainHttp, client_builder};
use crate::vault::{SharedVault, Vault};

/// A batch is sent at most this often.
pub const SEND_INTERVAL_SECONDS: i64 = 3600;
const TIMEOUT: Duration = Duration::from_secs(20);

/// The network the phone is on now, as the shell sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network {
    Unmetered,
    Metered,
    None,
}

/// What [`Collector::send_due`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendOutcome {
    /// Sharing is off: nothing was sent (and nothing is queued).
    Off,
    NothingQueued,
    /// The last batch went out less than an hour ago.
    NotDue {
        retry_in: i64,
    },
    /// Waiting for Wi-Fi (the user's setting), or for any network.
    WaitingForNetwork,
    /// The collector took `events` events; they left the queue.
    Sent {
        events: usize,
    },
    /// The collector refused the batch for good (it does not speak this
    /// schema): the events were dropped rather than retried forever.
    Refused {
        events: usize,
    },
}

/// The batch that would be sent now and the last queued event it holds, or
/// `None` when nothing is queued. Exactly these bytes leave the phone.
pub fn next_batch(
    vault: &mut Vault,
    environment: &Environment,
) -> Result<Option<(Vec<u8>, i64, usize)>, DiagnosticsError> {
    next_batch_within(vault, environment, MAX_BATCH_BYTES)
}

/// [`next_batch`] holding only the oldest events that fit in `limit` bytes.
pub(crate) fn next_batch_within(
    vault: &mut Vault,
    environment: &Environment,
    limit: usize,
) -> Result<Option<(Vec<u8>, i64, usize)>, DiagnosticsError> {
    let mut queued = queue::queued(vault)?;
    if queued.is_empty() {
        return Ok(None);
    }
    let install = queue::install_id(vault)?;
    loop {
        let Some(last) = queued.last().map(|event| event.seq) else {
            return Ok(None);
        };
        // Re-read through the schema: a row that does not parse is not sent.
        let events: Vec<RecordedEvent> = queued
            .iter()
            .filter_map(|event| serde_json::from_str(&event.body).ok())
            .collect();
        let batch = Batch {
            schema: SCHEMA,
            install: install.clone(),
            environment: environment.clone(),
            events,
        };
        let body = serde_json::to_vec(&batch).map_err(|_| DiagnosticsError::Encoding)?;
        // A full queue of long events can outgrow what a collector takes: the
        // oldest events go now, the rest in the next batch.
        if body.len() <= limit {
            return Ok(Some((body, last, batch.events.len())));
        }
        queued.truncate(queued.len() * 3 / 4);
    }
}

/// Where batches go: the app's configured collector.
#[derive(Debug, Clone)]
pub struct Collector {
    endpoint: String,
    client: reqwest::Client,
}

impl Collector {
    /// `base_url` is the collector's address (`https://diagnostics.example`);
    /// batches go to `{base_url}/v1/diagnostics`. Plain http only to loopback,
    /// and only where `plain_http` allows it (the CLI and tests).
    pub fn new(base_url: &str, plain_http: PlainHttp) -> Result<Self, DiagnosticsError> {
        if !plain_http.allows(base_url) {
            return Err(DiagnosticsError::InsecureCollector);
        }
        let client = client_builder()
            .timeout(TIMEOUT)
            .build()
            .map_err(|_| DiagnosticsError::Network)?;
        Ok(Self {
            endpoint: format!("{}/v1/diagnostics", base_url.trim_end_matches('/')),
            client,
        })
    }

    /// Sends the queue if sharing is on, an hour has passed since the last
    /// attempt and the network is one the user allows.
    pub async fn send_due(
        &self,
        vault: &SharedVault,
        environment: &Environment,
        network: Network,
        now: UnixTime,
    ) -> Result<SendOutcome, DiagnosticsError> {
        let (body, last, count) = {
            let mut vault = vault.lock();
            if !vault.diagnostics_enabled()? {
                return Ok(SendOutcome::Off);
            }
            if let Some(at) = queue::last_attempt(&vault)? {
                let retry_in = at + SEND_INTERVAL_SECONDS - now;
                if retry_in > 0 {
                    return Ok(SendOutcome::NotDue { retry_in });
                }
            }
            let allowed = !matches!(
                (queue::network_policy(&vault)?, network),
                (_, Network::None) | (NetworkPolicy::UnmeteredOnly, Network::Metered)
            );
            if !allowed {
                return Ok(SendOutcome::WaitingForNetwork);
            }
            let Some(batch) = next_batch(&mut vault, environment)? else {
                return Ok(SendOutcome::NothingQueued);
            };
            queue::set_last_attempt(&mut vault, now)?;
            batch
        };
        let status = self
            .client
            .post(&self.endpoint)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|_| DiagnosticsError::Network)?
            .status();
        let mut vault = vault.lock();
        // Turned off while the request was out: the queue is already gone.
        if !vault.diagnostics_enabled()? {
            return Ok(SendOutcome::Off);
        }
        if status.is_success() {
            queue::forget_up_to(&mut vault, last)?;
            Ok(SendOutcome::Sent { events: count })
        } else if status.is_client_error()
            && status != reqwest::StatusCode::TOO_MANY_REQUESTS
            && status != reqwest::StatusCode::REQUEST_TIMEOUT
        {
            queue::forget_up_to(&mut vault, last)?;
            Ok(SendOutcome::Refused { events: count })
        } else {
            Err(DiagnosticsError::CollectorBusy {
                status: status.as_u16(),
            })
        }
    }
}
