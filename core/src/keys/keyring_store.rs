//! The desktop OS keyring (Secret Service on Linux, Keychain on macOS, Credential
//! Manager on Windows) through the `keyring` crate.

use super::{SecretStore, SecretStoreError};
use crate::secret::SecretBytes;

#[derive(Debug, Clone)]
pub struct KeyringSecretStore {
    service: String,
}

impl KeyringSecretStore {
    /// `service` groups our entries in the keyring, e.g. "dev.countersign".
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    fn entry(&self, name: &str) -> Result<keyring::Entry, SecretStoreError> {
        keyring::Entry::new(&self.service, name).map_err(map_error)
    }
}

impl SecretStore for KeyringSecretStore {
    fn load(&self, name: &str) -> Result<Option<SecretBytes>, SecretStoreError> {
        match self.entry(name)?.get_secret() {
            Ok(bytes) => Ok(Some(SecretBytes::new(bytes))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(error) => Err(map_error(error)),
        }
    }

    fn store(&self, name: &str, value: &SecretBytes) -> Result<(), SecretStoreError> {
        self.entry(name)?
            .set_secret(value.expose_secret())
            .map_err(map_error)
    }

    fn delete(&self, name: &str) -> Result<(), SecretStoreError> {
        match self.entry(name)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(error) => Err(map_error(error)),
        }
    }
}

fn map_error(error: keyring::Error) -> SecretStoreError {
    let reason = error.to_string();
    match error {
        keyring::Error::NoStorageAccess(_) | keyring::Error::PlatformFailure(_) => {
            SecretStoreError::Unavailable { reason }
        }
        _ => SecretStoreError::Failed { reason },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With a desktop session the keyring must round-trip; without one (CI, SSH) it
    /// must say it is unavailable, which the CLI turns into the key-file advice.
    #[test]
    fn keyring_round_trips_or_reports_unavailable() {
        let store = KeyringSecretStore::new("dev.countersign.test");
        let name = format!("test-{}", std::process::id());
        let secret = SecretBytes::new(vec![5; 32]);
        if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() {
            store.store(&name, &secret).unwrap();
            assert_eq!(store.load(&name).unwrap(), Some(secret));
            store.delete(&name).unwrap();
            assert_eq!(store.load(&name).unwrap(), None);
        } else {
            assert!(matches!(
                store.load(&name),
                Err(SecretStoreError::Unavailable { .. })
            ));
            assert!(matches!(
                store.store(&name, &secret),
                Err(SecretStoreError::Unavailable { .. })
            ));
        }
    }
}
