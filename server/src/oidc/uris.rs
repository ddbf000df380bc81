//! Redirect URIs: what may be registered, and how a request's URI is matched
//! (exactly, byte for byte: no prefix, no normalisation, so a registered
//! `https://app/cb` never also admits `https://app/cb/../evil` or
//! `https://app/cb?next=…`).

use reqwest::Url;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UriError {
    #[error("{0:?} is not an absolute URL")]
    NotAbsolute(String),
    #[error("{0:?} must use https (http only for 127.0.0.1, localhost or [::1])")]
    NotHttps(String),
    #[error("{0:?} has a fragment (#…), which a redirect URI may not have")]
    Fragment(String),
    #[error("{0:?} carries a user name or password")]
    Credentials(String),
    #[error("{0:?} is longer than 2000 characters")]
    TooLong(String),
    #[error("at least one redirect URI is needed")]
    None,
    #[error("at most 20 URIs may be registered")]
    TooMany,
}

/// Checks one URI a client registers.
pub fn validate(uri: &str) -> Result<(), UriError> {
    if uri.len() > 2000 {
        return Err(UriError::TooLong(uri.chars().take(40).collect()));
    }
    let parsed = Url::parse(uri).map_err(|_| UriError::NotAbsolute(uri.to_owned()))?;
    if uri.contains('#') || parsed.fragment().is_some() {
        return Err(UriError::Fragment(uri.to_owned()));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(UriError::Credentials(uri.to_owned()));
    }
    let host = parsed.host_str().unwrap_or("");
    match parsed.scheme() {
        "https" if !host.is_empty() => Ok(()),
        // A loopback listener is how native and test apps receive the code.
        "http" if matches!(host, "127.0.0.1" | "localhost" | "[::1]") => Ok(()),
        "https" | "http" => Err(UriError::NotHttps(uri.to_owned())),
        _ => Err(UriError::NotHttps(uri.to_owned())),
    }
}

/// Checks a client's whole list (redirect or post-logout URIs).
pub fn validate_all(uris: &[String], required: bool) -> Result<(), UriError> {
    if required && uris.is_empty() {
        return Err(UriError::None);
    }
    if uris.len() > 20 {
        return Err(UriError::TooMany);
    }
    uris.iter().try_for_each(|uri| validate(uri))
}

/// Whether `uri` is one of `registered`, exactly.
pub fn is_registered(registered: &[String], uri: &str) -> bool {
    registered
        .iter()
        .any(|candidate| candidate.as_bytes() == uri.as_bytes())
}

/// `base` with `pairs` added to its query (kept if it has one).
pub fn with_query(base: &str, pairs: &[(&str, &str)]) -> String {
    match Url::parse(base) {
        Ok(mut url) => {
            {
                let mut query = url.query_pairs_mut();
                for (name, value) in pairs {
                    query.append_pair(name, value);
                }
            }
            url.to_string()
        }
        // Registered URIs were validated; a stored one that no longer parses
        // gets nothing appended rather than a malformed URL.
        Err(_) => base.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_and_loopback_http_are_accepted() {
        assert_eq!(validate("https://app.example.com/callback"), Ok(()));
        assert_eq!(validate("https://app.example.com/cb?tenant=a"), Ok(()));
        assert_eq!(validate("http://127.0.0.1:8080/cb"), Ok(()));
        assert_eq!(validate("http://localhost/cb"), Ok(()));
        assert_eq!(validate("http://[::1]:9/cb"), Ok(()));
    }

    #[test]
    fn other_uris_are_refused_with_why() {
        assert!(matches!(validate("/cb"), Err(UriError::NotAbsolute(_))));
        assert!(matches!(
            validate("http://app.example.com/cb"),
            Err(UriError::NotHttps(_))
        ));
        assert!(matches!(
            validate("http://127.0.0.2/cb"),
            Err(UriError::NotHttps(_))
        ));
        assert!(matches!(
            validate("javascript:alert(1)"),
            Err(UriError::NotHttps(_))
        ));
        assert!(matches!(
            validate("https://app/cb#x"),
            Err(UriError::Fragment(_))
        ));
        assert!(matches!(
            validate("https://app/cb#"),
            Err(UriError::Fragment(_))
        ));
        assert!(matches!(
            validate("https://u:p@app/cb"),
            Err(UriError::Credentials(_))
        ));
        assert_eq!(validate_all(&[], true), Err(UriError::None));
    }

    #[test]
    fn matching_is_exact() {
        let registered = vec!["https://app.example.com/cb".to_owned()];
        assert!(is_registered(&registered, "https://app.example.com/cb"));
        for near in [
            "https://app.example.com/cb/",
            "https://APP.example.com/cb",
            "https://app.example.com/cb?x=1",
            "https://app.example.com/cb/../cb",
            "https://app.example.com:443/cb",
            "https://app.example.com/c",
        ] {
            assert!(!is_registered(&registered, near), "{near}");
        }
    }

    #[test]
    fn parameters_are_added_to_an_existing_query() {
        assert_eq!(
            with_query(
                "https://app/cb?tenant=a",
                &[("code", "x y"), ("state", "s&t")]
            ),
            "https://app/cb?tenant=a&code=x+y&state=s%26t"
        );
    }
}
