//! Push approval: wire types and signatures shared by the reference server and
//! the phone (docs/protocol.md), the enrollment URI, and the phone's client
//! (`device`: enroll, receive, approve or deny), which also speaks privacyIDEA's
//! push token (`privacyidea`).
//!
//! Must not: show UI, or hold a key's private bytes it was not given.

pub mod device;
pub mod privacyidea;
mod store;

// The protocol both ends speak is its own crate (the server shares it).
pub use countersign_protocol::{enroll_uri, jose, wire};

pub use enroll_uri::{EnrollUriError, EnrollmentUri};
pub use jose::{Compact, JoseError, Jwk, JwsSigner, SoftwareKey};
pub use privacyidea::{PrivacyIdeaStore, PrivacyIdeaToken};
pub use store::{CachedChallenge, DeviceKeyRef, PushAccount, PushAccountStatus, PushStore};
