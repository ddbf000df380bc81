//! The product's rules, in one place: which policy applies, the pending-push
//! limit, number matching, fraud locks, and what a decision does to portal
//! sessions and password resets. Handlers call these; they hold no rules.

use crate::db::{Conn, DbResult, OptionalExtension, Sql, Tx, params};
use crate::delivery::{Delivery, Platform, status};
use countersign_otp::clock::UnixTime;
use countersign_protocol::jose;
use countersign_protocol::risk::RiskLevel;
use countersign_protocol::wire::{
    Biometric, CHALLENGE_LIFETIME, ChallengeClaims, ChallengeKind, Context, Policy, ProblemType,
    Resource, TYP_CHALLENGE,
};
use ring::rand::{SecureRandom, SystemRandom};

use crate::api::portal::PORTAL_RESOURCE;
use crate::problem::ApiError;
use crate::risk::{self, Assessment, Level, ResourceRisk, RiskPolicy, RiskView};
use crate::sessions;
use crate::state::AppState;
use crate::store::{self, Who};

/// The default policy plus the per-resource overrides, resolved.
#[derive(Debug, Clone, Copy)]
pub struct Effective {
    pub policy: Policy,
    pub max_pending: i64,
    pub fraud_lock_seconds: i64,
    /// Enrollments must bring an attested user key (ADR 0014); organisation-wide.
    pub require_attested_uv: bool,
    /// The resource's risk policy (standard without a resource).
    pub risk: ResourceRisk,
}

pub fn biometric_from(text: &str) -> Biometric {
    if text == "required" {
        Biometric::Required
    } else {
        Biometric::Optional
    }
}

pub fn biometric_text(biometric: Biometric) -> &'static str {
    match biometric {
        Biometric::Required => "required",
        Biometric::Optional => "optional",
    }
}

pub async fn effective_policy(db: &impl Sql, resource: Option<&str>) -> DbResult<Effective> {
    let (biometric, number_matching, max_pending, fraud_lock_seconds, require_attested_uv): (
        String,
        bool,
        i64,
        i64,
        bool,
    ) = db
        .query_row(
            "SELECT biometric, number_matching, max_pending, fraud_lock_seconds, require_attested_uv
             FROM policy WHERE id = 1",
            params![],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?)),
        ).await?;
    let mut effective = Effective {
        policy: Policy {
            biometric: biometric_from(&biometric),
            number_matching,
        },
        max_pending,
        fraud_lock_seconds,
        require_attested_uv,
        risk: ResourceRisk::default(),
    };
    if let Some(resource) = resource {
        type Overrides = (
            Option<String>,
            Option<bool>,
            Option<i64>,
            Option<String>,
            bool,
        );
        let overrides: Option<Overrides> = db
            .query_row(
                "SELECT biometric, number_matching, max_pending, risk, risk_unusual_hour
                 FROM resources WHERE id = ?1",
                params![resource],
                |row| {
                    Ok((
                        row.get(0)?,
                        row.get(1)?,
                        row.get(2)?,
                        row.get(3)?,
                        row.get(4)?,
                    ))
                },
            )
            .await
            .optional()?;
        if let Some((biometric, number_matching, max_pending, risk, unusual_hour)) = overrides {
            effective.risk = ResourceRisk {
                // The admin API stores only known names; NULL is the default.
                policy: risk
                    .as_deref()
                    .and_then(RiskPolicy::from_text)
                    .unwrap_or_default(),
                unusual_hour,
            };
            if let Some(biometric) = biometric {
                effective.policy.biometric = biometric_from(&biometric);
            }
            if let Some(number_matching) = number_matching {
                effective.policy.number_matching = number_matching;
            }
            if let Some(max_pending) = max_pending {
                effective.max_pending = max_pending;
            }
        }
    }
    Ok(effective)
}

pub fn random_id(prefix: &str, bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    // SystemRandom only fails if the OS has no entropy source at all.
    let _ = SystemRandom::new().fill(&mut buffer);
    format!("{prefix}{}", jose::base64url(&buffer))
}

