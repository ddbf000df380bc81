//! HTTP clients: rustls with ring as its crypto, the same ring the core
//! already carries. reqwest's default provider (aws-lc-rs) added 1 MB to each
//! phone library for nothing ring cannot do. Every crate of the workspace
//! builds its clients here, since reqwest panics without a provider.

use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(15);

/// A reqwest builder with the crypto provider installed (idempotent; a host
/// app's own provider, installed first, is kept).
pub fn client_builder() -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
}

/// Why a request got no answer, in words for the user.
pub(crate) fn failure_reason(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        "the server did not answer in time"
    } else if error.is_connect() {
        "the server cannot be reached"
    } else {
        "the connection failed"
    }
}

/// The push transports' client, one per `PushDevice`, shared by both dialects. `accept_invalid_certs` only for a server the
/// administrator marked as self-signed (privacyIDEA's `sslverify=0`).
pub(crate) fn client(accept_invalid_certs: bool) -> reqwest::Client {
    client_builder()
        .timeout(TIMEOUT)
        // Shorter than common server keep-alives (gunicorn: 2 s), so a
        // connection the server is closing is not reused.
        .pool_idle_timeout(Duration::from_secs(1))
        .danger_accept_invalid_certs(accept_invalid_certs)
        // Signed requests name their URL; a redirect (https to http, say) is
        // not followed.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}
