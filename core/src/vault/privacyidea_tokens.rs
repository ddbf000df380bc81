//! privacyIDEA push tokens in the vault. They live apart from Countersign push
//! accounts because their keys differ (RSA, a PKCS#1 server key, a serial
//! instead of a device id); their challenges share `push_challenges`, so the
//! "answered once, remembered after a restart" rules are the same.

use rusqlite::{OptionalExtension, params};

use super::integrity::Field;
use super::seal::VaultKey;
use super::{Vault, VaultError, random_hex};
use crate::clock::UnixTime;
use crate::secret::SecretBytes;
use ring::rand::SystemRandom;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivacyIdeaToken {
    pub id: String,
    pub serial: String,
    pub label: String,
    pub issuer: String,
    /// The server's `/ttype/push` endpoint.
    pub url: String,
    /// The server's RSA public key (PKCS#1 DER), pinned at enrollment.
    pub server_key: Vec<u8>,
    /// The device's RSA private key (PKCS#8); sealed in the vault.
    pub device_key: SecretBytes,
    pub ssl_verify: bool,
    pub poll_only: bool,
    /// The administrator asked for the app to be unlocked before answering.
    pub require_unlock: bool,
    /// Server time minus device time.
    pub clock_offset: i64,
    pub created_at: UnixTime,
}

const SELECT_TOKEN: &str = "SELECT id, serial, label, issuer, url, server_key, device_key,
    ssl_verify, poll_only, require_unlock, clock_offset, created_at, mac FROM privacyidea_tokens";

impl Vault {
    /// Stores a token; a token with the same serial at the same server is
    /// replaced (privacyIDEA re-enrolled it).
    pub fn add_privacyidea_token(
        &mut self,
        token: &PrivacyIdeaToken,
    ) -> Result<String, VaultError> {
        let id = if token.id.is_empty() {
            random_hex(&SystemRandom::new(), 16)?
        } else {
            token.id.clone()
        };
        let sealed = self
            .key
            .seal(device_key_slot(&id), token.device_key.expose_secret())
            .map_err(|_| VaultError::Random)?;
        let mac = Pinned {
            serial: &token.serial,
            label: &token.label,
            issuer: &token.issuer,
            url: &token.url,
            server_key: &token.server_key,
            ssl_verify: token.ssl_verify,
            poll_only: token.poll_only,
            require_unlock: token.require_unlock,
        }
        .mac(&self.key, &id);
        let transaction = self
            .connection
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // A re-enrolled token's old challenges can no longer be answered.
        transaction.execute(
            "DELETE FROM push_challenges WHERE account IN
                (SELECT id FROM privacyidea_tokens WHERE serial = ?1 AND url = ?2 AND id != ?3)",
            params![token.serial, token.url, id],
        )?;
        transaction.execute(
            "DELETE FROM privacyidea_tokens WHERE serial = ?1 AND url = ?2",
            params![token.serial, token.url],
        )?;
        transaction.execute(
            "INSERT INTO privacyidea_tokens (id, serial, label, issuer, url, server_key, device_key,
                ssl_verify, poll_only, require_unlock, clock_offset, created_at, mac)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                id,
                token.serial,
                token.label,
                token.issuer,
                token.url,
                token.server_key,
                sealed,
                token.ssl_verify,
                token.poll_only,
                token.require_unlock,
                token.clock_offset,
                token.created_at,
                mac
            ],
        )?;
        super::integrity::bump_generation(&transaction, &self.key)?;
        transaction.commit()?;
        super::integrity::remember_generation(
            &mut self.connection,
            &self.key,
            self.store.as_ref(),
            &self.vault_id,
        );
        Ok(id)
    }

    pub fn privacyidea_tokens(&self) -> Result<Vec<PrivacyIdeaToken>, VaultError> {
        let mut statement = self
            .connection
            .prepare_cached(&format!("{SELECT_TOKEN} ORDER BY created_at, id"))?;
        let rows = statement.query_map([], read_row)?;
        let mut tokens = Vec::new();
        for row in rows {
            tokens.push(self.open_token(row?)?);
        }
        Ok(tokens)
    }

    /// `None` when `id` is not a privacyIDEA token (it may be a Countersign account).
    pub fn privacyidea_token(&self, id: &str) -> Result<Option<PrivacyIdeaToken>, VaultError> {
        let row = self
            .connection
            .query_row(&format!("{SELECT_TOKEN} WHERE id = ?1"), [id], read_row)
            .optional()?;
        row.map(|row| self.open_token(row)).transpose()
    }

    pub fn set_privacyidea_clock_offset(
        &mut self,
        id: &str,
        offset: i64,
    ) -> Result<(), VaultError> {
        self.connection.execute(
            "UPDATE privacyidea_tokens SET clock_offset = ?2 WHERE id = ?1",
            params![id, offset],
        )?;
        Ok(())
    }

    fn open_token(&self, row: TokenRow) -> Result<PrivacyIdeaToken, VaultError> {
        row.pinned().check(&self.key, &row.id, row.mac.as_deref())?;
        let device_key = self
            .key
            .open(device_key_slot(&row.id), &row.device_key)
            .map_err(|_| VaultError::Integrity { id: row.id.clone() })?;
        Ok(PrivacyIdeaToken {
            device_key,
            id: row.id,
            serial: row.serial,
            label: row.label,
            issuer: row.issuer,
            url: row.url,
            server_key: row.server_key,
            ssl_verify: row.ssl_verify,
            poll_only: row.poll_only,
            require_unlock: row.require_unlock,
            clock_offset: row.clock_offset,
            created_at: row.created_at,
        })
    }
}

