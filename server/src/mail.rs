//! Mail the server sends (password links), through one `MailSender`: SMTP
//! (lettre) when the operator gives `--smtp-url`, else the outbox, where each
//! message is written as an RFC 5322 file under `<data>/outbox/` for the demo,
//! the tests or a relay to pick up. Sending never holds up the page: SMTP
//! delivery runs on its own task, and a failure is logged for the operator
//! (the page must say the same whether or not a mail went out).

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use countersign_otp::clock::UnixTime;

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("the SMTP settings are unusable: {0}")]
    Smtp(String),
    #[error("the mail could not be written to the outbox {path}: {reason}")]
    Outbox { path: PathBuf, reason: String },
    #[error("the address {0:?} cannot receive mail")]
    BadAddress(String),
}

pub trait MailSender: Send + Sync + std::fmt::Debug {
    fn send(&self, to: &str, subject: &str, body: &str, now: UnixTime) -> Result<(), MailError>;
}

/// Messages as files: `<dir>/<unix time>-<n>.eml`, mode 0600 (they carry
/// single-use links).
#[derive(Debug)]
pub struct Outbox {
    pub dir: PathBuf,
    from: String,
    sent: AtomicU64,
}

impl Outbox {
    pub fn new(dir: PathBuf, from: String) -> Self {
        Self {
            dir,
            from,
            sent: AtomicU64::new(0),
        }
    }
}

/// Whether `address` is a plausible mailbox that cannot inject headers.
pub fn is_address(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && address.len() <= 254
        && !address
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '<' || c == '>' || c == ',')
}

impl MailSender for Outbox {
    fn send(&self, to: &str, subject: &str, body: &str, now: UnixTime) -> Result<(), MailError> {
        if !is_address(to) {
            return Err(MailError::BadAddress(to.to_owned()));
        }
        let failed = |error: std::io::Error| MailError::Outbox {
            path: self.dir.clone(),
            reason: error.to_string(),
        };
        crate::files::private_dir(&self.dir).map_err(failed)?;
        let n = self.sent.fetch_add(1, Ordering::Relaxed);
        let path = self.dir.join(format!("{now}-{n}.eml"));
        let message = format!(
            "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n",
            from = self.from,
            body = body.replace('\n', "\r\n"),
        );
        std::fs::write(&path, message).map_err(failed)?;
        crate::files::private_file(&path).map_err(failed)?;
        Ok(())
    }
}

/// Mail through an SMTP server.
pub struct Smtp {
    transport: lettre::AsyncSmtpTransport<lettre::Tokio1Executor>,
    from: lettre::message::Mailbox,
}

impl std::fmt::Debug for Smtp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password: not printed.
        f.debug_struct("Smtp")
            .field("from", &self.from.to_string())
            .finish()
    }
}

impl Smtp {
    pub fn from_url(url: &str, from: &str) -> Result<Self, MailError> {
        let transport = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(url)
            .map_err(|error| MailError::Smtp(error.to_string()))?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        let from = from
            .parse()
            .map_err(|_| MailError::Smtp(format!("the sender {from:?} is not a mail address")))?;
        Ok(Self { transport, from })
    }
}

impl MailSender for Smtp {
    fn send(&self, to: &str, subject: &str, body: &str, _now: UnixTime) -> Result<(), MailError> {
        use lettre::AsyncTransport;
        if !is_address(to) {
            return Err(MailError::BadAddress(to.to_owned()));
        }
        let recipient = to
            .parse()
            .map_err(|_| MailError::BadAddress(to.to_owned()))?;
        let message = lettre::Message::builder()
            .from(self.from.clone())
            .to(recipient)
            .subject(subject)
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            .body(body.to_owned())
            .map_err(|error| MailError::Smtp(error.to_string()))?;
        let transport = self.transport.clone();
        let to = to.to_owned();
        tokio::spawn(async move {
            if let Err(error) = transport.send(message).await {
                eprintln!("mail to {to} was not delivered: {error}");
            }
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_outbox_writes_one_private_message_per_mail() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::new(dir.path().join("outbox"), "portal@example.test".into());
        outbox
            .send("jane@example.com", "Reset", "Open https://x/y\n", 100)
            .unwrap();
        let files: Vec<_> = std::fs::read_dir(dir.path().join("outbox"))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .collect();
        assert_eq!(files.len(), 1);
        let text = std::fs::read_to_string(&files[0]).unwrap();
        assert!(text.starts_with("From: portal@example.test\r\nTo: jane@example.com\r\n"));
        assert!(text.contains("Open https://x/y"));
        assert!(matches!(
            outbox.send("jane@example.com\r\nBcc: x@y.z", "s", "b", 1),
            Err(MailError::BadAddress(_))
        ));
        assert!(!is_address("nobody"));
    }
}
