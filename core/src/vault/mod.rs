//! The encrypted vault: one SQLite file (WAL, synchronous = FULL) holding accounts,
//! their order, settings and the device's identity. Every secret is sealed under a
//! vault key that lives in a `SecretStore`, never in the file.
//!
//! A write returns only after SQLite has made it durable, so a killed process or a
//! full disk never takes back a write that succeeded; reads of one damaged account
//! never stop the others from opening.

mod codes_screen;
mod error;
mod integrity;
mod schema;
mod seal;
mod shared;
mod tables;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use ring::rand::{SecureRandom, SystemRandom};
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};

use crate::account::{OtpAccount, RECOMMENDED_SECRET_BITS};
use crate::clock::UnixTime;
use crate::keys::SecretStore;
use crate::otp::{Algorithm, OtpCode, OtpKind, OtpParams};
use crate::secret::SecretBytes;

pub use codes_screen::{CodesRevision, CodesScreen};
pub use error::VaultError;
use integrity::Field;
pub use schema::{PRIVACYIDEA_TOKENS_PINNED, PUSH_ACCOUNTS_PINNED};
use seal::{Slot, VaultKey};
pub use shared::SharedVault;
pub use tables::{PinnedColumns, TableReader, TableWriter};

/// How long a write waits for another process's write before reporting `Busy`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
const SETTING_DIAGNOSTICS: &str = "share_diagnostics";
/// Sealed bytes that are not the secret: version, nonce and tag.
const SEAL_OVERHEAD: usize = 1 + 12 + 16;

/// A stable account id: random, so it can be bound into a secret's AAD before
/// the row exists and survives reordering and export.
pub type AccountId = String;

pub struct Vault {
    connection: Connection,
    key: VaultKey,
    protect_id: String,
    /// Where the key lives; also keeps the vault's generation (rollback check).
    store: Arc<dyn SecretStore>,
    vault_id: String,
    opened: OpenReport,
    /// Distinguishes this open vault from any other (`CodesRevision`).
    instance: u64,
}

/// How opening went, for diagnostics: how long it took and what it migrated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenReport {
    pub took: Duration,
    /// The schema version the file had when this open migrated it.
    pub migrated_from: Option<i64>,
    pub version: i64,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("vault_id", &self.vault_id)
            .field("protect_id", &self.protect_id)
            .finish_non_exhaustive()
    }
}

/// A row of the accounts list: everything but the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSummary {
    pub id: AccountId,
    pub position: usize,
    pub issuer: Option<String>,
    pub name: String,
    pub params: OtpParams,
    pub weak_secret: bool,
    pub created_at: UnixTime,
}

/// One account with its secret, for the details screen and for export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAccount {
    pub id: AccountId,
    pub position: usize,
    pub created_at: UnixTime,
    pub account: OtpAccount,
}

