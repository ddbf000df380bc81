//! Where the server listens, keeps its data and its signing key (made on first
//! run, mode 0600), and which tokens open the admin and relying-party APIs.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use countersign_otp::clock::Clock;
use countersign_otp::secret::SecretBytes;
use countersign_protocol::SoftwareKey;
use countersign_protocol::enroll_uri::normalize_url;

use crate::attestation::AttestationRoots;
use crate::client_addr::TrustedProxies;
use crate::db::{Database, PostgresOptions};
use crate::delivery::DeliveryConfig;
use crate::files;
use crate::mail::{MailSender, Outbox, Smtp};
use crate::sealing::{self, KeySource, SealingKey};
use crate::state::AppState;
use crate::user_keys::AndroidAttestation;

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// `postgres://…`: keep everything in PostgreSQL (for more than one
    /// instance) instead of `<data_dir>/server.sqlite`.
    pub database: Option<String>,
    /// PostgreSQL connections this instance keeps at most (default 16).
    pub database_pool_size: Option<usize>,
    /// The key secrets are sealed with; defaults to `<data_dir>/sealing.key`
    /// (made on first run). Every instance on one database needs the same.
    pub sealing_key: Option<KeySource>,
    /// Defaults to `<data_dir>/server-key.pk8`.
    pub key_file: Option<PathBuf>,
    /// The URL devices use; defaults to `http://<listen address>`.
    pub public_url: Option<String>,
    pub org: String,
    pub admin_token: String,
    pub rp_token: String,
    pub portal: PortalConfig,
    /// APNs and FCM; none configured means devices poll.
    pub delivery: DeliveryConfig,
    /// How Android user keys' attestations are checked (ADR 0014).
    pub attestation: AttestationConfig,
}

/// Android key attestation settings; the defaults trust Google's roots shipped
/// with the server and the Countersign app's package name.
#[derive(Debug, Clone, Default)]
pub struct AttestationConfig {
    /// A PEM bundle of attestation roots replacing Google's.
    pub roots_file: Option<PathBuf>,
    /// The Android package name (default `dev.countersign.app`).
    pub android_package: Option<String>,
    /// SHA-256 digests of the app's signing certificates; empty accepts any.
    pub android_signing_digests: Vec<[u8; 32]>,
}

/// What the portal's pages need beyond the server's own settings.
#[derive(Debug, Clone, Default)]
pub struct PortalConfig {
    /// Where mail goes: `smtp://host:port` (`?tls=required` for STARTTLS) or
    /// `smtps://user:password@host:465`; without it, the outbox directory.
    pub smtp_url: Option<String>,
    /// The sender of portal mail (default `Countersign <no-reply@localhost>`).
    pub mail_from: Option<String>,
    /// Where phones download the app: the enrollment page shows it as a QR.
    pub app_download_url: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot listen on {address}: {reason}")]
    Listen { address: SocketAddr, reason: String },
    #[error("cannot use the data directory {path}: {reason}")]
    DataDir { path: PathBuf, reason: String },
    #[error("the signing key file {path} is unusable: {reason}")]
    Key { path: PathBuf, reason: String },
    #[error("the public URL is invalid: {0}")]
    PublicUrl(String),
    #[error("the admin and relying-party tokens must be set and at least 16 characters")]
    WeakToken,
    #[error("mail cannot be sent as configured: {0}")]
    Mail(String),
    #[error("push delivery cannot work as configured: {0}")]
    Delivery(String),
    #[error("the database cannot be used: {0}")]
    Database(String),
    #[error("{0}")]
    Sealing(String),
    #[error("the attestation roots cannot be used: {0}")]
    Attestation(String),
}

