//! The phone's side of privacyIDEA push tokens, behind the same `PushDevice`
//! calls as Countersign accounts: enroll, poll (`pending`), push payloads,
//! approve and deny, and the Watch.

use super::model::{AnswerOutcome, BiometricGate, NoGate, PushError, PushRequest, WatchRequest};
use super::{DeviceInfo, PushDevice};
use crate::clock::UnixTime;
use crate::push::privacyidea::client::{ClientError, Envelope, iso8601};
use crate::push::privacyidea::rsa_keys::{self, RsaKeyError};
use crate::push::privacyidea::{
    ASSUMED_CHALLENGE_VALIDITY, DEVICE_KEY_BITS, DeclineReason, POLL_ONLY_PUSH_TOKEN, PiChallenge,
    PiEnrollmentUri, VerifiedChallenge, challenge::poll_message,
};
use crate::push::wire::{ChallengeKind, Context, Resource};
use crate::vault::{PrivacyIdeaToken, Vault};

/// A received privacyIDEA request, re-verified from the vault.
pub(super) struct KnownPiRequest {
    token: PrivacyIdeaToken,
    verified: VerifiedChallenge,
    answered: Option<String>,
    exp: UnixTime,
}

impl PushDevice {
    /// Enrolls a privacyIDEA push token from its QR code (`otpauth://pipush/…`
    /// or `pia://pipush/…`). `scanned_at` is when the code was read, by this
    /// device's clock: the code's `ttl` (minutes) counts from then, also across
    /// retries. The 4096-bit key is made on a blocking thread, never the caller's.
    pub async fn enroll_privacyidea(
        &self,
        vault: &mut Vault,
        uri: &str,
        scanned_at: UnixTime,
        info: &DeviceInfo,
    ) -> Result<PrivacyIdeaToken, PushError> {
        self.enroll_privacyidea_with_key_bits(vault, uri, scanned_at, info, DEVICE_KEY_BITS)
            .await
    }

