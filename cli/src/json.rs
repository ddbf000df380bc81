//! `--json` output: one shape per thing, with stable member names, so scripts
//! never parse the human tables ("432 530"). Codes are plain digits; absent
//! values are `null`, never missing members.

use countersign_core::otp::{OtpKind, OtpParams};
use countersign_core::push::device::{AccountFailure, EnrolledPush, PushRequest};
use countersign_core::push::{PrivacyIdeaToken, PushAccount, PushAccountStatus};
use countersign_core::vault::{AccountSummary, CodeDisplay, CodesView};
use serde_json::{Value, json};

/// An account's code parameters.
pub fn params(params: &OtpParams) -> Value {
    let (kind, period, t0, counter) = match params.kind() {
        OtpKind::Totp { period, t0 } => ("totp", Some(period), Some(t0), None),
        OtpKind::Hotp { counter } => ("hotp", None, None, Some(counter)),
        OtpKind::Steam { period } => ("steam", Some(period), None, None),
    };
    json!({
        "kind": kind,
        "algorithm": params.algorithm().as_str(),
        "digits": params.digits(),
        "period": period,
        "t0": t0,
        "counter": counter,
    })
}

/// A row of `list`.
pub fn summary(account: &AccountSummary) -> Value {
    json!({
        "number": account.position + 1,
        "id": account.id,
        "issuer": account.issuer,
        "name": account.name,
        "params": params(&account.params),
        "weak_secret": account.weak_secret,
    })
}

/// The codes view: every account with its code or why it has none.
pub fn codes(view: &CodesView) -> Value {
    let entries: Vec<Value> = view
        .entries
        .iter()
        .map(|entry| {
            let (state, code, seconds_left, period, counter, reason) = match &entry.display {
                CodeDisplay::Code(code) => (
                    "code",
                    Some(code.value.clone()),
                    code.seconds_left,
                    code.period,
                    None,
                    None,
                ),
                CodeDisplay::HotpReady { counter } => {
                    ("hotp_ready", None, None, None, Some(*counter), None)
                }
                CodeDisplay::Unavailable { reason } => {
                    ("unavailable", None, None, None, None, Some(reason.clone()))
                }
            };
            json!({
                "id": entry.id,
                "issuer": entry.issuer,
                "name": entry.name,
                "state": state,
                "code": code,
                "seconds_left": seconds_left,
                "period": period,
                "counter": counter,
                "reason": reason,
            })
        })
        .collect();
    json!({ "now": view.now, "accounts": entries })
}

/// A sign-in request as `pending` shows it.
pub fn request(request: &PushRequest) -> Value {
    json!({
        "id": request.id,
        "account_id": request.account_id,
        "org": request.org,
        "user": request.user,
        "kind": request.kind.as_str(),
        "resource": { "id": request.resource.id, "name": request.resource.name },
        "ip": request.context.ip,
        "location": request.context.location,
        "browser": request.context.browser,
        "os": request.context.os,
        "message": request.message,
        "issued_at": request.issued_at,
        "expires_at": request.expires_at,
        "seconds_left": request.seconds_left,
        "biometric_required": request.biometric_required,
        "number_matching": request.number_matching,
        "number_choices": request.number_choices,
        "burst": request.burst,
        "risk_level": request.risk_level,
        "risk_reasons": request.risk_reasons,
    })
}

/// An account whose server could not be asked.
pub fn failure(failure: &AccountFailure) -> Value {
    json!({ "account_id": failure.account_id, "error": failure.error.to_string() })
}

/// A Countersign push account.
/// A push account of either dialect, in one shape (`dialect` tells which).
pub fn push_account(account: &EnrolledPush) -> Value {
    match account {
        EnrolledPush::Countersign(account) => countersign_account(account),
        EnrolledPush::PrivacyIdea(token) => privacyidea_token(token),
    }
}

fn countersign_account(account: &PushAccount) -> Value {
    let status = match account.status {
        PushAccountStatus::Active => "active",
        PushAccountStatus::Replaced => "replaced",
        PushAccountStatus::Revoked => "revoked",
    };
    json!({
        "id": account.id,
        "dialect": "countersign",
        "user": account.user,
        "org": account.org,
        "server_url": account.server_url,
        "device_id": account.device_id,
        "status": status,
        "certificate_checks": true,
    })
}

/// A privacyIDEA push token, in the same shape as a push account.
fn privacyidea_token(token: &PrivacyIdeaToken) -> Value {
    json!({
        "id": token.id,
        "dialect": "privacyidea",
        "user": token.label,
        "org": token.issuer,
        "server_url": token.url,
        "device_id": token.serial,
        "status": "active",
        "certificate_checks": token.ssl_verify,
    })
}
