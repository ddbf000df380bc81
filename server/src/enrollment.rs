//! Issuing enrollments, for the admin API and the portal alike: a single-use
//! push enrollment token (stored as its hash, bound to this incarnation of the
//! user name) and the URI the phone scans; and a fresh TOTP secret as an
//! otpauth URI.

use crate::db::{Sql, params};
use countersign_otp::account::OtpAccount;
use countersign_otp::clock::UnixTime;
use countersign_otp::otp::OtpParams;
use countersign_otp::secret::SecretBytes;
use countersign_otp::uri::build_otpauth;
use countersign_protocol::EnrollmentUri;
use countersign_protocol::wire::ProblemType;
use ring::rand::{SecureRandom, SystemRandom};

use crate::problem::ApiError;
use crate::rules::random_id;
use crate::state::AppState;
use crate::store::{self, Who};
use crate::tokens::token_hash;

/// Enrollment URIs are valid this long.
pub const ENROLLMENT_TTL: i64 = 600;

/// A push enrollment as issued.
#[derive(Debug, Clone)]
pub struct IssuedPush {
    pub uri: String,
    pub expires_at: UnixTime,
    /// The token's hash: names the enrollment without revealing it.
    pub token_hash: String,
}

pub async fn issue_push(
    state: &AppState,
    db: &impl Sql,
    user: &str,
    who: &Who,
) -> Result<IssuedPush, ApiError> {
    let now = state.now();
    let storage = |e| state.storage(e);
    let token = random_id("", 32);
    let expires_at = now + ENROLLMENT_TTL;
    let hash = token_hash(&token);
    db.execute(
        "INSERT INTO enroll_tokens (hash, user, expires_at, user_incarnation, issued_at)
         SELECT ?1, name, ?3, incarnation, ?4 FROM users WHERE name = ?2",
        params![hash, user, expires_at, now],
    )
    .await
    .map_err(storage)?;
    store::audit_by(
        db,
        now,
        "enrollment_issued",
        Some(who),
        Some(user),
        None,
        Some("push"),
        None,
    )
    .await
    .map_err(storage)?;
    let uri = EnrollmentUri {
        url: state.public_url.clone(),
        token,
        sk: state.sk.clone(),
        user: user.to_owned(),
        org: state.org.clone(),
        exp: expires_at,
    };
    Ok(IssuedPush {
        uri: uri.build(),
        expires_at,
        token_hash: hash,
    })
}

/// 160 random bits, RFC 4226's recommended length.
pub fn new_totp_secret(state: &AppState) -> Result<SecretBytes, ApiError> {
    let mut secret = vec![0u8; 20];
    SystemRandom::new()
        .fill(&mut secret)
        .map_err(|_| state.problem(ProblemType::Unavailable, "no randomness"))?;
    Ok(SecretBytes::new(secret))
}

/// The otpauth URI an authenticator app scans for `secret`.
pub fn totp_uri(state: &AppState, user: &str, secret: &SecretBytes) -> String {
    build_otpauth(&OtpAccount {
        issuer: Some(state.org.clone()),
        name: user.to_owned(),
        secret: secret.clone(),
        params: OtpParams::default_totp(),
        extra: Vec::new(),
    })
}
