//! `countersign scan IMAGE... [--json]`: what each image's QR code holds.

use std::path::PathBuf;

use countersign_core::scan::{ScanPayload, ScanResult, scan_image};
use countersign_core::uri::MigrationEntry;

use super::kind_label;
use crate::error::CliError;

#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// PNG, JPEG or WebP files.
    #[arg(required = true)]
    images: Vec<PathBuf>,
    /// One JSON object per image, one per line, for scripts.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &ScanArgs) -> Result<(), CliError> {
    let mut failures = 0;
    for path in &args.images {
        let outcome = crate::input::read_image(path)
            .and_then(|bytes| scan_image(&bytes).map_err(CliError::from));
        if args.json {
            println!("{}", json_line(path, &outcome));
        } else {
            match &outcome {
                Ok(Some(result)) => {
                    println!("{}: {}", path.display(), describe(&result.payload));
                    println!("  {}", result.text);
                }
                Ok(None) => println!("{}: no QR code found", path.display()),
                Err(error) => println!("{}: {error}", path.display()),
            }
        }
        if !matches!(outcome, Ok(Some(_))) {
            failures += 1;
        }
    }
    match failures {
        0 => Ok(()),
        n => Err(CliError::Usage(format!(
            "{n} of {} images held no readable QR code",
            args.images.len()
        ))),
    }
}

/// One line a person reads: what the code is and what can be done with it.
pub fn describe(payload: &ScanPayload) -> String {
    match payload {
        ScanPayload::Otpauth(parsed) => format!(
            "{} account {}",
            kind_label(parsed.account.params.kind()),
            parsed.account.display_name()
        ),
        ScanPayload::InvalidOtpauth(error) => format!("a broken account QR code: {error}"),
        ScanPayload::MigrationBatch(batch) => {
            let accounts = batch
                .entries
                .iter()
                .filter(|e| matches!(e, MigrationEntry::Account(_)))
                .count();
            format!(
                "Google Authenticator export, code {} of {}, {accounts} accounts",
                batch.batch_index.map_or(1, |index| index + 1),
                batch.batch_size.unwrap_or(1)
            )
        }
        ScanPayload::InvalidMigration(error) => format!("a broken export QR code: {error}"),
        ScanPayload::PushEnrollment { .. } => "Countersign push enrollment".to_owned(),
        ScanPayload::PrivacyIdeaPush { .. } => "privacyIDEA push token enrollment".to_owned(),
        ScanPayload::NotAuthenticator {
            link_host: Some(host),
            ..
        } => format!("not an authenticator code: a link to {host}"),
        ScanPayload::NotAuthenticator { .. } => "not an authenticator code".to_owned(),
    }
}

fn kind(payload: &ScanPayload) -> &'static str {
    match payload {
        ScanPayload::Otpauth(_) => "otpauth",
        ScanPayload::InvalidOtpauth(_) => "invalid_otpauth",
        ScanPayload::MigrationBatch(_) => "migration_batch",
        ScanPayload::InvalidMigration(_) => "invalid_migration",
        ScanPayload::PushEnrollment { .. } => "push_enrollment",
        ScanPayload::PrivacyIdeaPush { .. } => "privacyidea_push",
        ScanPayload::NotAuthenticator { .. } => "not_authenticator",
    }
}

fn json_line(path: &std::path::Path, outcome: &Result<Option<ScanResult>, CliError>) -> String {
    let file = path.display().to_string();
    let value = match outcome {
        Ok(Some(result)) => serde_json::json!({
            "file": file,
            "found": true,
            "text": result.text,
            "kind": kind(&result.payload),
            "description": describe(&result.payload),
            "points": result.points.iter().map(|p| [p.x, p.y]).collect::<Vec<_>>(),
        }),
        Ok(None) => serde_json::json!({ "file": file, "found": false }),
        Err(error) => {
            serde_json::json!({ "file": file, "found": false, "error": error.to_string() })
        }
    };
    value.to_string()
}