/// Every account's code, computed from one clock reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodesView {
    pub now: UnixTime,
    pub entries: Vec<CodeEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeEntry {
    pub id: AccountId,
    pub issuer: Option<String>,
    pub name: String,
    pub display: CodeDisplay,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeDisplay {
    /// A time-based code with its countdown.
    Code(OtpCode),
    /// HOTP codes are shown only when asked for (`next_hotp_code`): showing one
    /// would not use it up, and a code seen but not used confuses the server's window.
    HotpReady { counter: u64 },
    /// This account cannot produce a code; the others can.
    Unavailable { reason: String },
}

impl Vault {
    /// Opens the vault at `path`, creating it (and its key in `store`) if it does
    /// not exist yet.
    pub fn open(path: &Path, store: Arc<dyn SecretStore>) -> Result<Self, VaultError> {
        // SQLite answers "busy" at once, without waiting, in a few cases that
        // only opening meets (another process is switching the new file to WAL or
        // recovering its WAL). Opening again shortly after is then the right move.
        let started = std::time::Instant::now();
        loop {
            match Self::open_once(path, &store) {
                Err(VaultError::Busy) if started.elapsed() < BUSY_TIMEOUT => {
                    std::thread::sleep(Duration::from_millis(25));
                }
                result => return result,
            }
        }
    }

    fn open_once(path: &Path, store: &Arc<dyn SecretStore>) -> Result<Self, VaultError> {
        let mut connection = Connection::open(path)?;
        connection.busy_timeout(BUSY_TIMEOUT)?;
        let journal_mode: String =
            connection.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        if !journal_mode.eq_ignore_ascii_case("wal") {
            return Err(VaultError::Storage {
                detail: format!("the file system does not support WAL (got {journal_mode})"),
            });
        }
        // FULL: a committed transaction survives power loss too, not only a crash.
        connection.pragma_update(None, "synchronous", "FULL")?;
        let started = std::time::Instant::now();
        let migrated_from = schema::migrate(&mut connection)?;

        let random = SystemRandom::new();
        let vault_id = ensure_meta_text(&mut connection, "vault_id", || random_hex(&random, 16))?;
        let protect_id =
            ensure_meta_text(&mut connection, "protect_id", || random_protect_id(&random))?;
        let key = unlock(&mut connection, store.as_ref(), &vault_id)?;
        integrity::open_checks(&mut connection, &key, store.as_ref(), &vault_id)?;
        Ok(Self {
            connection,
            key,
            protect_id,
            store: store.clone(),
            vault_id,
            opened: OpenReport {
                took: started.elapsed(),
                migrated_from,
                version: schema::CURRENT_VERSION,
            },
            instance: codes_screen::next_instance(),
        })
    }

    /// How this open went (its time covers migrations, the key and the checks).
    pub fn open_report(&self) -> OpenReport {
        self.opened
    }

    /// The device identity a user can copy from the More screen.
    pub fn protect_id(&self) -> &str {
        &self.protect_id
    }

    /// Adds an account at the end of the list. The same issuer, name and secret
    /// twice is refused.
    pub fn add(&mut self, account: &OtpAccount, now: UnixTime) -> Result<AccountId, VaultError> {
        let mut ids = self.add_all(std::slice::from_ref(account), now)?;
        ids.pop().ok_or_else(|| VaultError::Storage {
            detail: "the account was not added".into(),
        })
    }

    /// Adds accounts at the end of the list in one transaction: all of them, or
    /// (on any error, a duplicate included) none.
    pub fn add_all(
        &mut self,
        accounts: &[OtpAccount],
        now: UnixTime,
    ) -> Result<Vec<AccountId>, VaultError> {
        let random = SystemRandom::new();
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut position: i64 = transaction.query_row(
            "SELECT COALESCE(MAX(position) + 1, 0) FROM accounts",
            [],
            |row| row.get(0),
        )?;
        let mut ids = Vec::with_capacity(accounts.len());
        {
            let mut insert = transaction.prepare_cached(
                "INSERT INTO accounts (id, position, kind, issuer, name, secret, algorithm,
                                       digits, period, t0, counter, extra, created_at, mac)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )?;
            for account in accounts {
                if let Some(existing_id) = find_duplicate(&transaction, &self.key, account)? {
                    return Err(VaultError::Duplicate { existing_id });
                }
                let id = random_hex(&random, 16)?;
                let sealed = self
                    .key
                    .seal(secret_slot(&id), account.secret.expose_secret())
                    .map_err(|_| VaultError::Random)?;
                let columns = ParamColumns::from(&account.params);
                let mac = columns.mac(&self.key, &id);
                insert.execute(params![
                    id,
                    position,
                    columns.kind,
                    account.issuer,
                    account.name,
                    sealed,
                    columns.algorithm,
                    columns.digits,
                    columns.period,
                    columns.t0,
                    columns.counter,
                    encode_extra(&account.extra),
                    now,
                    mac
                ])?;
                position += 1;
                ids.push(id);
            }
        }
        transaction.commit()?;
        Ok(ids)
    }

    /// The stored account that `account` duplicates (same issuer, name and secret).
    pub fn find_duplicate_of(&self, account: &OtpAccount) -> Result<Option<AccountId>, VaultError> {
        find_duplicate(&self.connection, &self.key, account)
    }

    /// The accounts in the user's order; with `search`, only those whose issuer or
    /// name contains it (case-insensitive).
    pub fn list(&self, search: Option<&str>) -> Result<Vec<AccountSummary>, VaultError> {
        let needle = search
            .map(str::to_lowercase)
            .filter(|text| !text.is_empty());
        let mut statement = self.connection.prepare_cached(&format!(
            "SELECT id, position, issuer, name, length(secret), created_at, {PARAM_COLUMNS}
             FROM accounts ORDER BY position"
        ))?;
        let rows = statement.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, Option<String>>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, usize>(4)?,
                ParamColumns::read(row, 6)?,
                row.get::<_, i64>(5)?,
            ))
        })?;
        let mut summaries = Vec::new();
        for row in rows {
            let (id, position, issuer, name, secret_len, columns, created_at) = row?;
            if let Some(needle) = &needle {
                let matches = name.to_lowercase().contains(needle)
                    || issuer
                        .as_deref()
                        .is_some_and(|issuer| issuer.to_lowercase().contains(needle));
                if !matches {
                    continue;
                }
            }
            summaries.push(AccountSummary {
                params: columns.params(&id)?,
                id,
                position: position.max(0) as usize,
                issuer,
                name,
                weak_secret: secret_len.saturating_sub(SEAL_OVERHEAD) * 8 < RECOMMENDED_SECRET_BITS,
                created_at,
            });
        }
        Ok(summaries)
    }

    /// One account with its secret.
    pub fn account(&self, id: &str) -> Result<StoredAccount, VaultError> {
        let row = self
            .connection
            .query_row(
                &format!(
                    "SELECT position, issuer, name, secret, extra, created_at, {PARAM_COLUMNS}
                     FROM accounts WHERE id = ?1"
                ),
                [id],
                |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, Option<String>>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, Vec<u8>>(3)?,
                        ParamColumns::read(row, 6)?,
                        row.get::<_, String>(4)?,
                        row.get::<_, i64>(5)?,
                    ))
                },
            )
            .optional()?;
        let Some((position, issuer, name, sealed, columns, extra, created_at)) = row else {
            return Err(VaultError::NotFound { id: id.to_owned() });
        };
        Ok(StoredAccount {
            id: id.to_owned(),
            position: position.max(0) as usize,
            created_at,
            account: OtpAccount {
                issuer,
                name,
                secret: self.open_secret(id, &sealed)?,
                params: columns.verified_params(&self.key, id)?,
                extra: decode_extra(&extra),
            },
        })
    }

    pub fn rename(&mut self, id: &str, issuer: Option<&str>, name: &str) -> Result<(), VaultError> {
        let changed = self.connection.execute(
            "UPDATE accounts SET issuer = ?2, name = ?3 WHERE id = ?1",
            params![id, issuer.filter(|issuer| !issuer.is_empty()), name],
        )?;
        if changed == 0 {
            return Err(VaultError::NotFound { id: id.to_owned() });
        }
        Ok(())
    }

    /// Moves an account to `position` (0-based) in the user's order.
    pub fn move_to(&mut self, id: &str, position: usize) -> Result<(), VaultError> {
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut ids: Vec<String> = {
            let mut statement = transaction.prepare("SELECT id FROM accounts ORDER BY position")?;
            statement
                .query_map([], |row| row.get(0))?
                .collect::<Result<_, _>>()?
        };
        let Some(current) = ids.iter().position(|existing| existing == id) else {
            return Err(VaultError::NotFound { id: id.to_owned() });
        };
        if position >= ids.len() {
            return Err(VaultError::PositionOutOfRange {
                position,
                count: ids.len(),
            });
        }
        let moved = ids.remove(current);
        ids.insert(position, moved);
        {
            let mut update =
                transaction.prepare("UPDATE accounts SET position = ?2 WHERE id = ?1")?;
            for (index, id) in ids.iter().enumerate() {
                update.execute(params![id, index as i64])?;
            }
        }
        transaction.commit()?;
        Ok(())
    }

    pub fn delete(&mut self, id: &str) -> Result<(), VaultError> {
        let changed = self
            .connection
            .execute("DELETE FROM accounts WHERE id = ?1", [id])?;
        if changed == 0 {
            return Err(VaultError::NotFound { id: id.to_owned() });
        }
        Ok(())
    }

    /// The next HOTP code. The counter's increment is committed before the code is
    /// returned, so a crash can never show the same code twice.
    pub fn next_hotp_code(&mut self, id: &str) -> Result<OtpCode, VaultError> {
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row = transaction
            .query_row(
                &format!("SELECT secret, {PARAM_COLUMNS} FROM accounts WHERE id = ?1"),
                [id],
                |row| Ok((row.get::<_, Vec<u8>>(0)?, ParamColumns::read(row, 1)?)),
            )
            .optional()?;
        let Some((sealed, columns)) = row else {
            return Err(VaultError::NotFound { id: id.to_owned() });
        };
        let params = columns.verified_params(&self.key, id)?;
        let OtpKind::Hotp { counter } = params.kind() else {
            return Err(VaultError::NotHotp { id: id.to_owned() });
        };
        let next = counter
            .checked_add(1)
            .ok_or_else(|| VaultError::CounterExhausted { id: id.to_owned() })?;
        let secret = self
            .key
            .open(secret_slot(id), &sealed)
            .map_err(|_| VaultError::Integrity { id: id.to_owned() })?;
        let code = params.code_at(&secret, 0)?;
        let updated = ParamColumns {
            counter: Some(u64_to_column(next)),
            ..columns
        };
        transaction.execute(
            "UPDATE accounts SET counter = ?2, mac = ?3 WHERE id = ?1",
            params![id, updated.counter, updated.mac(&self.key, id)],
        )?;
        // A restored older copy of the file would hand out used codes again.
        integrity::bump_generation(&transaction, &self.key)?;
        transaction.commit()?;
        integrity::remember_generation(
            &mut self.connection,
            &self.key,
            self.store.as_ref(),
            &self.vault_id,
        );
        Ok(code)
    }

    /// Every account's code at `now` (one clock reading for all of them). A
    /// screen that ticks keeps a [`CodesScreen`] instead.
    pub fn codes_view(&self, now: UnixTime) -> Result<CodesView, VaultError> {
        Ok(self.codes_screen()?.view(now))
    }

    /// "Share diagnostic data": on unless the user switched it off.
    pub fn diagnostics_enabled(&self) -> Result<bool, VaultError> {
        let value: Option<String> = self
            .connection
            .query_row(
                "SELECT value FROM settings WHERE name = ?1",
                [SETTING_DIAGNOSTICS],
                |row| row.get(0),
            )
            .optional()?;
        Ok(value.as_deref() != Some("off"))
    }

    /// Off also deletes, in the same transaction, every queued event and the
    /// install's diagnostics settings (its random id among them), so turning
    /// sharing off and on again starts as a new, unrelated install.
    pub fn set_diagnostics_enabled(&mut self, enabled: bool) -> Result<(), VaultError> {
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        transaction.execute(
            "INSERT INTO settings (name, value) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            params![SETTING_DIAGNOSTICS, if enabled { "on" } else { "off" }],
        )?;
        if !enabled {
            transaction.execute("DELETE FROM diagnostic_events", [])?;
            transaction.execute(
                "DELETE FROM settings WHERE name LIKE 'diagnostics\\_%' ESCAPE '\\'",
                [],
            )?;
        }
        transaction.commit()?;
        Ok(())
    }

    /// SQLite's own check of the file's structure: "ok" or what is wrong.
    pub fn integrity_check(&self) -> Result<String, VaultError> {
        Ok(self
            .connection
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))?)
    }

    fn open_secret(&self, id: &str, sealed: &[u8]) -> Result<SecretBytes, VaultError> {
        self.key
            .open(secret_slot(id), sealed)
            .map_err(|_| VaultError::Integrity { id: id.to_owned() })
    }

    #[cfg(test)]
    fn connection(&self) -> &Connection {
        &self.connection
    }
}

