//! Sending one pass's batches: every channel at once, each batch in order until its
//! channel fails, a batch that panics handed back whole instead of taking the others with it.

use super::Prepared;
use crate::notify::{Failure, Notifier};
use crate::store::OutboxRow;
use crate::vocab::Channel;

/// One channel's claimed rows.
pub(super) struct Batch<'a> {
    pub(super) notifier: &'a Notifier,
    pub(super) rows: Vec<Prepared>,
}

/// How one channel's batch went.
pub(super) enum Sent {
    /// The rows tried, with how each ended, and the ones not tried because the channel
    /// failed on an earlier one.
    Done {
        tried: Vec<(OutboxRow, Result<(), Failure>)>,
        untried: Vec<OutboxRow>,
    },
    /// The sending thread panicked (a bug): the whole batch goes back to be sent again.
    Crashed { rows: Vec<OutboxRow>, why: String },
}

/// How notifications are sent: by their notifiers, or (in tests) by a function.
#[derive(Clone, Copy)]
pub(super) enum Sender<'a> {
    /// Each notifier sends its own, on the runtime.
    Notifiers,
    /// A stand-in, called in place of each send.
    #[cfg(test)]
    Stand(&'a StandIn<'a>),
    /// Holds the lifetime in builds without the stand-in; it cannot be made.
    #[cfg(not(test))]
    #[allow(dead_code)]
    Never(std::convert::Infallible, std::marker::PhantomData<&'a ()>),
}

/// A function that stands in for the notifiers' sending.
#[cfg(test)]
pub(super) type StandIn<'a> =
    dyn Fn(&Notifier, &OutboxRow, Option<&[u8]>) -> Result<(), Failure> + Sync + 'a;

impl Sender<'_> {
    async fn send(
        self,
        n: &Notifier,
        row: &OutboxRow,
        chart: Option<&[u8]>,
    ) -> Result<(), Failure> {
        match self {
            Sender::Notifiers => n.send(row, chart).await,
            #[cfg(test)]
            Sender::Stand(f) => f(n, row, chart),
            #[cfg(not(test))]
            Sender::Never(never, _) => match never {},
        }
    }
}

/// Sends each channel's batch at the same time, each in its `notifier` span, in order,
/// stopping a batch at its first transient failure or refusal (the channel is down, and
/// the rest would only wait for the same timeout). A batch whose sending panics (a bug)
/// comes back as crashed rather than taking the others with it.
pub(super) async fn fan_out(batches: Vec<Batch<'_>>, sender: Sender<'_>) -> Vec<(Channel, Sent)> {
    use futures_util::FutureExt as _;
    use tracing::Instrument as _;
    let sends = batches.into_iter().map(|batch| {
        let channel = batch.notifier.channel();
        let rows: Vec<OutboxRow> = batch.rows.iter().map(|(r, _)| r.clone()).collect();
        let span = tracing::info_span!("notifier", channel = %channel);
        async move {
            let sending = std::panic::AssertUnwindSafe(send_batch(batch, sender));
            match sending.catch_unwind().instrument(span).await {
                Ok((tried, untried)) => (channel, Sent::Done { tried, untried }),
                Err(panic) => {
                    let why = panic
                        .downcast_ref::<&str>()
                        .map(ToString::to_string)
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "a panic".to_string());
                    (channel, Sent::Crashed { rows, why })
                }
            }
        }
    });
    futures_util::future::join_all(sends).await
}

/// The rows of one batch tried in order until the channel fails, and the rest.
pub(super) type Tried = (Vec<(OutboxRow, Result<(), Failure>)>, Vec<OutboxRow>);

async fn send_batch(batch: Batch<'_>, sender: Sender<'_>) -> Tried {
    let mut tried = Vec::new();
    let mut rows = batch.rows.into_iter();
    for (row, chart) in rows.by_ref() {
        let result = sender.send(batch.notifier, &row, chart.as_deref()).await;
        let down = matches!(result, Err(Failure::Transient(_) | Failure::Refused(_)));
        tried.push((row, result));
        if down {
            break;
        }
    }
    (tried, rows.map(|(r, _)| r).collect())
}
