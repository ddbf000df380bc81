//! What the FFI's tests share: the platform's key store, kept in memory.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::Mutex;

use countersign_ffi::{FfiError, KeyStore};

/// Keystore / Keychain as a map: what the Kotlin and Swift key stores do,
/// without a device.
#[derive(Debug, Default)]
pub struct MemoryKeyStore(Mutex<HashMap<String, Vec<u8>>>);

impl KeyStore for MemoryKeyStore {
    fn load(&self, name: String) -> Result<Option<Vec<u8>>, FfiError> {
        Ok(self.0.lock().unwrap().get(&name).cloned())
    }
    fn store(&self, name: String, value: Vec<u8>) -> Result<(), FfiError> {
        self.0.lock().unwrap().insert(name, value);
        Ok(())
    }
    fn delete(&self, name: String) -> Result<(), FfiError> {
        self.0.lock().unwrap().remove(&name);
        Ok(())
    }
}