fn device_key_slot(id: &str) -> super::seal::Slot<'_> {
    super::seal::Slot {
        table: "privacyidea_tokens",
        row: id,
        column: "device_key",
    }
}

/// What a tampered file could use against a token: the server it answers, the
/// key it trusts, whether certificates are checked, and the unlock requirement.
struct Pinned<'a> {
    serial: &'a str,
    label: &'a str,
    issuer: &'a str,
    url: &'a str,
    server_key: &'a [u8],
    ssl_verify: bool,
    poll_only: bool,
    require_unlock: bool,
}

impl Pinned<'_> {
    fn fields(&self) -> [Field<'_>; 8] {
        [
            Field::Text(Some(self.serial)),
            Field::Text(Some(self.label)),
            Field::Text(Some(self.issuer)),
            Field::Text(Some(self.url)),
            Field::Blob(Some(self.server_key)),
            Field::Int(Some(i64::from(self.ssl_verify))),
            Field::Int(Some(i64::from(self.poll_only))),
            Field::Int(Some(i64::from(self.require_unlock))),
        ]
    }

    fn mac(&self, key: &VaultKey, id: &str) -> Vec<u8> {
        key.rows().tag("privacyidea_tokens", id, &self.fields())
    }

    fn check(&self, key: &VaultKey, id: &str, stored: Option<&[u8]>) -> Result<(), VaultError> {
        key.rows()
            .check("privacyidea_tokens", id, &self.fields(), stored)
    }
}

/// Every token's MAC, for vaults from before schema 5.
pub(super) fn row_macs(
    connection: &rusqlite::Connection,
    key: &VaultKey,
) -> Result<Vec<(String, Vec<u8>)>, VaultError> {
    super::integrity::macs_of(connection, SELECT_TOKEN, read_row, |row: &TokenRow| {
        (row.id.clone(), row.pinned().mac(key, &row.id))
    })
}

struct TokenRow {
    id: String,
    serial: String,
    label: String,
    issuer: String,
    url: String,
    server_key: Vec<u8>,
    device_key: Vec<u8>,
    ssl_verify: bool,
    poll_only: bool,
    require_unlock: bool,
    clock_offset: i64,
    created_at: i64,
    mac: Option<Vec<u8>>,
}

impl TokenRow {
    fn pinned(&self) -> Pinned<'_> {
        Pinned {
            serial: &self.serial,
            label: &self.label,
            issuer: &self.issuer,
            url: &self.url,
            server_key: &self.server_key,
            ssl_verify: self.ssl_verify,
            poll_only: self.poll_only,
            require_unlock: self.require_unlock,
        }
    }
}

fn read_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<TokenRow> {
    Ok(TokenRow {
        id: row.get(0)?,
        serial: row.get(1)?,
        label: row.get(2)?,
        issuer: row.get(3)?,
        url: row.get(4)?,
        server_key: row.get(5)?,
        device_key: row.get(6)?,
        ssl_verify: row.get(7)?,
        poll_only: row.get(8)?,
        require_unlock: row.get(9)?,
        clock_offset: row.get(10)?,
        created_at: row.get(11)?,
        mac: row.get(12)?,
    })
}
