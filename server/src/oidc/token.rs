//! The token endpoint (authorization_code only) and userinfo. Errors are
//! OAuth's JSON (`error`, `error_description`), not problem documents:
//! client libraries dispatch on `error`. A code is single-use: presented
//! again it is refused and the access token its first use bought is revoked
//! (RFC 6749 4.1.2: a replay means someone else holds the code).

use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use serde::Deserialize;
use serde_json::json;

use super::authorize::CODE_SECONDS;
use super::clients::{self, Client, ClientError};
use super::keys::{self, KeyError};
use super::{claims, jws, pkce};
use crate::db::{DbError, OptionalExtension, Sql, params};
use crate::rules::random_id;
use crate::state::Shared;
use crate::store;
use crate::tokens::token_hash;

/// Access tokens serve userinfo right after sign-in: 5 minutes.
pub const ACCESS_TOKEN_SECONDS: i64 = 300;
/// ID tokens are checked once, at sign-in: 5 minutes.
pub const ID_TOKEN_SECONDS: i64 = 300;

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("{0}")]
    InvalidRequest(String),
    #[error("{why}")]
    InvalidClient { why: String, basic: bool },
    #[error("{0}")]
    InvalidGrant(String),
    #[error("only grant_type=authorization_code is supported")]
    UnsupportedGrantType,
    #[error("the access token is missing, expired or revoked")]
    InvalidToken,
    #[error("storage: {0}")]
    Storage(#[from] DbError),
    #[error("signing: {0}")]
    Signing(String),
}

impl From<ClientError> for TokenError {
    fn from(error: ClientError) -> Self {
        match error {
            ClientError::Storage(error) => Self::Storage(error),
            other => Self::InvalidClient {
                why: other.to_string(),
                basic: false,
            },
        }
    }
}

impl From<KeyError> for TokenError {
    fn from(error: KeyError) -> Self {
        Self::Signing(error.to_string())
    }
}

impl From<jws::JwsError> for TokenError {
    fn from(error: jws::JwsError) -> Self {
        Self::Signing(error.to_string())
    }
}

impl IntoResponse for TokenError {
    fn into_response(self) -> Response {
        let (status, code) = match &self {
            Self::InvalidRequest(_) => (StatusCode::BAD_REQUEST, "invalid_request"),
            Self::InvalidClient { .. } => (StatusCode::UNAUTHORIZED, "invalid_client"),
            Self::InvalidGrant(_) => (StatusCode::BAD_REQUEST, "invalid_grant"),
            Self::UnsupportedGrantType => (StatusCode::BAD_REQUEST, "unsupported_grant_type"),
            Self::InvalidToken => (StatusCode::UNAUTHORIZED, "invalid_token"),
            Self::Storage(_) | Self::Signing(_) => {
                eprintln!("oidc token endpoint: {self}");
                (StatusCode::INTERNAL_SERVER_ERROR, "server_error")
            }
        };
        let description = match &self {
            Self::Storage(_) | Self::Signing(_) => "the server could not answer".to_owned(),
            other => other.to_string(),
        };
        let mut response = (
            status,
            Json(json!({ "error": code, "error_description": description })),
        )
            .into_response();
        let challenge = match &self {
            Self::InvalidClient { basic: true, .. } => Some("Basic realm=\"countersign\""),
            Self::InvalidToken => Some("Bearer error=\"invalid_token\""),
            _ => None,
        };
        if let Some(challenge) = challenge {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        response
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    grant_type: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// `%XX` and `+` as RFC 6749 2.3.1 encodes Basic credentials.
fn form_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = text.get(index + 1..index + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                index += 2;
            }
            other => out.push(other),
        }
        index += 1;
    }
    String::from_utf8(out).ok()
}

/// The client's credentials from `Authorization: Basic` (id, secret).
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, TokenError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let malformed = || TokenError::InvalidClient {
        why: "the Basic credentials are malformed".into(),
        basic: true,
    };
    let text = value.to_str().map_err(|_| malformed())?;
    let Some(encoded) = text.strip_prefix("Basic ") else {
        return Err(malformed());
    };
    let decoded = data_encoding::BASE64
        .decode(encoded.trim().as_bytes())
        .map_err(|_| malformed())?;
    let decoded = String::from_utf8(decoded).map_err(|_| malformed())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(malformed)?;
    Ok(Some((
        form_decode(id).ok_or_else(malformed)?,
        form_decode(secret).ok_or_else(malformed)?,
    )))
}

