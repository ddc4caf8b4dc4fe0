//! The daemon loop: what `creditwatch run` does, as a library function a test can start
//! in-process.
//!
//! A short tick runs one cycle (poll what is due, store, snapshot, rules, alerts, outbox)
//! and a delivery pass on a blocking thread, off the async workers. Each source decides
//! from the wall clock whether it is due, so after the machine sleeps the next tick polls
//! each source once; missed ticks are skipped, never burst. The rules folder is watched: a
//! change, or SIGHUP, reloads the rules (a broken file keeps its last good version) and
//! runs a cycle at once. SIGHUP also reloads the config; a broken config is told once and
//! the last good one stays in force. A config that is broken at start, or a database that
//! will not open, does not end the process (a supervisor would restart it in a loop): the
//! daemon waits, degraded, until it is fixed (see `degraded.rs`). A database deleted or
//! replaced while it runs is opened again at the next cycle (see `engine.rs`). A step that
//! panics (a bug) is logged, counted in `status`, and the daemon starts its work again from
//! the store with the last good config. Shutdown is a future passed in; a cycle in flight
//! gets a grace period, after which what it was sending goes back to the outbox. Only this
//! loop reads the clock.

mod degraded;
mod endpoint;
mod engine;
pub mod lock;
mod looping;
pub mod signals;
pub mod state;

use crate::paths::Paths;
use crate::watch::{self, DEBOUNCE};
use engine::Engine;
use state::State;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::{Notify, watch as channel};
use tokio::time::{Interval, MissedTickBehavior};

/// How long a stop waits for the cycle in flight before putting its sends back.
pub const GRACE: Duration = Duration::from_secs(5);

/// The wall clock, as unix seconds; tests pass their own.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// Called on the blocking thread at the start of each step (`"cycle"`, `"tell"`) with its
/// name: how a test makes a step panic, to see the daemon survive it.
#[cfg(feature = "testkit")]
pub type Fault = Arc<dyn Fn(&str) + Send + Sync>;

/// A test's hook into each step: always empty in a build without the `testkit` feature.
#[derive(Clone, Default)]
pub struct Faults {
    #[cfg(feature = "testkit")]
    hook: Option<Fault>,
}

impl Faults {
    /// Calls the hook, if any, at the start of `step`.
    pub(crate) fn trip(&self, step: &str) {
        #[cfg(feature = "testkit")]
        if let Some(hook) = &self.hook {
            hook(step);
        }
        #[cfg(not(feature = "testkit"))]
        let _ = step;
    }

    /// `hook` called at the start of each step.
    #[cfg(feature = "testkit")]
    pub fn new(hook: Fault) -> Faults {
        Faults { hook: Some(hook) }
    }
}

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
    /// A test's hook into each step; none in the real daemon.
    pub fault: Faults,
    /// The session bus for desktop notices when no config can name one (it is the config
    /// that is broken); `None`: the session's own.
    pub desktop_bus: Option<String>,
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
            fault: Faults::default(),
            desktop_bus: None,
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
    /// Where the dashboard listens, once it does.
    pub dashboard: Option<std::net::SocketAddr>,
    /// Steps that crashed (bugs, each logged and counted in `status`).
    pub crashes: u64,
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
            () = shutdown.as_mut() => Wake::Stop,
            _ = self.tick.tick() => Wake::Tick,
            () = self.changed.notified() => Wake::Reload(false),
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
    let Some(ready) =
        degraded::wait(&settings, &mut state, &mut wakes, &mut shutdown, &progress).await?
    else {
        tracing::info!("stopped");
        return Ok(());
    };
    let tick = settings.tick.unwrap_or(ready.config.tick.0);
    state.tick_s = tick.as_secs();
    wakes.tick = tokio::time::interval(tick);
    wakes
        .tick
        .set_missed_tick_behavior(MissedTickBehavior::Skip);
    let first = Engine::start(
        ready.config,
        ready.store,
        &settings.paths,
        (settings.clock)(),
    )?;
    if ready.waited {
        first.config_loaded(None, (settings.clock)());
    }
    let _watch = start_watch(first.rules_dir(), &wakes.changed);
    looping::run(settings, first, state, wakes, shutdown, progress).await
}

/// Records a step that crashed (a bug, not bad input): logged, counted for `status`.
fn crashed(
    settings: &Settings,
    state: &mut State,
    progress: &channel::Sender<Progress>,
    what: &str,
) {
    tracing::error!("{what}");
    state.crashes += 1;
    state.last_crash = Some(what.to_string());
    state.save(&settings.paths.daemon_state());
    progress.send_modify(|p| p.crashes += 1);
}

fn start_watch(dir: &std::path::Path, changed: &Arc<Notify>) -> Option<watch::Watcher> {
    let notify = Arc::clone(changed);
    match crate::rule::watch(dir, DEBOUNCE, move || notify.notify_one()) {
        Ok(w) => Some(w),
        Err(e) => {
            tracing::warn!(error = %e, "cannot watch the rules folder; rules reload on SIGHUP only");
            None
        }
    }
}
