//! What an ID token says about the person and the sign-in: a subject that
//! outlives renames of nothing and is never reused (the user's incarnation,
//! made at creation, so a deleted and re-created "jane" is someone else to
//! every application), and `acr`/`amr` from how the portal session was made.

use crate::db::{DbError, OptionalExtension, Sql, params};
use crate::rules::random_id;

/// Password and a second factor (a push approved on the phone, or a code).
pub const ACR_MFA: &str = "urn:countersign:acr:mfa";
/// Password alone: a user who has not enrolled a second factor yet.
pub const ACR_PWD: &str = "urn:countersign:acr:pwd";

/// RFC 8176 method names from a session's record (`pwd mfa hwk`…); unknown
/// words are dropped rather than passed on.
pub fn amr(recorded: &str) -> Vec<&'static str> {
    recorded
        .split_whitespace()
        .filter_map(|word| match word {
            "pwd" => Some("pwd"),
            "mfa" => Some("mfa"),
            "otp" => Some("otp"),
            "hwk" => Some("hwk"),
            _ => None,
        })
        .collect()
}

pub fn acr(recorded: &str) -> &'static str {
    if amr(recorded).contains(&"mfa") {
        ACR_MFA
    } else {
        ACR_PWD
    }
}

/// Who a user is to applications: (sub, email if known); `None` if the user
/// no longer exists.
pub async fn subject(
    db: &impl Sql,
    user: &str,
) -> Result<Option<(String, Option<String>)>, DbError> {
    // Users made before incarnations existed get one the first time an
    // application asks; the conditional write keeps it stable.
    db.execute(
        "UPDATE users SET incarnation = ?2 WHERE name = ?1 AND incarnation IS NULL",
        params![user, random_id("u_", 12)],
    )
    .await?;
    db.query_row(
        "SELECT incarnation, email FROM users WHERE name = ?1",
        params![user],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
    .await
    .optional()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_and_level_follow_the_sign_in() {
        assert_eq!(amr("pwd mfa"), ["pwd", "mfa"]);
        assert_eq!(amr("pwd otp mfa"), ["pwd", "otp", "mfa"]);
        assert_eq!(amr("pwd mfa hwk bogus"), ["pwd", "mfa", "hwk"]);
        assert_eq!(acr("pwd mfa"), ACR_MFA);
        assert_eq!(acr("pwd"), ACR_PWD);
    }
}
