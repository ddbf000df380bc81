//! HTTP to privacyIDEA's `/ttype/push`: form POSTs and the signed polling GET,
//! its JSON envelope (`result.status`, `result.value`, `detail`, `time`) read
//! into values or typed errors, and the server's clock from every answer.

use crate::clock::UnixTime;

/// What privacyIDEA answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub value: serde_json::Value,
    pub detail: serde_json::Value,
    /// The server's clock, from the envelope's `time`.
    pub server_time: Option<UnixTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    #[error("could not reach privacyIDEA ({0}); check the connection and try again")]
    Network(String),
    /// privacyIDEA's own error: its code and message, and its clock.
    #[error("privacyIDEA refused the request: {message} (error {code})")]
    Refused {
        code: i64,
        message: String,
        server_time: Option<UnixTime>,
    },
}

#[derive(Debug, Clone)]
pub struct PiClient {
    strict: reqwest::Client,
    /// For tokens enrolled with `sslverify=0`: the administrator's choice for a
    /// server with a self-signed certificate. Built the first time one is used.
    lenient: std::sync::OnceLock<Result<reqwest::Client, String>>,
}

impl PiClient {
    /// `strict`: the device's certificate-checking client, shared with the
    /// Countersign transport.
    pub fn new(strict: reqwest::Client) -> Self {
        Self {
            strict,
            lenient: std::sync::OnceLock::new(),
        }
    }

    fn http(&self, ssl_verify: bool) -> Result<&reqwest::Client, ClientError> {
        if ssl_verify {
            return Ok(&self.strict);
        }
        self.lenient
            .get_or_init(|| crate::http::client(true).map_err(|error| error.to_string()))
            .as_ref()
            .map_err(|reason| {
                ClientError::Network(format!("this device could not set up HTTPS ({reason})"))
            })
    }

    pub async fn post_form(
        &self,
        url: &str,
        ssl_verify: bool,
        fields: &[(&str, &str)],
    ) -> Result<Envelope, ClientError> {
        let body = form_body(fields);
        let response = self
            .http(ssl_verify)?
            .post(url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body)
            .send()
            .await;
        read(response).await
    }

    pub async fn get(
        &self,
        url: &str,
        ssl_verify: bool,
        query: &[(&str, &str)],
    ) -> Result<Envelope, ClientError> {
        let query = form_body(query);
        let separator = if url.contains('?') { '&' } else { '?' };
        let response = self
            .http(ssl_verify)?
            .get(format!("{url}{separator}{query}"))
            .send()
            .await;
        read(response).await
    }
}

/// `name=value&…`, as a form body or a query string.
fn form_body(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(name, value)| format!("{}={}", form_encode(name), form_encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

fn form_encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

async fn read(response: reqwest::Result<reqwest::Response>) -> Result<Envelope, ClientError> {
    let response = response
        .map_err(|error| ClientError::Network(crate::http::failure_reason(&error).into()))?;
    let status = response.status();
    let body = crate::http::read_body(response)
        .await
        .map_err(|error| match error {
            crate::http::BodyError::CutOff => ClientError::Network("the answer was cut off".into()),
            crate::http::BodyError::TooLarge => ClientError::Network(format!(
                "its answer is over {} KiB, more than privacyIDEA ever sends, and was dropped",
                crate::http::MAX_RESPONSE_BYTES / 1024
            )),
        })?;
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return Err(ClientError::Network(format!(
            "it answered {status} without privacyIDEA's JSON"
        )));
    };
    let server_time = json
        .get("time")
        .and_then(serde_json::Value::as_f64)
        .map(|time| time as UnixTime);
    let result = json.get("result").cloned().unwrap_or_default();
    if result.get("status").and_then(serde_json::Value::as_bool) == Some(true) {
        return Ok(Envelope {
            value: result.get("value").cloned().unwrap_or_default(),
            detail: json.get("detail").cloned().unwrap_or_default(),
            server_time,
        });
    }
    let error = result.get("error").cloned().unwrap_or_default();
    Err(ClientError::Refused {
        code: error
            .get("code")
            .and_then(serde_json::Value::as_i64)
            .unwrap_or(i64::from(status.as_u16())),
        message: error
            .get("message")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("no message")
            .chars()
            .take(300)
            .collect(),
        server_time,
    })
}

/// ISO-8601 UTC, the timestamp form privacyIDEA parses.
pub fn iso8601(time: UnixTime) -> String {
    time::OffsetDateTime::from_unix_timestamp(time)
        .ok()
        .and_then(|moment| {
            moment
                .format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_iso8601() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(1_795_845_600), "2026-11-28T06:00:00Z");
    }

    #[test]
    fn form_fields_are_escaped() {
        assert_eq!(form_encode("a+b/c=d e"), "a%2Bb%2Fc%3Dd%20e");
    }
}