fn secret_slot(id: &str) -> Slot<'_> {
    Slot {
        table: "accounts",
        row: id,
        column: "secret",
    }
}

const KEY_CHECK_SLOT: Slot<'static> = Slot {
    table: "meta",
    row: "key_check",
    column: "value",
};
const KEY_CHECK_PLAINTEXT: &[u8] = b"countersign vault key check";

/// Finds the vault key in the store, or makes one for a new vault, and proves it
/// opens this vault before anything is written with it.
fn unlock(
    connection: &mut Connection,
    store: &dyn SecretStore,
    vault_id: &str,
) -> Result<VaultKey, VaultError> {
    let store_entry = format!("vault-key-{vault_id}");
    if let Some(key_check) = read_key_check(connection)? {
        return open_with_stored_key(store, store_entry, &key_check);
    }
    // A new vault. Hold the write lock while the key is made and stored, so two
    // processes creating the same vault cannot each store a different key.
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if let Some(key_check) = read_key_check(&transaction)? {
        return open_with_stored_key(store, store_entry, &key_check);
    }
    let key_bytes = match store.load(&store_entry)? {
        // Stored by an earlier open that died before writing the check.
        Some(bytes) => bytes,
        None => {
            let generated = VaultKey::generate().map_err(|_| VaultError::Random)?;
            store.store(&store_entry, &generated)?;
            generated
        }
    };
    let key = VaultKey::new(&key_bytes).map_err(|_| VaultError::KeyMismatch)?;
    let sealed = key
        .seal(KEY_CHECK_SLOT, KEY_CHECK_PLAINTEXT)
        .map_err(|_| VaultError::Random)?;
    transaction.execute(
        "INSERT INTO meta (name, value) VALUES ('key_check', ?1)",
        [sealed],
    )?;
    transaction.commit()?;
    Ok(key)
}

