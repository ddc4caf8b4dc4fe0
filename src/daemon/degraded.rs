//! A start that cannot go ahead: the config file does not load, or the database cannot be
//! opened (it is not a SQLite file, or from a newer creditwatch). Exiting would make
//! launchd or systemd start the daemon again and again, every few seconds, for ever; so it
//! waits instead. It says so once per problem (in the log, on the desktop, and in
//! `status`), watches the config file, tries again at every tick, on SIGHUP and whenever
//! the file changes, and carries on when both load.
//!
//! A config problem is told through the outbox, like any notification. A database problem
//! cannot be: it is shown on the desktop directly, once.

use super::state::State;
use super::{DaemonError, Progress, Settings, Shutdown, Wake, Wakes};
use crate::config::{Config, NotifyConfig};
use crate::notify::{self, Delivery, Notifier};
use crate::store::Store;
use crate::vocab::Channel;
use crate::watch::{self, DEBOUNCE};
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::watch as channel;

/// What the daemon starts its work with.
pub(super) struct Ready {
    /// The config, loaded.
    pub config: Config,
    /// The database, open and up to date.
    pub store: Store,
    /// Whether it had to wait for a fix first.
    pub waited: bool,
}

/// Why the start cannot go ahead yet.
#[derive(Debug, Clone)]
enum Problem {
    /// The config file does not load.
    Config(String),
    /// The config loads (it is kept for its channels and tick), the database does not.
    Database(String, Box<Config>),
}

impl Problem {
    fn text(&self) -> String {
        match self {
            Problem::Config(e) | Problem::Database(e, _) => e.clone(),
        }
    }
}

/// Loads the config, then opens the database.
fn prepare(config_file: PathBuf, db: PathBuf) -> Result<Ready, Problem> {
    let config = Config::load(&config_file).map_err(|e| Problem::Config(e.to_string()))?;
    match Store::open(&db) {
        Ok(store) => Ok(Ready {
            config,
            store,
            waited: false,
        }),
        Err(e) => Err(Problem::Database(
            format!(
                "{e}; move it aside (for example `mv {0} {0}.broken`) and creditwatch starts \
                 a new one",
                db.display()
            ),
            Box::new(config),
        )),
    }
}

/// Waits until the config loads and the database opens. `None` when the stop came first.
pub(super) async fn wait<F: Future<Output = ()>>(
    settings: &Settings,
    state: &mut State,
    wakes: &mut Wakes,
    shutdown: &mut Shutdown<'_, F>,
    progress: &channel::Sender<Progress>,
) -> Result<Option<Ready>, DaemonError> {
    let mut watcher = None;
    let mut told: Option<String> = None;
    loop {
        let (file, db) = (settings.config_file.clone(), settings.paths.database());
        let attempt = tokio::task::spawn_blocking(move || prepare(file, db));
        let attempt = tokio::select! {
            attempt = attempt => attempt,
            () = shutdown.as_mut() => return Ok(None),
        };
        let problem = match attempt {
            Ok(Ok(mut ready)) => {
                if told.is_some() {
                    tracing::info!(file = %settings.config_file.display(), "the config and the database load now; starting");
                    state.degraded = None;
                    progress.send_modify(|p| p.degraded = false);
                }
                ready.waited = told.is_some();
                return Ok(Some(ready));
            }
            Ok(Err(problem)) => problem,
            Err(join) => {
                let e = format!("checking the config and the database crashed: {join}");
                super::crashed(settings, state, progress, &e);
                Problem::Config(e)
            }
        };
        if let Problem::Database(_, config) = &problem {
            // The config loads: its tick paces the retries (a test's `tick = "1s"`).
            let tick = settings.tick.unwrap_or(config.tick.0);
            if wakes.tick.period() != tick {
                wakes.tick = tokio::time::interval_at(tokio::time::Instant::now() + tick, tick);
            }
        }
        let text = problem.text();
        if told.as_ref() != Some(&text) {
            tracing::error!("{text}; waiting for it to be fixed");
            state.degraded = Some(text.clone());
            state.save(&settings.paths.daemon_state());
            let telling = tell(settings, problem.clone());
            let done = tokio::select! {
                done = telling => done,
                () = shutdown.as_mut() => return Ok(None),
            };
            match done {
                Ok(()) => told = Some(text),
                // Not told: tried again at the next wake.
                Err(e) => super::crashed(settings, state, progress, &e),
            }
            progress.send_modify(|p| p.degraded = true);
        }
        if watcher.is_none() {
            watcher = watch_config(settings, &wakes.changed);
        }
        if let Wake::Stop = wakes.next(shutdown).await {
            return Ok(None);
        }
    }
}

/// Tells the user about `problem` on a blocking thread; `Err` says why that crashed.
async fn tell(settings: &Settings, problem: Problem) -> Result<(), String> {
    let db = settings.paths.database();
    let now = (settings.clock)();
    let fault = settings.fault.clone();
    let fallback = NotifyConfig {
        desktop_bus: settings.desktop_bus.clone(),
        ..NotifyConfig::default()
    };
    let told = tokio::task::spawn_blocking(move || {
        fault.trip("tell");
        match problem {
            Problem::Config(text) => tell_config(&db, &text, &fallback, now),
            Problem::Database(text, config) => tell_database(&text, &config.notify, now),
        }
    })
    .await;
    told.map_err(|join| format!("telling the user crashed: {join}"))
}

/// Raises the config alert and shows it on the desktop (the config that would name other
/// channels is the one that does not load). A desktop that cannot show it leaves it in
/// the outbox, where the daemon sends it once it runs; a database that cannot be opened
/// either is told directly instead.
fn tell_config(db: &std::path::Path, problem: &str, fallback: &NotifyConfig, now: i64) {
    let store = match Store::open(db) {
        Ok(store) => store,
        Err(e) => {
            tracing::warn!(error = %e, "telling the desktop directly");
            return tell_database(problem, fallback, now);
        }
    };
    let tz = crate::calendar::local_zone();
    if let Err(e) =
        crate::alert::config_problem(&store, Some(problem), &[Channel::Desktop], &tz, now)
    {
        tracing::error!(error = %e, "cannot record the config's state");
    }
    let mut delivery = Delivery::new(notify::build(fallback, &tz), tz.clone());
    if let Err(e) = delivery.run(&store, now) {
        tracing::warn!(error = %e, "cannot tell the desktop about the config");
    }
}

/// Shows a problem on the desktop without the database, when the config has it on.
fn tell_database(problem: &str, config: &NotifyConfig, now: i64) {
    if !config.desktop {
        return;
    }
    let row = notify::Notice {
        about: "creditwatch/database",
        key: "database",
        occasion: format!("broken-{now}"),
        title: "creditwatch is waiting: it cannot open its database".into(),
        body: problem.to_string(),
    }
    .row(Channel::Desktop, now);
    let desktop = Notifier::Desktop(notify::Desktop::build(config.desktop_bus.clone()));
    if let Err(e) = desktop.deliver(&row, None) {
        tracing::warn!(error = ?e, "cannot show it on the desktop");
    }
}

fn watch_config(settings: &Settings, changed: &Arc<tokio::sync::Notify>) -> Option<watch::Watcher> {
    let notify = Arc::clone(changed);
    match watch::watch_file(&settings.config_file, DEBOUNCE, move || notify.notify_one()) {
        Ok(w) => Some(w),
        Err(e) => {
            tracing::warn!(error = %e, "trying the config again at every tick");
            None
        }
    }
}
