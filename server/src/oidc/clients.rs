//! Applications that may sign their users in here, registered by the admin
//! (no dynamic registration: who may ask the portal's users for an identity
//! is the operator's decision). A confidential client gets a generated
//! secret shown once and kept only as its SHA-256 (it is 32 random bytes, so
//! no slow hash is needed); a public one (a single-page or native app) has
//! none and relies on PKCE alone. The admin API's handlers are here too; the
//! Admin Portal's page (`web::admin_oidc`) calls the same functions.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use countersign_protocol::wire::ProblemType;
use serde::Deserialize;
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use super::keys::{self, Alg};
use super::uris::{self, UriError};
use crate::auth::Admin;
use crate::db::{DbError, OptionalExtension, Sql, params};
use crate::extract::JsonBody;
use crate::ids::IdPath;
use crate::problem::ApiError;
use crate::rules::random_id;
use crate::state::Shared;
use crate::store::{self, Who};
use crate::tokens::token_hash;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("a client's name is 1 to 100 printable characters")]
    Name,
    #[error("{0}")]
    Uri(#[from] UriError),
    #[error("id_token_signed_response_alg must be RS256 or ES256, not {0:?}")]
    Alg(String),
    #[error("type must be \"confidential\" or \"public\", not {0:?}")]
    Type(String),
    #[error("no such client")]
    NotFound,
    #[error("storage: {0}")]
    Storage(#[from] DbError),
}

#[derive(Debug, Clone)]
pub struct Client {
    pub id: String,
    pub name: String,
    secret_hash: Option<String>,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub alg: Alg,
    pub created_at: i64,
}

impl Client {
    pub fn is_confidential(&self) -> bool {
        self.secret_hash.is_some()
    }

    /// Whether `secret` is this client's (in constant time; a public
    /// client has none to present).
    pub fn secret_matches(&self, secret: &str) -> bool {
        match &self.secret_hash {
            Some(stored) => bool::from(token_hash(secret).as_bytes().ct_eq(stored.as_bytes())),
            None => false,
        }
    }

    /// What the API and the page show (never the secret's hash).
    pub fn view(&self) -> Value {
        json!({
            "client_id": self.id,
            "name": self.name,
            "type": if self.is_confidential() { "confidential" } else { "public" },
            "token_endpoint_auth_method":
                if self.is_confidential() { "client_secret_basic" } else { "none" },
            "redirect_uris": self.redirect_uris,
            "post_logout_redirect_uris": self.post_logout_redirect_uris,
            "id_token_signed_response_alg": self.alg.as_str(),
            "created_at": self.created_at,
        })
    }
}

#[derive(Debug, Deserialize)]
pub struct NewClient {
    pub name: String,
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    /// "confidential" (the default) or "public".
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub id_token_signed_response_alg: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ClientUpdate {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub redirect_uris: Option<Vec<String>>,
    #[serde(default)]
    pub post_logout_redirect_uris: Option<Vec<String>>,
}

fn check_name(name: &str) -> Result<(), ClientError> {
    let length = name.chars().count();
    if (1..=100).contains(&length) && !name.chars().any(char::is_control) {
        Ok(())
    } else {
        Err(ClientError::Name)
    }
}

fn uri_list(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

fn decode(row: &crate::db::Row) -> Result<Client, DbError> {
    let alg: String = row.get(5)?;
    Ok(Client {
        id: row.get(0)?,
        name: row.get(1)?,
        secret_hash: row.get(2)?,
        redirect_uris: uri_list(&row.get::<String>(3)?),
        post_logout_redirect_uris: uri_list(&row.get::<String>(4)?),
        alg: Alg::parse(&alg).unwrap_or(Alg::Rs256),
        created_at: row.get(6)?,
    })
}

const COLUMNS: &str =
    "id, name, secret_hash, redirect_uris, post_logout_redirect_uris, id_token_alg, created_at";

pub async fn get(db: &impl Sql, id: &str) -> Result<Option<Client>, ClientError> {
    Ok(db
        .query_row(
            &format!("SELECT {COLUMNS} FROM oidc_clients WHERE id = ?1"),
            params![id],
            decode,
        )
        .await
        .optional()?)
}

pub async fn list(db: &impl Sql) -> Result<Vec<Client>, ClientError> {
    Ok(db
        .query_map(
            &format!("SELECT {COLUMNS} FROM oidc_clients ORDER BY created_at, id"),
            params![],
            decode,
        )
        .await?)
}

/// Registers a client; it and, for a confidential one, its secret (shown
/// once: only its hash is kept).
pub async fn create(
    db: &impl Sql,
    new: &NewClient,
    who: Option<&Who>,
    now: i64,
) -> Result<(Client, Option<String>), ClientError> {
    let name = new.name.trim();
    check_name(name)?;
    uris::validate_all(&new.redirect_uris, true)?;
    uris::validate_all(&new.post_logout_redirect_uris, false)?;
    let alg = match new.id_token_signed_response_alg.as_deref() {
        None | Some("") => Alg::Rs256,
        Some(text) => Alg::parse(text).ok_or_else(|| ClientError::Alg(text.to_owned()))?,
    };
    let secret = match new.kind.as_deref() {
        None | Some("") | Some("confidential") => Some(random_id("", 32)),
        Some("public") => None,
        Some(other) => return Err(ClientError::Type(other.to_owned())),
    };
    let client = Client {
        id: random_id("oc_", 15),
        name: name.to_owned(),
        secret_hash: secret.as_deref().map(token_hash),
        redirect_uris: new.redirect_uris.clone(),
        post_logout_redirect_uris: new.post_logout_redirect_uris.clone(),
        alg,
        created_at: now,
    };
    db.execute(
        "INSERT INTO oidc_clients (id, name, secret_hash, redirect_uris,
             post_logout_redirect_uris, id_token_alg, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            &client.id,
            &client.name,
            &client.secret_hash,
            json!(client.redirect_uris).to_string(),
            json!(client.post_logout_redirect_uris).to_string(),
            alg.as_str(),
            now
        ],
    )
    .await?;
    store::audit_by(
        db,
        now,
        "oidc_client_created",
        who,
        None,
        None,
        Some(if secret.is_some() {
            "confidential"
        } else {
            "public"
        }),
        Some(&client.id),
    )
    .await?;
    Ok((client, secret))
}

/// Changes a client's name or URI lists (what is not given stays).
pub async fn update(
    db: &impl Sql,
    id: &str,
    change: &ClientUpdate,
    who: Option<&Who>,
    now: i64,
) -> Result<Client, ClientError> {
    let mut client = get(db, id).await?.ok_or(ClientError::NotFound)?;
    if let Some(name) = &change.name {
        check_name(name.trim())?;
        client.name = name.trim().to_owned();
    }
    if let Some(list) = &change.redirect_uris {
        uris::validate_all(list, true)?;
        client.redirect_uris = list.clone();
    }
    if let Some(list) = &change.post_logout_redirect_uris {
        uris::validate_all(list, false)?;
        client.post_logout_redirect_uris = list.clone();
    }
    db.execute(
        "UPDATE oidc_clients SET name = ?2, redirect_uris = ?3, post_logout_redirect_uris = ?4
         WHERE id = ?1",
        params![
            id,
            &client.name,
            json!(client.redirect_uris).to_string(),
            json!(client.post_logout_redirect_uris).to_string()
        ],
    )
    .await?;
    store::audit_by(
        db,
        now,
        "oidc_client_updated",
        who,
        None,
        None,
        None,
        Some(id),
    )
    .await?;
    Ok(client)
}

/// Removes a client with everything it was given: consent, unexchanged
/// codes, access tokens, waiting authorizations.
pub async fn delete(
    db: &impl Sql,
    id: &str,
    who: Option<&Who>,
    now: i64,
) -> Result<(), ClientError> {
    let deleted = db
        .execute("DELETE FROM oidc_clients WHERE id = ?1", params![id])
        .await?;
    if deleted == 0 {
        return Err(ClientError::NotFound);
    }
    for table in [
        "oidc_consents",
        "oidc_codes",
        "oidc_tokens",
        "oidc_requests",
    ] {
        db.execute(
            &format!("DELETE FROM {table} WHERE client_id = ?1"),
            params![id],
        )
        .await?;
    }
    store::audit_by(
        db,
        now,
        "oidc_client_deleted",
        who,
        None,
        None,
        None,
        Some(id),
    )
    .await?;
    Ok(())
}

fn problem(state: &Shared, error: ClientError) -> ApiError {
    match error {
        ClientError::NotFound => state.problem(ProblemType::NotFound, "no such client"),
        ClientError::Storage(error) => state.storage(error),
        other => state.problem(ProblemType::MalformedRequest, other.to_string()),
    }
}

type Reply = Result<Json<Value>, ApiError>;

pub async fn api_list(State(state): State<Shared>, _admin: Admin) -> Reply {
    let db = state.db().await?;
    let clients = list(&db).await.map_err(|e| problem(&state, e))?;
    Ok(Json(json!({
        "clients": clients.iter().map(Client::view).collect::<Vec<_>>(),
        "server_time": state.now(),
    })))
}

pub async fn api_create(
    State(state): State<Shared>,
    Admin(who): Admin,
    JsonBody(new): JsonBody<NewClient>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let db = state.db().await?;
    let (client, secret) = create(&db, &new, Some(&who), state.now())
        .await
        .map_err(|e| problem(&state, e))?;
    let mut view = client.view();
    if let (Some(secret), Some(members)) = (secret, view.as_object_mut()) {
        members.insert("client_secret".into(), secret.into());
    }
    Ok((StatusCode::CREATED, Json(view)))
}

pub async fn api_get(State(state): State<Shared>, _admin: Admin, IdPath(id): IdPath) -> Reply {
    let db = state.db().await?;
    match get(&db, &id).await.map_err(|e| problem(&state, e))? {
        Some(client) => Ok(Json(client.view())),
        None => Err(problem(&state, ClientError::NotFound)),
    }
}

pub async fn api_update(
    State(state): State<Shared>,
    Admin(who): Admin,
    IdPath(id): IdPath,
    JsonBody(change): JsonBody<ClientUpdate>,
) -> Reply {
    let db = state.db().await?;
    let client = update(&db, &id, &change, Some(&who), state.now())
        .await
        .map_err(|e| problem(&state, e))?;
    Ok(Json(client.view()))
}

pub async fn api_delete(
    State(state): State<Shared>,
    Admin(who): Admin,
    IdPath(id): IdPath,
) -> Reply {
    let db = state.db().await?;
    delete(&db, &id, Some(&who), state.now())
        .await
        .map_err(|e| problem(&state, e))?;
    Ok(Json(json!({ "client_id": id, "deleted": true })))
}

/// Replaces every signing key now (old ones stay published for the grace
/// period).
pub async fn api_rotate_keys(State(state): State<Shared>, _admin: Admin) -> Reply {
    let kids = keys::rotate(&state).await.map_err(|error| {
        eprintln!("oidc key rotation: {error}");
        state.problem(
            ProblemType::Unavailable,
            "the signing keys could not be rotated",
        )
    })?;
    Ok(Json(json!({ "kids": kids, "server_time": state.now() })))
}
