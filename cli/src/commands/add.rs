//! `countersign add URI`: parse, warn, store.

use countersign_core::uri::parse_otpauth;
use countersign_core::{Clock, SystemClock};

use crate::error::CliError;
use crate::vault_access::VaultOptions;

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// An otpauth:// URI, as a QR code holds it (quote it for the shell).
    uri: String,
}

pub fn run(options: &VaultOptions, args: &AddArgs) -> Result<(), CliError> {
    let parsed = parse_otpauth(&args.uri)?;
    for warning in &parsed.warnings {
        eprintln!("warning: {warning}");
    }
    let mut vault = options.open()?;
    let id = vault.add(&parsed.account, SystemClock.now())?;
    let number = vault
        .list(None)?
        .iter()
        .position(|account| account.id == id)
        .map_or(0, |index| index + 1);
    println!(
        "Added {} as #{number} ({})",
        parsed.account.display_name(),
        short_id(&id)
    );
    Ok(())
}

pub fn short_id(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}
