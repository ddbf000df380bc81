//! The vault as several tasks share it: the codes screen, a push approval, a
//! poll of every server. Each takes the vault for one short, synchronous step
//! (a read or one SQLite transaction) and gives it back; nothing waits on a
//! person, a server or a timer while holding it.
//!
//! A plain `std` mutex on purpose: its guard cannot be held across an `.await`
//! in a future that must be `Send` (the FFI's are), and clippy's
//! `await_holding_lock` denies the rest, so "no lock over I/O" is checked by
//! the compiler rather than by review.

use std::sync::{Mutex, MutexGuard, PoisonError};

use super::Vault;

#[derive(Debug)]
pub struct SharedVault {
    vault: Mutex<Vault>,
}

impl SharedVault {
    pub fn new(vault: Vault) -> Self {
        Self {
            vault: Mutex::new(vault),
        }
    }

    /// The vault for one step. A panic in another step leaves nothing half
    /// written (every write is one SQLite transaction, rolled back when it is
    /// dropped), so a poisoned lock is taken over rather than failing every
    /// later call.
    pub fn lock(&self) -> MutexGuard<'_, Vault> {
        self.vault.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn into_inner(self) -> Vault {
        self.vault
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl From<Vault> for SharedVault {
    fn from(vault: Vault) -> Self {
        Self::new(vault)
    }
}