fn read_key_check(connection: &Connection) -> Result<Option<Vec<u8>>, VaultError> {
    Ok(connection
        .query_row(
            "SELECT value FROM meta WHERE name = 'key_check'",
            [],
            |row| row.get(0),
        )
        .optional()?)
}

fn open_with_stored_key(
    store: &dyn SecretStore,
    store_entry: String,
    key_check: &[u8],
) -> Result<VaultKey, VaultError> {
    // A vault that has proven a key must never get a new one: its secrets would
    // become unreadable.
    let key_bytes = store
        .load(&store_entry)?
        .ok_or(VaultError::KeyMissing { store_entry })?;
    let key = VaultKey::new(&key_bytes).map_err(|_| VaultError::KeyMismatch)?;
    key.open(KEY_CHECK_SLOT, key_check)
        .map_err(|_| VaultError::KeyMismatch)?;
    Ok(key)
}

fn ensure_meta_text(
    connection: &mut Connection,
    name: &str,
    make: impl FnOnce() -> Result<String, VaultError>,
) -> Result<String, VaultError> {
    let read = |connection: &Connection| -> Result<Option<String>, VaultError> {
        Ok(connection
            .query_row("SELECT value FROM meta WHERE name = ?1", [name], |row| {
                row.get::<_, Vec<u8>>(0)
            })
            .optional()?
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned()))
    };
    if let Some(value) = read(connection)? {
        return Ok(value);
    }
    let value = make()?;
    connection.execute(
        "INSERT OR IGNORE INTO meta (name, value) VALUES (?1, ?2)",
        params![name, value.as_bytes()],
    )?;
    // Another process may have inserted first; its value is the one that counts.
    read(connection)?.ok_or_else(|| VaultError::Storage {
        detail: format!("the vault's {name} could not be stored"),
    })
}

