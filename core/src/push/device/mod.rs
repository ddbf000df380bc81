//! The phone's side of push (docs/protocol.md sections 4-7, 10): enroll from a
//! QR code, receive challenges by push payload or by fetching, verify them against
//! the pinned server key, and answer them, behind the biometric gate when policy
//! requires. Everything the two shells need, so neither re-implements any of it.
//!
//! Must not: show UI, or sign an approval the gate refused.

mod enrollment;
mod model;
mod transport;

use crate::diagnostics::{
    self,
    schema::{Bucket, Event, PushStage},
};
use std::collections::HashSet;
use std::future::Future;
use std::sync::{Arc, PoisonError};
use std::time::Duration;

use futures_util::future::{join, join_all};

use ring::rand::{SecureRandom, SystemRandom};

pub use enrollment::{EnrolledPush, EnrollmentCode, push_accounts};
pub use model::{
    AccountFailure, AnswerOutcome, BiometricGate, GateError, NoGate, PendingReport, PushError,
    PushRequest, UncheckedCertificates, WatchDecision, WatchRequest,
};
use transport::{Reply, Transport};

use crate::clock::{Clock, UnixTime};
use crate::http::PlainHttp;
use crate::push::enroll_uri::EnrollmentUri;
use crate::push::jose::{self, Compact, Jwk, JwsSigner, SoftwareKey};
use crate::push::wire::{
    ATTESTATION_FORMAT_ANDROID_KEY, AnswerClaims, AnswerResponse, AnswerStatus, Biometric,
    ChallengeClaims, ChallengeKind, ChallengesResponse, Decision, DeviceRecord, EnrollClaims,
    EnrollResponse, KeyAttestation, Problem, ProblemType, RequestClaims, RiskLevel, TYP_ANSWER,
    TYP_CHALLENGE, TYP_DEVICE, TYP_ENROLL, TYP_REQUEST, UserKey,
};
use crate::push::{DeviceKeyRef, PushAccount, PushAccountStatus, PushStore};
use crate::vault::{SharedVault, Vault, VaultError};

/// Longest challenge lifetime a device accepts (section 6.5).
const MAX_CHALLENGE_LIFETIME: i64 = 300;
/// A burst is the requests for one resource within this many seconds.
pub(crate) const BURST_WINDOW: i64 = 60;
/// The longest one account's poll may take: a request and its clock-skew
/// retry. A server that hangs is reported; it never holds up the others.
const POLL_TIMEOUT: Duration = Duration::from_secs(20);

/// The shell's hardware keys (Secure Enclave, StrongBox): the core asks
/// for a key by alias and gets something that signs; it never sees private bytes.
pub trait DeviceSigner: Send + Sync {
    fn create(&self, alias: &str) -> Result<Box<dyn JwsSigner>, String>;
    fn open(&self, alias: &str) -> Result<Box<dyn JwsSigner>, String>;

    /// A user key for a new enrollment (protocol §4.1, ADR 0014): a key the
    /// hardware uses only after the user passed a biometric or the screen
    /// lock for that one signature, attested with `challenge`. `Ok(None)`
    /// where the platform cannot make one (before Android 11, no screen lock).
    fn create_user_key(
        &self,
        _alias: &str,
        _challenge: &[u8],
    ) -> Result<Option<CreatedUserKey>, String> {
        Ok(None)
    }

    /// The user key `alias`, to sign approvals with.
    fn user_key(&self, _alias: &str) -> Result<Box<dyn UserKeySigner>, String> {
        Err("this device keeps no user keys".into())
    }
}

/// A new user key: its public half and its attestation chain (leaf first,
/// DER; empty when the platform attests nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedUserKey {
    pub jwk: Jwk,
    pub attestation_chain: Vec<Vec<u8>>,
}

/// A key that signs once the user has passed the platform's prompt (showing
/// `reason`) for this very signature; a refused prompt signs nothing.
#[async_trait::async_trait]
pub trait UserKeySigner: Send + Sync {
    fn public_jwk(&self) -> Jwk;
    /// ES256 as r || s.
    async fn sign_for_user(&self, message: &[u8], reason: &str) -> Result<Vec<u8>, GateError>;
}

/// What the device tells the server about itself at enrollment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    /// `android`, `ios` or `desktop`.
    pub platform: String,
    pub device_name: String,
    pub app_version: String,
    /// FCM registration token or APNs device token; `None` for poll-only devices.
    pub push_token: Option<String>,
}

pub struct PushDevice {
    transport: Transport,
    pub(crate) privacyidea: crate::push::privacyidea::PiClient,
    /// RSA key size of new privacyIDEA tokens.
    pub(crate) privacyidea_key_bits: usize,
    clock: Arc<dyn Clock>,
    hardware: Option<Arc<dyn DeviceSigner>>,
    plain_http: PlainHttp,
    /// Requests being answered now. The vault is free while an answer waits
    /// on the prompt and the server, so this, not the vault, keeps a second
    /// tap (or the Watch) from prompting and sending a second answer.
    answering: std::sync::Mutex<HashSet<String>>,
}

/// One request claimed for answering; the claim ends when this is dropped
/// (answered, refused, failed or cancelled alike).
pub(crate) struct AnswerClaim<'a> {
    answering: &'a std::sync::Mutex<HashSet<String>>,
    id: String,
}

impl Drop for AnswerClaim<'_> {
    fn drop(&mut self) {
        self.answering
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.id);
    }
}

