//! CSRF tokens for every portal form: an HMAC of the browser's random id
//! (its `cs_browser` cookie) under a server secret kept in the database. A
//! form posted from another site carries neither the cookie (SameSite=Lax)
//! nor a token it could compute; the token changes when the id does, which
//! sign-in does.

use crate::db::{OptionalExtension, Sql, params};
use crate::sealing::{SERVER_SECRET, SealingError, SealingKey};
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use subtle::ConstantTimeEq;

use crate::rules::random_id;

const SECRET_NAME: &str = "csrf";

/// The server's CSRF key, made on first use (by whichever instance is first),
/// kept sealed.
pub async fn key(db: &impl Sql, sealing: &SealingKey) -> Result<hmac::Key, SealingError> {
    let stored: Option<Vec<u8>> = db
        .query_row(
            "SELECT value FROM server_secrets WHERE name = ?1",
            params![SECRET_NAME],
            |row| row.get(0),
        )
        .await
        .optional()?;
    let secret =
        match stored {
            Some(secret) => secret,
            None => {
                let mut secret = vec![0u8; 32];
                SystemRandom::new()
                    .fill(&mut secret)
                    .map_err(|_| SealingError::NoRandomness)?;
                db.execute(
                "INSERT INTO server_secrets (name, value) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                params![SECRET_NAME, sealing.seal(SERVER_SECRET, SECRET_NAME, &secret)?],
            )
            .await?;
                db.query_row(
                    "SELECT value FROM server_secrets WHERE name = ?1",
                    params![SECRET_NAME],
                    |row| row.get(0),
                )
                .await?
            }
        };
    let secret = sealing.open(SERVER_SECRET, SECRET_NAME, &secret)?;
    Ok(hmac::Key::new(hmac::HMAC_SHA256, &secret))
}

/// A new browser id for the `cs_browser` cookie.
pub fn new_browser_id() -> String {
    random_id("br_", 18)
}

/// The token forms of this browser carry.
pub fn token(key: &hmac::Key, browser: &str) -> String {
    data_encoding::BASE64URL_NOPAD.encode(hmac::sign(key, browser.as_bytes()).as_ref())
}

/// Whether `presented` is this browser's token.
pub fn check(key: &hmac::Key, browser: Option<&str>, presented: Option<&str>) -> bool {
    match (browser, presented) {
        (Some(browser), Some(presented)) => {
            bool::from(token(key, browser).as_bytes().ct_eq(presented.as_bytes()))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_token_is_good_for_its_browser_only() {
        let key = hmac::Key::new(hmac::HMAC_SHA256, b"k");
        let (one, two) = (new_browser_id(), new_browser_id());
        let token_one = token(&key, &one);
        assert!(check(&key, Some(&one), Some(&token_one)));
        assert!(!check(&key, Some(&two), Some(&token_one)));
        assert!(!check(&key, None, Some(&token_one)));
        assert!(!check(&key, Some(&one), None));
        assert!(!check(&key, Some(&one), Some("")));
    }
}