/// The calling client, authenticated as its registration demands.
async fn authenticate(
    db: &impl Sql,
    headers: &HeaderMap,
    form: &TokenForm,
) -> Result<Client, TokenError> {
    let basic = basic_credentials(headers)?;
    if basic.is_some() && form.client_secret.is_some() {
        return Err(TokenError::InvalidRequest(
            "use one client authentication method, not two".into(),
        ));
    }
    let (id, secret, by_basic) = match (&basic, &form.client_id) {
        (Some((id, secret)), _) => (id.clone(), Some(secret.clone()), true),
        (None, Some(id)) => (id.clone(), form.client_secret.clone(), false),
        (None, None) => {
            return Err(TokenError::InvalidClient {
                why: "no client authentication".into(),
                basic: false,
            });
        }
    };
    let refused = |why: &str| TokenError::InvalidClient {
        why: why.to_owned(),
        basic: by_basic,
    };
    if basic.is_some() && form.client_id.as_deref().is_some_and(|given| given != id) {
        return Err(refused("client_id differs from the authenticated client"));
    }
    let client = match crate::ids::is_identifier(&id) {
        true => clients::get(db, &id).await?,
        false => None,
    }
    .ok_or_else(|| refused("unknown client"))?;
    match (client.is_confidential(), secret.as_deref()) {
        (true, Some(secret)) if client.secret_matches(secret) => Ok(client),
        (true, _) => Err(refused("the client secret is wrong or missing")),
        (false, None) => Ok(client),
        // A public client has no secret: presenting one means a mix-up.
        (false, Some(_)) => Err(refused("this public client has no secret")),
    }
}

#[derive(Debug)]
struct StoredCode {
    client_id: String,
    redirect_uri: String,
    user: String,
    scope: String,
    nonce: Option<String>,
    code_challenge: String,
    auth_time: i64,
    amr: String,
    expires_at: i64,
    used_at: Option<i64>,
}

pub async fn token(
    State(state): State<Shared>,
    headers: HeaderMap,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Result<Response, TokenError> {
    let Form(form) =
        form.map_err(|_| TokenError::InvalidRequest("the body is not a form".into()))?;
    let db = state.database().conn().await?;
    let client = authenticate(&db, &headers, &form).await?;
    match form.grant_type.as_deref() {
        Some("authorization_code") => {}
        None => return Err(TokenError::InvalidRequest("grant_type is missing".into())),
        Some(_) => return Err(TokenError::UnsupportedGrantType),
    }
    let code = form
        .code
        .as_deref()
        .ok_or_else(|| TokenError::InvalidRequest("code is missing".into()))?;
    let code_hash = token_hash(code);
    let now = state.now();
    let stored: Option<StoredCode> = db
        .query_row(
            "SELECT client_id, redirect_uri, user, scope, nonce, code_challenge, auth_time, amr,
                    expires_at, used_at
             FROM oidc_codes WHERE hash = ?1",
            params![&code_hash],
            |row| {
                Ok(StoredCode {
                    client_id: row.get(0)?,
                    redirect_uri: row.get(1)?,
                    user: row.get(2)?,
                    scope: row.get(3)?,
                    nonce: row.get(4)?,
                    code_challenge: row.get(5)?,
                    auth_time: row.get(6)?,
                    amr: row.get(7)?,
                    expires_at: row.get(8)?,
                    used_at: row.get(9)?,
                })
            },
        )
        .await
        .optional()?;
    let grant = |why: &str| TokenError::InvalidGrant(why.to_owned());
    let Some(stored) = stored else {
        return Err(grant("the code is unknown"));
    };
    if stored.used_at.is_some() {
        revoke_bought_by(&db, &code_hash, now, &stored).await?;
        return Err(grant(
            "the code was already used; what it bought is revoked",
        ));
    }
    if stored.client_id != client.id {
        return Err(grant("the code was issued to another client"));
    }
    if now >= stored.expires_at {
        return Err(grant(&format!(
            "the code expired (codes live {CODE_SECONDS} s)"
        )));
    }
    if form.redirect_uri.as_deref() != Some(stored.redirect_uri.as_str()) {
        return Err(grant(
            "redirect_uri differs from the authorization request's",
        ));
    }
    pkce::verify(form.code_verifier.as_deref(), &stored.code_challenge)
        .map_err(|error| TokenError::InvalidGrant(error.to_string()))?;
    // One conditional write spends the code, so two racing exchanges (on
    // two instances, say) cannot both succeed.
    let spent = db
        .execute(
            "UPDATE oidc_codes SET used_at = ?2 WHERE hash = ?1 AND used_at IS NULL",
            params![&code_hash, now],
        )
        .await?;
    if spent != 1 {
        revoke_bought_by(&db, &code_hash, now, &stored).await?;
        return Err(grant(
            "the code was already used; what it bought is revoked",
        ));
    }
    let Some((sub, email)) = claims::subject(&db, &stored.user).await? else {
        return Err(grant("the user no longer exists"));
    };
    let access_token = random_id("at_", 32);
    db.execute(
        "INSERT INTO oidc_tokens (hash, code_hash, client_id, user, scope, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            token_hash(&access_token),
            &code_hash,
            &client.id,
            &stored.user,
            &stored.scope,
            now + ACCESS_TOKEN_SECONDS
        ],
    )
    .await?;
    // A code an hour past its minute is refused as unknown, which is as good
    // as "used": whatever a replay could revoke has long expired too.
    db.execute(
        "DELETE FROM oidc_codes WHERE expires_at < ?1",
        params![now - 3600],
    )
    .await?;
    db.execute(
        "DELETE FROM oidc_tokens WHERE expires_at < ?1",
        params![now - 3600],
    )
    .await?;
    store::audit(
        &db,
        now,
        "oidc_signed_in",
        Some(&stored.user),
        None,
        Some(&stored.amr),
        Some(&client.id),
    )
    .await?;
    drop(db);
    let scopes: Vec<&str> = stored.scope.split(' ').collect();
    let mut id_claims = json!({
        "iss": super::issuer(&state),
        "sub": sub,
        "aud": client.id,
        "azp": client.id,
        "iat": now,
        "exp": now + ID_TOKEN_SECONDS,
        "auth_time": stored.auth_time,
        "acr": claims::acr(&stored.amr),
        "amr": claims::amr(&stored.amr),
    });
    if let Some(members) = id_claims.as_object_mut() {
        if let Some(nonce) = &stored.nonce {
            members.insert("nonce".into(), nonce.clone().into());
        }
        if scopes.contains(&"profile") {
            members.insert("preferred_username".into(), stored.user.clone().into());
        }
        if let (true, Some(email)) = (scopes.contains(&"email"), email) {
            members.insert("email".into(), email.into());
        }
    }
    let key = keys::current(&state, client.alg).await?;
    let id_token = jws::sign(&key, &id_claims)?;
    Ok(Json(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": ACCESS_TOKEN_SECONDS,
        "id_token": id_token,
        "scope": stored.scope,
    }))
    .into_response())
}

