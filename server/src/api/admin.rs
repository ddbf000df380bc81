//! The admin API (docs/protocol.md section 8.3), behind the admin token: users,
//! resources, policy, enrollment URIs, authenticator reset, fraud locks, audit,
//! and what phones sharing diagnostic data reported.

use crate::db::{DbResult, OptionalExtension, Sql, params};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use countersign_protocol::wire::ProblemType;
use serde::Deserialize;

use crate::auth::Admin;
use crate::enrollment;
use crate::extract::JsonBody;
use crate::ids::IdPath;
use crate::problem::ApiError;
use crate::risk::{RiskPolicy, RiskView};
use crate::rules::{self, biometric_text, random_id};
use crate::state::{AppState, Shared};
use crate::store;
use crate::{attempt_throttle, passwords};

type Reply = Result<Json<serde_json::Value>, ApiError>;

fn valid_name(name: &str) -> bool {
    crate::ids::is_user_name(name)
}

#[derive(Debug, Deserialize)]
pub struct NewUser {
    pub name: String,
    /// The initial portal password (Argon2id-hashed; never stored as given).
    #[serde(default)]
    pub password: Option<String>,
    /// Where password-reset links go.
    #[serde(default)]
    pub email: Option<String>,
}

/// A password from the admin API, hashed, or `malformed_request` saying why not.
fn hashed_password(state: &AppState, password: &str) -> Result<String, ApiError> {
    passwords::check_new(password, None)
        .and_then(|()| passwords::hash(password))
        .map_err(|error| state.problem(ProblemType::MalformedRequest, error.to_string()))
}

/// Creates a user (201); an existing name is left as it is (200, `created:
/// false`, not audited again), and a password given for it is refused rather
/// than silently ignored: set it with `PUT …/password`.
pub async fn create_user(
    State(state): State<Shared>,
    Admin(who): Admin,
    JsonBody(user): JsonBody<NewUser>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    if !valid_name(&user.name) {
        return Err(state.problem(
            ProblemType::MalformedRequest,
            "a user name is 1 to 256 printable characters",
        ));
    }
    if user
        .email
        .as_deref()
        .is_some_and(|email| !crate::mail::is_address(email))
    {
        return Err(state.problem(ProblemType::MalformedRequest, "email is not a mail address"));
    }
    // Hashing takes tens of milliseconds: before taking the database.
    let hash = match &user.password {
        Some(password) => Some(hashed_password(&state, password)?),
        None => None,
    };
    let now = state.now();
    let db = state.db().await?;
    let inserted = db
        .execute(
            "INSERT INTO users (name, created_at, incarnation, password_hash, email)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
            params![user.name, now, random_id("u_", 12), hash, user.email],
        )
        .await
        .map_err(|e| state.storage(e))?;
    if inserted == 0 {
        if hash.is_some() {
            return Err(state.problem(
                ProblemType::MalformedRequest,
                "the user exists; set a password with PUT /v1/admin/users/{user}/password",
            ));
        }
        return Ok((
            StatusCode::OK,
            Json(serde_json::json!({ "name": user.name, "created": false, "server_time": now })),
        ));
    }
    store::audit_by(
        &db,
        now,
        "user_created",
        Some(&who),
        Some(&user.name),
        None,
        hash.as_ref().map(|_| "with_password"),
        None,
    )
    .await
    .map_err(|e| state.storage(e))?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "name": user.name, "created": true, "server_time": now })),
    ))
}

#[derive(Debug, Deserialize)]
pub struct NewPassword {
    pub password: String,
}

