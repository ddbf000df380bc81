//! Secrets at rest: TOTP secrets (active and waiting for their first code)
//! and the server's own secrets (the CSRF key, the OpenID Connect signing keys) are sealed with AES-256-GCM
//! under a key kept outside the database (a file, or the environment), so a
//! database dump or backup alone reveals none of them. Each sealed value is
//! bound to what it is and whose it is (the associated data names the kind
//! and the row), as the phone's vault binds its rows: a sealed secret copied
//! onto another user's row does not open.
//!
//! Format: `0x01 || nonce (12) || ciphertext || tag (16)`. A database is
//! sealed as a whole, once, in one transaction (`seal_database`): a check
//! value in `server_secrets` records it and tells a wrong key from a right
//! one at start-up. `reseal` moves every secret to a new key.

use std::path::{Path, PathBuf};

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

use crate::db::{Backend, Conn, DbError, OptionalExtension, Sql, params};

const VERSION: u8 = 1;
const KEY_LEN: usize = 32;

/// What a sealed value is: part of its associated data.
pub const TOTP_SECRET: &str = "users.totp_secret";
pub const SERVER_SECRET: &str = "server_secrets.value";
/// An OpenID Connect signing key's PKCS#8 (`oidc::keys`), bound to its `kid`.
pub const OIDC_KEY: &str = "oidc_keys.private_key";
const CHECK: &str = "sealing_check";
/// The `server_secrets` row holding the check value.
const CHECK_ROW: &str = "sealing_check";
const CHECK_PLAINTEXT: &[u8] = b"countersign sealing key check";

#[derive(Debug, thiserror::Error)]
pub enum SealingError {
    #[error("the sealing key file {path} is unusable: {reason}")]
    KeyFile { path: PathBuf, reason: String },
    #[error(
        "the sealing key is not 64 hexadecimal characters (32 bytes); make one with \
         `openssl rand -hex 32`"
    )]
    KeyFormat,
    #[error(
        "this sealing key does not open the database's secrets: start with the key they \
         were sealed with (every instance shares one), or re-seal with --reseal-to"
    )]
    WrongKey,
    #[error("a sealed {kind} of {row} does not open: it was altered or moved to another row")]
    Tampered { kind: String, row: String },
    #[error("the system gave no randomness to seal with")]
    NoRandomness,
    #[error("storage: {0}")]
    Storage(#[from] DbError),
}

/// Where the sealing key comes from.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// A file of 64 hex characters, made (mode 0600) if it does not exist.
    File(PathBuf),
    /// The key itself, 64 hex characters (`COUNTERSIGN_SEALING_KEY`).
    Hex(String),
}

pub struct SealingKey {
    key: LessSafeKey,
}

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealingKey(…)")
    }
}

