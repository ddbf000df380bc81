//! The demo organisation (`countersign-server --demo`, `countersign demo
//! --browser`): on a server with no users yet, one user with a mail address
//! and a random password, and two apps, one of which asks the phone first.
//! The password is returned once, to be printed once; only its hash is kept.

use crate::db::{Sql, params};

use crate::passwords;
use crate::problem::ApiError;
use crate::rules::random_id;
use crate::state::AppState;
use crate::store::{self, Who};

/// The demo user's name (and mail address).
pub const DEMO_USER: &str = "jane@example.com";

/// What to tell the person trying the demo.
#[derive(Debug, Clone)]
pub struct DemoUser {
    pub name: String,
    pub password: String,
}

/// Creates the demo organisation if the server has no user yet; `None` when
/// it already has users (a restart: the password was printed before).
pub async fn seed(state: &AppState) -> Result<Option<DemoUser>, ApiError> {
    let password = format!("demo-{}", random_id("", 9).replace(['-', '_'], "x"));
    // Hashing takes tens of milliseconds: before taking the database.
    let hash = passwords::hash(&password).map_err(|error| {
        state.problem(
            countersign_protocol::wire::ProblemType::Unavailable,
            error.to_string(),
        )
    })?;
    let now = state.now();
    let mut db = state.db().await?;
    let storage = |e| state.storage(e);
    let tx = db.transaction().await.map_err(storage)?;
    let users: i64 = tx
        .query_row("SELECT COUNT(*) FROM users", params![], |row| row.get(0))
        .await
        .map_err(storage)?;
    if users > 0 {
        return Ok(None);
    }
    tx.execute(
        "INSERT INTO users (name, created_at, incarnation, password_hash, email)
         VALUES (?1, ?2, ?3, ?4, ?1)",
        params![DEMO_USER, now, random_id("u_", 12), hash],
    )
    .await
    .map_err(storage)?;
    for (id, name, step_up) in [
        ("slack", "Slack", false),
        ("salesforce", "Salesforce", true),
    ] {
        tx.execute(
            "INSERT INTO resources (id, name, step_up) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            params![id, name, step_up],
        )
        .await
        .map_err(storage)?;
    }
    let who = Who::new("demo", "server");
    store::audit_by(
        &tx,
        now,
        "user_created",
        Some(&who),
        Some(DEMO_USER),
        None,
        Some("demo"),
        None,
    )
    .await
    .map_err(storage)?;
    tx.commit().await.map_err(storage)?;
    Ok(Some(DemoUser {
        name: DEMO_USER.to_owned(),
        password,
    }))
}