/// Sets (or resets) a user's portal password and lifts the sign-in throttle
/// on the name; the user's portal sessions end.
pub async fn set_password(
    State(state): State<Shared>,
    Admin(who): Admin,
    Path(user): Path<String>,
    JsonBody(request): JsonBody<NewPassword>,
) -> Reply {
    let hash = hashed_password(&state, &request.password)?;
    let now = state.now();
    let db = state.db().await?;
    let storage = |e| state.storage(e);
    let updated = db
        .execute(
            "UPDATE users SET password_hash = ?2 WHERE name = ?1",
            params![user, hash],
        )
        .await
        .map_err(storage)?;
    if updated == 0 {
        return Err(state.problem(ProblemType::NotFound, "no such user"));
    }
    attempt_throttle::clear(&db, &user).await.map_err(storage)?;
    crate::sessions::revoke_all(&db, &user, now, "password_set", None)
        .await
        .map_err(storage)?;
    store::audit_by(
        &db,
        now,
        "password_set",
        Some(&who),
        Some(&user),
        None,
        Some("by_admin"),
        None,
    )
    .await
    .map_err(storage)?;
    Ok(Json(serde_json::json!({ "server_time": now })))
}

pub async fn list_users(State(state): State<Shared>, _admin: Admin) -> Reply {
    let db = state.db().await?;
    let names: Vec<String> = db
        .query_map("SELECT name FROM users ORDER BY name", params![], |row| {
            row.get(0)
        })
        .await
        .map_err(|e| state.storage(e))?;
    Ok(Json(
        serde_json::json!({ "users": names, "server_time": state.now() }),
    ))
}

pub async fn get_user(
    State(state): State<Shared>,
    _admin: Admin,
    Path(name): Path<String>,
) -> Reply {
    let db = state.db().await?;
    let storage = |e| state.storage(e);
    let row: Option<(bool, Option<i64>, Option<i64>)> = db
        .query_row(
            "SELECT totp_secret IS NOT NULL, fraud_locked_until, totp_locked_until FROM users WHERE name = ?1",
            params![&name],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        ).await
        .optional()
        .map_err(storage)?;
    let Some((totp, locked_until, totp_locked_until)) = row else {
        return Err(state.problem(ProblemType::NotFound, "no such user"));
    };
    let device = store::current_device(&db, &name).await.map_err(storage)?;
    let email: Option<String> = db
        .query_row(
            "SELECT email FROM users WHERE name = ?1",
            params![&name],
            |row| row.get(0),
        )
        .await
        .map_err(storage)?;
    let now = state.now();
    Ok(Json(serde_json::json!({
        "name": name,
        "email": email,
        "device": device.map(|d| serde_json::json!({
            "id": d.id, "jkt": d.jkt, "platform": d.platform,
            "confirmed": d.confirmed_at.is_some(), "push": d.push_token.is_some(),
        })),
        "totp": totp,
        "locked_until": locked_until.filter(|until| *until > now),
        "totp_locked_until": totp_locked_until.filter(|until| *until > now),
        "server_time": now,
    })))
}

pub async fn delete_user(
    State(state): State<Shared>,
    Admin(who): Admin,
    Path(name): Path<String>,
) -> Reply {
    let now = state.now();
    let mut db = state.db().await?;
    let storage = |e| state.storage(e);
    // All or nothing: a failure midway must not leave a half-deleted user
    // whose sessions or QR codes still work.
    let db = db.transaction().await.map_err(storage)?;
    if !store::user_exists(&db, &name).await.map_err(storage)? {
        return Err(state.problem(ProblemType::NotFound, "no such user"));
    }
    // An enrollment of this user on another instance finishes first (or
    // waits): its device is then seen here and revoked.
    db.lock_key(&format!("enroll\u{1f}{name}"))
        .await
        .map_err(storage)?;
    if let Some(device) = store::current_device(&db, &name).await.map_err(storage)? {
        store::revoke_device(&db, &device.id, "device_revoked", now)
            .await
            .map_err(storage)?;
    }
    // Nothing issued to this user may serve a user later created with the name.
    revoke_credentials(&db, &name, now, "user_deleted")
        .await
        .map_err(storage)?;
    crate::oidc::authorize::forget_consents(&db, &name)
        .await
        .map_err(storage)?;
    db.execute("DELETE FROM users WHERE name = ?1", params![&name])
        .await
        .map_err(storage)?;
    store::audit_by(
        &db,
        now,
        "user_deleted",
        Some(&who),
        Some(&name),
        None,
        None,
        None,
    )
    .await
    .map_err(storage)?;
    db.commit().await.map_err(storage)?;
    Ok(Json(
        serde_json::json!({ "deleted": name, "server_time": now }),
    ))
}

