//! The diagnostics collector's storage (docs/server.md, "Diagnostics
//! collector"): batches of typed events from phones that share diagnostic
//! data (`countersign_protocol::diagnostics`), kept in `diagnostic_events`
//! with nothing that names a person, an account or a network address, and
//! joined to no other table. `store` writes a batch, `report` counts what an
//! administrator sees, `limiter` caps batches per client address in memory.

mod limiter;
mod report;
mod store;

pub use limiter::{BATCHES_PER_WINDOW, BatchLimiter, Limited, WINDOW_SECONDS};
pub use report::{ErrorCount, Report, Timing, percentile, report};
pub use store::{KEEP_SECONDS, MAX_EVENT_AGE_SECONDS, store};
