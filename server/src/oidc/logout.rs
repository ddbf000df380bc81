//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): ends the
//! portal session, then returns to the application only at a
//! post-logout URI it registered exactly; otherwise says "signed out" here.

use axum::Form;
use axum::extract::Query;
use axum::http::{StatusCode, header};
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
    let (target, hinted) = match where_to(&visit, &params).await? {
        Ok(found) => found,
        Err(error) => return invalid(&visit, &error).await,
    };
    // Any page can link here: without an ID token of the signed-in user,
    // the user confirms, so a stranger's link cannot sign them out.
    if let Some(user) = &visit.user {
        let state = &visit.state;
        let db = state.db().await?;
        let own = match &hinted {
            Some(sub) => super::claims::subject(&db, user)
                .await
                .map_err(|e| state.storage(e))?
                .is_some_and(|(subject, _)| subject == *sub),
            None => false,
        };
        drop(db);
        if !own {
            return confirm(&visit, target.as_ref(), params.state.as_deref()).await;
        }
    }
    sign_out(&visit, target, params.state.as_deref(), false).await
}

#[derive(Debug, Default, Deserialize)]
pub struct ConfirmForm {
    csrf: Option<String>,
    client_id: Option<String>,
    post_logout_redirect_uri: Option<String>,
    state: Option<String>,
}

/// The confirmation page's answer.
pub async fn confirmed(visit: Visit, Form(form): Form<ConfirmForm>) -> PageResult {
    if !visit.csrf_ok(form.csrf.as_deref()).await? {
        return Ok(visit.csrf_refused().await?.into_response());
    }
    let params = LogoutParams {
        id_token_hint: None,
        client_id: form.client_id,
        post_logout_redirect_uri: form.post_logout_redirect_uri,
        state: form.state,
    };
    let (target, _) = match where_to(&visit, &params).await? {
        Ok(found) => found,
        Err(error) => return invalid(&visit, &error).await,
    };
    sign_out(&visit, target, params.state.as_deref(), true).await
}

async fn invalid(visit: &Visit, error: &LogoutError) -> PageResult {
    Ok(visit
        .page(
            "message.html",
            context! { title => "This sign-out link is not valid", message => error.to_string() },
        )
        .await?
        .status(StatusCode::BAD_REQUEST)
        .into_response())
}

async fn confirm(
    visit: &Visit,
    target: Option<&(Client, String)>,
    state: Option<&str>,
) -> PageResult {
    Ok(visit
        .page(
            "oidc_logout.html",
            context! {
                client => target.map(|(client, _)| client.name.clone()),
                client_id => target.map(|(client, _)| client.id.clone()),
                uri => target.map(|(_, uri)| uri.clone()),
                state => state,
            },
        )
        .await?
        .into_response())
}

/// Ends the portal session, then returns to the application's registered
/// URI, or says "signed out" here.
async fn sign_out(
    visit: &Visit,
    target: Option<(Client, String)>,
    return_state: Option<&str>,
    after_form: bool,
) -> PageResult {
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
        Some((client, uri)) => {
            let url = match return_state {
                Some(value) => uris::with_query(&uri, &[("state", value)]),
                None => uri,
            };
            if !after_form {
                return Ok(see_other(&url, cleared));
            }
            // A form's redirect to another origin would break the portal's
            // `form-action 'self'`: a page moves on instead.
            let mut page = super::authorize::continue_to(visit, &client, &url).await?;
            for cookie in cleared {
                page.headers_mut().append(header::SET_COOKIE, cookie);
            }
            Ok(page)
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

/// Where to go afterwards, and whose hint came.
type Found = (Option<(Client, String)>, Option<String>);

/// The client and registered URI to return to, if the request names both,
/// and the `sub` of a valid `id_token_hint`.
async fn where_to(
    visit: &Visit,
    params: &LogoutParams,
) -> Result<Result<Found, LogoutError>, crate::web::page::PageError> {
    let state = &visit.state;
    let mut client_id = params.client_id.clone();
    let mut hinted = None;
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
        hinted = claims["sub"].as_str().map(str::to_owned);
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
        return Ok(Ok((None, hinted)));
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
    Ok(Ok((Some((client, uri.clone())), hinted)))
}
