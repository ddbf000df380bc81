//! Finding the account a command means: its number in `countersign list`, the
//! start of its id, or text that matches exactly one issuer or name.

use countersign_core::Vault;
use countersign_core::vault::AccountSummary;

use crate::error::CliError;

pub fn account(vault: &Vault, query: &str) -> Result<AccountSummary, CliError> {
    let accounts = vault.list(None)?;
    if let Ok(number) = query.parse::<usize>() {
        if let Some(account) = number.checked_sub(1).and_then(|index| accounts.get(index)) {
            return Ok(account.clone());
        }
    }
    let by_id: Vec<_> = accounts
        .iter()
        .filter(|account| query.len() >= 4 && account.id.starts_with(query))
        .collect();
    if let [only] = by_id.as_slice() {
        return Ok((*only).clone());
    }
    let needle = query.to_lowercase();
    let matches: Vec<_> = accounts
        .iter()
        .filter(|account| {
            account.name.to_lowercase().contains(&needle)
                || account
                    .issuer
                    .as_deref()
                    .is_some_and(|issuer| issuer.to_lowercase().contains(&needle))
        })
        .collect();
    match matches.as_slice() {
        [only] => Ok((*only).clone()),
        [] => Err(CliError::NoMatch(query.to_owned())),
        many => Err(CliError::Ambiguous {
            query: query.to_owned(),
            count: many.len(),
        }),
    }
}

/// "ACME Co (jane)": how an account is named in messages.
pub fn title(account: &AccountSummary) -> String {
    match &account.issuer {
        Some(issuer) => format!("{issuer} ({})", account.name),
        None => account.name.clone(),
    }
}
