//! How an operator turns delivery on: an APNs key, a Firebase service
//! account, or both, read and checked when the server starts so a bad key is
//! a start-up error, not a stream of failed pushes.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use countersign_otp::clock::Clock;

use super::apns::ApnsSender;
use super::fcm::{self, FcmSender, ServiceAccount};
use super::jwt::SigningKey;
use super::{RetryPolicy, Senders};

/// Seconds a provider has to answer one request.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    pub apns: Option<ApnsConfig>,
    pub fcm: Option<FcmConfig>,
    /// Trust only this CA (PEM) for the providers, instead of the system's
    /// roots: for a corporate TLS proxy, or a local test peer.
    pub ca_file: Option<PathBuf>,
    pub retry: RetryPolicy,
    /// How long an enrollment confirmation waits for the app to approve it
    /// in the foreground before it is sent as a notification.
    pub confirmation_hold: Duration,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            apns: None,
            fcm: None,
            ca_file: None,
            retry: RetryPolicy::default(),
            confirmation_hold: Duration::from_secs(5),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ApnsConfig {
    /// The `.p8` key from the Apple developer account.
    pub key_file: PathBuf,
    /// Its 10-character key id.
    pub key_id: String,
    pub team_id: String,
    /// The iOS app's bundle id.
    pub topic: String,
    /// [`super::apns::PRODUCTION_URL`] or [`super::apns::SANDBOX_URL`] (or a test peer).
    pub base_url: String,
}

#[derive(Debug, Clone)]
pub struct FcmConfig {
    /// The service-account key file (JSON) from the Firebase console.
    pub service_account_file: PathBuf,
    /// [`fcm::PRODUCTION_URL`] (or a test peer).
    pub base_url: String,
}

impl FcmConfig {
    pub fn new(service_account_file: PathBuf) -> Self {
        Self {
            service_account_file,
            base_url: fcm::PRODUCTION_URL.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DeliveryConfigError {
    #[error("cannot read {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error(
        "the APNs key {path} is unusable: {reason} (use the .p8 file from the Apple developer account)"
    )]
    ApnsKey { path: PathBuf, reason: String },
    #[error("the APNs key id and team id are 10 characters each; the topic is the app's bundle id")]
    ApnsIdentity,
    #[error(
        "the FCM service account {path} is unusable: {reason} (use the key file from Firebase console > Project settings > Service accounts)"
    )]
    ServiceAccount { path: PathBuf, reason: String },
    #[error("the push CA file {path} is unusable: {reason}")]
    CaFile { path: PathBuf, reason: String },
    #[error("{what} must be an https URL, not {url}")]
    NotHttps { what: &'static str, url: String },
    #[error("the push client cannot be built: {0}")]
    Client(String),
}

fn read(path: &PathBuf) -> Result<String, DeliveryConfigError> {
    std::fs::read_to_string(path).map_err(|error| DeliveryConfigError::Read {
        path: path.clone(),
        reason: error.to_string(),
    })
}

fn https(what: &'static str, url: &str) -> Result<(), DeliveryConfigError> {
    if url.to_ascii_lowercase().starts_with("https://") {
        Ok(())
    } else {
        Err(DeliveryConfigError::NotHttps {
            what,
            url: url.to_owned(),
        })
    }
}

impl DeliveryConfig {
    pub fn is_empty(&self) -> bool {
        self.apns.is_none() && self.fcm.is_none()
    }