/// Ends what was issued to a user before a reset or deletion: unredeemed
/// enrollment URIs (a QR code printed earlier) and portal sessions.
async fn revoke_credentials(db: &impl Sql, user: &str, now: i64, reason: &str) -> DbResult<()> {
    let tokens = db
        .execute(
            "DELETE FROM enroll_tokens WHERE user = ?1 AND used_by_jkt IS NULL",
            params![user],
        )
        .await?;
    if tokens > 0 {
        store::audit(
            db,
            now,
            "enrollment_revoked",
            Some(user),
            None,
            Some(reason),
            Some(&format!("{tokens} unused enrollment token(s)")),
        )
        .await?;
    }
    crate::sessions::revoke_all(db, user, now, reason, None).await?;
    crate::oidc::token::revoke_user(db, user, now).await?;
    Ok(())
}

#[derive(Debug, Deserialize)]
pub struct ResourceBody {
    pub id: Option<String>,
    pub name: Option<String>,
    pub biometric: Option<String>,
    pub number_matching: Option<bool>,
    pub max_pending: Option<i64>,
    /// Opening it from the portal's Apps list asks the phone first.
    pub step_up: Option<bool>,
    /// How its pushes' risk is treated: `off`, `standard` (the default) or
    /// `strict` (docs/server.md, "Risk signals and escalation").
    #[serde(default)]
    pub risk: Option<String>,
    /// The unusual-hour signal (off by default).
    #[serde(default)]
    pub risk_unusual_hour: Option<bool>,
}

fn check_overrides(state: &AppState, body: &ResourceBody) -> Result<(), ApiError> {
    if body
        .biometric
        .as_deref()
        .is_some_and(|b| b != "required" && b != "optional")
    {
        return Err(state.problem(
            ProblemType::MalformedRequest,
            "biometric is required or optional",
        ));
    }
    if body.max_pending.is_some_and(|n| !(1..=100).contains(&n)) {
        return Err(state.problem(ProblemType::MalformedRequest, "max_pending is 1 to 100"));
    }
    if body
        .risk
        .as_deref()
        .is_some_and(|risk| RiskPolicy::from_text(risk).is_none())
    {
        return Err(state.problem(
            ProblemType::MalformedRequest,
            "risk is off, standard or strict",
        ));
    }
    Ok(())
}

pub async fn create_resource(
    State(state): State<Shared>,
    Admin(who): Admin,
    JsonBody(body): JsonBody<ResourceBody>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    check_overrides(&state, &body)?;
    let (Some(id), Some(name)) = (&body.id, &body.name) else {
        return Err(state.problem(
            ProblemType::MalformedRequest,
            "a resource needs an id and a name",
        ));
    };
    crate::ids::check(&state, "a resource id", id)?;
    if !valid_name(name) || name.chars().count() > 100 {
        return Err(state.problem(ProblemType::MalformedRequest, "invalid resource id or name"));
    }
    let now = state.now();
    let db = state.db().await?;
    let before = resource_snapshot(&db, id)
        .await
        .map_err(|e| state.storage(e))?;
    db.execute(
        "INSERT INTO resources (id, name, biometric, number_matching, max_pending, step_up, risk,
                               risk_unusual_hour)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, biometric = excluded.biometric,
           number_matching = excluded.number_matching, max_pending = excluded.max_pending,
           step_up = excluded.step_up, risk = excluded.risk,
           risk_unusual_hour = excluded.risk_unusual_hour",
        params![
            id,
            name,
            body.biometric,
            body.number_matching,
            body.max_pending,
            body.step_up.unwrap_or(false),
            body.risk,
            body.risk_unusual_hour.unwrap_or(false)
        ],
    )
    .await
    .map_err(|e| state.storage(e))?;
    let after = resource_snapshot(&db, id)
        .await
        .map_err(|e| state.storage(e))?;
    store::audit_by(
        &db,
        now,
        "resource_saved",
        Some(&who),
        None,
        Some(id),
        Some(if before.is_some() {
            "changed"
        } else {
            "created"
        }),
        Some(&change_detail(&before, &after)),
    )
    .await
    .map_err(|e| state.storage(e))?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "id": id, "server_time": now })),
    ))
}

