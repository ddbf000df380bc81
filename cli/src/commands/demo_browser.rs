//! `countersign demo --browser`: the portal for a person. Starts the reference
//! server on 127.0.0.1 with a demo organisation (a user with a password,
//! printed once), and makes this terminal the user's phone: paste the
//! enrollment code the portal's Security page shows under "Enter code
//! instead", then approve the sign-in requests here with the number the
//! browser shows. Everything lives in a temporary directory.

use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use countersign_core::keys::MemorySecretStore;
use countersign_core::push::device::{DeviceInfo, EnrollmentCode};
use countersign_core::{Clock, SharedVault, SystemClock, Vault};
use countersign_server::Config;

use super::push::{answer_requests, device};
use crate::error::CliError;

/// The port a person is told to open, when it is free.
const PREFERRED_PORT: u16 = 8470;

fn random_text(bytes: usize) -> String {
    use ring::rand::SecureRandom;
    let mut random = vec![0u8; bytes];
    let _ = ring::rand::SystemRandom::new().fill(&mut random);
    random.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn listen_address() -> SocketAddr {
    let preferred = SocketAddr::from(([127, 0, 0, 1], PREFERRED_PORT));
    if std::net::TcpListener::bind(preferred).is_ok() {
        preferred
    } else {
        SocketAddr::from(([127, 0, 0, 1], 0))
    }
}

pub fn run() -> Result<(), CliError> {
    // Several threads: the server keeps serving while this one waits for
    // the keyboard.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let dir = tempfile::tempdir()?;
    let (admin, rp) = (random_text(16), random_text(16));
    let config = Config {
        listen: listen_address(),
        ..Config::loopback(dir.path().join("server"), "Example Corp", admin.clone(), rp)
    };
    let server = runtime
        .block_on(countersign_server::start(&config, Arc::new(SystemClock)))
        .map_err(|error| CliError::Usage(error.to_string()))?;
    let base = server.base_url();
    let demo_user = runtime
        .block_on(countersign_server::demo::seed(&server.state))
        .map_err(|error| CliError::Usage(error.0.detail.clone()))?
        .ok_or_else(|| CliError::Usage("the demo server already had users".into()))?;
    let (user, password) = (demo_user.name, demo_user.password);
    println!("A Countersign server for Example Corp is running at {base}");
    println!("(Admin Portal: {base}/admin, admin token {admin})\n");
    println!("1. Open {base}/portal/login in a browser.");
    println!("2. Sign in as {user} with the password {password}");
    println!("3. On the Security page choose \"Enroll device\", open \"Enter code instead\",");
    println!("   and paste the enrollment code here (this terminal plays Jane's phone):");
    print!("> ");
    std::io::stdout().flush()?;
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line)? == 0 {
        println!("\nNo code given; the demo server stops.");
        return Ok(());
    }
    let vault = SharedVault::new(Vault::open(
        &dir.path().join("phone-vault.sqlite"),
        Arc::new(MemorySecretStore::new()),
    )?);
    let device = device()?;
    let info = DeviceInfo {
        platform: "desktop".into(),
        device_name: "Jane's terminal".into(),
        app_version: env!("CARGO_PKG_VERSION").into(),
        push_token: None,
    };
    let code = EnrollmentCode::new(line.trim(), SystemClock.now());
    runtime.block_on(device.enroll(&vault, code, &info))?;
    println!("\nEnrolled: the browser shows a green check.");
    println!("4. Sign out in the browser and sign in again: the request appears here;");
    println!("   type the number the browser shows to approve (n denies). Under Apps,");
    println!("   Salesforce asks again before it opens. Reset-password mail goes to");
    println!(
        "   {}. Ctrl-C stops.",
        dir.path().join("server/outbox").display()
    );
    answer_requests(&runtime, &device, &vault, Duration::from_secs(1), None)?;
    runtime.block_on(server.stop());
    Ok(())
}
