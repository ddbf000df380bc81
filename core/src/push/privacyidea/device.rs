//! The phone's side of privacyIDEA push tokens, behind the same `PushDevice`
//! calls as Countersign accounts: enroll, poll (`pending`), push payloads,
//! approve and deny, and the Watch. Beside the protocol it speaks, so the
//! dialect lives in one folder; `push::device` only routes to it.

use futures_util::future::join_all;

use super::client::{ClientError, Envelope, iso8601};
use super::rsa_keys::{self, RsaKeyError};
use super::{
    ASSUMED_CHALLENGE_VALIDITY, DeclineReason, POLL_ONLY_PUSH_TOKEN, PiChallenge, PiEnrollmentUri,
    VerifiedChallenge, challenge::poll_message,
};
use crate::clock::UnixTime;
use crate::push::PushStore;
use crate::push::device::{
    AccountFailure, AnswerOutcome, BURST_WINDOW, BiometricGate, DeviceInfo, NoGate, PendingReport,
    PushDevice, PushError, PushRequest, UncheckedCertificates, WatchRequest, repeated_tap,
    within_poll_timeout,
};
use crate::push::privacyidea::{PrivacyIdeaStore, PrivacyIdeaToken};
use crate::push::wire::{ChallengeKind, Context, Resource, RiskLevel};
use crate::vault::{SharedVault, Vault};

/// A received privacyIDEA request, re-verified from the vault.
pub(crate) struct KnownPiRequest {
    token: PrivacyIdeaToken,
    verified: VerifiedChallenge,
    answered: Option<String>,
    exp: UnixTime,
}