pub async fn list_resources(State(state): State<Shared>, _admin: Admin) -> Reply {
    let db = state.db().await?;
    let resources: Vec<serde_json::Value> = db
        .query_map("SELECT id, name, biometric, number_matching, max_pending, step_up, risk, risk_unusual_hour
                    FROM resources ORDER BY id", params![], |row| {
            Ok(serde_json::json!({
                "id": row.get::<String>(0)?, "name": row.get::<String>(1)?,
                "biometric": row.get::<Option<String>>(2)?, "number_matching": row.get::<Option<bool>>(3)?,
                "max_pending": row.get::<Option<i64>>(4)?,
                "step_up": row.get::<bool>(5)?,
                "risk": risk_policy_text(row.get::<Option<String>>(6)?),
                "risk_unusual_hour": row.get::<bool>(7)?,
            }))
        }).await
        .map_err(|e| state.storage(e))?;
    Ok(Json(
        serde_json::json!({ "resources": resources, "server_time": state.now() }),
    ))
}

pub async fn patch_resource(
    State(state): State<Shared>,
    Admin(who): Admin,
    IdPath(id): IdPath,
    JsonBody(body): JsonBody<ResourceBody>,
) -> Reply {
    check_overrides(&state, &body)?;
    if body
        .name
        .as_deref()
        .is_some_and(|name| !valid_name(name) || name.chars().count() > 100)
    {
        return Err(state.problem(ProblemType::MalformedRequest, "invalid resource name"));
    }
    let now = state.now();
    let db = state.db().await?;
    let before = resource_snapshot(&db, &id)
        .await
        .map_err(|e| state.storage(e))?;
    let changed = db
        .execute(
            "UPDATE resources SET name = COALESCE(?2, name), biometric = COALESCE(?3, biometric),
               number_matching = COALESCE(?4, number_matching), max_pending = COALESCE(?5, max_pending),
               step_up = COALESCE(?6, step_up), risk = COALESCE(?7, risk),
               risk_unusual_hour = COALESCE(?8, risk_unusual_hour)
             WHERE id = ?1",
            params![
                id,
                body.name,
                body.biometric,
                body.number_matching,
                body.max_pending,
                body.step_up,
                body.risk,
                body.risk_unusual_hour
            ],
        ).await
        .map_err(|e| state.storage(e))?;
    if changed == 0 {
        return Err(state.problem(ProblemType::NotFound, "no such resource"));
    }
    let after = resource_snapshot(&db, &id)
        .await
        .map_err(|e| state.storage(e))?;
    store::audit_by(
        &db,
        now,
        "resource_saved",
        Some(&who),
        None,
        Some(&id),
        Some("changed"),
        Some(&change_detail(&before, &after)),
    )
    .await
    .map_err(|e| state.storage(e))?;
    Ok(Json(serde_json::json!({ "id": id, "server_time": now })))
}

#[derive(Debug, Deserialize)]
pub struct PolicyBody {
    pub biometric: Option<String>,
    pub number_matching: Option<bool>,
    pub max_pending: Option<i64>,
    pub fraud_lock_seconds: Option<i64>,
    pub require_attested_uv: Option<bool>,
}

