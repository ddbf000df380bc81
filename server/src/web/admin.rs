//! The Admin Portal as pages. Signing in takes the server's admin token and
//! gives this browser an admin session (`cs_admin`, stored as its hash; 30
//! minutes idle, 12 hours at most). Every action calls the admin API's own
//! handler, so a page can do exactly what the JSON API does, with the same
//! checks and audit lines, and an API refusal is shown on the page.

use crate::db::{OptionalExtension, Sql, params};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use minijinja::{Value, context};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::cookies;
use super::page::{CsrfForm, PageResult, Visit, see_other};
use super::password_reset::{Purpose, send_link};
use super::qr;
use crate::api::admin as api;
use crate::attempt_throttle::{self, Attempt};
use crate::auth::Admin;
use crate::extract::JsonBody;
use crate::problem::ApiError;
use crate::rules::random_id;
use crate::sessions::{ABSOLUTE_SECONDS, IDLE_SECONDS};
use crate::store::{self, Who};
use crate::tokens::token_hash;

/// The throttle's name for admin sign-in attempts.
const ADMIN_KEY: &str = "@admin";

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    token: String,
}

#[derive(Debug, Deserialize)]
pub struct NoticeQuery {
    #[serde(default)]
    notice: Option<String>,
}

/// The signed-in administrator of this browser, as the admin API's caller.
pub(super) async fn admin_of(visit: &Visit) -> Result<Option<Admin>, ApiError> {
    let Some(token) = cookies::get(&visit.headers, cookies::ADMIN) else {
        return Ok(None);
    };
    let state = &visit.state;
    let now = state.now();
    let db = state.db().await?;
    let storage = |e| state.storage(e);
    let hash = token_hash(token);
    let live: Option<i64> = db
        .query_row(
            "SELECT created_at FROM admin_sessions
             WHERE token = ?1 AND revoked_at IS NULL AND created_at > ?2 AND last_seen_at > ?3",
            params![hash, now - ABSOLUTE_SECONDS, now - IDLE_SECONDS],
            |row| row.get(0),
        )
        .await
        .optional()
        .map_err(storage)?;
    if live.is_none() {
        return Ok(None);
    }
    db.execute(
        "UPDATE admin_sessions SET last_seen_at = ?2 WHERE token = ?1",
        params![hash, now],
    )
    .await
    .map_err(storage)?;
    Ok(Some(Admin(Who::new("admin-portal", visit.client.clone()))))
}

pub(super) fn to_sign_in() -> Response {
    see_other("/admin/login", Vec::new())
}

/// An admin page with the admin navigation.
pub(super) async fn admin_page(
    visit: &Visit,
    template: &str,
    extra: Value,
    status: StatusCode,
) -> PageResult {
    Ok(visit
        .page(template, context! { admin => true, ..extra })
        .await?
        .status(status)
        .into_response())
}

pub(super) fn problem_text(error: &ApiError) -> String {
    error.0.detail.clone()
}

pub async fn login_page(visit: Visit) -> PageResult {
    if admin_of(&visit).await?.is_some() {
        return Ok(see_other("/admin", Vec::new()));
    }
    Ok(visit
        .page("admin_login.html", context! {})
        .await?
        .into_response())
}

