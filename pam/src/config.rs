//! The module's one configuration file (`/etc/countersign/pam.conf` unless
//! the PAM line says `config=PATH`): `key = value` lines, `#` comments.
//!
//! Both files it names decide who may log in, so both are refused unless
//! root owns them and nobody else may change them; the token file, a secret,
//! must not be readable by anyone else either.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const DEFAULT_PATH: &str = "/etc/countersign/pam.conf";

/// How long to wait for the phone's answer unless `timeout` says otherwise:
/// the server's pushes expire after 60 s.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
const MAX_TIMEOUT: Duration = Duration::from_secs(300);

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} must be owned by root and writable by root only ({found})")]
    UnsafeOwnership { path: PathBuf, found: String },
    #[error("{path} holds a secret: it must be readable by root only (chmod 600)")]
    TokenReadableByOthers { path: PathBuf },
    #[error("{path} line {line}: {problem}")]
    Invalid {
        path: PathBuf,
        line: usize,
        problem: String,
    },
    #[error("{path}: `{key}` is required")]
    Missing { path: PathBuf, key: &'static str },
}

/// Who may pass while the server cannot be reached (or answers 5xx).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WhenUnreachable {
    /// Nobody: the default, fail closed.
    Deny,
    /// Only the users named in `unreachable_allow` (break-glass accounts).
    AllowListed(Vec<String>),
    /// Everyone: fail open. Each such login is logged.
    Allow,
}

impl WhenUnreachable {
    pub fn lets_in(&self, user: &str) -> bool {
        match self {
            Self::Deny => false,
            Self::AllowListed(users) => users.iter().any(|listed| listed == user),
            Self::Allow => true,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    /// The server's base URL: https, or http to this machine's loopback only.
    pub server: String,
    /// The relying-party token, read from `token_file`.
    pub token: String,
    /// The resource id the pushes are for (shown on the phone by its name).
    pub resource: String,
    /// From the push's creation to giving up on an answer.
    pub timeout: Duration,
    pub when_unreachable: WhenUnreachable,
}

impl Config {
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        check_owner(path)?;
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Unreadable {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(path, &text, read_token)
    }

    /// `read_token` reads (and checks) the token file: `Config::load` passes
    /// the real one; unit tests pass their own.
    pub fn parse(
        path: &Path,
        text: &str,
        read_token: impl Fn(&Path) -> Result<String, ConfigError>,
    ) -> Result<Self, ConfigError> {
        let invalid = |line: usize, problem: String| ConfigError::Invalid {
            path: path.to_owned(),
            line,
            problem,
        };
        let mut server = None;
        let mut token_file = None;
        let mut resource = None;
        let mut timeout = DEFAULT_TIMEOUT;
        let mut mode = "deny".to_owned();
        let mut allowed = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let content = raw.split('#').next().unwrap_or_default().trim();
            if content.is_empty() {
                continue;
            }
            let Some((key, value)) = content.split_once('=') else {
                return Err(invalid(line, "expected `key = value`".into()));
            };
            let (key, value) = (key.trim(), value.trim());
            match key {
                "server" => server = Some(check_server(value).map_err(|p| invalid(line, p))?),
                "token_file" => token_file = Some(PathBuf::from(value)),
                "resource" => resource = Some(value.to_owned()),
                "timeout" => {
                    let seconds: u64 = value.parse().map_err(|_| {
                        invalid(
                            line,
                            format!("timeout is a number of seconds, not {value:?}"),
                        )
                    })?;
                    timeout = Duration::from_secs(seconds);
                    if timeout.is_zero() || timeout > MAX_TIMEOUT {
                        return Err(invalid(line, "timeout is 1 to 300 seconds".into()));
                    }
                }
                "when_unreachable" => mode = value.to_owned(),
                "unreachable_allow" => allowed.extend(
                    value
                        .split(|c: char| c == ',' || c.is_whitespace())
                        .filter(|user| !user.is_empty())
                        .map(str::to_owned),
                ),
                other => return Err(invalid(line, format!("unknown key `{other}`"))),
            }
        }
        let when_unreachable = match mode.as_str() {
            "deny" => WhenUnreachable::Deny,
            "allow" => WhenUnreachable::Allow,
            "allow-listed" if !allowed.is_empty() => WhenUnreachable::AllowListed(allowed),
            "allow-listed" => {
                return Err(invalid(
                    0,
                    "when_unreachable = allow-listed needs unreachable_allow = user1, user2".into(),
                ));
            }
            other => {
                return Err(invalid(
                    0,
                    format!("when_unreachable is deny, allow-listed or allow, not {other:?}"),
                ));
            }
        };
        let missing = |key| ConfigError::Missing {
            path: path.to_owned(),
            key,
        };
        let token_file = token_file.ok_or_else(|| missing("token_file"))?;
        Ok(Self {
            server: server.ok_or_else(|| missing("server"))?,
            token: read_token(&token_file)?,
            resource: resource.ok_or_else(|| missing("resource"))?,
            timeout,
            when_unreachable,
        })
    }
}

/// https anywhere; plain http only to this machine (tests, a local proxy).
fn check_server(value: &str) -> Result<String, String> {
    let lower = value.to_ascii_lowercase();
    let loopback = ["http://127.0.0.1", "http://[::1]", "http://localhost"]
        .iter()
        .any(|prefix| {
            lower
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([':', '/']))
        });
    if !(lower.starts_with("https://") || loopback) {
        return Err(format!(
            "server must be an https:// URL (http only to 127.0.0.1), not {value:?}"
        ));
    }
    Ok(value.trim_end_matches('/').to_owned())
}

