//! The discovery document (OpenID Connect Discovery 1.0): what a client
//! library reads first, so every URL in it is built from the one public base
//! URL phones and browsers use, and it promises nothing we do not do.

use axum::extract::State;
use axum::response::Json;
use serde_json::{Value, json};

use super::claims::{ACR_MFA, ACR_PWD};
use crate::state::Shared;

pub fn document(issuer: &str) -> Value {
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/oidc/authorize"),
        "token_endpoint": format!("{issuer}/oidc/token"),
        "userinfo_endpoint": format!("{issuer}/oidc/userinfo"),
        "jwks_uri": format!("{issuer}/oidc/jwks"),
        "end_session_endpoint": format!("{issuer}/oidc/logout"),
        "scopes_supported": ["openid", "profile", "email"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        "token_endpoint_auth_methods_supported":
            ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": [
            "iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp",
            "preferred_username", "email",
        ],
        "acr_values_supported": [ACR_MFA, ACR_PWD],
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "authorization_response_iss_parameter_supported": true,
    })
}

pub async fn get(State(state): State<Shared>) -> Json<Value> {
    Json(document(&super::issuer(&state)))
}