pub async fn login(visit: Visit, Form(form): Form<TokenForm>) -> PageResult {
    if !visit.csrf_ok(form.csrf.as_deref()).await? {
        return Ok(visit.csrf_refused().await?.into_response());
    }
    let state = visit.state.clone();
    let now = state.now();
    let db = state.db().await?;
    let storage = |e| state.storage(e);
    let who = Who::new("admin-portal", visit.client.clone());
    if let Some(seconds) =
        attempt_throttle::locked_for(&db, Attempt::SignIn, Some(ADMIN_KEY), &visit.client, now)
            .await
            .map_err(storage)?
    {
        drop(db);
        return Ok(visit
            .page(
                "admin_login.html",
                context! { error => format!("Too many attempts. Try again in {seconds} s.") },
            )
            .await?
            .status(StatusCode::TOO_MANY_REQUESTS)
            .into_response());
    }
    let right = bool::from(form.token.as_bytes().ct_eq(state.admin_token.as_bytes()));
    if !right {
        attempt_throttle::record_failure(&db, Attempt::SignIn, Some(ADMIN_KEY), &visit.client, now)
            .await
            .map_err(storage)?;
        store::audit_refusal(
            &db,
            now,
            "auth_failed",
            &who,
            None,
            None,
            "wrong_token",
            None,
        )
        .await
        .map_err(storage)?;
        drop(db);
        return Ok(visit
            .page(
                "admin_login.html",
                context! { error => "That is not the admin token." },
            )
            .await?
            .status(StatusCode::UNAUTHORIZED)
            .into_response());
    }
    attempt_throttle::record_success(&db, Attempt::SignIn, ADMIN_KEY)
        .await
        .map_err(storage)?;
    let token = random_id("as_", 24);
    db.execute(
        "INSERT INTO admin_sessions (token, created_at, last_seen_at) VALUES (?1, ?2, ?2)",
        params![token_hash(&token), now],
    )
    .await
    .map_err(storage)?;
    store::audit_by(
        &db,
        now,
        "admin_signed_in",
        Some(&who),
        None,
        None,
        None,
        None,
    )
    .await
    .map_err(storage)?;
    let secure = visit.secure_cookies();
    Ok(see_other(
        "/admin",
        vec![
            cookies::set(cookies::ADMIN, &token, ABSOLUTE_SECONDS, secure),
            cookies::set(
                cookies::BROWSER,
                &super::csrf::new_browser_id(),
                ABSOLUTE_SECONDS,
                secure,
            ),
        ],
    ))
}

pub async fn logout(visit: Visit, Form(form): Form<CsrfForm>) -> PageResult {
    if !visit.csrf_ok(form.csrf.as_deref()).await? {
        return Ok(visit.csrf_refused().await?.into_response());
    }
    if let Some(token) = cookies::get(&visit.headers, cookies::ADMIN) {
        let db = visit.state.db().await?;
        db.execute(
            "UPDATE admin_sessions SET revoked_at = ?2 WHERE token = ?1",
            params![token_hash(token), visit.state.now()],
        )
        .await
        .map_err(|e| visit.state.storage(e))?;
    }
    Ok(see_other(
        "/admin/login",
        vec![cookies::clear(cookies::ADMIN, visit.secure_cookies())],
    ))
}

fn users_notice(notice: Option<&str>) -> Option<&'static str> {
    match notice {
        Some("invited") => Some("User added; a link to choose a password is in the mail."),
        Some("added") => Some("User added."),
        Some("deleted") => Some("User deleted."),
        _ => None,
    }
}

async fn users_page(
    visit: &Visit,
    admin: Admin,
    notice: Option<&str>,
    error: Option<String>,
) -> PageResult {
    let state = State(visit.state.clone());
    let listed = api::list_users(state.clone(), admin.clone()).await?.0;
    let mut users = Vec::new();
    for name in listed["users"].as_array().into_iter().flatten() {
        let name = name.as_str().unwrap_or_default().to_owned();
        let user = api::get_user(state.clone(), admin.clone(), Path(name))
            .await?
            .0;
        users.push(context! {
            name => user["name"].as_str(),
            email => user["email"].as_str(),
            device => !user["device"].is_null(),
            totp => user["totp"].as_bool(),
            locked => !user["locked_until"].is_null() || !user["totp_locked_until"].is_null(),
        });
    }
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    admin_page(
        visit,
        "admin_users.html",
        context! { users => users, notice => users_notice(notice), error => error },
        status,
    )
    .await
}

pub async fn users(visit: Visit, Query(query): Query<NoticeQuery>) -> PageResult {
    let Some(admin) = admin_of(&visit).await? else {
        return Ok(to_sign_in());
    };
    users_page(&visit, admin, query.notice.as_deref(), None).await
}

#[derive(Debug, Deserialize)]
pub struct NewUserForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

fn non_empty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

