//! A `SecretStore` that forgets everything when dropped: for tests and benchmarks.

use std::collections::HashMap;
use std::sync::Mutex;

use super::{SecretStore, SecretStoreError};
use crate::secret::SecretBytes;

#[derive(Debug, Default)]
pub struct MemorySecretStore {
    secrets: Mutex<HashMap<String, SecretBytes>>,
}

impl MemorySecretStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn locked(
        &self,
    ) -> Result<std::sync::MutexGuard<'_, HashMap<String, SecretBytes>>, SecretStoreError> {
        self.secrets.lock().map_err(|_| SecretStoreError::Failed {
            reason: "a thread panicked while holding the in-memory store".into(),
        })
    }
}

impl SecretStore for MemorySecretStore {
    fn load(&self, name: &str) -> Result<Option<SecretBytes>, SecretStoreError> {
        Ok(self.locked()?.get(name).cloned())
    }

    fn store(&self, name: &str, value: &SecretBytes) -> Result<(), SecretStoreError> {
        self.locked()?.insert(name.to_owned(), value.clone());
        Ok(())
    }

    fn delete(&self, name: &str) -> Result<(), SecretStoreError> {
        self.locked()?.remove(name);
        Ok(())
    }
}
