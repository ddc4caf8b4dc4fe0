//! A config file that does not load at start. Exiting would make launchd or systemd start
//! the daemon again and again, so it waits instead: it says so once (in the log, on the
//! desktop through the outbox, and in `status`), watches the file, tries again at every
//! tick, on SIGHUP and whenever the file changes, and carries on when the file loads.

use super::state::State;
use super::{DaemonError, Progress, Settings, Shutdown, Wake, Wakes};
use crate::config::{Config, NotifyConfig};
use crate::notify::{self, Delivery};
use crate::rule::watch::{self, DEBOUNCE};
use crate::store::Store;
use std::future::Future;
use std::sync::Arc;
use tokio::sync::watch as channel;

/// Waits until the config loads; returns it, and whether it was broken first. `None` when
/// the stop came first.
pub(super) async fn wait<F: Future<Output = ()>>(
    settings: &Settings,
    state: &mut State,
    wakes: &mut Wakes,
    shutdown: &mut Shutdown<'_, F>,
    progress: &channel::Sender<Progress>,
) -> Result<Option<(Config, bool)>, DaemonError> {
    let mut watcher = None;
    let mut broken = false;
    loop {
        match Config::load(&settings.config_file) {
            Ok(config) => {
                if broken {
                    tracing::info!(file = %settings.config_file.display(), "the config file loads now; starting");
                    state.degraded = None;
                    progress.send_modify(|p| p.degraded = false);
                }
                return Ok(Some((config, broken)));
            }
            Err(e) => {
                let problem = e.to_string();
                broken = true;
                if state.degraded.as_deref() != Some(problem.as_str()) {
                    tracing::error!("{problem}; waiting for the config file to be fixed");
                    state.degraded = Some(problem.clone());
                    state.save(&settings.paths.daemon_state());
                    let now = (settings.clock)();
                    let db = settings.paths.database();
                    let telling = tokio::task::spawn_blocking(move || tell(&db, &problem, now));
                    tokio::select! {
                        told = telling => told.unwrap_or(Ok(()))?,
                        _ = shutdown.as_mut() => return Ok(None),
                    }
                    progress.send_modify(|p| p.degraded = true);
                }
                if watcher.is_none() {
                    watcher = watch_config(settings, &wakes.changed);
                }
            }
        }
        if let Wake::Stop = wakes.next(shutdown).await {
            return Ok(None);
        }
    }
}

/// Raises the config alert and shows it on the desktop (the config that would name other
/// channels is the one that does not load). A desktop that cannot show it leaves it in
/// the outbox, where the daemon sends it once it runs.
fn tell(db: &std::path::Path, problem: &str, now: i64) -> Result<(), DaemonError> {
    let store = Store::open(db)?;
    let tz = crate::calendar::local_zone();
    // The config that would name the channels is the one that does not load.
    crate::alert::config_problem(&store, Some(problem), &["desktop"], &tz, now)?;
    let mut delivery = Delivery::new(notify::build(&NotifyConfig::default()));
    if let Err(e) = delivery.run(&store, now) {
        tracing::warn!("cannot tell the desktop about the config: {e}");
    }
    Ok(())
}

fn watch_config(settings: &Settings, changed: &Arc<tokio::sync::Notify>) -> Option<watch::Watcher> {
    let notify = Arc::clone(changed);
    match watch::watch_file(&settings.config_file, DEBOUNCE, move || notify.notify_one()) {
        Ok(w) => Some(w),
        Err(e) => {
            tracing::warn!("{e}; trying the config again at every tick");
            None
        }
    }
}
