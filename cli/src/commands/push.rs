//! The CLI as the phone: `enroll`, `pending`, `approve`, `deny`, `listen`.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use countersign_core::push::PushStore;
use countersign_core::push::device::{
    AnswerOutcome, BiometricGate, DeviceInfo, EnrolledPush, EnrollmentCode, GateError, PushDevice,
    PushError, PushRequest, push_accounts as all_push_accounts,
};
use countersign_core::push::privacyidea::PiEnrollmentUri;
use countersign_core::push::wire::{ChallengeKind, RiskLevel};
use countersign_core::scan::{ScanPayload, classify};
use countersign_core::{Clock, SharedVault, SystemClock};

use crate::error::CliError;
use crate::vault_access::VaultOptions;

pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// The desktop also reaches a server on this machine over plain http (the
/// demo, a test server); anything else needs https.
pub fn device() -> Result<PushDevice, CliError> {
    Ok(PushDevice::new(Arc::new(SystemClock))?.allowing_loopback_http())
}

#[derive(Debug, clap::Args)]
pub struct EnrollArgs {
    /// The enrollment URI from the QR code: countersign://enroll?… or a
    /// privacyIDEA push token's otpauth://pipush/… (or pia://pipush/…).
    uri: String,
    /// How this device is named on the server.
    #[arg(long, default_value = "Countersign CLI")]
    name: String,
    /// For a privacyIDEA code with sslverify=0 only: enroll although the server's
    /// certificate will not be checked (your administrator must have said so).
    #[arg(long)]
    accept_unchecked_certificates: bool,
}

pub fn enroll(options: &VaultOptions, args: &EnrollArgs) -> Result<(), CliError> {
    let vault = SharedVault::new(options.open()?);
    let info = DeviceInfo {
        platform: "desktop".into(),
        device_name: args.name.clone(),
        app_version: env!("CARGO_PKG_VERSION").into(),
        push_token: None,
    };
    let mut code = EnrollmentCode::new(&args.uri, SystemClock.now());
    if args.accept_unchecked_certificates {
        code = code.accepting_unchecked_certificates();
    }
    // Only once the code is known to be a good one: a typo should fail at
    // once, not after a promise of a key.
    if matches!(classify(&args.uri), ScanPayload::PrivacyIdeaPush { .. })
        && PiEnrollmentUri::parse(&args.uri).is_ok()
    {
        eprintln!("Making a 4096-bit RSA key for privacyIDEA (a few seconds)…");
    }
    let enrolled = runtime()?
        .block_on(device()?.enroll(&vault, code, &info))
        .map_err(|error| match error {
            consent @ PushError::UncheckedCertificatesNeedConsent { .. } => CliError::Usage(
                format!("{consent}: run again with --accept-unchecked-certificates"),
            ),
            other => other.into(),
        })?;
    match enrolled {
        EnrolledPush::Countersign(account) => println!(
            "Enrolled {} at {} ({}), device {}",
            account.user, account.org, account.server_url, account.device_id
        ),
        EnrolledPush::PrivacyIdea(token) => println!(
            "Enrolled privacyIDEA token {} ({}) at {}{}",
            token.serial,
            token.label,
            token.url,
            if token.poll_only {
                "; poll-only: run `countersign pending` or `listen`"
            } else {
                ""
            }
        ),
    }
    Ok(())
}

/// "Sign in to Salesforce · Berlin, DE · Firefox 133 on Windows 11 · 42 s left"
pub fn describe(request: &PushRequest) -> String {
    let what = match request.kind {
        ChallengeKind::Login => "Sign in to",
        ChallengeKind::StepUp => "Confirm an action in",
        ChallengeKind::PasswordReset => "Reset the password of",
        ChallengeKind::EnrollmentConfirm => "Confirm an enrollment in",
    };
    let context = &request.context;
    let mut parts = vec![format!(
        "{what} {} as {} ({})",
        request.resource.name, request.user, request.org
    )];
    if let Some(location) = &context.location {
        parts.push(location.clone());
    }
    match (&context.browser, &context.os) {
        (Some(browser), Some(os)) => parts.push(format!("{browser} on {os}")),
        (Some(one), None) | (None, Some(one)) => parts.push(one.clone()),
        (None, None) => {}
    }
    if let Some(ip) = &context.ip {
        parts.push(ip.clone());
    }
    if let Some(message) = &request.message {
        parts.push(format!("\"{message}\""));
    }
    parts.push(format!("{} s left", request.seconds_left.max(0)));
    let mut line = parts.join(" · ");
    if request.burst > 1 {
        line.push_str(&format!(
            "\n    {} requests to {} in the last minute: if you did not start them, deny and report",
            request.burst, request.resource.name
        ));
    }
    if request.risk_level > RiskLevel::Low {
        let reasons: Vec<&str> = request.risk_reasons.iter().map(|r| r.words()).collect();
        let level = if request.risk_level == RiskLevel::High {
            "high"
        } else {
            "raised"
        };
        line.push_str(&format!(
            "\n    {level} risk: {}; approve only if this is you",
            if reasons.is_empty() {
                "the server found this sign-in unusual".to_owned()
            } else {
                reasons.join(", ")
            }
        ));
    }
    match (&request.number_matching, &request.number_choices) {
        (true, Some(choices)) => line.push_str(&format!(
            "\n    choose what the sign-in screen shows to approve (--number): {}",
            choices.join(", ")
        )),
        (true, None) => {
            line.push_str("\n    enter the number shown on the sign-in screen to approve")
        }
        (false, _) => {}
    }
    if request.biometric_required {
        line.push_str("\n    needs confirmation that it is you (--confirm)");
    }
    line
}