impl Config {
    /// A server on a free port of 127.0.0.1 that keeps everything in
    /// `data_dir`, the address it listens on as its public URL: what the
    /// `demo` and the test kit run.
    pub fn loopback(data_dir: PathBuf, org: &str, admin_token: String, rp_token: String) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir,
            database: None,
            database_pool_size: None,
            sealing_key: None,
            key_file: None,
            public_url: None,
            org: org.to_owned(),
            admin_token,
            rp_token,
            portal: PortalConfig::default(),
            delivery: DeliveryConfig::default(),
            attestation: AttestationConfig::default(),
        }
    }

    fn mail_sender(&self) -> Result<Arc<dyn MailSender>, ConfigError> {
        let from = self
            .portal
            .mail_from
            .clone()
            .unwrap_or_else(|| "Countersign <no-reply@localhost>".to_owned());
        Ok(match &self.portal.smtp_url {
            Some(url) => Arc::new(
                Smtp::from_url(url, &from).map_err(|error| ConfigError::Mail(error.to_string()))?,
            ),
            None => Arc::new(Outbox::new(self.data_dir.join("outbox"), from)),
        })
    }

    pub fn key_path(&self) -> PathBuf {
        self.key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("server-key.pk8"))
    }

    pub fn sealing_source(&self) -> KeySource {
        self.sealing_key
            .clone()
            .unwrap_or_else(|| KeySource::File(self.data_dir.join("sealing.key")))
    }

    /// Opens (and migrates) the configured database: PostgreSQL, or the
    /// SQLite file in the data directory.
    pub(crate) async fn open_database(&self) -> Result<Database, ConfigError> {
        let data_error = |reason: String| ConfigError::DataDir {
            path: self.data_dir.clone(),
            reason,
        };
        files::private_dir(&self.data_dir).map_err(|e| data_error(e.to_string()))?;
        match &self.database {
            Some(url) => Database::open_postgres(
                url,
                &PostgresOptions {
                    pool_size: self
                        .database_pool_size
                        .unwrap_or(PostgresOptions::default().pool_size),
                },
            )
            .await
            .map_err(|error| ConfigError::Database(error.to_string())),
            None => {
                let database = self.data_dir.join("server.sqlite");
                files::private_file(&database).map_err(|e| data_error(e.to_string()))?;
                let db = Database::open_sqlite(&database).map_err(|e| data_error(e.to_string()))?;
                files::private_sqlite_companions(&database)
                    .map_err(|e| data_error(e.to_string()))?;
                Ok(db)
            }
        }
    }

    fn android_attestation(&self) -> Result<AndroidAttestation, ConfigError> {
        let problem = |reason: String| ConfigError::Attestation(reason);
        let mut settings = AndroidAttestation::bundled().map_err(|e| problem(e.to_string()))?;
        if let Some(path) = &self.attestation.roots_file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| problem(format!("{}: {e}", path.display())))?;
            settings.roots = AttestationRoots::from_pem(&text)
                .map_err(|e| problem(format!("{}: {e}", path.display())))?;
        }
        if let Some(package) = &self.attestation.android_package {
            settings.expected.package = package.clone();
        }
        settings.expected.signing_digests = self.attestation.android_signing_digests.clone();
        Ok(settings)
    }

    pub(crate) async fn open_state(
        &self,
        bound: SocketAddr,
        clock: Arc<dyn Clock>,
        trusted_proxies: TrustedProxies,
    ) -> Result<AppState, ConfigError> {
        if self.admin_token.len() < 16 || self.rp_token.len() < 16 {
            return Err(ConfigError::WeakToken);
        }
        let data_error = |reason: String| ConfigError::DataDir {
            path: self.data_dir.clone(),
            reason,
        };
        files::private_dir(&self.data_dir).map_err(|e| data_error(e.to_string()))?;
        let key = load_or_create_key(&self.key_path())?;
        let android_attestation = self.android_attestation()?;
        let sealing = SealingKey::load(&self.sealing_source())
            .map_err(|error| ConfigError::Sealing(error.to_string()))?;
        let db = self.open_database().await?;
        let mut conn = db
            .conn()
            .await
            .map_err(|error| ConfigError::Database(error.to_string()))?;
        sealing::seal_database(&mut conn, &sealing)
            .await
            .map_err(|error| ConfigError::Sealing(error.to_string()))?;
        drop(conn);
        let public_url = normalize_url(
            &self
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{bound}")),
        )
        .map_err(|error| ConfigError::PublicUrl(error.to_string()))?;
        Ok(AppState::new(
            db,
            key,
            clock,
            public_url,
            self.org.clone(),
            self.admin_token.clone(),
            self.rp_token.clone(),
            trusted_proxies,
            self.mail_sender()?,
            self.portal.app_download_url.clone(),
            sealing,
            android_attestation,
        ))
    }
}

fn load_or_create_key(path: &std::path::Path) -> Result<SoftwareKey, ConfigError> {
    let key_error = |reason: String| ConfigError::Key {
        path: path.to_owned(),
        reason,
    };
    match std::fs::read(path) {
        Ok(bytes) => {
            SoftwareKey::from_pkcs8(SecretBytes::new(bytes)).map_err(|e| key_error(e.to_string()))
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let key = SoftwareKey::generate().map_err(|e| key_error(e.to_string()))?;
            files::write_private(path, key.expose_pkcs8().expose_secret())
                .map_err(|e| key_error(e.to_string()))?;
            Ok(key)
        }
        Err(error) => Err(key_error(error.to_string())),
    }
}
