//! What an import may cost: one budget for every key derivation and every read,
//! checked before the work starts. An export file is untrusted input that names
//! its own KDF parameters, sizes and counts; without these caps a 50-byte file
//! could ask for gigabytes of memory or hours of CPU before the password is
//! even tried.
//!
//! The caps sit well above what the real apps write (Aegis: scrypt N 2^15, r 8,
//! p 1; andOTP: 140,000 PBKDF2 rounds; FreeOTP: 100,000; Stratum: Argon2id 64 MiB,
//! t 3, p 4; Google Authenticator: batches of about 10 codes), so every genuine
//! file passes and a hostile one is refused with the parameter and the limit.

use std::io::Read;

use super::{ImportError, ImportFormat};

/// scrypt's working memory (128 · r · N bytes) at the most.
pub const SCRYPT_MAX_MEMORY: u64 = 256 * 1024 * 1024;
/// scrypt's parallelism at the most (its time grows linearly with p).
pub const SCRYPT_MAX_P: u64 = 16;
/// PBKDF2 iterations at the most (about 10 s of SHA-512 on a mid-range phone).
pub const PBKDF2_MAX_ITERATIONS: u64 = 10_000_000;
/// Argon2 memory in KiB at the most.
pub const ARGON2_MAX_MEMORY_KIB: u64 = 256 * 1024;
/// Argon2 passes at the most.
pub const ARGON2_MAX_TIME: u64 = 10;
/// Argon2 lanes at the most.
pub const ARGON2_MAX_LANES: u64 = 16;
/// Codes in one Google Authenticator export batch at the most.
pub const MIGRATION_MAX_BATCH: u64 = 100;
/// An import file, or one entry inside an archive, at the most.
pub const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;
/// How long one query over a foreign SQLite file may run.
pub const SQLITE_DEADLINE: std::time::Duration = std::time::Duration::from_secs(5);

/// A key derivation a file asks for, before it is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KdfCost {
    Scrypt {
        log_n: u8,
        r: u32,
        p: u32,
    },
    Pbkdf2 {
        iterations: u64,
    },
    Argon2 {
        memory_kib: u32,
        time: u32,
        lanes: u32,
    },
}

/// Refuses a derivation over the budget, naming the parameter and its limit.
pub(crate) fn check_kdf(format: ImportFormat, cost: KdfCost) -> Result<(), ImportError> {
    match cost {
        KdfCost::Scrypt { log_n, r, p } => {
            let memory = 128u64
                .saturating_mul(u64::from(r))
                .saturating_mul(1u64.checked_shl(u32::from(log_n)).unwrap_or(u64::MAX));
            within(format, "scrypt memory (bytes)", memory, SCRYPT_MAX_MEMORY)?;
            within(format, "scrypt p", u64::from(p), SCRYPT_MAX_P)
        }
        KdfCost::Pbkdf2 { iterations } => within(
            format,
            "PBKDF2 iterations",
            iterations,
            PBKDF2_MAX_ITERATIONS,
        ),
        KdfCost::Argon2 {
            memory_kib,
            time,
            lanes,
        } => {
            within(
                format,
                "Argon2 memory (KiB)",
                u64::from(memory_kib),
                ARGON2_MAX_MEMORY_KIB,
            )?;
            within(format, "Argon2 time", u64::from(time), ARGON2_MAX_TIME)?;
            within(format, "Argon2 lanes", u64::from(lanes), ARGON2_MAX_LANES)
        }
    }
}

/// `value` if it is at most `limit`, else the typed refusal.
pub(crate) fn within(
    format: ImportFormat,
    parameter: &'static str,
    value: u64,
    limit: u64,
) -> Result<(), ImportError> {
    if value <= limit {
        Ok(())
    } else {
        Err(ImportError::OverLimit {
            format: format.name(),
            parameter,
            value,
            limit,
        })
    }
}

/// Reads at most `MAX_INPUT_BYTES`; more is refused rather than truncated, so a
/// zip bomb stops after the limit instead of filling memory.
pub(crate) fn read_bounded(
    format: ImportFormat,
    what: &'static str,
    reader: impl Read,
) -> Result<Vec<u8>, ImportError> {
    let bytes = read_at_most(reader).map_err(|e| super::malformed(format, e.to_string()))?;
    within(format, what, bytes.len() as u64, MAX_INPUT_BYTES)?;
    Ok(bytes)
}

/// An import file from disk or a pipe, refused past `MAX_INPUT_BYTES`.
pub fn read_input(reader: impl Read) -> Result<Vec<u8>, ImportError> {
    let bytes = read_at_most(reader).map_err(|e| ImportError::Unreadable {
        reason: e.to_string(),
    })?;
    file_size("import", bytes.len())?;
    Ok(bytes)
}

/// A whole file (`format`: its name, or "import" before detection) at most
/// `MAX_INPUT_BYTES`.
pub(crate) fn file_size(format: &'static str, len: usize) -> Result<(), ImportError> {
    if len as u64 > MAX_INPUT_BYTES {
        return Err(ImportError::OverLimit {
            format,
            parameter: "the file size (bytes)",
            value: len as u64,
            limit: MAX_INPUT_BYTES,
        });
    }
    Ok(())
}

/// One byte past the limit, so "exactly the limit" and "more" can be told apart.
fn read_at_most(reader: impl Read) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes)?;
    Ok(bytes)
}
