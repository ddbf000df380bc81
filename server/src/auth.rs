//! Who is asking: relying parties and administrators by bearer token, devices by
//! a signed request (docs/protocol.md section 5.1, checked in the order given there).

use axum::http::{HeaderMap, Method, header};
use countersign_otp::clock::UnixTime;
use countersign_protocol::jose::{Compact, JoseError, Jwk};
use countersign_protocol::wire::{IAT_TOLERANCE, ProblemType, RequestClaims, TYP_REQUEST};
use subtle::ConstantTimeEq;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::client_addr::{ClientAddr, client_of};
use crate::problem::ApiError;
use crate::state::{AppState, Shared};
use crate::store::{self, Device, Who};

/// A caller holding the admin token; refused attempts are audited.
#[derive(Debug, Clone)]
pub struct Admin(pub Who);

/// A caller holding the relying-party token; refused attempts are audited.
#[derive(Debug, Clone)]
pub struct RelyingParty(pub Who);

impl FromRequestParts<Shared> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, ApiError> {
        bearer_caller(parts, state, &state.admin_token, "admin")
            .await
            .map(Admin)
    }
}

impl FromRequestParts<Shared> for RelyingParty {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, ApiError> {
        bearer_caller(parts, state, &state.rp_token, "rp")
            .await
            .map(RelyingParty)
    }
}

async fn bearer_caller(
    parts: &Parts,
    state: &AppState,
    expected: &str,
    role: &str,
) -> Result<Who, ApiError> {
    let who = Who::new(role, client_of(parts, state));
    match require_bearer(state, &parts.headers, expected) {
        Ok(()) => Ok(who),
        Err(error) => {
            let outcome = if parts.headers.contains_key(header::AUTHORIZATION) {
                "wrong_token"
            } else {
                "no_token"
            };
            audit_refusal(state, "auth_failed", &who, None, outcome).await;
            Err(error)
        }
    }
}

/// Records a refused request (aggregated per source and minute). A failure to
/// write it is logged, not returned: the caller gets the refusal it earned.
pub async fn audit_refusal(
    state: &AppState,
    event: &str,
    who: &Who,
    user: Option<&str>,
    outcome: &str,
) {
    let written = match state.db().await {
        Ok(db) => {
            store::audit_refusal(&db, state.now(), event, who, user, None, outcome, None).await
        }
        Err(_) => Ok(()),
    };
    if let Err(error) = written {
        eprintln!("audit write failed: {error}");
    }
}

/// Problems that mean "this caller did not prove who it is", audited as such.
pub fn is_auth_failure(error: &ApiError) -> bool {
    matches!(
        error.kind(),
        Some(
            ProblemType::Unauthorized
                | ProblemType::BadSignature
                | ProblemType::Replayed
                | ProblemType::ClockSkew
                | ProblemType::NotFound
                | ProblemType::MalformedRequest
                | ProblemType::DeviceRevoked
                | ProblemType::DeviceReplaced
        )
    )
}

/// Audits `error` as a refused device request if it is an auth failure.
pub async fn audit_device_failure(
    state: &AppState,
    client: &ClientAddr,
    device_id: &str,
    error: ApiError,
) -> ApiError {
    if is_auth_failure(&error) {
        let who = Who::new(format!("device:{device_id}"), client.0.clone());
        let outcome = error.kind().map_or("refused", ProblemType::name);
        audit_refusal(state, "device_auth_failed", &who, None, outcome).await;
    }
    error
}

pub fn require_bearer(
    state: &AppState,
    headers: &HeaderMap,
    expected: &str,
) -> Result<(), ApiError> {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or("");
    if expected.is_empty() || !bool::from(presented.as_bytes().ct_eq(expected.as_bytes())) {
        return Err(state.problem(
            ProblemType::Unauthorized,
            "a valid bearer token is required",
        ));
    }
    Ok(())
}

/// Maps a JOSE failure to the protocol's problem: form errors are malformed
/// requests, everything about keys and signatures is `bad_signature`.
pub fn jose_problem(state: &AppState, error: &JoseError) -> ApiError {
    match error {
        JoseError::Malformed { .. } => {
            state.problem(ProblemType::MalformedRequest, error.to_string())
        }
        _ => state.problem(ProblemType::BadSignature, error.to_string()),
    }
}

pub fn check_iat(state: &AppState, iat: UnixTime) -> Result<(), ApiError> {
    let now = state.now();
    if (iat - now).abs() > IAT_TOLERANCE {
        return Err(state.problem(
            ProblemType::ClockSkew,
            format!("iat {iat} is more than {IAT_TOLERANCE} s from server time"),
        ));
    }
    Ok(())
}

