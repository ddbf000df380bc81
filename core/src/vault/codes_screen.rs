//! The codes screen while it is open: every account's code generator (its
//! secret's HMAC key state) made once, so each tick of the countdown costs two
//! hash compressions an account and no SQLite read or decryption.
//!
//! The generators stand in for the secrets, so they live exactly as long as the
//! screen: the shell drops the `CodesScreen` when the screen closes (the FFI's
//! `close_codes_view`) and each generator zeroizes its state. A screen made
//! from an older state of the vault (an account added, renamed, moved or
//! deleted, an HOTP counter used, another process's write) is noticed through
//! [`Vault::codes_revision`] and rebuilt.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::clock::UnixTime;
use crate::otp::{CodeGenerator, OtpCode, OtpKind};

use super::{
    AccountId, CodeDisplay, CodeEntry, CodesView, PARAM_COLUMNS, ParamColumns, Vault, VaultError,
};

/// Tells one open `Vault` from another, so a screen built from a vault that was
/// closed and reopened (its change counters start again) is never taken as
/// current.
static NEXT_INSTANCE: AtomicU64 = AtomicU64::new(1);

pub(super) fn next_instance() -> u64 {
    NEXT_INSTANCE.fetch_add(1, Ordering::Relaxed)
}

/// Which state of the vault a screen was built from: this connection's own
/// writes (`total_changes`) and other connections' commits (`data_version`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodesRevision {
    instance: u64,
    own_changes: u64,
    data_version: i64,
}

/// What one row shows, made ready when the screen opened.
enum RowSource {
    /// With the code last computed, reused until its step ends, and whether
    /// the last `view` showed a code (or the generator's error).
    Generator {
        generator: CodeGenerator,
        shown: Option<OtpCode>,
        showing_code: bool,
    },
    HotpReady {
        counter: u64,
    },
    Unavailable {
        reason: String,
    },
}

struct ScreenRow {
    id: AccountId,
    issuer: Option<String>,
    name: String,
    source: RowSource,
}

/// The accounts of an open codes screen, in their order.
pub struct CodesScreen {
    revision: CodesRevision,
    rows: Vec<ScreenRow>,
}

impl std::fmt::Debug for CodesScreen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodesScreen")
            .field("revision", &self.revision)
            .field("accounts", &self.rows.len())
            .finish()
    }
}

impl CodesScreen {
    pub fn revision(&self) -> CodesRevision {
        self.revision
    }

    /// Every account's code at `now`, from one clock reading. A code is
    /// computed when its step begins and reused for the rest of it.
    pub fn view(&mut self, now: UnixTime) -> CodesView {
        let entries = self
            .rows
            .iter_mut()
            .map(|row| CodeEntry {
                id: row.id.clone(),
                issuer: row.issuer.clone(),
                name: row.name.clone(),
                display: row.source.display(now),
            })
            .collect();
        CodesView { now, entries }
    }

    /// The codes at `now` row by row (`None` for a row without one), for a
    /// screen that already shows the rows: nothing else is copied. `None` when
    /// a row's code appeared or became unavailable since the last `view` (a
    /// clock moved across an account's T0): the rows must be shown again.
    pub fn tick(&mut self, now: UnixTime) -> Option<Vec<Option<&OtpCode>>> {
        let mut rows_changed = false;
        for row in &mut self.rows {
            if let RowSource::Generator {
                generator,
                shown,
                showing_code,
            } = &mut row.source
            {
                match generator.code_at_reusing(now, shown.as_ref()) {
                    Ok(code) => {
                        rows_changed |= !*showing_code;
                        *shown = Some(code);
                    }
                    Err(_) => rows_changed |= *showing_code,
                }
            }
        }
        if rows_changed {
            return None;
        }
        Some(
            self.rows
                .iter()
                .map(|row| match &row.source {
                    RowSource::Generator { shown, .. } => shown.as_ref(),
                    _ => None,
                })
                .collect(),
        )
    }
}

impl RowSource {
    fn display(&mut self, now: UnixTime) -> CodeDisplay {
        match self {
            RowSource::Generator {
                generator,
                shown,
                showing_code,
            } => match generator.code_at_reusing(now, shown.as_ref()) {
                Ok(code) => {
                    *shown = Some(code.clone());
                    *showing_code = true;
                    CodeDisplay::Code(code)
                }
                Err(error) => {
                    *showing_code = false;
                    CodeDisplay::Unavailable {
                        reason: error.to_string(),
                    }
                }
            },
            RowSource::HotpReady { counter } => CodeDisplay::HotpReady { counter: *counter },
            RowSource::Unavailable { reason } => CodeDisplay::Unavailable {
                reason: reason.clone(),
            },
        }
    }
}

impl Vault {
    /// The state of the vault a codes screen depends on, read without touching
    /// any table.
    pub fn codes_revision(&self) -> Result<CodesRevision, VaultError> {
        let data_version = self
            .connection
            .query_row("PRAGMA data_version", [], |row| row.get(0))?;
        Ok(CodesRevision {
            instance: self.instance,
            own_changes: self.connection.total_changes(),
            data_version,
        })
    }

    /// Reads every account once and makes its generator: the secret is opened
    /// and its key state computed here, and the secret dropped (zeroized).
    /// A damaged account becomes an `Unavailable` row; the others still work.
    pub fn codes_screen(&self) -> Result<CodesScreen, VaultError> {
        let revision = self.codes_revision()?;
        let mut statement = self.connection.prepare_cached(&format!(
            "SELECT id, issuer, name, secret, {PARAM_COLUMNS} FROM accounts ORDER BY position"
        ))?;
        let mut rows = statement.query([])?;
        let mut screen = Vec::new();
        while let Some(row) = rows.next()? {
            let id: String = row.get(0)?;
            let issuer: Option<String> = row.get(1)?;
            let name: String = row.get(2)?;
            let sealed = row.get_ref(3)?.as_blob().map_err(rusqlite::Error::from)?;
            let source = match ParamColumns::read(row, 4).map_err(VaultError::from) {
                Ok(columns) => self.row_source(&id, sealed, &columns),
                Err(error) => RowSource::Unavailable {
                    reason: error.to_string(),
                },
            };
            screen.push(ScreenRow {
                id,
                issuer,
                name,
                source,
            });
        }
        Ok(CodesScreen {
            revision,
            rows: screen,
        })
    }

    fn row_source(&self, id: &str, sealed: &[u8], columns: &ParamColumns) -> RowSource {
        let unavailable = |reason: String| RowSource::Unavailable { reason };
        let params = match columns.verified_params(&self.key, id) {
            Ok(params) => params,
            Err(error) => return unavailable(error.to_string()),
        };
        if let OtpKind::Hotp { counter } = params.kind() {
            return RowSource::HotpReady { counter };
        }
        match self.open_secret(id, sealed) {
            Ok(secret) => match params.generator(&secret) {
                Ok(generator) => RowSource::Generator {
                    generator,
                    shown: None,
                    showing_code: false,
                },
                Err(error) => unavailable(error.to_string()),
            },
            Err(error) => unavailable(error.to_string()),
        }
    }
}
