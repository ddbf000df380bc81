//! One module per subcommand (or family of them); each owns its arguments and output.

pub mod accounts;
pub mod add;
pub mod code;
pub mod codes;
pub mod demo;
pub mod demo_browser;
pub mod export;
pub mod import;
pub mod list;
pub mod push;
pub mod scan;
pub mod settings;

use countersign_core::OtpKind;

/// "TOTP 30s", "HOTP #5", "Steam": the kind column of tables.
pub fn kind_label(kind: OtpKind) -> String {
    match kind {
        OtpKind::Totp { period, .. } => format!("TOTP {period}s"),
        OtpKind::Hotp { counter } => format!("HOTP #{counter}"),
        OtpKind::Steam { .. } => "Steam".to_owned(),
    }
}