/// A 3-digit number, uniform over 100..=999.
fn random_number() -> String {
    let mut byte = [0u8; 2];
    loop {
        let _ = SystemRandom::new().fill(&mut byte);
        let value = u16::from_be_bytes(byte);
        // Reject the top of the range so every number is equally likely.
        if value < 64_800 {
            return (100 + value % 900).to_string();
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct PushCreated {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    pub expires_at: UnixTime,
    pub server_time: UnixTime,
    /// For the relying-party API only (it adds it): the portal's answers must
    /// not tell a real push from a decoy, which has none.
    #[serde(skip_serializing)]
    pub risk: Option<RiskView>,
}

/// Who asked for a push, beyond the bearer token.
#[derive(Debug, Clone, Default)]
pub struct PushOrigin {
    /// The portal session a step-up is for (its hash, as stored).
    pub session: Option<String>,
    /// Hash of the portal sign-in's hand-off secret (see `api::portal`).
    pub handoff_hash: Option<String>,
    /// The caller, for the audit log.
    pub who: Option<Who>,
}

/// Starts a push for (user, resource): checks enrollment, fraud lock and the
/// pending limit, then signs and stores the challenge.
pub async fn create_push(
    state: &AppState,
    user: &str,
    resource_id: &str,
    kind: ChallengeKind,
    context: Context,
    origin: &PushOrigin,
) -> Result<PushCreated, ApiError> {
    let mut conn = state.db().await?;
    let tx = pending_limit_transaction(state, &mut conn, user, resource_id).await?;
    let result = create_push_in(state, &tx, user, resource_id, kind, context, origin).await;
    let (created, delivery) = finish(state, tx, result).await?;
    hand_over(state, delivery);
    Ok(created)
}

/// A transaction in which the pending limit of (user, resource) can be
/// counted and then kept: creators for the same pair wait for each other,
/// also on other instances (a row lock would lock nothing while no push is
/// pending yet, so the count-then-insert would still race).
async fn pending_limit_transaction<'c>(
    state: &AppState,
    conn: &'c mut Conn,
    user: &str,
    resource_id: &str,
) -> Result<Tx<'c>, ApiError> {
    let storage = |e| state.storage(e);
    let tx = conn.transaction().await.map_err(storage)?;
    tx.lock_key(&format!("pending\u{1f}{user}\u{1f}{resource_id}"))
        .await
        .map_err(storage)?;
    Ok(tx)
}

/// Ends a push's transaction: a refusal commits too (its audit line is the
/// write), storage trouble rolls everything back.
async fn finish<T>(
    state: &AppState,
    tx: Tx<'_>,
    result: Result<T, ApiError>,
) -> Result<T, ApiError> {
    match result {
        Err(error) if error.kind() == Some(ProblemType::Unavailable) => Err(error),
        other => {
            tx.commit().await.map_err(|e| state.storage(e))?;
            other
        }
    }
}

async fn create_push_in(
    state: &AppState,
    db: &Tx<'_>,
    user: &str,
    resource_id: &str,
    kind: ChallengeKind,
    context: Context,
    origin: &PushOrigin,
) -> Result<(PushCreated, Option<Delivery>), ApiError> {
    let now = state.now();
    let storage = |e| state.storage(e);
    if !store::user_exists(&db, user).await.map_err(storage)? {
        return Err(state.problem(ProblemType::NotFound, "no such user"));
    }
    let resource_name: String = db
        .query_row(
            "SELECT name FROM resources WHERE id = ?1",
            params![resource_id],
            |row| row.get(0),
        )
        .await
        .optional()
        .map_err(storage)?
        .ok_or_else(|| state.problem(ProblemType::NotFound, "no such resource"))?;
    let device = store::current_device_locked(&db, user)
        .await
        .map_err(storage)?
        .ok_or_else(|| {
            state.problem(ProblemType::NotEnrolled, "the user has no enrolled device")
        })?;
    if device.confirmed_at.is_none() {
        return Err(state.problem(
            ProblemType::NotEnrolled,
            "the user's new device has not confirmed its enrollment yet: \
             they approve the confirmation on the phone",
        ));
    }
    // Read with a share lock (PostgreSQL): a fraud report that locks the user
    // on another instance waits for this push to be stored, then denies it
    // with the rest; one that came first is seen here.
    let locked_until: Option<i64> = db
        .query_row(
            &format!(
                "SELECT fraud_locked_until FROM users WHERE name = ?1{}",
                db.for_share()
            ),
            params![user],
            |row| row.get(0),
        )
        .await
        .optional()
        .map_err(storage)?
        // Deleted on another instance since it was looked up above.
        .ok_or_else(|| state.problem(ProblemType::NotFound, "no such user"))?;
    if let Some(until) = locked_until.filter(|until| *until > now) {
        refused(&db, now, origin, user, resource_id, "fraud_locked", None)
            .await
            .map_err(storage)?;
        return Err(state
            .problem(
                ProblemType::FraudLocked,
                "pushes to this user are locked after a fraud report",
            )
            .with("locked_until", until));
    }
    let effective = effective_policy(&db, Some(resource_id))
        .await
        .map_err(storage)?;
    check_pending_limit(state, &db, user, resource_id, effective, now, origin).await?;
    let assessment = risk::assess(&db, user, &risk::Attempt::of(&context, now), effective.risk)
        .await
        .map_err(storage)?;
    if assessment.level == Level::VeryHigh {
        let refusal = Refusal {
            device: &device,
            user,
            resource_id,
            kind,
            context: &context,
            policy: effective.policy,
        };
        return Err(refuse_risky(state, db, refusal, &assessment, origin).await?);
    }
    let demands = risk::demands(assessment.level, effective.policy);
    let claims = ChallengeClaims {
        id: random_id("ch_", 16),
        device: device.id.clone(),
        user: user.to_owned(),
        kind,
        resource: Resource {
            id: resource_id.to_owned(),
            name: resource_name,
        },
        context,
        number_matching: demands.number_matching,
        number_choices: None,
        biometric: demands.biometric,
        iat: now,
        exp: now + demands.lifetime,
        risk: assessment.challenge_risk(),
    };
    issue(state, db, &device, claims, origin, Some(&assessment)).await
}

/// The push a very high risk refuses.
struct Refusal<'a> {
    device: &'a store::Device,
    user: &'a str,
    resource_id: &'a str,
    kind: ChallengeKind,
    context: &'a Context,
    policy: Policy,
}

