//! Rendering a portal page: the templates (minijinja, HTML auto-escaped), what
//! every page knows about the visit (the organisation, the signed-in user, the
//! CSRF token), the headers every page carries, and the error page.

use std::sync::OnceLock;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Environment, Value, context};

use super::cookies;
use super::csrf;
use crate::client_addr::client_of;
use crate::problem::ApiError;
use crate::sessions;
use crate::state::Shared;

/// What a page may load and where it may be shown: our own CSS and script
/// only, inline SVG images, no frames around it, forms posting only here.
const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

fn templates() -> &'static Environment<'static> {
    static TEMPLATES: OnceLock<Environment<'static>> = OnceLock::new();
    TEMPLATES.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in [
            ("base.html", include_str!("templates/base.html")),
            ("signin.html", include_str!("templates/signin.html")),
            (
                "signin_wait.html",
                include_str!("templates/signin_wait.html"),
            ),
            ("security.html", include_str!("templates/security.html")),
            (
                "enroll_device.html",
                include_str!("templates/enroll_device.html"),
            ),
            ("totp_setup.html", include_str!("templates/totp_setup.html")),
            ("message.html", include_str!("templates/message.html")),
            ("apps.html", include_str!("templates/apps.html")),
            (
                "admin_login.html",
                include_str!("templates/admin_login.html"),
            ),
            (
                "admin_users.html",
                include_str!("templates/admin_users.html"),
            ),
            ("admin_user.html", include_str!("templates/admin_user.html")),
            (
                "admin_resources.html",
                include_str!("templates/admin_resources.html"),
            ),
            (
                "admin_policy.html",
                include_str!("templates/admin_policy.html"),
            ),
            (
                "admin_audit.html",
                include_str!("templates/admin_audit.html"),
            ),
            (
                "admin_diagnostics.html",
                include_str!("templates/admin_diagnostics.html"),
            ),
            (
                "password_reset.html",
                include_str!("templates/password_reset.html"),
            ),
            (
                "oidc_logout.html",
                include_str!("templates/oidc_logout.html"),
            ),
            (
                "oidc_consent.html",
                include_str!("templates/oidc_consent.html"),
            ),
            (
                "oidc_continue.html",
                include_str!("templates/oidc_continue.html"),
            ),
            ("admin_oidc.html", include_str!("templates/admin_oidc.html")),
        ] {
            if let Err(error) = env.add_template(name, source) {
                // A template that does not parse is a build mistake the
                // template test catches; the page then says so.
                eprintln!("portal template {name}: {error}");
            }
        }
        env
    })
}

/// One request's visitor: its browser id (made now if it had none), the
/// signed-in user, the client address.
#[derive(Debug, Clone)]
pub struct Visit {
    pub state: Shared,
    pub browser: String,
    new_browser: bool,
    pub user: Option<String>,
    pub session: Option<String>,
    pub client: String,
    pub headers: HeaderMap,
}

impl FromRequestParts<Shared> for Visit {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Shared,
    ) -> Result<Self, Self::Rejection> {
        let browser = cookies::get(&parts.headers, cookies::BROWSER).map(str::to_owned);
        let session = cookies::get(&parts.headers, cookies::SESSION).map(str::to_owned);
        let user = match (&session, state.db().await) {
            (Some(token), Ok(db)) => sessions::authenticate(&db, token, state.now())
                .await
                .ok()
                .flatten(),
            _ => None,
        };
        Ok(Self {
            state: state.clone(),
            new_browser: browser.is_none(),
            browser: browser.unwrap_or_else(csrf::new_browser_id),
            session: user.as_ref().and(session),
            user,
            client: client_of(parts, state),
            headers: parts.headers.clone(),
        })
    }
}

impl Visit {
    pub fn secure_cookies(&self) -> bool {
        cookies::secure_for(&self.state.public_url)
    }

    pub async fn csrf_token(&self) -> Result<String, ApiError> {
        let db = self.state.db().await?;
        let key = csrf::key(&db, &self.state.sealing)
            .await
            .map_err(|e| self.state.sealed_problem(e))?;
        Ok(csrf::token(&key, &self.browser))
    }

    /// Whether a posted form's token is this browser's.
    pub async fn csrf_ok(&self, presented: Option<&str>) -> Result<bool, ApiError> {
        if self.new_browser {
            return Ok(false);
        }
        let db = self.state.db().await?;
        let key = csrf::key(&db, &self.state.sealing)
            .await
            .map_err(|e| self.state.sealed_problem(e))?;
        Ok(csrf::check(&key, Some(&self.browser), presented))
    }

    /// `template` with `extra` and what every page shows.
    pub async fn page(&self, template: &str, extra: Value) -> Result<Page, ApiError> {
        let context = context! {
            org => self.state.org.clone(),
            user => self.user.clone(),
            csrf => self.csrf_token().await?,
            ..extra
        };
        let mut page = Page::render(template, context);
        if self.new_browser {
            page.cookies.push(cookies::set(
                cookies::BROWSER,
                &self.browser,
                sessions::ABSOLUTE_SECONDS,
                self.secure_cookies(),
            ));
        }
        Ok(page)
    }

