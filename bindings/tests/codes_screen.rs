//! The codes screen keeps each account's key state between ticks: every change
//! to the vault (from this app or from another process on the same file) must
//! still show on the next tick, and closing the screen must not lose anything.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use common::{MemoryKeyStore, open_at};
use countersign_core::{Clock, OtpParams, SecretBytes, SystemClock};
use countersign_ffi::*;

const GITHUB_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

fn uri(issuer: &str, secret: &str) -> String {
    format!("otpauth://totp/{issuer}:jane?secret={secret}&issuer={issuer}")
}

fn names(view: &CodesView) -> Vec<String> {
    view.items
        .iter()
        .map(|item| format!("{}:{}", item.issuer.clone().unwrap_or_default(), item.name))
        .collect()
}

#[tokio::test]
async fn every_change_shows_on_the_next_tick_and_codes_stay_right() {
    let dir = tempfile::tempdir().unwrap();
    let keys = Arc::new(MemoryKeyStore::default());
    let app = open_at(&dir.path().join("vault.sqlite"), &keys);
    assert!(app.codes().await.unwrap().items.is_empty());

    let github = app.add_account(uri("GitHub", GITHUB_SECRET)).await.unwrap();
    let view = app.codes().await.unwrap();
    assert_eq!(names(&view), ["GitHub:jane"]);
    // The kept key state gives the code an independent computation gives.
    let expected = OtpParams::default_totp()
        .code_at(&SecretBytes::from_base32(GITHUB_SECRET).unwrap(), view.now)
        .unwrap();
    assert_eq!(view.items[0].code.as_deref(), Some(expected.value.as_str()));

    let gitlab = app
        .add_account(uri("GitLab", "JBSWY3DPEHPK3PXP"))
        .await
        .unwrap();
    assert_eq!(
        names(&app.codes().await.unwrap()),
        ["GitHub:jane", "GitLab:jane"]
    );
    app.rename(gitlab.clone(), Some("GitLab".into()), "jane.doe".into())
        .await
        .unwrap();
    assert_eq!(
        names(&app.codes().await.unwrap()),
        ["GitHub:jane", "GitLab:jane.doe"]
    );
    app.move_account(gitlab.clone(), 0).await.unwrap();
    assert_eq!(
        names(&app.codes().await.unwrap()),
        ["GitLab:jane.doe", "GitHub:jane"]
    );
    app.delete_account(github).await.unwrap();
    assert_eq!(names(&app.codes().await.unwrap()), ["GitLab:jane.doe"]);

    // HOTP: the counter the screen shows moves on when a code is used.
    let hotp = app
        .add_account("otpauth://hotp/Bank:jane?secret=JBSWY3DPEHPK3PXP&counter=5".into())
        .await
        .unwrap();
    let counter = |view: &CodesView| {
        view.items
            .iter()
            .find(|item| item.id == hotp)
            .and_then(|item| item.hotp_counter)
    };
    assert_eq!(counter(&app.codes().await.unwrap()), Some(5));
    app.next_hotp_code(hotp.clone()).await.unwrap();
    assert_eq!(counter(&app.codes().await.unwrap()), Some(6));

    // Closing the screen loses nothing: the next tick reads the vault again.
    app.close_codes_view();
    app.close_codes_view();
    assert_eq!(
        names(&app.codes().await.unwrap()),
        ["GitLab:jane.doe", "Bank:jane"]
    );
}

#[tokio::test]
async fn another_process_writing_the_file_shows_on_the_next_tick() {
    // The iOS app and its extension, or the Android app and a restore: two
    // connections to one file. The second one's commit reaches the first's
    // open screen through SQLite's data_version.
    let dir = tempfile::tempdir().unwrap();
    let keys = Arc::new(MemoryKeyStore::default());
    let path = dir.path().join("vault.sqlite");
    let app = open_at(&path, &keys);
    app.add_account(uri("GitHub", GITHUB_SECRET)).await.unwrap();
    assert_eq!(app.codes().await.unwrap().items.len(), 1);

    let other = open_at(&path, &keys);
    other
        .add_account(uri("GitLab", "JBSWY3DPEHPK3PXP"))
        .await
        .unwrap();
    assert_eq!(
        names(&app.codes().await.unwrap()),
        ["GitHub:jane", "GitLab:jane"]
    );
    let first = other.codes().await.unwrap().items[0].id.clone();
    other.delete_account(first).await.unwrap();
    assert_eq!(names(&app.codes().await.unwrap()), ["GitLab:jane"]);
}

#[tokio::test]
async fn ticks_across_a_step_boundary_show_the_new_code() {
    // The key state is kept, the time is not: each tick reads the clock.
    let dir = tempfile::tempdir().unwrap();
    let keys = Arc::new(MemoryKeyStore::default());
    let app = open_at(&dir.path().join("vault.sqlite"), &keys);
    app.add_account("otpauth://totp/Fast:jane?secret=JBSWY3DPEHPK3PXP&period=1".into())
        .await
        .unwrap();
    let secret = SecretBytes::from_base32("JBSWY3DPEHPK3PXP").unwrap();
    let params = OtpParams::new(
        countersign_core::Algorithm::Sha1,
        6,
        countersign_core::OtpKind::Totp { period: 1, t0: 0 },
    )
    .unwrap();
    for _ in 0..3 {
        let view = app.codes().await.unwrap();
        assert_eq!(
            view.items[0].code.as_deref(),
            Some(params.code_at(&secret, view.now).unwrap().value.as_str())
        );
        assert!(view.now <= SystemClock.now());
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    }
}

#[tokio::test]
async fn a_tick_sends_only_the_codes_and_asks_for_a_new_view_after_any_change() {
    let dir = tempfile::tempdir().unwrap();
    let keys = Arc::new(MemoryKeyStore::default());
    let app = open_at(&dir.path().join("vault.sqlite"), &keys);
    // No view yet: nothing to tick.
    assert_eq!(app.codes_update(1).await.unwrap(), None);
    app.add_account(uri("GitHub", GITHUB_SECRET)).await.unwrap();
    app.add_account("otpauth://hotp/Bank:jane?secret=JBSWY3DPEHPK3PXP&counter=5".into())
        .await
        .unwrap();
    let view = app.codes().await.unwrap();
    let tick = app.codes_update(view.screen).await.unwrap().unwrap();
    let secret = SecretBytes::from_base32(GITHUB_SECRET).unwrap();
    let expected = OtpParams::default_totp()
        .code_at(&secret, tick.now)
        .unwrap();
    assert_eq!(tick.codes, [expected.value, String::new()]);
    assert_eq!(tick.seconds_left, [expected.seconds_left.unwrap(), 0]);

    // Another view's number, a change to the vault, a used HOTP code or a
    // closed screen: no tick, the shell asks for a whole view.
    assert_eq!(app.codes_update(view.screen + 1).await.unwrap(), None);
    app.rename(view.items[0].id.clone(), Some("GitHub".into()), "j".into())
        .await
        .unwrap();
    assert_eq!(app.codes_update(view.screen).await.unwrap(), None);
    let renamed = app.codes().await.unwrap();
    assert_eq!(renamed.items[0].name, "j");
    assert!(app.codes_update(renamed.screen).await.unwrap().is_some());
    app.next_hotp_code(renamed.items[1].id.clone())
        .await
        .unwrap();
    assert_eq!(app.codes_update(renamed.screen).await.unwrap(), None);
    let used = app.codes().await.unwrap();
    app.close_codes_view();
    assert_eq!(app.codes_update(used.screen).await.unwrap(), None);
}
