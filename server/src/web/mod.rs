//! The User Portal as web pages: server-rendered HTML (minijinja templates),
//! one stylesheet, one small script that only enhances (every page works
//! without it), CSRF tokens on every form, and the security headers and
//! cookie flags in `page` and `cookies`. The JSON portal API (`api::portal`)
//! stays for programs; these pages are for people.

mod admin;
mod admin_oidc;
mod apps;
pub(crate) mod cookies;
mod csrf;
pub(crate) mod page;
mod password_reset;
mod qr;
mod security;
mod signin;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use countersign_otp::clock::UnixTime;

use crate::state::Shared;
use page::{Visit, see_other};

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/", get(home))
        .route("/portal", get(home))
        .route("/portal/", get(home))
        .route("/portal/login", get(signin::page))
        .route("/portal/login/password", post(signin::submit))
        .route("/portal/login/push/{id}", get(signin::wait))
        .route("/portal/login/push/{id}/status", get(signin::wait_status))
        .route(
            "/portal/login/code",
            get(signin::code_page).post(signin::code_submit),
        )
        .route("/portal/logout", post(signin::sign_out))
        .route("/portal/password-reset", get(password_reset::ask_page))
        // POST /portal/password-reset is the JSON API's (api::portal).
        .route("/portal/password-reset/request", post(password_reset::ask))
        .route(
            "/portal/password-reset/{secret}",
            get(password_reset::choose_page).post(password_reset::choose),
        )
        .route(
            "/portal/password-reset/{secret}/wait",
            get(password_reset::wait),
        )
        .route(
            "/portal/password-reset/{secret}/status",
            get(password_reset::status),
        )
        .route("/portal/security", get(security::page))
        .route("/portal/security/device", post(security::enroll_device))
        .route("/portal/security/device/{id}", get(security::device_check))
        .route(
            "/portal/security/device/{id}/status",
            get(security::device_status),
        )
        .route("/portal/security/totp", post(security::setup_totp))
        .route("/portal/security/totp/reset", post(security::reset_totp))
        .route(
            "/portal/security/totp/confirm",
            post(security::confirm_totp),
        )
        .route("/portal/apps", get(apps::list))
        .route("/portal/apps/{id}/open", post(apps::open))
        .route("/portal/apps/{id}/launched", get(apps::launched))
        .route("/portal/apps/{id}/step-up/{push}", get(apps::step_up))
        .route(
            "/portal/apps/{id}/step-up/{push}/status",
            get(apps::step_up_status),
        )
        .route("/admin", get(admin::users))
        .route("/admin/", get(admin::users))
        .route("/admin/login", get(admin::login_page).post(admin::login))
        .route("/admin/logout", post(admin::logout))
        .route("/admin/users", post(admin::add_user))
        .route("/admin/users/{name}", get(admin::user))
        .route("/admin/users/{name}/enroll", post(admin::enroll))
        .route("/admin/users/{name}/unlock", post(admin::unlock))
        .route("/admin/users/{name}/reset", post(admin::reset))
        .route("/admin/users/{name}/password", post(admin::set_password))
        .route("/admin/users/{name}/invite", post(admin::invite))
        .route("/admin/users/{name}/delete", post(admin::delete))
        .route(
            "/admin/resources",
            get(admin::resources).post(admin::save_resource),
        )
        .route("/admin/policy", get(admin::policy).post(admin::save_policy))
        .route("/admin/audit", get(admin::audit))
        .route("/admin/diagnostics", get(admin::diagnostics))
        .route("/admin/oidc", get(admin_oidc::page))
        .route("/admin/oidc/clients", post(admin_oidc::create))
        .route("/admin/oidc/clients/{id}", post(admin_oidc::update))
        .route("/admin/oidc/clients/{id}/delete", post(admin_oidc::delete))
        .route("/admin/oidc/keys/rotate", post(admin_oidc::rotate))
        .route("/portal/static/portal.css", get(stylesheet))
        .route("/portal/static/portal.js", get(script))
}

async fn home(visit: Visit) -> Response {
    let next = if visit.user.is_some() {
        "/portal/security"
    } else {
        "/portal/login"
    };
    see_other(next, Vec::new())
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    page::security_headers(headers);
    response
}

async fn stylesheet() -> Response {
    asset("text/css; charset=utf-8", include_str!("static/portal.css"))
}

async fn script() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("static/portal.js"),
    )
}

/// `HH:MM:SS UTC` of a Unix time, as the pages show times.
pub(crate) fn clock_time(at: UnixTime) -> String {
    let seconds = at.rem_euclid(86_400);
    format!(
        "{:02}:{:02}:{:02} UTC",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// `YYYY-MM-DD` of a Unix time.
pub(crate) fn date(at: UnixTime) -> String {
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let days = at.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// `YYYY-MM-DD HH:MM:SS UTC` of a Unix time.
pub(crate) fn date_time(at: UnixTime) -> String {
    format!("{} {}", date(at), clock_time(at))
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_are_civil() {
        assert_eq!(super::date(0), "1970-01-01");
        assert_eq!(super::date(1_700_000_000), "2023-11-14");
        assert_eq!(super::date(951_782_400), "2000-02-29");
        assert_eq!(super::date_time(1_700_000_000), "2023-11-14 22:13:20 UTC");
    }
}
