//! One cycle: poll every source, then build the snapshot from the store.

use crate::config::Config;
use crate::snapshot::{self, Snapshot};
use crate::source::{Outcome, Source};
use crate::store::{Store, StoreError};
use jiff::tz::TimeZone;

/// What one cycle did and saw.
#[derive(Debug, Clone)]
pub struct Report {
    /// Each source's outcome, in polling order.
    pub outcomes: Vec<Outcome>,
    /// The snapshot built after polling.
    pub snapshot: Snapshot,
}

/// Polls every source at `now`, then builds the snapshot. A source that fails is recorded
/// in its health and does not stop the others; only a failing store ends the cycle.
pub fn run(
    store: &mut Store,
    sources: &mut [Source],
    config: &Config,
    now: i64,
    tz: &TimeZone,
) -> Result<Report, StoreError> {
    let mut outcomes = Vec::with_capacity(sources.len());
    for source in sources.iter_mut() {
        let outcome = source.poll(store, now)?;
        match &outcome.error {
            None => tracing::debug!(source = outcome.source, "{}", outcome.summary),
            Some(e) => tracing::warn!(source = outcome.source, error = %e, "{}", outcome.summary),
        }
        outcomes.push(outcome);
    }
    let snapshot = snapshot::build(store, config, now, tz)?;
    Ok(Report { outcomes, snapshot })
}