fn check_owner(path: &Path) -> Result<std::fs::Metadata, ConfigError> {
    let metadata = std::fs::metadata(path).map_err(|source| ConfigError::Unreadable {
        path: path.to_owned(),
        source,
    })?;
    if metadata.uid() != 0 || metadata.mode() & 0o022 != 0 {
        return Err(ConfigError::UnsafeOwnership {
            path: path.to_owned(),
            found: format!(
                "owner uid {}, mode {:o}",
                metadata.uid(),
                metadata.mode() & 0o777
            ),
        });
    }
    Ok(metadata)
}

fn read_token(path: &Path) -> Result<String, ConfigError> {
    let metadata = check_owner(path)?;
    if metadata.mode() & 0o077 != 0 {
        return Err(ConfigError::TokenReadableByOthers {
            path: path.to_owned(),
        });
    }
    let token = std::fs::read_to_string(path).map_err(|source| ConfigError::Unreadable {
        path: path.to_owned(),
        source,
    })?;
    let token = token.trim();
    if token.is_empty() || token.chars().any(|c| c.is_control() || c == ' ') {
        return Err(ConfigError::Invalid {
            path: path.to_owned(),
            line: 1,
            problem: "the file holds the relying-party token alone, on one line".into(),
        });
    }
    Ok(token.to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(Path::new("pam.conf"), text, |_| Ok("rp-token".into()))
    }

    const BASE: &str = "server = https://mfa.example.com/\ntoken_file = /etc/countersign/rp-token\nresource = ssh\n";

    #[test]
    fn a_minimal_file_fails_closed_with_a_minute_to_answer() {
        let config = parse(BASE).unwrap();
        assert_eq!(config.server, "https://mfa.example.com");
        assert_eq!(config.token, "rp-token");
        assert_eq!(config.timeout, Duration::from_secs(60));
        assert_eq!(config.when_unreachable, WhenUnreachable::Deny);
        assert!(!config.when_unreachable.lets_in("root"));
    }

    #[test]
    fn the_allow_list_names_who_passes_while_the_server_is_down() {
        let config = parse(&format!(
            "{BASE}when_unreachable = allow-listed # break glass\nunreachable_allow = root, ops admin\n"
        ))
        .unwrap();
        for user in ["root", "ops", "admin"] {
            assert!(config.when_unreachable.lets_in(user), "{user}");
        }
        assert!(!config.when_unreachable.lets_in("alice"));
        let error = parse(&format!("{BASE}when_unreachable = allow-listed\n")).unwrap_err();
        assert!(error.to_string().contains("unreachable_allow"), "{error}");
    }

    #[test]
    fn mistakes_name_the_line_or_the_missing_key() {
        let cases = [
            (format!("{BASE}timeout = soon\n"), "line 4"),
            (format!("{BASE}timeout = 0\n"), "1 to 300"),
            (format!("{BASE}colour = blue\n"), "unknown key `colour`"),
            (
                format!("{BASE}when_unreachable = maybe\n"),
                "deny, allow-listed or allow",
            ),
            ("server = http://mfa.example.com\n".into(), "https://"),
            (
                "server = http://127.0.0.1.evil.example\n".into(),
                "https://",
            ),
            ("resource = ssh\nno equals sign\n".into(), "line 2"),
            (
                "server = https://a.example\nresource = ssh\n".into(),
                "`token_file`",
            ),
        ];
        for (text, expected) in cases {
            let error = parse(&text).unwrap_err().to_string();
            assert!(error.contains(expected), "{text:?}: {error}");
        }
        assert!(parse("server = http://127.0.0.1:8080\ntoken_file = t\nresource = r\n").is_ok());
    }
}