/// Records a push refused for its risk, and alerts the administrator through
/// the audit log (`risk_refused`, the reasons as its outcome). The row is
/// kept, never sent: later pushes count it (a burst, a spray goes on being
/// one) and the admin's views show it.
async fn refuse_risky(
    state: &AppState,
    db: &impl Sql,
    refusal: Refusal<'_>,
    assessment: &Assessment,
    origin: &PushOrigin,
) -> Result<ApiError, ApiError> {
    let storage = |e| state.storage(e);
    let now = state.now();
    let id = random_id("ch_", 16);
    let (lat, lon) = micro_degrees(refusal.context);
    db.execute(
        "INSERT INTO challenges (id, device, user, resource, kind, number, biometric, jws, iat, exp,
                                 status, decided_at, delivery, ip, network, lat, lon, context_time,
                                 risk_score, risk_level, risk_reasons)
         VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6, '', ?7, ?7, 'refused', ?7, 'skipped', ?8, ?9, ?10, ?11,
                 ?12, ?13, ?14, ?15)",
        params![
            id,
            refusal.device.id,
            refusal.user,
            refusal.resource_id,
            refusal.kind.as_str(),
            biometric_text(refusal.policy.biometric),
            now,
            refusal.context.ip,
            refusal.context.network,
            lat,
            lon,
            refusal.context.time,
            i64::from(assessment.score),
            assessment.level.as_str(),
            risk::reasons_text(&assessment.reasons)
        ],
    )
    .await
    .map_err(storage)?;
    store::audit_by(
        db,
        now,
        "risk_refused",
        origin.who.as_ref(),
        Some(refusal.user),
        Some(refusal.resource_id),
        Some(&risk::reasons_text(&assessment.reasons)),
        Some(&risk::audit_detail(&id, Some(assessment))),
    )
    .await
    .map_err(storage)?;
    Ok(risk::refused_problem(assessment, now))
}

