//! The device API (docs/protocol.md sections 4-7): enroll, the device's record,
//! its pending challenges, its push token, removing itself, and answers.

use crate::attempt_throttle::{self, Attempt};
use crate::db::{OptionalExtension, Sql, Tx, params};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use countersign_protocol::jose::{self, Compact, Jwk};
use countersign_protocol::wire::{
    AnswerClaims, AnswerResponse, AnswerStatus, ChallengesResponse, Decision, DeviceRecord,
    EnrollClaims, EnrollResponse, ProblemType, TYP_ANSWER, TYP_DEVICE, TYP_ENROLL,
    UserVerification,
};
use subtle::ConstantTimeEq;

use crate::auth::{
    audit_device_failure, audit_refusal, check_iat, device_key, jose_problem, revoked_problem,
    verify_device_request,
};
use crate::client_addr::ClientAddr;
use crate::extract::JoseBody;
use crate::ids::IdPath;
use crate::problem::ApiError;
use crate::rules::{self, random_id};
use crate::state::{AppState, Shared};
use crate::store::{self, Who};
use crate::tokens::token_hash;
use crate::user_keys;

async fn device_record(
    state: &AppState,
    device_id: &str,
    device_jkt: &str,
    user: &str,
    user_verification: Option<UserVerification>,
) -> Result<String, ApiError> {
    let policy = {
        let db = state.db().await?;
        rules::effective_policy(&db, None)
            .await
            .map_err(|e| state.storage(e))?
            .policy
    };
    let record = DeviceRecord {
        device_id: device_id.to_owned(),
        device_jkt: device_jkt.to_owned(),
        user: user.to_owned(),
        org: state.org.clone(),
        policy,
        server_jwk: state.server_jwk.clone(),
        user_verification,
        iat: state.now(),
    };
    jose::sign(TYP_DEVICE, &record, &state.key, true)
        .map_err(|_| state.problem(ProblemType::Unavailable, "could not sign the device record"))
}

pub async fn enroll(
    State(state): State<Shared>,
    client: ClientAddr,
    JoseBody(body): JoseBody,
) -> Result<(StatusCode, Json<EnrollResponse>), ApiError> {
    let storage = |e| state.storage(e);
    {
        // A locked address learns nothing more about codes.
        let db = state.db().await?;
        let locked =
            attempt_throttle::locked_for(&db, Attempt::Enrollment, None, &client.0, state.now())
                .await
                .map_err(storage)?;
        if let Some(seconds) = locked {
            return Err(enrollment_locked(&state, seconds));
        }
    }
    let enrolled = enroll_device(&state, body, &client.0).await;
    if let Err(error) = &enrolled {
        // Unknown, used or expired tokens and bad proofs: who tried, from where.
        let outcome = error.kind().map_or("refused", ProblemType::name);
        let who = Who::new("enrolling device", client.0.clone());
        audit_refusal(&state, "enroll_refused", &who, None, outcome).await;
        if is_guess(error) {
            let db = state.db().await?;
            let locked = attempt_throttle::record_failure(
                &db,
                Attempt::Enrollment,
                None,
                &client.0,
                state.now(),
            )
            .await
            .map_err(storage)?;
            if let Some(seconds) = locked {
                return Err(enrollment_locked(&state, seconds));
            }
        }
    }
    enrolled
}

/// Refusals that a guesser of enrollment codes collects (not a malformed
/// request, not the server's own trouble).
fn is_guess(error: &ApiError) -> bool {
    matches!(
        error.kind(),
        Some(
            ProblemType::UnknownToken
                | ProblemType::TokenUsed
                | ProblemType::TokenExpired
                | ProblemType::BadSignature
        )
    )
}

