//! One cycle: poll every source, build the snapshot from the store, evaluate the rules, and
//! advance the alerts (enqueueing what is due).

use crate::alert::{self, Applied, Pass};
use crate::config::Config;
use crate::rule::{Evaluation, Input, RuleError, RuleSet};
use crate::snapshot::{self, Snapshot};
use crate::source::{Outcome, Source};
use crate::store::{Store, StoreError};
use jiff::tz::TimeZone;
use tokio_util::sync::CancellationToken;

/// Why a cycle ended early. A source or a rule that fails is not one of these: it is
/// recorded and the cycle goes on.
#[derive(Debug, thiserror::Error)]
pub enum CycleError {
    /// The store failed (the next cycle tries again).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The snapshot could not be turned into what the rules read: a bug. The rules are not
    /// run against nothing; their alerts stay as they are until the next cycle.
    #[error("the snapshot cannot be given to the rules: {0}")]
    Snapshot(serde_json::Error),
}

/// The snapshot as the rules read it.
pub(crate) fn rules_view<T: serde::Serialize>(
    snapshot: &T,
) -> Result<serde_json::Value, CycleError> {
    serde_json::to_value(snapshot).map_err(CycleError::Snapshot)
}

/// What one cycle did and saw.
#[derive(Debug, Clone)]
pub struct Report {
    /// Each source's outcome, in polling order.
    pub outcomes: Vec<Outcome>,
    /// The snapshot built after polling.
    pub snapshot: Snapshot,
    /// Each rule's result.
    pub evaluations: Vec<Evaluation>,
    /// Rule files that do not load as they are now.
    pub broken: Vec<RuleError>,
    /// What the alert pass decided.
    pub applied: Applied,
}

/// Whether the alert pass is kept (the daemon) or only shown (`check`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Store the alert states and enqueue notifications.
    Commit,
    /// Work out what would be decided, then roll it back.
    Rehearse,
}

/// When a cycle runs: its instant, the user's zone, and the stop that cancels its
/// requests in flight.
#[derive(Clone, Copy)]
pub struct At<'a> {
    /// The instant, unix seconds.
    pub now: i64,
    /// The user's time zone.
    pub tz: &'a TimeZone,
    /// The daemon's stop (a token nobody cancels for a command).
    pub stop: &'a CancellationToken,
}

/// Polls every source at `now`, builds the snapshot, evaluates `rules` and advances the
/// alerts. A source or rule that fails is recorded and does not stop the others; only a
/// failing store (or a snapshot the rules cannot be given) ends the cycle.
pub fn run(
    store: &mut Store,
    sources: &mut [Source],
    rules: &RuleSet,
    config: &Config,
    at: At<'_>,
    mode: Mode,
) -> Result<Report, CycleError> {
    let At { now, tz, stop } = at;
    let mut outcomes = Vec::with_capacity(sources.len());
    for source in sources.iter_mut().filter(|s| !s.is_outside()) {
        let _span = tracing::info_span!("source", name = %source.name()).entered();
        let outcome = source.poll(store, now)?;
        told(&outcome);
        outcomes.push(outcome);
    }
    outcomes.extend(ask_outside(store, sources, now, stop)?);
    let snapshot = snapshot::build(store, config, now, tz)?;
    let json = rules_view(&snapshot)?;
    let input = Input::new(&json, &*store, tz).with_open(crate::rule::open_of(&store.alerts()?));
    let evaluations = rules.evaluate(&input);
    let broken = broken(rules);
    let figures = alert::figures::Figures::of(&snapshot).to_json();
    let channels = crate::notify::channels(&config.notify);
    let account = store.account_label(crate::DEFAULT_ACCOUNT);
    let pass = Pass {
        resend: resend(config, &account),
        evaluations: &evaluations,
        broken: &broken,
        quiet: &config.quiet_hours,
        tz,
        now,
        figures: &figures,
        channels: &channels,
    };
    let applied = match mode {
        Mode::Commit => store.atomically(|s| alert::apply(s, &pass))?,
        Mode::Rehearse => store.rehearse(|s| alert::apply(s, &pass))?,
    };
    Ok(Report {
        outcomes,
        snapshot,
        evaluations,
        broken,
        applied,
    })
}

/// How often a firing alert is told to Alertmanager: its `resend`, but no more often than
/// the daemon wakes.
fn resend<'a>(config: &Config, account: &'a str) -> alert::lasting::Resend<'a> {
    let every = config
        .notify
        .alertmanager
        .as_ref()
        .map_or(60, |a| a.resend.as_secs());
    alert::lasting::Resend {
        account,
        every_s: every.max(config.tick.as_secs()) as i64,
    }
}

/// Logs what a source's poll came to.
fn told(outcome: &Outcome) {
    match &outcome.error {
        None => tracing::debug!("{}", outcome.summary),
        Some(e) => tracing::warn!(error = %e, "{}", outcome.summary),
    }
}

/// Polls the network and command sources at once on the runtime, under one deadline: the
/// longest request or command timeout among them and a second. A server or command that
/// does not answer costs the cycle that, not a timeout per source one after another; what
/// it was still doing is cancelled (a command killed with its group), and its health says
/// so. A stop cancels them all and records nothing.
fn ask_outside(
    store: &Store,
    sources: &[Source],
    now: i64,
    stop: &CancellationToken,
) -> Result<Vec<Outcome>, CycleError> {
    let network: Vec<&Source> = sources.iter().filter(|s| s.is_outside()).collect();
    let longest = network
        .iter()
        .map(|s| s.timeout())
        .max()
        .unwrap_or_default();
    let deadline = tokio::time::Instant::now() + longest + std::time::Duration::from_secs(1);
    let cycle = tracing::Span::current();
    let polls = network.iter().map(|s| {
        let span = tracing::info_span!(parent: &cycle, "source", name = %s.name());
        let poll = async move {
            let outcome = s.poll_outside(store, now, deadline).await;
            if let Ok(o) = &outcome {
                told(o);
            }
            outcome
        };
        tracing::Instrument::instrument(poll, span)
    });
    let outcomes = crate::http::block_on(async {
        tokio::select! {
            outcomes = futures_util::future::join_all(polls) => outcomes,
            () = stop.cancelled() => Vec::new(),
        }
    });
    Ok(outcomes.into_iter().collect::<Result<_, _>>()?)
}

/// The rule files that do not load, and the folder itself when it cannot be read.
fn broken(rules: &RuleSet) -> Vec<RuleError> {
    let mut broken: Vec<RuleError> = rules.errors().cloned().collect();
    if let Some(e) = rules.folder_error() {
        broken.push(RuleError::new("rules folder", None, e));
    }
    broken
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A value whose serialisation fails, as a snapshot with a bug in it would.
    struct Unserialisable;

    impl serde::Serialize for Unserialisable {
        fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("a field that cannot be written"))
        }
    }

    #[test]
    fn a_snapshot_that_cannot_be_serialised_ends_the_cycle_instead_of_reaching_rules_as_null() {
        let e = rules_view(&Unserialisable).unwrap_err();
        assert!(matches!(e, CycleError::Snapshot(_)));
        assert_eq!(
            e.to_string(),
            "the snapshot cannot be given to the rules: a field that cannot be written"
        );
        assert!(rules_view(&serde_json::json!({"now": 1})).is_ok());
    }
}