/// A context's coordinates as stored: micro-degrees.
fn micro_degrees(context: &Context) -> (Option<i64>, Option<i64>) {
    match context.coordinates() {
        Some((lat, lon)) => (Some(lat.micro()), Some(lon.micro())),
        None => (None, None),
    }
}

/// After a new device enrolls: the `enrollment_confirm` push that finishes
/// it (the guide's "click Approve for the process to complete"). The phone
/// approves it at once when it enrolled in the foreground; otherwise it
/// arrives as a push like any other. Not issued twice while one is pending,
/// and not subject to the pending limit (no relying party asked for it).
pub async fn issue_enrollment_confirmation(
    state: &AppState,
    device_id: &str,
    client: &str,
) -> Result<(), ApiError> {
    let now = state.now();
    let mut conn = state.db().await?;
    let storage = |e| state.storage(e);
    // One confirmation at a time per device, also across instances.
    let db = conn.transaction().await.map_err(storage)?;
    db.lock_key(&format!("confirm\u{1f}{device_id}"))
        .await
        .map_err(storage)?;
    let Some(device) = store::device(&db, device_id).await.map_err(storage)? else {
        return Ok(());
    };
    if device.confirmed_at.is_some() || device.revoked_at.is_some() {
        return Ok(());
    }
    let pending: bool = db
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM challenges WHERE device = ?1 AND kind = 'enrollment_confirm'
                            AND status = 'pending' AND exp > ?2)",
            params![device_id, now],
            |row| row.get(0),
        ).await
        .map_err(storage)?;
    if pending {
        return Ok(());
    }
    let resource_name: String = db
        .query_row(
            "SELECT name FROM resources WHERE id = ?1",
            params![PORTAL_RESOURCE],
            |row| row.get(0),
        )
        .await
        .map_err(storage)?;
    let claims = ChallengeClaims {
        id: random_id("ch_", 16),
        device: device.id.clone(),
        user: device.user.clone(),
        kind: ChallengeKind::EnrollmentConfirm,
        resource: Resource {
            id: PORTAL_RESOURCE.to_owned(),
            name: resource_name,
        },
        // Where the enrollment came from, for the phone to show.
        context: Context {
            ip: Some(client.to_owned()).filter(|ip| ip.len() <= 200),
            time: now,
            ..Context::default()
        },
        number_matching: false,
        number_choices: None,
        // Confirming one's own enrollment needs no biometric: the phone was
        // just unlocked to scan the code.
        biometric: Biometric::Optional,
        iat: now,
        exp: now + CHALLENGE_LIFETIME,
        // Not a sign-in: nothing to assess.
        risk: None,
    };
    let origin = PushOrigin {
        who: Some(Who::new(format!("device:{device_id}"), client)),
        ..PushOrigin::default()
    };
    let (_, delivery) = issue(state, &db, &device, claims, &origin, None).await?;
    db.commit().await.map_err(storage)?;
    hand_over(state, delivery);
    Ok(())
}

