//! `countersign add URI` or `countersign add --image FILE`: parse (or scan), warn,
//! store. An export QR adds all of its accounts in one transaction.

use std::path::{Path, PathBuf};

use countersign_core::OtpAccount;
use countersign_core::scan::account_from_code;
use countersign_core::scan::{ScanPayload, scan_image};
use countersign_core::uri::MigrationEntry;
use countersign_core::{Clock, SystemClock};

use super::scan::describe;
use crate::error::CliError;
use crate::vault_access::VaultOptions;

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["uri", "image"])))]
pub struct AddArgs {
    /// An otpauth:// URI, as a QR code holds it (quote it for the shell).
    uri: Option<String>,
    /// A PNG, JPEG or WebP image of the QR code (a screenshot or a photo).
    #[arg(long)]
    image: Option<PathBuf>,
}

pub fn run(options: &VaultOptions, args: &AddArgs) -> Result<(), CliError> {
    let accounts = match (&args.uri, &args.image) {
        (Some(uri), _) => {
            let parsed = account_from_code(uri)?;
            for warning in &parsed.warnings {
                eprintln!("warning: {warning}");
            }
            vec![parsed.account]
        }
        (None, Some(image)) => accounts_in_image(image)?,
        (None, None) => {
            return Err(CliError::Usage(
                "give an otpauth:// URI or --image FILE".into(),
            ));
        }
    };
    let mut vault = options.open()?;
    let ids = vault.add_all(&accounts, SystemClock.now())?;
    let list = vault.list(None)?;
    for (account, id) in accounts.iter().zip(&ids) {
        let number = list.iter().position(|a| &a.id == id).map_or(0, |i| i + 1);
        println!(
            "Added {} as #{number} ({})",
            account.display_name(),
            short_id(id)
        );
    }
    Ok(())
}

fn accounts_in_image(path: &Path) -> Result<Vec<OtpAccount>, CliError> {
    let result = scan_image(&crate::input::read_image(path)?)?
        .ok_or_else(|| CliError::Usage(format!("no QR code found in {}", path.display())))?;
    match result.payload {
        ScanPayload::Otpauth(parsed) => {
            for warning in &parsed.warnings {
                eprintln!("warning: {warning}");
            }
            Ok(vec![parsed.account])
        }
        ScanPayload::InvalidOtpauth(error) => Err(error.into()),
        ScanPayload::MigrationBatch(batch) => {
            let mut accounts = Vec::new();
            for entry in batch.entries {
                match entry {
                    MigrationEntry::Account(account) => accounts.push(account),
                    MigrationEntry::Unsupported { name, reason, .. } => {
                        eprintln!("warning: skipped {name}: {reason}");
                    }
                }
            }
            if let (Some(index), Some(size)) = (batch.batch_index, batch.batch_size) {
                if size > 1 {
                    eprintln!(
                        "note: this is code {} of {size} of the export; add the others too",
                        index + 1
                    );
                }
            }
            Ok(accounts)
        }
        other => Err(CliError::Usage(format!(
            "{}: this QR code holds no account to add",
            describe(&other)
        ))),
    }
}

pub fn short_id(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}