/// The default policy as the admin API shows it.
async fn policy_snapshot(db: &impl Sql) -> DbResult<serde_json::Value> {
    let effective = rules::effective_policy(db, None).await?;
    Ok(serde_json::json!({
        "biometric": biometric_text(effective.policy.biometric),
        "number_matching": effective.policy.number_matching,
        "max_pending": effective.max_pending,
        "fraud_lock_seconds": effective.fraud_lock_seconds,
        "require_attested_uv": effective.require_attested_uv,
    }))
}

/// A resource and its overrides (its limits and risk settings), or `None` if
/// there is none.
async fn resource_snapshot(db: &impl Sql, id: &str) -> DbResult<Option<serde_json::Value>> {
    db.query_row(
        "SELECT name, biometric, number_matching, max_pending, step_up, risk, risk_unusual_hour
         FROM resources WHERE id = ?1",
        params![id],
        |row| {
            Ok(serde_json::json!({
                "name": row.get::<String>(0)?,
                "biometric": row.get::<Option<String>>(1)?,
                "number_matching": row.get::<Option<bool>>(2)?,
                "max_pending": row.get::<Option<i64>>(3)?,
                "step_up": row.get::<bool>(4)?,
                "risk": risk_policy_text(row.get::<Option<String>>(5)?),
                "risk_unusual_hour": row.get::<bool>(6)?,
            }))
        },
    )
    .await
    .optional()
}

/// A resource's stored risk policy as the API shows it: unset is the default.
fn risk_policy_text(stored: Option<String>) -> &'static str {
    stored
        .as_deref()
        .and_then(RiskPolicy::from_text)
        .unwrap_or_default()
        .as_str()
}

/// What an admin change did, for the audit line: `{"before": …, "after": …}`.
fn change_detail(before: &Option<serde_json::Value>, after: &Option<serde_json::Value>) -> String {
    serde_json::json!({ "before": before, "after": after }).to_string()
}

async fn policy_json(state: &AppState) -> Reply {
    let db = state.db().await?;
    let mut policy = policy_snapshot(&db).await.map_err(|e| state.storage(e))?;
    policy["server_time"] = serde_json::Value::from(state.now());
    Ok(Json(policy))
}

pub async fn get_policy(State(state): State<Shared>, _admin: Admin) -> Reply {
    policy_json(&state).await
}

pub async fn put_policy(
    State(state): State<Shared>,
    Admin(who): Admin,
    JsonBody(body): JsonBody<PolicyBody>,
) -> Reply {
    let as_resource = ResourceBody {
        id: None,
        name: None,
        biometric: body.biometric.clone(),
        number_matching: None,
        max_pending: body.max_pending,
        step_up: None,
        risk: None,
        risk_unusual_hour: None,
    };
    check_overrides(&state, &as_resource)?;
    if body
        .fraud_lock_seconds
        .is_some_and(|s| !(0..=30 * 86_400).contains(&s))
    {
        return Err(state.problem(
            ProblemType::MalformedRequest,
            "fraud_lock_seconds is 0 to 30 days",
        ));
    }
    {
        let db = state.db().await?;
        let before = policy_snapshot(&db).await.map_err(|e| state.storage(e))?;
        db.execute(
            "UPDATE policy SET biometric = COALESCE(?1, biometric), number_matching = COALESCE(?2, number_matching),
               max_pending = COALESCE(?3, max_pending), fraud_lock_seconds = COALESCE(?4, fraud_lock_seconds),
               require_attested_uv = COALESCE(?5, require_attested_uv)
             WHERE id = 1",
            params![body.biometric, body.number_matching, body.max_pending, body.fraud_lock_seconds,
                    body.require_attested_uv],
        ).await
        .map_err(|e| state.storage(e))?;
        let after = policy_snapshot(&db).await.map_err(|e| state.storage(e))?;
        store::audit_by(
            &db,
            state.now(),
            "policy_changed",
            Some(&who),
            None,
            None,
            None,
            Some(&change_detail(&Some(before), &Some(after))),
        )
        .await
        .map_err(|e| state.storage(e))?;
    }
    policy_json(&state).await
}

#[derive(Debug, Deserialize)]
pub struct EnrollmentRequest {
    pub kind: String,
}

