//! Mail the server sends (password-reset links), through one `MailSender`.
//! The sender built in is the outbox: each message is written as an RFC 5322
//! file under `<data>/outbox/`, which the demo and the tests read and a
//! mail relay could pick up. An SMTP sender is not built yet (docs/portal.md).

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use countersign_otp::clock::UnixTime;

#[derive(Debug, thiserror::Error)]
pub enum MailError {
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