    /// [`PushDevice::enroll_privacyidea`] with another key size (tests use 2048
    /// bits to save seconds per enrollment; privacyIDEA accepts both).
    pub async fn enroll_privacyidea_with_key_bits(
        &self,
        vault: &mut Vault,
        uri: &str,
        scanned_at: UnixTime,
        info: &DeviceInfo,
        bits: usize,
    ) -> Result<PrivacyIdeaToken, PushError> {
        let uri = PiEnrollmentUri::parse(uri)?;
        uri.check_ttl(scanned_at, self.local_now())?;
        let (device_key, spki) = generate_off_thread(bits).await.map_err(key_error)?;
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
        let server_key = envelope
            .detail
            .get("public_key")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| PushError::Server {
                problem: "privacyIDEA enrollment".into(),
                detail: "the server sent no public key".into(),
            })?;
        let server_key = rsa_keys::parse_server_key(server_key).map_err(key_error)?;
        let mut token = PrivacyIdeaToken {
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
        };
        token.id = vault.add_privacyidea_token(&token)?;
        Ok(token)
    }

    /// Polls every privacyIDEA token; only challenges that verify are returned.
    pub(super) async fn pending_privacyidea(
        &self,
        vault: &mut Vault,
    ) -> Result<Vec<PushRequest>, PushError> {
        let mut requests = Vec::new();
        for token in vault.privacyidea_tokens()? {
            let envelope = self.poll(vault, &token).await?;
            let token = vault.privacyidea_token(&token.id)?.unwrap_or(token);
            let challenges = envelope.value.as_array().cloned().unwrap_or_default();
            for value in &challenges {
                // A challenge that fails verification is dropped, never shown.
                if let Ok(request) = self.accept_pi_challenge(vault, &token, value) {
                    requests.push(request);
                }
            }
        }
        Ok(requests)
    }

    /// `GET url?serial&timestamp&signature`, signing `serial|timestamp` with the
    /// server's time as learned; retried once if the server disagrees on the time.
    async fn poll(
        &self,
        vault: &mut Vault,
        token: &PrivacyIdeaToken,
    ) -> Result<Envelope, PushError> {
        let mut offset = token.clock_offset;
        for attempt in 0..2 {
            let timestamp = iso8601(self.local_now() + offset);
            let signature =
                rsa_keys::sign(&token.device_key, &poll_message(&token.serial, &timestamp))
                    .map_err(key_error)?;
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
                    vault.set_privacyidea_clock_offset(&token.id, learned)?;
                }
                if attempt == 0 && (learned - offset).abs() > 30 && reply.is_err() {
                    offset = learned;
                    continue;
                }
            }
            return reply.map_err(|error| match error {
                ClientError::Refused { message, .. } if message.contains("verify signature") => {
                    PushError::Server {
                        problem: "privacyIDEA".into(),
                        detail: format!(
                            "the server does not accept token {}: it may have been deleted or \
                             re-enrolled; remove it from this device",
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
    pub(super) fn privacyidea_payload(
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
        self.accept_pi_challenge(vault, &token, fields).map(Some)
    }

    fn accept_pi_challenge(
        &self,
        vault: &mut Vault,
        token: &PrivacyIdeaToken,
        value: &serde_json::Value,
    ) -> Result<PushRequest, PushError> {
        let verified = PiChallenge::from_value(value)
            .and_then(|challenge| challenge.verify(&token.server_key, &token.serial))
            .map_err(|error| PushError::Unverified {
                reason: error.to_string(),
            })?;
        let challenge = &verified.challenge;
        if let Some(cached) = vault.cached_challenge(&challenge.nonce)? {
            if let Some(status) = cached.answered {
                return Err(PushError::AlreadyAnswered { status });
            }
        }
        let seen = self.local_now() + token.clock_offset;
        let json = serde_json::to_string(challenge).map_err(|_| PushError::Unverified {
            reason: "unreadable challenge".into(),
        })?;
        // The first sighting stays: a re-poll does not restart the countdown.
        vault.cache_challenge(
            &token.id,
            &challenge.nonce,
            &json,
            &challenge.title,
            seen,
            seen + ASSUMED_CHALLENGE_VALIDITY,
        )?;
        let cached = vault
            .cached_challenge(&challenge.nonce)?
            .ok_or(PushError::UnknownRequest)?;
        let burst = vault.challenges_for_resource(
            &token.id,
            &challenge.title,
            cached.iat - super::BURST_WINDOW,
            cached.iat,
        )?;
        Ok(request_for(
            token, &verified, cached.iat, cached.exp, seen, burst,
        ))
    }

    /// `Some` when `id` is a privacyIDEA request this device received.
    pub(super) fn known_privacyidea_request(
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
        let verified = PiChallenge::from_value(&value)
            .and_then(|challenge| challenge.verify(&token.server_key, &token.serial))
            .map_err(|error| PushError::Unverified {
                reason: error.to_string(),
            })?;
        Ok(Some(KnownPiRequest {
            token,
            verified,
            answered: cached.answered,
            exp: cached.exp,
        }))
    }

    pub(super) async fn approve_privacyidea(
        &self,
        vault: &mut Vault,
        known: KnownPiRequest,
        number: Option<&str>,
        gate: &dyn BiometricGate,
    ) -> Result<AnswerOutcome, PushError> {
        if let Some(done) = super::repeated_tap(
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
                .map_err(PushError::Gate)?;
        }
        let signature = rsa_keys::sign(
            &known.token.device_key,
            &known.verified.approve_message(presence),
        )
        .map_err(key_error)?;
        let mut fields = vec![
            ("nonce", challenge.nonce.as_str()),
            ("serial", challenge.serial.as_str()),
            ("signature", signature.as_str()),
        ];
        if let Some(presence) = presence {
            fields.push(("presence_answer", presence));
        }
        let envelope = self
            .privacyidea
            .post_form(&challenge.url, known.token.ssl_verify, &fields)
            .await
            .map_err(client_error)?;
        if envelope.value.as_bool() == Some(true) {
            vault.mark_challenge_answered(&challenge.nonce, "approved", self.local_now())?;
            return Ok(AnswerOutcome::Approved);
        }
        if presence.is_some() {
            // privacyIDEA keeps the request open after a wrong choice.
            return Err(PushError::WrongNumber);
        }
        vault.mark_challenge_answered(&challenge.nonce, "expired", self.local_now())?;
        Err(PushError::NoLongerOpen)
    }

    /// Declines; `report_fraud` sends the reason "unknown_trigger" ("this was not
    /// me"), otherwise "cancelled", when the server signed that it understands reasons.
    pub(super) async fn deny_privacyidea(
        &self,
        vault: &mut Vault,
        known: KnownPiRequest,
        report_fraud: bool,
    ) -> Result<AnswerOutcome, PushError> {
        if let Some(done) =
            super::repeated_tap(known.answered.as_deref(), crate::push::wire::Decision::Deny)?
        {
            return Ok(done);
        }
        let challenge = &known.verified.challenge;
        let reason = if report_fraud {
            DeclineReason::UnknownTrigger
        } else {
            DeclineReason::Cancelled
        };
        let signature = rsa_keys::sign(
            &known.token.device_key,
            &known.verified.decline_message(Some(reason)),
        )
        .map_err(key_error)?;
        let mut fields = vec![
            ("nonce", challenge.nonce.as_str()),
            ("serial", challenge.serial.as_str()),
            ("decline", "1"),
            ("signature", signature.as_str()),
        ];
        if known.verified.decline_reason {
            fields.push(("decline_reason", reason.as_str()));
        }
        let envelope = self
            .privacyidea
            .post_form(&challenge.url, known.token.ssl_verify, &fields)
            .await
            .map_err(client_error)?;
        if envelope.value.as_bool() == Some(true) {
            vault.mark_challenge_answered(&challenge.nonce, "denied", self.local_now())?;
            return Ok(AnswerOutcome::Denied);
        }
        vault.mark_challenge_answered(&challenge.nonce, "expired", self.local_now())?;
        Err(PushError::NoLongerOpen)
    }

    pub(super) fn privacyidea_watch_request(&self, known: &KnownPiRequest) -> WatchRequest {
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

    pub(super) async fn privacyidea_from_watch(
        &self,
        vault: &mut Vault,
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
    }
}

async fn generate_off_thread(
    bits: usize,
) -> Result<(crate::secret::SecretBytes, Vec<u8>), RsaKeyError> {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => handle
            .spawn_blocking(move || rsa_keys::generate_device_key(bits))
            .await
            .map_err(|error| RsaKeyError::Generate(error.to_string()))?,
        Err(_) => rsa_keys::generate_device_key(bits),
    }
}

fn key_error(error: RsaKeyError) -> PushError {
    PushError::Unverified {
        reason: error.to_string(),
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