impl PushDevice {
    /// Everything of an enrollment but storing it: the key pair, the server's
    /// answer and its key. Needs no vault: the vault stays free during the
    /// seconds the key takes. `scanned_at` is when the code was read, by this
    /// device's clock: the code's `ttl` (minutes) counts from then.
    ///
    /// A code with `sslverify=0` is refused (`UncheckedCertificatesNeedConsent`)
    /// until the shell has shown the warning and the user accepted it.
    pub(crate) async fn register_privacyidea(
        &self,
        uri: &str,
        scanned_at: UnixTime,
        info: &DeviceInfo,
        certificates: UncheckedCertificates,
    ) -> Result<PrivacyIdeaToken, PushError> {
        let uri = PiEnrollmentUri::parse(uri)?;
        uri.check_ttl(scanned_at, self.local_now())?;
        self.check_transport(&uri.url)?;
        if !uri.ssl_verify && certificates != UncheckedCertificates::AcceptedByUser {
            // Asked before anything is sent: without checks, even the first
            // exchange (which carries the enrollment credential) could go to
            // an impostor.
            return Err(PushError::UncheckedCertificatesNeedConsent { url: uri.url });
        }
        let (device_key, spki) = generate_off_thread(self.privacyidea_key_bits)
            .await
            .map_err(device_key_error)?;
        // Key generation takes seconds: the code may have expired meanwhile.
        uri.check_ttl(scanned_at, self.local_now())?;
        let pubkey = data_encoding::BASE64.encode(&spki);
        let push_token = info.push_token.as_deref().unwrap_or(POLL_ONLY_PUSH_TOKEN);
        let envelope = self
            .privacyidea
            .post_form(
                &uri.url,
                uri.ssl_verify,
                &[
                    ("enrollment_credential", &uri.enrollment_credential),
                    ("serial", &uri.serial),
                    ("fbtoken", push_token),
                    ("pubkey", &pubkey),
                ],
            )
            .await
            .map_err(enroll_error)?;
        // From here privacyIDEA considers the token enrolled: a failure cannot be
        // retried with the same code, and the message says so.
        let unusable = |why: String| PushError::Server {
            problem: "privacyIDEA enrollment".into(),
            detail: format!(
                "privacyIDEA enrolled the token but {why}; nothing was stored: ask your \
                 administrator to roll the token out again"
            ),
        };
        let server_key = envelope
            .detail
            .get("public_key")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| unusable("sent no public key".into()))?;
        let server_key = rsa_keys::parse_server_key(server_key)
            .map_err(|error| unusable(format!("its public key is unusable ({error})")))?;
        Ok(PrivacyIdeaToken {
            id: String::new(),
            serial: uri.serial,
            label: uri.label,
            issuer: uri.issuer,
            url: uri.url,
            server_key,
            device_key,
            ssl_verify: uri.ssl_verify,
            poll_only: uri.poll_only,
            require_unlock: uri.require_unlock,
            clock_offset: envelope
                .server_time
                .map_or(0, |server| server - self.local_now()),
            created_at: self.local_now(),
        })
    }

    /// Polls every privacyIDEA token at once; only challenges that verify are
    /// returned. A token that cannot be polled is reported and does not stop
    /// the others.
    pub(crate) async fn pending_privacyidea(
        &self,
        vault: &SharedVault,
    ) -> Result<PendingReport, PushError> {
        let tokens = vault.lock().privacyidea_tokens()?;
        let polls = tokens.iter().map(|token| async move {
            let polled = within_poll_timeout(self.poll(vault, token)).await;
            (token, polled)
        });
        let mut report = PendingReport::default();
        for (token, polled) in join_all(polls).await {
            let envelope = match polled {
                Ok(envelope) => envelope,
                // Servers that push through Firebase may forbid polling: such a
                // token's requests arrive as notifications instead.
                Err(PushError::PollingNotAllowed) if !token.poll_only => continue,
                Err(PushError::Vault(error)) => return Err(PushError::Vault(error)),
                Err(error) => {
                    report.failures.push(AccountFailure {
                        account_id: token.id.clone(),
                        error,
                    });
                    continue;
                }
            };
            let mut vault = vault.lock();
            // Read again: the poll may have taught the token a new clock
            // offset, or the user removed the token meanwhile (nothing to show).
            let Some(token) = vault.privacyidea_token(&token.id)? else {
                continue;
            };
            let challenges = envelope.value.as_array().cloned().unwrap_or_default();
            for value in &challenges {
                // A challenge that fails verification is dropped, never shown.
                if let Ok(request) = self.accept_pi_challenge(&mut vault, &token, value) {
                    report.requests.push(request);
                }
            }
        }
        Ok(report)
    }

    /// privacyIDEA's push token update: `new_fb_token`, `serial`, `timestamp`,
    /// signed `new_fb_token|serial|timestamp` (the server allows ±5 minutes).
    pub(crate) async fn update_privacyidea_push_token(
        &self,
        vault: &SharedVault,
        push_token: Option<&str>,
        failures: &mut Vec<AccountFailure>,
    ) -> Result<(), PushError> {
        let new_token = push_token.unwrap_or(POLL_ONLY_PUSH_TOKEN);
        let tokens = vault.lock().privacyidea_tokens()?;
        for token in tokens {
            self.check_transport(&token.url)?;
            let timestamp = iso8601(self.local_now() + token.clock_offset);
            let message = format!("{new_token}|{}|{timestamp}", token.serial);
            let signature =
                rsa_keys::sign(&token.device_key, &message).map_err(device_key_error)?;
            let reply = self
                .privacyidea
                .post_form(
                    &token.url,
                    token.ssl_verify,
                    &[
                        ("new_fb_token", new_token),
                        ("serial", &token.serial),
                        ("timestamp", &timestamp),
                        ("signature", &signature),
                    ],
                )
                .await;
            let error = match reply {
                Ok(envelope) if envelope.value.as_bool() == Some(true) => continue,
                Ok(_) => PushError::Server {
                    problem: "privacyIDEA".into(),
                    detail: "the server did not take the new push token".into(),
                },
                Err(error) => client_error(error),
            };
            failures.push(AccountFailure {
                account_id: token.id.clone(),
                error,
            });
        }
        Ok(())
    }

    /// `GET url?serial&timestamp&signature`, signing `serial|timestamp` with the
    /// server's time as learned; retried once if the server disagrees on the time.
    async fn poll(
        &self,
        vault: &SharedVault,
        token: &PrivacyIdeaToken,
    ) -> Result<Envelope, PushError> {
        self.check_transport(&token.url)?;
        let mut offset = token.clock_offset;
        for attempt in 0..2 {
            let timestamp = iso8601(self.local_now() + offset);
            let signature =
                rsa_keys::sign(&token.device_key, &poll_message(&token.serial, &timestamp))
                    .map_err(device_key_error)?;
            let reply = self
                .privacyidea
                .get(
                    &token.url,
                    token.ssl_verify,
                    &[
                        ("serial", &token.serial),
                        ("timestamp", &timestamp),
                        ("signature", &signature),
                    ],
                )
                .await;
            let server_time = match &reply {
                Ok(envelope) => envelope.server_time,
                Err(ClientError::Refused { server_time, .. }) => *server_time,
                Err(ClientError::Network(_)) => None,
            };
            if let Some(server_time) = server_time {
                let learned = server_time - self.local_now();
                // Whole seconds are truncated: only a real change is stored.
                if (learned - token.clock_offset).abs() > 1 {
                    vault
                        .lock()
                        .set_privacyidea_clock_offset(&token.id, learned)?;
                }
                if attempt == 0 && (learned - offset).abs() > 30 && reply.is_err() {
                    offset = learned;
                    continue;
                }
            }
            return reply.map_err(|error| match error {
                ClientError::Refused { message, .. } if message.contains("Polling not allowed") => {
                    PushError::PollingNotAllowed
                }
                ClientError::Refused { message, .. } if message.contains("verify signature") => {
                    PushError::Server {
                        problem: "privacyIDEA".into(),
                        detail: format!(
                            "the server refused token {} (deleted or rolled out again, or the \
                             server is misconfigured); ask your administrator",
                            token.serial
                        ),
                    }
                }
                other => client_error(other),
            });
        }
        Err(PushError::Network {
            reason: "the privacyIDEA server kept refusing this device's clock".into(),
        })
    }

    /// A privacyIDEA challenge from an FCM data message (the same fields as a
    /// polled one), or `None` if the payload is not one.
    pub(crate) fn privacyidea_payload(
        &self,
        vault: &mut Vault,
        value: &serde_json::Value,
    ) -> Result<Option<PushRequest>, PushError> {
        let fields = if value.get("nonce").is_some() {
            value
        } else {
            match value.get("data") {
                Some(data) if data.get("nonce").is_some() => data,
                _ => return Ok(None),
            }
        };
        let Some(serial) = fields.get("serial").and_then(serde_json::Value::as_str) else {
            return Ok(None);
        };
        let token = vault
            .privacyidea_tokens()?
            .into_iter()
            .find(|token| token.serial == serial)
            .ok_or(PushError::UnknownRequest)?;
        let request = self.accept_pi_challenge(vault, &token, fields)?;
        if request.seconds_left <= 0 {
            return Err(PushError::Expired {
                seconds_ago: -request.seconds_left,
            });
        }
        Ok(Some(request))
    }

    fn accept_pi_challenge(
        &self,
        vault: &mut Vault,
        token: &PrivacyIdeaToken,
        value: &serde_json::Value,
    ) -> Result<PushRequest, PushError> {
        let verified = verify_pi(token, value)?;
        let challenge = &verified.challenge;
        let seen = self.local_now() + token.clock_offset;
        // The first sighting stays: a re-poll does not restart the countdown.
        let (iat, exp) = match vault.cached_challenge(&challenge.nonce)? {
            Some(cached) if cached.account != token.id => {
                return Err(PushError::Unverified {
                    reason: "the request's id belongs to another account".into(),
                });
            }
            Some(cached) => match cached.answered {
                Some(status) => return Err(PushError::AlreadyAnswered { status }),
                None => (cached.iat, cached.exp),
            },
            None => {
                let json = serde_json::to_string(challenge).map_err(|_| PushError::Unverified {
                    reason: "unreadable challenge".into(),
                })?;
                let exp = seen + ASSUMED_CHALLENGE_VALIDITY;
                vault.cache_challenge(
                    &token.id,
                    &challenge.nonce,
                    &json,
                    &challenge.title,
                    seen,
                    exp,
                )?;
                (seen, exp)
            }
        };
        let burst =
            vault.challenges_for_resource(&token.id, &challenge.title, iat - BURST_WINDOW, iat)?;
        Ok(request_for(token, &verified, iat, exp, seen, burst))
    }

    /// `Some` when `id` is a privacyIDEA request this device received.
    pub(crate) fn known_privacyidea_request(
        &self,
        vault: &mut Vault,
        id: &str,
    ) -> Result<Option<KnownPiRequest>, PushError> {
        let Some(cached) = vault.cached_challenge(id)? else {
            return Ok(None);
        };
        let Some(token) = vault.privacyidea_token(&cached.account)? else {
            return Ok(None);
        };
        let value: serde_json::Value =
            serde_json::from_str(&cached.jws).map_err(|_| PushError::Unverified {
                reason: "the stored request is unreadable".into(),
            })?;
        let verified = verify_pi(&token, &value)?;
        Ok(Some(KnownPiRequest {
            token,
            verified,
            answered: cached.answered,
            exp: cached.exp,
        }))
    }

    pub(crate) async fn approve_privacyidea(
        &self,
        vault: &SharedVault,
        known: KnownPiRequest,
        number: Option<&str>,
        gate: &dyn BiometricGate,
    ) -> Result<AnswerOutcome, PushError> {
        if let Some(done) = repeated_tap(
            known.answered.as_deref(),
            crate::push::wire::Decision::Approve,
        )? {
            return Ok(done);
        }
        let challenge = &known.verified.challenge;
        let presence = match &known.verified.presence_options {
            Some(_) => Some(
                number
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .ok_or(PushError::NumberRequired)?,
            ),
            None => None,
        };
        if known.token.require_unlock {
            gate.confirm(&format!("Approve sign-in to {}", challenge.title))
                .await
                .map_err(PushError::Gate)?;
        }
        let extra: Vec<(&str, &str)> = presence
            .map(|presence| ("presence_answer", presence))
            .into_iter()
            .collect();
        let message = known.verified.approve_message(presence);
        let reply = self.send_pi_answer(&known, &message, &extra).await?;
        if let PiReply::Accepted { detail } = &reply {
            vault
                .lock()
                .mark_challenge_answered(&challenge.nonce, "approved", self.local_now())?;
            let text = |name: &str| detail.get(name).and_then(serde_json::Value::as_str);
            // "Code to phone": the login screen waits for a code only the phone sees.
            return Ok(match text("display_code") {
                Some(code) => AnswerOutcome::ApprovedShowCode {
                    code: code.to_owned(),
                    message: text("message")
                        .unwrap_or("Enter this code to sign in")
                        .to_owned(),
                },
                None => AnswerOutcome::Approved,
            });
        }
        if presence.is_some() {
            // privacyIDEA would keep the request open for another try; trying
            // the options in turn would defeat number matching, so a wrong
            // choice declines it, as it does for Countersign's own pushes.
            vault
                .lock()
                .mark_challenge_answered(&challenge.nonce, "denied", self.local_now())?;
            let decline = known.verified.decline_message(None);
            let _ = self
                .send_pi_answer(&known, &decline, &[("decline", "1")])
                .await;
            return Err(PushError::WrongNumber);
        }
        Err(self.refused_answer(&mut vault.lock(), &known, "approve", reply.refusal())?)
    }

    /// Declines; `report_fraud` sends the reason "unknown_trigger" ("this was not
    /// me"), otherwise "cancelled", when the server signed that it understands reasons.
    pub(crate) async fn deny_privacyidea(
        &self,
        vault: &SharedVault,
        known: KnownPiRequest,
        report_fraud: bool,
    ) -> Result<AnswerOutcome, PushError> {
        if let Some(done) =
            repeated_tap(known.answered.as_deref(), crate::push::wire::Decision::Deny)?
        {
            return Ok(done);
        }
        let challenge = &known.verified.challenge;
        // A plain deny says nothing about who started the sign-in.
        let reason = report_fraud.then_some(DeclineReason::UnknownTrigger);
        let mut extra = vec![("decline", "1")];
        if let Some(reason) = reason.filter(|_| known.verified.decline_reason) {
            extra.push(("decline_reason", reason.as_str()));
        }
        let message = known.verified.decline_message(reason);
        let reply = self.send_pi_answer(&known, &message, &extra).await?;
        if matches!(reply, PiReply::Accepted { .. }) {
            vault
                .lock()
                .mark_challenge_answered(&challenge.nonce, "denied", self.local_now())?;
            return Ok(AnswerOutcome::Denied);
        }
        Err(self.refused_answer(&mut vault.lock(), &known, "deny", reply.refusal())?)
    }

    /// privacyIDEA answered `false`: with a message (conditional access, say)
    /// the request may still be answerable and is left as it is; without one it
    /// expired or was answered elsewhere.
    fn refused_answer(
        &self,
        vault: &mut Vault,
        known: &KnownPiRequest,
        what: &str,
        message: Option<String>,
    ) -> Result<PushError, PushError> {
        if let Some(message) = message {
            return Ok(PushError::Server {
                problem: format!("privacyIDEA refused to {what}"),
                detail: message,
            });
        }
        vault.mark_challenge_answered(
            &known.verified.challenge.nonce,
            "expired",
            self.local_now(),
        )?;
        Ok(PushError::NoLongerOpen)
    }

    /// Signs `message` with the token's key and posts it with `extra` fields to
    /// the challenge's (signed, checked) URL.
    async fn send_pi_answer(
        &self,
        known: &KnownPiRequest,
        message: &str,
        extra: &[(&str, &str)],
    ) -> Result<PiReply, PushError> {
        let challenge = &known.verified.challenge;
        let signature =
            rsa_keys::sign(&known.token.device_key, message).map_err(device_key_error)?;
        let mut fields = vec![
            ("nonce", challenge.nonce.as_str()),
            ("serial", challenge.serial.as_str()),
            ("signature", signature.as_str()),
        ];
        fields.extend_from_slice(extra);
        // The signed challenge may ask for certificate checks the enrollment
        // code did not: checks are only ever added, never dropped.
        let ssl_verify = known.token.ssl_verify || challenge.sslverify == "1";
        self.check_transport(&challenge.url)?;
        let envelope = self
            .privacyidea
            .post_form(&challenge.url, ssl_verify, &fields)
            .await
            .map_err(client_error)?;
        if envelope.value.as_bool() == Some(true) {
            return Ok(PiReply::Accepted {
                detail: envelope.detail,
            });
        }
        Ok(PiReply::Refused {
            message: envelope
                .detail
                .get("message")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned),
        })
    }

    pub(crate) fn privacyidea_watch_request(&self, known: &KnownPiRequest) -> WatchRequest {
        let challenge = &known.verified.challenge;
        WatchRequest {
            id: challenge.nonce.clone(),
            title: format!("Sign in to {}", challenge.title),
            detail: challenge.question.clone(),
            seconds_left: known.exp - (self.local_now() + known.token.clock_offset),
            number_matching: known.verified.presence_options.is_some(),
            phone_required: known.token.require_unlock,
        }
    }

    pub(crate) async fn privacyidea_from_watch(
        &self,
        vault: &SharedVault,
        known: KnownPiRequest,
        number: Option<&str>,
    ) -> Result<AnswerOutcome, PushError> {
        if known.token.require_unlock {
            return Err(PushError::PhoneRequired);
        }
        self.approve_privacyidea(vault, known, number, &NoGate)
            .await
    }
}