/// What an authenticator reset or the user's deletion ends here too: codes
/// not exchanged yet and live access tokens.
pub async fn revoke_user(db: &impl Sql, user: &str, now: i64) -> Result<(), DbError> {
    db.execute(
        "UPDATE oidc_codes SET used_at = ?2 WHERE user = ?1 AND used_at IS NULL",
        params![user, now],
    )
    .await?;
    db.execute(
        "UPDATE oidc_tokens SET revoked_at = ?2 WHERE user = ?1 AND revoked_at IS NULL",
        params![user, now],
    )
    .await?;
    Ok(())
}

async fn revoke_bought_by(
    db: &impl Sql,
    code_hash: &str,
    now: i64,
    stored: &StoredCode,
) -> Result<(), TokenError> {
    db.execute(
        "UPDATE oidc_tokens SET revoked_at = ?2 WHERE code_hash = ?1 AND revoked_at IS NULL",
        params![code_hash, now],
    )
    .await?;
    store::audit(
        db,
        now,
        "oidc_code_replayed",
        Some(&stored.user),
        None,
        Some("refused"),
        Some(&stored.client_id),
    )
    .await?;
    Ok(())
}

/// The signed-in user's claims for a bearer of a live access token.
pub async fn userinfo(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Result<Response, TokenError> {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .ok_or(TokenError::InvalidToken)?;
    let db = state.database().conn().await?;
    let found: Option<(String, String)> = db
        .query_row(
            "SELECT user, scope FROM oidc_tokens
             WHERE hash = ?1 AND revoked_at IS NULL AND expires_at > ?2",
            params![token_hash(presented.trim()), state.now()],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .await
        .optional()?;
    let (user, scope) = found.ok_or(TokenError::InvalidToken)?;
    let (sub, email) = claims::subject(&db, &user)
        .await?
        .ok_or(TokenError::InvalidToken)?;
    let mut body = json!({ "sub": sub, "preferred_username": user });
    if let (true, Some(email), Some(members)) = (
        scope.split(' ').any(|s| s == "email"),
        email,
        body.as_object_mut(),
    ) {
        members.insert("email".into(), email.into());
    }
    Ok(Json(body).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_decoded() {
        assert_eq!(form_decode("a%3Ab+c").as_deref(), Some("a:b c"));
        assert_eq!(form_decode("%zz"), None);
        assert_eq!(form_decode("%4"), None);
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic b2NfMTpzM2NyZXQ="),
        );
        assert_eq!(
            basic_credentials(&headers).ok().flatten(),
            Some(("oc_1".to_owned(), "s3cret".to_owned()))
        );
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic !!"));
        assert!(basic_credentials(&headers).is_err());
    }
}
