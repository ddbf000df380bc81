//! Plain records for what the screens show, converted from the core's types.

use countersign_core::OtpKind;
use countersign_core::push::device::{AccountFailure, EnrolledPush, PushRequest};
use countersign_core::push::{PrivacyIdeaToken, PushAccount};

// Core types the screens take as they are (derived behind the `uniffi` feature).
pub use countersign_core::push::PushAccountStatus;
pub use countersign_core::push::device::WatchRequest;
pub use countersign_core::push::wire::{ChallengeKind, RiskLevel};
use countersign_core::scan::ScanPayload;
use countersign_core::vault::{AccountSummary, CodeDisplay, CodeEntry};

/// One row of the codes screen.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CodeItem {
    pub id: String,
    pub issuer: Option<String>,
    pub name: String,
    /// The code to show; `None` for HOTP (shown on request) or an unreadable account.
    pub code: Option<String>,
    pub seconds_left: Option<u32>,
    pub period: Option<u32>,
    pub hotp_counter: Option<u64>,
    /// Why this account shows no code (damaged secret …).
    pub unavailable: Option<String>,
}

/// The whole codes screen from one clock reading, in one call.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CodesView {
    pub now: i64,
    pub items: Vec<CodeItem>,
    /// Which open codes screen this view belongs to: pass it to `codes_update`.
    #[uniffi(default = 0)]
    pub screen: u64,
}

/// The next second of an open codes screen: only what changes, one entry per
/// item of the `CodesView` it follows, in the same order. Ids, names and
/// kinds are not sent again: a hundred records cost more to cross the FFI
/// than their codes cost to compute (docs/benchmarks.md, "FFI cost").
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CodesUpdate {
    pub now: i64,
    /// Each item's code; "" where the item shows none.
    pub codes: Vec<String>,
    /// Seconds until each item's code changes; 0 where it shows none.
    pub seconds_left: Vec<u32>,
}

impl From<CodeEntry> for CodeItem {
    fn from(entry: CodeEntry) -> Self {
        let mut item = CodeItem {
            id: entry.id,
            issuer: entry.issuer,
            name: entry.name,
            code: None,
            seconds_left: None,
            period: None,
            hotp_counter: None,
            unavailable: None,
        };
        match entry.display {
            CodeDisplay::Code(code) => {
                item.seconds_left = code.seconds_left;
                item.period = code.period;
                item.code = Some(code.value.clone());
            }
            CodeDisplay::HotpReady { counter } => item.hotp_counter = Some(counter),
            CodeDisplay::Unavailable { reason } => item.unavailable = Some(reason),
        }
        item
    }
}

// Closed sets are enums, so a screen's `when` is checked by the compiler. Where
// a core type is what a screen shows as it is (ChallengeKind,
// PushAccountStatus, WatchRequest), it derives uniffi itself behind the core
// crates' `uniffi` feature and is used here directly: one definition, nothing
// to keep in sync. The mirrors below flatten or join core types (OtpKind's
// data, the two dialects, a scan payload); each `From` matches every core
// variant (no `_` arm), so a new one cannot reach the shells unmapped.

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum AccountKind {
    Totp,
    Hotp,
    Steam,
}

impl From<&OtpKind> for AccountKind {
    fn from(kind: &OtpKind) -> Self {
        match kind {
            OtpKind::Totp { .. } => AccountKind::Totp,
            OtpKind::Hotp { .. } => AccountKind::Hotp,
            OtpKind::Steam { .. } => AccountKind::Steam,
        }
    }
}

/// Which protocol a push account's server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PushDialect {
    Countersign,
    PrivacyIdea,
}