impl SealingKey {
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SealingError> {
        let key = UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| SealingError::KeyFormat)?;
        Ok(Self {
            key: LessSafeKey::new(key),
        })
    }

    pub fn from_hex(text: &str) -> Result<Self, SealingError> {
        let bytes = data_encoding::HEXLOWER_PERMISSIVE
            .decode(text.trim().as_bytes())
            .map_err(|_| SealingError::KeyFormat)?;
        if bytes.len() != KEY_LEN {
            return Err(SealingError::KeyFormat);
        }
        Self::from_bytes(&bytes)
    }

    pub fn load(source: &KeySource) -> Result<Self, SealingError> {
        match source {
            KeySource::Hex(text) => Self::from_hex(text),
            KeySource::File(path) => Self::load_or_create(path),
        }
    }

    /// Reads the key file, or makes a new random key there (0600) when there
    /// is none yet.
    pub fn load_or_create(path: &Path) -> Result<Self, SealingError> {
        let file_error = |reason: String| SealingError::KeyFile {
            path: path.to_owned(),
            reason,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_hex(&text),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let mut bytes = [0u8; KEY_LEN];
                SystemRandom::new()
                    .fill(&mut bytes)
                    .map_err(|_| file_error("no randomness".into()))?;
                let text = format!("{}\n", data_encoding::HEXLOWER.encode(&bytes));
                crate::files::write_private(path, text.as_bytes())
                    .map_err(|error| file_error(error.to_string()))?;
                Self::from_bytes(&bytes)
            }
            Err(error) => Err(file_error(error.to_string())),
        }
    }

    fn aad(kind: &str, row: &str) -> Vec<u8> {
        format!("countersign-server sealed v{VERSION}\0{kind}\0{row}").into_bytes()
    }

    /// Seals `plaintext` as the `kind` of `row`.
    pub fn seal(&self, kind: &str, row: &str, plaintext: &[u8]) -> Result<Vec<u8>, SealingError> {
        let mut nonce = [0u8; NONCE_LEN];
        // Without randomness a nonce could repeat: refuse rather than seal.
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| SealingError::NoRandomness)?;
        let mut sealed = Vec::with_capacity(1 + NONCE_LEN + plaintext.len() + 16);
        sealed.push(VERSION);
        sealed.extend_from_slice(&nonce);
        let mut in_out = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(Self::aad(kind, row)),
                &mut in_out,
            )
            .map_err(|_| SealingError::NoRandomness)?;
        sealed.extend_from_slice(&in_out);
        Ok(sealed)
    }

    /// Opens what `seal` made for the same `kind` and `row`.
    pub fn open(&self, kind: &str, row: &str, sealed: &[u8]) -> Result<Vec<u8>, SealingError> {
        let tampered = || SealingError::Tampered {
            kind: kind.to_owned(),
            row: row.to_owned(),
        };
        if sealed.len() < 1 + NONCE_LEN || sealed[0] != VERSION {
            return Err(tampered());
        }
        let nonce =
            Nonce::try_assume_unique_for_key(&sealed[1..1 + NONCE_LEN]).map_err(|_| tampered())?;
        let mut in_out = sealed[1 + NONCE_LEN..].to_vec();
        let plaintext = self
            .key
            .open_in_place(nonce, Aad::from(Self::aad(kind, row)), &mut in_out)
            .map_err(|_| tampered())?;
        Ok(plaintext.to_vec())
    }
}

/// At start-up: a database never sealed has its secrets sealed now, all in
/// one transaction (one instance at a time); one sealed before must open with
/// this key.
pub async fn seal_database(conn: &mut Conn, key: &SealingKey) -> Result<(), SealingError> {
    let tx = conn.transaction().await?;
    tx.lock_key("sealing").await?;
    match check_value(&tx).await? {
        Some(check) => {
            let opened = key
                .open(CHECK, "", &check)
                .map_err(|_| SealingError::WrongKey)?;
            if opened != CHECK_PLAINTEXT {
                return Err(SealingError::WrongKey);
            }
            return Ok(());
        }
        None => {
            transform_all(&tx, |kind, row, value| key.seal(kind, row, value)).await?;
            write_check(&tx, key).await?;
        }
    }
    tx.commit().await?;
    // The secrets were in the clear in older pages of SQLite's write-ahead
    // log: fold it into the file (where secure_delete zeroed them) and empty it.
    if conn.backend() == Backend::Sqlite {
        conn.query("PRAGMA wal_checkpoint(TRUNCATE)", params![])
            .await?;
    }
    Ok(())
}

/// Moves every sealed secret from `old` to `new` (the operator then starts
/// every instance with the new key).
pub async fn reseal(
    conn: &mut Conn,
    old: &SealingKey,
    new: &SealingKey,
) -> Result<usize, SealingError> {
    let tx = conn.transaction().await?;
    tx.lock_key("sealing").await?;
    let check = check_value(&tx).await?.ok_or(SealingError::WrongKey)?;
    if old
        .open(CHECK, "", &check)
        .map_err(|_| SealingError::WrongKey)?
        != CHECK_PLAINTEXT
    {
        return Err(SealingError::WrongKey);
    }
    let count = transform_all(&tx, |kind, row, value| {
        new.seal(kind, row, &old.open(kind, row, value)?)
    })
    .await?;
    write_check(&tx, new).await?;
    tx.commit().await?;
    Ok(count)
}

async fn check_value(db: &impl Sql) -> Result<Option<Vec<u8>>, DbError> {
    db.query_row(
        "SELECT value FROM server_secrets WHERE name = ?1",
        params![CHECK_ROW],
        |row| row.get(0),
    )
    .await
    .optional()
}