pub async fn add_user(visit: Visit, Form(form): Form<NewUserForm>) -> PageResult {
    if !visit.csrf_ok(form.csrf.as_deref()).await? {
        return Ok(visit.csrf_refused().await?.into_response());
    }
    let Some(admin) = admin_of(&visit).await? else {
        return Ok(to_sign_in());
    };
    let name = form.name.trim().to_owned();
    let email = non_empty(&form.email);
    let password = (!form.password.is_empty()).then(|| form.password.clone());
    if password.is_none() && email.is_none() {
        return users_page(
            &visit,
            admin,
            None,
            Some("Give an initial password, or a mail address for an invitation.".into()),
        )
        .await;
    }
    let created = api::create_user(
        State(visit.state.clone()),
        admin.clone(),
        JsonBody(api::NewUser {
            name: name.clone(),
            password: password.clone(),
            email: email.clone(),
        }),
    )
    .await;
    match created {
        Ok((_, Json(body))) if body["created"] == false => {
            users_page(&visit, admin, None, Some(format!("{name} already exists."))).await
        }
        Ok(_) => {
            if let (None, Some(email)) = (&password, &email) {
                send_link(&visit.state, &name, email, &admin.0, Purpose::Invite).await?;
                return Ok(see_other("/admin?notice=invited", Vec::new()));
            }
            Ok(see_other("/admin?notice=added", Vec::new()))
        }
        Err(error) => users_page(&visit, admin, None, Some(problem_text(&error))).await,
    }
}

fn user_notice(notice: Option<&str>) -> Option<&'static str> {
    match notice {
        Some("unlocked") => Some("Unlocked: pushes and TOTP codes work again."),
        Some("reset") => Some("Device and TOTP reset: the user enrolls again from the portal."),
        Some("password") => Some("Password set; the user's portal sessions ended."),
        Some("invited") => Some("A link to choose a password is in the mail."),
        _ => None,
    }
}

fn time_text(value: &serde_json::Value) -> Option<String> {
    value.as_i64().map(super::clock_time)
}

/// The user's latest pushes as the user page lists them.
async fn recent_pushes(visit: &Visit, admin: Admin, name: String) -> Result<Vec<Value>, ApiError> {
    let listed = api::user_pushes(
        State(visit.state.clone()),
        admin,
        Path(name),
        Query(api::PushesQuery { limit: Some(20) }),
    )
    .await?
    .0;
    let pushes = listed["pushes"].as_array().cloned().unwrap_or_default();
    Ok(pushes
        .iter()
        .map(|push| {
            let risk = &push["risk"];
            let reasons: Vec<&str> = risk["reasons"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|reason| reason.as_str())
                .collect();
            context! {
                id => push["id"].as_str(),
                time => push["at"].as_i64().map(super::date_time),
                resource => push["resource"].as_str(),
                kind => push["kind"].as_str(),
                status => push["status"].as_str(),
                ip => push["ip"].as_str(),
                network => push["network"].as_str(),
                place => match (push["lat"].as_f64(), push["lon"].as_f64()) {
                    (Some(lat), Some(lon)) => Some(format!("{lat:.2}, {lon:.2}")),
                    _ => None,
                },
                level => risk["level"].as_str(),
                score => risk["score"].as_i64(),
                reasons => reasons.join(", "),
            }
        })
        .collect())
}

async fn user_page(
    visit: &Visit,
    admin: Admin,
    name: String,
    notice: Option<&str>,
    extra: Value,
    status: StatusCode,
) -> PageResult {
    let user = match api::get_user(
        State(visit.state.clone()),
        admin.clone(),
        Path(name.clone()),
    )
    .await
    {
        Ok(Json(user)) => user,
        Err(_) => return Ok(see_other("/admin", Vec::new())),
    };
    let pushes = recent_pushes(visit, admin, name).await?;
    admin_page(
        visit,
        "admin_user.html",
        context! {
            subject => context! {
                name => user["name"].as_str(),
                email => user["email"].as_str(),
                device => user["device"].as_object().map(|device| context! {
                    id => device.get("id").and_then(|id| id.as_str()),
                }),
                totp => user["totp"].as_bool(),
                locked_until => user["locked_until"].as_i64(),
                locked_until_text => time_text(&user["locked_until"]),
                totp_locked_until => user["totp_locked_until"].as_i64(),
                totp_locked_until_text => time_text(&user["totp_locked_until"]),
            },
            pushes => pushes,
            notice => user_notice(notice),
            ..extra
        },
        status,
    )
    .await
}

pub async fn user(
    visit: Visit,
    Path(name): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let Some(admin) = admin_of(&visit).await? else {
        return Ok(to_sign_in());
    };
    user_page(
        &visit,
        admin,
        name,
        query.notice.as_deref(),
        context! {},
        StatusCode::OK,
    )
    .await
}

fn user_url(name: &str, notice: &str) -> String {
    let encoded: String = name
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect();
    format!("/admin/users/{encoded}?notice={notice}")
}

