//! `countersign code URI [--at UNIX_TIME]`: one code from a URI, nothing stored.

use countersign_core::clock::UnixTime;
use countersign_core::uri::parse_otpauth;
use countersign_core::{Clock, OtpKind, SystemClock};

use crate::error::CliError;

#[derive(Debug, clap::Args)]
pub struct CodeArgs {
    /// An otpauth:// URI, as a QR code holds it (quote it for the shell).
    uri: String,
    /// Compute the code at this Unix time (seconds) instead of now.
    #[arg(long, allow_negative_numbers = true)]
    at: Option<UnixTime>,
}

pub fn run(args: &CodeArgs) -> Result<(), CliError> {
    let parsed = parse_otpauth(&args.uri)?;
    for warning in &parsed.warnings {
        eprintln!("warning: {warning}");
    }
    let now = args.at.unwrap_or_else(|| SystemClock.now());
    let account = &parsed.account;
    let code = account.code_at(now)?;
    match (account.params.kind(), code.seconds_left) {
        (OtpKind::Hotp { counter }, _) => {
            println!("{}  (HOTP counter {counter})", code.value);
        }
        (_, Some(seconds_left)) => {
            println!("{}  ({seconds_left} s left)", code.value);
        }
        (_, None) => println!("{}", code.value),
    }
    Ok(())
}