    /// The senders this configuration asks for, keys loaded and checked.
    pub fn senders(&self, clock: Arc<dyn Clock>) -> Result<Senders, DeliveryConfigError> {
        if self.is_empty() {
            return Ok(Senders::default());
        }
        let http = self.client()?;
        let apns = match &self.apns {
            None => None,
            Some(config) => {
                https("the APNs URL", &config.base_url)?;
                let valid_id =
                    |id: &str| id.len() == 10 && id.bytes().all(|b| b.is_ascii_alphanumeric());
                if !valid_id(&config.key_id)
                    || !valid_id(&config.team_id)
                    || config.topic.is_empty()
                {
                    return Err(DeliveryConfigError::ApnsIdentity);
                }
                let key =
                    SigningKey::es256_from_pem(&read(&config.key_file)?).map_err(|error| {
                        DeliveryConfigError::ApnsKey {
                            path: config.key_file.clone(),
                            reason: error.to_string(),
                        }
                    })?;
                let sender: Arc<dyn super::PushSender> =
                    Arc::new(ApnsSender::new(http.clone(), config, key, clock.clone()));
                Some(sender)
            }
        };
        let fcm = match &self.fcm {
            None => None,
            Some(config) => {
                https("the FCM URL", &config.base_url)?;
                let unusable = |reason: String| DeliveryConfigError::ServiceAccount {
                    path: config.service_account_file.clone(),
                    reason,
                };
                let account: ServiceAccount =
                    serde_json::from_str(&read(&config.service_account_file)?)
                        .map_err(|error| unusable(error.to_string()))?;
                https("the service account's token_uri", &account.token_uri)?;
                let key = SigningKey::rs256_from_pem(&account.private_key)
                    .map_err(|error| unusable(error.to_string()))?;
                let sender: Arc<dyn super::PushSender> = Arc::new(FcmSender::new(
                    http,
                    config.base_url.clone(),
                    account,
                    key,
                    clock,
                ));
                Some(sender)
            }
        };
        Ok(Senders { apns, fcm })
    }

    /// One client for both providers: HTTP/2 (APNs speaks nothing else), so
    /// every delivery to a provider shares one connection.
    fn client(&self) -> Result<reqwest::Client, DeliveryConfigError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder()
            .timeout(PROVIDER_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .https_only(true)
            .http2_keep_alive_interval(Duration::from_secs(60))
            .http2_keep_alive_while_idle(true);
        if let Some(path) = &self.ca_file {
            let unusable = |reason: String| DeliveryConfigError::CaFile {
                path: path.clone(),
                reason,
            };
            let pem = std::fs::read(path).map_err(|error| unusable(error.to_string()))?;
            let certificates = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|error| unusable(error.to_string()))?;
            if certificates.is_empty() {
                return Err(unusable("no certificate in it".into()));
            }
            builder = builder.tls_certs_only(certificates);
        }
        builder
            .build()
            .map_err(|error| DeliveryConfigError::Client(error.to_string()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use countersign_otp::clock::FixedClock;

    fn clock() -> Arc<dyn Clock> {
        Arc::new(FixedClock::new(0))
    }

    #[test]
    fn bad_keys_and_urls_are_start_up_errors_that_say_what_to_fix() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("AuthKey.p8");
        std::fs::write(&key, "not a key").unwrap();
        let apns = ApnsConfig {
            key_file: key.clone(),
            key_id: "ABC123DEFG".into(),
            team_id: "TEAM123456".into(),
            topic: "dev.countersign.app".into(),
            base_url: crate::delivery::apns::PRODUCTION_URL.into(),
        };
        let config = DeliveryConfig {
            apns: Some(apns.clone()),
            ..DeliveryConfig::default()
        };
        let error = config.senders(clock()).unwrap_err();
        assert!(
            matches!(error, DeliveryConfigError::ApnsKey { .. }),
            "{error}"
        );
        assert!(error.to_string().contains(".p8"));

        let config = DeliveryConfig {
            apns: Some(ApnsConfig {
                base_url: "http://api.push.apple.com".into(),
                ..apns.clone()
            }),
            ..DeliveryConfig::default()
        };
        assert!(matches!(
            config.senders(clock()).unwrap_err(),
            DeliveryConfigError::NotHttps { .. }
        ));

        let account = dir.path().join("service-account.json");
        std::fs::write(&account, r#"{"project_id": "p"}"#).unwrap();
        let config = DeliveryConfig {
            fcm: Some(FcmConfig::new(account)),
            ..DeliveryConfig::default()
        };
        let error = config.senders(clock()).unwrap_err();
        assert!(
            matches!(error, DeliveryConfigError::ServiceAccount { .. }),
            "{error}"
        );

        let config = DeliveryConfig {
            fcm: Some(FcmConfig::new(dir.path().join("missing.json"))),
            ..DeliveryConfig::default()
        };
        assert!(matches!(
            config.senders(clock()).unwrap_err(),
            DeliveryConfigError::Read { .. }
        ));
        assert!(
            DeliveryConfig::default()
                .senders(clock())
                .unwrap()
                .is_empty()
        );
    }
}
