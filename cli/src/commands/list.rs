//! `countersign list [SEARCH]`: the accounts in the user's order, without codes.

use super::add::short_id;
use super::kind_label;
use crate::error::CliError;
use crate::vault_access::VaultOptions;

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Only accounts whose issuer or name contains this text.
    search: Option<String>,
    /// A JSON array, for scripts.
    #[arg(long)]
    json: bool,
}

pub fn run(options: &VaultOptions, args: &ListArgs) -> Result<(), CliError> {
    let vault = options.open()?;
    let accounts = vault.list(args.search.as_deref())?;
    if args.json {
        let rows: Vec<_> = accounts.iter().map(crate::json::summary).collect();
        println!("{}", serde_json::Value::from(rows));
        return Ok(());
    }
    if accounts.is_empty() {
        println!("No accounts. Add one with `countersign add 'otpauth://…'`.");
        return Ok(());
    }
    println!(
        "{:>3}  {:<8}  {:<20}  {:<28}  TYPE",
        "#", "ID", "ISSUER", "ACCOUNT"
    );
    for account in accounts {
        println!(
            "{:>3}  {:<8}  {:<20}  {:<28}  {}{}",
            account.position + 1,
            short_id(&account.id),
            account.issuer.as_deref().unwrap_or("-"),
            account.name,
            kind_label(account.params.kind()),
            if account.weak_secret {
                "  (weak secret)"
            } else {
                ""
            }
        );
    }
    Ok(())
}