#[derive(Debug, clap::Args)]
pub struct PendingArgs {
    /// One JSON object: the requests, and the accounts whose servers failed.
    #[arg(long)]
    json: bool,
}

pub fn pending(options: &VaultOptions, args: &PendingArgs) -> Result<(), CliError> {
    let vault = SharedVault::new(options.open()?);
    let report = runtime()?.block_on(device()?.pending_report(&vault))?;
    if args.json {
        let failures: Vec<_> = report.failures.iter().map(crate::json::failure).collect();
        let requests = report.into_requests()?;
        let requests: Vec<_> = requests.iter().map(crate::json::request).collect();
        println!(
            "{}",
            serde_json::json!({ "requests": requests, "failures": failures })
        );
        return Ok(());
    }
    // One account's failure does not hide the others' requests; with nothing
    // to show, it is the answer (and the exit status).
    for failure in &report.failures {
        eprintln!("warning: account {}: {}", failure.account_id, failure.error);
    }
    let requests = report.into_requests()?;
    if requests.is_empty() {
        println!("No sign-in requests.");
    }
    for request in requests {
        println!("{}  {}", request.id, describe(&request));
    }
    Ok(())
}

#[derive(Debug, clap::Args)]
pub struct PushAccountsArgs {
    /// A JSON array of both kinds, for scripts.
    #[arg(long)]
    json: bool,
}

pub fn push_accounts(options: &VaultOptions, args: &PushAccountsArgs) -> Result<(), CliError> {
    let accounts = all_push_accounts(&options.open()?)?;
    if args.json {
        let rows: Vec<_> = accounts.iter().map(crate::json::push_account).collect();
        println!("{}", serde_json::Value::from(rows));
        return Ok(());
    }
    if accounts.is_empty() {
        println!("No push accounts.");
    }
    for account in accounts {
        match account {
            EnrolledPush::Countersign(account) => println!(
                "{}  {} at {} ({}, {:?})",
                account.id, account.user, account.org, account.server_url, account.status
            ),
            EnrolledPush::PrivacyIdea(token) => println!(
                "{}  privacyIDEA token {} ({}) at {}{}",
                token.id,
                token.serial,
                token.issuer,
                token.url,
                if token.ssl_verify {
                    ""
                } else {
                    "  [certificate checks OFF, as the administrator asked]"
                }
            ),
        }
    }
    Ok(())
}

#[derive(Debug, clap::Args)]
pub struct UnenrollArgs {
    /// The id from `countersign push-accounts`.
    id: String,
}

pub fn unenroll(options: &VaultOptions, args: &UnenrollArgs) -> Result<(), CliError> {
    let mut vault = options.open()?;
    vault.delete_push_account(&args.id)?;
    println!(
        "Removed from this device. The server keeps its record until an administrator removes it."
    );
    Ok(())
}

/// The desktop has no fingerprint reader: confirming presence is the user's
/// explicit `--confirm`, or typing "yes" at the terminal.
struct TerminalGate {
    confirmed: bool,
}

