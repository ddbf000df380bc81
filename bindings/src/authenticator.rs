//! The one object the app holds: the vault (codes, accounts, settings) and push
//! (enroll, requests, answers). Coarse on purpose: a call costs ~10 µs from
//! Kotlin, so one call returns a whole screen.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use countersign_core::diagnostics;
use countersign_core::http::PlainHttp;
use countersign_core::push::PushStore;
use countersign_core::push::device::{
    AnswerOutcome, DeviceInfo, EnrollmentCode, PushDevice, WatchDecision, push_accounts,
};
use countersign_core::scan::account_from_code;
use countersign_core::transfer;
use countersign_core::vault::CodesScreen;
use countersign_core::{Clock, SharedVault, SystemClock, Vault};

use crate::error::FfiError;
use crate::platform::{
    BiometricPrompt, GateAdapter, HardwareAdapter, HardwareKeyStore, KeyStore, KeyStoreAdapter,
};
use crate::records::*;

#[derive(uniffi::Object)]
pub struct Authenticator {
    /// Taken for one synchronous step at a time, never across a prompt or a
    /// request (see `SharedVault`): the codes screen stays live during both.
    pub(crate) vault: SharedVault,
    /// The open codes screen's generators (key states standing in for the
    /// secrets), from its first `codes()` to `close_codes_view()`. Taken after
    /// the vault's lock when both are needed, never the other way round.
    codes_screen: Mutex<Option<OpenCodesScreen>>,
    /// Numbers the screens, so a tick can name the view it follows.
    screens_opened: AtomicU64,
    device: PushDevice,
    pub(crate) plain_http: PlainHttp,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Authenticator")
    }
}

fn device_info(platform: String, device_name: String, push_token: Option<String>) -> DeviceInfo {
    DeviceInfo {
        platform,
        device_name,
        app_version: env!("CARGO_PKG_VERSION").into(),
        push_token,
    }
}

fn outcome(outcome: AnswerOutcome) -> AnswerResult {
    match outcome {
        AnswerOutcome::Approved => AnswerResult::Approved,
        AnswerOutcome::ApprovedShowCode { code, message } => {
            AnswerResult::ApprovedShowCode { code, message }
        }
        AnswerOutcome::Denied => AnswerResult::Denied,
    }
}

/// An open codes screen and its number.
struct OpenCodesScreen {
    screen: CodesScreen,
    number: u64,
}

