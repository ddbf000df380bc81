//! Where the CLI's vault and its key live: the vault in the platform data directory
//! (or `--vault`), its key in the OS keyring, or in the 0600 file named by
//! `COUNTERSIGN_KEY_FILE` on machines without one. Never a silent plaintext default.

use std::path::PathBuf;

use countersign_core::keys::KeyFileSecretStore;
#[cfg(feature = "os-keyring")]
use countersign_core::keys::KeyringSecretStore;
use countersign_core::{SecretStore, Vault, VaultError};

use crate::error::CliError;

#[derive(Debug, clap::Args)]
pub struct VaultOptions {
    /// The vault file [default: the platform data directory, e.g.
    /// ~/.local/share/countersign/vault.sqlite]
    #[arg(long, global = true, env = "COUNTERSIGN_VAULT")]
    vault: Option<PathBuf>,
    /// Keep the vault key in this file (mode 0600) instead of the OS keyring.
    #[arg(long, global = true, env = "COUNTERSIGN_KEY_FILE")]
    key_file: Option<PathBuf>,
}

/// The keyring service name our entries are filed under.
const KEYRING_SERVICE: &str = "dev.countersign";

impl VaultOptions {
    pub fn open(&self) -> Result<Vault, CliError> {
        let path = match &self.vault {
            Some(path) => path.clone(),
            None => default_vault_path()?,
        };
        if let Some(parent) = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent)?;
        }
        let store = self.secret_store()?;
        let mut vault = Vault::open(&path, store).map_err(|error| match error {
            VaultError::KeyStore(store_error) => CliError::KeyStore(store_error),
            other => CliError::Vault(other),
        })?;
        countersign_core::diagnostics::note_vault_opened(
            &mut vault,
            countersign_core::Clock::now(&countersign_core::SystemClock),
        );
        Ok(vault)
    }

    fn secret_store(&self) -> Result<std::sync::Arc<dyn SecretStore>, CliError> {
        if let Some(key_file) = &self.key_file {
            if let Some(parent) = key_file.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)?;
            }
            return Ok(std::sync::Arc::new(KeyFileSecretStore::new(key_file)));
        }
        #[cfg(feature = "os-keyring")]
        {
            Ok(std::sync::Arc::new(KeyringSecretStore::new(
                KEYRING_SERVICE,
            )))
        }
        #[cfg(not(feature = "os-keyring"))]
        {
            Err(CliError::KeyStore(
                countersign_core::SecretStoreError::Unavailable {
                    reason: format!("this build has no OS keyring support ({KEYRING_SERVICE})"),
                },
            ))
        }
    }
}

fn default_vault_path() -> Result<PathBuf, CliError> {
    directories::ProjectDirs::from("dev", "Countersign", "countersign")
        .map(|dirs| dirs.data_dir().join("vault.sqlite"))
        .ok_or_else(|| {
            CliError::Usage("no home directory to keep the vault in: pass --vault PATH".into())
        })
}
