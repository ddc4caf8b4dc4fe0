//! The pushes waiting to be sent, oldest first, and how they are sent: in order, each
//! batch once the receiver takes it. A receiver that cannot be reached (or refuses the
//! credentials, which a reload may fix) keeps the batches waiting and is tried again after
//! a backoff; while it waits, at most [`MAX_WAITING`] batches are kept and the oldest
//! make room for new ones. A batch the receiver rejects for what it holds (another 4xx)
//! is dropped: it would be rejected every time.

use super::Batch;
use crate::config::RemoteWriteConfig;
use crate::team_server::{Poster, Refusal};
use std::collections::VecDeque;

/// The most batches kept while the receiver cannot be reached: 12 hours of pushes at the
/// default interval of a minute, about 1.5 MB at the sizes `cargo bench --bench push`
/// measured (2.1 KB a push).
pub const MAX_WAITING: usize = 720;
/// The first retry waits this long...
const BACKOFF_FIRST_S: u64 = 5;
/// ...doubling up to this.
const BACKOFF_MAX_S: u64 = 300;

/// The batches waiting, and where they go.
pub struct Queue {
    config: RemoteWriteConfig,
    poster: Poster,
    waiting: VecDeque<Batch>,
    /// Batches dropped so far: pushed out by newer ones, or rejected.
    pub dropped: u64,
    /// Failed attempts in a row.
    pub failures: u32,
    /// Batches the receiver took so far.
    pub pushed: u64,
    /// The instant of the samples of the last batch taken, unix seconds.
    pub last_taken_at: Option<i64>,
}

/// How one round of sending ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pushed {
    /// Everything waiting was taken (or there was nothing).
    Done {
        /// Batches sent.
        sent: usize,
    },
    /// The receiver failed; what waits is tried again after the backoff.
    Failed {
        /// Batches sent before it failed.
        sent: usize,
        /// What went wrong.
        error: String,
    },
}

impl Queue {
    /// An empty queue to the receiver `config` names.
    pub fn new(config: RemoteWriteConfig) -> Queue {
        Queue {
            poster: Poster::build(&config.target),
            config,
            waiting: VecDeque::new(),
            dropped: 0,
            failures: 0,
            pushed: 0,
            last_taken_at: None,
        }
    }

    /// Points the queue at another receiver (a reload), keeping what waits.
    pub(crate) fn reconfigure(&mut self, config: RemoteWriteConfig) {
        if config != self.config {
            *self = Queue {
                waiting: std::mem::take(&mut self.waiting),
                dropped: self.dropped,
                pushed: self.pushed,
                last_taken_at: self.last_taken_at,
                ..Queue::new(config)
            };
        }
    }

    /// Adds a batch; the oldest makes room when [`MAX_WAITING`] wait already.
    pub fn add(&mut self, batch: Batch) {
        if self.waiting.len() >= MAX_WAITING {
            self.waiting.pop_front();
            self.dropped += 1;
        }
        self.waiting.push_back(batch);
    }

    /// How many batches wait.
    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }

    /// Sends what waits, oldest first, until the receiver fails.
    pub async fn push(&mut self) -> Pushed {
        let mut sent = 0;
        while let Some(batch) = self.waiting.front() {
            match self.send(batch).await {
                Ok(()) => {
                    self.last_taken_at = Some(batch.at);
                    self.waiting.pop_front();
                    self.pushed += 1;
                    sent += 1;
                }
                Err(Rejected::Content(error)) => {
                    tracing::error!(
                        error,
                        at = batch.at,
                        "the receiver rejected a push; dropped"
                    );
                    self.waiting.pop_front();
                    self.dropped += 1;
                }
                Err(Rejected::Later(error)) => {
                    self.failures += 1;
                    return Pushed::Failed { sent, error };
                }
            }
        }
        self.failures = 0;
        Pushed::Done { sent }
    }

    /// How long to wait before trying again after the failures so far, with jitter.
    pub fn backoff(&self) -> std::time::Duration {
        let doublings = self.failures.saturating_sub(1).min(16);
        let cap = (BACKOFF_FIRST_S << doublings).min(BACKOFF_MAX_S);
        let ms = cap * 1000;
        std::time::Duration::from_millis(ms / 2 + fastrand::u64(0..=ms / 2))
    }

    async fn send(&self, batch: &Batch) -> Result<(), Rejected> {
        let headers = [
            ("Content-Encoding", "snappy"),
            ("X-Prometheus-Remote-Write-Version", "0.1.0"),
        ];
        let sent = async {
            let auth = self.poster.authorization()?;
            let (url, body) = (&self.config.url, batch.body.clone());
            self.poster
                .post(url, auth.as_ref(), "application/x-protobuf", &headers, body)
                .await
        };
        // Credentials may be fixed by a reload, so what waits is kept for them.
        sent.await.map_err(|refusal| match refusal {
            Refusal::Credentials(e) | Refusal::Later(e) => Rejected::Later(e),
            Refusal::Content(e) => Rejected::Content(e),
        })
    }
}

/// Why a batch was not taken.
enum Rejected {
    /// Worth trying again: the receiver is down, busy or refuses the credentials.
    Later(String),
    /// Never worth trying again: the receiver rejects what the batch holds.
    Content(String),
}
