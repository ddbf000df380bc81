//! countersign-server: the reference push-MFA service that the Countersign phone
//! (and `countersign` CLI) talks to, speaking docs/protocol.md, with an admin API,
//! a relying-party API and a minimal user portal. SQLite is the embedded store.

pub mod api;
pub mod attempt_throttle;
pub mod attestation;
pub mod auth;
pub mod client_addr;
pub mod config;
pub mod context;
pub mod db;
pub mod delivery;
pub mod demo;
pub mod diagnostics;
pub mod enrollment;
pub mod extract;
pub mod files;
pub mod ids;
pub mod layers;
pub mod mail;
pub mod oidc;
pub mod passwords;
pub mod problem;
pub mod replay;
pub mod risk;
pub mod rules;
pub mod sealing;
pub mod sessions;
pub mod state;
pub mod store;
pub mod tokens;
pub mod totp;
pub mod totp_throttle;
pub mod user_keys;
pub mod web;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use countersign_otp::clock::Clock;
use countersign_protocol::wire::MAX_BODY_BYTES;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use client_addr::{Cidr, TrustedProxies};
pub use config::{Config, ConfigError, PortalConfig};
use state::Shared;

pub fn router(state: Shared) -> Router {
    use api::{admin, device, diagnostics, portal, relying_party as rp};
    let fallback_state = state.clone();
    Router::new()
        .route("/v1/enroll", post(device::enroll))
        .route(
            "/v1/devices/{id}",
            get(device::get_device).delete(device::delete_device),
        )
        .route("/v1/devices/{id}/challenges", get(device::challenges))
        .route("/v1/devices/{id}/push-token", put(device::put_push_token))
        .route("/v1/challenges/{id}/answer", post(device::answer))
        .route("/v1/pushes", post(rp::create_push))
        .route(
            "/v1/pushes/{id}",
            get(rp::get_push).delete(rp::withdraw_push),
        )
        .route("/v1/totp/verify", post(rp::verify_totp))
        .route("/v1/diagnostics", post(diagnostics::collect))
        .route(
            "/v1/admin/users",
            get(admin::list_users).post(admin::create_user),
        )
        .route(
            "/v1/admin/users/{user}",
            get(admin::get_user).delete(admin::delete_user),
        )
        .route(
            "/v1/admin/users/{user}/enrollments",
            post(admin::create_enrollment),
        )
        .route("/v1/admin/users/{user}/pushes", get(admin::user_pushes))
        .route("/v1/admin/users/{user}/reset", post(admin::reset_user))
        .route("/v1/admin/users/{user}/password", put(admin::set_password))
        .route(
            "/v1/admin/users/{user}/lock",
            axum::routing::delete(admin::unlock_user),
        )
        .route(
            "/v1/admin/resources",
            get(admin::list_resources).post(admin::create_resource),
        )
        .route(
            "/v1/admin/resources/{id}",
            axum::routing::patch(admin::patch_resource),
        )
        .route(
            "/v1/admin/policy",
            get(admin::get_policy).put(admin::put_policy),
        )
        .route("/v1/admin/audit", get(admin::audit))
        .route("/v1/admin/diagnostics", get(admin::diagnostics))
        .route("/portal/login", post(portal::login))
        .route("/portal/step-up", post(portal::step_up))
        .route("/portal/password-reset", post(portal::password_reset))
        .route("/portal/pushes/{id}", get(portal::push))
        .route("/portal/me", get(portal::me))
        .route("/health", get(|| async { "ok" }))
        .merge(web::routes())
        .merge(oidc::routes())
        .fallback(move |uri: axum::http::Uri| {
            let state = fallback_state.clone();
            async move { layers::unknown_path(&state, uri.path()) }
        })
        // Our extractors enforce the limit with a problem document; this is the backstop.
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES + 1))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            layers::limit_body,
        ))
        .layer(axum::middleware::map_response(layers::no_store))
        .with_state(state)
}

/// A server listening on its own task; dropping it does not stop it, `stop` does.
#[derive(Debug)]
pub struct RunningServer {
    pub address: SocketAddr,
    pub state: Shared,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningServer {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = self.task.await;
    }
}

/// Opens the store and key, binds the listener and serves in the background;
/// no proxy is trusted to name the client.
/// Re-seals every stored secret under the key in `new_key` (made if it does
/// not exist yet); the number of secrets. Run with every instance stopped.
pub async fn reseal(config: &Config, new_key: &std::path::Path) -> Result<usize, ConfigError> {
    let sealing_error = |error: sealing::SealingError| ConfigError::Sealing(error.to_string());
    let old = sealing::SealingKey::load(&config.sealing_source()).map_err(sealing_error)?;
    let new = sealing::SealingKey::load_or_create(new_key).map_err(sealing_error)?;
    let database = config.open_database().await?;
    let mut conn = database
        .conn()
        .await
        .map_err(|error| ConfigError::Database(error.to_string()))?;
    // A database never sealed is sealed under the old key first.
    sealing::seal_database(&mut conn, &old)
        .await
        .map_err(sealing_error)?;
    sealing::reseal(&mut conn, &old, &new)
        .await
        .map_err(sealing_error)
}

pub async fn start(config: &Config, clock: Arc<dyn Clock>) -> Result<RunningServer, ConfigError> {
    start_with(config, TrustedProxies::default(), clock).await
}

/// As `start`, believing `X-Forwarded-For` from `trusted_proxies` (kept out of
/// `Config` so the crates that build a `Config` literally keep compiling).
pub async fn start_with(
    config: &Config,
    trusted_proxies: TrustedProxies,
    clock: Arc<dyn Clock>,
) -> Result<RunningServer, ConfigError> {
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|error| ConfigError::Listen {
            address: config.listen,
            reason: error.to_string(),
        })?;
    let address = listener.local_addr().map_err(|error| ConfigError::Listen {
        address: config.listen,
        reason: error.to_string(),
    })?;
    let senders = config
        .delivery
        .senders(clock.clone())
        .map_err(|error| ConfigError::Delivery(error.to_string()))?;
    let state: Shared = Arc::new(config.open_state(address, clock, trusted_proxies).await?);
    // Long polls here wake when another instance decides a challenge.
    let woken = Arc::downgrade(&state);
    state.database().listen_for_decisions(Arc::new(move || {
        if let Some(state) = woken.upgrade() {
            state.decided.notify_waiters();
        }
    }));
    if !senders.is_empty() {
        let dispatcher = delivery::Dispatcher::start(
            senders,
            config.delivery.retry,
            config.delivery.confirmation_hold,
            Arc::downgrade(&state),
        );
        let _ = state.deliveries.set(dispatcher);
    }
    let app = router(state.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = stopped.await;
        })
        .await;
        if let Err(error) = served {
            eprintln!("countersign-server stopped: {error}");
        }
    });
    Ok(RunningServer {
        address,
        state,
        stop: Some(stop),
        task,
    })
}
