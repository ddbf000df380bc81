//! The server side of the security review (issue 13), each attack reproduced
//! over real HTTP against a server on 127.0.0.1 with a clock the test moves.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use countersign_core::push::wire::*;
use reqwest::StatusCode;


// ---- 12: files -------------------------------------------------------------

#[cfg(unix)]
#[tokio::test]
async fn the_data_directory_and_database_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let h = Harness::start().await;
    // Something written, so the WAL and shared-memory files exist.
    h.user("pia").await;
    let mode = |name: &str| {
        let path = if name.is_empty() {
            h.data_dir()
        } else {
            h.data_dir().join(name)
        };
        std::fs::metadata(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(""), 0o700, "data directory");
    for file in [
        "server.sqlite",
        "server.sqlite-wal",
        "server.sqlite-shm",
        "server-key.pk8",
    ] {
        assert_eq!(mode(file), 0o600, "{file}");
    }
}

#[cfg(unix)]
#[tokio::test]
async fn files_an_older_server_left_readable_are_made_private_on_start() {
    use std::os::unix::fs::PermissionsExt;
    let h = Harness::start().await;
    h.user("pia").await;
    let set = |path: std::path::PathBuf, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    set(h.data_dir(), 0o755);
    set(h.data_dir().join("server.sqlite"), 0o644);
    let h = h.restart().await;
    let mode =
        |path: std::path::PathBuf| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(h.data_dir()), 0o700);
    assert_eq!(mode(h.data_dir().join("server.sqlite")), 0o600);
}

// ---- 13: request-nonce memory -----------------------------------------------

#[tokio::test]
async fn a_request_replayed_after_a_restart_inside_the_window_is_refused() {
    let h = Harness::start().await;
    let phone = h.enrolled("nina").await;
    let path = format!("/v1/devices/{}/challenges", phone.device_id);
    let jws = phone.request_jws("GET", &path, h.now(), &Phone::fresh_nonce());
    let send = |h: &Harness, jws: &str| {
        h.http
            .get(format!("{}{path}", h.base))
            .header("authorization", format!("Countersign {jws}"))
            .send()
    };
    assert_eq!(send(&h, &jws).await.unwrap().status(), StatusCode::OK);
    let h = h.restart().await;
    h.clock.advance(30);
    problem(send(&h, &jws).await.unwrap(), ProblemType::Replayed).await;
    // A fresh request still works, and the memory forgets after the window:
    // by then the old request is refused for its iat instead.
    let fresh = phone.request_jws("GET", &path, h.now(), &Phone::fresh_nonce());
    assert_eq!(send(&h, &fresh).await.unwrap().status(), StatusCode::OK);
    h.clock.advance(100);
    problem(send(&h, &jws).await.unwrap(), ProblemType::ClockSkew).await;
}

#[tokio::test]
async fn a_nonce_is_reusable_only_after_it_left_the_window() {
    let h = Harness::start().await;
    let phone = h.enrolled("nils").await;
    let path = format!("/v1/devices/{}/challenges", phone.device_id);
    let nonce = Phone::fresh_nonce();
    let send = |jws: String| {
        h.http
            .get(format!("{}{path}", h.base))
            .header("authorization", format!("Countersign {jws}"))
            .send()
    };
    assert_eq!(
        send(phone.request_jws("GET", &path, h.now(), &nonce))
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    h.clock.advance(119);
    problem(
        send(phone.request_jws("GET", &path, h.now(), &nonce))
            .await
            .unwrap(),
        ProblemType::Replayed,
    )
    .await;
    h.clock.advance(2);
    assert_eq!(
        send(phone.request_jws("GET", &path, h.now(), &nonce))
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}