/// Signs the challenge, stores it (with what later risk assessments read, and
/// its own assessment) and audits it; its delivery is handed over
/// (`hand_over`) once the caller has committed, so that the dispatcher (on
/// its own connection) finds the row it is about to update.
async fn issue(
    state: &AppState,
    db: &impl Sql,
    device: &store::Device,
    claims: ChallengeClaims,
    origin: &PushOrigin,
    assessment: Option<&Assessment>,
) -> Result<(PushCreated, Option<Delivery>), ApiError> {
    let storage = |e| state.storage(e);
    let now = claims.iat;
    let kind = claims.kind;
    let user = claims.user.clone();
    let resource_id = claims.resource.id.clone();
    let number = claims.number_matching.then(random_number);
    let jws = jose::sign(TYP_CHALLENGE, &claims, &state.key, false)
        .map_err(|_| state.problem(ProblemType::Unavailable, "could not sign the challenge"))?;
    let delivery = planned_delivery(state, device, &claims, &jws);
    let delivery_status = if delivery.is_some() {
        status::QUEUED
    } else {
        status::POLL_ONLY
    };
    let (lat, lon) = micro_degrees(&claims.context);
    db.execute(
        "INSERT INTO challenges (id, device, user, resource, kind, number, biometric, jws, iat, exp, session, handoff,
                                 delivery, delivery_detail, ip, network, lat, lon, context_time,
                                 risk_score, risk_level, risk_reasons)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
                 ?20, ?21, ?22)",
        params![
            claims.id,
            claims.device,
            user,
            resource_id,
            kind.as_str(),
            number,
            biometric_text(claims.biometric),
            jws,
            claims.iat,
            claims.exp,
            origin.session,
            origin.handoff_hash,
            delivery_status,
            None::<&str>,
            claims.context.ip,
            claims.context.network,
            lat,
            lon,
            claims.context.time,
            assessment.map(|a| i64::from(a.score)),
            assessment.map(|a| a.level.as_str()),
            assessment.map(|a| risk::reasons_text(&a.reasons))
        ],
    ).await
    .map_err(storage)?;
    store::audit_by(
        db,
        now,
        "push_created",
        origin.who.as_ref(),
        Some(&user),
        Some(&resource_id),
        Some(kind.as_str()),
        Some(&risk::audit_detail(&claims.id, assessment)),
    )
    .await
    .map_err(storage)?;
    Ok((
        PushCreated {
            id: claims.id,
            number,
            expires_at: claims.exp,
            server_time: now,
            risk: assessment.map(RiskView::of),
        },
        delivery,
    ))
}

/// What APNs/FCM delivery will send, when the device has a push token and a
/// sender serves its platform; `None` means the phone polls for it.
fn planned_delivery(
    state: &AppState,
    device: &store::Device,
    claims: &ChallengeClaims,
    jws: &str,
) -> Option<Delivery> {
    let (Some(dispatcher), Some(platform), Some(token)) = (
        state.deliveries.get(),
        Platform::from_enrolled(&device.platform),
        device.push_token.as_ref(),
    ) else {
        return None;
    };
    if !dispatcher.serves(platform) {
        return None;
    }
    Some(Delivery {
        challenge_id: claims.id.clone(),
        user: claims.user.clone(),
        device_id: device.id.clone(),
        platform,
        push_token: token.clone(),
        jws: jws.to_owned(),
        kind: claims.kind,
        resource: claims.resource.id.clone(),
        biometric_required: claims.biometric == Biometric::Required,
        in_app: claims.risk_level() == RiskLevel::High,
        expires_at: claims.exp,
        hold: if claims.kind == ChallengeKind::EnrollmentConfirm {
            dispatcher.confirmation_hold
        } else {
            std::time::Duration::ZERO
        },
    })
}

/// Queues a committed push's delivery. A full queue leaves the push to be
/// fetched by polling; the admin learns why it was not sent.
fn hand_over(state: &AppState, delivery: Option<Delivery>) {
    let (Some(delivery), Some(dispatcher)) = (delivery, state.deliveries.get()) else {
        return;
    };
    dispatcher.enqueue_or_record(delivery);
}