impl std::fmt::Debug for PushDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushDevice")
            .field("hardware_keys", &self.hardware.is_some())
            .finish_non_exhaustive()
    }
}

impl PushDevice {
    /// Fails only when this device cannot set up HTTPS at all (its TLS backend
    /// or resolver did not start).
    pub fn new(clock: Arc<dyn Clock>) -> Result<Self, PushError> {
        // One connection pool for both dialects.
        let http = crate::http::client(false).map_err(|error| PushError::Network {
            reason: format!("this device could not set up HTTPS: {error}"),
        })?;
        Ok(Self {
            transport: Transport::new(http.clone()),
            privacyidea: crate::push::privacyidea::PiClient::new(http),
            privacyidea_key_bits: crate::push::privacyidea::DEVICE_KEY_BITS,
            clock,
            hardware: None,
            plain_http: PlainHttp::Refuse,
            answering: std::sync::Mutex::default(),
        })
    }

    /// Lets this device reach a push server on this machine over plain http
    /// (the CLI, the demo, tests). Phone builds never call it.
    pub fn allowing_loopback_http(mut self) -> Self {
        self.plain_http = PlainHttp::Loopback;
        self
    }

    /// New privacyIDEA tokens get `bits`-bit keys instead of 4096 (tests use
    /// 2048 to save seconds per enrollment; privacyIDEA accepts both).
    pub fn with_privacyidea_key_bits(mut self, bits: usize) -> Self {
        self.privacyidea_key_bits = bits;
        self
    }

