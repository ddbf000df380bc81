//! `countersign import FILE|URI [--format F] [--password-file P] [--dry-run]`:
//! shows what will be added, what is already there and what cannot be taken
//! (and why), then adds all of it in one transaction, or nothing.

use std::path::PathBuf;

use countersign_core::diagnostics;
use countersign_core::transfer::{ImportFormat, detect, preview, read_export};
use countersign_core::{Clock, SystemClock};

use crate::error::CliError;
use crate::vault_access::VaultOptions;

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// An export file, or an otpauth-migration:// or otpauth:// URI.
    source: String,
    /// The file's format, when it cannot be told from its contents
    /// (otpauth, google, aegis, 2fas, andotp, bitwarden-json, bitwarden-csv,
    /// freeotp-plus, proton, stratum, steam).
    #[arg(long)]
    format: Option<String>,
    /// A file whose first line is the export's password.
    #[arg(long)]
    password_file: Option<PathBuf>,
    /// Show what would happen and change nothing.
    #[arg(long)]
    dry_run: bool,
}

pub fn run(options: &VaultOptions, args: &ImportArgs) -> Result<(), CliError> {
    let bytes = if args.source.contains("://") {
        args.source.clone().into_bytes()
    } else {
        countersign_core::transfer::limits::read_input(std::fs::File::open(&args.source)?)?
    };
    let format = match &args.format {
        Some(name) => Some(ImportFormat::from_name(name).ok_or_else(|| {
            CliError::Usage(format!(
                "unknown format {name:?}; see countersign import --help"
            ))
        })?),
        None => None,
    };
    let password = match &args.password_file {
        Some(path) => Some(
            std::fs::read_to_string(path)?
                .lines()
                .next()
                .unwrap_or("")
                .to_owned(),
        ),
        None => None,
    };
    let detected = format.or_else(|| detect(&bytes));
    let contents = match read_export(&bytes, format, password.as_deref()) {
        Ok(contents) => contents,
        Err(error) => {
            // Only what the error is (wrong password, unreadable…), never the file.
            if let Ok(mut vault) = options.open() {
                diagnostics::note_import(
                    &mut vault,
                    detected,
                    &Err(error.clone()),
                    SystemClock.now(),
                );
            }
            return Err(error.into());
        }
    };
    let mut vault = options.open()?;
    let plan = preview(&vault, contents)?;
    println!("{} export:", plan.format.name());
    println!("  {} to add", plan.to_add.len());
    for account in &plan.to_add {
        println!("    + {}", account.display_name());
    }
    if !plan.duplicates.is_empty() {
        println!(
            "  {} already in your vault (left as they are)",
            plan.duplicates.len()
        );
        for account in &plan.duplicates {
            println!("    = {}", account.display_name());
        }
    }
    if !plan.skipped.is_empty() {
        println!("  {} cannot be imported", plan.skipped.len());
        for skipped in &plan.skipped {
            println!("    ! {}: {}", skipped.name, skipped.reason);
        }
    }
    if args.dry_run {
        println!("Dry run: nothing was changed.");
        return Ok(());
    }
    let added = vault.add_all(&plan.to_add, SystemClock.now())?;
    diagnostics::note_import(
        &mut vault,
        Some(plan.format),
        &Ok(added.len()),
        SystemClock.now(),
    );
    println!("Added {} accounts.", added.len());
    Ok(())
}