    /// The page for a form posted without this browser's token.
    pub async fn csrf_refused(&self) -> Result<Page, ApiError> {
        Ok(self
            .page(
                "message.html",
                context! {
                    title => "This form has expired",
                    message => "The form was sent without its security token (an old tab, \
                                or a page from another site). Nothing was changed.",
                    next_url => "/portal/login",
                    next_label => "Start again",
                },
            )
            .await?
            .status(StatusCode::FORBIDDEN))
    }
}

/// A rendered page with the headers every page carries.
#[derive(Debug)]
pub struct Page {
    status: StatusCode,
    body: String,
    pub cookies: Vec<HeaderValue>,
}

impl Page {
    fn render(template: &str, context: Value) -> Self {
        let rendered = templates()
            .get_template(template)
            .and_then(|template| template.render(context));
        match rendered {
            Ok(body) => Self {
                status: StatusCode::OK,
                body,
                cookies: Vec::new(),
            },
            Err(error) => {
                eprintln!("portal template {template}: {error}");
                Self {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    body: "<!doctype html><title>Error</title><p>This page could not be shown."
                        .into(),
                    cookies: Vec::new(),
                }
            }
        }
    }

    pub fn status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    pub fn with_cookie(mut self, cookie: HeaderValue) -> Self {
        self.cookies.push(cookie);
        self
    }
}

pub fn security_headers(headers: &mut HeaderMap) {
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        security_headers(headers);
        for cookie in self.cookies {
            headers.append(header::SET_COOKIE, cookie);
        }
        response
    }
}

/// A redirect after a form (303: the browser follows with GET), with cookies.
pub fn see_other(location: &str, cookies: Vec<HeaderValue>) -> Response {
    let mut response = Redirect::to(location).into_response();
    let headers = response.headers_mut();
    security_headers(headers);
    for cookie in cookies {
        headers.append(header::SET_COOKIE, cookie);
    }
    response
}

/// A form that carries only its CSRF token (a button).
#[derive(Debug, serde::Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: Option<String>,
}

/// A form with one TOTP code.
#[derive(Debug, serde::Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    pub csrf: Option<String>,
    #[serde(default)]
    pub code: String,
}

/// Where a page that needs a signed-in user sends a visitor without one.
pub fn signed_out() -> Response {
    see_other("/portal/login?notice=ended", Vec::new())
}

/// What a page waiting on the phone (sign-in, password reset, step-up) and
/// its status URL say, for the enhancing script.
#[derive(Debug, serde::Serialize)]
pub struct WaitStatus {
    pub status_text: String,
    pub status_class: &'static str,
    /// Where to go now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    /// Nothing will change any more.
    #[serde(rename = "final")]
    pub finished: bool,
}

impl WaitStatus {
    /// Still pending, with the seconds left until `exp`.
    pub fn waiting(exp: i64, now: i64) -> Self {
        Self {
            status_text: format!("Waiting for your approval… ({} s left)", (exp - now).max(0)),
            status_class: "",
            next: None,
            finished: false,
        }
    }
}

/// A failure inside a page handler (storage down…), shown as a page.
#[derive(Debug)]
pub struct PageError(pub ApiError);

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> Self {
        Self(error)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let detail = self.0.0.detail.clone();
        let mut page = Page::render(
            "message.html",
            context! {
                title => "Something went wrong",
                message => detail,
                next_url => "/portal/login",
                next_label => "Back to sign-in",
            },
        );
        page.status = status;
        page.into_response()
    }
}

pub type PageResult = Result<Response, PageError>;

#[cfg(test)]
mod tests {
    #[test]
    fn every_template_renders() {
        let env = super::templates();
        for name in [
            "base.html",
            "signin.html",
            "signin_wait.html",
            "security.html",
            "enroll_device.html",
            "totp_setup.html",
            "message.html",
            "password_reset.html",
            "apps.html",
            "admin_login.html",
            "admin_users.html",
            "admin_user.html",
            "admin_resources.html",
            "admin_policy.html",
            "admin_audit.html",
            "admin_diagnostics.html",
            "oidc_consent.html",
            "oidc_continue.html",
            "oidc_logout.html",
            "admin_oidc.html",
        ] {
            // Rendering (not only parsing) finds an unknown filter too.
            let rendered = env.get_template(name).and_then(|template| {
                template.render(minijinja::context! {
                    subject => minijinja::context! { name => "a b" },
                    policy => minijinja::context! { biometric => "optional" },
                    events => Vec::<String>::new(),
                    report => minijinja::context! { events => 0, installs => 0 },
                })
            });
            assert!(rendered.is_ok(), "{name}: {rendered:?}");
        }
    }
}
