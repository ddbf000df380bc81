//! What keeps the vault's security settings honest when someone edits the file:
//!
//! - **Row MACs.** Sealing protects secrets, not the columns beside them. The
//!   pinned server key and URL, privacyIDEA's `ssl_verify` and server key (columns listed in `schema.rs`), HOTP
//!   counters and OTP parameters are plain columns, so each protected row carries
//!   an HMAC-SHA256 (under a key derived from the vault key) over its table, id
//!   and those columns. A row whose MAC does not match, or is missing, is refused
//!   like a tampered secret.
//! - **A generation counter** against rollback, which a MAC cannot see (an older
//!   copy of the whole file is perfectly authentic). Every write that moves an
//!   HOTP counter or pins a server key raises the vault's generation, sealed in
//!   `meta`, and the same number is kept beside the vault key in the
//!   `SecretStore`. A vault older than the store's number is refused.
//!
//! Vaults from before schema 5 get their MACs once, on the first open with the
//! key; the store then remembers that this vault is protected, so deleting the
//! marker in the file to have rows "blessed" again is refused too.

use ring::hmac;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use subtle::ConstantTimeEq;

use super::VaultError;
use super::schema::{PRIVACYIDEA_TOKENS_PINNED, PUSH_ACCOUNTS_PINNED};
use super::seal::{Slot, VaultKey};
use crate::keys::SecretStore;
use crate::secret::SecretBytes;

/// One column's value as it is MACed: typed, so `NULL`, `""` and `0` differ.
#[derive(Debug, Clone, Copy)]
pub(super) enum Field<'a> {
    Text(Option<&'a str>),
    Int(Option<i64>),
    Blob(Option<&'a [u8]>),
}

/// The key for row MACs, derived from the vault key so no new secret is stored.
pub(super) struct RowMacKey(hmac::Key);

impl std::fmt::Debug for RowMacKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RowMacKey([redacted])")
    }
}

impl RowMacKey {
    pub(super) fn derive(vault_key: &SecretBytes) -> Self {
        let root = hmac::Key::new(hmac::HMAC_SHA256, vault_key.expose_secret());
        let derived = hmac::sign(&root, b"countersign/v1/row-mac");
        Self(hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref()))
    }

    pub(super) fn tag(&self, table: &str, id: &str, fields: &[Field<'_>]) -> Vec<u8> {
        let mut context = hmac::Context::with_key(&self.0);
        let mut part = |kind: u8, bytes: Option<&[u8]>| {
            context.update(&[kind]);
            if let Some(bytes) = bytes {
                context.update(&(bytes.len() as u64).to_be_bytes());
                context.update(bytes);
            }
        };
        part(b't', Some(table.as_bytes()));
        part(b'i', Some(id.as_bytes()));
        for field in fields {
            match *field {
                Field::Text(None) | Field::Int(None) | Field::Blob(None) => part(b'0', None),
                Field::Text(Some(text)) => part(b's', Some(text.as_bytes())),
                Field::Int(Some(number)) => part(b'n', Some(&number.to_be_bytes())),
                Field::Blob(Some(bytes)) => part(b'b', Some(bytes)),
            }
        }
        context.sign().as_ref().to_vec()
    }

    /// `Ok` when `stored` is this row's MAC.
    pub(super) fn check(
        &self,
        table: &str,
        id: &str,
        fields: &[Field<'_>],
        stored: Option<&[u8]>,
    ) -> Result<(), VaultError> {
        let expected = self.tag(table, id, fields);
        match stored {
            Some(stored) if bool::from(expected.as_slice().ct_eq(stored)) => Ok(()),
            _ => Err(VaultError::Tampered { id: id.to_owned() }),
        }
    }
}

const MARKER: &str = "row_macs";
const GENERATION_SLOT: Slot<'static> = Slot {
    table: "meta",
    row: "generation",
    column: "value",
};

fn store_entry(vault_id: &str) -> String {
    format!("vault-generation-{vault_id}")
}

/// On open: MACs for a vault that has none yet, then the rollback check.
/// Returns the vault's generation.
pub(super) fn open_checks(
    connection: &mut Connection,
    key: &VaultKey,
    store: &dyn SecretStore,
    vault_id: &str,
) -> Result<u64, VaultError> {
    let remembered = load_generation(store, vault_id)?;
    let marked: bool = connection
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM meta WHERE name = ?1)",
            [MARKER],
            |row| row.get(0),
        )
        .map_err(VaultError::from)?;
    if !marked {
        if remembered.is_some() {
            // This vault had MACs, and the marker is gone: someone wants rows
            // re-blessed.
            return Err(VaultError::RolledBack {
                found: 0,
                expected: remembered.unwrap_or(0),
            });
        }
        backfill(connection, key)?;
    }
    // Under the vault's write lock: every process that writes the store's
    // generation holds it, so they take turns (a key file is rewritten whole).
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let generation = read_generation(&transaction, key)?;
    let remembered = load_generation(store, vault_id)?;
    match remembered {
        Some(expected) if generation < expected => {
            return Err(VaultError::RolledBack {
                found: generation,
                expected,
            });
        }
        Some(expected) if generation == expected => {}
        // New to the store, or a write whose store update did not happen (the
        // app died between the commit and the store): the vault is the newer.
        _ => save_generation(store, vault_id, generation)?,
    }
    transaction.commit()?;
    Ok(generation)
}

