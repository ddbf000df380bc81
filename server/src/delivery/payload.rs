//! What APNs and FCM carry (protocol.md "Push delivery"): the signed challenge
//! and the device id, under a lock-screen text that says nothing about the
//! request, because it is shown before the phone has verified anything. App,
//! place and time are added on the phone once the core has verified the
//! challenge (the iOS Notification Service Extension, the Android FCM service).

use countersign_protocol::wire::ChallengeKind;
use serde_json::{Value, json};

use super::Delivery;

/// APNs refuses a payload over 4 KB (`PayloadTooLarge`).
pub const APNS_MAX_PAYLOAD_BYTES: usize = 4096;
/// FCM refuses a data message whose data is over 4 KB.
pub const FCM_MAX_DATA_BYTES: usize = 4096;

/// The notification category the apps register: Approve and Deny actions.
pub const CATEGORY: &str = "COUNTERSIGN_REQUEST";
/// For a request that needs a biometric: Deny only, Approve opens the app.
pub const CATEGORY_BIOMETRIC: &str = "COUNTERSIGN_REQUEST_BIOMETRIC";
/// For a high-risk request: no Approve on the notification; opening it shows
/// the app's review screen with the reasons before anything can be approved.
pub const CATEGORY_IN_APP: &str = "COUNTERSIGN_REQUEST_IN_APP";

/// Localisation keys the apps define, and the English text shown when an app
/// has no translation for them.
fn alert(kind: ChallengeKind) -> Value {
    let (key, title) = match kind {
        ChallengeKind::Login | ChallengeKind::StepUp => ("SIGN_IN", "Sign-in request"),
        ChallengeKind::PasswordReset => ("PASSWORD_RESET", "Password reset request"),
        ChallengeKind::EnrollmentConfirm => ("ENROLLMENT_CONFIRM", "Confirm your new device"),
    };
    json!({
        "title": title,
        "body": "Open Countersign to review it.",
        "title-loc-key": format!("COUNTERSIGN_{key}_TITLE"),
        "loc-key": "COUNTERSIGN_REVIEW_BODY",
    })
}

/// Pushes for one application replace each other on the lock screen: a burst
/// shows as one notification, the newest.
pub fn collapse_id(resource: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, resource.as_bytes());
    format!(
        "cs-{}",
        data_encoding::HEXLOWER.encode(&digest.as_ref()[..12])
    )
}

/// The APNs JSON body, and whether it carries the challenge (a payload that
/// would be too large is sent as a wake-up: the app then fetches).
pub fn apns(delivery: &Delivery) -> (Vec<u8>, bool) {
    let category = if delivery.in_app {
        CATEGORY_IN_APP
    } else if delivery.biometric_required {
        CATEGORY_BIOMETRIC
    } else {
        CATEGORY
    };
    let mut body = json!({
        "aps": {
            "alert": alert(delivery.kind),
            "category": category,
            "mutable-content": 1,
            "sound": "default",
            "thread-id": "countersign",
        },
        "countersign_device": delivery.device_id,
        "countersign_challenge": delivery.jws,
    });
    let full = body.to_string().into_bytes();
    if full.len() <= APNS_MAX_PAYLOAD_BYTES {
        return (full, true);
    }
    if let Some(object) = body.as_object_mut() {
        object.remove("countersign_challenge");
    }
    (body.to_string().into_bytes(), false)
}

/// The FCM `message` for `messages:send`, and whether it carries the challenge.
/// `ttl_seconds` is the time the challenge has left.
pub fn fcm(delivery: &Delivery, ttl_seconds: i64) -> (Value, bool) {
    let mut data = json!({
        "countersign_device": delivery.device_id,
        "countersign_kind": delivery.kind.as_str(),
        "countersign_challenge": delivery.jws,
    });
    let carries = data.to_string().len() <= FCM_MAX_DATA_BYTES;
    if !carries {
        if let Some(object) = data.as_object_mut() {
            object.remove("countersign_challenge");
        }
    }
    let message = json!({
        "message": {
            "token": delivery.push_token,
            "data": data,
            "android": {
                "priority": "high",
                "ttl": format!("{}s", ttl_seconds.max(0)),
                "collapse_key": collapse_id(&delivery.resource),
            },
        }
    });
    (message, carries)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::delivery::Platform;

    fn delivery(jws: String) -> Delivery {
        Delivery {
            challenge_id: "ch_1".into(),
            user: "alice".into(),
            device_id: "dv_1".into(),
            platform: Platform::Ios,
            push_token: "ab".repeat(32),
            jws,
            kind: ChallengeKind::Login,
            resource: "portal".into(),
            biometric_required: false,
            in_app: false,
            expires_at: 100,
            hold: std::time::Duration::ZERO,
        }
    }

    /// The JWS length that makes the APNs payload exactly `target` bytes.
    fn jws_for_apns_size(target: usize) -> String {
        let base = apns(&delivery(String::new())).0.len();
        "a".repeat(target - base)
    }

    #[test]
    fn an_apns_payload_of_exactly_4096_bytes_carries_the_challenge_one_more_does_not() {
        let (body, carries) = apns(&delivery(jws_for_apns_size(4096)));
        assert_eq!(body.len(), 4096);
        assert!(carries);
        let (body, carries) = apns(&delivery(jws_for_apns_size(4097)));
        assert!(!carries);
        let value: Value = serde_json::from_slice(&body).unwrap();
        assert!(value.get("countersign_challenge").is_none());
        assert_eq!(value["countersign_device"], "dv_1");
        assert_eq!(value["aps"]["mutable-content"], 1);
    }

    #[test]
    fn fcm_data_of_exactly_4096_bytes_carries_the_challenge_one_more_does_not() {
        let base = fcm(&delivery(String::new()), 60).0["message"]["data"]
            .to_string()
            .len();
        let (message, carries) = fcm(&delivery("a".repeat(4096 - base)), 60);
        assert_eq!(message["message"]["data"].to_string().len(), 4096);
        assert!(carries);
        let (message, carries) = fcm(&delivery("a".repeat(4097 - base)), 60);
        assert!(!carries);
        assert!(message["message"]["data"]["countersign_challenge"].is_null());
        assert_eq!(message["message"]["android"]["ttl"], "60s");
        assert_eq!(message["message"]["android"]["priority"], "high");
    }

    #[test]
    fn the_lock_screen_text_names_nothing_from_the_request() {
        let mut request = delivery("header.claims.signature".into());
        request.biometric_required = true;
        let (body, _) = apns(&request);
        let value: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(value["aps"]["alert"]["title"], "Sign-in request");
        assert_eq!(value["aps"]["category"], CATEGORY_BIOMETRIC);
        assert!(collapse_id("portal").len() <= 64);
        assert_ne!(collapse_id("portal"), collapse_id("vpn"));
    }

    #[test]
    fn a_high_risk_request_gets_the_in_app_category_and_the_same_neutral_text() {
        let mut request = delivery("header.claims.signature".into());
        request.biometric_required = true;
        request.in_app = true;
        let (body, carries) = apns(&request);
        assert!(carries);
        let value: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(value["aps"]["category"], CATEGORY_IN_APP);
        assert_eq!(value["aps"]["alert"]["title"], "Sign-in request");
        assert_eq!(
            value["aps"]["alert"]["body"],
            "Open Countersign to review it."
        );
    }
}