fn random_bytes(random: &SystemRandom, len: usize) -> Result<Vec<u8>, VaultError> {
    let mut bytes = vec![0u8; len];
    random.fill(&mut bytes).map_err(|_| VaultError::Random)?;
    Ok(bytes)
}

fn random_hex(random: &SystemRandom, len: usize) -> Result<String, VaultError> {
    Ok(data_encoding::HEXLOWER.encode(&random_bytes(random, len)?))
}

/// 16 base32 characters in groups of four (80 bits): easy to read out and compare.
fn random_protect_id(random: &SystemRandom) -> Result<String, VaultError> {
    let text = data_encoding::BASE32_NOPAD.encode(&random_bytes(random, 10)?);
    let groups: Vec<&str> = text
        .as_bytes()
        .chunks(4)
        .filter_map(|chunk| std::str::from_utf8(chunk).ok())
        .collect();
    Ok(groups.join("-"))
}

fn find_duplicate(
    connection: &Connection,
    key: &VaultKey,
    account: &OtpAccount,
) -> Result<Option<AccountId>, VaultError> {
    let mut statement = connection
        .prepare_cached("SELECT id, secret FROM accounts WHERE issuer IS ?1 AND name = ?2")?;
    let candidates = statement.query_map(params![account.issuer, account.name], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, Vec<u8>>(1)?))
    })?;
    for candidate in candidates {
        let (id, sealed) = candidate?;
        // A damaged row is not a duplicate of anything: the new account may be its repair.
        if let Ok(secret) = key.open(secret_slot(&id), &sealed) {
            if secret == account.secret {
                return Ok(Some(id));
            }
        }
    }
    Ok(None)
}

/// SQLite integers are i64; HOTP counters are u64. Stored as the same 64 bits.
fn u64_to_column(value: u64) -> i64 {
    i64::from_ne_bytes(value.to_ne_bytes())
}

fn column_to_u64(value: i64) -> u64 {
    u64::from_ne_bytes(value.to_ne_bytes())
}

/// The columns that hold `OtpParams` and their MAC, in the order every query
/// selects them.
const PARAM_COLUMNS: &str = "kind, algorithm, digits, period, t0, counter, mac";

