//! One way in for both push dialects: whatever the camera read or the user
//! typed is classified by the scanner's rules (`scan::classify`, the only place
//! that decides what a code is) and enrolled as a Countersign account or a
//! privacyIDEA token.

use super::{DeviceInfo, NoGate, PushDevice, PushError, UncheckedCertificates};
use crate::clock::UnixTime;
use crate::diagnostics::{self, schema::Event};
use crate::push::privacyidea::{PrivacyIdeaStore, PrivacyIdeaToken};
use crate::push::wire::ChallengeKind;
use crate::push::{PushAccount, PushStore};
use crate::scan::{ScanPayload, classify};
use crate::vault::{SharedVault, Vault, VaultError};

/// A scanned or typed enrollment code, with what the user decided about it.
#[derive(Clone, Copy)]
pub struct EnrollmentCode<'a> {
    pub payload: &'a str,
    /// When the code was read, by this device's clock: privacyIDEA's `ttl`
    /// counts from then, so a retry keeps the same deadline.
    pub scanned_at: UnixTime,
    pub certificates: UncheckedCertificates,
    /// Approve the server's enrollment confirmation at once (the user is in
    /// the app, having just scanned the code); otherwise it arrives as a push.
    pub confirm_now: bool,
}

impl<'a> EnrollmentCode<'a> {
    /// A code read at `scanned_at`, certificate checks as the code asks.
    pub fn new(payload: &'a str, scanned_at: UnixTime) -> Self {
        Self {
            payload,
            scanned_at,
            certificates: UncheckedCertificates::NotAccepted,
            confirm_now: true,
        }
    }

    /// The app went to the background before enrolling finished: the
    /// server's confirmation is left for the user to approve from its
    /// notification (the guide's "click Approve for the process to complete").
    pub fn confirming_by_push(mut self) -> Self {
        self.confirm_now = false;
        self
    }

    /// The same code after the user accepted a privacyIDEA `sslverify=0` warning.
    pub fn accepting_unchecked_certificates(mut self) -> Self {
        self.certificates = UncheckedCertificates::AcceptedByUser;
        self
    }
}

/// The payload carries a bearer credential (our token, privacyIDEA's
/// enrollment credential): never printed.
impl std::fmt::Debug for EnrollmentCode<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrollmentCode")
            .field("payload", &"[redacted]")
            .field("scanned_at", &self.scanned_at)
            .field("certificates", &self.certificates)
            .field("confirm_now", &self.confirm_now)
            .finish()
    }
}

/// A push account of either dialect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnrolledPush {
    Countersign(PushAccount),
    PrivacyIdea(PrivacyIdeaToken),
}

impl EnrolledPush {
    pub fn id(&self) -> &str {
        match self {
            EnrolledPush::Countersign(account) => &account.id,
            EnrolledPush::PrivacyIdea(token) => &token.id,
        }
    }
}

/// Every push account on this device: Countersign accounts, then privacyIDEA tokens.
pub fn push_accounts(vault: &Vault) -> Result<Vec<EnrolledPush>, VaultError> {
    let accounts = vault
        .push_accounts()?
        .into_iter()
        .map(EnrolledPush::Countersign);
    let tokens = vault
        .privacyidea_tokens()?
        .into_iter()
        .map(EnrolledPush::PrivacyIdea);
    Ok(accounts.chain(tokens).collect())
}

impl PushDevice {
    /// Enrolls this device from `code`, whichever dialect it is, and stores the
    /// account. Nothing is stored unless every check passes; the vault is free
    /// while the key is made and the server asked.
    pub async fn enroll(
        &self,
        vault: &SharedVault,
        code: EnrollmentCode<'_>,
        info: &DeviceInfo,
    ) -> Result<EnrolledPush, PushError> {
        let result = self.enroll_unrecorded(vault, code, info).await;
        if let Err(error) = &result {
            let check = diagnostics::classify::enrollment_check(error);
            diagnostics::note(vault, Event::EnrollmentFailed { check }, self.local_now());
        }
        result
    }

    async fn enroll_unrecorded(
        &self,
        vault: &SharedVault,
        code: EnrollmentCode<'_>,
        info: &DeviceInfo,
    ) -> Result<EnrolledPush, PushError> {
        match classify(code.payload) {
            ScanPayload::PushEnrollment { uri } => {
                let account = self.enroll_countersign(vault, &uri, info).await?;
                if code.confirm_now {
                    self.confirm_enrollment(vault, &account).await;
                }
                Ok(EnrolledPush::Countersign(account))
            }
            ScanPayload::PrivacyIdeaPush { uri } => {
                let mut token = self
                    .register_privacyidea(&uri, code.scanned_at, info, code.certificates)
                    .await?;
                token.id = vault.lock().add_privacyidea_token(&token)?;
                Ok(EnrolledPush::PrivacyIdea(token))
            }
            other => Err(PushError::NotEnrollmentCode {
                found: other.description(),
            }),
        }
    }

    /// Approves the server's `enrollment_confirm` challenge for a new account
    /// (protocol.md 4.4). Best effort: if it cannot be sent now, the
    /// confirmation stays pending on the server and reaches the user as a
    /// push or the next fetch, like any request. A server that issues none
    /// (older ones) needs none.
    async fn confirm_enrollment(&self, vault: &SharedVault, account: &PushAccount) {
        let Ok(requests) = self.poll_account(vault, account).await else {
            return;
        };
        for request in requests {
            if request.kind == ChallengeKind::EnrollmentConfirm {
                let _ = self.approve(vault, &request.id, None, &NoGate).await;
            }
        }
    }
}
