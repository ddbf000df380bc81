//! Push accounts in the vault: the server each enrollment talks to, its pinned
//! key, the device's own key (sealed, or a hardware key's alias), the learned
//! clock offset, and the challenges received, so an answer survives a restart
//! and a request is never answered twice.

use rusqlite::{OptionalExtension, params};

use super::integrity::Field;
use super::seal::VaultKey;
use super::{Vault, VaultError, random_hex};
use crate::clock::UnixTime;
use crate::secret::SecretBytes;
use countersign_protocol::jose::Jwk;
use countersign_protocol::wire::Policy;
use ring::rand::SystemRandom;

/// Where an enrollment's device key lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceKeyRef {
    /// PKCS#8 of a software key; sealed in the vault.
    Software(SecretBytes),
    /// A key in the Secure Enclave / StrongBox, named by the shell.
    Hardware { alias: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushAccountStatus {
    Active,
    /// The user enrolled another device; this one can no longer answer.
    Replaced,
    /// An administrator (or the user) removed this device.
    Revoked,
}

impl PushAccountStatus {
    fn as_str(self) -> &'static str {
        match self {
            PushAccountStatus::Active => "active",
            PushAccountStatus::Replaced => "replaced",
            PushAccountStatus::Revoked => "revoked",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "replaced" => PushAccountStatus::Replaced,
            "revoked" => PushAccountStatus::Revoked,
            _ => PushAccountStatus::Active,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushAccount {
    pub id: String,
    pub server_url: String,
    pub server_jwk: Jwk,
    pub device_id: String,
    pub user: String,
    pub org: String,
    pub policy: Policy,
    pub key: DeviceKeyRef,
    /// Server time minus device time, learned from the server's responses.
    pub clock_offset: i64,
    pub status: PushAccountStatus,
    pub created_at: UnixTime,
}

/// A challenge this device received, verified when it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedChallenge {
    pub id: String,
    pub account: String,
    /// The challenge as received (a JWS, or privacyIDEA's JSON).
    pub jws: String,
    pub answered: Option<String>,
    /// Issued (or, for privacyIDEA, first seen) and expiry, server time.
    pub iat: UnixTime,
    pub exp: UnixTime,
}

const SELECT_ACCOUNT: &str =
    "SELECT id, server_url, server_jwk, device_id, user, org, policy, device_key,
        hardware_key, clock_offset, status, created_at, dialect, mac FROM push_accounts";

impl Vault {
    /// Stores a new enrollment. An earlier enrollment of the same user at the
    /// same server is replaced: the server has revoked it anyway.
    pub fn add_push_account(&mut self, account: &PushAccount) -> Result<String, VaultError> {
        let id = if account.id.is_empty() {
            random_hex(&SystemRandom::new(), 16)?
        } else {
            account.id.clone()
        };
        let (sealed, alias) = match &account.key {
            DeviceKeyRef::Software(pkcs8) => (
                Some(
                    self.key
                        .seal(device_key_slot(&id), pkcs8.expose_secret())
                        .map_err(|_| VaultError::Random)?,
                ),
                None,
            ),
            DeviceKeyRef::Hardware { alias } => (None, Some(alias.clone())),
        };
        let jwk = serde_json::to_string(&account.server_jwk).unwrap_or_default();
        let policy = serde_json::to_string(&account.policy).unwrap_or_default();
        let pinned = Pinned {
            dialect: DIALECT,
            server_url: &account.server_url,
            server_jwk: &jwk,
            device_id: &account.device_id,
            user: &account.user,
            org: &account.org,
            policy: &policy,
            hardware_key: alias.as_deref(),
        };
        let mac = pinned.mac(&self.key, &id);
        let transaction = self
            .connection
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        transaction.execute(
            "DELETE FROM push_accounts WHERE server_url = ?1 AND user = ?2",
            params![account.server_url, account.user],
        )?;
        transaction.execute(
            "INSERT INTO push_accounts (id, dialect, server_url, server_jwk, device_id, user, org, policy,
                                        device_key, hardware_key, clock_offset, status, created_at, mac)
             VALUES (?1, 'countersign', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                id,
                account.server_url,
                jwk,
                account.device_id,
                account.user,
                account.org,
                policy,
                sealed,
                alias,
                account.clock_offset,
                account.status.as_str(),
                account.created_at,
                mac
            ],
        )?;
        // A restored older copy would bring back a server key this device
        // no longer trusts.
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

    pub fn push_accounts(&self) -> Result<Vec<PushAccount>, VaultError> {
        let mut statement = self
            .connection
            .prepare_cached(&format!("{SELECT_ACCOUNT} ORDER BY created_at, id"))?;
        let rows = statement.query_map([], read_row)?;
        let mut accounts = Vec::new();
        for row in rows {
            accounts.push(self.open_push_row(row?)?);
        }
        Ok(accounts)
    }

    pub fn push_account(&self, id: &str) -> Result<PushAccount, VaultError> {
        let row = self
            .connection
            .query_row(&format!("{SELECT_ACCOUNT} WHERE id = ?1"), [id], read_row)
            .optional()?
            .ok_or_else(|| VaultError::NotFound { id: id.to_owned() })?;
        self.open_push_row(row)
    }

    pub fn set_push_clock_offset(&mut self, id: &str, offset: i64) -> Result<(), VaultError> {
        self.connection.execute(
            "UPDATE push_accounts SET clock_offset = ?2 WHERE id = ?1",
            params![id, offset],
        )?;
        Ok(())
    }

    pub fn set_push_account_status(
        &mut self,
        id: &str,
        status: PushAccountStatus,
    ) -> Result<(), VaultError> {
        self.connection.execute(
            "UPDATE push_accounts SET status = ?2 WHERE id = ?1",
            params![id, status.as_str()],
        )?;
        Ok(())
    }

    /// Removes a push account of either dialect (a Countersign account or a
    /// privacyIDEA token) with the challenges it received.
    pub fn delete_push_account(&mut self, id: &str) -> Result<(), VaultError> {
        let transaction = self.connection.transaction()?;
        transaction.execute("DELETE FROM push_challenges WHERE account = ?1", [id])?;
        let deleted = transaction.execute("DELETE FROM push_accounts WHERE id = ?1", [id])?
            + transaction.execute("DELETE FROM privacyidea_tokens WHERE id = ?1", [id])?;
        transaction.commit()?;
        if deleted == 0 {
            return Err(VaultError::NotFound { id: id.to_owned() });
        }
        Ok(())
    }

    /// Remembers a verified challenge (a second delivery of the same one is a no-op).
    pub fn cache_challenge(
        &mut self,
        account: &str,
        id: &str,
        jws: &str,
        resource: &str,
        iat: UnixTime,
        exp: UnixTime,
    ) -> Result<(), VaultError> {
        self.connection.execute(
            "INSERT OR IGNORE INTO push_challenges (id, account, jws, resource, iat, exp)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![id, account, jws, resource, iat, exp],
        )?;
        Ok(())
    }

    pub fn cached_challenge(&self, id: &str) -> Result<Option<CachedChallenge>, VaultError> {
        Ok(self
            .connection
            .query_row(
                "SELECT id, account, jws, answered, iat, exp FROM push_challenges WHERE id = ?1",
                [id],
                |row| {
                    Ok(CachedChallenge {
                        id: row.get(0)?,
                        account: row.get(1)?,
                        jws: row.get(2)?,
                        answered: row.get(3)?,
                        iat: row.get(4)?,
                        exp: row.get(5)?,
                    })
                },
            )
            .optional()?)
    }

    /// Records this device's answer before it is reported as done.
    pub fn mark_challenge_answered(
        &mut self,
        id: &str,
        decision: &str,
        now: UnixTime,
    ) -> Result<(), VaultError> {
        self.connection.execute(
            // The first recorded outcome stays: a late or second answer
            // never turns "approved" into "expired".
            "UPDATE push_challenges SET answered = ?2, answered_at = ?3 \
             WHERE id = ?1 AND answered IS NULL",
            params![id, decision, now],
        )?;
        Ok(())
    }

    /// Challenges for the same account and resource issued in [since, until].
    pub fn challenges_for_resource(
        &self,
        account: &str,
        resource: &str,
        since: UnixTime,
        until: UnixTime,
    ) -> Result<u32, VaultError> {
        Ok(self.connection.query_row(
            "SELECT COUNT(*) FROM push_challenges WHERE account = ?1 AND resource = ?2 AND iat BETWEEN ?3 AND ?4",
            params![account, resource, since, until],
            |row| row.get(0),
        )?)
    }

    /// Forgets challenges that expired before `before` (answered ids are kept
    /// until then, so a late redelivery is still recognised).
    pub fn forget_challenges_expired_before(&mut self, before: UnixTime) -> Result<(), VaultError> {
        self.connection
            .execute("DELETE FROM push_challenges WHERE exp < ?1", [before])?;
        Ok(())
    }

    fn open_push_row(&self, row: PushRow) -> Result<PushAccount, VaultError> {
        row.pinned().check(&self.key, &row.id, row.mac.as_deref())?;
        let damaged = |what: &str| VaultError::Corrupt {
            detail: format!("push account {} has {what}", row.id),
        };
        let server_jwk: Jwk = serde_json::from_str(&row.server_jwk)
            .map_err(|_| damaged("an unreadable server key"))?;
        let policy: Policy =
            serde_json::from_str(&row.policy).map_err(|_| damaged("an unreadable policy"))?;
        let key = match (&row.device_key, &row.hardware_key) {
            (Some(sealed), _) => DeviceKeyRef::Software(
                self.key
                    .open(device_key_slot(&row.id), sealed)
                    .map_err(|_| VaultError::Integrity { id: row.id.clone() })?,
            ),
            (None, Some(alias)) => DeviceKeyRef::Hardware {
                alias: alias.clone(),
            },
            (None, None) => return Err(damaged("no device key")),
        };
        Ok(PushAccount {
            server_jwk,
            policy,
            key,
            status: PushAccountStatus::parse(&row.status),
            id: row.id,
            server_url: row.server_url,
            device_id: row.device_id,
            user: row.user,
            org: row.org,
            clock_offset: row.clock_offset,
            created_at: row.created_at,
        })
    }
}

fn device_key_slot(id: &str) -> super::seal::Slot<'_> {
    super::seal::Slot {
        table: "push_accounts",
        row: id,
        column: "device_key",
    }
}

const DIALECT: &str = "countersign";

/// The columns a tampered file could use to redirect or weaken an account:
/// where it answers, whose key it trusts, which device it is, what the server
/// asked for, and which hardware key signs.
struct Pinned<'a> {
    dialect: &'a str,
    server_url: &'a str,
    server_jwk: &'a str,
    device_id: &'a str,
    user: &'a str,
    org: &'a str,
    policy: &'a str,
    hardware_key: Option<&'a str>,
}