/// A used or expired code counts against its user too (someone holding a
/// leaked code); the count is written although the enrollment is refused.
async fn refused_for_user(
    state: &AppState,
    transaction: Tx<'_>,
    user: &str,
    problem: ApiError,
) -> ApiError {
    let counted =
        attempt_throttle::record_user_failure(&transaction, Attempt::Enrollment, user, state.now())
            .await;
    let committed = match counted {
        Ok(locked) => transaction.commit().await.map(|()| locked),
        Err(error) => Err(error),
    };
    match committed {
        Ok(Some(seconds)) => enrollment_locked(state, seconds),
        Ok(None) => problem,
        Err(error) => state.storage(error),
    }
}

/// The policy's answer to this enrollment's user key: `Some(why)` when it
/// requires an attested one and this enrollment has none (ADR 0014).
async fn attestation_refusal(
    state: &AppState,
    db: &impl Sql,
    user_key: Option<&user_keys::Assessed>,
) -> Result<Option<String>, ApiError> {
    let required = rules::effective_policy(db, None)
        .await
        .map_err(|e| state.storage(e))?
        .require_attested_uv;
    if !required {
        return Ok(None);
    }
    let detail = match user_key {
        Some(key) if key.verification == UserVerification::Attested => return Ok(None),
        Some(key) => format!(
            "your organization requires an attested user key, and this one's attestation was not accepted: {}",
            key.detail
        ),
        None => "your organization requires an attested user key (Android 11 or later with a secure screen lock); this device sent none".to_owned(),
    };
    Ok(Some(detail))
}

fn enrollment_locked(state: &AppState, seconds: i64) -> ApiError {
    state
        .problem(
            ProblemType::RateLimited,
            "too many refused enrollment attempts; try again later, or ask for a new code",
        )
        .with("retry_after", seconds)
}

