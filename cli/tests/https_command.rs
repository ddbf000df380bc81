//! The phone's side over real HTTPS: the `countersign` binary enrolls and
//! fetches its requests through a TLS front on 127.0.0.1 (the way an operator
//! runs the server), its certificate checked by the same verifier the phone
//! libraries use (rustls-platform-verifier; on Linux it trusts the CA bundle
//! `SSL_CERT_FILE` names). A certificate from a CA it does not trust is refused.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

use countersign_testkit::tls_front::TlsFront;
use countersign_testkit::{Server, Setup};

/// Runs the binary off the async runtime, trusting the CA in `ca_file`.
async fn countersign(dir: &Path, ca_file: &Path, args: &[&str]) -> Output {
    let (dir, ca_file) = (dir.to_owned(), ca_file.to_owned());
    let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_countersign"))
            .args(&args)
            .env("COUNTERSIGN_VAULT", dir.join("phone.sqlite"))
            .env("COUNTERSIGN_KEY_FILE", dir.join("vault.key"))
            .env("SSL_CERT_FILE", ca_file)
            .env_remove("SSL_CERT_DIR")
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn enrollment_and_requests_go_over_https_and_an_untrusted_certificate_is_refused() {
    let mut front = TlsFront::bind().await;
    let server = Server::start_with(Setup {
        public_url: Some(front.url.clone()),
        ..Setup::system_time()
    })
    .await;
    front.forward_to(server.running.address);
    let dir = tempfile::tempdir().unwrap();

    // A CA the phone does not trust: the handshake fails, nothing is enrolled.
    let stranger = TlsFront::bind().await;
    let uri = server.enrollment_uri("tess").await;
    assert!(uri.contains("url=https%3A%2F%2F127.0.0.1"), "{uri}");
    let refused = countersign(dir.path(), &stranger.ca_file, &["enroll", &uri]).await;
    assert!(!refused.status.success(), "{refused:?}");
    let said = String::from_utf8_lossy(&refused.stderr).to_lowercase();
    assert!(said.contains("certificate is not trusted"), "{said}");

    // The front's CA: enrolled, and a sign-in push fetched over https.
    let enrolled = countersign(dir.path(), &front.ca_file, &["enroll", &uri]).await;
    assert!(enrolled.status.success(), "{enrolled:?}");
    let (id, _) = server.push("tess", "portal", "login").await;
    let pending = countersign(dir.path(), &front.ca_file, &["pending"]).await;
    assert!(pending.status.success(), "{pending:?}");
    assert!(
        String::from_utf8_lossy(&pending.stdout).contains(&id),
        "{pending:?}"
    );
}
