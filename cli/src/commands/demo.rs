//! `countersign demo`: every flow, end to end, on this machine. Starts the
//! reference server on 127.0.0.1, creates a user, enrolls this CLI as her phone,
//! adds a TOTP account, fires a sign-in push, shows it as the phone would, answers
//! it with the number from the sign-in screen, and shows the codes. Uses a
//! temporary vault and server: nothing of yours is touched.

use std::sync::Arc;

use countersign_core::keys::MemorySecretStore;
use countersign_core::push::device::{DeviceInfo, EnrolledPush, EnrollmentCode, NoGate};
use countersign_core::uri::parse_otpauth;
use countersign_core::vault::CodeDisplay;
use countersign_core::{Clock, SharedVault, SystemClock, Vault};
use countersign_server::Config;
use serde_json::{Value, json};

use super::push::{describe, device, runtime};
use crate::error::CliError;

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Instead of the scripted run: start the server with a demo user and
    /// print the portal's URL to open in a browser; this terminal plays the
    /// phone.
    #[arg(long)]
    browser: bool,
}

const USER: &str = "jane@example.com";

pub fn run(args: &DemoArgs) -> Result<(), CliError> {
    if args.browser {
        return super::demo_browser::run();
    }
    runtime()?.block_on(demo())
}

fn token() -> String {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 16];
    let _ = ring::rand::SystemRandom::new().fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn step(text: &str) {
    println!("\n== {text}");
}

async fn call(request: reqwest::RequestBuilder) -> Result<Value, CliError> {
    let response = request
        .send()
        .await
        .map_err(|error| CliError::Usage(format!("the demo server did not answer: {error}")))?;
    let status = response.status();
    let body: Value = response
        .json()
        .await
        .map_err(|error| CliError::Usage(format!("unexpected answer: {error}")))?;
    if !status.is_success() {
        return Err(CliError::Usage(format!("the demo server refused: {body}")));
    }
    Ok(body)
}

async fn demo() -> Result<(), CliError> {
    let dir = tempfile::tempdir()?;
    let (admin, rp) = (token(), token());
    let config = Config::loopback(
        dir.path().join("server"),
        "Example Corp",
        admin.clone(),
        rp.clone(),
    );
    let server = countersign_server::start(&config, Arc::new(SystemClock))
        .await
        .map_err(|error| CliError::Usage(error.to_string()))?;
    let base = server.base_url();
    let http = countersign_core::http::client_builder()
        .build()
        .map_err(|error| CliError::Usage(format!("no HTTP client: {error}")))?;
    step(&format!(
        "A push server for Example Corp is running at {base}"
    ));
    println!("   its signing key (pinned by phones): {}", server.state.sk);

    call(
        http.post(format!("{base}/v1/admin/users"))
            .bearer_auth(&admin)
            .json(&json!({ "name": USER })),
    )
    .await?;
    let enrollment = call(
        http.post(format!("{base}/v1/admin/users/{USER}/enrollments"))
            .bearer_auth(&admin)
            .json(&json!({ "kind": "push" })),
    )
    .await?;
    let uri = enrollment["uri"].as_str().unwrap_or_default().to_owned();
    step(&format!(
        "The admin portal shows {USER} an enrollment QR code"
    ));
    println!("   {uri}");

    let vault = SharedVault::new(Vault::open(
        &dir.path().join("phone-vault.sqlite"),
        std::sync::Arc::new(MemorySecretStore::new()),
    )?);
    let device = device()?;
    let info = DeviceInfo {
        platform: "desktop".into(),
        device_name: "Jane's CLI phone".into(),
        app_version: env!("CARGO_PKG_VERSION").into(),
        push_token: None,
    };
    let code = EnrollmentCode::new(&uri, SystemClock.now());
    let EnrolledPush::Countersign(account) = device.enroll(&vault, code, &info).await? else {
        return Err(CliError::Usage(
            "the server's enrollment code is not a Countersign one".into(),
        ));
    };
    step("This CLI, playing the phone, scans it and enrolls");
    println!(
        "   device {} for {} at {}; server key pinned",
        account.device_id, account.user, account.org
    );

    let totp = call(
        http.post(format!("{base}/v1/admin/users/{USER}/enrollments"))
            .bearer_auth(&admin)
            .json(&json!({ "kind": "totp" })),
    )
    .await?;
    let parsed = parse_otpauth(totp["uri"].as_str().unwrap_or_default())?;
    vault.lock().add(&parsed.account, SystemClock.now())?;
    step("She also adds a TOTP account from the portal's second QR code");
    println!("   {}", parsed.account.display_name());

    let push = call(http.post(format!("{base}/v1/pushes")).bearer_auth(&rp).json(&json!({
        "user": USER,
        "resource": "portal",
        "kind": "login",
        "context": { "ip": "203.0.113.24", "location": "Berlin, DE", "browser": "Firefox 133", "os": "Windows 11", "time": 0 }
    })))
    .await?;
    let id = push["id"].as_str().unwrap_or_default().to_owned();
    let number = push["number"].as_str().map(str::to_owned);
    step("Someone signs in to the portal as Jane: the server sends a push");
    if let Some(number) = &number {
        println!("   the sign-in screen shows the number {number}");
    }

    let requests = device.pending(&vault).await?;
    step("The phone receives it, verifies the server's signature, and shows");
    for request in &requests {
        println!("   {}", describe(request).replace('\n', "\n   "));
    }
    let outcome = device
        .approve(&vault, &id, number.as_deref(), &NoGate)
        .await?;
    step(&format!("Jane types the number and approves: {outcome:?}"));

    let status = call(
        http.get(format!("{base}/v1/pushes/{id}?wait=5"))
            .bearer_auth(&rp),
    )
    .await?;
    step(&format!(
        "The portal sees the push {}",
        status["status"].as_str().unwrap_or("?")
    ));

    let now = SystemClock.now();
    let view = vault.lock().codes_view(now)?;
    step("Her codes, as the accounts screen shows them");
    for entry in &view.entries {
        if let CodeDisplay::Code(code) = &entry.display {
            let title = entry
                .issuer
                .clone()
                .map_or(entry.name.clone(), |i| format!("{i} ({})", entry.name));
            println!(
                "   {title:<40} {}  {} s left",
                code.value,
                code.seconds_left.unwrap_or(0)
            );
            let verified = call(
                http.post(format!("{base}/v1/totp/verify"))
                    .bearer_auth(&rp)
                    .json(&json!({ "user": USER, "code": code.value })),
            )
            .await?;
            println!("   the server accepts the code: {}", verified["ok"]);
        }
    }
    server.stop().await;
    println!("\nDone: enrolled, pushed, verified, approved, and a TOTP code accepted.");
    Ok(())
}
