//! The daemon loop: what `creditwatch run` does, as a library function a test can start
//! in-process.
//!
//! A short tick runs one cycle (poll what is due, store, snapshot, rules, alerts, outbox)
//! and a delivery pass on a blocking thread, off the async workers. The rules folder is watched: a change, or
//! SIGHUP, reloads the rules (a broken file keeps its last good version) and runs a cycle
//! at once, so a saved rule takes effect without waiting for the next tick. SIGHUP also
//! reloads the config; a broken config is reported and the last good one stays in force.
//! Shutdown is a future passed in; only this loop reads the clock.

mod engine;
pub mod lock;

use crate::config::Config;
use crate::paths::Paths;
use crate::rule::watch::{self, DEBOUNCE};
use engine::Engine;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{Notify, watch as channel};
use tokio::time::MissedTickBehavior;

/// How often the daemon wakes to see what is due.
pub const TICK: Duration = Duration::from_secs(15);

/// The wall clock, as unix seconds; tests pass their own.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// What the daemon needs to start.
pub struct Settings {
    /// Where files live.
    pub paths: Paths,
    /// The config file.
    pub config_file: PathBuf,
    /// How often to wake.
    pub tick: Duration,
    /// The wall clock.
    pub clock: Clock,
}

impl Settings {
    /// The real clock and the standard tick.
    pub fn new(paths: Paths, config_file: PathBuf) -> Settings {
        Settings {
            paths,
            config_file,
            tick: TICK,
            clock: Arc::new(|| jiff::Timestamp::now().as_second()),
        }
    }
}

/// What the daemon has done so far, for tests and (later) `status`.
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
}

/// Why the daemon could not start.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// The config file is broken.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The database cannot be opened.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// The signal handlers cannot be installed.
    #[error("cannot listen for signals: {0}")]
    Signals(std::io::Error),
}

/// Runs until `shutdown` completes. Progress is published on `progress`.
pub async fn run(
    settings: Settings,
    shutdown: impl Future<Output = ()>,
    progress: channel::Sender<Progress>,
) -> Result<(), DaemonError> {
    let config = Config::load(&settings.config_file)?;
    let now = (settings.clock)();
    let first = Engine::start(&settings, config, now)?;
    let changed = Arc::new(Notify::new());
    let _watch = start_watch(first.rules_dir(), &changed);
    let mut engine = Some(first);
    let mut hangup = signal(SignalKind::hangup()).map_err(DaemonError::Signals)?;
    let mut tick = tokio::time::interval(settings.tick);
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    tokio::pin!(shutdown);
    loop {
        let reload = tokio::select! {
            _ = &mut shutdown => break,
            _ = tick.tick() => None,
            _ = changed.notified() => Some(false),
            Some(()) = hangup.recv() => Some(true),
        };
        let now = (settings.clock)();
        let config_file = settings.config_file.clone();
        let Some(mut e) = engine.take() else { break };
        let step = tokio::task::spawn_blocking(move || {
            if let Some(with_config) = reload {
                e.reload(with_config.then_some(config_file.as_path()), now);
            }
            let enqueued = e.cycle(now);
            let sent = e.deliver(now);
            (e, (enqueued, sent))
        });
        // A stop does not wait for a slow send: what was being sent stays in the outbox
        // as `sending` and goes again at the next start.
        let step = tokio::select! {
            step = step => step,
            _ = &mut shutdown => {
                tracing::info!("stopping in the middle of a cycle; unsent notifications wait in the outbox");
                break;
            }
        };
        let (enqueued, sent) = match step {
            Ok((e, counts)) => {
                engine = Some(e);
                counts
            }
            Err(join) => {
                // A bug, not bad input: start afresh from the store rather than stop.
                tracing::error!("a cycle failed unexpectedly: {join}; starting again");
                let config = Config::load(&settings.config_file)?;
                engine = Some(Engine::start(&settings, config, now)?);
                (0, 0)
            }
        };
        progress.send_modify(|p| {
            p.cycles += 1;
            p.reloads += u64::from(reload.is_some());
            p.enqueued += enqueued as u64;
            p.sent += sent as u64;
        });
    }
    tracing::info!("stopped");
    Ok(())
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
