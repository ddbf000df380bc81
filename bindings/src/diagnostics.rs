//! Share Diagnostic Data as the apps see it: the toggle's neighbours (what is
//! shared, what is queued, which networks), the shells' own events (a scan's
//! outcome) and the hourly send to the app's configured collector.

use countersign_core::diagnostics::{
    self, Collector, Network, NetworkPolicy, SendOutcome, WHAT_IS_SHARED,
    schema::{Bucket, DeviceClass, Environment, Event, Language, Platform, ScanOutcome, Version},
};
use countersign_core::{Clock, SystemClock};

use crate::authenticator::Authenticator;
use crate::error::FfiError;

/// One line of "What is shared".
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SharedFieldItem {
    pub name: String,
    pub meaning: String,
}

/// Everything a diagnostics batch can carry, for the app's "What is shared".
#[uniffi::export]
pub fn what_is_shared() -> Vec<SharedFieldItem> {
    WHAT_IS_SHARED
        .iter()
        .map(|field| SharedFieldItem {
            name: field.name.to_owned(),
            meaning: field.meaning.to_owned(),
        })
        .collect()
}

/// What is never shared, in one sentence for the same screen.
#[uniffi::export]
pub fn never_shared() -> String {
    diagnostics::NEVER_SHARED.to_owned()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum AppPlatform {
    Android,
    Ios,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DeviceKind {
    Phone,
    Tablet,
    Watch,
}

/// The app's environment as the shell knows it; the core keeps only what the
/// schema allows (a version number, a language), whatever is passed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DiagnosticsEnvironment {
    pub app_version: String,
    pub platform: AppPlatform,
    /// The OS version as the platform reports it (`14`, `17.4.1`).
    pub os_version: String,
    pub device: DeviceKind,
    /// The locale's tag (`de-CH`); only its language is kept.
    pub locale: String,
}

impl From<&DiagnosticsEnvironment> for Environment {
    fn from(app: &DiagnosticsEnvironment) -> Self {
        Environment {
            app_version: Version::or_zero(&app.app_version),
            core_version: Version::or_zero(env!("CARGO_PKG_VERSION")),
            platform: match app.platform {
                AppPlatform::Android => Platform::Android,
                AppPlatform::Ios => Platform::Ios,
            },
            os_version: Version::or_zero(&app.os_version),
            device_class: match app.device {
                DeviceKind::Phone => DeviceClass::Phone,
                DeviceKind::Tablet => DeviceClass::Tablet,
                DeviceKind::Watch => DeviceClass::Watch,
            },
            language: Language::of_locale(&app.locale),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum NetworkKind {
    /// Wi-Fi, Ethernet.
    Unmetered,
    /// Mobile data.
    Metered,
    None,
}

/// What a send did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DiagnosticsSent {
    Off,
    NothingQueued,
    NotDue { retry_in_seconds: i64 },
    WaitingForNetwork,
    Sent { events: u32 },
    Refused { events: u32 },
}

/// How a scan ended, as the scan screen reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ScanEnd {
    Decoded,
    NoQr,
    UnsupportedPayload,
    Cancelled,
    TooSlow,
}

fn count(value: u64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

#[uniffi::export(async_runtime = "tokio")]
impl Authenticator {
    /// The events waiting to be sent, each as the JSON that will leave the
    /// phone (empty while sharing is off).
    pub async fn diagnostics_queue(&self) -> Result<Vec<String>, FfiError> {
        Ok(diagnostics::queue::queued(&self.vault.lock())?
            .into_iter()
            .map(|event| event.body)
            .collect())
    }

    /// True when batches may go over mobile data too (default: Wi-Fi only).
    pub async fn diagnostics_on_any_network(&self) -> Result<bool, FfiError> {
        Ok(diagnostics::queue::network_policy(&self.vault.lock())? == NetworkPolicy::Any)
    }

    pub async fn set_diagnostics_on_any_network(&self, any: bool) -> Result<(), FfiError> {
        let policy = if any {
            NetworkPolicy::Any
        } else {
            NetworkPolicy::UnmeteredOnly
        };
        Ok(diagnostics::queue::set_network_policy(
            &mut self.vault.lock(),
            policy,
        )?)
    }

    /// The scan screen's outcome: camera frames read and time taken.
    pub async fn note_scan(&self, outcome: ScanEnd, frames: u32, millis: u32) {
        let outcome = match outcome {
            ScanEnd::Decoded => ScanOutcome::Decoded,
            ScanEnd::NoQr => ScanOutcome::NoQr,
            ScanEnd::UnsupportedPayload => ScanOutcome::UnsupportedPayload,
            ScanEnd::Cancelled => ScanOutcome::Cancelled,
            ScanEnd::TooSlow => ScanOutcome::TooSlow,
        };
        let event = Event::ScanFinished {
            outcome,
            frames: Bucket::of(u64::from(frames)),
            millis: Bucket::of(u64::from(millis)),
        };
        diagnostics::note(&self.vault, event, SystemClock.now());
    }

    /// Sends the queue to `collector_url` (the app's build setting, never a
    /// push server) when sharing is on, an hour has passed since the last
    /// attempt and `network` is one the user allows. Call it at app start and
    /// from a periodic background task.
    pub async fn send_diagnostics(
        &self,
        collector_url: String,
        environment: DiagnosticsEnvironment,
        network: NetworkKind,
    ) -> Result<DiagnosticsSent, FfiError> {
        let collector = Collector::new(&collector_url, self.plain_http)?;
        let network = match network {
            NetworkKind::Unmetered => Network::Unmetered,
            NetworkKind::Metered => Network::Metered,
            NetworkKind::None => Network::None,
        };
        let outcome = collector
            .send_due(
                &self.vault,
                &Environment::from(&environment),
                network,
                SystemClock.now(),
            )
            .await?;
        Ok(match outcome {
            SendOutcome::Off => DiagnosticsSent::Off,
            SendOutcome::NothingQueued => DiagnosticsSent::NothingQueued,
            SendOutcome::NotDue { retry_in } => DiagnosticsSent::NotDue {
                retry_in_seconds: retry_in,
            },
            SendOutcome::WaitingForNetwork => DiagnosticsSent::WaitingForNetwork,
            SendOutcome::Sent { events } => DiagnosticsSent::Sent {
                events: count(events as u64),
            },
            SendOutcome::Refused { events } => DiagnosticsSent::Refused {
                events: count(events as u64),
            },
        })
    }
}