/// Runs one admin API action for a user and shows the user again, with the
/// API's refusal if there was one.
async fn user_action<F, Fut>(
    visit: Visit,
    name: String,
    csrf: Option<&str>,
    notice: &str,
    act: F,
) -> PageResult
where
    F: FnOnce(Admin) -> Fut,
    Fut: std::future::Future<Output = Result<(), ApiError>>,
{
    if !visit.csrf_ok(csrf).await? {
        return Ok(visit.csrf_refused().await?.into_response());
    }
    let Some(admin) = admin_of(&visit).await? else {
        return Ok(to_sign_in());
    };
    match act(admin.clone()).await {
        Ok(()) => Ok(see_other(&user_url(&name, notice), Vec::new())),
        Err(error) => {
            user_page(
                &visit,
                admin,
                name,
                None,
                context! { error => problem_text(&error) },
                StatusCode::BAD_REQUEST,
            )
            .await
        }
    }
}

pub async fn unlock(
    visit: Visit,
    Path(name): Path<String>,
    Form(form): Form<CsrfForm>,
) -> PageResult {
    let state = visit.state.clone();
    let target = name.clone();
    user_action(
        visit,
        name,
        form.csrf.as_deref(),
        "unlocked",
        |admin| async move {
            api::unlock_user(State(state), admin, Path(target))
                .await
                .map(|_| ())
        },
    )
    .await
}