/// Raises the generation inside `transaction` (commit it, then call
/// [`remember_generation`]).
pub(super) fn bump_generation(
    transaction: &Transaction<'_>,
    key: &VaultKey,
) -> Result<(), VaultError> {
    let next = read_generation(transaction, key)?
        .checked_add(1)
        .ok_or(VaultError::Random)?;
    let sealed = key
        .seal(GENERATION_SLOT, &next.to_be_bytes())
        .map_err(|_| VaultError::Random)?;
    transaction.execute(
        "INSERT INTO meta (name, value) VALUES ('generation', ?1)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        [sealed],
    )?;
    Ok(())
}

/// After a committed bump: stores the vault's generation as it is now (another
/// process may have raised it further), under the vault's write lock so that
/// processes take turns writing the store. A failure here is not the user's
/// problem: the vault is ahead of the store, which the next open repairs.
pub(super) fn remember_generation(
    connection: &mut Connection,
    key: &VaultKey,
    store: &dyn SecretStore,
    vault_id: &str,
) {
    let Ok(transaction) = connection.transaction_with_behavior(TransactionBehavior::Immediate)
    else {
        return;
    };
    if let Ok(generation) = read_generation(&transaction, key) {
        let _ = save_generation(store, vault_id, generation);
    }
    let _ = transaction.commit();
}

fn read_generation(connection: &Connection, key: &VaultKey) -> Result<u64, VaultError> {
    let sealed: Option<Vec<u8>> = connection
        .query_row(
            "SELECT value FROM meta WHERE name = 'generation'",
            [],
            |row| row.get(0),
        )
        .optional()?;
    let Some(sealed) = sealed else {
        return Ok(0);
    };
    let plain = key
        .open(GENERATION_SLOT, &sealed)
        .map_err(|_| VaultError::Tampered {
            id: "generation".into(),
        })?;
    let bytes: [u8; 8] = plain
        .expose_secret()
        .try_into()
        .map_err(|_| VaultError::Tampered {
            id: "generation".into(),
        })?;
    Ok(u64::from_be_bytes(bytes))
}

fn load_generation(store: &dyn SecretStore, vault_id: &str) -> Result<Option<u64>, VaultError> {
    let Some(value) = store.load(&store_entry(vault_id))? else {
        return Ok(None);
    };
    let bytes: [u8; 8] = value
        .expose_secret()
        .try_into()
        .map_err(|_| VaultError::Corrupt {
            detail: "the vault's generation in the key store is damaged".into(),
        })?;
    Ok(Some(u64::from_be_bytes(bytes)))
}

fn save_generation(
    store: &dyn SecretStore,
    vault_id: &str,
    generation: u64,
) -> Result<(), VaultError> {
    store.store(
        &store_entry(vault_id),
        &SecretBytes::new(generation.to_be_bytes().to_vec()),
    )?;
    Ok(())
}

/// Gives every row of a pre-schema-5 vault its MAC, in one transaction with the
/// marker that says it is done.
fn backfill(connection: &mut Connection, key: &VaultKey) -> Result<(), VaultError> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let marked: bool = transaction.query_row(
        "SELECT EXISTS (SELECT 1 FROM meta WHERE name = ?1)",
        [MARKER],
        |row| row.get(0),
    )?;
    if marked {
        return Ok(()); // another process did it while we waited
    }
    let tables = [
        ("accounts", super::account_macs(&transaction, key)?),
        (
            PUSH_ACCOUNTS_PINNED.table,
            PUSH_ACCOUNTS_PINNED.macs(&transaction, key)?,
        ),
        (
            PRIVACYIDEA_TOKENS_PINNED.table,
            PRIVACYIDEA_TOKENS_PINNED.macs(&transaction, key)?,
        ),
    ];
    for (table, macs) in tables {
        let mut update =
            transaction.prepare(&format!("UPDATE {table} SET mac = ?2 WHERE id = ?1"))?;
        for (id, mac) in macs {
            update.execute(params![id, mac])?;
        }
    }
    transaction.execute(
        "INSERT INTO meta (name, value) VALUES (?1, X'01')",
        [MARKER],
    )?;
    transaction.commit()?;
    Ok(())
}
