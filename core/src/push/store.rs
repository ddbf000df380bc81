//! Push accounts in the vault file: the server each enrollment talks to, its
//! pinned key, the device's own key (sealed, or a hardware key's alias), the
//! learned clock offset, and the challenges received (by either dialect), so an
//! answer survives a restart and a request is never answered twice.
//!
//! Push owns these rows; the vault lends the file, sealing and row MACs
//! (`vault::tables`). Callers bring [`PushStore`] into scope to use them.

use rusqlite::{OptionalExtension, Row, params};

use crate::clock::UnixTime;
use crate::secret::SecretBytes;
use crate::vault::{PUSH_ACCOUNTS_PINNED, TableReader, Vault, VaultError};
use countersign_protocol::jose::Jwk;
use countersign_protocol::wire::Policy;

/// Where an enrollment's device key lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceKeyRef {
    /// PKCS#8 of a software key; sealed in the vault.
    Software(SecretBytes),
    /// A key in the Secure Enclave / StrongBox, named by the shell.
    Hardware { alias: String },
}

/// Whether a push account can still answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
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
    /// The hardware alias of this enrollment's user key (ADR 0014), if the
    /// phone could make one: approvals that need the user are signed by it.
    pub user_key: Option<String>,
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

const TABLE: &str = "push_accounts";
const DIALECT: &str = "countersign";

/// The push rows of a vault: accounts of both dialects' challenges, and
/// Countersign accounts themselves (privacyIDEA tokens: `PrivacyIdeaStore`).
pub trait PushStore {
    /// Stores a new enrollment. An earlier enrollment of the same user at the
    /// same server is replaced: the server has revoked it anyway.
    fn add_push_account(&mut self, account: &PushAccount) -> Result<String, VaultError>;
    fn push_accounts(&self) -> Result<Vec<PushAccount>, VaultError>;
    fn push_account(&self, id: &str) -> Result<PushAccount, VaultError>;
    fn set_push_clock_offset(&mut self, id: &str, offset: i64) -> Result<(), VaultError>;
    fn set_push_account_status(
        &mut self,
        id: &str,
        status: PushAccountStatus,
    ) -> Result<(), VaultError>;
    /// Removes a push account of either dialect (a Countersign account or a
    /// privacyIDEA token) with the challenges it received.
    fn delete_push_account(&mut self, id: &str) -> Result<(), VaultError>;
    /// Remembers a verified challenge (a second delivery of the same one is a no-op).
    fn cache_challenge(
        &mut self,
        account: &str,
        id: &str,
        jws: &str,
        resource: &str,
        iat: UnixTime,
        exp: UnixTime,
    ) -> Result<(), VaultError>;
    fn cached_challenge(&self, id: &str) -> Result<Option<CachedChallenge>, VaultError>;
    /// Records this device's answer before it is reported as done. The first
    /// recorded outcome stays: a late or second answer never turns "approved"
    /// into "expired".
    fn mark_challenge_answered(
        &mut self,
        id: &str,
        decision: &str,
        now: UnixTime,
    ) -> Result<(), VaultError>;
    /// Challenges for the same account and resource issued in [since, until].
    fn challenges_for_resource(
        &self,
        account: &str,
        resource: &str,
        since: UnixTime,
        until: UnixTime,
    ) -> Result<u32, VaultError>;
    /// Forgets challenges that expired before `before` (answered ids are kept
    /// until then, so a late redelivery is still recognised).
    fn forget_challenges_expired_before(&mut self, before: UnixTime) -> Result<(), VaultError>;
}

fn select_account() -> String {
    format!(
        "SELECT id, device_key, clock_offset, status, created_at, user_key, {} FROM {TABLE}",
        PUSH_ACCOUNTS_PINNED.select_list()
    )
}

/// Index of the first pinned column in [`select_account`].
const PINNED_FROM: usize = 6;

