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
pub mod signals;
pub mod state;

use crate::config::Config;
use crate::paths::Paths;
use crate::stop::Stop;
use crate::store::Store;
use crate::watch::{self, DEBOUNCE};
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

/// Called on the blocking thread at the start of each step (`"cycle"`, `"tell"`) with its
/// name: how a test makes a step panic, to see the daemon survive it.
pub type Fault = Arc<dyn Fn(&str) + Send + Sync>;

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
    /// A test's hook into each step; `None` in the real daemon.
    pub fault: Option<Fault>,
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
            fault: None,
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
    looping(settings, first, state, wakes, shutdown, progress).await
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

/// What a step on the blocking thread gives back to the loop.
struct Stepped {
    engine: Engine,
    cycled: engine::Cycled,
    sent: usize,
}

/// Reloads if asked, runs a cycle and a delivery pass at `now`.
fn step(
    mut e: Engine,
    reload: Option<(bool, PathBuf)>,
    fault: Option<Fault>,
    (n, now): (u64, i64),
    stop: Stop,
) -> Stepped {
    // Everything this cycle logs (its sources, rules and notifiers) is inside this span.
    let _cycle = tracing::info_span!("cycle", n).entered();
    if let Some(fault) = &fault {
        fault("cycle");
    }
    if let Some((with_config, config_file)) = reload {
        e.reload(with_config.then_some(config_file.as_path()), now);
    }
    let cycled = e.cycle(now, &stop);
    let (sent, crashed) = e.deliver(now, &stop);
    let mut cycled = cycled;
    cycled.crashes.extend(crashed);
    Stepped {
        engine: e,
        cycled,
        sent,
    }
}

/// The steady state: a cycle per wake until the stop. A step that panics loses the engine
/// it had; the next one starts afresh from the store with the last good config.
async fn looping<F: Future<Output = ()>>(
    settings: Settings,
    first: Engine,
    mut state: State,
    mut wakes: Wakes,
    mut shutdown: Shutdown<'_, F>,
    progress: channel::Sender<Progress>,
) -> Result<(), DaemonError> {
    let mut server = endpoint::Server::default();
    let mut pushing = endpoint::Pushing::default();
    let (signal, stop) = Stop::new();
    let mut last_good = first.config().clone();
    let mut engine = Some(first);
    loop {
        if let Some(e) = &engine {
            pushing.follow(e.config().remote_write.as_ref());
        }
        if let Some(e) = &engine {
            let wanted = endpoint::Wanted {
                dashboard: e.config().dashboard,
                metrics: e.config().metrics_listen,
            };
            server.follow(wanted, &settings.paths, &progress).await;
        }
        let reload = match wakes.next(&mut shutdown).await {
            Wake::Stop => break,
            Wake::Tick => None,
            Wake::Reload(with_config) => Some(with_config),
        };
        let now = (settings.clock)();
        let e = match engine.take() {
            Some(e) => e,
            None => match restart(&settings, &last_good, now).await {
                Some(e) => e,
                None => continue,
            },
        };
        let began = Instant::now();
        let asked = reload.map(|with_config| (with_config, settings.config_file.clone()));
        let fault = settings.fault.clone();
        let n = state.cycles + 1;
        let stop = stop.clone();
        let mut handle = tokio::task::spawn_blocking(move || step(e, asked, fault, (n, now), stop));
        let result = tokio::select! {
            result = &mut handle => result,
            _ = shutdown.as_mut() => {
                // Requests and sends in flight are cancelled; their rows wait for the next start.
                signal.stop();
                finish_in_flight(&settings, handle, now).await;
                break;
            }
        };
        let (cycled, sent) = match result {
            Ok(stepped) => {
                if reload == Some(true) {
                    last_good = stepped.engine.config().clone();
                }
                engine = Some(stepped.engine);
                (stepped.cycled, stepped.sent)
            }
            Err(join) => {
                let what = format!("a cycle crashed ({join}); starting again from the store");
                crashed(&settings, &mut state, &progress, &what);
                (engine::Cycled::default(), 0)
            }
        };
        for what in &cycled.crashes {
            crashed(&settings, &mut state, &progress, what);
        }
        if let Some(batch) = cycled.push {
            pushing.send(batch);
        }
        if let Some(published) = cycled.published {
            server.published.send_replace(published);
        }
        state.cycles += 1;
        state.remote_write = pushing.health();
        state.web = server.serving.clone();
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
    server.stop();
    tracing::info!("stopped");
    Ok(())
}

/// A fresh engine after a crash: the last good config (not whatever the file holds now,
/// which may be broken) and the database opened again. `None` when the database cannot be
/// opened: the next wake tries again.
async fn restart(settings: &Settings, config: &Config, now: i64) -> Option<Engine> {
    let (config, db, paths) = (
        config.clone(),
        settings.paths.database(),
        settings.paths.clone(),
    );
    let started = tokio::task::spawn_blocking(move || {
        let store = Store::open(&db)?;
        Engine::start(config, store, &paths, now)
    })
    .await;
    match started {
        Ok(Ok(e)) => Some(e),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "cannot start again; trying at the next tick");
            None
        }
        Err(e) => {
            tracing::error!(error = %e, "starting again crashed; trying at the next tick");
            None
        }
    }
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
            tracing::warn!(error = %e, "stopping; unsent notifications are resent at the next start")
        }
        Err(e) => tracing::warn!(error = %e, "stopping"),
    }
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
