//! The push to a team's Prometheus-compatible storage (Prometheus, Mimir, Thanos,
//! VictoriaMetrics, Grafana Cloud): laptops cannot be scraped, so the daemon sends its
//! series with Prometheus remote write every `interval`.
//!
//! After a cycle that is due, the daemon makes a [`Batch`] from the snapshot it just built
//! ([`series::collect`], [`encode`]) and hands it to a task of its own ([`run`]), which
//! sends what waits in order ([`queue`]). The cycle never waits for the network: a
//! receiver that is down costs the task a backoff, not the daemon a cycle.

pub mod encode;
pub mod queue;
pub mod series;

use crate::config::RemoteWriteConfig;
use queue::{Pushed, Queue};
use tokio::sync::mpsc;

/// One push, ready to send.
#[derive(Debug, Clone)]
pub struct Batch {
    /// The instant of its samples, unix seconds.
    pub at: i64,
    /// The compressed `WriteRequest`.
    pub body: Vec<u8>,
    /// How many series it holds.
    pub series: usize,
    /// Its size before compression, bytes.
    pub raw_bytes: usize,
}

impl Batch {
    /// The batch of `series`, every sample at `at`; an error when it cannot be compressed.
    pub fn of(series: &[encode::Series], at: i64) -> Result<Batch, snap::Error> {
        let raw = encode::write_request(series, at.saturating_mul(1000));
        Ok(Batch {
            at,
            body: encode::compress(&raw)?,
            series: series.len(),
            raw_bytes: raw.len(),
        })
    }
}

/// How the push is doing, for `creditwatch status`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Health {
    /// Batches the receiver took since the daemon started.
    pub pushed: u64,
    /// Batches waiting to be sent.
    pub waiting: usize,
    /// Batches dropped: pushed out by newer ones while the receiver was down, or rejected.
    pub dropped: u64,
    /// The instant of the samples of the last batch taken, unix seconds.
    pub last_pushed_at: Option<i64>,
    /// Why the last attempt failed, until one works again.
    pub last_error: Option<String>,
}

/// What the daemon tells the push task.
#[derive(Debug)]
pub enum Order {
    /// Send this batch.
    Send(Batch),
    /// The config changed: push there from now on, keeping what waits.
    Reconfigure(RemoteWriteConfig),
}

/// The push task: takes batches from `orders` and sends them, backing off while the
/// receiver fails, and says how it is doing in `health` after each round. Ends when the
/// daemon drops its sender; what still waits is logged.
pub async fn run(
    config: RemoteWriteConfig,
    mut orders: mpsc::UnboundedReceiver<Order>,
    health: tokio::sync::watch::Sender<Health>,
) {
    let mut queue = Queue::new(config);
    let mut retry_at: Option<tokio::time::Instant> = None;
    loop {
        let order = match retry_at {
            Some(at) => tokio::select! {
                order = orders.recv() => order.map(Some),
                () = tokio::time::sleep_until(at) => Some(None),
            },
            None => orders.recv().await.map(Some),
        };
        let Some(order) = order else { break };
        match order {
            Some(Order::Send(batch)) => queue.add(batch),
            Some(Order::Reconfigure(config)) => queue.reconfigure(config),
            None => {}
        }
        if retry_at.is_some_and(|at| tokio::time::Instant::now() < at) {
            continue;
        }
        let pushed = queue.push().await;
        health.send_replace(Health {
            pushed: queue.pushed,
            waiting: queue.waiting(),
            dropped: queue.dropped,
            last_pushed_at: queue.last_taken_at,
            last_error: match &pushed {
                Pushed::Done { .. } => None,
                Pushed::Failed { error, .. } => Some(error.clone()),
            },
        });
        retry_at = match pushed {
            Pushed::Done { .. } => None,
            Pushed::Failed { error, .. } => {
                let wait = queue.backoff();
                tracing::warn!(
                    error,
                    waiting = queue.waiting(),
                    dropped = queue.dropped,
                    "remote write failed; trying again in {}",
                    crate::format::duration(wait.as_secs() as i64)
                );
                Some(tokio::time::Instant::now() + wait)
            }
        };
    }
    if queue.waiting() > 0 {
        tracing::info!(waiting = queue.waiting(), "stopping with pushes unsent");
    }
}