impl PushStore for Vault {
    fn add_push_account(&mut self, account: &PushAccount) -> Result<String, VaultError> {
        let jwk =
            serde_json::to_string(&account.server_jwk).map_err(|error| VaultError::Storage {
                detail: format!("the server key cannot be stored: {error}"),
            })?;
        let policy =
            serde_json::to_string(&account.policy).map_err(|error| VaultError::Storage {
                detail: format!("the policy cannot be stored: {error}"),
            })?;
        self.write_tables(|tables| {
            let id = if account.id.is_empty() {
                tables.new_id()?
            } else {
                account.id.clone()
            };
            let (sealed, alias) = match &account.key {
                DeviceKeyRef::Software(pkcs8) => (
                    Some(tables.seal(TABLE, &id, "device_key", pkcs8.expose_secret())?),
                    None,
                ),
                DeviceKeyRef::Hardware { alias } => (None, Some(alias.as_str())),
            };
            let transaction = tables.transaction();
            transaction.execute(
                "DELETE FROM push_accounts WHERE server_url = ?1 AND user = ?2",
                params![account.server_url, account.user],
            )?;
            transaction.execute(
                "INSERT INTO push_accounts (id, dialect, server_url, server_jwk, device_id, user, org,
                    policy, device_key, hardware_key, clock_offset, status, created_at, user_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                params![
                    id,
                    DIALECT,
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
                    account.user_key,
                ],
            )?;
            tables.pin(&PUSH_ACCOUNTS_PINNED, &id)?;
            Ok(id)
        })
    }

    fn push_accounts(&self) -> Result<Vec<PushAccount>, VaultError> {
        let tables = self.tables();
        let mut statement = tables
            .connection()
            .prepare_cached(&format!("{} ORDER BY created_at, id", select_account()))?;
        let mut rows = statement.query([])?;
        let mut accounts = Vec::new();
        while let Some(row) = rows.next()? {
            accounts.push(read_account(&tables, row)?);
        }
        Ok(accounts)
    }

    fn push_account(&self, id: &str) -> Result<PushAccount, VaultError> {
        let tables = self.tables();
        let mut statement = tables
            .connection()
            .prepare_cached(&format!("{} WHERE id = ?1", select_account()))?;
        let mut rows = statement.query([id])?;
        match rows.next()? {
            Some(row) => read_account(&tables, row),
            None => Err(VaultError::NotFound { id: id.to_owned() }),
        }
    }

    fn set_push_clock_offset(&mut self, id: &str, offset: i64) -> Result<(), VaultError> {
        self.write_tables(|tables| {
            tables.transaction().execute(
                "UPDATE push_accounts SET clock_offset = ?2 WHERE id = ?1",
                params![id, offset],
            )?;
            Ok(())
        })
    }

    fn set_push_account_status(
        &mut self,
        id: &str,
        status: PushAccountStatus,
    ) -> Result<(), VaultError> {
        self.write_tables(|tables| {
            tables.transaction().execute(
                "UPDATE push_accounts SET status = ?2 WHERE id = ?1",
                params![id, status.as_str()],
            )?;
            Ok(())
        })
    }

    fn delete_push_account(&mut self, id: &str) -> Result<(), VaultError> {
        self.write_tables(|tables| {
            let transaction = tables.transaction();
            transaction.execute("DELETE FROM push_challenges WHERE account = ?1", [id])?;
            let deleted = transaction.execute("DELETE FROM push_accounts WHERE id = ?1", [id])?
                + transaction.execute("DELETE FROM privacyidea_tokens WHERE id = ?1", [id])?;
            if deleted == 0 {
                return Err(VaultError::NotFound { id: id.to_owned() });
            }
            Ok(())
        })
    }

    fn cache_challenge(
        &mut self,
        account: &str,
        id: &str,
        jws: &str,
        resource: &str,
        iat: UnixTime,
        exp: UnixTime,
    ) -> Result<(), VaultError> {
        self.write_tables(|tables| {
            tables.transaction().execute(
                "INSERT OR IGNORE INTO push_challenges (id, account, jws, resource, iat, exp)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, account, jws, resource, iat, exp],
            )?;
            Ok(())
        })
    }