/// What a decoded QR code is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ScanKind {
    /// One account, ready to add.
    Otpauth,
    /// An otpauth code that cannot become an account; `detail` says why.
    InvalidOtpauth,
    /// One QR of a Google Authenticator export.
    MigrationBatch,
    /// An export QR whose data cannot be read; `detail` says why.
    InvalidMigration,
    /// Countersign's push enrollment: `enroll_push`.
    PushEnrollment,
    /// A privacyIDEA push token: `enroll_push` too.
    PrivacyIdeaPush,
    /// Not authenticator data; `detail` is the link's host, if it is a link.
    NotAuthenticator,
}

impl From<&ScanPayload> for ScanKind {
    fn from(payload: &ScanPayload) -> Self {
        match payload {
            ScanPayload::Otpauth(_) => ScanKind::Otpauth,
            ScanPayload::InvalidOtpauth(_) => ScanKind::InvalidOtpauth,
            ScanPayload::MigrationBatch(_) => ScanKind::MigrationBatch,
            ScanPayload::InvalidMigration(_) => ScanKind::InvalidMigration,
            ScanPayload::PushEnrollment { .. } => ScanKind::PushEnrollment,
            ScanPayload::PrivacyIdeaPush { .. } => ScanKind::PrivacyIdeaPush,
            ScanPayload::NotAuthenticator { .. } => ScanKind::NotAuthenticator,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AccountItem {
    pub id: String,
    pub position: u32,
    pub issuer: Option<String>,
    pub name: String,
    pub kind: AccountKind,
    pub digits: u8,
    pub weak_secret: bool,
}

impl From<AccountSummary> for AccountItem {
    fn from(summary: AccountSummary) -> Self {
        AccountItem {
            id: summary.id,
            position: u32::try_from(summary.position).unwrap_or(u32::MAX),
            issuer: summary.issuer,
            name: summary.name,
            kind: AccountKind::from(&summary.params.kind()),
            digits: summary.params.digits(),
            weak_secret: summary.weak_secret,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PushAccountItem {
    pub id: String,
    pub server_url: String,
    pub user: String,
    pub org: String,
    /// The device id, or a privacyIDEA token's serial.
    pub device_id: String,
    pub status: PushAccountStatus,
    pub dialect: PushDialect,
    /// False only for a privacyIDEA token enrolled with `sslverify=0` (the
    /// user accepted it): the account screen says certificate checks are off.
    pub certificate_checks: bool,
}

impl From<EnrolledPush> for PushAccountItem {
    fn from(account: EnrolledPush) -> Self {
        match account {
            EnrolledPush::Countersign(account) => account.into(),
            EnrolledPush::PrivacyIdea(token) => token.into(),
        }
    }
}

impl From<PushAccount> for PushAccountItem {
    fn from(account: PushAccount) -> Self {
        PushAccountItem {
            id: account.id,
            server_url: account.server_url,
            user: account.user,
            org: account.org,
            device_id: account.device_id,
            status: account.status,
            dialect: PushDialect::Countersign,
            certificate_checks: true,
        }
    }
}

impl From<PrivacyIdeaToken> for PushAccountItem {
    fn from(token: PrivacyIdeaToken) -> Self {
        PushAccountItem {
            id: token.id,
            server_url: token.url,
            user: token.label,
            org: token.issuer,
            device_id: token.serial,
            status: PushAccountStatus::Active,
            dialect: PushDialect::PrivacyIdea,
            certificate_checks: token.ssl_verify,
        }
    }
}

/// A sign-in request, as the approval screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PushRequestItem {
    pub id: String,
    pub account_id: String,
    pub org: String,
    pub user: String,
    pub kind: ChallengeKind,
    pub resource_name: String,
    pub ip: Option<String>,
    pub location: Option<String>,
    pub browser: Option<String>,
    pub os: Option<String>,
    /// When the sign-in was attempted (the relying party's clock).
    pub time: i64,
    /// What the server asks, when it words it itself (privacyIDEA's question).
    pub message: Option<String>,
    pub issued_at: i64,
    pub expires_at: i64,
    pub seconds_left: i64,
    pub biometric_required: bool,
    pub number_matching: bool,
    pub number_choices: Option<Vec<String>>,
    /// Requests for the same resource in the last minute (more than 1: a burst).
    pub burst: u32,
    /// The notification may offer Approve itself: no number, no biometric,
    /// no risk.
    pub answer_inline: bool,
    /// The server's signed risk level: medium and high show a banner with
    /// the reasons; the core enforces what the level demands.
    pub risk_level: RiskLevel,
    /// Why, in the user's words ("a new location").
    pub risk_reasons: Vec<String>,
}

impl From<PushRequest> for PushRequestItem {
    fn from(request: PushRequest) -> Self {
        let answer_inline = request.answerable_inline();
        let risk_reasons = request
            .risk_reasons
            .iter()
            .map(|reason| reason.words().to_owned())
            .collect();
        PushRequestItem {
            id: request.id,
            account_id: request.account_id,
            org: request.org,
            user: request.user,
            kind: request.kind,
            resource_name: request.resource.name,
            ip: request.context.ip,
            location: request.context.location,
            browser: request.context.browser,
            os: request.context.os,
            time: request.context.time,
            message: request.message,
            issued_at: request.issued_at,
            expires_at: request.expires_at,
            seconds_left: request.seconds_left,
            biometric_required: request.biometric_required,
            number_matching: request.number_matching,
            number_choices: request.number_choices,
            burst: request.burst,
            answer_inline,
            risk_level: request.risk_level,
            risk_reasons,
        }
    }
}

/// An account whose server could not be asked or told (a banner on the screen).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PushFailureItem {
    pub account_id: String,
    pub reason: String,
}

impl From<AccountFailure> for PushFailureItem {
    fn from(failure: AccountFailure) -> Self {
        PushFailureItem {
            account_id: failure.account_id,
            reason: failure.error.to_string(),
        }
    }
}

/// The requests waiting, and the accounts whose servers could not be asked.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PendingView {
    pub requests: Vec<PushRequestItem>,
    pub failures: Vec<PushFailureItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum AnswerResult {
    Approved,
    /// Approved; show `code` with `message`: the sign-in screen asks for it
    /// (privacyIDEA's "code to phone" mode).
    ApprovedShowCode {
        code: String,
        message: String,
    },
    Denied,
}

#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct ScanPoint {
    pub x: f32,
    pub y: f32,
}

/// A decoded QR code and what it is for.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ScanItem {
    pub text: String,
    pub kind: ScanKind,
    /// For the invalid kinds: what is wrong; for `NotAuthenticator`: the link's host.
    pub detail: Option<String>,
    pub points: Vec<ScanPoint>,
}

/// What an import file would add, shown before anything is written.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImportPlan {
    /// The file's format as the CLI names it (`--format`), e.g. "aegis".
    pub format: String,
    /// The new accounts: all of them are added, or none.
    pub to_add: Vec<ImportedAccount>,
    /// Accounts already in the vault (or twice in the file), left as they are.
    pub duplicates: u32,
    /// Entries the file has that cannot be imported, each with why.
    pub skipped: Vec<SkippedEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImportedAccount {
    pub issuer: Option<String>,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SkippedEntry {
    pub name: String,
    pub reason: String,
}

impl From<countersign_core::transfer::ImportPreview> for ImportPlan {
    fn from(preview: countersign_core::transfer::ImportPreview) -> Self {
        Self {
            format: preview.format.name().to_owned(),
            to_add: preview
                .to_add
                .iter()
                .map(|account| ImportedAccount {
                    issuer: account.issuer.clone(),
                    name: account.name.clone(),
                })
                .collect(),
            duplicates: u32::try_from(preview.duplicates.len()).unwrap_or(u32::MAX),
            skipped: preview
                .skipped
                .into_iter()
                .map(|skipped| SkippedEntry {
                    name: skipped.name,
                    reason: skipped.reason,
                })
                .collect(),
        }
    }
}
