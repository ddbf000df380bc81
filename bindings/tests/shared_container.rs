//! What the iOS app and its Notification Service Extension rely on: two
//! processes open one vault in the App Group container with one key from the
//! shared Keychain group, and neither keeps the SQLite file open once it let go
//! of its `Authenticator` (iOS kills a suspended process that holds a locked
//! database in a shared container: 0xdead10cc).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::sync::Arc;

use common::{MemoryKeyStore, open_at};
use countersign_core::http::PlainHttp;
use countersign_ffi::*;

const GITHUB: &str =
    "otpauth://totp/GitHub:jane?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=GitHub";

/// Descriptors this process holds on files under `dir` (the vault, its WAL and
/// shared-memory files).
#[cfg(target_os = "linux")]
fn open_files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let dir = dir.canonicalize().unwrap();
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
        .filter(|target| target.starts_with(&dir))
        .collect()
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn letting_go_of_the_authenticator_closes_every_vault_file() {
    let dir = tempfile::tempdir().unwrap();
    let keys = Arc::new(MemoryKeyStore::default());
    let app = open_at(&dir.path().join("vault.sqlite"), &keys);
    app.add_account(GITHUB.into()).await.unwrap();
    app.codes().await.unwrap();
    assert!(!open_files_under(dir.path()).is_empty());

    drop(app);
    assert_eq!(
        open_files_under(dir.path()),
        Vec::<std::path::PathBuf>::new()
    );

    // Opened again for the next operation, everything is still there.
    let again = open_at(&dir.path().join("vault.sqlite"), &keys);
    assert_eq!(again.codes().await.unwrap().items.len(), 1);
}

#[tokio::test]
async fn the_app_and_its_extension_share_one_vault_and_one_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.sqlite");
    // One store stands for the shared Keychain access group.
    let keys = Arc::new(MemoryKeyStore::default());
    let app = open_at(&path, &keys);
    let id = app.add_account(GITHUB.into()).await.unwrap();

    // The extension opens while the app still holds the vault.
    let extension = open_at(&path, &keys);
    let seen = extension.codes().await.unwrap();
    assert_eq!(seen.items[0].id, id);
    assert_eq!(
        seen.items[0].code,
        app.codes()
            .await
            .unwrap()
            .items
            .into_iter()
            .find(|item| item.id == id)
            .unwrap()
            .code
    );
    // A push payload that is not a signed challenge shows nothing (the
    // extension's neutral text), and the vault is untouched for the app.
    let forged = br#"{"aps":{"alert":"Sign-in request","mutable-content":1},"countersign_challenge":"eyJhbGciOiJFUzI1NiJ9.e30.AAAA"}"#;
    assert!(
        extension
            .handle_push_payload(forged.to_vec())
            .await
            .is_err()
    );
    drop(extension);

    app.rename(id.clone(), Some("GitHub".into()), "jane (work)".into())
        .await
        .unwrap();
    let extension = open_at(&path, &keys);
    assert_eq!(
        extension.accounts(None).await.unwrap()[0].name,
        "jane (work)"
    );
}

#[tokio::test]
async fn an_extension_without_the_shared_key_cannot_open_the_vault() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.sqlite");
    let app = open_at(&path, &Arc::new(MemoryKeyStore::default()));
    app.add_account(GITHUB.into()).await.unwrap();
    // A Keychain group missing from the extension's entitlements: another key.
    let stranger = Authenticator::open_with(
        path.to_str().unwrap().into(),
        Arc::new(MemoryKeyStore::default()),
        None,
        PlainHttp::Refuse,
    );
    assert!(
        matches!(stranger, Err(FfiError::KeyStore { .. })),
        "{stranger:?}"
    );
    assert_eq!(app.codes().await.unwrap().items.len(), 1);
}
