//! Delivering challenges to phones through APNs and FCM (protocol.md "Push
//! delivery"). Creating a push only queues its delivery: a dispatcher task
//! sends it off the request path, retries what the provider says may be
//! retried until the challenge expires, clears a device's token when the
//! provider says it is gone (the device then polls), and records the outcome
//! on the push (`delivery`: `queued`, `sent`, `failed`, `poll_only`) and in the
//! audit log. Without a sender for a device's platform, pushes stay poll-only.

pub mod apns;
pub mod config;
pub mod fcm;
pub mod jwt;
pub mod payload;
pub mod retry;

use std::sync::{Arc, Weak};
use std::time::Duration;

use crate::db::{Sql, params};
use countersign_otp::clock::UnixTime;
use countersign_protocol::wire::ChallengeKind;
use tokio::sync::{Semaphore, mpsc};

use crate::state::AppState;
use crate::store;
pub use config::{ApnsConfig, DeliveryConfig, DeliveryConfigError, FcmConfig};
pub use retry::RetryPolicy;

/// Deliveries waiting for a sender; past this, new pushes are not delivered
/// (marked `failed`, still fetchable) rather than slowing push creation.
const QUEUE_CAPACITY: usize = 10_000;
/// Deliveries in flight at once: all share one HTTP/2 connection per provider.
const CONCURRENT_DELIVERIES: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Ios,
    Android,
}

impl Platform {
    /// The `platform` a device enrolled with; desktops have no push service.
    pub fn from_enrolled(platform: &str) -> Option<Self> {
        match platform {
            "ios" => Some(Self::Ios),
            "android" => Some(Self::Android),
            _ => None,
        }
    }

    fn service(self) -> &'static str {
        match self {
            Self::Ios => "apns",
            Self::Android => "fcm",
        }
    }
}

/// One challenge on its way to one device.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub challenge_id: String,
    /// The user it is for: the audit line names them.
    pub user: String,
    pub device_id: String,
    pub platform: Platform,
    pub push_token: String,
    /// The signed challenge, as the phone verifies it.
    pub jws: String,
    pub kind: ChallengeKind,
    /// The resource id: pushes for one application collapse on the lock screen.
    pub resource: String,
    /// The policy asks for a biometric: the lock screen offers no inline Approve.
    pub biometric_required: bool,
    /// A high-risk challenge: never approved from the notification; the app
    /// shows why it is risky before anything can be approved.
    pub in_app: bool,
    pub expires_at: UnixTime,
    /// Not sent before this much time has passed: an enrollment confirmation
    /// waits for the app to approve it in the foreground, so a phone that
    /// enrolls with the app open gets no notification for it.
    pub hold: Duration,
}

/// What a provider said about one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    Sent,
    /// The token no longer reaches the app (uninstalled, rotated, invalid).
    TokenGone {
        reason: String,
    },
    /// Worth another try: throttled, unavailable, or the connection failed.
    Retry {
        after: Option<Duration>,
        reason: String,
    },
    /// This message will not be delivered (configuration, payload).
    Failed {
        reason: String,
    },
}

/// One push service (APNs, FCM).
#[async_trait::async_trait]
pub trait PushSender: Send + Sync + std::fmt::Debug {
    async fn send(&self, delivery: &Delivery) -> Attempt;
}

/// The configured senders, by platform.
#[derive(Debug, Clone, Default)]
pub struct Senders {
    pub apns: Option<Arc<dyn PushSender>>,
    pub fcm: Option<Arc<dyn PushSender>>,
}