async fn write_check(db: &impl Sql, key: &SealingKey) -> Result<(), SealingError> {
    db.execute(
        "INSERT INTO server_secrets (name, value) VALUES (?1, ?2)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        params![CHECK_ROW, key.seal(CHECK, "", CHECK_PLAINTEXT)?],
    )
    .await?;
    Ok(())
}

/// Rewrites every secret column through `change`; the number of values.
async fn transform_all<F>(db: &impl Sql, change: F) -> Result<usize, SealingError>
where
    F: Fn(&str, &str, &[u8]) -> Result<Vec<u8>, SealingError>,
{
    let mut count = 0;
    for column in ["totp_secret", "totp_pending_secret"] {
        let rows: Vec<(String, Vec<u8>)> = db
            .query_map(
                &format!("SELECT name, {column} FROM users WHERE {column} IS NOT NULL"),
                params![],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .await?;
        for (user, value) in rows {
            db.execute(
                &format!("UPDATE users SET {column} = ?2 WHERE name = ?1"),
                params![&user, change(TOTP_SECRET, &user, &value)?],
            )
            .await?;
            count += 1;
        }
    }
    let secrets: Vec<(String, Vec<u8>)> = db
        .query_map(
            "SELECT name, value FROM server_secrets WHERE name != ?1",
            params![CHECK_ROW],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .await?;
    for (name, value) in secrets {
        db.execute(
            "UPDATE server_secrets SET value = ?2 WHERE name = ?1",
            params![&name, change(SERVER_SECRET, &name, &value)?],
        )
        .await?;
        count += 1;
    }
    let keys: Vec<(String, Vec<u8>)> = db
        .query_map("SELECT kid, private_key FROM oidc_keys", params![], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .await?;
    for (kid, value) in keys {
        db.execute(
            "UPDATE oidc_keys SET private_key = ?2 WHERE kid = ?1",
            params![&kid, change(OIDC_KEY, &kid, &value)?],
        )
        .await?;
        count += 1;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn key() -> SealingKey {
        SealingKey::from_hex(&"ab".repeat(32)).unwrap()
    }

    #[test]
    fn a_sealed_value_opens_only_for_its_own_kind_and_row_and_key() {
        let key = key();
        let sealed = key.seal(TOTP_SECRET, "alice", b"JBSWY3DPEHPK3PXP").unwrap();
        assert_eq!(
            key.open(TOTP_SECRET, "alice", &sealed).unwrap(),
            b"JBSWY3DPEHPK3PXP"
        );
        assert!(!sealed.windows(16).any(|w| w == b"JBSWY3DPEHPK3PXP"));
        assert!(matches!(
            key.open(TOTP_SECRET, "mallory", &sealed),
            Err(SealingError::Tampered { .. })
        ));
        assert!(key.open(SERVER_SECRET, "alice", &sealed).is_err());
        let other = SealingKey::from_hex(&"cd".repeat(32)).unwrap();
        assert!(other.open(TOTP_SECRET, "alice", &sealed).is_err());
        let mut flipped = sealed.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(key.open(TOTP_SECRET, "alice", &flipped).is_err());
        assert!(key.open(TOTP_SECRET, "alice", &[VERSION]).is_err());
    }

    #[test]
    fn the_same_secret_sealed_twice_looks_different() {
        let key = key();
        assert_ne!(
            key.seal(TOTP_SECRET, "alice", b"x").unwrap(),
            key.seal(TOTP_SECRET, "alice", b"x").unwrap()
        );
    }

    #[test]
    fn a_key_file_is_made_private_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sealing.key");
        let first = SealingKey::load_or_create(&path).unwrap();
        let sealed = first.seal(TOTP_SECRET, "a", b"s").unwrap();
        let again = SealingKey::load_or_create(&path).unwrap();
        assert_eq!(again.open(TOTP_SECRET, "a", &sealed).unwrap(), b"s");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[test]
    fn a_malformed_key_is_refused_with_how_to_make_one() {
        for text in ["", "xyz", &"ab".repeat(16)] {
            let error = SealingKey::from_hex(text).unwrap_err().to_string();
            assert!(error.contains("openssl rand -hex 32"), "{error}");
        }
    }
}
