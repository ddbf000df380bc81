//! The `countersign` CLI as a person's phone in end-to-end tests (the
//! portal's, the OpenID Connect provider's, the PAM module's): each call runs
//! the real binary with the vault in a directory of its own, off the async
//! runtime, so a server in the same test process keeps serving meanwhile.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

#[derive(Debug, Clone)]
pub struct CliPhone {
    binary: PathBuf,
    dir: PathBuf,
}

impl CliPhone {
    /// `binary`: the CLI (`env!("CARGO_BIN_EXE_countersign")` in the CLI's
    /// own tests); `dir`: where this phone's vault and key file live.
    pub fn new(binary: impl Into<PathBuf>, dir: &Path) -> Self {
        std::fs::create_dir_all(dir).unwrap();
        Self {
            binary: binary.into(),
            dir: dir.to_owned(),
        }
    }

    pub async fn run(&self, args: &[&str]) -> Output {
        let (phone, args) = (
            self.clone(),
            args.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>(),
        );
        tokio::task::spawn_blocking(move || {
            Command::new(&phone.binary)
                .args(&args)
                .env("COUNTERSIGN_VAULT", phone.dir.join("phone.sqlite"))
                .env("COUNTERSIGN_KEY_FILE", phone.dir.join("vault.key"))
                .output()
                .unwrap()
        })
        .await
        .unwrap()
    }

    /// Runs a command that must succeed; its standard output.
    pub async fn ok(&self, args: &[&str]) -> String {
        succeeded(&self.run(args).await)
    }

    /// `enroll` with an enrollment URI.
    pub async fn enroll(&self, uri: &str) {
        self.ok(&["enroll", uri]).await;
    }

    /// The sign-in requests waiting for an answer (`pending --json`).
    pub async fn pending(&self) -> Vec<Value> {
        let pending: Value = serde_json::from_str(&self.ok(&["pending", "--json"]).await).unwrap();
        pending["requests"].as_array().cloned().unwrap_or_default()
    }
}

/// The standard output of a command that must have succeeded; else a panic
/// that shows both streams.
pub fn succeeded(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}