impl Senders {
    fn for_platform(&self, platform: Platform) -> Option<&Arc<dyn PushSender>> {
        match platform {
            Platform::Ios => self.apns.as_ref(),
            Platform::Android => self.fcm.as_ref(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.apns.is_none() && self.fcm.is_none()
    }
}

/// The queue in front of the senders.
#[derive(Debug)]
pub struct Dispatcher {
    queue: mpsc::Sender<Delivery>,
    senders: Senders,
    state: Weak<AppState>,
    /// How long an enrollment confirmation waits before it is sent.
    pub confirmation_hold: Duration,
}

impl Dispatcher {
    /// Starts the dispatcher task; it ends when the server's state is dropped.
    pub fn start(
        senders: Senders,
        retry: RetryPolicy,
        confirmation_hold: Duration,
        state: Weak<AppState>,
    ) -> Self {
        let (queue, mut waiting) = mpsc::channel::<Delivery>(QUEUE_CAPACITY);
        let task_senders = senders.clone();
        let task_state = state.clone();
        tokio::spawn(async move {
            let state = task_state;
            let slots = Arc::new(Semaphore::new(CONCURRENT_DELIVERIES));
            while let Some(delivery) = waiting.recv().await {
                let Ok(slot) = slots.clone().acquire_owned().await else {
                    break;
                };
                let Some(sender) = task_senders.for_platform(delivery.platform).cloned() else {
                    continue;
                };
                let state = state.clone();
                tokio::spawn(async move {
                    deliver(&state, sender.as_ref(), retry, delivery).await;
                    drop(slot);
                });
            }
        });
        Self {
            queue,
            senders,
            state,
            confirmation_hold,
        }
    }

    /// Whether a sender for this platform is configured.
    pub fn serves(&self, platform: Platform) -> bool {
        self.senders.for_platform(platform).is_some()
    }

    /// Queues a delivery. `Ok(false)`: no sender for this platform (poll only);
    /// `Err`: the queue is full.
    pub fn enqueue(&self, delivery: Delivery) -> Result<bool, QueueFull> {
        if !self.serves(delivery.platform) {
            return Ok(false);
        }
        self.queue.try_send(delivery).map_err(|_| QueueFull)?;
        Ok(true)
    }

    /// Queues a delivery whose push is already stored as `queued`; when the
    /// queue is full the push is marked `failed` (it can still be fetched by
    /// polling) and audited, from a task of its own so the caller does not wait.
    pub fn enqueue_or_record(&self, delivery: Delivery) {
        if let Err(error) = self.queue.try_send(delivery) {
            let delivery = error.into_inner();
            let state = self.state.clone();
            tokio::spawn(async move {
                record(
                    &state,
                    &delivery,
                    status::FAILED,
                    "the delivery queue is full",
                )
                .await;
            });
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct QueueFull;

/// A push's `delivery` as the relying-party API shows it.
pub mod status {
    pub const QUEUED: &str = "queued";
    pub const SENT: &str = "sent";
    pub const FAILED: &str = "failed";
    pub const POLL_ONLY: &str = "poll_only";
    /// Answered (or ended) before it was sent: nothing left to deliver.
    pub const SKIPPED: &str = "skipped";
}

/// Sends one delivery, retrying until it is sent, refused for good, answered
/// by other means, or expired.
async fn deliver(
    state: &Weak<AppState>,
    sender: &dyn PushSender,
    retry: RetryPolicy,
    delivery: Delivery,
) {
    if !delivery.hold.is_zero() {
        tokio::time::sleep(delivery.hold).await;
    }
    let mut retries = 0u32;
    loop {
        let Some(now) = state.upgrade().map(|state| state.now()) else {
            return;
        };
        // A push just made is pending: the first look is only needed after
        // a hold (an enrollment confirmation the app may have approved).
        let checked = retries > 0 || !delivery.hold.is_zero();
        if checked && !still_pending(state, &delivery.challenge_id).await {
            record(
                state,
                &delivery,
                status::SKIPPED,
                "answered or ended before delivery",
            )
            .await;
            return;
        }
        if now >= delivery.expires_at {
            record(
                state,
                &delivery,
                status::FAILED,
                "expired before it could be delivered",
            )
            .await;
            return;
        }
        match sender.send(&delivery).await {
            Attempt::Sent => {
                record(state, &delivery, status::SENT, delivery.platform.service()).await;
                return;
            }
            Attempt::TokenGone { reason } => {
                clear_token(state, &delivery, &reason).await;
                record(state, &delivery, status::FAILED, &reason).await;
                return;
            }
            Attempt::Failed { reason } => {
                record(state, &delivery, status::FAILED, &reason).await;
                return;
            }
            Attempt::Retry { after, reason } => {
                retries += 1;
                let wait = retry.wait(retries, after);
                let left = u64::try_from(delivery.expires_at - now).unwrap_or(0);
                if wait >= Duration::from_secs(left) {
                    let detail = format!("{reason}; gave up: the request expires before a retry");
                    record(state, &delivery, status::FAILED, &detail).await;
                    return;
                }
                tokio::time::sleep(wait).await;
            }
        }
    }
}

async fn still_pending(state: &Weak<AppState>, challenge: &str) -> bool {
    let Some(state) = state.upgrade() else {
        return false;
    };
    let Ok(db) = state.db().await else {
        // Storage trouble is no reason to hold back a push.
        return true;
    };
    db.query_row(
        "SELECT status = 'pending' FROM challenges WHERE id = ?1",
        params![challenge],
        |row| row.get::<bool>(0),
    )
    .await
    .unwrap_or(true)
}

/// Sets the push's `delivery` and writes the audit line.
async fn record(state: &Weak<AppState>, delivery: &Delivery, outcome: &str, detail: &str) {
    let Some(state) = state.upgrade() else {
        return;
    };
    let Ok(db) = state.db().await else {
        return;
    };
    let now = state.now();
    let _ = db
        .execute(
            "UPDATE challenges SET delivery = ?2, delivery_detail = ?3 WHERE id = ?1",
            params![delivery.challenge_id, outcome, detail],
        )
        .await;
    let event = match outcome {
        status::SENT => "push_delivered",
        status::FAILED => "push_delivery_failed",
        // Nothing happened worth an audit line.
        _ => return,
    };
    let _ = store::audit(
        &db,
        now,
        event,
        Some(&delivery.user),
        Some(&delivery.resource),
        Some(delivery.platform.service()),
        Some(&format!("{}: {detail}", delivery.challenge_id)),
    )
    .await;
}

/// The provider says the token is dead: forget it (only if the device has not
/// registered a new one meanwhile), so later pushes are poll-only.
async fn clear_token(state: &Weak<AppState>, delivery: &Delivery, reason: &str) {
    let Some(state) = state.upgrade() else {
        return;
    };
    let Ok(db) = state.db().await else {
        return;
    };
    let cleared = db
        .execute(
            "UPDATE devices SET push_token = NULL WHERE id = ?1 AND push_token = ?2",
            params![delivery.device_id, delivery.push_token],
        )
        .await
        .unwrap_or(0);
    if cleared == 1 {
        let _ = store::audit(
            &db,
            state.now(),
            "push_token_cleared",
            Some(&delivery.user),
            None,
            Some(delivery.platform.service()),
            Some(&format!("{}: {reason}", delivery.device_id)),
        )
        .await;
    }
}

/// Reads at most `limit` bytes of a provider's answer: their bodies are small
/// JSON documents, and a broken or hostile endpoint must not fill memory.
pub(crate) async fn read_capped(mut response: reqwest::Response, limit: usize) -> Vec<u8> {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        if body.len() + chunk.len() > limit {
            break;
        }
        body.extend_from_slice(&chunk);
    }
    body
}

/// Throttled (429) or down (500, 503): both providers document these as worth
/// another try.
pub(crate) fn is_retryable(status: u16) -> bool {
    matches!(status, 429 | 500 | 503)
}

/// A provider's `Retry-After`, if it sent one.
pub(crate) fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| retry::parse_retry_after(value, std::time::SystemTime::now()))
}

/// A transport error without the URL (it holds the device token).
pub(crate) fn transport_error(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
