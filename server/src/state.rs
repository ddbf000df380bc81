//! What every handler shares: the database (SQLite or PostgreSQL), the server key, the clock (injectable,
//! so tests can move time), the configured tokens, and the replay memory (kept in the database).

use std::sync::{Arc, OnceLock};

use countersign_otp::clock::{Clock, UnixTime};
use countersign_otp::secret::SecretBytes;
use countersign_protocol::wire::ProblemType;
use countersign_protocol::{Jwk, JwsSigner, SoftwareKey};
use tokio::sync::Notify;

use crate::client_addr::TrustedProxies;
use crate::db::{Conn, Database, DbError};
use crate::delivery::Dispatcher;
use crate::diagnostics::BatchLimiter;
use crate::mail::MailSender;
use crate::problem::ApiError;
use crate::replay::NonceMemory;
use crate::sealing::{self, SealingError, SealingKey};
use crate::user_keys::AndroidAttestation;

pub struct AppState {
    db: Database,
    pub key: SoftwareKey,
    pub server_jwk: Jwk,
    /// The server key's thumbprint, pinned by devices as `sk`.
    pub sk: String,
    pub clock: Arc<dyn Clock>,
    /// Normalized public base URL: endpoint URLs and `htu` are built from it.
    pub public_url: String,
    pub org: String,
    pub admin_token: String,
    pub rp_token: String,
    /// Device request nonces seen in the last 120 s (persisted).
    pub nonces: NonceMemory,
    /// Diagnostics batches per client address (in memory only: the
    /// collector keeps no address).
    pub diagnostics_limit: BatchLimiter,
    /// Peers whose `X-Forwarded-For` names the client.
    pub trusted_proxies: TrustedProxies,
    /// Woken whenever a challenge is decided, for long polls.
    pub decided: Notify,
    /// Where password-reset links go.
    pub mail: Arc<dyn MailSender>,
    /// Where phones download the app, if the operator says.
    pub app_download_url: Option<String>,
    /// APNs/FCM delivery, when the operator configured a provider.
    pub deliveries: OnceLock<Dispatcher>,
    /// Seals secrets at rest (`sealing`).
    pub sealing: SealingKey,
    /// What Android user-key attestations are checked against (ADR 0014).
    pub android_attestation: AndroidAttestation,
}

pub type Shared = Arc<AppState>;

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("sk", &self.sk)
            .field("public_url", &self.public_url)
            .field("org", &self.org)
            .finish_non_exhaustive()
    }
}

impl AppState {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        db: Database,
        key: SoftwareKey,
        clock: Arc<dyn Clock>,
        public_url: String,
        org: String,
        admin_token: String,
        rp_token: String,
        trusted_proxies: TrustedProxies,
        mail: Arc<dyn MailSender>,
        app_download_url: Option<String>,
        sealing: SealingKey,
        android_attestation: AndroidAttestation,
    ) -> Self {
        let server_jwk = key.public_jwk();
        Self {
            db,
            sk: server_jwk.thumbprint(),
            server_jwk,
            key,
            clock,
            public_url,
            org,
            admin_token,
            rp_token,
            nonces: NonceMemory::default(),
            diagnostics_limit: BatchLimiter::default(),
            trusted_proxies,
            decided: Notify::new(),
            mail,
            app_download_url,
            deliveries: OnceLock::new(),
            sealing,
            android_attestation,
        }
    }

    pub fn now(&self) -> UnixTime {
        self.clock.now()
    }

    /// A database connection for a few statements (SQLite: the one
    /// connection, waited for; PostgreSQL: one from the pool).
    pub async fn db(&self) -> Result<Conn, ApiError> {
        self.db.conn().await.map_err(|error| self.storage(error))
    }

    pub fn database(&self) -> &Database {
        &self.db
    }

    pub fn problem(&self, kind: ProblemType, detail: impl Into<String>) -> ApiError {
        ApiError::new(kind, detail, self.now())
    }

    /// The user's TOTP secret as stored: sealed, bound to the user.
    pub fn seal_totp(&self, user: &str, secret: &SecretBytes) -> Result<Vec<u8>, ApiError> {
        self.sealing
            .seal(sealing::TOTP_SECRET, user, secret.expose_secret())
            .map_err(|error| self.sealed_problem(error))
    }

    pub fn open_totp(&self, user: &str, sealed: &[u8]) -> Result<SecretBytes, ApiError> {
        self.sealing
            .open(sealing::TOTP_SECRET, user, sealed)
            .map(SecretBytes::new)
            .map_err(|error| self.sealed_problem(error))
    }

    /// A secret that does not open is logged for the operator; the caller
    /// is told only that the service cannot answer.
    pub fn sealed_problem(&self, error: SealingError) -> ApiError {
        match error {
            SealingError::Storage(error) => self.storage(error),
            other => {
                eprintln!("sealed secret: {other}");
                self.problem(ProblemType::Unavailable, "a stored secret cannot be opened")
            }
        }
    }

    pub fn storage(&self, error: DbError) -> ApiError {
        ApiError::storage(&error, self.now())
    }
}
