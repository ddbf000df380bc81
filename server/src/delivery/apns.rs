//! Apple Push Notification service, provider API over HTTP/2 with token-based
//! authentication: `POST /3/device/<token>` with an ES256 provider token made
//! from the team's `.p8` key, reused and refreshed between 20 and 60 minutes
//! as Apple asks (a token refreshed more often is refused, an older one expires).

use std::sync::{Arc, Mutex};

use countersign_otp::clock::{Clock, UnixTime};
use serde_json::json;

use super::config::ApnsConfig;
use super::jwt::{KeyError, SigningKey};
use super::{
    Attempt, Delivery, PushSender, is_retryable, payload, read_capped, retry_after, transport_error,
};

/// A provider token is renewed once it is this old (Apple: at most once every
/// 20 minutes, and never older than 60).
const TOKEN_REFRESH_SECONDS: i64 = 50 * 60;
const MAX_ANSWER_BYTES: usize = 16 * 1024;
pub const PRODUCTION_URL: &str = "https://api.push.apple.com";
pub const SANDBOX_URL: &str = "https://api.sandbox.push.apple.com";

pub struct ApnsSender {
    http: reqwest::Client,
    /// Topic, key and team ids, base URL (without a trailing slash).
    config: ApnsConfig,
    key: SigningKey,
    clock: Arc<dyn Clock>,
    /// The provider token and when it was made.
    token: Mutex<Option<(String, UnixTime)>>,
}

impl std::fmt::Debug for ApnsSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApnsSender")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl ApnsSender {
    pub fn new(
        http: reqwest::Client,
        config: &ApnsConfig,
        key: SigningKey,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let mut config = config.clone();
        config.base_url = config.base_url.trim_end_matches('/').to_owned();
        Self {
            http,
            config,
            key,
            clock,
            token: Mutex::new(None),
        }
    }

    /// The cached provider token, or a new one when it is due or `renew`.
    fn provider_token(&self, renew: bool) -> Result<String, KeyError> {
        let now = self.clock.now();
        let mut cached = self
            .token
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((token, made)) = cached.as_ref() {
            let age = now - made;
            if !renew && (0..TOKEN_REFRESH_SECONDS).contains(&age) {
                return Ok(token.clone());
            }
        }
        let token = self.key.sign(
            json!({ "kid": self.config.key_id }),
            &json!({ "iss": self.config.team_id, "iat": now }),
        )?;
        *cached = Some((token.clone(), now));
        Ok(token)
    }

    async fn post(
        &self,
        delivery: &Delivery,
        body: &[u8],
        renew: bool,
    ) -> Result<reqwest::Response, Attempt> {
        let token = self
            .provider_token(renew)
            .map_err(|error| Attempt::Failed {
                reason: format!("the APNs key cannot sign: {error}"),
            })?;
        self.http
            .post(format!(
                "{}/3/device/{}",
                self.config.base_url, delivery.push_token
            ))
            .bearer_auth(token)
            .header("apns-topic", &self.config.topic)
            .header("apns-push-type", "alert")
            .header("apns-priority", "10")
            .header("apns-expiration", delivery.expires_at.to_string())
            .header("apns-collapse-id", payload::collapse_id(&delivery.resource))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_vec())
            .send()
            .await
            .map_err(|error| Attempt::Retry {
                after: None,
                reason: format!("APNs could not be reached: {}", transport_error(error)),
            })
    }
}

/// APNs device tokens are hex (64 characters today; Apple may lengthen them).
fn is_device_token(token: &str) -> bool {
    (32..=200).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_hexdigit())
}

#[async_trait::async_trait]
impl PushSender for ApnsSender {
    async fn send(&self, delivery: &Delivery) -> Attempt {
        if !is_device_token(&delivery.push_token) {
            return Attempt::TokenGone {
                reason: "BadDeviceToken: not an APNs device token".into(),
            };
        }
        let (body, _) = payload::apns(delivery);
        let mut renewed = false;
        loop {
            let response = match self.post(delivery, &body, renewed).await {
                Ok(response) => response,
                Err(attempt) => return attempt,
            };
            let status = response.status().as_u16();
            if status == 200 {
                return Attempt::Sent;
            }
            let after = retry_after(&response);
            let answer = read_capped(response, MAX_ANSWER_BYTES).await;
            let reason = serde_json::from_slice::<serde_json::Value>(&answer)
                .ok()
                .and_then(|value| value["reason"].as_str().map(str::to_owned))
                .unwrap_or_default();
            return match (status, reason.as_str()) {
                (403, "ExpiredProviderToken") if !renewed => {
                    renewed = true;
                    continue;
                }
                (410, _) | (400, "BadDeviceToken") => Attempt::TokenGone {
                    reason: format!("{status} {reason}"),
                },
                _ if is_retryable(status) => Attempt::Retry {
                    after,
                    reason: format!("APNs answered {status} {reason}"),
                },
                _ => Attempt::Failed {
                    reason: format!("APNs refused the notification: {status} {reason}"),
                },
            };
        }
    }
}
