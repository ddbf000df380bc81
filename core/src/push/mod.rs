//! Push approval, the protocol half: wire types and signatures shared by the
//! reference server and the phone (docs/protocol.md), and the enrollment URI.
//! The phone's client (enroll, fetch, answer) builds on these (issue 6).
//!
//! Must not: show UI, or hold a key's private bytes it was not given.

pub mod enroll_uri;
pub mod jose;
pub mod wire;

pub use enroll_uri::{EnrollUriError, EnrollmentUri};
pub use jose::{Compact, JoseError, Jwk, JwsSigner, SoftwareKey};