/// privacyIDEA's answer to an answer.
enum PiReply {
    /// Taken; `detail` may carry a code to show.
    Accepted { detail: serde_json::Value },
    /// `value: false`, with privacyIDEA's message when it gave one.
    Refused { message: Option<String> },
}

impl PiReply {
    fn refusal(self) -> Option<String> {
        match self {
            PiReply::Accepted { .. } => None,
            PiReply::Refused { message } => message,
        }
    }
}

fn request_for(
    token: &PrivacyIdeaToken,
    verified: &VerifiedChallenge,
    iat: UnixTime,
    exp: UnixTime,
    now: UnixTime,
    burst: u32,
) -> PushRequest {
    let challenge = &verified.challenge;
    PushRequest {
        id: challenge.nonce.clone(),
        account_id: token.id.clone(),
        org: token.issuer.clone(),
        user: token.label.clone(),
        kind: ChallengeKind::Login,
        resource: Resource {
            id: challenge.title.clone(),
            name: challenge.title.clone(),
        },
        context: Context {
            time: iat,
            ..Context::default()
        },
        message: Some(challenge.question.clone()),
        issued_at: iat,
        expires_at: exp,
        seconds_left: exp - now,
        biometric_required: token.require_unlock,
        number_matching: verified.presence_options.is_some(),
        number_choices: verified.presence_options.clone(),
        burst,
        risk_level: RiskLevel::Low,
        risk_reasons: Vec::new(),
    }
}

