//! `countersign export --format countersign|aegis|otpauth|google-qr --out PATH`:
//! the vault leaves as an encrypted backup, an encrypted Aegis vault, a plain
//! otpauth list (only with --unencrypted), or Google Authenticator QR codes.

use std::path::PathBuf;

use countersign_core::OtpAccount;
use countersign_core::push::PrivacyIdeaStore;
use countersign_core::push::PushStore;
use countersign_core::transfer::Skipped;
use countersign_core::transfer::export::{self, ExportFile};

use crate::error::CliError;
use crate::vault_access::VaultOptions;

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// countersign (encrypted backup), aegis (encrypted Aegis vault), otpauth
    /// (plain URI list: needs --unencrypted), google-qr (Google Authenticator codes).
    #[arg(long)]
    format: String,
    /// The file to write (a directory for google-qr).
    #[arg(long)]
    out: PathBuf,
    /// A file whose first line is the password for encrypted formats.
    #[arg(long)]
    password_file: Option<PathBuf>,
    /// Yes, write the secrets in the clear (otpauth, google-qr).
    #[arg(long)]
    unencrypted: bool,
}

fn password(args: &ExportArgs) -> Result<String, CliError> {
    let path = args
        .password_file
        .as_ref()
        .ok_or_else(|| CliError::Usage("an encrypted export needs --password-file".into()))?;
    Ok(std::fs::read_to_string(path)?
        .lines()
        .next()
        .unwrap_or("")
        .to_owned())
}

pub fn run(options: &VaultOptions, args: &ExportArgs) -> Result<(), CliError> {
    let vault = options.open()?;
    let mut accounts: Vec<OtpAccount> = Vec::new();
    for summary in vault.list(None)? {
        accounts.push(vault.account(&summary.id)?.account);
    }
    let mut left_out: Vec<Skipped> = vault
        .push_accounts()?
        .into_iter()
        .map(|push| Skipped {
            name: format!("push sign-in for {} at {}", push.user, push.org),
            reason: "push accounts are bound to this device's key; enroll the new device instead"
                .into(),
        })
        .collect();
    left_out.extend(
        vault
            .privacyidea_tokens()?
            .into_iter()
            .map(|token| Skipped {
                name: format!("privacyIDEA push token {} ({})", token.serial, token.issuer),
                reason: "push tokens are bound to this device's key; enroll the new device instead"
                    .into(),
            }),
    );
    let plain = |args: &ExportArgs| {
        if args.unencrypted {
            Ok(())
        } else {
            Err(CliError::Usage(format!(
                "{} exports hold your secrets in the clear: add --unencrypted if that is what you want",
                args.format
            )))
        }
    };
    let files: Vec<ExportFile> = match args.format.as_str() {
        "countersign" => {
            vec![export::countersign_backup(&accounts, &password(args)?).map_err(export_error)?]
        }
        "aegis" => {
            vec![export::aegis_encrypted(&accounts, &password(args)?).map_err(export_error)?]
        }
        "otpauth" => {
            plain(args)?;
            vec![export::otpauth_list(&accounts)]
        }
        "google-qr" => {
            plain(args)?;
            let exported = export::google_migration(&accounts).map_err(export_error)?;
            left_out.extend(exported.left_out);
            exported.files
        }
        other => return Err(CliError::Usage(format!("unknown export format {other:?}"))),
    };
    if args.format == "google-qr" {
        std::fs::create_dir_all(&args.out)?;
        for file in &files {
            write_private(&args.out.join(&file.name), &file.bytes)?;
        }
        println!("Wrote {} files to {}", files.len(), args.out.display());
    } else if let Some(file) = files.first() {
        write_private(&args.out, &file.bytes)?;
        println!(
            "Wrote {} accounts to {}",
            accounts.len(),
            args.out.display()
        );
    }
    for skipped in &left_out {
        println!("  left out: {}: {}", skipped.name, skipped.reason);
    }
    Ok(())
}

fn export_error(error: export::ExportError) -> CliError {
    CliError::Usage(error.to_string())
}

/// Exports are written readable by their owner only.
fn write_private(path: &std::path::Path, bytes: &[u8]) -> Result<(), CliError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(bytes)?;
    Ok(())
}