async fn enroll_device(
    state: &AppState,
    body: String,
    client: &str,
) -> Result<(StatusCode, Json<EnrollResponse>), ApiError> {
    let compact = Compact::parse(&body).map_err(|e| jose_problem(state, &e))?;
    let claims: EnrollClaims = compact
        .claims()
        .map_err(|e| state.problem(ProblemType::MalformedRequest, e.to_string()))?;
    let valid_fields = matches!(claims.platform.as_str(), "android" | "ios" | "desktop")
        && (1..=64).contains(&claims.device_name.chars().count())
        && !claims.device_name.chars().any(char::is_control)
        && !claims.app_version.chars().any(char::is_control)
        && claims.app_version.chars().count() <= 32;
    if !valid_fields {
        return Err(state.problem(
            ProblemType::MalformedRequest,
            "platform, device_name or app_version is invalid",
        ));
    }
    crate::ids::check_push_token(state, claims.push_token.as_deref())?;
    // Proof of possession: the enclosed key signed the request.
    compact
        .verify(&claims.jwk, TYP_ENROLL)
        .map_err(|e| jose_problem(state, &e))?;
    check_iat(state, claims.iat)?;
    let jkt = claims.jwk.thumbprint();
    let now = state.now();
    let user_key = claims
        .user_key
        .as_ref()
        .map(|key| {
            user_keys::assess(
                &state.android_attestation,
                key,
                &claims.jwk,
                &claims.token,
                now,
            )
        })
        .transpose()
        .map_err(|e| state.problem(ProblemType::MalformedRequest, e.to_string()))?;
    let hash = token_hash(&claims.token);
    let (device_id, user) = {
        let mut db = state.db().await?;
        let storage = |e| state.storage(e);
        let transaction = db.transaction().await.map_err(storage)?;
        // The token counts only while the user it was issued to exists: the
        // same incarnation, not a user re-created with the same name.
        let token: Option<(String, i64, Option<String>, Option<String>)> = transaction
            .query_row(
                "SELECT t.user, t.expires_at, t.used_by_jkt, t.device_id
                 FROM enroll_tokens t JOIN users u ON u.name = t.user
                 WHERE t.hash = ?1 AND u.incarnation IS t.user_incarnation",
                params![&hash],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
            )
            .await
            .optional()
            .map_err(storage)?;
        let Some((user, expires_at, used_by, existing_device)) = token else {
            return Err(state.problem(
                ProblemType::UnknownToken,
                "this enrollment token is not known",
            ));
        };
        // The user's own count: someone holding a leaked, used code.
        let user_locked =
            attempt_throttle::locked_for_user(&transaction, Attempt::Enrollment, &user, now)
                .await
                .map_err(storage)?;
        if let Some(seconds) = user_locked {
            return Err(enrollment_locked(state, seconds));
        }
        match (used_by, existing_device) {
            // The same key retrying after a lost response gets its record again.
            (Some(used_by), Some(device_id)) if used_by == jkt => (device_id, user),
            (Some(_), _) => {
                let problem = state.problem(
                    ProblemType::TokenUsed,
                    "this enrollment token was already used",
                );
                return Err(refused_for_user(state, transaction, &user, problem).await);
            }
            (None, _) if expires_at <= now => {
                let problem = state
                    .problem(
                        ProblemType::TokenExpired,
                        "this enrollment token has expired",
                    )
                    .with("expired_seconds_ago", now - expires_at);
                return Err(refused_for_user(state, transaction, &user, problem).await);
            }
            (None, _) => {
                if let Some(detail) =
                    attestation_refusal(state, &transaction, user_key.as_ref()).await?
                {
                    // Not a guess at a code: the token stays usable for a
                    // phone that can bring an attested key.
                    store::audit(
                        &transaction,
                        now,
                        "enrollment_refused",
                        Some(&user),
                        None,
                        Some(&detail),
                        None,
                    )
                    .await
                    .map_err(storage)?;
                    transaction.commit().await.map_err(storage)?;
                    return Err(state.problem(ProblemType::AttestationRequired, detail));
                }
                let device_id = random_id("dv_", 9);
                // Enrollments of one user wait for each other (also on other
                // instances), and the token is claimed by a conditional write:
                // of two phones racing with one code, exactly one gets it.
                transaction
                    .lock_key(&format!("enroll\u{1f}{user}"))
                    .await
                    .map_err(storage)?;
                let claimed = transaction
                    .execute(
                        "UPDATE enroll_tokens SET used_by_jkt = ?2, device_id = ?3
                         WHERE hash = ?1 AND used_by_jkt IS NULL",
                        params![hash, jkt, device_id],
                    )
                    .await
                    .map_err(storage)?;
                if claimed == 0 {
                    return Err(state.problem(
                        ProblemType::TokenUsed,
                        "this enrollment token was already used",
                    ));
                }
                if let Some(old) = store::current_device(&transaction, &user)
                    .await
                    .map_err(storage)?
                {
                    store::revoke_device(&transaction, &old.id, "device_replaced", now)
                        .await
                        .map_err(storage)?;
                    store::audit(
                        &transaction,
                        now,
                        "device_replaced",
                        Some(&user),
                        None,
                        None,
                        Some(&old.id),
                    )
                    .await
                    .map_err(storage)?;
                }
                let jwk_json = serde_json::to_string(&claims.jwk).unwrap_or_default();
                let (user_jwk, user_jkt, verification, attestation_detail) = match &user_key {
                    Some(key) => (
                        Some(key.jwk_json.clone()),
                        Some(key.jkt.clone()),
                        Some(user_keys::verification_text(key.verification)),
                        Some(key.detail.clone()),
                    ),
                    None => (None, None, None, None),
                };
                transaction
                    .execute(
                        "INSERT INTO devices (id, user, jwk, jkt, platform, push_token, name, app_version, created_at,
                                              user_jwk, user_jkt, user_verification, attestation_detail)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                        params![device_id, user, jwk_json, jkt, claims.platform, claims.push_token,
                                claims.device_name, claims.app_version, now,
                                user_jwk, user_jkt, verification, attestation_detail],
                    ).await
                    .map_err(storage)?;
                if let Some(key) = &user_key {
                    // Why a chain proved nothing is for the admin, not the phone.
                    store::audit(
                        &transaction,
                        now,
                        match key.verification {
                            UserVerification::Attested => "user_key_attested",
                            UserVerification::Claimed => "user_key_claimed",
                        },
                        Some(&user),
                        None,
                        Some(&key.detail),
                        Some(&device_id),
                    )
                    .await
                    .map_err(storage)?;
                }
                store::audit(
                    &transaction,
                    now,
                    "device_enrolled",
                    Some(&user),
                    None,
                    Some(&claims.platform),
                    Some(&device_id),
                )
                .await
                .map_err(storage)?;
                transaction.commit().await.map_err(storage)?;
                (device_id, user)
            }
        }
    };
    // Also when the same key retries: a confirmation that expired unanswered
    // is issued again.
    rules::issue_enrollment_confirmation(state, &device_id, client).await?;
    let verification = {
        let db = state.db().await?;
        store::device(&db, &device_id)
            .await
            .map_err(|e| state.storage(e))?
            .and_then(|device| user_keys::verification_from(device.user_verification.as_deref()))
    };
    let record = device_record(state, &device_id, &jkt, &user, verification).await?;
    Ok((
        StatusCode::CREATED,
        Json(EnrollResponse {
            record,
            server_time: now,
        }),
    ))
}