/// On the runtime's blocking pool, or a thread of its own outside a runtime:
/// never the caller's thread.
async fn generate_off_thread(
    bits: usize,
) -> Result<(crate::secret::SecretBytes, Vec<u8>), RsaKeyError> {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => handle
            .spawn_blocking(move || rsa_keys::generate_device_key(bits))
            .await
            .map_err(|error| RsaKeyError::Generate(error.to_string()))?,
        Err(_) => std::thread::spawn(move || rsa_keys::generate_device_key(bits))
            .join()
            .map_err(|_| RsaKeyError::Generate("the key thread failed".into()))?,
    }
}

fn device_key_error(error: RsaKeyError) -> PushError {
    PushError::Server {
        problem: "device key".into(),
        detail: error.to_string(),
    }
}

/// A challenge as it arrived (polled, pushed or stored): signed by the token's
/// pinned server key, for this token, answerable only at its own server.
fn verify_pi(
    token: &PrivacyIdeaToken,
    value: &serde_json::Value,
) -> Result<VerifiedChallenge, PushError> {
    let verified = PiChallenge::from_value(value)
        .and_then(|challenge| challenge.verify(&token.server_key, &token.serial))
        .map_err(|error| PushError::Unverified {
            reason: error.to_string(),
        })?;
    check_answer_url(token, &verified.challenge)?;
    Ok(verified)
}