#[async_trait::async_trait]
impl BiometricGate for TerminalGate {
    async fn confirm(&self, reason: &str) -> Result<(), GateError> {
        if self.confirmed {
            return Ok(());
        }
        if !std::io::stdin().is_terminal() {
            return Err(GateError::Unavailable(
                "no terminal to confirm at: pass --confirm to say it is you".into(),
            ));
        }
        let reason = reason.to_owned();
        // The terminal is read on a blocking thread, as a phone's prompt is
        // awaited: the runtime stays free meanwhile.
        let answer = tokio::task::spawn_blocking(move || {
            print!("{reason}: type yes to confirm it is you: ");
            let _ = std::io::stdout().flush();
            let mut answer = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut answer)
                .map(|_| answer)
        })
        .await
        .map_err(|e| GateError::Unavailable(e.to_string()))?
        .map_err(|e| GateError::Unavailable(e.to_string()))?;
        if answer.trim().eq_ignore_ascii_case("yes") {
            Ok(())
        } else {
            Err(GateError::Cancelled)
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct ApproveArgs {
    /// The request id from `countersign pending`.
    id: String,
    /// The number shown on the sign-in screen.
    #[arg(long)]
    number: Option<String>,
    /// Confirm it is you, where policy requires biometrics.
    #[arg(long)]
    confirm: bool,
}

pub fn approve(options: &VaultOptions, args: &ApproveArgs) -> Result<(), CliError> {
    let vault = SharedVault::new(options.open()?);
    let gate = TerminalGate {
        confirmed: args.confirm,
    };
    let outcome =
        runtime()?.block_on(approve_one(&vault, &args.id, args.number.as_deref(), &gate))?;
    print_outcome(outcome);
    Ok(())
}

async fn approve_one(
    vault: &SharedVault,
    id: &str,
    number: Option<&str>,
    gate: &dyn BiometricGate,
) -> Result<AnswerOutcome, CliError> {
    let device = device()?;
    // Fetch first, so an id seen on another screen (the portal) is known here.
    let known = vault.lock().cached_challenge(id)?.is_some();
    if !known {
        device.pending(vault).await?;
    }
    Ok(device.approve(vault, id, number, gate).await?)
}

fn print_outcome(outcome: AnswerOutcome) {
    match outcome {
        AnswerOutcome::Approved => println!("Approved."),
        AnswerOutcome::ApprovedShowCode { code, message } => {
            println!("Approved. {message}: {code}")
        }
        AnswerOutcome::Denied => println!("Denied."),
    }
}

#[derive(Debug, clap::Args)]
pub struct DenyArgs {
    /// The request id from `countersign pending`.
    id: String,
    /// Also report it: "this was not me" (Countersign servers lock sign-in pushes
    /// and alert the admin; privacyIDEA records the reason when it supports one).
    #[arg(long)]
    fraud: bool,
}

pub fn deny(options: &VaultOptions, args: &DenyArgs) -> Result<(), CliError> {
    let vault = SharedVault::new(options.open()?);
    let outcome = runtime()?.block_on(async {
        let device = device()?;
        let known = vault.lock().cached_challenge(&args.id)?.is_some();
        if !known {
            device.pending(&vault).await?;
        }
        Ok::<_, CliError>(device.deny(&vault, &args.id, args.fraud).await?)
    })?;
    print_outcome(outcome);
    if args.fraud {
        println!("Reported as \"this was not me\" to the server.");
    }
    Ok(())
}

#[derive(Debug, clap::Args)]
pub struct ListenArgs {
    /// Seconds between fetches.
    #[arg(long, default_value_t = 2)]
    every: u64,
    /// Stop after this many seconds (default: until Ctrl-C).
    #[arg(long)]
    seconds: Option<u64>,
}

/// Polls and prompts: approve (y, or the number), deny (n), deny and report (f).
pub fn listen(options: &VaultOptions, args: &ListenArgs) -> Result<(), CliError> {
    let vault = SharedVault::new(options.open()?);
    let runtime = runtime()?;
    println!("Listening for sign-in requests (Ctrl-C to stop).");
    answer_requests(
        &runtime,
        &device()?,
        &vault,
        Duration::from_secs(args.every.max(1)),
        args.seconds.map(Duration::from_secs),
    )
}

/// Fetches requests every `every` and asks at the terminal for each answer,
/// until stdin closes or `limit` has passed.
pub fn answer_requests(
    runtime: &tokio::runtime::Runtime,
    device: &PushDevice,
    vault: &SharedVault,
    every: Duration,
    limit: Option<Duration>,
) -> Result<(), CliError> {
    let started = Instant::now();
    // One line at a time, stdin locked only while a line is read: the
    // confirmation prompt of an approval reads the same terminal.
    let next_line = || -> Result<Option<String>, CliError> {
        let mut line = String::new();
        Ok((std::io::stdin().read_line(&mut line)? > 0).then_some(line))
    };
    loop {
        for request in runtime.block_on(device.pending(vault))? {
            println!("\n{}", describe(&request));
            if request.number_matching {
                print!("Number to approve, n to deny, f to deny and report: ");
            } else {
                print!("Approve? y = approve, n = deny, f = deny and report: ");
            }
            std::io::stdout().flush()?;
            let Some(answer) = next_line()? else {
                return Ok(());
            };
            let answer = answer.trim();
            let result = match answer {
                "n" | "N" => runtime.block_on(device.deny(vault, &request.id, false)),
                "f" | "F" => runtime.block_on(device.deny(vault, &request.id, true)),
                other => {
                    let number = request.number_matching.then_some(other);
                    if !request.number_matching && !matches!(other, "y" | "Y") {
                        println!("Left unanswered.");
                        continue;
                    }
                    let gate = TerminalGate { confirmed: false };
                    runtime.block_on(device.approve(vault, &request.id, number, &gate))
                }
            };
            match result {
                Ok(outcome) => print_outcome(outcome),
                Err(error) => println!("error: {error}"),
            }
        }
        if limit.is_some_and(|limit| started.elapsed() >= limit) {
            return Ok(());
        }
        std::thread::sleep(every);
    }
}