pub async fn reset(
    visit: Visit,
    Path(name): Path<String>,
    Form(form): Form<CsrfForm>,
) -> PageResult {
    let state = visit.state.clone();
    let target = name.clone();
    user_action(
        visit,
        name,
        form.csrf.as_deref(),
        "reset",
        |admin| async move {
            api::reset_user(State(state), admin, Path(target))
                .await
                .map(|_| ())
        },
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    password: String,
}

pub async fn set_password(
    visit: Visit,
    Path(name): Path<String>,
    Form(form): Form<PasswordForm>,
) -> PageResult {
    let state = visit.state.clone();
    let target = name.clone();
    let password = form.password.clone();
    user_action(
        visit,
        name,
        form.csrf.as_deref(),
        "password",
        |admin| async move {
            api::set_password(
                State(state),
                admin,
                Path(target),
                JsonBody(api::NewPassword { password }),
            )
            .await
            .map(|_| ())
        },
    )
    .await
}

pub async fn invite(
    visit: Visit,
    Path(name): Path<String>,
    Form(form): Form<CsrfForm>,
) -> PageResult {
    let state = visit.state.clone();
    let target = name.clone();
    user_action(
        visit,
        name,
        form.csrf.as_deref(),
        "invited",
        |admin| async move {
            let email: Option<String> = {
                let db = state.db().await?;
                db.query_row(
                    "SELECT email FROM users WHERE name = ?1",
                    params![&target],
                    |row| row.get(0),
                )
                .await
                .optional()
                .map_err(|e| state.storage(e))?
                .flatten()
            };
            let email = email.ok_or_else(|| {
                state.problem(
                    countersign_protocol::wire::ProblemType::MalformedRequest,
                    "this user has no mail address",
                )
            })?;
            send_link(&state, &target, &email, &admin.0, Purpose::Invite).await
        },
    )
    .await
}

pub async fn delete(
    visit: Visit,
    Path(name): Path<String>,
    Form(form): Form<CsrfForm>,
) -> PageResult {
    if !visit.csrf_ok(form.csrf.as_deref()).await? {
        return Ok(visit.csrf_refused().await?.into_response());
    }
    let Some(admin) = admin_of(&visit).await? else {
        return Ok(to_sign_in());
    };
    match api::delete_user(
        State(visit.state.clone()),
        admin.clone(),
        Path(name.clone()),
    )
    .await
    {
        Ok(_) => Ok(see_other("/admin?notice=deleted", Vec::new())),
        Err(error) => {
            user_page(
                &visit,
                admin,
                name,
                None,
                context! { error => problem_text(&error) },
                StatusCode::BAD_REQUEST,
            )
            .await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct EnrollForm {
    #[serde(default)]
    csrf: Option<String>,
    /// `push` (the phone) or `totp` (a new TOTP secret, replacing the old).
    #[serde(default)]
    kind: String,
}

pub async fn enroll(
    visit: Visit,
    Path(name): Path<String>,
    Form(form): Form<EnrollForm>,
) -> PageResult {
    if !visit.csrf_ok(form.csrf.as_deref()).await? {
        return Ok(visit.csrf_refused().await?.into_response());
    }
    let Some(admin) = admin_of(&visit).await? else {
        return Ok(to_sign_in());
    };
    let issued = api::create_enrollment(
        State(visit.state.clone()),
        admin.clone(),
        Path(name.clone()),
        JsonBody(api::EnrollmentRequest {
            kind: if form.kind == "totp" { "totp" } else { "push" }.into(),
        }),
    )
    .await;
    let (extra, status) = match issued {
        Ok(Json(body)) => {
            let uri = body["uri"].as_str().unwrap_or_default().to_owned();
            (
                context! {
                    enrollment => context! {
                        qr_svg => qr::svg(&uri),
                        uri => uri,
                        expires => time_text(&body["expires_at"]),
                        totp => form.kind == "totp",
                    },
                },
                StatusCode::OK,
            )
        }
        Err(error) => (
            context! { error => problem_text(&error) },
            StatusCode::BAD_REQUEST,
        ),
    };
    user_page(&visit, admin, name, None, extra, status).await
}

async fn resources_page(
    visit: &Visit,
    admin: Admin,
    notice: Option<&str>,
    error: Option<String>,
) -> PageResult {
    let listed = api::list_resources(State(visit.state.clone()), admin)
        .await?
        .0;
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    admin_page(
        visit,
        "admin_resources.html",
        context! {
            resources => Value::from_serialize(&listed["resources"]),
            notice => notice,
            error => error,
        },
        status,
    )
    .await
}

pub async fn resources(visit: Visit) -> PageResult {
    let Some(admin) = admin_of(&visit).await? else {
        return Ok(to_sign_in());
    };
    resources_page(&visit, admin, None, None).await
}

#[derive(Debug, Deserialize)]
pub struct ResourceForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    max_pending: String,
    #[serde(default)]
    biometric: String,
    #[serde(default)]
    number_matching: String,
    #[serde(default)]
    step_up: Option<String>,
    /// `off`, `standard` or `strict`; empty is the default (standard).
    #[serde(default)]
    risk: String,
    #[serde(default)]
    risk_unusual_hour: Option<String>,
}

fn on_off(text: &str) -> Option<bool> {
    match text {
        "on" => Some(true),
        "off" => Some(false),
        _ => None,
    }
}

pub async fn save_resource(visit: Visit, Form(form): Form<ResourceForm>) -> PageResult {
    if !visit.csrf_ok(form.csrf.as_deref()).await? {
        return Ok(visit.csrf_refused().await?.into_response());
    }
    let Some(admin) = admin_of(&visit).await? else {
        return Ok(to_sign_in());
    };
    let max_pending = match non_empty(&form.max_pending) {
        Some(text) => match text.parse::<i64>() {
            Ok(number) => Some(number),
            Err(_) => {
                return resources_page(
                    &visit,
                    admin,
                    None,
                    Some("The pending limit is a number from 1 to 100.".into()),
                )
                .await;
            }
        },
        None => None,
    };
    let saved = api::create_resource(
        State(visit.state.clone()),
        admin.clone(),
        JsonBody(api::ResourceBody {
            id: Some(form.id.trim().to_owned()),
            name: Some(form.name.trim().to_owned()),
            biometric: non_empty(&form.biometric),
            number_matching: on_off(&form.number_matching),
            max_pending,
            step_up: Some(form.step_up.is_some()),
            risk: non_empty(&form.risk),
            risk_unusual_hour: Some(form.risk_unusual_hour.is_some()),
        }),
    )
    .await;
    match saved {
        Ok(_) => resources_page(&visit, admin, Some("Saved."), None).await,
        Err(error) => resources_page(&visit, admin, None, Some(problem_text(&error))).await,
    }
}

async fn policy_page(
    visit: &Visit,
    admin: Admin,
    notice: Option<&str>,
    error: Option<String>,
) -> PageResult {
    let policy = api::get_policy(State(visit.state.clone()), admin).await?.0;
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    admin_page(
        visit,
        "admin_policy.html",
        context! {
            policy => Value::from_serialize(&policy),
            notice => notice,
            error => error,
        },
        status,
    )
    .await
}

pub async fn policy(visit: Visit) -> PageResult {
    let Some(admin) = admin_of(&visit).await? else {
        return Ok(to_sign_in());
    };
    policy_page(&visit, admin, None, None).await
}

#[derive(Debug, Deserialize)]
pub struct PolicyForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    biometric: String,
    #[serde(default)]
    number_matching: String,
    #[serde(default)]
    max_pending: String,
    #[serde(default)]
    fraud_lock_seconds: String,
    #[serde(default)]
    require_attested_uv: String,
}

pub async fn save_policy(visit: Visit, Form(form): Form<PolicyForm>) -> PageResult {
    if !visit.csrf_ok(form.csrf.as_deref()).await? {
        return Ok(visit.csrf_refused().await?.into_response());
    }
    let Some(admin) = admin_of(&visit).await? else {
        return Ok(to_sign_in());
    };
    let number = |text: &str| non_empty(text).map(|text| text.parse::<i64>());
    let (Some(Ok(max_pending)), Some(Ok(fraud_lock_seconds))) =
        (number(&form.max_pending), number(&form.fraud_lock_seconds))
    else {
        return policy_page(
            &visit,
            admin,
            None,
            Some("The pending limit and the lock time are whole numbers.".into()),
        )
        .await;
    };
    let saved = api::put_policy(
        State(visit.state.clone()),
        admin.clone(),
        JsonBody(api::PolicyBody {
            biometric: non_empty(&form.biometric),
            number_matching: on_off(&form.number_matching),
            max_pending: Some(max_pending),
            fraud_lock_seconds: Some(fraud_lock_seconds),
            require_attested_uv: on_off(&form.require_attested_uv),
        }),
    )
    .await;
    match saved {
        Ok(_) => policy_page(&visit, admin, Some("Saved."), None).await,
        Err(error) => policy_page(&visit, admin, None, Some(problem_text(&error))).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct AuditFilter {
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    event: Option<String>,
}

/// The newest events first, filtered by user and event name.
pub async fn audit(visit: Visit, Query(filter): Query<AuditFilter>) -> PageResult {
    let Some(admin) = admin_of(&visit).await? else {
        return Ok(to_sign_in());
    };
    let listed = api::audit(
        State(visit.state.clone()),
        admin,
        Query(api::AuditQuery {
            since: None,
            limit: Some(5000),
        }),
    )
    .await?
    .0;
    let user = filter.user.as_deref().and_then(non_empty);
    let event = filter.event.as_deref().and_then(non_empty);
    let all = listed["events"].as_array().cloned().unwrap_or_default();
    let total = all.len();
    let events: Vec<Value> = all
        .iter()
        .rev()
        .filter(|e| user.as_deref().is_none_or(|user| e["user"] == user))
        .filter(|e| event.as_deref().is_none_or(|event| e["event"] == event))
        .take(500)
        .map(|e| {
            context! {
                time => e["at"].as_i64().map(super::date_time),
                event => e["event"].as_str(),
                user => e["user"].as_str(),
                resource => e["resource"].as_str(),
                outcome => e["outcome"].as_str(),
                actor => e["actor"].as_str(),
                source => e["source"].as_str(),
                count => e["count"].as_i64(),
            }
        })
        .collect();
    admin_page(
        &visit,
        "admin_audit.html",
        context! {
            events => events,
            total => total,
            filter_user => user,
            filter_event => event,
        },
        StatusCode::OK,
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct DiagnosticsFilter {
    #[serde(default)]
    days: Option<i64>,
}

/// The periods the Diagnostics page offers, in days, and the one it shows first.
const DIAGNOSTICS_PERIODS: [i64; 4] = [1, 7, 30, 90];
const DIAGNOSTICS_DEFAULT_DAYS: i64 = 7;

/// What phones sharing diagnostic data reported, over the last few days.
pub async fn diagnostics(visit: Visit, Query(filter): Query<DiagnosticsFilter>) -> PageResult {
    let Some(admin) = admin_of(&visit).await? else {
        return Ok(to_sign_in());
    };
    let days = filter
        .days
        .filter(|days| DIAGNOSTICS_PERIODS.contains(days))
        .unwrap_or(DIAGNOSTICS_DEFAULT_DAYS);
    let since = visit.state.now() - days * 86_400;
    let report = api::diagnostics(
        State(visit.state.clone()),
        admin,
        Query(api::DiagnosticsQuery { since: Some(since) }),
    )
    .await?
    .0;
    admin_page(
        &visit,
        "admin_diagnostics.html",
        context! {
            report => Value::from_serialize(&report),
            days => days,
            periods => DIAGNOSTICS_PERIODS,
            since => super::date_time(since),
        },
        StatusCode::OK,
    )
    .await
}
