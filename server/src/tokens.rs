//! Bearer secrets at rest: enrollment tokens, portal sessions and hand-off
//! secrets are stored as their SHA-256, so a copy of the database hands out
//! none of them. Lookups hash what was presented.

use countersign_protocol::jose;
use ring::digest::{SHA256, digest};

pub fn token_hash(token: &str) -> String {
    jose::base64url(digest(&SHA256, token.as_bytes()).as_ref())
}
