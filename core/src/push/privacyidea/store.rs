//! privacyIDEA push tokens in the vault file. They live apart from Countersign
//! push accounts because their keys differ (RSA, a PKCS#1 server key, a serial
//! instead of a device id); their challenges share `push_challenges`
//! ([`crate::push::PushStore`]), so the "answered once, remembered after a
//! restart" rules are the same.

use rusqlite::{Row, params};

use crate::clock::UnixTime;
use crate::secret::SecretBytes;
use crate::vault::{PRIVACYIDEA_TOKENS_PINNED, TableReader, Vault, VaultError};

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

const TABLE: &str = "privacyidea_tokens";

/// The privacyIDEA tokens of a vault.
pub trait PrivacyIdeaStore {
    /// Stores a token; a token with the same serial at the same server is
    /// replaced (privacyIDEA re-enrolled it), with the challenges it received.
    fn add_privacyidea_token(&mut self, token: &PrivacyIdeaToken) -> Result<String, VaultError>;
    fn privacyidea_tokens(&self) -> Result<Vec<PrivacyIdeaToken>, VaultError>;
    /// `None` when `id` is not a privacyIDEA token (it may be a Countersign account).
    fn privacyidea_token(&self, id: &str) -> Result<Option<PrivacyIdeaToken>, VaultError>;
    fn set_privacyidea_clock_offset(&mut self, id: &str, offset: i64) -> Result<(), VaultError>;
}

fn select_token() -> String {
    format!(
        "SELECT id, device_key, clock_offset, created_at, {} FROM {TABLE}",
        PRIVACYIDEA_TOKENS_PINNED.select_list()
    )
}

/// Index of the first pinned column in [`select_token`].
const PINNED_FROM: usize = 4;

impl PrivacyIdeaStore for Vault {
    fn add_privacyidea_token(&mut self, token: &PrivacyIdeaToken) -> Result<String, VaultError> {
        self.write_tables(|tables| {
            let id = if token.id.is_empty() {
                tables.new_id()?
            } else {
                token.id.clone()
            };
            let sealed = tables.seal(TABLE, &id, "device_key", token.device_key.expose_secret())?;
            let transaction = tables.transaction();
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
                    ssl_verify, poll_only, require_unlock, clock_offset, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
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
                ],
            )?;
            tables.pin(&PRIVACYIDEA_TOKENS_PINNED, &id)?;
            Ok(id)
        })
    }

    fn privacyidea_tokens(&self) -> Result<Vec<PrivacyIdeaToken>, VaultError> {
        let tables = self.tables();
        let mut statement = tables
            .connection()
            .prepare_cached(&format!("{} ORDER BY created_at, id", select_token()))?;
        let mut rows = statement.query([])?;
        let mut tokens = Vec::new();
        while let Some(row) = rows.next()? {
            tokens.push(read_token(&tables, row)?);
        }
        Ok(tokens)
    }

    fn privacyidea_token(&self, id: &str) -> Result<Option<PrivacyIdeaToken>, VaultError> {
        let tables = self.tables();
        let mut statement = tables
            .connection()
            .prepare_cached(&format!("{} WHERE id = ?1", select_token()))?;
        let mut rows = statement.query([id])?;
        rows.next()?.map(|row| read_token(&tables, row)).transpose()
    }

    fn set_privacyidea_clock_offset(&mut self, id: &str, offset: i64) -> Result<(), VaultError> {
        self.write_tables(|tables| {
            tables.transaction().execute(
                "UPDATE privacyidea_tokens SET clock_offset = ?2 WHERE id = ?1",
                params![id, offset],
            )?;
            Ok(())
        })
    }
}

/// One row of [`select_token`], its MAC checked before anything is decoded.
fn read_token(tables: &TableReader<'_>, row: &Row<'_>) -> Result<PrivacyIdeaToken, VaultError> {
    let id: String = row.get(0)?;
    tables.check_row(&PRIVACYIDEA_TOKENS_PINNED, &id, row, PINNED_FROM)?;
    let pinned = |index: usize| PINNED_FROM + index;
    let sealed: Vec<u8> = row.get(1)?;
    Ok(PrivacyIdeaToken {
        device_key: tables.open(TABLE, &id, "device_key", &sealed)?,
        serial: row.get(pinned(0))?,
        label: row.get(pinned(1))?,
        issuer: row.get(pinned(2))?,
        url: row.get(pinned(3))?,
        server_key: row.get(pinned(4))?,
        ssl_verify: row.get(pinned(5))?,
        poll_only: row.get(pinned(6))?,
        require_unlock: row.get(pinned(7))?,
        clock_offset: row.get(2)?,
        created_at: row.get(3)?,
        id,
    })
}
