//! The diagnostics collector (docs/server.md, "Diagnostics collector"):
//! `POST /v1/diagnostics` takes a batch from any install, without an
//! account. The body is parsed into the protocol's types, which keep no
//! unknown member and refuse free text in any field; events outside the last
//! 30 days are dropped; what is left is stored without the sender's address.

use axum::Json;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use countersign_protocol::diagnostics::{Batch, MAX_BATCH_BYTES, MAX_EVENTS, SCHEMA};
use countersign_protocol::wire::{MAX_BODY_BYTES, ProblemType};

use crate::client_addr::ClientAddr;
use crate::diagnostics;
use crate::extract::JsonBody;
use crate::problem::ApiError;
use crate::state::Shared;

// The server-wide body limit (`layers::limit_body`, 413 `payload_too_large`)
// is the batch limit: no second limit for this route.
const _: () = assert!(MAX_BATCH_BYTES == MAX_BODY_BYTES);

/// `202 {"accepted": <events stored>}`.
pub async fn collect(
    State(state): State<Shared>,
    ClientAddr(client): ClientAddr,
    request: Request,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    // Counted before the body is parsed, so a flood costs no parsing; the
    // address is used here and forgotten.
    if let Err(limited) = state.diagnostics_limit.admit(&client, state.now()) {
        return Err(state
            .problem(ProblemType::RateLimited, limited.to_string())
            .with("retry_after", limited.retry_after));
    }
    drop(client);
    let JsonBody(body) = JsonBody::<serde_json::Value>::from_request(request, &state).await?;
    // The schema first, so a phone newer than this server is told which
    // schema to speak rather than which field it got wrong.
    let other_schema = body
        .get("schema")
        .and_then(serde_json::Value::as_u64)
        .filter(|&schema| schema != u64::from(SCHEMA));
    if let Some(schema) = other_schema {
        return Err(state
            .problem(
                ProblemType::UnsupportedVersion,
                format!("this collector accepts diagnostics schema {SCHEMA}, not {schema}"),
            )
            .with("supported", serde_json::json!([SCHEMA])));
    }
    let batch: Batch = serde_json::from_value(body).map_err(|error| {
        state.problem(
            ProblemType::MalformedRequest,
            format!("not a diagnostics batch: {error}"),
        )
    })?;
    if batch.events.len() > MAX_EVENTS {
        return Err(state.problem(
            ProblemType::MalformedRequest,
            format!("a batch holds at most {MAX_EVENTS} events"),
        ));
    }
    let now = state.now();
    let accepted = {
        let mut db = state.db().await?;
        let storage = |e| state.storage(e);
        let tx = db.transaction().await.map_err(storage)?;
        let accepted = diagnostics::store(&tx, &batch, now)
            .await
            .map_err(storage)?;
        tx.commit().await.map_err(storage)?;
        accepted
    };
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({ "accepted": accepted, "server_time": now })),
    ))
}
