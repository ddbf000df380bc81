//! `countersign settings [diagnostics [on|off] [--show] [--network any|unmetered]
//! [--send-to URL]]`: the More screen of the desktop.

use countersign_core::diagnostics::{
    self, Collector, Network, NetworkPolicy, SendOutcome,
    schema::{DeviceClass, Environment, Language, Platform, Version},
};
use countersign_core::http::PlainHttp;
use countersign_core::{Clock, SharedVault, SystemClock};

use crate::error::CliError;
use crate::vault_access::VaultOptions;

#[derive(Debug, clap::Args)]
pub struct SettingsArgs {
    #[command(subcommand)]
    change: Option<SettingChange>,
}

#[derive(Debug, clap::Subcommand)]
enum SettingChange {
    /// Share diagnostic data: typed error codes and bucketed timings, never
    /// names, secrets, codes, servers, IPs or locations (docs/diagnostics.md).
    Diagnostics {
        #[arg(value_parser = ["on", "off"])]
        value: Option<String>,
        /// Print every queued event, as the JSON that would be sent.
        #[arg(long)]
        show: bool,
        /// Send over any network, or over unmetered ones only (the default).
        #[arg(long, value_parser = ["any", "unmetered"])]
        network: Option<String>,
        /// Send the queue to this collector now, if sharing is on and the last
        /// batch left more than an hour ago.
        #[arg(long, value_name = "URL")]
        send_to: Option<String>,
    },
}

pub fn run(options: &VaultOptions, args: &SettingsArgs) -> Result<(), CliError> {
    let mut vault = options.open()?;
    if let Some(SettingChange::Diagnostics {
        value,
        show,
        network,
        send_to,
    }) = &args.change
    {
        if let Some(value) = value {
            vault.set_diagnostics_enabled(value == "on")?;
        }
        if let Some(network) = network {
            let policy = if network == "any" {
                NetworkPolicy::Any
            } else {
                NetworkPolicy::UnmeteredOnly
            };
            diagnostics::queue::set_network_policy(&mut vault, policy).map_err(usage)?;
        }
        if *show {
            let queued = diagnostics::queue::queued(&vault).map_err(usage)?;
            println!("Queued diagnostic events: {}", queued.len());
            for event in queued {
                println!("{}", event.body);
            }
        }
        if let Some(url) = send_to {
            let shared = SharedVault::new(vault);
            println!("{}", send(&shared, url)?);
            vault = shared.into_inner();
        }
    }
    println!("Protect ID:             {}", vault.protect_id());
    println!(
        "Share diagnostic data:  {}",
        if vault.diagnostics_enabled()? {
            "on"
        } else {
            "off"
        }
    );
    println!("Version:                {}", env!("CARGO_PKG_VERSION"));
    Ok(())
}

fn usage(error: diagnostics::DiagnosticsError) -> CliError {
    CliError::Usage(error.to_string())
}

/// The desktop's environment: its language from `LANG`, no OS version (a
/// Linux distribution's version says little and varies in form).
fn environment() -> Environment {
    let locale = std::env::var("LANG").unwrap_or_default();
    Environment {
        app_version: Version::or_zero(env!("CARGO_PKG_VERSION")),
        core_version: Version::or_zero(env!("CARGO_PKG_VERSION")),
        platform: Platform::Desktop,
        os_version: Version::or_zero(""),
        device_class: DeviceClass::Desktop,
        language: Language::of_locale(&locale),
    }
}

fn send(vault: &SharedVault, url: &str) -> Result<String, CliError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let collector = Collector::new(url, PlainHttp::Loopback).map_err(usage)?;
    let outcome = runtime
        .block_on(collector.send_due(vault, &environment(), Network::Unmetered, SystemClock.now()))
        .map_err(usage)?;
    Ok(match outcome {
        SendOutcome::Off => "Sharing is off: nothing was sent.".to_owned(),
        SendOutcome::NothingQueued => "Nothing is queued.".to_owned(),
        SendOutcome::NotDue { retry_in } => {
            format!("The last batch left less than an hour ago; next in {retry_in} s.")
        }
        SendOutcome::WaitingForNetwork => "Waiting for an allowed network.".to_owned(),
        SendOutcome::Sent { events } => format!("Sent {events} events."),
        SendOutcome::Refused { events } => {
            format!("The collector refused the batch; its {events} events were dropped.")
        }
    })
}
