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

/// Whether a push server may be reached over plain http. Phones talk to
/// https servers only; the desktop CLI and tests also reach a server on this
/// machine (127.0.0.1, [::1], localhost) without TLS. URI parsing accepts
/// loopback http; the device refuses it unless it was built to allow it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PlainHttp {
    /// https only: what the phone libraries ship with.
    #[default]
    Refuse,
    /// http to loopback too: the CLI, the demo and test builds.
    Loopback,
}

impl PlainHttp {
    /// `true` when `url` may be used under this policy.
    pub fn allows(self, url: &str) -> bool {
        let lower = url.to_ascii_lowercase();
        if lower.starts_with("https://") {
            return true;
        }
        let Some(rest) = lower.strip_prefix("http://") else {
            return false;
        };
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = host.rsplit_once('@').map_or(host, |(_, host)| host);
        let host = match host.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(""),
            None => host.split(':').next().unwrap_or(""),
        };
        self == PlainHttp::Loopback && matches!(host, "127.0.0.1" | "::1" | "localhost")
    }
}

/// The most a push server's answer may hold. Real answers are a few KiB (a
/// list of pending requests, a problem document); a server that sends more is
/// broken or hostile and must not exhaust the phone's memory.
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// Why an answer's body was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyError {
    CutOff,
    TooLarge,
}

/// Reads an answer's body, refusing one over `MAX_RESPONSE_BYTES` as soon as
/// it says so (Content-Length) or grows past it.
pub(crate) async fn read_body(mut response: reqwest::Response) -> Result<Vec<u8>, BodyError> {
    if response
        .content_length()
        .is_some_and(|length| length > MAX_RESPONSE_BYTES as u64)
    {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|_| BodyError::CutOff)? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Why a request got no answer, in words for the user.
pub(crate) fn failure_reason(error: &reqwest::Error) -> &'static str {
    if is_untrusted_certificate(error) {
        "the server's certificate is not trusted: the address may be wrong, or this network \
         intercepts secure connections"
    } else if error.is_timeout() {
        "the server did not answer in time"
    } else if error.is_connect() {
        "the server cannot be reached"
    } else {
        "the connection failed"
    }
}

/// Whether TLS refused the server's certificate. rustls's error sits inside
/// `io::Error`s (two, today) in reqwest's chain, whose `source` skips what
/// they wrap, hence `get_ref` down to the innermost.
fn is_untrusted_certificate(error: &reqwest::Error) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(mut error) = current {
        while let Some(inner) = error
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            error = inner;
        }
        if let Some(rustls::Error::InvalidCertificate(_)) = error.downcast_ref::<rustls::Error>() {
            return true;
        }
        current = error.source();
    }
    false
}

/// The push transports' client, one per `PushDevice`, shared by both dialects. `accept_invalid_certs` only for a server the
/// administrator marked as self-signed (privacyIDEA's `sslverify=0`).
/// No fallback when building fails (the TLS backend or the system resolver
/// could not start): a default client would follow redirects and never time
/// out, the opposite of what every request here relies on.
pub(crate) fn client(accept_invalid_certs: bool) -> Result<reqwest::Client, reqwest::Error> {
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
}
