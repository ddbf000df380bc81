//! Firebase Cloud Messaging, HTTP v1: `POST /v1/projects/<id>/messages:send`
//! with an OAuth 2.0 access token got from a service-account key through the
//! JWT bearer grant (RFC 7523), cached until shortly before it expires.

use std::sync::Arc;

use countersign_otp::clock::{Clock, UnixTime};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::Mutex;

use super::jwt::SigningKey;
use super::{
    Attempt, Delivery, PushSender, is_retryable, payload, read_capped, retry_after, transport_error,
};

pub const PRODUCTION_URL: &str = "https://fcm.googleapis.com";
const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";
const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// An access token is renewed this long before Google says it expires.
const RENEW_BEFORE_SECONDS: i64 = 300;
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// The members of a service-account key file (the JSON the Firebase console
/// downloads) that the sender uses.
#[derive(Clone, Deserialize)]
pub struct ServiceAccount {
    pub project_id: String,
    pub client_email: String,
    pub private_key_id: String,
    pub private_key: String,
    pub token_uri: String,
}

impl std::fmt::Debug for ServiceAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAccount")
            .field("project_id", &self.project_id)
            .field("client_email", &self.client_email)
            .field("token_uri", &self.token_uri)
            .finish_non_exhaustive()
    }
}

pub struct FcmSender {
    http: reqwest::Client,
    base_url: String,
    account: ServiceAccount,
    key: SigningKey,
    clock: Arc<dyn Clock>,
    /// The access token and when it stops being used. An async lock: senders
    /// waiting for a token share one request for it.
    token: Mutex<Option<(String, UnixTime)>>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: i64,
}

impl std::fmt::Debug for FcmSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FcmSender")
            .field("base_url", &self.base_url)
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

impl FcmSender {
    pub fn new(
        http: reqwest::Client,
        base_url: String,
        account: ServiceAccount,
        key: SigningKey,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            account,
            key,
            clock,
            token: Mutex::new(None),
        }
    }

    async fn access_token(&self, renew: bool) -> Result<String, Attempt> {
        let mut cached = self.token.lock().await;
        let now = self.clock.now();
        if let Some((token, until)) = cached.as_ref() {
            if !renew && now < *until {
                return Ok(token.clone());
            }
        }
        let assertion = self
            .key
            .sign(
                json!({ "typ": "JWT", "kid": self.account.private_key_id }),
                &json!({
                    "iss": self.account.client_email,
                    "scope": SCOPE,
                    "aud": self.account.token_uri,
                    "iat": now,
                    "exp": now + 3600,
                }),
            )
            .map_err(|error| Attempt::Failed {
                reason: format!("the service account's key cannot sign: {error}"),
            })?;
        let response = self
            .http
            .post(&self.account.token_uri)
            .form(&[
                ("grant_type", JWT_BEARER),
                ("assertion", assertion.as_str()),
            ])
            .send()
            .await
            .map_err(|error| Attempt::Retry {
                after: None,
                reason: format!(
                    "the OAuth token endpoint could not be reached: {}",
                    transport_error(error)
                ),
            })?;
        let status = response.status().as_u16();
        let after = retry_after(&response);
        let answer = read_capped(response, MAX_ANSWER_BYTES).await;
        if status == 429 || status >= 500 {
            return Err(Attempt::Retry {
                after,
                reason: format!("the OAuth token endpoint answered {status}"),
            });
        }
        let token = serde_json::from_slice::<TokenAnswer>(&answer)
            .ok()
            .filter(|_| status == 200)
            .ok_or_else(|| {
                let error = serde_json::from_slice::<Value>(&answer)
                    .ok()
                    .and_then(|value| value["error"].as_str().map(str::to_owned))
                    .unwrap_or_default();
                Attempt::Failed {
                    reason: format!(
                        "the OAuth token endpoint refused the service account: {status} {error}"
                    ),
                }
            })?;
        let until = now + (token.expires_in - RENEW_BEFORE_SECONDS).max(0);
        *cached = Some((token.access_token.clone(), until));
        Ok(token.access_token)
    }
}

/// FCM's own error code (`details[].errorCode`), else the API status.
fn error_code(answer: &[u8]) -> String {
    let Ok(value) = serde_json::from_slice::<Value>(answer) else {
        return String::new();
    };
    let error = &value["error"];
    error["details"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|detail| detail["errorCode"].as_str())
        .or_else(|| error["status"].as_str())
        .unwrap_or_default()
        .to_owned()
}

#[async_trait::async_trait]
impl PushSender for FcmSender {
    async fn send(&self, delivery: &Delivery) -> Attempt {
        let ttl = delivery.expires_at - self.clock.now();
        let (message, _) = payload::fcm(delivery, ttl);
        let url = format!(
            "{}/v1/projects/{}/messages:send",
            self.base_url, self.account.project_id
        );
        let mut renewed = false;
        loop {
            let token = match self.access_token(renewed).await {
                Ok(token) => token,
                Err(attempt) => return attempt,
            };
            let response = match self
                .http
                .post(&url)
                .bearer_auth(token)
                .json(&message)
                .send()
                .await
            {
                Ok(response) => response,
                Err(error) => {
                    return Attempt::Retry {
                        after: None,
                        reason: format!("FCM could not be reached: {}", transport_error(error)),
                    };
                }
            };
            let status = response.status().as_u16();
            if status == 200 {
                return Attempt::Sent;
            }
            let after = retry_after(&response);
            let code = error_code(&read_capped(response, MAX_ANSWER_BYTES).await);
            return match (status, code.as_str()) {
                (401, _) if !renewed => {
                    renewed = true;
                    continue;
                }
                // Only FCM's own code: a bare 404 may be a wrong URL or
                // project, which must not wipe every device's token.
                (_, "UNREGISTERED") => Attempt::TokenGone {
                    reason: format!("{status} {code}"),
                },
                _ if is_retryable(status) => Attempt::Retry {
                    after,
                    reason: format!("FCM answered {status} {code}"),
                },
                _ => Attempt::Failed {
                    reason: format!("FCM refused the message: {status} {code}"),
                },
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fcm_error_codes_come_from_details_first() {
        let unregistered = br#"{"error":{"code":404,"status":"NOT_FOUND","details":[
            {"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"UNREGISTERED"}]}}"#;
        assert_eq!(error_code(unregistered), "UNREGISTERED");
        assert_eq!(
            error_code(br#"{"error":{"code":503,"status":"UNAVAILABLE"}}"#),
            "UNAVAILABLE"
        );
        assert_eq!(error_code(b"<html>"), "");
    }
}