    fn cached_challenge(&self, id: &str) -> Result<Option<CachedChallenge>, VaultError> {
        Ok(self
            .tables()
            .connection()
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

    fn mark_challenge_answered(
        &mut self,
        id: &str,
        decision: &str,
        now: UnixTime,
    ) -> Result<(), VaultError> {
        self.write_tables(|tables| {
            tables.transaction().execute(
                "UPDATE push_challenges SET answered = ?2, answered_at = ?3 \
                 WHERE id = ?1 AND answered IS NULL",
                params![id, decision, now],
            )?;
            Ok(())
        })
    }

    fn challenges_for_resource(
        &self,
        account: &str,
        resource: &str,
        since: UnixTime,
        until: UnixTime,
    ) -> Result<u32, VaultError> {
        Ok(self.tables().connection().query_row(
            "SELECT COUNT(*) FROM push_challenges WHERE account = ?1 AND resource = ?2 AND iat BETWEEN ?3 AND ?4",
            params![account, resource, since, until],
            |row| row.get(0),
        )?)
    }

    fn forget_challenges_expired_before(&mut self, before: UnixTime) -> Result<(), VaultError> {
        self.write_tables(|tables| {
            tables
                .transaction()
                .execute("DELETE FROM push_challenges WHERE exp < ?1", [before])?;
            Ok(())
        })
    }
}

/// One row of [`select_account`], its MAC checked before anything is decoded.
fn read_account(tables: &TableReader<'_>, row: &Row<'_>) -> Result<PushAccount, VaultError> {
    let id: String = row.get(0)?;
    tables.check_row(&PUSH_ACCOUNTS_PINNED, &id, row, PINNED_FROM)?;
    let damaged = |what: &str| VaultError::Corrupt {
        detail: format!("push account {id} has {what}"),
    };
    let pinned = |index: usize| PINNED_FROM + index;
    let server_jwk: String = row.get(pinned(2))?;
    let server_jwk: Jwk =
        serde_json::from_str(&server_jwk).map_err(|_| damaged("an unreadable server key"))?;
    let policy: String = row.get(pinned(6))?;
    let policy: Policy =
        serde_json::from_str(&policy).map_err(|_| damaged("an unreadable policy"))?;
    let device_key: Option<Vec<u8>> = row.get(1)?;
    let hardware_key: Option<String> = row.get(pinned(7))?;
    let key = match (device_key, hardware_key) {
        (Some(sealed), _) => {
            DeviceKeyRef::Software(tables.open(TABLE, &id, "device_key", &sealed)?)
        }
        (None, Some(alias)) => DeviceKeyRef::Hardware { alias },
        (None, None) => return Err(damaged("no device key")),
    };
    let status: String = row.get(3)?;
    Ok(PushAccount {
        server_url: row.get(pinned(1))?,
        device_id: row.get(pinned(3))?,
        user: row.get(pinned(4))?,
        org: row.get(pinned(5))?,
        server_jwk,
        policy,
        key,
        // Not under the row MAC (its column list is frozen): an edited alias
        // only makes approvals that need the user fail, or, removed, fall
        // back to the device key, which a server that saw the attested key
        // refuses (ADR 0014).
        user_key: row.get(5)?,
        status: PushAccountStatus::parse(&status),
        clock_offset: row.get(2)?,
        created_at: row.get(4)?,
        id,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::keys::MemorySecretStore;
    use crate::push::privacyidea::{PrivacyIdeaStore, PrivacyIdeaToken};
    use countersign_protocol::jose::{JwsSigner, SoftwareKey};
    use countersign_protocol::wire::Biometric;

    fn vault() -> (tempfile::TempDir, Vault) {
        let dir = tempfile::tempdir().unwrap();
        let vault = Vault::open(
            &dir.path().join("vault.sqlite"),
            Arc::new(MemorySecretStore::new()),
        )
        .unwrap();
        (dir, vault)
    }

    fn account(user: &str, key: DeviceKeyRef) -> PushAccount {
        PushAccount {
            id: String::new(),
            server_url: "https://mfa.example.test".into(),
            server_jwk: SoftwareKey::generate().unwrap().public_jwk(),
            device_id: format!("dv_{user}"),
            user: user.into(),
            org: "Example".into(),
            policy: Policy {
                biometric: Biometric::Required,
                number_matching: true,
            },
            key,
            user_key: None,
            clock_offset: 4,
            status: PushAccountStatus::Active,
            created_at: 100,
        }
    }

    #[test]
    fn an_account_reads_back_as_stored_and_a_second_enrollment_replaces_it() {
        let (_dir, mut vault) = vault();
        let software = DeviceKeyRef::Software(SecretBytes::new(b"pkcs8".to_vec()));
        let first = vault.add_push_account(&account("jane", software)).unwrap();
        vault
            .cache_challenge(&first, "ch_1", "jws", "portal", 100, 160)
            .unwrap();
        let hardware = DeviceKeyRef::Hardware {
            alias: "countersign-abc".into(),
        };
        let mut stored = account("jane", hardware);
        let second = vault.add_push_account(&stored).unwrap();
        stored.id = second.clone();
        assert_eq!(vault.push_accounts().unwrap(), [stored.clone()]);
        assert_eq!(vault.push_account(&second).unwrap(), stored);
        assert!(matches!(
            vault.push_account(&first),
            Err(VaultError::NotFound { .. })
        ));
    }

    #[test]
    fn deleting_removes_either_dialect_with_its_challenges() {
        let (_dir, mut vault) = vault();
        let id = vault
            .add_push_account(&account(
                "jane",
                DeviceKeyRef::Software(SecretBytes::new(b"pkcs8".to_vec())),
            ))
            .unwrap();
        let token = vault
            .add_privacyidea_token(&PrivacyIdeaToken {
                id: String::new(),
                serial: "PIPU0001".into(),
                label: "jane".into(),
                issuer: "privacyIDEA".into(),
                url: "https://pi.example.test/ttype/push".into(),
                server_key: b"pkcs1".to_vec(),
                device_key: SecretBytes::new(b"pkcs8".to_vec()),
                ssl_verify: true,
                poll_only: false,
                require_unlock: false,
                clock_offset: 0,
                created_at: 100,
            })
            .unwrap();
        vault
            .cache_challenge(&id, "ch_1", "jws", "portal", 100, 160)
            .unwrap();
        vault
            .cache_challenge(&token, "ch_2", "{}", "", 100, 220)
            .unwrap();
        vault.delete_push_account(&id).unwrap();
        vault.delete_push_account(&token).unwrap();
        assert!(vault.cached_challenge("ch_1").unwrap().is_none());
        assert!(vault.cached_challenge("ch_2").unwrap().is_none());
        assert!(vault.push_accounts().unwrap().is_empty());
        assert!(vault.privacyidea_tokens().unwrap().is_empty());
        assert!(matches!(
            vault.delete_push_account(&id),
            Err(VaultError::NotFound { .. })
        ));
    }

    #[test]
    fn the_first_recorded_answer_to_a_request_stays() {
        let (_dir, mut vault) = vault();
        vault
            .cache_challenge("acct", "ch_1", "jws", "portal", 100, 160)
            .unwrap();
        vault
            .mark_challenge_answered("ch_1", "approved", 110)
            .unwrap();
        // A late answer (privacyIDEA refusing a second one as "no longer open")
        // does not turn the approval into something else.
        vault
            .mark_challenge_answered("ch_1", "expired", 170)
            .unwrap();
        let cached = vault.cached_challenge("ch_1").unwrap().unwrap();
        assert_eq!(cached.answered.as_deref(), Some("approved"));
    }
}
