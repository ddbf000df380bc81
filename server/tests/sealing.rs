//! Secrets at rest (issue 17): a copy of the database alone (the SQLite file
//! or a `pg_dump`) holds no TOTP secret; a database from before sealing is
//! sealed on start and keeps working; a wrong sealing key stops the server
//! instead of serving; `--reseal-to` moves everything to a new key.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Command;

use common::{ADMIN, Harness, RP, ServerProcess, problem};
use countersign_otp::OtpAccount;
use countersign_protocol::wire::ProblemType;
use countersign_server::db::{self, Sql};
use reqwest::StatusCode;
use serde_json::json;

async fn totp_account(h: &Harness, user: &str) -> OtpAccount {
    h.user(user).await;
    h.totp_account(user).await
}

fn holds(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

#[tokio::test]
async fn a_copy_of_the_database_holds_no_totp_secret() {
    let h = Harness::start().await;
    let account = totp_account(&h, "tina").await;
    let code = account.code_at(h.now()).unwrap().value;
    let verified = h
        .rp_post("/v1/totp/verify", json!({ "user": "tina", "code": code }))
        .await;
    assert_eq!(verified.status(), StatusCode::OK);
    let dump = h.database_dump();
    // The dump does show the stored (sealed) value, as bytes or as hex: so
    // the secret itself would show if it were stored.
    let stored: Vec<u8> = h
        .db()
        .await
        .query_row(
            "SELECT totp_secret FROM users WHERE name = 'tina'",
            &[],
            |row| row.get(0),
        )
        .await
        .unwrap();
    let stored_hex = data_encoding::HEXLOWER.encode(&stored);
    assert!(holds(&dump, &stored) || holds(&dump, stored_hex.as_bytes()));
    let secret = account.secret.expose_secret();
    assert!(!holds(&dump, secret), "the raw secret is in the dump");
    // pg_dump writes bytea as hex.
    let hex = data_encoding::HEXLOWER.encode(secret);
    assert!(
        !holds(&dump, hex.as_bytes()),
        "the hex secret is in the dump"
    );
    assert!(
        !holds(&dump, account.secret.to_base32().as_bytes()),
        "the base32 secret is in the dump"
    );
}

#[tokio::test]
async fn a_database_from_before_sealing_is_sealed_on_start_and_keeps_working() {
    let h = Harness::start().await;
    let account = totp_account(&h, "uma").await;
    {
        // What a server before sealing left: the secret in the clear, no
        // check value, no CSRF key yet.
        let db = h.db().await;
        db.execute(
            "UPDATE users SET totp_secret = ?2 WHERE name = ?1",
            &[
                db::Value::Text("uma".into()),
                db::Value::Blob(account.secret.expose_secret().to_vec()),
            ],
        )
        .await
        .unwrap();
        db.execute("DELETE FROM server_secrets", &[]).await.unwrap();
    }
    let h = h.restart().await;
    let stored: Vec<u8> = h
        .db()
        .await
        .query_row(
            "SELECT totp_secret FROM users WHERE name = 'uma'",
            &[],
            |row| row.get(0),
        )
        .await
        .unwrap();
    assert_ne!(stored, account.secret.expose_secret(), "sealed on start");
    let code = account.code_at(h.now()).unwrap().value;
    let verified = h
        .rp_post("/v1/totp/verify", json!({ "user": "uma", "code": code }))
        .await;
    assert_eq!(verified.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_sealed_secret_moved_to_another_users_row_does_not_open() {
    let h = Harness::start().await;
    let victim = totp_account(&h, "vic").await;
    totp_account(&h, "wes").await;
    {
        let db = h.db().await;
        db.execute(
            "UPDATE users SET totp_secret = (SELECT totp_secret FROM users WHERE name = 'vic')
             WHERE name = 'wes'",
            &[],
        )
        .await
        .unwrap();
    }
    // Someone who can write the database cannot make the victim's codes
    // open another account: the secret is bound to its row.
    let code = victim.code_at(h.now()).unwrap().value;
    let refused = h
        .rp_post("/v1/totp/verify", json!({ "user": "wes", "code": code }))
        .await;
    problem(refused, ProblemType::Unavailable).await;
}

/// A server process on `data` with the given extra arguments.
fn run(data: &std::path::Path, extra: &[&str]) -> Result<ServerProcess, String> {
    let mut args = vec!["--listen", "127.0.0.1:0", "--data", data.to_str().unwrap()];
    args.extend_from_slice(extra);
    ServerProcess::start(&args, &[])
}

#[tokio::test]
async fn a_wrong_sealing_key_stops_the_server_and_reseal_moves_to_a_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let new_key = dir.path().join("new.key");
    // First start: the key is made in the data directory.
    let first = run(&data, &[]).unwrap();
    let h = Harness::remote(&first.base);
    let account = totp_account(&h, "xia").await;
    // The OpenID Connect signing keys are secrets too (made on first use).
    let kids = oidc_kids(&h).await;
    assert_eq!(kids.len(), 2);
    drop(first);
    assert!(data.join("sealing.key").exists());

    let wrong = format!("{}\n", "5a".repeat(32));
    std::fs::write(dir.path().join("wrong.key"), wrong).unwrap();
    let refused = run(
        &data,
        &[
            "--sealing-key-file",
            dir.path().join("wrong.key").to_str().unwrap(),
        ],
    )
    .expect_err("a wrong key must not serve");
    assert!(refused.contains("sealing key does not open"), "{refused}");

    let resealed = Command::new(env!("CARGO_BIN_EXE_countersign-server"))
        .args(["--data", data.to_str().unwrap()])
        .args(["--reseal-to", new_key.to_str().unwrap()])
        .env("COUNTERSIGN_ADMIN_TOKEN", ADMIN)
        .env("COUNTERSIGN_RP_TOKEN", RP)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&resealed.stdout);
    assert!(
        resealed.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&resealed.stderr)
    );
    assert!(said.contains("Re-sealed"), "{said}");

    // The old key is refused now; the new one (here from the environment)
    // opens the secret, and the code verifies.
    let old = run(&data, &[]).expect_err("the old key no longer opens the database");
    assert!(old.contains("sealing key does not open"), "{old}");
    let new_hex = std::fs::read_to_string(&new_key).unwrap();
    let resealed = ServerProcess::start(
        &["--listen", "127.0.0.1:0", "--data", data.to_str().unwrap()],
        &[("COUNTERSIGN_SEALING_KEY", new_hex.trim())],
    )
    .unwrap();
    let h = Harness::remote(&resealed.base);
    let code = account.code_at(h.now()).unwrap().value;
    let verified = h
        .rp_post("/v1/totp/verify", json!({ "user": "xia", "code": code }))
        .await;
    assert_eq!(verified.status(), StatusCode::OK);
    // The signing keys were re-sealed with the rest: they open and still sign.
    assert_eq!(oidc_kids(&h).await, kids);
}

async fn oidc_kids(h: &Harness) -> Vec<String> {
    let response = h
        .http
        .get(format!("{}/oidc/jwks", h.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    let mut kids: Vec<String> = body["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|key| key["kid"].as_str().unwrap().to_owned())
        .collect();
    kids.sort();
    kids
}
