//! The portal's cookies. All are `HttpOnly` (no script reads them) and
//! `SameSite=Lax` (no cross-site form posts carry them); `Secure` unless the
//! server is reached over plain http on a loopback address, where a browser
//! would drop a Secure cookie and only this machine can listen anyway.

use axum::http::{HeaderMap, HeaderValue, header};

/// The signed-in session (a `sessions` token).
pub const SESSION: &str = "cs_session";
/// This browser's random id: the CSRF tokens are bound to it.
pub const BROWSER: &str = "cs_browser";
/// A sign-in between the password and the second factor (its ticket).
pub const SIGNIN: &str = "cs_signin";
/// The Admin Portal's session.
pub const ADMIN: &str = "cs_admin";

/// The value of cookie `name` in the request, if sent.
pub fn get<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}

/// Whether cookies for `public_url` must be `Secure`.
pub fn secure_for(public_url: &str) -> bool {
    let Some(rest) = public_url.strip_prefix("http://") else {
        return true;
    };
    let host = rest.split('/').next().unwrap_or("");
    let host = match host.rsplit_once(':') {
        // "[::1]:8080" or "127.0.0.1:8080"; a bare "[::1]" has no port.
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    let loopback = host == "localhost"
        || host == "[::1]"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|address| address.is_loopback());
    !loopback
}

/// A `Set-Cookie` value; `max_age` 0 deletes the cookie.
pub fn set(name: &str, value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}");
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub fn clear(name: &str, secure: bool) -> HeaderValue {
    set(name, "", 0, secure)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn cookies_are_read_by_exact_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("cs_session_x=1; cs_session=abc; other=2"),
        );
        assert_eq!(get(&headers, SESSION), Some("abc"));
        assert_eq!(get(&headers, BROWSER), None);
    }

    #[test]
    fn secure_is_relaxed_only_on_http_loopback() {
        assert!(!secure_for("http://127.0.0.1:8080"));
        assert!(!secure_for("http://localhost:3000/"));
        assert!(!secure_for("http://[::1]:8080"));
        assert!(secure_for("http://mfa.example.com"));
        assert!(secure_for("http://127.example.com"));
        assert!(secure_for("https://127.0.0.1"));
        let cookie = set(SESSION, "t", 60, true);
        assert_eq!(
            cookie.to_str().unwrap(),
            "cs_session=t; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure"
        );
    }
}
