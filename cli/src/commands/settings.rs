//! `countersign settings [diagnostics on|off]`: the More screen of the desktop.

use crate::error::CliError;
use crate::vault_access::VaultOptions;

#[derive(Debug, clap::Args)]
pub struct SettingsArgs {
    #[command(subcommand)]
    change: Option<SettingChange>,
}

#[derive(Debug, clap::Subcommand)]
enum SettingChange {
    /// Share anonymous diagnostic data (no names, secrets, IPs or locations).
    Diagnostics {
        #[arg(value_parser = ["on", "off"])]
        value: String,
    },
}

pub fn run(options: &VaultOptions, args: &SettingsArgs) -> Result<(), CliError> {
    let mut vault = options.open()?;
    if let Some(SettingChange::Diagnostics { value }) = &args.change {
        vault.set_diagnostics_enabled(value == "on")?;
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
