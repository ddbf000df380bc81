//! Request-nonce memory (docs/protocol.md section 5.1): a nonce is refused if
//! its device used it within the last 120 s, also across a restart. Nonces live
//! in the database keyed by (device, nonce) with an expiry; the insert is the
//! check, also between instances.
//! Expired rows are pruned once per 10-second bucket through the expiry index,
//! so no request walks the whole memory and it stays bounded by the window.

use std::sync::atomic::{AtomicI64, Ordering};

use crate::db::{DbResult, Sql, params};
use countersign_otp::clock::UnixTime;
use countersign_protocol::wire::IAT_TOLERANCE;

/// How long a nonce is remembered: a request with `iat` = now + 60 s is still
/// acceptable 120 s later (iat − 60 s), so the memory is one second longer
/// than the whole window (rows count as expired at `expires_at <= now`).
pub const NONCE_MEMORY: i64 = 2 * IAT_TOLERANCE + 1;

/// Pruning happens at most once per bucket of this many seconds.
const PRUNE_BUCKET: i64 = 10;

#[derive(Debug, Default)]
pub struct NonceMemory {
    last_pruned_bucket: AtomicI64,
}

impl NonceMemory {
    /// Remembers (device, nonce); false if it is already remembered (a replay).
    pub async fn remember(
        &self,
        db: &impl Sql,
        device: &str,
        nonce: &str,
        now: UnixTime,
    ) -> DbResult<bool> {
        let bucket = now.div_euclid(PRUNE_BUCKET);
        if self.last_pruned_bucket.swap(bucket, Ordering::Relaxed) != bucket {
            db.execute(
                "DELETE FROM request_nonces WHERE expires_at <= ?1",
                params![now],
            )
            .await?;
        }
        // An expired row not yet pruned is reused; a live one makes this a replay.
        let inserted = db
            .execute(
                "INSERT INTO request_nonces (device, nonce, expires_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (device, nonce) DO UPDATE SET expires_at = excluded.expires_at
             WHERE request_nonces.expires_at <= ?4",
                params![device, nonce, now + NONCE_MEMORY, now],
            )
            .await?;
        Ok(inserted == 1)
    }
}
