//! `countersign enroll/pending/approve/deny` with a privacyIDEA push token, the
//! real binary against the live privacyIDEA that `.ci/run` starts (skipped
//! loudly without it, never in CI).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

use countersign_testkit::privacyidea::PrivacyIdea;

async fn countersign(dir: &Path, args: &[&str]) -> Output {
    let (dir, args) = (
        dir.to_owned(),
        args.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>(),
    );
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_countersign"))
            .args(&args)
            .env("COUNTERSIGN_VAULT", dir.join("phone.sqlite"))
            .env("COUNTERSIGN_KEY_FILE", dir.join("vault.key"))
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// The request ids `countersign pending` printed, first word of each line.
fn ids(pending: &str) -> Vec<String> {
    pending
        .lines()
        .filter(|line| !line.starts_with(' ') && !line.starts_with("No sign-in"))
        .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
        .collect()
}

#[tokio::test]
#[ignore = "needs a privacyIDEA: scripts/privacyidea/start.sh, then cargo test -- --include-ignored"]
async fn enroll_pending_approve_and_deny_a_privacyidea_token() {
    let server = PrivacyIdea::connect().await;
    // Test binaries run one after another: this user is not in use elsewhere now.
    let user = "alice";
    server.delete_tokens(user).await;
    let dir = tempfile::tempdir().unwrap();
    let (serial, uri) = server.init_push(user).await;

    // The CI privacyIDEA serves http, so its codes say sslverify=0: refused
    // until the user accepts that the certificate is not checked.
    let refused = countersign(dir.path(), &["enroll", &uri]).await;
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("--accept-unchecked-certificates"),
        "{refused:?}"
    );
    let enrolled = stdout(
        &countersign(
            dir.path(),
            &["enroll", &uri, "--accept-unchecked-certificates"],
        )
        .await,
    );
    assert!(
        stdout(&countersign(dir.path(), &["push-accounts"]).await)
            .contains("certificate checks OFF"),
        "the account says its certificate is not checked"
    );
    assert!(
        enrolled.starts_with(&format!("Enrolled privacyIDEA token {serial}")),
        "{enrolled}"
    );
    assert!(
        stdout(&countersign(dir.path(), &["pending"]).await).starts_with("No sign-in requests.")
    );

    let (transaction, _) = server.trigger(user).await;
    let pending = stdout(&countersign(dir.path(), &["pending"]).await);
    assert!(pending.contains("Sign in to Countersign test"), "{pending}");
    assert!(
        pending.contains("\"Confirm the Countersign test login?\""),
        "{pending}"
    );
    let id = ids(&pending).pop().unwrap();
    let approved = stdout(&countersign(dir.path(), &["approve", &id]).await);
    assert_eq!(approved.trim(), "Approved.");
    assert_eq!(server.challenge_status(&transaction).await, "accept");

    let (transaction, _) = server.trigger(user).await;
    let id = ids(&stdout(&countersign(dir.path(), &["pending"]).await))
        .pop()
        .unwrap();
    let denied = stdout(&countersign(dir.path(), &["deny", "--fraud", &id]).await);
    assert!(denied.starts_with("Denied."), "{denied}");
    assert_eq!(server.challenge_status(&transaction).await, "declined");

    // Listed, then removed from this device.
    let listed = stdout(&countersign(dir.path(), &["push-accounts"]).await);
    assert!(
        listed.contains(&format!("privacyIDEA token {serial}")),
        "{listed}"
    );
    let id = listed.split_whitespace().next().unwrap().to_owned();
    stdout(&countersign(dir.path(), &["unenroll", &id]).await);
    assert_eq!(
        stdout(&countersign(dir.path(), &["push-accounts"]).await).trim(),
        "No push accounts."
    );

    // A tampered code is refused with the parameter named, and nothing is stored.
    let broken = uri.replace("ttl=10", "ttl=soon");
    let refused = countersign(dir.path(), &["enroll", &broken]).await;
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("ttl"),
        "{refused:?}"
    );
    server.delete_tokens(user).await;
}