/// Answers go where the signed challenge says, but only to the server the
/// token was enrolled with (same scheme, host and port).
fn check_answer_url(token: &PrivacyIdeaToken, challenge: &PiChallenge) -> Result<(), PushError> {
    let origin = |url: &str| -> Option<String> {
        let (scheme, rest) = url.split_once("://")?;
        let host = rest.split('/').next()?;
        Some(format!(
            "{}://{}",
            scheme.to_ascii_lowercase(),
            host.to_ascii_lowercase()
        ))
    };
    let same = crate::push::enroll_uri::normalize_url(&challenge.url).is_ok()
        && origin(&challenge.url).is_some()
        && origin(&challenge.url) == origin(&token.url);
    if same {
        Ok(())
    } else {
        Err(PushError::Unverified {
            reason: format!("the request names another server ({})", challenge.url),
        })
    }
}

fn client_error(error: ClientError) -> PushError {
    match error {
        ClientError::Network(reason) => PushError::Network { reason },
        ClientError::Refused { code, message, .. } => PushError::Server {
            problem: format!("privacyIDEA error {code}"),
            detail: message,
        },
    }
}

fn enroll_error(error: ClientError) -> PushError {
    match &error {
        ClientError::Refused { message, .. } if message.contains("clientwait") => {
            PushError::TokenUsed
        }
        ClientError::Refused { message, .. } if message.contains("enrollment credential") => {
            PushError::UnknownToken
        }
        _ => client_error(error),
    }
}
