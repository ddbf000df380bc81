//! A `SecretStore` in one file readable by its owner only (0600): the documented
//! fallback for headless machines and CI, where no keyring daemon runs. The file
//! holds name=base32 lines; it is refused if anyone but the owner can read it.

use std::fs;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use super::{SecretStore, SecretStoreError};
use crate::secret::SecretBytes;

#[derive(Debug, Clone)]
pub struct KeyFileSecretStore {
    path: PathBuf,
}

impl KeyFileSecretStore {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn read_entries(&self) -> Result<Vec<(String, String)>, SecretStoreError> {
        let text = match fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(error) if error.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
            Err(error) => return Err(io_error(&self.path, &error)),
        };
        check_owner_only(&self.path)?;
        Ok(text
            .lines()
            .filter_map(|line| line.split_once('='))
            .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
            .collect())
    }

    /// Writes the whole file to a temporary sibling, syncs it, then renames it
    /// over the old one, so a crash leaves either the old or the new file.
    fn write_entries(&self, entries: &[(String, String)]) -> Result<(), SecretStoreError> {
        // One temporary name per writer: two processes (or threads) writing at
        // once must not rename each other's half-written file away.
        static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let temporary = self.path.with_extension(format!(
            "tmp.{}.{}",
            std::process::id(),
            WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        let mut options = fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options
            .open(&temporary)
            .map_err(|error| io_error(&temporary, &error))?;
        let mut text = String::new();
        for (name, value) in entries {
            text.push_str(name);
            text.push('=');
            text.push_str(value);
            text.push('\n');
        }
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|error| io_error(&temporary, &error))?;
        zeroize::Zeroize::zeroize(&mut text);
        fs::rename(&temporary, &self.path).map_err(|error| io_error(&self.path, &error))
    }
}

impl SecretStore for KeyFileSecretStore {
    fn load(&self, name: &str) -> Result<Option<SecretBytes>, SecretStoreError> {
        let entries = self.read_entries()?;
        entries
            .iter()
            .find(|(entry_name, _)| entry_name == name)
            .map(|(_, value)| {
                SecretBytes::from_base32(value).map_err(|error| SecretStoreError::Failed {
                    reason: format!(
                        "the entry {name:?} in {} is damaged: {error}",
                        self.path.display()
                    ),
                })
            })
            .transpose()
    }

    fn store(&self, name: &str, value: &SecretBytes) -> Result<(), SecretStoreError> {
        if name.contains(['=', '\n']) {
            return Err(SecretStoreError::Failed {
                reason: format!("{name:?} cannot be a key name in a key file"),
            });
        }
        let mut entries = self.read_entries()?;
        entries.retain(|(entry_name, _)| entry_name != name);
        entries.push((name.to_owned(), value.to_base32()));
        self.write_entries(&entries)
    }

    fn delete(&self, name: &str) -> Result<(), SecretStoreError> {
        let mut entries = self.read_entries()?;
        let before = entries.len();
        entries.retain(|(entry_name, _)| entry_name != name);
        if entries.len() == before {
            return Ok(());
        }
        self.write_entries(&entries)
    }
}

#[cfg(unix)]
fn check_owner_only(path: &Path) -> Result<(), SecretStoreError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(path)
        .map_err(|error| io_error(path, &error))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(SecretStoreError::AccessDenied {
            reason: format!(
                "{} can be read by other users (mode {:o}); run `chmod 600` on it",
                path.display(),
                mode & 0o777
            ),
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_owner_only(_path: &Path) -> Result<(), SecretStoreError> {
    Ok(())
}

fn io_error(path: &Path, error: &std::io::Error) -> SecretStoreError {
    let reason = format!("{}: {error}", path.display());
    match error.kind() {
        ErrorKind::PermissionDenied => SecretStoreError::AccessDenied { reason },
        _ => SecretStoreError::Unavailable { reason },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_in(dir: &Path) -> KeyFileSecretStore {
        KeyFileSecretStore::new(dir.join("keys"))
    }

    #[test]
    fn writers_at_the_same_time_do_not_rename_each_others_files_away() {
        // Before each writer had its own temporary name, two writers shared
        // `keys.tmp` and one of them failed with "No such file or directory".
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys");
        let writers: Vec<_> = (0..8)
            .map(|writer| {
                let store = KeyFileSecretStore::new(path.clone());
                std::thread::spawn(move || {
                    for round in 0..25u8 {
                        store
                            .store(
                                &format!("entry-{writer}"),
                                &SecretBytes::new(vec![round; 8]),
                            )
                            .unwrap();
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap();
        }
        assert!(store_in(dir.path()).load("entry-0").is_ok());
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file is left behind");
    }

    #[test]
    fn stored_secrets_come_back_and_the_file_is_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(dir.path());
        assert_eq!(store.load("a").unwrap(), None);
        let secret = SecretBytes::new(vec![7; 32]);
        store.store("a", &secret).unwrap();
        store.store("b", &SecretBytes::new(vec![8; 32])).unwrap();
        assert_eq!(store.load("a").unwrap(), Some(secret));
        store.delete("a").unwrap();
        assert_eq!(store.load("a").unwrap(), None);
        assert!(store.load("b").unwrap().is_some());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(store.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(dir.path());
        store.store("a", &SecretBytes::new(vec![7; 32])).unwrap();
        fs::set_permissions(store.path(), fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            store.load("a"),
            Err(SecretStoreError::AccessDenied { .. })
        ));
    }
}
