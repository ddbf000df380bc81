//! What the vault offers a module that keeps its own rows in the vault file
//! (push does: its accounts, privacyIDEA tokens and received challenges). The
//! owner brings its types and queries; the vault brings the connection, sealing
//! in a row's own slot, row MACs over the columns a tampered file could use, and
//! the rollback generation raised by every write that pins one.
//!
//! The vault knows those tables only as SQL: their frozen migrations
//! (`schema.rs`) and, for each MACed table, the columns the MAC covers
//! (`PinnedColumns`), because a file from before schema 5 has its MACs filled in
//! on open, before any owner runs. Nothing here names an owner's type, so the
//! dependency runs one way: push uses the vault, never the reverse.

use std::cell::Cell;

use ring::rand::SystemRandom;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, Row, Transaction, TransactionBehavior, params};

use super::integrity::{self, Field};
use super::seal::{Slot, VaultKey};
use super::{Vault, VaultError, random_hex};
use crate::secret::SecretBytes;

/// A table's columns that its row MAC covers, in MAC order. Each value is
/// MACed with its SQLite type, so `NULL`, `''` and `0` differ.
#[derive(Debug)]
pub struct PinnedColumns {
    pub table: &'static str,
    pub columns: &'static [&'static str],
}

impl PinnedColumns {
    /// `col1, col2, …, mac`: put it at the end of a `SELECT` and pass the index
    /// of its first column to [`TableReader::check_row`].
    pub fn select_list(&self) -> String {
        let mut list = self.columns.join(", ");
        list.push_str(", mac");
        list
    }

    fn mac_of_row(
        &self,
        key: &VaultKey,
        id: &str,
        row: &Row<'_>,
        first: usize,
    ) -> Result<Vec<u8>, VaultError> {
        let mut fields = Vec::with_capacity(self.columns.len());
        for index in 0..self.columns.len() {
            fields.push(self.field(row.get_ref(first + index)?, id)?);
        }
        Ok(key.rows().tag(self.table, id, &fields))
    }

    fn field<'a>(&self, value: ValueRef<'a>, id: &str) -> Result<Field<'a>, VaultError> {
        Ok(match value {
            ValueRef::Null => Field::Text(None),
            ValueRef::Integer(number) => Field::Int(Some(number)),
            ValueRef::Blob(bytes) => Field::Blob(Some(bytes)),
            ValueRef::Text(bytes) => {
                Field::Text(Some(std::str::from_utf8(bytes).map_err(|_| {
                    VaultError::Corrupt {
                        detail: format!("{} row {id} holds text that is not UTF-8", self.table),
                    }
                })?))
            }
            // No pinned column is REAL; one that became REAL was edited.
            ValueRef::Real(_) => return Err(VaultError::Tampered { id: id.to_owned() }),
        })
    }

    /// Every row's `(id, MAC)`, for the backfill of a pre-schema-5 vault.
    pub(super) fn macs(
        &self,
        connection: &Connection,
        key: &VaultKey,
    ) -> Result<Vec<(String, Vec<u8>)>, VaultError> {
        let sql = format!("SELECT id, {} FROM {}", self.columns.join(", "), self.table);
        let mut statement = connection.prepare(&sql)?;
        let mut rows = statement.query([])?;
        let mut macs = Vec::new();
        while let Some(row) = rows.next()? {
            let id: String = row.get(0)?;
            let mac = self.mac_of_row(key, &id, row, 1)?;
            macs.push((id, mac));
        }
        Ok(macs)
    }
}

/// Reading an owner's rows.
#[derive(Debug)]
pub struct TableReader<'v> {
    connection: &'v Connection,
    key: &'v VaultKey,
}

impl<'v> TableReader<'v> {
    pub fn connection(&self) -> &'v Connection {
        self.connection
    }

    /// Refuses a row whose pinned columns (selected with
    /// [`PinnedColumns::select_list`] from index `first`) do not match its MAC.
    pub fn check_row(
        &self,
        pins: &PinnedColumns,
        id: &str,
        row: &Row<'_>,
        first: usize,
    ) -> Result<(), VaultError> {
        let fields = (0..pins.columns.len())
            .map(|index| pins.field(row.get_ref(first + index)?, id))
            .collect::<Result<Vec<_>, VaultError>>()?;
        let stored: Option<Vec<u8>> = row.get(first + pins.columns.len())?;
        self.key
            .rows()
            .check(pins.table, id, &fields, stored.as_deref())
    }

    /// Opens a value sealed in `(table, row, column)`; anything else is an
    /// integrity failure of that row.
    pub fn open(
        &self,
        table: &str,
        row: &str,
        column: &str,
        sealed: &[u8],
    ) -> Result<SecretBytes, VaultError> {
        self.key
            .open(Slot { table, row, column }, sealed)
            .map_err(|_| VaultError::Integrity { id: row.to_owned() })
    }
}

/// Writing an owner's rows, inside one transaction.
#[derive(Debug)]
pub struct TableWriter<'t> {
    transaction: &'t Transaction<'t>,
    key: &'t VaultKey,
    pinned: Cell<bool>,
}

impl<'t> TableWriter<'t> {
    pub fn transaction(&self) -> &'t Transaction<'t> {
        self.transaction
    }

    /// A new random row id (128 bits, hex).
    pub fn new_id(&self) -> Result<String, VaultError> {
        random_hex(&SystemRandom::new(), 16)
    }

    /// Seals `plaintext` for `(table, row, column)` only: moved to another row
    /// or column it no longer opens.
    pub fn seal(
        &self,
        table: &str,
        row: &str,
        column: &str,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, VaultError> {
        self.key
            .seal(Slot { table, row, column }, plaintext)
            .map_err(|_| VaultError::Random)
    }

    /// MACs row `id` as it is now stored. A pinned row changes what the device
    /// trusts, so the write also raises the vault's rollback generation.
    pub fn pin(&self, pins: &PinnedColumns, id: &str) -> Result<(), VaultError> {
        let sql = format!(
            "SELECT {} FROM {} WHERE id = ?1",
            pins.columns.join(", "),
            pins.table
        );
        let mut statement = self.transaction.prepare(&sql)?;
        let mut rows = statement.query([id])?;
        let row = rows
            .next()?
            .ok_or_else(|| VaultError::NotFound { id: id.to_owned() })?;
        let mac = pins.mac_of_row(self.key, id, row, 0)?;
        self.transaction.execute(
            &format!("UPDATE {} SET mac = ?2 WHERE id = ?1", pins.table),
            params![id, mac],
        )?;
        self.pinned.set(true);
        Ok(())
    }
}

impl Vault {
    pub fn tables(&self) -> TableReader<'_> {
        TableReader {
            connection: &self.connection,
            key: &self.key,
        }
    }

    /// Runs `write` in one immediate transaction, committed only when it
    /// returns `Ok`.
    pub fn write_tables<T>(
        &mut self,
        write: impl FnOnce(&TableWriter<'_>) -> Result<T, VaultError>,
    ) -> Result<T, VaultError> {
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let writer = TableWriter {
            transaction: &transaction,
            key: &self.key,
            pinned: Cell::new(false),
        };
        let value = write(&writer)?;
        let pinned = writer.pinned.get();
        if pinned {
            // A restored older copy would bring back keys this device no
            // longer trusts.
            integrity::bump_generation(&transaction, &self.key)?;
        }
        transaction.commit()?;
        if pinned {
            integrity::remember_generation(
                &mut self.connection,
                &self.key,
                self.store.as_ref(),
                &self.vault_id,
            );
        }
        Ok(value)
    }
}
