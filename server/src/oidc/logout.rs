//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): ends the
//! portal session, then returns to the application only at a
//! post-logout URI it registered exactly; otherwise says "signed out" here.

use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use minijinja::context;
use serde::Deserialize;

use super::clients::{self, Client};
use super::{jws, keys, uris};
use crate::sessions;
use crate::web::cookies;
use crate::web::page::{PageResult, Visit, see_other};

#[derive(Debug, thiserror::Error)]
pub enum LogoutError {
    #[error("the id_token_hint was not issued by this server: {0}")]
    Hint(jws::JwsError),
    #[error("the id_token_hint was issued to another application than client_id")]
    ClientMismatch,
    #[error("this application is not registered here")]
    UnknownClient,
    #[error("post_logout_redirect_uri needs client_id or id_token_hint to say whose it is")]
    NoClient,
    #[error("post_logout_redirect_uri is not one this application registered")]
    Unregistered,
}

#[derive(Debug, Default, Deserialize)]
pub struct LogoutParams {
    id_token_hint: Option<String>,
    client_id: Option<String>,
    post_logout_redirect_uri: Option<String>,
    state: Option<String>,
}

pub async fn logout(visit: Visit, Query(params): Query<LogoutParams>) -> PageResult {
    let target = match where_to(&visit, &params).await? {
        Ok(target) => target,
        Err(error) => {
            return Ok(visit
                .page(
                    "message.html",
                    context! { title => "This sign-out link is not valid", message => error.to_string() },
                )
                .await?
                .status(StatusCode::BAD_REQUEST)
                .into_response());
        }
    };
    let state = &visit.state;
    if let (Some(token), Some(user)) = (&visit.session, &visit.user) {
        let db = state.db().await?;
        let now = state.now();
        sessions::end(&db, token, now)
            .await
            .map_err(|e| state.storage(e))?;
        crate::store::audit(
            &db,
            now,
            "oidc_signed_out",
            Some(user),
            None,
            None,
            target.as_ref().map(|(client, _)| client.id.as_str()),
        )
        .await
        .map_err(|e| state.storage(e))?;
    }
    let cleared = vec![cookies::clear(cookies::SESSION, visit.secure_cookies())];
    match target {
        Some((_, uri)) => {
            let url = match &params.state {
                Some(value) => uris::with_query(&uri, &[("state", value)]),
                None => uri,
            };
            Ok(see_other(&url, cleared))
        }
        None => {
            let mut page = visit
                .page(
                    "message.html",
                    context! {
                        title => "You are signed out",
                        message => "You are signed out of the portal and the applications that use it.",
                        next_url => "/portal/login",
                        next_label => "Sign in again",
                    },
                )
                .await?;
            page.cookies.extend(cleared);
            Ok(page.into_response())
        }
    }
}

/// The client and registered URI to return to, if the request names both.
async fn where_to(
    visit: &Visit,
    params: &LogoutParams,
) -> Result<Result<Option<(Client, String)>, LogoutError>, crate::web::page::PageError> {
    let state = &visit.state;
    let mut client_id = params.client_id.clone();
    if let Some(hint) = &params.id_token_hint {
        let published = keys::published(state).await.map_err(|error| {
            eprintln!("oidc keys: {error}");
            crate::web::page::PageError(state.problem(
                countersign_protocol::wire::ProblemType::Unavailable,
                "the signing keys cannot be read",
            ))
        })?;
        let claims = match jws::verify(&published, hint) {
            Ok(claims) => claims,
            Err(error) => return Ok(Err(LogoutError::Hint(error))),
        };
        let audience = claims["aud"].as_str().map(str::to_owned);
        match (&client_id, audience) {
            (Some(given), Some(aud)) if *given != aud => {
                return Ok(Err(LogoutError::ClientMismatch));
            }
            (None, aud) => client_id = aud,
            _ => {}
        }
    }
    let Some(uri) = &params.post_logout_redirect_uri else {
        return Ok(Ok(None));
    };
    let Some(client_id) = client_id else {
        return Ok(Err(LogoutError::NoClient));
    };
    let db = state.db().await?;
    let client = match crate::ids::is_identifier(&client_id) {
        true => clients::get(&db, &client_id).await.ok().flatten(),
        false => None,
    };
    let Some(client) = client else {
        return Ok(Err(LogoutError::UnknownClient));
    };
    if !uris::is_registered(&client.post_logout_redirect_uris, uri) {
        return Ok(Err(LogoutError::Unregistered));
    }
    Ok(Ok(Some((client, uri.clone()))))
}