pub async fn get_device(
    State(state): State<Shared>,
    IdPath(device_id): IdPath,
    client: ClientAddr,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<EnrollResponse>, ApiError> {
    let (device, _) =
        verify_device_request(&state, &headers, &method, uri.path(), &device_id, &client).await?;
    let record = device_record(
        &state,
        &device.id,
        &device.jkt,
        &device.user,
        user_keys::verification_from(device.user_verification.as_deref()),
    )
    .await?;
    Ok(Json(EnrollResponse {
        record,
        server_time: state.now(),
    }))
}

pub async fn challenges(
    State(state): State<Shared>,
    IdPath(device_id): IdPath,
    client: ClientAddr,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<ChallengesResponse>, ApiError> {
    verify_device_request(&state, &headers, &method, uri.path(), &device_id, &client).await?;
    let now = state.now();
    let db = state.db().await?;
    let challenges = db
        .query_map("SELECT jws FROM challenges WHERE device = ?1 AND status = 'pending' AND exp > ?2 ORDER BY iat, rowid", params![device_id, now], |row| row.get(0)).await
        .map_err(|e| state.storage(e))?;
    Ok(Json(ChallengesResponse {
        challenges,
        server_time: now,
    }))
}

pub async fn put_push_token(
    State(state): State<Shared>,
    IdPath(device_id): IdPath,
    client: ClientAddr,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (_, claims) =
        verify_device_request(&state, &headers, &method, uri.path(), &device_id, &client).await?;
    crate::ids::check_push_token(&state, claims.push_token.as_deref())?;
    let db = state.db().await?;
    db.execute(
        "UPDATE devices SET push_token = ?2 WHERE id = ?1",
        params![device_id, claims.push_token],
    )
    .await
    .map_err(|e| state.storage(e))?;
    Ok(Json(serde_json::json!({ "server_time": state.now() })))
}

pub async fn delete_device(
    State(state): State<Shared>,
    IdPath(device_id): IdPath,
    client: ClientAddr,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (device, _) =
        verify_device_request(&state, &headers, &method, uri.path(), &device_id, &client).await?;
    let now = state.now();
    let db = state.db().await?;
    store::revoke_device(&db, &device.id, "device_revoked", now)
        .await
        .map_err(|e| state.storage(e))?;
    store::audit(
        &db,
        now,
        "device_removed_itself",
        Some(&device.user),
        None,
        None,
        Some(&device.id),
    )
    .await
    .map_err(|e| state.storage(e))?;
    Ok(Json(
        serde_json::json!({ "status": "revoked", "server_time": now }),
    ))
}

/// What an answer is checked against.
struct PendingAnswer {
    status: String,
    decided_at: Option<i64>,
    exp: i64,
    number: Option<String>,
    biometric: String,
    /// The push's risk level as assessed when it was made (`crate::risk`).
    risk_level: Option<String>,
}

pub async fn answer(
    State(state): State<Shared>,
    IdPath(challenge_id): IdPath,
    client: ClientAddr,
    JoseBody(body): JoseBody,
) -> Result<Json<AnswerResponse>, ApiError> {
    let claimed_device = Compact::parse(&body)
        .ok()
        .and_then(|compact| compact.claims::<AnswerClaims>().ok())
        .map(|claims| claims.device)
        // Unverified: logged only when it is at least shaped like an id.
        .filter(|device| crate::ids::is_identifier(device))
        .unwrap_or_else(|| "?".to_owned());
    match answer_challenge(&state, challenge_id, body).await {
        Ok(answer) => Ok(answer),
        Err(error) => Err(audit_device_failure(&state, &client, &claimed_device, error).await),
    }
}

async fn answer_challenge(
    state: &AppState,
    challenge_id: String,
    body: String,
) -> Result<Json<AnswerResponse>, ApiError> {
    let compact = Compact::parse(&body).map_err(|e| jose_problem(state, &e))?;
    let claims: AnswerClaims = compact
        .claims()
        .map_err(|e| state.problem(ProblemType::MalformedRequest, e.to_string()))?;
    crate::ids::check(state, "device", &claims.device)?;
    crate::ids::check(state, "challenge", &claims.challenge)?;
    if claims.fraud && claims.decision == Decision::Approve {
        return Err(state.problem(
            ProblemType::MalformedRequest,
            "fraud must be false when approving",
        ));
    }
    let device = {
        let db = state.db().await?;
        store::device(&db, &claims.device)
            .await
            .map_err(|e| state.storage(e))?
    }
    .ok_or_else(|| state.problem(ProblemType::NotFound, "no such device"))?;
    // The device key, or for an approval with user verification the user key
    // (ADR 0014): `kid` says which one signed.
    let user_key = crate::auth::user_key(state, &device)?;
    let by_user_key = user_key
        .as_ref()
        .is_some_and(|key| compact.header.kid == key.thumbprint());
    let key: Jwk = match user_key {
        Some(key) if by_user_key => key,
        _ => device_key(state, &device)?,
    };
    compact
        .verify(&key, TYP_ANSWER)
        .map_err(|e| jose_problem(state, &e))?;
    if by_user_key && !(claims.decision == Decision::Approve && claims.uv) {
        return Err(state.problem(
            ProblemType::MalformedRequest,
            "the user key signs only approvals with uv: true",
        ));
    }
    if let Some(problem) = revoked_problem(state, &device) {
        return Err(problem);
    }
    if claims.challenge != challenge_id {
        return Err(state.problem(
            ProblemType::BadSignature,
            "the signed challenge id is not the one in the URL",
        ));
    }
    check_iat(state, claims.iat)?;
    let now = state.now();
    let mut guard = state.db().await?;
    let storage = |e| state.storage(e);
    // The decision and what it ends (sessions, a fraud lock) are one write: a
    // failure midway must not record a denied step-up with its sessions alive.
    let db = guard.transaction().await.map_err(storage)?;
    let row = db
        .query_row(
            "SELECT status, decided_at, exp, number, biometric, risk_level FROM challenges
             WHERE id = ?1 AND device = ?2",
            params![challenge_id, device.id],
            |row| {
                Ok(PendingAnswer {
                    status: row.get(0)?,
                    decided_at: row.get(1)?,
                    exp: row.get(2)?,
                    number: row.get(3)?,
                    biometric: row.get(4)?,
                    risk_level: row.get(5)?,
                })
            },
        )
        .await
        .optional()
        .map_err(storage)?;
    let Some(PendingAnswer {
        status,
        decided_at,
        exp,
        number,
        biometric,
        risk_level,
    }) = row
    else {
        return Err(state.problem(ProblemType::NotFound, "no such challenge for this device"));
    };
    if status != "pending" {
        return Err(state
            .problem(
                ProblemType::AlreadyAnswered,
                "this challenge was already answered",
            )
            // `decision`, not `status`: a problem's `status` is its HTTP status (1.3).
            .with("decision", status)
            .with("answered_at", decided_at.unwrap_or(now)));
    }
    if now >= exp {
        store::audit(
            &db,
            now,
            "answer_refused",
            Some(&device.user),
            None,
            Some("expired"),
            Some(&challenge_id),
        )
        .await
        .map_err(storage)?;
        db.commit().await.map_err(storage)?;
        return Err(state
            .problem(
                ProblemType::Expired,
                format!("challenge {challenge_id} expired at {exp}"),
            )
            .with("expired_seconds_ago", now - exp));
    }
    let approve = claims.decision == Decision::Approve;
    // A device whose user key is attested proves verification by signing with
    // it; its word alone (`uv: true` under the device key) no longer counts.
    let verified = claims.uv && (by_user_key || !device.user_key_attested());
    // A high-risk push needs the user verified and the number matched, by the
    // stored level rather than the challenge's own fields: whatever else
    // decided those (a policy change, a bug) cannot lower the bar.
    let high_risk = risk_level.as_deref() == Some(crate::risk::Level::High.as_str());
    if approve && (biometric == "required" || high_risk) && !verified {
        store::audit(
            &db,
            now,
            "answer_refused",
            Some(&device.user),
            None,
            Some(if claims.uv {
                "uv_not_proven"
            } else {
                "uv_missing"
            }),
            Some(&challenge_id),
        )
        .await
        .map_err(storage)?;
        db.commit().await.map_err(storage)?;
        return Err(state.problem(
            ProblemType::UserVerificationRequired,
            "this sign-in needs biometric confirmation on the device",
        ));
    }
    let number_ok = match (&number, &claims.number) {
        // High risk always has a number; without one nothing can match.
        (None, _) => !high_risk,
        (Some(expected), Some(given)) => bool::from(expected.as_bytes().ct_eq(given.as_bytes())),
        (Some(_), None) => false,
    };
    let (final_status, approved) = if approve && !number_ok {
        ("denied", false)
    } else if approve {
        ("approved", true)
    } else {
        ("denied", false)
    };
    // The single-answer check and the write are one statement.
    let changed = db
        .execute(
            "UPDATE challenges SET status = ?2, decided_at = ?3, fraud = ?4, uv = ?5
             WHERE id = ?1 AND status = 'pending'",
            params![challenge_id, final_status, now, claims.fraud, claims.uv],
        )
        .await
        .map_err(storage)?;
    if changed == 0 {
        // Another answer won the race: report what it recorded.
        let (recorded, answered_at): (String, Option<i64>) = db
            .query_row(
                "SELECT status, decided_at FROM challenges WHERE id = ?1",
                params![&challenge_id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .await
            .map_err(storage)?;
        return Err(state
            .problem(
                ProblemType::AlreadyAnswered,
                "this challenge was already answered",
            )
            .with("decision", recorded)
            .with("answered_at", answered_at.unwrap_or(now)));
    }
    let wrong_number = approve && !number_ok;
    rules::apply_decision(
        &db,
        now,
        &challenge_id,
        rules::Decided {
            approved,
            fraud: claims.fraud,
            wrong_number,
        },
    )
    .await
    .map_err(storage)?;
    // Long polls on other instances wake when this commits.
    crate::db::announce_decided(&db).await.map_err(storage)?;
    db.commit().await.map_err(storage)?;
    // Waiters read the outcome through the same connection: let it go first.
    drop(guard);
    if wrong_number {
        state.decided.notify_waiters();
        return Err(state.problem(
            ProblemType::WrongNumber,
            "the number does not match; the sign-in was blocked",
        ));
    }
    state.decided.notify_waiters();
    let status = if approved {
        AnswerStatus::Approved
    } else {
        AnswerStatus::Denied
    };
    Ok(Json(AnswerResponse {
        status,
        server_time: now,
    }))
}