/// At most `max_pending` unanswered pushes per (user, resource) in 60 s; decoys
/// (below) count, so a second sign-in for an unknown user is limited alike.
async fn check_pending_limit(
    state: &AppState,
    db: &impl Sql,
    user: &str,
    resource_id: &str,
    effective: Effective,
    now: UnixTime,
    origin: &PushOrigin,
) -> Result<(), ApiError> {
    let storage = |e| state.storage(e);
    let (pending, oldest_exp): (i64, Option<i64>) = db
        .query_row(
            "SELECT COUNT(*), MIN(exp) FROM challenges
             WHERE user = ?1 AND resource = ?2 AND status = 'pending' AND exp > ?3 AND iat > ?4",
            params![user, resource_id, now, now - CHALLENGE_LIFETIME],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .await
        .map_err(storage)?;
    if pending >= effective.max_pending {
        let retry_after = oldest_exp.map_or(1, |exp| (exp - now).max(1));
        refused(db, now, origin, user, resource_id, "rate_limited", None)
            .await
            .map_err(storage)?;
        return Err(state
            .problem(
                ProblemType::RateLimited,
                if pending == 1 {
                    "a push is already pending for this user and resource".to_owned()
                } else {
                    format!("{pending} pushes are already pending for this user and resource")
                },
            )
            .with("retry_after", retry_after));
    }
    Ok(())
}

/// A push handle that looks like `create_push`'s but reaches no device and is
/// never approved: the portal answers sign-ins for unknown, unenrolled or
/// fraud-locked users with it, so its answers do not tell who exists. It is a
/// challenge row addressed to no device, so it is pending, then expires, and
/// counts towards the pending limit exactly like a real push.
///
/// Its risk is assessed as a real push's would be, from what is stored under
/// the name (earlier decoys make bursts and streaks, the address sprays), and
/// shapes the answer alike (a number from medium, 30 s from high), so that a
/// risky real push does not stand out from a decoy. (A real user's history
/// holds more than a name's decoys, which are pruned after 10 minutes and
/// never approved: docs/server.md says where that can still show.)
pub async fn create_decoy(
    state: &AppState,
    user: &str,
    resource_id: &str,
    kind: ChallengeKind,
    context: &Context,
    why: &str,
    origin: &PushOrigin,
) -> Result<PushCreated, ApiError> {
    let mut conn = state.db().await?;
    let tx = pending_limit_transaction(state, &mut conn, user, resource_id).await?;
    let decoy = Decoy {
        user,
        resource_id,
        kind,
        context,
        why,
    };
    let result = create_decoy_in(state, &tx, decoy, origin).await;
    finish(state, tx, result).await
}

/// What a decoy stands in for.
struct Decoy<'a> {
    user: &'a str,
    resource_id: &'a str,
    kind: ChallengeKind,
    context: &'a Context,
    why: &'a str,
}

async fn create_decoy_in(
    state: &AppState,
    db: &Tx<'_>,
    decoy: Decoy<'_>,
    origin: &PushOrigin,
) -> Result<PushCreated, ApiError> {
    let Decoy {
        user,
        resource_id,
        kind,
        context,
        why,
    } = decoy;
    let now = state.now();
    let storage = |e| state.storage(e);
    // Decoys are only needed while they could be read as pending: keep the
    // table from growing with every name a guesser tries.
    db.execute(
        "DELETE FROM challenges WHERE device = '' AND exp < ?1",
        params![now - PORTAL_HANDLE_SECONDS],
    )
    .await
    .map_err(storage)?;
    let effective = effective_policy(&db, Some(resource_id))
        .await
        .map_err(storage)?;
    check_pending_limit(state, &db, user, resource_id, effective, now, origin).await?;
    let assessment = risk::assess(&db, user, &risk::Attempt::of(context, now), effective.risk)
        .await
        .map_err(storage)?;
    // A real push that is refused gets a decoy; so does a decoy at that level.
    let demands = risk::demands(assessment.level, effective.policy);
    let id = random_id("ch_", 16);
    let number = demands.number_matching.then(random_number);
    let exp = now + demands.lifetime;
    let (lat, lon) = micro_degrees(context);
    db.execute(
        "INSERT INTO challenges (id, device, user, resource, kind, number, biometric, jws, iat, exp,
                                 ip, network, lat, lon, context_time, risk_score, risk_level, risk_reasons)
         VALUES (?1, '', ?2, ?3, ?4, ?5, ?6, '', ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        params![
            id,
            user,
            resource_id,
            kind.as_str(),
            number,
            biometric_text(demands.biometric),
            now,
            exp,
            context.ip,
            context.network,
            lat,
            lon,
            context.time,
            i64::from(assessment.score),
            assessment.level.as_str(),
            risk::reasons_text(&assessment.reasons)
        ],
    ).await
    .map_err(storage)?;
    refused(
        &db,
        now,
        origin,
        user,
        resource_id,
        why,
        Some("answered with a decoy"),
    )
    .await
    .map_err(storage)?;
    Ok(PushCreated {
        id,
        number,
        expires_at: exp,
        server_time: now,
        risk: None,
    })
}