/// Rust-only: not exported to Kotlin or Swift.
impl Authenticator {
    /// The open codes screen, if any. A panic in another call leaves at worst
    /// an outdated screen, which the revision check replaces, so a poisoned
    /// lock is taken over.
    fn open_codes_screen(&self) -> MutexGuard<'_, Option<OpenCodesScreen>> {
        self.codes_screen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// `open` with the transport policy chosen by the caller: Rust tests on one
    /// machine reach a server on 127.0.0.1 over plain http with
    /// `PlainHttp::Loopback`; the apps always get `open`'s https-only build.
    pub fn open_with(
        path: String,
        key_store: Arc<dyn KeyStore>,
        hardware_keys: Option<Arc<dyn HardwareKeyStore>>,
        plain_http: PlainHttp,
    ) -> Result<Arc<Self>, FfiError> {
        let mut vault = Vault::open(Path::new(&path), Arc::new(KeyStoreAdapter(key_store)))?;
        diagnostics::note_vault_opened(&mut vault, SystemClock.now());
        let mut device = PushDevice::new(Arc::new(SystemClock))?;
        if plain_http == PlainHttp::Loopback {
            device = device.allowing_loopback_http();
        }
        if let Some(keys) = hardware_keys {
            device = device.with_hardware_keys(Arc::new(HardwareAdapter(keys)));
        }
        Ok(Arc::new(Self {
            vault: SharedVault::new(vault),
            codes_screen: Mutex::new(None),
            screens_opened: AtomicU64::new(0),
            device,
            plain_http,
        }))
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl Authenticator {
    /// Opens (or creates) the vault at `path`, its key kept by `key_store`. With
    /// `hardware_keys`, push enrollments sign with StrongBox / Secure Enclave keys.
    #[uniffi::constructor]
    pub fn open(
        path: String,
        key_store: Arc<dyn KeyStore>,
        hardware_keys: Option<Arc<dyn HardwareKeyStore>>,
    ) -> Result<Arc<Self>, FfiError> {
        // Phones talk https only; the Kotlin JVM tests build this library with
        // `loopback-http` to reach a server on 127.0.0.1.
        let plain_http = if cfg!(feature = "loopback-http") {
            PlainHttp::Loopback
        } else {
            PlainHttp::Refuse
        };
        Self::open_with(path, key_store, hardware_keys, plain_http)
    }

    /// The device identity for the More screen.
    pub async fn protect_id(&self) -> String {
        self.vault.lock().protect_id().to_owned()
    }

    /// Adds an account from an otpauth:// URI (typed or scanned); returns its id.
    pub async fn add_account(&self, uri: String) -> Result<String, FfiError> {
        let parsed = account_from_code(&uri)?;
        Ok(self.vault.lock().add(&parsed.account, SystemClock.now())?)
    }

    /// What importing `file` (an export of another authenticator, or our own
    /// backup) would add; `WrongPassword { password_missing: true }` asks for
    /// the password of an encrypted file. Nothing is written. The file's key
    /// derivation runs on the calling thread (bounded: `core::transfer`'s
    /// limits), with the vault free meanwhile.
    pub async fn preview_import(
        &self,
        file: Vec<u8>,
        password: Option<String>,
    ) -> Result<ImportPlan, FfiError> {
        let contents = transfer::read_export(&file, None, password.as_deref())?;
        let vault = self.vault.lock();
        Ok(transfer::preview(&vault, contents)?.into())
    }

    /// Imports what [`Self::preview_import`] showed: every new account in one
    /// transaction, or none; returns how many were added.
    pub async fn import_file(
        &self,
        file: Vec<u8>,
        password: Option<String>,
    ) -> Result<u32, FfiError> {
        let format = transfer::detect(&file);
        let read = transfer::read_export(&file, None, password.as_deref());
        let mut vault = self.vault.lock();
        let contents = match read {
            Ok(contents) => contents,
            Err(error) => {
                diagnostics::note_import(
                    &mut vault,
                    format,
                    &Err(error.clone()),
                    SystemClock.now(),
                );
                return Err(error.into());
            }
        };
        let plan = transfer::preview(&vault, contents)?;
        let added = vault.add_all(&plan.to_add, SystemClock.now())?.len();
        diagnostics::note_import(&mut vault, format, &Ok(added), SystemClock.now());
        Ok(u32::try_from(added).unwrap_or(u32::MAX))
    }

    pub async fn accounts(&self, search: Option<String>) -> Result<Vec<AccountItem>, FfiError> {
        let vault = self.vault.lock();
        Ok(vault
            .list(search.as_deref())?
            .into_iter()
            .map(AccountItem::from)
            .collect())
    }

    /// Every account's code and countdown from one clock reading. The first
    /// call opens the codes screen (each account's secret read once and kept
    /// as its HMAC key state); later calls only compute codes, until the vault
    /// changes or `close_codes_view` is called. A screen ticking every second
    /// follows this with `codes_update`.
    pub async fn codes(&self) -> Result<CodesView, FfiError> {
        let now = SystemClock.now();
        let vault = self.vault.lock();
        let mut open = self.open_codes_screen();
        let mut current = match open.take() {
            Some(current) if current.screen.revision() == vault.codes_revision()? => current,
            // Outdated or none: the old generators are dropped (zeroized).
            _ => OpenCodesScreen {
                screen: vault.codes_screen()?,
                number: self.screens_opened.fetch_add(1, Ordering::Relaxed) + 1,
            },
        };
        drop(vault);
        let items = current
            .screen
            .view(now)
            .entries
            .into_iter()
            .map(CodeItem::from)
            .collect();
        let screen = current.number;
        *open = Some(current);
        Ok(CodesView { now, items, screen })
    }

    /// The codes of the view numbered `screen` one tick later, or nothing when
    /// that view is out of date (an account added, renamed, moved, deleted or
    /// used, a code that became unavailable, the screen closed): then call
    /// `codes()` for a whole new view.
    pub async fn codes_update(&self, screen: u64) -> Result<Option<CodesUpdate>, FfiError> {
        let now = SystemClock.now();
        let vault = self.vault.lock();
        let mut open = self.open_codes_screen();
        let Some(current) = open.as_mut() else {
            return Ok(None);
        };
        if current.number != screen || current.screen.revision() != vault.codes_revision()? {
            return Ok(None);
        }
        drop(vault);
        let Some(codes) = current.screen.tick(now) else {
            return Ok(None);
        };
        Ok(Some(CodesUpdate {
            now,
            seconds_left: codes
                .iter()
                .map(|code| code.and_then(|code| code.seconds_left).unwrap_or(0))
                .collect(),
            codes: codes
                .iter()
                .map(|code| code.map(|code| code.value.clone()).unwrap_or_default())
                .collect(),
        }))
    }

    /// The codes screen is gone (closed, or the app went to the background):
    /// its key states are dropped and zeroized now. The next `codes()` reads
    /// the vault again.
    pub fn close_codes_view(&self) {
        self.open_codes_screen().take();
    }

    /// The next HOTP code; the counter is saved before the code is returned.
    pub async fn next_hotp_code(&self, id: String) -> Result<String, FfiError> {
        Ok(self.vault.lock().next_hotp_code(&id)?.value.clone())
    }

    pub async fn rename(
        &self,
        id: String,
        issuer: Option<String>,
        name: String,
    ) -> Result<(), FfiError> {
        Ok(self.vault.lock().rename(&id, issuer.as_deref(), &name)?)
    }

    pub async fn move_account(&self, id: String, position: u32) -> Result<(), FfiError> {
        Ok(self.vault.lock().move_to(&id, position as usize)?)
    }

    pub async fn delete_account(&self, id: String) -> Result<(), FfiError> {
        Ok(self.vault.lock().delete(&id)?)
    }

    pub async fn diagnostics_enabled(&self) -> Result<bool, FfiError> {
        Ok(self.vault.lock().diagnostics_enabled()?)
    }

    pub async fn set_diagnostics_enabled(&self, enabled: bool) -> Result<(), FfiError> {
        Ok(self.vault.lock().set_diagnostics_enabled(enabled)?)
    }

    /// Enrolls this phone from a scanned or typed code of either push dialect:
    /// countersign://enroll, or a privacyIDEA push token (otpauth://pipush/…,
    /// pia://pipush/…); anything else is `InvalidInput` naming what the code is.
    /// `scanned_at` (Unix seconds, this phone's clock) is when the code was
    /// read: privacyIDEA's ttl counts from then, so a retry after a network
    /// error keeps the same deadline. privacyIDEA's 4096-bit RSA key is made on
    /// a worker thread (seconds), never the caller's, and the vault stays free
    /// meanwhile. A code with `sslverify=0` fails with `CertificateChecksOff`
    /// until it is called with `accept_unchecked_certificates` after the user
    /// agreed.
    pub async fn enroll_push(
        &self,
        uri: String,
        scanned_at: i64,
        device_name: String,
        platform: String,
        push_token: Option<String>,
        accept_unchecked_certificates: bool,
    ) -> Result<PushAccountItem, FfiError> {
        let info = device_info(platform, device_name, push_token);
        let mut code = EnrollmentCode::new(&uri, scanned_at);
        if accept_unchecked_certificates {
            code = code.accepting_unchecked_certificates();
        }
        Ok(self.device.enroll(&self.vault, code, &info).await?.into())
    }

    /// Countersign accounts, then privacyIDEA tokens.
    pub async fn push_accounts(&self) -> Result<Vec<PushAccountItem>, FfiError> {
        Ok(push_accounts(&self.vault.lock())?
            .into_iter()
            .map(PushAccountItem::from)
            .collect())
    }

    /// Removes a push account or privacyIDEA token from this phone (the server
    /// keeps its record until an administrator removes it).
    pub async fn delete_push_account(&self, id: String) -> Result<(), FfiError> {
        Ok(self.vault.lock().delete_push_account(&id)?)
    }

    /// Fetches the requests waiting for an answer (app start, pull to refresh).
    pub async fn pending_requests(&self) -> Result<Vec<PushRequestItem>, FfiError> {
        Ok(self
            .device
            .pending(&self.vault)
            .await?
            .into_iter()
            .map(PushRequestItem::from)
            .collect())
    }

    /// [`Self::pending_requests`] with the accounts whose servers failed, for a
    /// banner; a failure never hides another account's requests.
    pub async fn pending_report(&self) -> Result<PendingView, FfiError> {
        let report = self.device.pending_report(&self.vault).await?;
        Ok(PendingView {
            requests: report
                .requests
                .into_iter()
                .map(PushRequestItem::from)
                .collect(),
            failures: report
                .failures
                .into_iter()
                .map(PushFailureItem::from)
                .collect(),
        })
    }

    /// FCM/APNs gave this phone a new push token (`None`: notifications were
    /// turned off): tells every server. Returns the accounts to retry later.
    pub async fn update_push_token(
        &self,
        push_token: Option<String>,
    ) -> Result<Vec<PushFailureItem>, FfiError> {
        Ok(self
            .device
            .update_push_token(&self.vault, push_token.as_deref())
            .await?
            .into_iter()
            .map(PushFailureItem::from)
            .collect())
    }

    /// What APNs or FCM delivered; `None` means "call pending_requests".
    pub async fn handle_push_payload(
        &self,
        payload: Vec<u8>,
    ) -> Result<Option<PushRequestItem>, FfiError> {
        Ok(self
            .device
            .handle_push_payload(&self.vault, &payload)?
            .map(PushRequestItem::from))
    }

    /// Approves, after `prompt` confirms the user when policy requires it.
    pub async fn approve(
        &self,
        id: String,
        number: Option<String>,
        prompt: Arc<dyn BiometricPrompt>,
    ) -> Result<AnswerResult, FfiError> {
        let gate = GateAdapter(prompt);
        Ok(outcome(
            self.device
                .approve(&self.vault, &id, number.as_deref(), &gate)
                .await?,
        ))
    }

    pub async fn deny(&self, id: String, report_fraud: bool) -> Result<AnswerResult, FfiError> {
        Ok(outcome(
            self.device.deny(&self.vault, &id, report_fraud).await?,
        ))
    }

    pub async fn watch_request(&self, id: String) -> Result<WatchRequest, FfiError> {
        Ok(self.device.watch_request(&self.vault, &id)?)
    }

    /// The Watch's answer, re-checked and signed here.
    pub async fn answer_from_watch(
        &self,
        id: String,
        approve: bool,
        number: Option<String>,
        report_fraud: bool,
    ) -> Result<AnswerResult, FfiError> {
        let decision = if approve {
            WatchDecision::Approve { number }
        } else {
            WatchDecision::Deny {
                fraud: report_fraud,
            }
        };
        Ok(outcome(
            self.device
                .answer_from_watch(&self.vault, &id, decision)
                .await?,
        ))
    }
}
