//! Reads what the signals need from the pushes already stored, on either
//! backend. Every read is bounded (a `LIMIT`, an `EXISTS`, or a count over an
//! index range), so a user with years of sign-ins costs a push no more than a
//! new one; reads a signal cannot use (no address, no coordinates, the hour
//! flag off) are not made.
//!
//! Enrollment confirmations are left out everywhere: their address is the
//! phone's, not a sign-in's. A user's history starts when the user was
//! created: pushes are kept after a deletion, and a user re-created with the
//! same name must not inherit another person's known places (as they inherit
//! no enrollment code). Names without a user (the portal's decoys) have all
//! their pushes.

use countersign_otp::clock::UnixTime;
use countersign_protocol::risk::Degrees;

use super::signals::{
    Attempt, Earlier, Familiarity, History, Outcome, Place, SPRAY_WINDOW_SECONDS,
    USUAL_HOURS_SAMPLE,
};
use crate::db::{DbResult, OptionalExtension, Sql, params};

/// Earlier pushes read for the burst and the streak: more than either needs.
const EARLIER_ROWS: i64 = 20;
/// Distinct approved places compared for a new location, the latest first.
const APPROVED_PLACES: i64 = 500;

pub async fn load(
    db: &impl Sql,
    user: &str,
    attempt: &Attempt<'_>,
    unusual_hour: bool,
) -> DbResult<History> {
    let since: i64 = db
        .query_row(
            "SELECT created_at FROM users WHERE name = ?1",
            params![user],
            |row| row.get(0),
        )
        .await
        .optional()?
        .unwrap_or(i64::MIN);
    let mut history = History {
        earlier: earlier(db, user, since, attempt.at).await?,
        ..History::default()
    };
    if attempt.ip.is_some() || attempt.network.is_some() {
        let (address, network) = familiarity(db, user, since, attempt).await?;
        history.address = address;
        history.network = network;
    }
    if attempt.place.is_some() {
        history.approved_places = approved_places(db, user, since).await?;
        history.previous_place = previous_place(db, user, since).await?;
    }
    if unusual_hour {
        history.approved_times = approved_times(db, user, since).await?;
    }
    if let Some(ip) = attempt.ip {
        history.other_users_from_address = other_users_from(db, ip, user, attempt.at).await?;
    }
    Ok(history)
}

async fn earlier(
    db: &impl Sql,
    user: &str,
    since: UnixTime,
    now: UnixTime,
) -> DbResult<Vec<Earlier>> {
    db.query_map(
        "SELECT iat, exp, status FROM challenges
         WHERE user = ?1 AND iat >= ?3 AND kind != 'enrollment_confirm'
         ORDER BY iat DESC, rowid DESC LIMIT ?2",
        params![user, EARLIER_ROWS, since],
        |row| {
            let status: String = row.get(2)?;
            Ok(Earlier {
                iat: row.get(0)?,
                outcome: Outcome::of(&status, row.get(1)?, now),
            })
        },
    )
    .await
}

fn familiarity_of(any: bool, this: bool) -> Familiarity {
    match (any, this) {
        (false, _) => Familiarity::NoHistory,
        (true, true) => Familiarity::Familiar,
        (true, false) => Familiarity::Unfamiliar,
    }
}

/// Whether the user's approved sign-ins carried an address (a network) at all,
/// and this one.
async fn familiarity(
    db: &impl Sql,
    user: &str,
    since: UnixTime,
    attempt: &Attempt<'_>,
) -> DbResult<(Familiarity, Familiarity)> {
    const APPROVED: &str = "SELECT 1 FROM challenges WHERE user = ?1 AND iat >= ?4
                              AND status = 'approved' AND kind != 'enrollment_confirm'";
    let (any_ip, this_ip, any_network, this_network): (bool, bool, bool, bool) = db
        .query_row(
            &format!(
                "SELECT EXISTS ({APPROVED} AND ip IS NOT NULL), EXISTS ({APPROVED} AND ip = ?2),
                        EXISTS ({APPROVED} AND network IS NOT NULL), EXISTS ({APPROVED} AND network = ?3)"
            ),
            params![user, attempt.ip, attempt.network, since],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .await?;
    let address = match attempt.ip {
        Some(_) => familiarity_of(any_ip, this_ip),
        None => Familiarity::NoHistory,
    };
    let network = match attempt.network {
        Some(_) => familiarity_of(any_network, this_network),
        None => Familiarity::NoHistory,
    };
    Ok((address, network))
}

fn place(lat: i64, lon: i64) -> Place {
    // Stored in micro-degrees, which `Degrees` holds exactly.
    (
        Degrees::from_degrees(lat as f64 / 1e6),
        Degrees::from_degrees(lon as f64 / 1e6),
    )
}

async fn approved_places(db: &impl Sql, user: &str, since: UnixTime) -> DbResult<Vec<Place>> {
    db.query_map(
        "SELECT lat, lon FROM challenges
         WHERE user = ?1 AND iat >= ?3 AND status = 'approved' AND kind != 'enrollment_confirm'
           AND lat IS NOT NULL AND lon IS NOT NULL
         GROUP BY lat, lon ORDER BY MAX(iat) DESC LIMIT ?2",
        params![user, APPROVED_PLACES, since],
        |row| Ok(place(row.get(0)?, row.get(1)?)),
    )
    .await
}

/// The latest earlier sign-in with coordinates, whatever its answer (an
/// attacker's denied attempt was still somewhere), but not a refused one:
/// that one was never a sign-in.
async fn previous_place(
    db: &impl Sql,
    user: &str,
    since: UnixTime,
) -> DbResult<Option<(Place, UnixTime)>> {
    db.query_row(
        "SELECT lat, lon, COALESCE(context_time, iat) FROM challenges
         WHERE user = ?1 AND iat >= ?2 AND kind != 'enrollment_confirm' AND status != 'refused'
           AND lat IS NOT NULL AND lon IS NOT NULL
         ORDER BY iat DESC, rowid DESC LIMIT 1",
        params![user, since],
        |row| Ok((place(row.get(0)?, row.get(1)?), row.get(2)?)),
    )
    .await
    .optional()
}

async fn approved_times(db: &impl Sql, user: &str, since: UnixTime) -> DbResult<Vec<UnixTime>> {
    db.query_map(
        "SELECT COALESCE(context_time, iat) FROM challenges
         WHERE user = ?1 AND iat >= ?3 AND status = 'approved' AND kind != 'enrollment_confirm'
         ORDER BY iat DESC, rowid DESC LIMIT ?2",
        params![user, USUAL_HOURS_SAMPLE as i64, since],
        |row| row.get(0),
    )
    .await
}

/// Distinct other users sent pushes (refused ones and the portal's decoys
/// too: a spray of guessed names is still a spray) from `ip` lately.
async fn other_users_from(db: &impl Sql, ip: &str, user: &str, now: UnixTime) -> DbResult<u32> {
    let count: i64 = db
        .query_row(
            "SELECT COUNT(DISTINCT user) FROM challenges
             WHERE ip = ?1 AND iat > ?2 AND user != ?3 AND kind != 'enrollment_confirm'",
            params![ip, now - SPRAY_WINDOW_SECONDS, user],
            |row| row.get(0),
        )
        .await?;
    Ok(u32::try_from(count).unwrap_or(u32::MAX))
}