/// A portal push handle (real or decoy) can be read until this long after it
/// expires; after that both are `not_found`, so deleting old decoys does not
/// tell them apart from real pushes.
pub const PORTAL_HANDLE_SECONDS: i64 = 600;

/// A refused push, aggregated per source and minute when the caller is known.
async fn refused(
    db: &impl Sql,
    now: UnixTime,
    origin: &PushOrigin,
    user: &str,
    resource: &str,
    outcome: &str,
    detail: Option<&str>,
) -> DbResult<()> {
    match &origin.who {
        Some(who) => {
            store::audit_refusal(
                db,
                now,
                "push_refused",
                who,
                Some(user),
                Some(resource),
                outcome,
                detail,
            )
            .await
        }
        None => {
            store::audit(
                db,
                now,
                "push_refused",
                Some(user),
                Some(resource),
                Some(outcome),
                detail,
            )
            .await
        }
    }
}

/// How a challenge was decided.
#[derive(Debug, Clone, Copy)]
pub struct Decided {
    pub approved: bool,
    pub fraud: bool,
    /// Denied because the number did not match.
    pub wrong_number: bool,
}

/// What happens once a challenge is decided, beyond its status.
pub async fn apply_decision(
    db: &impl Sql,
    now: UnixTime,
    challenge_id: &str,
    decided: Decided,
) -> DbResult<()> {
    let Decided {
        approved,
        fraud,
        wrong_number,
    } = decided;
    let (user, resource, kind): (String, String, String) = db
        .query_row(
            "SELECT user, resource, kind FROM challenges WHERE id = ?1",
            params![challenge_id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .await?;
    let outcome = if approved {
        "approved"
    } else if wrong_number {
        "wrong_number"
    } else if fraud {
        "denied_fraud"
    } else {
        "denied"
    };
    store::audit(
        db,
        now,
        "push_answered",
        Some(&user),
        Some(&resource),
        Some(outcome),
        Some(challenge_id),
    )
    .await?;
    match (kind.as_str(), approved) {
        // Denying a step-up (also by a wrong number) means "that was not me":
        // end the user's portal sessions.
        ("step_up", false) => {
            sessions::revoke_all(db, &user, now, "step_up_denied", Some(challenge_id)).await?;
        }
        ("enrollment_confirm", true) => {
            let confirmed = db
                .execute(
                    "UPDATE devices SET confirmed_at = ?2
                 WHERE id = (SELECT device FROM challenges WHERE id = ?1) AND confirmed_at IS NULL",
                    params![challenge_id, now],
                )
                .await?;
            if confirmed == 1 {
                store::audit(
                    db,
                    now,
                    "device_confirmed",
                    Some(&user),
                    None,
                    None,
                    Some(challenge_id),
                )
                .await?;
            }
        }
        // "I did not enroll this": the new device goes (its enrollment code was
        // used by someone else); the user enrolls again from the portal.
        ("enrollment_confirm", false) => {
            let device: String = db
                .query_row(
                    "SELECT device FROM challenges WHERE id = ?1",
                    params![challenge_id],
                    |row| row.get(0),
                )
                .await?;
            store::revoke_device(db, &device, "enrollment_denied", now).await?;
            store::audit(
                db,
                now,
                "device_revoked",
                Some(&user),
                None,
                Some("enrollment_denied"),
                Some(&device),
            )
            .await?;
        }
        ("password_reset", true) => {
            db.execute(
                "UPDATE challenges SET effect = 'password_reset_completed' WHERE id = ?1",
                params![challenge_id],
            )
            .await?;
            store::audit(
                db,
                now,
                "password_reset",
                Some(&user),
                Some(&resource),
                Some("completed"),
                Some(challenge_id),
            )
            .await?;
        }
        _ => {}
    }
    if fraud {
        let lock_seconds = effective_policy(db, None).await?.fraud_lock_seconds;
        db.execute(
            "UPDATE users SET fraud_locked_until = ?2 WHERE name = ?1",
            params![user, now + lock_seconds],
        )
        .await?;
        db.execute(
            "UPDATE challenges SET status = 'denied', decided_at = ?2 WHERE user = ?1 AND status = 'pending'",
            params![user, now],
        ).await?;
        crate::db::announce_decided(db).await?;
        // Whoever is signing in as the user is not the user.
        sessions::revoke_all(db, &user, now, "fraud_reported", Some(challenge_id)).await?;
        store::audit(
            db,
            now,
            "fraud_reported",
            Some(&user),
            Some(&resource),
            Some("locked"),
            Some(challenge_id),
        )
        .await?;
    }
    Ok(())
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct PushStatus {
    pub id: String,
    pub kind: String,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<UnixTime>,
    pub fraud: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uv: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effect: Option<String>,
    #[serde(skip_serializing)]
    pub user: String,
    #[serde(skip_serializing)]
    pub session: Option<String>,
    #[serde(skip_serializing)]
    pub resource: String,
    #[serde(skip_serializing)]
    pub handoff_hash: Option<String>,
    #[serde(skip_serializing)]
    pub exp: UnixTime,
    /// APNs/FCM delivery (`delivery::status`): for the relying-party API only;
    /// the portal's answers must not tell an enrolled user from a decoy.
    #[serde(skip_serializing)]
    pub delivery: String,
    /// The push's risk: for the relying-party API only, like `delivery`.
    #[serde(skip_serializing)]
    pub risk: Option<RiskView>,
    pub server_time: UnixTime,
}

/// Ends a pending push nobody waits for any more (a code was used instead,
/// or the relying party gave up): it expires now, so the phone stops
/// offering it, an answer is refused as expired, and the pending limit frees
/// its slot. `true` when it was still pending.
pub async fn withdraw_push(db: &impl Sql, id: &str, now: UnixTime) -> DbResult<bool> {
    let withdrawn = db
        .execute(
            "UPDATE challenges SET exp = ?2 WHERE id = ?1 AND status = 'pending' AND exp > ?2",
            params![id, now],
        )
        .await?
        == 1;
    if withdrawn {
        // Long polls on every instance read the new state.
        crate::db::announce_decided(db).await?;
    }
    Ok(withdrawn)
}

pub async fn push_status(db: &impl Sql, id: &str, now: UnixTime) -> DbResult<Option<PushStatus>> {
    db.query_row(
        "SELECT kind, status, decided_at, fraud, uv, effect, exp, user, session, resource, handoff,
                delivery, risk_score, risk_level, risk_reasons
         FROM challenges WHERE id = ?1",
        params![id],
        |row| {
            let status: String = row.get(1)?;
            let exp: i64 = row.get(6)?;
            Ok(PushStatus {
                id: id.to_owned(),
                kind: row.get(0)?,
                status: if status == "pending" && now >= exp {
                    "expired".into()
                } else {
                    status
                },
                decided_at: row.get(2)?,
                fraud: row.get(3)?,
                uv: row.get(4)?,
                effect: row.get(5)?,
                user: row.get(7)?,
                session: row.get(8)?,
                resource: row.get(9)?,
                handoff_hash: row.get(10)?,
                exp,
                delivery: row.get(11)?,
                risk: RiskView::stored(
                    row.get(12)?,
                    row.get::<Option<String>>(13)?.as_deref(),
                    row.get::<Option<String>>(14)?.as_deref(),
                ),
                server_time: now,
            })
        },
    )
    .await
    .optional()
}