impl Pinned<'_> {
    fn fields(&self) -> [Field<'_>; 8] {
        [
            Field::Text(Some(self.dialect)),
            Field::Text(Some(self.server_url)),
            Field::Text(Some(self.server_jwk)),
            Field::Text(Some(self.device_id)),
            Field::Text(Some(self.user)),
            Field::Text(Some(self.org)),
            Field::Text(Some(self.policy)),
            Field::Text(self.hardware_key),
        ]
    }

    fn mac(&self, key: &VaultKey, id: &str) -> Vec<u8> {
        key.rows().tag("push_accounts", id, &self.fields())
    }

    fn check(&self, key: &VaultKey, id: &str, stored: Option<&[u8]>) -> Result<(), VaultError> {
        key.rows()
            .check("push_accounts", id, &self.fields(), stored)
    }
}

/// Every push account's MAC, for vaults from before schema 5.
pub(super) fn row_macs(
    connection: &rusqlite::Connection,
    key: &VaultKey,
) -> Result<Vec<(String, Vec<u8>)>, VaultError> {
    super::integrity::macs_of(connection, SELECT_ACCOUNT, read_row, |row: &PushRow| {
        (row.id.clone(), row.pinned().mac(key, &row.id))
    })
}

struct PushRow {
    id: String,
    server_url: String,
    server_jwk: String,
    device_id: String,
    user: String,
    org: String,
    policy: String,
    device_key: Option<Vec<u8>>,
    hardware_key: Option<String>,
    clock_offset: i64,
    status: String,
    created_at: i64,
    dialect: String,
    mac: Option<Vec<u8>>,
}

impl PushRow {
    fn pinned(&self) -> Pinned<'_> {
        Pinned {
            dialect: &self.dialect,
            server_url: &self.server_url,
            server_jwk: &self.server_jwk,
            device_id: &self.device_id,
            user: &self.user,
            org: &self.org,
            policy: &self.policy,
            hardware_key: self.hardware_key.as_deref(),
        }
    }
}

fn read_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<PushRow> {
    Ok(PushRow {
        id: row.get(0)?,
        server_url: row.get(1)?,
        server_jwk: row.get(2)?,
        device_id: row.get(3)?,
        user: row.get(4)?,
        org: row.get(5)?,
        policy: row.get(6)?,
        device_key: row.get(7)?,
        hardware_key: row.get(8)?,
        clock_offset: row.get(9)?,
        status: row.get(10)?,
        created_at: row.get(11)?,
        dialect: row.get(12)?,
        mac: row.get(13)?,
    })
}
