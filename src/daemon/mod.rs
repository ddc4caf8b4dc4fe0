//! The daemon loop: what `creditwatch run` does, as a library function a test can start
//! in-process.
//!
//! A short tick runs one cycle (poll what is due, store, snapshot, rules, alerts, outbox)
//! and a delivery pass on a blocking thread, off the async workers. Each source decides
//! from the wall clock whether it is due, so after the machine sleeps the next tick polls
//! each source once; missed ticks are skipped, never burst. The rules folder is watched: a
//! change, or SIGHUP, reloads the rules (a broken file keeps its last good version) and
//! runs a cycle at once. SIGHUP also reloads the config; a broken config is told once and
//! the last good one stays in force. A config that is broken at start does not end the
//! process (a supervisor would restart it in a loop): the daemon waits, degraded, until
//! the file is fixed (see `degraded.rs`). Shutdown is a future passed in; a cycle in flight gets
//! a grace period, after which what it was sending goes back to the outbox. Only this loop
//! reads the clock.

mod degraded;
mod engine;
pub mod lock;
pub mod signals;
pub mod state;

use crate::paths::Paths;
use crate::rule::watch::{self, DEBOUNCE};
use engine::Engine;
use state::State;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::{Notify, watch as channel};
use tokio::time::{Interval, MissedTickBehavior};

/// How long a stop waits for the cycle in flight before putting its sends back.
pub const GRACE: Duration = Duration::from_secs(5);

/// The wall clock, as unix seconds; tests pass their own.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// What the daemon needs to start.
pub struct Settings {
    /// Where files live.
    pub paths: Paths,
    /// The config file.
    pub config_file: PathBuf,
    /// How often to wake; `None` takes `tick` from the config.
    pub tick: Option<Duration>,
    /// How long a stop waits for a cycle in flight.
    pub grace: Duration,
    /// The wall clock.
    pub clock: Clock,
}

impl Settings {
    /// The real clock, the config's tick and the standard grace.
    pub fn new(paths: Paths, config_file: PathBuf) -> Settings {
        Settings {
            paths,
            config_file,
            tick: None,
            grace: GRACE,
            clock: Arc::new(|| jiff::Timestamp::now().as_second()),
        }
    }
}

/// What the daemon has done so far, for tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// Cycles completed.
    pub cycles: u64,
    /// Rule reloads done (on a change in the folder, or SIGHUP).
    pub reloads: u64,
    /// Notifications enqueued so far.
    pub enqueued: u64,
    /// Notifications delivered so far.
    pub sent: u64,
    /// Whether it is waiting on a broken config.
    pub degraded: bool,
    /// Where the metrics endpoint listens, once it does.
    pub metrics: Option<std::net::SocketAddr>,
}

/// Why the daemon could not start.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// The database cannot be opened.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// The signal handlers cannot be installed.
    #[error("cannot listen for signals: {0}")]
    Signals(std::io::Error),
}

/// The shutdown future, pinned where the loop can poll it again and again.
type Shutdown<'a, F> = Pin<&'a mut F>;

/// The loop's wake-up sources.
struct Wakes {
    tick: Interval,
    hangup: Signal,
    changed: Arc<Notify>,
}

/// Why the loop woke up.
enum Wake {
    Stop,
    Tick,
    /// A reload; `true` when the config is reloaded too (SIGHUP).
    Reload(bool),
}

impl Wakes {
    async fn next<F: Future<Output = ()>>(&mut self, shutdown: &mut Shutdown<'_, F>) -> Wake {
        tokio::select! {
            _ = shutdown.as_mut() => Wake::Stop,
            _ = self.tick.tick() => Wake::Tick,
            _ = self.changed.notified() => Wake::Reload(false),
            Some(()) = self.hangup.recv() => Wake::Reload(true),
        }
    }
}

/// Runs until `shutdown` completes. Progress is published on `progress`.
pub async fn run(
    settings: Settings,
    shutdown: impl Future<Output = ()>,
    progress: channel::Sender<Progress>,
) -> Result<(), DaemonError> {
    tokio::pin!(shutdown);
    let started = (settings.clock)();
    let mut state = State {
        pid: std::process::id(),
        started_at: started,
        ..State::default()
    };
    let hangup = signal(SignalKind::hangup()).map_err(DaemonError::Signals)?;
    let mut wakes = Wakes {
        tick: tokio::time::interval(settings.tick.unwrap_or(Duration::from_secs(15))),
        hangup,
        changed: Arc::new(Notify::new()),
    };
    let Some((config, was_broken)) =
        degraded::wait(&settings, &mut state, &mut wakes, &mut shutdown, &progress).await?
    else {
        tracing::info!("stopped");
        return Ok(());
    };
    let tick = settings.tick.unwrap_or(config.tick.0);
    state.tick_s = tick.as_secs();
    wakes.tick = tokio::time::interval(tick);
    wakes
        .tick
        .set_missed_tick_behavior(MissedTickBehavior::Skip);
    let first = Engine::start(&settings, config, (settings.clock)())?;
    if was_broken {
        first.config_loaded(None, (settings.clock)());
    }
    let _watch = start_watch(first.rules_dir(), &wakes.changed);
    looping(settings, first, state, wakes, shutdown, progress).await
}

