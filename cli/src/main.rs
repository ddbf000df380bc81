//! `countersign`: the desktop authenticator and a scriptable phone.
//! Parses arguments, runs one command, prints its result or its error.

mod commands;
mod error;
mod input;
mod json;
mod select;
mod vault_access;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::vault_access::VaultOptions;

#[derive(Debug, Parser)]
#[command(name = "countersign", version, about = "A two-factor authenticator")]
struct Cli {
    #[command(flatten)]
    vault: VaultOptions,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the current code of an otpauth:// URI without storing anything.
    Code(commands::code::CodeArgs),
    /// Add an account from an otpauth:// URI, or the account(s) in a QR image.
    Add(commands::add::AddArgs),
    /// List the accounts in your order (no codes).
    List(commands::list::ListArgs),
    /// Show every account's current code and seconds left.
    Codes(commands::codes::CodesArgs),
    /// Show one account's details.
    Show(commands::accounts::ShowArgs),
    /// Change an account's issuer or name.
    Rename(commands::accounts::RenameArgs),
    /// Move an account to another place in the list.
    Move(commands::accounts::MoveArgs),
    /// Delete an account.
    Delete(commands::accounts::DeleteArgs),
    /// Show the next code of an HOTP (counter-based) account.
    Next(commands::accounts::NextArgs),
    /// Run every flow end to end: a local push server, this CLI as the phone, a
    /// sign-in approved with its number, then the codes.
    Demo(commands::demo::DemoArgs),
    /// Enroll this computer as a push device (the phone) from a countersign:// or
    /// privacyIDEA otpauth://pipush/ URI.
    Enroll(commands::push::EnrollArgs),
    /// List the push accounts and privacyIDEA tokens on this device.
    PushAccounts(commands::push::PushAccountsArgs),
    /// Remove a push account or privacyIDEA token from this device.
    Unenroll(commands::push::UnenrollArgs),
    /// Fetch and show sign-in requests waiting for an answer.
    Pending(commands::push::PendingArgs),
    /// Approve a sign-in request.
    Approve(commands::push::ApproveArgs),
    /// Deny a sign-in request (--fraud: and report it).
    Deny(commands::push::DenyArgs),
    /// Wait for sign-in requests and answer them as they come.
    Listen(commands::push::ListenArgs),
    /// Export the vault: encrypted backup, Aegis vault, otpauth list, Google QR codes.
    Export(commands::export::ExportArgs),
    /// Import accounts from another authenticator's export (previewed first).
    Import(commands::import::ImportArgs),
    /// Read the QR codes in image files and say what each one is.
    Scan(commands::scan::ScanArgs),
    /// Show or change settings, and this device's Protect ID.
    Settings(commands::settings::SettingsArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let vault = &cli.vault;
    let result = match &cli.command {
        Command::Code(args) => commands::code::run(args),
        Command::Add(args) => commands::add::run(vault, args),
        Command::List(args) => commands::list::run(vault, args),
        Command::Codes(args) => commands::codes::run(vault, args),
        Command::Show(args) => commands::accounts::show(vault, args),
        Command::Rename(args) => commands::accounts::rename(vault, args),
        Command::Move(args) => commands::accounts::move_account(vault, args),
        Command::Delete(args) => commands::accounts::delete(vault, args),
        Command::Next(args) => commands::accounts::next(vault, args),
        Command::Scan(args) => commands::scan::run(args),
        Command::Import(args) => commands::import::run(vault, args),
        Command::Export(args) => commands::export::run(vault, args),
        Command::Demo(args) => commands::demo::run(args),
        Command::Enroll(args) => commands::push::enroll(vault, args),
        Command::PushAccounts(args) => commands::push::push_accounts(vault, args),
        Command::Unenroll(args) => commands::push::unenroll(vault, args),
        Command::Pending(args) => commands::push::pending(vault, args),
        Command::Approve(args) => commands::push::approve(vault, args),
        Command::Deny(args) => commands::push::deny(vault, args),
        Command::Listen(args) => commands::push::listen(vault, args),
        Command::Settings(args) => commands::settings::run(vault, args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