    /// Claims request `id` for one answer; `AnswerInProgress` while another
    /// answer to it is still at the prompt or on its way to the server.
    pub(crate) fn claim_answer(&self, id: &str) -> Result<AnswerClaim<'_>, PushError> {
        let fresh = self
            .answering
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id.to_owned());
        if !fresh {
            return Err(PushError::AnswerInProgress);
        }
        Ok(AnswerClaim {
            answering: &self.answering,
            id: id.to_owned(),
        })
    }

    /// Refuses a server URL the transport policy does not allow.
    pub(crate) fn check_transport(&self, url: &str) -> Result<(), PushError> {
        if self.plain_http.allows(url) {
            Ok(())
        } else {
            Err(PushError::InsecureServer {
                url: url.to_owned(),
            })
        }
    }

    /// New enrollments get hardware keys from `keys` instead of software keys.
    pub fn with_hardware_keys(mut self, keys: Arc<dyn DeviceSigner>) -> Self {
        self.hardware = Some(keys);
        self
    }

    pub(crate) fn local_now(&self) -> UnixTime {
        self.clock.now()
    }

    /// Estimated server time for an account (section 10).
    fn server_now(&self, account: &PushAccount) -> UnixTime {
        self.local_now() + account.clock_offset
    }

    fn signer(&self, account: &PushAccount) -> Result<Box<dyn JwsSigner>, PushError> {
        match &account.key {
            DeviceKeyRef::Software(pkcs8) => SoftwareKey::from_pkcs8(pkcs8.clone())
                .map(|key| Box::new(key) as Box<dyn JwsSigner>)
                .map_err(PushError::BadServerMessage),
            DeviceKeyRef::Hardware { alias } => self
                .hardware
                .as_ref()
                .ok_or_else(|| PushError::HardwareKey {
                    reason: "this account's key is in secure hardware, but the app gave no \
                             hardware key store"
                        .into(),
                })?
                .open(alias)
                .map_err(|reason| PushError::HardwareKey { reason }),
        }
    }

    /// The enrollment's user key, where the hardware can make one: what the
    /// server is sent and the alias kept in the vault.
    fn create_user_key(
        &self,
        key_ref: &DeviceKeyRef,
        token: &str,
    ) -> Result<(Option<UserKey>, Option<String>), PushError> {
        let (Some(hardware), DeviceKeyRef::Hardware { alias }) = (&self.hardware, key_ref) else {
            return Ok((None, None));
        };
        let user_alias = format!("{alias}-user");
        let challenge = ring::digest::digest(&ring::digest::SHA256, token.as_bytes());
        let created = hardware
            .create_user_key(&user_alias, challenge.as_ref())
            .map_err(|reason| PushError::HardwareKey { reason })?;
        Ok(match created {
            None => (None, None),
            Some(created) => {
                let attestation = (!created.attestation_chain.is_empty()).then(|| KeyAttestation {
                    format: ATTESTATION_FORMAT_ANDROID_KEY.to_owned(),
                    chain: created
                        .attestation_chain
                        .iter()
                        .map(|der| data_encoding::BASE64.encode(der))
                        .collect(),
                });
                (
                    Some(UserKey {
                        jwk: created.jwk,
                        attestation,
                    }),
                    Some(user_alias),
                )
            }
        })
    }

    fn user_signer(&self, alias: &str) -> Result<Box<dyn UserKeySigner>, PushError> {
        self.hardware
            .as_ref()
            .ok_or_else(|| PushError::HardwareKey {
                reason: "this account's key is in secure hardware, but the app gave no hardware \
                         key store"
                    .into(),
            })?
            .user_key(alias)
            .map_err(|reason| PushError::HardwareKey { reason })
    }

    /// Enrolls this device with the server named by a countersign://enroll
    /// code and stores the push account. Nothing is stored unless every check
    /// passes.
    async fn enroll_countersign(
        &self,
        vault: &SharedVault,
        uri: &str,
        info: &DeviceInfo,
    ) -> Result<PushAccount, PushError> {
        let uri = EnrollmentUri::parse(uri)?;
        uri.check_expiry(self.local_now())?;
        self.check_transport(&uri.url)?;
        let (signer, key_ref): (Box<dyn JwsSigner>, DeviceKeyRef) = match &self.hardware {
            Some(hardware) => {
                let alias = format!("countersign-{}", random_token(12));
                let signer = hardware
                    .create(&alias)
                    .map_err(|reason| PushError::HardwareKey { reason })?;
                (signer, DeviceKeyRef::Hardware { alias })
            }
            None => {
                let key = SoftwareKey::generate().map_err(PushError::BadServerMessage)?;
                let pkcs8 = key.expose_pkcs8().clone();
                (Box::new(key), DeviceKeyRef::Software(pkcs8))
            }
        };
        let device_jwk = signer.public_jwk();
        let (user_key, user_key_alias) = self.create_user_key(&key_ref, &uri.token)?;
        let url = format!("{}/v1/enroll", uri.url);
        let mut offset = 0;
        let mut retried = false;
        let (record_jws, server_time) = loop {
            let claims = EnrollClaims {
                token: uri.token.clone(),
                jwk: device_jwk.clone(),
                platform: info.platform.clone(),
                push_token: info.push_token.clone(),
                device_name: info.device_name.clone(),
                app_version: info.app_version.clone(),
                iat: self.local_now() + offset,
                user_key: user_key.clone(),
            };
            let jws = jose::sign(TYP_ENROLL, &claims, signer.as_ref(), false)
                .map_err(PushError::BadServerMessage)?;
            match self.transport.post_jose(&url, jws).await? {
                Reply::Ok(body) => {
                    let response: EnrollResponse =
                        serde_json::from_value(body).map_err(|_| PushError::Server {
                            problem: "enroll".into(),
                            detail: "unexpected answer".into(),
                        })?;
                    break (response.record, response.server_time);
                }
                Reply::Problem(problem)
                    if problem.kind() == Some(ProblemType::ClockSkew) && !retried =>
                {
                    offset = problem.server_time - self.local_now();
                    retried = true;
                }
                Reply::Problem(problem) => return Err(enroll_problem(&problem)),
            }
        };
        let record = verify_record(&record_jws, &uri, &device_jwk.thumbprint())?;
        let mut account = PushAccount {
            id: String::new(),
            server_url: uri.url.clone(),
            server_jwk: record.server_jwk,
            device_id: record.device_id,
            user: record.user,
            org: record.org,
            policy: record.policy,
            key: key_ref,
            user_key: user_key_alias,
            clock_offset: server_time - self.local_now(),
            status: PushAccountStatus::Active,
            created_at: self.local_now(),
        };
        account.id = vault.lock().add_push_account(&account)?;
        Ok(account)
    }

    /// Fetches every active account's unanswered challenges (app start, pull to
    /// refresh, a missed notification), verified and oldest first; privacyIDEA
    /// tokens are polled too. An account whose server fails does not hide the
    /// others' requests; when nothing could be shown because of a failure, the
    /// failure is the answer. [`PushDevice::pending_report`] has every failure.
    pub async fn pending(&self, vault: &SharedVault) -> Result<Vec<PushRequest>, PushError> {
        self.pending_report(vault).await?.into_requests()
    }

    /// [`PushDevice::pending`] with each account's failure; an error only when
    /// the vault itself fails. Every server is asked at once, each within
    /// [`POLL_TIMEOUT`], and the vault is free while they answer.
    pub async fn pending_report(&self, vault: &SharedVault) -> Result<PendingReport, PushError> {
        let accounts: Vec<PushAccount> = vault
            .lock()
            .push_accounts()?
            .into_iter()
            .filter(|account| account.status == PushAccountStatus::Active)
            .collect();
        let polls = accounts.iter().map(|account| async move {
            let polled = within_poll_timeout(self.poll_account(vault, account)).await;
            (account, polled)
        });
        let (privacyidea, polled) = join(self.pending_privacyidea(vault), join_all(polls)).await;
        let mut report = privacyidea?;
        for (account, polled) in polled {
            match polled {
                Ok(requests) => report.requests.extend(requests),
                // The account's status now says so; it has nothing to show.
                Err(PushError::DeviceReplaced | PushError::DeviceRevoked) => {}
                Err(PushError::Vault(error)) => return Err(PushError::Vault(error)),
                Err(error) => report.failures.push(AccountFailure {
                    account_id: account.id.clone(),
                    error,
                }),
            }
        }
        vault
            .lock()
            .forget_challenges_expired_before(self.local_now() - 3600)?;
        report.requests.sort_by_key(|request| request.issued_at);
        Ok(report)
    }

    /// One account's unanswered challenges, verified; the vault is taken only
    /// to learn the server's clock and to remember what arrived.
    async fn poll_account(
        &self,
        vault: &SharedVault,
        account: &PushAccount,
    ) -> Result<Vec<PushRequest>, PushError> {
        let path = format!("/v1/devices/{}/challenges", account.device_id);
        let reply = self
            .signed_request(vault, account, reqwest::Method::GET, &path, None)
            .await?;
        let Reply::Ok(body) = reply else {
            return Ok(Vec::new());
        };
        let list =
            serde_json::from_value::<ChallengesResponse>(body).map_err(|_| PushError::Server {
                problem: "challenges".into(),
                detail: "unexpected answer".into(),
            })?;
        let mut vault = vault.lock();
        // Read again: the request may have taught the account a new clock
        // offset, or the user removed the account meanwhile (nothing to show).
        let account = match vault.push_account(&account.id) {
            Ok(account) => account,
            Err(VaultError::NotFound { .. }) => return Ok(Vec::new()),
            Err(error) => return Err(error.into()),
        };
        Ok(list
            .challenges
            .iter()
            // A challenge that fails verification is dropped, never shown.
            .filter_map(|jws| self.accept_challenge(&mut vault, &account, jws).ok())
            .collect())
    }

    /// Handles what APNs or FCM delivered: the challenge if the payload carries
    /// one (verified like a fetched one), `None` for a wake-up that asks the app
    /// to call [`PushDevice::pending`].
    pub fn handle_push_payload(
        &self,
        vault: &SharedVault,
        payload: &[u8],
    ) -> Result<Option<PushRequest>, PushError> {
        let result = self.handle_push_payload_unrecorded(vault, payload);
        let now = self.local_now();
        match &result {
            Err(error) => {
                let reason = diagnostics::classify::verify_failure(error);
                diagnostics::note(vault, Event::PushVerifyFailed { reason }, now);
            }
            Ok(Some(request)) => {
                // issued_at is the server's clock; seconds_left is by it too.
                let server_now = request.expires_at - request.seconds_left;
                let waited = u64::try_from(server_now - request.issued_at).unwrap_or(0);
                let event = Event::PushTiming {
                    stage: PushStage::IssuedToVerified,
                    millis: Bucket::of(waited.saturating_mul(1000)),
                };
                diagnostics::note(vault, event, now);
            }
            Ok(None) => {}
        }
        result
    }

    fn handle_push_payload_unrecorded(
        &self,
        vault: &SharedVault,
        payload: &[u8],
    ) -> Result<Option<PushRequest>, PushError> {
        let mut vault = vault.lock();
        let value: serde_json::Value =
            serde_json::from_slice(payload).map_err(|_| PushError::Unverified {
                reason: "the notification's payload is not JSON".into(),
            })?;
        // APNs puts custom keys at the top level; FCM data messages under `data`.
        let field = |name: &str| {
            value
                .get(name)
                .or_else(|| value.get("data").and_then(|data| data.get(name)))
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        };
        let Some(jws) = field("countersign_challenge") else {
            return self.privacyidea_payload(&mut vault, &value);
        };
        let claims: ChallengeClaims = Compact::parse(&jws)
            .and_then(|compact| compact.claims())
            .map_err(PushError::BadServerMessage)?;
        let account = vault
            .push_accounts()?
            .into_iter()
            .find(|account| account.device_id == claims.device)
            .ok_or(PushError::UnknownRequest)?;
        let request = self.accept_challenge(&mut vault, &account, &jws)?;
        if request.seconds_left <= 0 {
            return Err(PushError::Expired {
                seconds_ago: -request.seconds_left,
            });
        }
        Ok(Some(request))
    }

    /// Section 6.5: verify with the pinned key, check it is addressed to us, not
    /// answered, not expired; remember it.
    fn accept_challenge(
        &self,
        vault: &mut Vault,
        account: &PushAccount,
        jws: &str,
    ) -> Result<PushRequest, PushError> {
        let compact = Compact::parse(jws).map_err(PushError::BadServerMessage)?;
        compact
            .verify(&account.server_jwk, TYP_CHALLENGE)
            .map_err(PushError::BadServerMessage)?;
        let claims: ChallengeClaims = compact.claims().map_err(PushError::BadServerMessage)?;
        let addressed = claims.device == account.device_id && claims.user == account.user;
        let lifetime = claims.exp - claims.iat;
        if !addressed || lifetime <= 0 || lifetime > MAX_CHALLENGE_LIFETIME {
            return Err(PushError::BadServerMessage(jose::JoseError::Malformed {
                reason: "the challenge is not addressed to this device or has a bad lifetime"
                    .into(),
            }));
        }
        // What the approval screen shows is the server's word; a text past the
        // protocol's limits (a wall of "please approve") is not shown at all.
        if let Some(field) = claims.over_limits() {
            return Err(PushError::Unverified {
                reason: format!(
                    "its {field} is longer than the protocol allows or holds control characters"
                ),
            });
        }
        if let Some(cached) = vault.cached_challenge(&claims.id)? {
            if let Some(status) = cached.answered {
                return Err(PushError::AlreadyAnswered { status });
            }
        }
        // An enrollment confirmation is not a sign-in: it is counted apart,
        // so it never makes the first real request look like a burst.
        let burst_key = match claims.kind {
            ChallengeKind::EnrollmentConfirm => {
                format!("enrollment-confirm:{}", claims.resource.id)
            }
            _ => claims.resource.id.clone(),
        };
        vault.cache_challenge(
            &account.id,
            &claims.id,
            jws,
            &burst_key,
            claims.iat,
            claims.exp,
        )?;
        let now = self.server_now(account);
        let burst = vault.challenges_for_resource(
            &account.id,
            &burst_key,
            claims.iat - BURST_WINDOW,
            claims.iat,
        )?;
        let risk_level = claims.risk_level();
        let risk_reasons = claims
            .risk
            .as_ref()
            .map(|risk| risk.reasons.clone())
            .unwrap_or_default();
        Ok(PushRequest {
            id: claims.id,
            account_id: account.id.clone(),
            org: account.org.clone(),
            user: account.user.clone(),
            kind: claims.kind,
            resource: claims.resource,
            context: claims.context,
            message: None,
            issued_at: claims.iat,
            expires_at: claims.exp,
            seconds_left: claims.exp - now,
            biometric_required: claims.biometric == Biometric::Required,
            number_matching: claims.number_matching,
            number_choices: claims.number_choices,
            burst,
            risk_level,
            risk_reasons,
        })
    }

    /// A received request, re-verified from the vault (after a restart too).
    fn known_request(
        &self,
        vault: &mut Vault,
        id: &str,
    ) -> Result<(PushAccount, ChallengeClaims, Option<String>), PushError> {
        let cached = vault
            .cached_challenge(id)?
            .ok_or(PushError::UnknownRequest)?;
        let account = vault.push_account(&cached.account)?;
        match account.status {
            PushAccountStatus::Replaced => return Err(PushError::DeviceReplaced),
            PushAccountStatus::Revoked => return Err(PushError::DeviceRevoked),
            PushAccountStatus::Active => {}
        }
        let compact = Compact::parse(&cached.jws).map_err(PushError::BadServerMessage)?;
        compact
            .verify(&account.server_jwk, TYP_CHALLENGE)
            .map_err(PushError::BadServerMessage)?;
        let claims = compact.claims().map_err(PushError::BadServerMessage)?;
        Ok((account, claims, cached.answered))
    }

    /// Approves a request. When the challenge requires it, the biometric gate runs
    /// first and a failed or cancelled gate signs nothing.
    pub async fn approve(
        &self,
        vault: &SharedVault,
        id: &str,
        number: Option<&str>,
        gate: &dyn BiometricGate,
    ) -> Result<AnswerOutcome, PushError> {
        let result = self.approve_unrecorded(vault, id, number, gate).await;
        self.note_refusal(vault, &result);
        result
    }

    async fn approve_unrecorded(
        &self,
        vault: &SharedVault,
        id: &str,
        number: Option<&str>,
        gate: &dyn BiometricGate,
    ) -> Result<AnswerOutcome, PushError> {
        let _claim = self.claim_answer(id)?;
        let privacyidea = self.known_privacyidea_request(&mut vault.lock(), id)?;
        if let Some(known) = privacyidea {
            return self.approve_privacyidea(vault, known, number, gate).await;
        }
        let (account, claims, answered) = self.known_request(&mut vault.lock(), id)?;
        if let Some(done) = repeated_tap(answered.as_deref(), Decision::Approve)? {
            return Ok(done);
        }
        self.check_expiry(&account, &claims)?;
        // What the signed risk level demands holds whatever the shell does:
        // medium needs the number, high the user verified as well (a lock
        // screen's inline Approve carries neither).
        let risk = claims.risk_level();
        let number_needed = claims.number_matching || risk >= RiskLevel::Medium;
        if number_needed && number.is_none_or(|n| n.trim().is_empty()) {
            return Err(PushError::NumberRequired);
        }
        let biometric = if risk == RiskLevel::High {
            Biometric::Required
        } else {
            claims.biometric
        };
        let reason = format!("Approve sign-in to {}", claims.resource.name);
        let verification = match (biometric, &account.user_key) {
            // The user key's own prompt is the verification, and its
            // signature the proof (ADR 0014).
            (Biometric::Required, Some(alias)) => Verification::UserKey {
                signer: self.user_signer(alias)?,
                reason,
            },
            (Biometric::Required, None) => {
                gate.confirm(&reason).await.map_err(PushError::Gate)?;
                Verification::Claimed
            }
            (Biometric::Optional, _) => Verification::None,
        };
        let number = number.map(|n| n.trim().to_owned());
        self.send_answer(
            vault,
            &account,
            &claims,
            Decision::Approve,
            false,
            number,
            verification,
        )
        .await
    }

    /// Denies a request; `report_fraud` also says "this was not me" (the server
    /// locks pushes to the user and alerts the administrator).
    pub async fn deny(
        &self,
        vault: &SharedVault,
        id: &str,
        report_fraud: bool,
    ) -> Result<AnswerOutcome, PushError> {
        let result = self.deny_unrecorded(vault, id, report_fraud).await;
        self.note_refusal(vault, &result);
        result
    }

    /// An answer that did not go through, as a diagnostics event.
    fn note_refusal(&self, vault: &SharedVault, result: &Result<AnswerOutcome, PushError>) {
        if let Err(error) = result {
            let problem = diagnostics::classify::answer_problem(error);
            diagnostics::note(vault, Event::AnswerRefused { problem }, self.local_now());
        }
    }

    async fn deny_unrecorded(
        &self,
        vault: &SharedVault,
        id: &str,
        report_fraud: bool,
    ) -> Result<AnswerOutcome, PushError> {
        let _claim = self.claim_answer(id)?;
        let privacyidea = self.known_privacyidea_request(&mut vault.lock(), id)?;
        if let Some(known) = privacyidea {
            return self.deny_privacyidea(vault, known, report_fraud).await;
        }
        let (account, claims, answered) = self.known_request(&mut vault.lock(), id)?;
        if let Some(done) = repeated_tap(answered.as_deref(), Decision::Deny)? {
            return Ok(done);
        }
        self.check_expiry(&account, &claims)?;
        self.send_answer(
            vault,
            &account,
            &claims,
            Decision::Deny,
            report_fraud,
            None,
            Verification::None,
        )
        .await
    }

    /// What the Watch shows for a request.
    pub fn watch_request(&self, vault: &SharedVault, id: &str) -> Result<WatchRequest, PushError> {
        let mut vault = vault.lock();
        if let Some(known) = self.known_privacyidea_request(&mut vault, id)? {
            return Ok(self.privacyidea_watch_request(&known));
        }
        let (account, claims, _) = self.known_request(&mut vault, id)?;
        let context = &claims.context;
        let browser = match (&context.browser, &context.os) {
            (Some(browser), Some(os)) => Some(format!("{browser} on {os}")),
            (Some(one), None) | (None, Some(one)) => Some(one.clone()),
            (None, None) => None,
        };
        let detail = [context.location.clone(), browser]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · ");
        Ok(WatchRequest {
            id: claims.id.clone(),
            title: format!("{} to {}", kind_verb(claims.kind), claims.resource.name),
            detail,
            seconds_left: claims.exp - self.server_now(&account),
            number_matching: claims.number_matching || claims.risk_level() >= RiskLevel::Medium,
            phone_required: claims.biometric == Biometric::Required
                || claims.risk_level() == RiskLevel::High,
        })
    }

    /// The Watch's decision, re-checked and signed by the phone. The Watch cannot
    /// confirm biometrics, so it cannot approve a request that requires them.
    pub async fn answer_from_watch(
        &self,
        vault: &SharedVault,
        id: &str,
        decision: WatchDecision,
    ) -> Result<AnswerOutcome, PushError> {
        let result = self.answer_from_watch_unrecorded(vault, id, decision).await;
        self.note_refusal(vault, &result);
        result
    }

    async fn answer_from_watch_unrecorded(
        &self,
        vault: &SharedVault,
        id: &str,
        decision: WatchDecision,
    ) -> Result<AnswerOutcome, PushError> {
        match decision {
            WatchDecision::Deny { fraud } => self.deny_unrecorded(vault, id, fraud).await,
            WatchDecision::Approve { number } => {
                let claim = self.claim_answer(id)?;
                let privacyidea = self.known_privacyidea_request(&mut vault.lock(), id)?;
                if let Some(known) = privacyidea {
                    return self
                        .privacyidea_from_watch(vault, known, number.as_deref())
                        .await;
                }
                let (_, claims, _) = self.known_request(&mut vault.lock(), id)?;
                if claims.biometric == Biometric::Required || claims.risk_level() == RiskLevel::High
                {
                    return Err(PushError::PhoneRequired);
                }
                // `approve` claims the request again, and reads it after.
                drop(claim);
                self.approve_unrecorded(vault, id, number.as_deref(), &NoGate)
                    .await
            }
        }
    }

    /// How long the answer's request took, and how long after the server
    /// issued the challenge the user answered.
    fn note_answer_timings(
        &self,
        vault: &SharedVault,
        account: &PushAccount,
        claims: &ChallengeClaims,
        round_trip: std::time::Duration,
    ) {
        let now = self.local_now();
        let round_trip = u64::try_from(round_trip.as_millis()).unwrap_or(u64::MAX);
        let answered_after = u64::try_from(self.server_now(account) - claims.iat).unwrap_or(0);
        for (stage, millis) in [
            (PushStage::AnswerRoundTrip, round_trip),
            (
                PushStage::IssuedToAnswered,
                answered_after.saturating_mul(1000),
            ),
        ] {
            let millis = Bucket::of(millis);
            diagnostics::note(vault, Event::PushTiming { stage, millis }, now);
        }
    }

    fn check_expiry(
        &self,
        account: &PushAccount,
        claims: &ChallengeClaims,
    ) -> Result<(), PushError> {
        let now = self.server_now(account);
        if now >= claims.exp {
            return Err(PushError::Expired {
                seconds_ago: now - claims.exp,
            });
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn send_answer(
        &self,
        vault: &SharedVault,
        account: &PushAccount,
        claims: &ChallengeClaims,
        decision: Decision,
        fraud: bool,
        number: Option<String>,
        verification: Verification,
    ) -> Result<AnswerOutcome, PushError> {
        self.check_transport(&account.server_url)?;
        let signer = self.signer(account)?;
        let uv = !matches!(verification, Verification::None);
        let url = format!("{}/v1/challenges/{}/answer", account.server_url, claims.id);
        let mut offset = account.clock_offset;
        let mut retried = false;
        let wanted = match decision {
            Decision::Approve => AnswerStatus::Approved,
            Decision::Deny => AnswerStatus::Denied,
        };
        loop {
            let answer = AnswerClaims {
                challenge: claims.id.clone(),
                device: account.device_id.clone(),
                decision,
                fraud,
                number: number.clone(),
                uv,
                iat: self.local_now() + offset,
            };
            let jws = match &verification {
                Verification::UserKey {
                    signer: user,
                    reason,
                } => {
                    let input = jose::signing_input(TYP_ANSWER, &answer, &user.public_jwk(), false)
                        .map_err(PushError::BadServerMessage)?;
                    let signature = user
                        .sign_for_user(input.as_bytes(), reason)
                        .await
                        .map_err(PushError::Gate)?;
                    jose::with_signature(&input, &signature)
                }
                _ => jose::sign(TYP_ANSWER, &answer, signer.as_ref(), false)
                    .map_err(PushError::BadServerMessage)?,
            };
            let sent = std::time::Instant::now();
            let reply = self.transport.post_jose(&url, jws).await?;
            self.note_answer_timings(vault, account, claims, sent.elapsed());
            self.learn_offset(&mut vault.lock(), account, &reply)?;
            match reply {
                Reply::Ok(body) => {
                    let response: AnswerResponse =
                        serde_json::from_value(body).map_err(|_| PushError::Server {
                            problem: "answer".into(),
                            detail: "unexpected answer".into(),
                        })?;
                    return self.finish(&mut vault.lock(), &claims.id, response.status);
                }
                Reply::Problem(problem) => match problem.kind() {
                    Some(ProblemType::ClockSkew) if !retried => {
                        offset = problem.server_time - self.local_now();
                        retried = true;
                    }
                    // Our earlier answer got through but its response was lost.
                    Some(ProblemType::AlreadyAnswered)
                        if problem.extensions.get("decision").and_then(|s| s.as_str())
                            == Some(status_text(wanted)) =>
                    {
                        return self.finish(&mut vault.lock(), &claims.id, wanted);
                    }
                    Some(ProblemType::WrongNumber) => {
                        vault.lock().mark_challenge_answered(
                            &claims.id,
                            "denied",
                            self.local_now(),
                        )?;
                        return Err(PushError::WrongNumber);
                    }
                    _ => return Err(self.answer_problem(&mut vault.lock(), account, &problem)?),
                },
            }
        }
    }

    fn finish(
        &self,
        vault: &mut Vault,
        id: &str,
        status: AnswerStatus,
    ) -> Result<AnswerOutcome, PushError> {
        vault.mark_challenge_answered(id, status_text(status), self.local_now())?;
        Ok(match status {
            AnswerStatus::Approved => AnswerOutcome::Approved,
            _ => AnswerOutcome::Denied,
        })
    }

    /// A problem answer as a typed error, remembering what it says about the account.
    fn answer_problem(
        &self,
        vault: &mut Vault,
        account: &PushAccount,
        problem: &Problem,
    ) -> Result<PushError, PushError> {
        Ok(match problem.kind() {
            Some(ProblemType::Expired) => PushError::Expired {
                seconds_ago: problem.extension_i64("expired_seconds_ago").unwrap_or(0),
            },
            Some(ProblemType::AlreadyAnswered) => PushError::AlreadyAnswered {
                status: problem
                    .extensions
                    .get("decision")
                    .and_then(|s| s.as_str())
                    .unwrap_or("answered")
                    .to_owned(),
            },
            Some(ProblemType::DeviceReplaced) => {
                vault.set_push_account_status(&account.id, PushAccountStatus::Replaced)?;
                PushError::DeviceReplaced
            }
            Some(ProblemType::DeviceRevoked) => {
                vault.set_push_account_status(&account.id, PushAccountStatus::Revoked)?;
                PushError::DeviceRevoked
            }
            Some(ProblemType::UserVerificationRequired) => PushError::Gate(GateError::Failed),
            Some(ProblemType::NotFound) => PushError::UnknownRequest,
            _ => general_problem(problem),
        })
    }

    fn learn_offset(
        &self,
        vault: &mut Vault,
        account: &PushAccount,
        reply: &Reply,
    ) -> Result<(), PushError> {
        if let Some(server_time) = reply.server_time() {
            let offset = server_time - self.local_now();
            if offset != account.clock_offset {
                vault.set_push_clock_offset(&account.id, offset)?;
            }
        }
        Ok(())
    }

    /// Tells every server this device's new push token (FCM or APNs rotated it;
    /// `None`: notifications were turned off), Countersign accounts by a signed
    /// `PUT …/push-token`, privacyIDEA tokens by their signed `new_fb_token`
    /// update. Returns the accounts that could not be told (retry later).
    pub async fn update_push_token(
        &self,
        vault: &SharedVault,
        push_token: Option<&str>,
    ) -> Result<Vec<AccountFailure>, PushError> {
        let mut failures = Vec::new();
        let accounts = vault.lock().push_accounts()?;
        for account in accounts {
            if account.status != PushAccountStatus::Active {
                continue;
            }
            let path = format!("/v1/devices/{}/push-token", account.device_id);
            match self
                .signed_request(vault, &account, reqwest::Method::PUT, &path, push_token)
                .await
            {
                Ok(_) => {}
                Err(PushError::Vault(error)) => return Err(PushError::Vault(error)),
                Err(error) => failures.push(AccountFailure {
                    account_id: account.id.clone(),
                    error,
                }),
            }
        }
        self.update_privacyidea_push_token(vault, push_token, &mut failures)
            .await?;
        Ok(failures)
    }

    /// A device-signed request (section 5), retried once on `clock_skew`.
    async fn signed_request(
        &self,
        vault: &SharedVault,
        account: &PushAccount,
        method: reqwest::Method,
        path: &str,
        push_token: Option<&str>,
    ) -> Result<Reply, PushError> {
        self.check_transport(&account.server_url)?;
        let signer = self.signer(account)?;
        let mut offset = account.clock_offset;
        for attempt in 0..2 {
            let claims = RequestClaims {
                htm: method.as_str().to_owned(),
                htu: format!("{}{path}", account.server_url),
                iat: self.local_now() + offset,
                nonce: random_token(16),
                push_token: push_token.map(str::to_owned),
            };
            let jws = jose::sign(TYP_REQUEST, &claims, signer.as_ref(), false)
                .map_err(PushError::BadServerMessage)?;
            let url = format!("{}{path}", account.server_url);
            let reply = self.transport.signed(method.clone(), &url, &jws).await?;
            self.learn_offset(&mut vault.lock(), account, &reply)?;
            match &reply {
                Reply::Problem(problem)
                    if attempt == 0
                        && matches!(
                            problem.kind(),
                            Some(ProblemType::ClockSkew | ProblemType::Replayed)
                        ) =>
                {
                    offset = problem.server_time - self.local_now();
                }
                Reply::Problem(problem) => {
                    return Err(self.answer_problem(&mut vault.lock(), account, problem)?);
                }
                Reply::Ok(_) => return Ok(reply),
            }
        }
        Err(PushError::Network {
            reason: "the server kept refusing this device's clock".into(),
        })
    }
}

/// `work`, or a network error once it has taken [`POLL_TIMEOUT`].
pub(crate) async fn within_poll_timeout<T>(
    work: impl Future<Output = Result<T, PushError>>,
) -> Result<T, PushError> {
    tokio::time::timeout(POLL_TIMEOUT, work)
        .await
        .unwrap_or_else(|_| {
            Err(PushError::Network {
                reason: format!(
                    "the server did not answer within {} seconds",
                    POLL_TIMEOUT.as_secs()
                ),
            })
        })
}

/// Section 4.4: the record must be signed by the key the QR code named, and be
/// about this device and this user.
fn verify_record(
    jws: &str,
    uri: &EnrollmentUri,
    device_jkt: &str,
) -> Result<DeviceRecord, PushError> {
    let compact = Compact::parse(jws).map_err(PushError::BadServerMessage)?;
    let header_key = compact
        .header
        .jwk
        .clone()
        .ok_or(PushError::ServerKeyMismatch)?;
    if header_key.thumbprint() != uri.sk || compact.header.kid != uri.sk {
        return Err(PushError::ServerKeyMismatch);
    }
    compact
        .verify(&header_key, TYP_DEVICE)
        .map_err(|_| PushError::ServerKeyMismatch)?;
    let record: DeviceRecord = compact.claims().map_err(PushError::BadServerMessage)?;
    if record.server_jwk.thumbprint() != uri.sk {
        return Err(PushError::ServerKeyMismatch);
    }
    if record.device_jkt != device_jkt || record.user != uri.user {
        return Err(PushError::RecordMismatch);
    }
    Ok(record)
}

/// How an answer shows the user was verified.
enum Verification {
    /// Not asked for (a denial, or `biometric: optional`).
    None,
    /// The gate passed; `uv: true` is the device's word.
    Claimed,
    /// The user key signs, after its own prompt: `uv: true`, proven.
    UserKey {
        signer: Box<dyn UserKeySigner>,
        reason: String,
    },
}

fn enroll_problem(problem: &Problem) -> PushError {
    match problem.kind() {
        Some(ProblemType::TokenExpired) => PushError::TokenExpired {
            seconds_ago: problem.extension_i64("expired_seconds_ago").unwrap_or(0),
        },
        Some(ProblemType::TokenUsed) => PushError::TokenUsed,
        Some(ProblemType::UnknownToken) => PushError::UnknownToken,
        _ => general_problem(problem),
    }
}

/// Problems any request can meet: busy servers, and the rest as they came.
fn general_problem(problem: &Problem) -> PushError {
    match problem.kind() {
        Some(ProblemType::RateLimited | ProblemType::Unavailable) => PushError::RateLimited {
            retry_after: problem.extension_i64("retry_after").unwrap_or(5),
        },
        _ => PushError::Server {
            problem: problem
                .problem_type
                .rsplit('/')
                .next()
                .unwrap_or("")
                .to_owned(),
            detail: problem.detail.clone(),
        },
    }
}

/// A second tap on the same button is harmless; a different answer is not possible.
pub(crate) fn repeated_tap(
    answered: Option<&str>,
    decision: Decision,
) -> Result<Option<AnswerOutcome>, PushError> {
    match (answered, decision) {
        (None, _) => Ok(None),
        (Some("approved"), Decision::Approve) => Ok(Some(AnswerOutcome::Approved)),
        (Some("denied"), Decision::Deny) => Ok(Some(AnswerOutcome::Denied)),
        (Some(status), _) => Err(PushError::AlreadyAnswered {
            status: status.to_owned(),
        }),
    }
}

fn status_text(status: AnswerStatus) -> &'static str {
    match status {
        AnswerStatus::Approved => "approved",
        AnswerStatus::Denied => "denied",
        AnswerStatus::Expired => "expired",
    }
}

fn kind_verb(kind: crate::push::wire::ChallengeKind) -> &'static str {
    use crate::push::wire::ChallengeKind;
    match kind {
        ChallengeKind::Login => "Sign in",
        ChallengeKind::StepUp => "Confirm an action",
        ChallengeKind::PasswordReset => "Reset password",
        ChallengeKind::EnrollmentConfirm => "Confirm enrollment",
    }
}

fn random_token(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    let _ = SystemRandom::new().fill(&mut buffer);
    jose::base64url(&buffer)
}
