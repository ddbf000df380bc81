//! Commands on one account: show, rename, move, delete, next (HOTP).

use countersign_core::OtpKind;
use countersign_core::uri::build_otpauth;

use super::add::short_id;
use super::kind_label;
use crate::error::CliError;
use crate::select;
use crate::vault_access::VaultOptions;

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// The account: its number in `list`, the start of its id, or part of its name.
    account: String,
    /// Also print the otpauth:// URI, which contains the secret.
    #[arg(long)]
    reveal: bool,
    /// One JSON object, for scripts (the URI only with --reveal).
    #[arg(long)]
    json: bool,
}

pub fn show(options: &VaultOptions, args: &ShowArgs) -> Result<(), CliError> {
    let vault = options.open()?;
    let summary = select::account(&vault, &args.account)?;
    let stored = vault.account(&summary.id)?;
    let account = &stored.account;
    let params = account.params;
    if args.json {
        let extra: Vec<_> = account.extra.iter().map(|(k, v)| [k, v]).collect();
        println!(
            "{}",
            serde_json::json!({
                "number": stored.position + 1,
                "id": stored.id,
                "issuer": account.issuer,
                "name": account.name,
                "params": crate::json::params(&params),
                "secret_bits": account.secret.len_bits(),
                "weak_secret": account.has_weak_secret(),
                "extra": extra,
                "uri": args.reveal.then(|| build_otpauth(account)),
            })
        );
        return Ok(());
    }
    println!("Number:    {}", stored.position + 1);
    println!("Id:        {}", stored.id);
    println!("Issuer:    {}", account.issuer.as_deref().unwrap_or("-"));
    println!("Account:   {}", account.name);
    println!("Type:      {}", kind_label(params.kind()));
    println!("Algorithm: {}", params.algorithm());
    println!("Digits:    {}", params.digits());
    if let OtpKind::Totp { t0, .. } = params.kind() {
        if t0 != 0 {
            println!("T0:        {t0}");
        }
    }
    println!(
        "Secret:    {} bits{}",
        account.secret.len_bits(),
        if account.has_weak_secret() {
            " (weak: under 128 bits)"
        } else {
            ""
        }
    );
    for (key, value) in &account.extra {
        println!("Parameter: {key}={value}");
    }
    if args.reveal {
        println!("URI:       {}", build_otpauth(account));
    }
    Ok(())
}

#[derive(Debug, clap::Args)]
pub struct RenameArgs {
    /// The account: its number in `list`, the start of its id, or part of its name.
    account: String,
    /// The new issuer ("" removes it).
    #[arg(long)]
    issuer: Option<String>,
    /// The new account name.
    #[arg(long)]
    name: Option<String>,
}

pub fn rename(options: &VaultOptions, args: &RenameArgs) -> Result<(), CliError> {
    if args.issuer.is_none() && args.name.is_none() {
        return Err(CliError::Usage(
            "say what to change: --issuer NEW and/or --name NEW".into(),
        ));
    }
    let mut vault = options.open()?;
    let summary = select::account(&vault, &args.account)?;
    let issuer = match &args.issuer {
        Some(issuer) => Some(issuer.as_str()).filter(|issuer| !issuer.is_empty()),
        None => summary.issuer.as_deref(),
    };
    let name = args.name.as_deref().unwrap_or(&summary.name);
    vault.rename(&summary.id, issuer, name)?;
    println!(
        "Renamed {} ({})",
        select::title(&summary),
        short_id(&summary.id)
    );
    Ok(())
}

#[derive(Debug, clap::Args)]
pub struct MoveArgs {
    /// The account: its number in `list`, the start of its id, or part of its name.
    account: String,
    /// Its new number in the list (1 is the top).
    position: usize,
}

pub fn move_account(options: &VaultOptions, args: &MoveArgs) -> Result<(), CliError> {
    let mut vault = options.open()?;
    let summary = select::account(&vault, &args.account)?;
    let index = args
        .position
        .checked_sub(1)
        .ok_or_else(|| CliError::Usage("positions start at 1".into()))?;
    vault.move_to(&summary.id, index)?;
    println!("Moved {} to #{}", select::title(&summary), args.position);
    Ok(())
}

#[derive(Debug, clap::Args)]
pub struct DeleteArgs {
    /// The account: its number in `list`, the start of its id, or part of its name.
    account: String,
    /// Really delete: without it, nothing is changed.
    #[arg(long)]
    yes: bool,
}

pub fn delete(options: &VaultOptions, args: &DeleteArgs) -> Result<(), CliError> {
    let mut vault = options.open()?;
    let summary = select::account(&vault, &args.account)?;
    if !args.yes {
        return Err(CliError::Usage(format!(
            "this would delete {}: without it you cannot sign in there unless the site \
             gives you another way. Run again with --yes to delete it",
            select::title(&summary)
        )));
    }
    vault.delete(&summary.id)?;
    println!("Deleted {}", select::title(&summary));
    Ok(())
}

#[derive(Debug, clap::Args)]
pub struct NextArgs {
    /// The HOTP account: its number in `list`, the start of its id, or part of its name.
    account: String,
}

pub fn next(options: &VaultOptions, args: &NextArgs) -> Result<(), CliError> {
    let mut vault = options.open()?;
    let summary = select::account(&vault, &args.account)?;
    let code = vault.next_hotp_code(&summary.id)?;
    println!("{}  (HOTP counter {})", code.value, code.step);
    Ok(())
}