/// The steady state: a cycle per wake until the stop.
async fn looping<F: Future<Output = ()>>(
    settings: Settings,
    first: Engine,
    mut state: State,
    mut wakes: Wakes,
    mut shutdown: Shutdown<'_, F>,
    progress: channel::Sender<Progress>,
) -> Result<(), DaemonError> {
    let mut metrics = Metrics::default();
    let mut engine = Some(first);
    loop {
        if let Some(e) = &engine {
            metrics.follow(e.metrics_listen(), &progress).await;
        }
        let reload = match wakes.next(&mut shutdown).await {
            Wake::Stop => break,
            Wake::Tick => None,
            Wake::Reload(with_config) => Some(with_config),
        };
        let now = (settings.clock)();
        let config_file = settings.config_file.clone();
        let Some(mut e) = engine.take() else { break };
        let began = Instant::now();
        let mut step = tokio::task::spawn_blocking(move || {
            if let Some(with_config) = reload {
                e.reload(with_config.then_some(config_file.as_path()), now);
            }
            let cycled = e.cycle(now);
            let sent = e.deliver(now);
            (e, cycled, sent)
        });
        let step = tokio::select! {
            step = &mut step => step,
            _ = shutdown.as_mut() => {
                finish_in_flight(&settings, step, now).await;
                break;
            }
        };
        let (cycled, sent) = match step {
            Ok((e, cycled, sent)) => {
                engine = Some(e);
                (cycled, sent)
            }
            Err(join) => {
                // A bug, not bad input: start afresh from the store rather than stop.
                tracing::error!("a cycle failed unexpectedly: {join}; starting again");
                let config = crate::config::Config::load(&settings.config_file).unwrap_or_default();
                engine = Some(Engine::start(&settings, config, now)?);
                (engine::Cycled::default(), 0)
            }
        };
        if let Some(page) = cycled.page {
            metrics.page.send_replace(page);
        }
        state.cycles += 1;
        state.last_cycle_at = Some(now);
        state.last_cycle_ms = Some(began.elapsed().as_millis() as u64);
        state.save(&settings.paths.daemon_state());
        progress.send_modify(|p| {
            p.cycles += 1;
            p.reloads += u64::from(reload.is_some());
            p.enqueued += cycled.enqueued as u64;
            p.sent += sent as u64;
        });
    }
    metrics.stop();
    tracing::info!("stopped");
    Ok(())
}

/// A stop during a cycle: the cycle gets the grace period to finish; after that, what it
/// was sending goes back to the outbox (as `retry`, sent again at the next start).
async fn finish_in_flight<T>(settings: &Settings, step: tokio::task::JoinHandle<T>, now: i64) {
    if tokio::time::timeout(settings.grace, step).await.is_ok() {
        tracing::info!("stopping after the cycle in flight");
        return;
    }
    let db = settings.paths.database();
    let requeued = tokio::task::spawn_blocking(move || {
        crate::store::Store::open(&db).and_then(|s| s.requeue_sending(now))
    })
    .await;
    match requeued {
        Ok(Ok(rows)) => tracing::info!(
            notifications = rows.len(),
            "stopping in the middle of a send; it waits in the outbox for the next start"
        ),
        Ok(Err(e)) => {
            tracing::warn!("stopping; unsent notifications are resent at the next start ({e})")
        }
        Err(e) => tracing::warn!("stopping; {e}"),
    }
}

/// The metrics endpoint, following the config's `[metrics] listen`.
struct Metrics {
    page: channel::Sender<String>,
    bound: Option<(std::net::SocketAddr, tokio::task::JoinHandle<()>)>,
    wanted: Option<std::net::SocketAddr>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics {
            page: channel::channel(String::new()).0,
            bound: None,
            wanted: None,
        }
    }
}

impl Metrics {
    /// Starts, moves or stops the endpoint when the wanted address changed.
    async fn follow(
        &mut self,
        wanted: Option<std::net::SocketAddr>,
        progress: &channel::Sender<Progress>,
    ) {
        if wanted == self.wanted {
            return;
        }
        self.stop();
        self.wanted = wanted;
        let Some(addr) = wanted else { return };
        match crate::metrics::serve(addr, self.page.subscribe()).await {
            Ok((bound, task)) => {
                tracing::info!(%bound, "serving metrics at /metrics");
                progress.send_modify(|p| p.metrics = Some(bound));
                self.bound = Some((bound, task));
            }
            Err(e) => tracing::error!("{e}; running without metrics"),
        }
    }

    fn stop(&mut self) {
        if let Some((_, task)) = self.bound.take() {
            task.abort();
        }
    }
}

fn start_watch(dir: &std::path::Path, changed: &Arc<Notify>) -> Option<watch::Watcher> {
    let notify = Arc::clone(changed);
    match watch::watch(dir, DEBOUNCE, move || notify.notify_one()) {
        Ok(w) => Some(w),
        Err(e) => {
            tracing::warn!("{e}; rules reload on SIGHUP only");
            None
        }
    }
}