pub async fn create_enrollment(
    State(state): State<Shared>,
    Admin(who): Admin,
    Path(user): Path<String>,
    JsonBody(request): JsonBody<EnrollmentRequest>,
) -> Reply {
    let now = state.now();
    let db = state.db().await?;
    let storage = |e| state.storage(e);
    if !store::user_exists(&db, &user).await.map_err(storage)? {
        return Err(state.problem(ProblemType::NotFound, "no such user"));
    }
    match request.kind.as_str() {
        "push" => {
            let issued = enrollment::issue_push(&state, &db, &user, &who).await?;
            Ok(Json(serde_json::json!({
                "uri": issued.uri,
                "expires_at": issued.expires_at,
                "server_time": now
            })))
        }
        "totp" => {
            let secret = enrollment::new_totp_secret(&state)?;
            db.execute(
                "UPDATE users SET totp_secret = ?2, totp_last_step = NULL, totp_pending_secret = NULL
                 WHERE name = ?1",
                params![user, state.seal_totp(&user, &secret)?],
            ).await
            .map_err(storage)?;
            crate::totp_throttle::clear(&db, &user)
                .await
                .map_err(storage)?;
            store::audit_by(
                &db,
                now,
                "enrollment_issued",
                Some(&who),
                Some(&user),
                None,
                Some("totp"),
                None,
            )
            .await
            .map_err(storage)?;
            Ok(Json(
                serde_json::json!({ "uri": enrollment::totp_uri(&state, &user, &secret), "server_time": now }),
            ))
        }
        _ => Err(state.problem(ProblemType::MalformedRequest, "kind is push or totp")),
    }
}

pub async fn reset_user(
    State(state): State<Shared>,
    Admin(who): Admin,
    Path(user): Path<String>,
) -> Reply {
    let now = state.now();
    let mut db = state.db().await?;
    let storage = |e| state.storage(e);
    // All or nothing, like a deletion.
    let db = db.transaction().await.map_err(storage)?;
    if !store::user_exists(&db, &user).await.map_err(storage)? {
        return Err(state.problem(ProblemType::NotFound, "no such user"));
    }
    // An enrollment of this user on another instance finishes first (or
    // waits): its device is then seen here and revoked.
    db.lock_key(&format!("enroll\u{1f}{user}"))
        .await
        .map_err(storage)?;
    if let Some(device) = store::current_device(&db, &user).await.map_err(storage)? {
        store::revoke_device(&db, &device.id, "device_revoked", now)
            .await
            .map_err(storage)?;
    }
    db.execute(
        "UPDATE users SET totp_secret = NULL, totp_last_step = NULL WHERE name = ?1",
        params![&user],
    )
    .await
    .map_err(storage)?;
    crate::totp_throttle::clear(&db, &user)
        .await
        .map_err(storage)?;
    revoke_credentials(&db, &user, now, "authenticator_reset")
        .await
        .map_err(storage)?;
    store::audit_by(
        &db,
        now,
        "authenticator_reset",
        Some(&who),
        Some(&user),
        None,
        None,
        None,
    )
    .await
    .map_err(storage)?;
    db.commit().await.map_err(storage)?;
    Ok(Json(
        serde_json::json!({ "reset": user, "server_time": now }),
    ))
}

pub async fn unlock_user(
    State(state): State<Shared>,
    Admin(who): Admin,
    Path(user): Path<String>,
) -> Reply {
    let now = state.now();
    let db = state.db().await?;
    db.execute(
        "UPDATE users SET fraud_locked_until = NULL WHERE name = ?1",
        params![&user],
    )
    .await
    .map_err(|e| state.storage(e))?;
    // Also lifts a TOTP lockout: the admin has vouched for the user.
    crate::totp_throttle::clear(&db, &user)
        .await
        .map_err(|e| state.storage(e))?;
    store::audit_by(
        &db,
        now,
        "fraud_lock_lifted",
        Some(&who),
        Some(&user),
        None,
        None,
        None,
    )
    .await
    .map_err(|e| state.storage(e))?;
    Ok(Json(
        serde_json::json!({ "unlocked": user, "server_time": now }),
    ))
}

