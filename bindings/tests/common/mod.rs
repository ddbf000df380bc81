//! What the FFI's tests share: the platform's key store, kept in memory, and
//! an `Authenticator` on it that reaches the test server on 127.0.0.1.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use countersign_core::http::PlainHttp;
use countersign_ffi::{Authenticator, FfiError, KeyStore};

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

/// A new vault in `dir`, its key in memory; plain http to loopback allowed
/// (the reference server in the tests).
#[allow(dead_code)] // each test file compiles its own copy; not all of them open this way
pub fn open_loopback(dir: &tempfile::TempDir) -> Arc<Authenticator> {
    Authenticator::open_with(
        dir.path().join("vault.sqlite").to_str().unwrap().into(),
        Arc::new(MemoryKeyStore::default()),
        None,
        PlainHttp::Loopback,
    )
    .unwrap()
}

/// The vault at `path` with its key in `keys`, https only, as a phone opens
/// it; two calls on one path are two processes sharing the file.
#[allow(dead_code)] // each test file compiles its own copy; not all of them open this way
pub fn open_at(path: &std::path::Path, keys: &Arc<MemoryKeyStore>) -> Arc<Authenticator> {
    Authenticator::open_with(
        path.to_str().unwrap().into(),
        keys.clone(),
        None,
        PlainHttp::Refuse,
    )
    .unwrap()
}