/// The device may sign: its key verified the message and it is not revoked.
pub fn revoked_problem(state: &AppState, device: &Device) -> Option<ApiError> {
    let at = device.revoked_at?;
    let problem = match device.revoked_reason.as_deref() {
        Some("device_replaced") => state
            .problem(
                ProblemType::DeviceReplaced,
                "the user enrolled another device",
            )
            .with("replaced_at", at),
        Some("enrollment_denied") => state
            .problem(
                ProblemType::DeviceRevoked,
                "this phone's enrollment was denied on the phone itself",
            )
            .with("revoked_at", at),
        _ => state
            .problem(ProblemType::DeviceRevoked, "this device was removed")
            .with("revoked_at", at),
    };
    Some(problem)
}

pub fn device_key(state: &AppState, device: &Device) -> Result<Jwk, ApiError> {
    serde_json::from_str(&device.jwk)
        .map_err(|_| state.problem(ProblemType::Unavailable, "stored key unreadable"))
}

/// The device's user key (ADR 0014), if it registered one.
pub fn user_key(state: &AppState, device: &Device) -> Result<Option<Jwk>, ApiError> {
    device
        .user_jwk
        .as_deref()
        .map(|jwk| {
            serde_json::from_str(jwk)
                .map_err(|_| state.problem(ProblemType::Unavailable, "stored key unreadable"))
        })
        .transpose()
}

/// Verifies `Authorization: Countersign <JWS>` for a request to `path` about
/// `device_id`, and remembers its nonce; a refusal is audited with `client`.
pub async fn verify_device_request(
    state: &AppState,
    headers: &HeaderMap,
    method: &Method,
    path: &str,
    device_id: &str,
    client: &ClientAddr,
) -> Result<(Device, RequestClaims), ApiError> {
    match verify_device_signature(state, headers, method, path, device_id).await {
        Ok(verified) => Ok(verified),
        Err(error) => Err(audit_device_failure(state, client, device_id, error).await),
    }
}

async fn verify_device_signature(
    state: &AppState,
    headers: &HeaderMap,
    method: &Method,
    path: &str,
    device_id: &str,
) -> Result<(Device, RequestClaims), ApiError> {
    let header_value = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    let (scheme, jws) = header_value.split_once(' ').unwrap_or(("", ""));
    if !scheme.eq_ignore_ascii_case("Countersign") {
        return Err(state.problem(
            ProblemType::Unauthorized,
            "a device-signed Authorization header is required",
        ));
    }
    let compact = Compact::parse(jws).map_err(|error| match error {
        JoseError::Malformed { .. } => state.problem(ProblemType::Unauthorized, error.to_string()),
        other => jose_problem(state, &other),
    })?;
    let claims: RequestClaims = compact
        .claims()
        .map_err(|error| jose_problem(state, &error))?;
    if claims.nonce.len() != 22 {
        return Err(state.problem(
            ProblemType::MalformedRequest,
            "the nonce must be 16 bytes in base64url",
        ));
    }
    if compact.header.typ != TYP_REQUEST {
        return Err(state.problem(ProblemType::BadSignature, "not a device request"));
    }
    let device = {
        let db = state.db().await?;
        store::device(&db, device_id)
            .await
            .map_err(|e| state.storage(e))?
    }
    .ok_or_else(|| state.problem(ProblemType::NotFound, "no such device"))?;
    let key = device_key(state, &device)?;
    compact
        .verify(&key, TYP_REQUEST)
        .map_err(|error| jose_problem(state, &error))?;
    if let Some(problem) = revoked_problem(state, &device) {
        return Err(problem);
    }
    let htu = format!("{}{}", state.public_url, path);
    if claims.htm != method.as_str() || claims.htu != htu {
        return Err(state.problem(
            ProblemType::BadSignature,
            "htm/htu do not match this request",
        ));
    }
    check_iat(state, claims.iat)?;
    remember_nonce(state, device_id, &claims.nonce).await?;
    Ok((device, claims))
}

async fn remember_nonce(state: &AppState, device_id: &str, nonce: &str) -> Result<(), ApiError> {
    let db = state.db().await?;
    let fresh = state
        .nonces
        .remember(&db, device_id, nonce, state.now())
        .await
        .map_err(|e| state.storage(e))?;
    if !fresh {
        return Err(state.problem(ProblemType::Replayed, "this request nonce was already used"));
    }
    Ok(())
}