#[derive(Debug, Deserialize)]
pub struct PushesQuery {
    pub limit: Option<i64>,
}

/// A user's latest pushes, newest first, with where they came from and their
/// risk (refused ones too): what an administrator looks at after a
/// `risk_refused` or a fraud report.
pub async fn user_pushes(
    State(state): State<Shared>,
    _admin: Admin,
    Path(user): Path<String>,
    Query(query): Query<PushesQuery>,
) -> Reply {
    let now = state.now();
    let db = state.db().await?;
    let storage = |e| state.storage(e);
    if !store::user_exists(&db, &user).await.map_err(storage)? {
        return Err(state.problem(ProblemType::NotFound, "no such user"));
    }
    let pushes = db
        .query_map(
            "SELECT id, iat, resource, kind, status, exp, decided_at, ip, network, lat, lon,
                    context_time, risk_score, risk_level, risk_reasons
             FROM challenges WHERE user = ?1 AND device != ''
             ORDER BY iat DESC, rowid DESC LIMIT ?2",
            params![&user, query.limit.unwrap_or(50).clamp(1, 500)],
            |row| {
                let status: String = row.get(4)?;
                let exp: i64 = row.get(5)?;
                let degrees = |micro: Option<i64>| micro.map(|micro| micro as f64 / 1e6);
                Ok(serde_json::json!({
                    "id": row.get::<String>(0)?,
                    "at": row.get::<i64>(1)?,
                    "resource": row.get::<String>(2)?,
                    "kind": row.get::<String>(3)?,
                    "status": if status == "pending" && now >= exp { "expired".to_owned() } else { status },
                    "decided_at": row.get::<Option<i64>>(6)?,
                    "ip": row.get::<Option<String>>(7)?,
                    "network": row.get::<Option<String>>(8)?,
                    "lat": degrees(row.get(9)?),
                    "lon": degrees(row.get(10)?),
                    "time": row.get::<Option<i64>>(11)?,
                    "risk": RiskView::stored(
                        row.get(12)?,
                        row.get::<Option<String>>(13)?.as_deref(),
                        row.get::<Option<String>>(14)?.as_deref(),
                    ),
                }))
            },
        )
        .await
        .map_err(storage)?;
    Ok(Json(
        serde_json::json!({ "user": user, "pushes": pushes, "server_time": now }),
    ))
}

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    pub since: Option<i64>,
    pub limit: Option<i64>,
}

pub async fn audit(
    State(state): State<Shared>,
    _admin: Admin,
    Query(query): Query<AuditQuery>,
) -> Reply {
    let db = state.db().await?;
    let events = store::audit_since(
        &db,
        query.since.unwrap_or(0),
        query.limit.unwrap_or(500).clamp(1, 5000),
    )
    .await
    .map_err(|e| state.storage(e))?;
    Ok(Json(
        serde_json::json!({ "events": events, "server_time": state.now() }),
    ))
}

#[derive(Debug, Deserialize)]
pub struct DiagnosticsQuery {
    /// Unix time: events from hours at or after it; all that are kept (90
    /// days) without it.
    pub since: Option<i64>,
}

/// What phones sharing diagnostic data reported (`diagnostics::report`).
pub async fn diagnostics(
    State(state): State<Shared>,
    _admin: Admin,
    Query(query): Query<DiagnosticsQuery>,
) -> Reply {
    let since = query.since.unwrap_or(0);
    let db = state.db().await?;
    let report = crate::diagnostics::report(&db, since)
        .await
        .map_err(|e| state.storage(e))?;
    Ok(Json(serde_json::json!({
        "since": since,
        "events": report.events,
        "installs": report.installs,
        "errors": report.errors,
        "timings": report.timings,
        "server_time": state.now(),
    })))
}