struct ParamColumns {
    kind: String,
    algorithm: String,
    digits: i64,
    period: Option<i64>,
    t0: Option<i64>,
    counter: Option<i64>,
    mac: Option<Vec<u8>>,
}

/// Every account's MAC, for vaults from before schema 5.
fn account_macs(
    connection: &Connection,
    key: &VaultKey,
) -> Result<Vec<(String, Vec<u8>)>, VaultError> {
    let mut statement = connection.prepare(&format!("SELECT id, {PARAM_COLUMNS} FROM accounts"))?;
    let rows = statement.query_map([], |row| {
        Ok((row.get::<_, String>(0)?, ParamColumns::read(row, 1)?))
    })?;
    let mut macs = Vec::new();
    for row in rows {
        let (id, columns) = row?;
        let mac = columns.mac(key, &id);
        macs.push((id, mac));
    }
    Ok(macs)
}

impl ParamColumns {
    fn from(params: &OtpParams) -> Self {
        let (kind, period, t0, counter) = match params.kind() {
            OtpKind::Totp { period, t0 } => ("totp", Some(i64::from(period)), Some(t0), None),
            OtpKind::Hotp { counter } => ("hotp", None, None, Some(u64_to_column(counter))),
            OtpKind::Steam { period } => ("steam", Some(i64::from(period)), None, None),
        };
        Self {
            kind: kind.to_owned(),
            algorithm: params.algorithm().as_str().to_owned(),
            digits: i64::from(params.digits()),
            period,
            t0,
            counter,
            mac: None,
        }
    }

    fn mac_fields(&self) -> [Field<'_>; 6] {
        [
            Field::Text(Some(&self.kind)),
            Field::Text(Some(&self.algorithm)),
            Field::Int(Some(self.digits)),
            Field::Int(self.period),
            Field::Int(self.t0),
            Field::Int(self.counter),
        ]
    }

    fn mac(&self, key: &VaultKey, id: &str) -> Vec<u8> {
        key.rows().tag("accounts", id, &self.mac_fields())
    }

    /// The parameters, once the row's MAC shows nobody edited them.
    fn verified_params(&self, key: &VaultKey, id: &str) -> Result<OtpParams, VaultError> {
        key.rows()
            .check("accounts", id, &self.mac_fields(), self.mac.as_deref())?;
        self.params(id)
    }

    /// Reads the `PARAM_COLUMNS` of a query, starting at column `first`.
    fn read(row: &Row<'_>, first: usize) -> rusqlite::Result<Self> {
        Ok(Self {
            kind: row.get(first)?,
            algorithm: row.get(first + 1)?,
            digits: row.get(first + 2)?,
            period: row.get(first + 3)?,
            t0: row.get(first + 4)?,
            counter: row.get(first + 5)?,
            mac: row.get(first + 6)?,
        })
    }

    fn params(&self, id: &str) -> Result<OtpParams, VaultError> {
        let damaged = |what: &str| VaultError::Corrupt {
            detail: format!("account {id} has {what}"),
        };
        let period = || {
            self.period
                .and_then(|period| u32::try_from(period).ok())
                .ok_or_else(|| damaged("no valid period"))
        };
        let kind = match self.kind.as_str() {
            "totp" => OtpKind::Totp {
                period: period()?,
                t0: self.t0.unwrap_or(0),
            },
            "hotp" => OtpKind::Hotp {
                counter: column_to_u64(self.counter.ok_or_else(|| damaged("no counter"))?),
            },
            "steam" => OtpKind::Steam { period: period()? },
            other => return Err(damaged(&format!("an unknown kind {other:?}"))),
        };
        let algorithm: Algorithm = self
            .algorithm
            .parse()
            .map_err(|_| damaged("an unknown algorithm"))?;
        let digits = u8::try_from(self.digits).map_err(|_| damaged("invalid digits"))?;
        OtpParams::new(algorithm, digits, kind).map_err(|error| damaged(&error.to_string()))
    }
}

/// Unknown URI parameters as `[[key, value], …]`: order and repeats are kept.
fn encode_extra(extra: &[(String, String)]) -> String {
    serde_json::to_string(extra).unwrap_or_else(|_| "[]".to_owned())
}

fn decode_extra(json: &str) -> Vec<(String, String)> {
    serde_json::from_str(json).unwrap_or_default()
}

#[cfg(test)]
mod tests;
