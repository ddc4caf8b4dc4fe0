//! The steady state of the daemon: one step per wake (a cycle and a delivery pass on the
//! blocking thread), its results handed to the page, the push and `status`, and a fresh
//! engine after a step that crashed.

use super::state::State;
use super::{
    DaemonError, Faults, Progress, Settings, Shutdown, Wake, Wakes, crashed, endpoint, engine,
};
use crate::config::Config;
use crate::store::Store;
use engine::Engine;
use std::future::Future;
use std::path::PathBuf;
use std::time::Instant;
use tokio::sync::watch as channel;
use tokio_util::sync::CancellationToken;

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
    fault: Faults,
    (n, now): (u64, i64),
    stop: CancellationToken,
) -> Stepped {
    // Everything this cycle logs (its sources, rules and notifiers) is inside this span.
    let _cycle = tracing::info_span!("cycle", n).entered();
    fault.trip("cycle");
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
pub(super) async fn run<F: Future<Output = ()>>(
    settings: Settings,
    first: Engine,
    state: State,
    mut wakes: Wakes,
    mut shutdown: Shutdown<'_, F>,
    progress: channel::Sender<Progress>,
) -> Result<(), DaemonError> {
    let mut l = Looper::new(settings, first, state, progress);
    loop {
        l.follow_config().await;
        let reload = match wakes.next(&mut shutdown).await {
            Wake::Stop => break,
            Wake::Tick => None,
            Wake::Reload(with_config) => Some(with_config),
        };
        let now = (l.settings.clock)();
        let Some(engine) = l.engine(now).await else {
            continue;
        };
        let began = Instant::now();
        let Some(result) = l.cycle(engine, reload, now, &mut shutdown).await else {
            break;
        };
        let (cycled, sent) = l.keep(result, reload);
        l.publish(cycled, sent, reload.is_some(), (now, began));
    }
    l.server.stop();
    tracing::info!("stopped");
    Ok(())
}

/// What the loop keeps from one wake to the next.
struct Looper {
    settings: Settings,
    state: State,
    progress: channel::Sender<Progress>,
    /// The page and `/metrics`, following the config.
    server: endpoint::Server,
    /// The remote-write push, following the config.
    pushing: endpoint::Pushing,
    /// Stops what a cycle has in flight.
    stop: CancellationToken,
    /// The config a crashed engine starts again with.
    last_good: Config,
    /// `None` after a step crashed, until it is started again.
    engine: Option<Engine>,
}

impl Looper {
    fn new(
        settings: Settings,
        first: Engine,
        state: State,
        progress: channel::Sender<Progress>,
    ) -> Looper {
        let stop = CancellationToken::new();
        Looper {
            settings,
            state,
            progress,
            server: endpoint::Server::default(),
            pushing: endpoint::Pushing::default(),
            stop,
            last_good: first.config().clone(),
            engine: Some(first),
        }
    }

    /// Starts, moves or stops the web server and the push as the config in force says.
    async fn follow_config(&mut self) {
        let Some(e) = &self.engine else { return };
        self.pushing.follow(e.config().remote_write.as_ref());
        let wanted = endpoint::Wanted {
            dashboard: e.config().dashboard,
            metrics: e.config().metrics_listen,
        };
        self.server
            .follow(wanted, &self.settings.paths, &self.progress)
            .await;
    }

    /// The engine for this wake: the one kept, or a fresh one after a crash (`None` when
    /// it cannot be started yet).
    async fn engine(&mut self, now: i64) -> Option<Engine> {
        match self.engine.take() {
            Some(e) => Some(e),
            None => restart(&self.settings, &self.last_good, now).await,
        }
    }

    /// One step on the blocking thread; `None` when the stop came first (what was in
    /// flight has been finished or put back).
    async fn cycle<F: Future<Output = ()>>(
        &mut self,
        e: Engine,
        reload: Option<bool>,
        now: i64,
        shutdown: &mut Shutdown<'_, F>,
    ) -> Option<Result<Stepped, tokio::task::JoinError>> {
        let asked = reload.map(|with_config| (with_config, self.settings.config_file.clone()));
        let fault = self.settings.fault.clone();
        let n = self.state.cycles + 1;
        let stop = self.stop.clone();
        let mut handle = tokio::task::spawn_blocking(move || step(e, asked, fault, (n, now), stop));
        tokio::select! {
            result = &mut handle => Some(result),
            () = shutdown.as_mut() => {
                // Requests and sends in flight are cancelled; their rows wait for the next start.
                self.stop.cancel();
                finish_in_flight(&self.settings, handle, now).await;
                None
            }
        }
    }

    /// Keeps the engine a step gave back (and its config as the last good one when the
    /// step reloaded it); a step that crashed is counted, and leaves no engine.
    fn keep(
        &mut self,
        result: Result<Stepped, tokio::task::JoinError>,
        reload: Option<bool>,
    ) -> (engine::Cycled, usize) {
        match result {
            Ok(stepped) => {
                if reload == Some(true) {
                    self.last_good = stepped.engine.config().clone();
                }
                self.engine = Some(stepped.engine);
                (stepped.cycled, stepped.sent)
            }
            Err(join) => {
                let what = format!("a cycle crashed ({join}); starting again from the store");
                crashed(&self.settings, &mut self.state, &self.progress, &what);
                (engine::Cycled::default(), 0)
            }
        }
    }

    /// Hands a cycle's results on (to the push, the page, `status` and the progress a test
    /// watches), counting what crashed inside it.
    fn publish(
        &mut self,
        cycled: engine::Cycled,
        sent: usize,
        reloaded: bool,
        (now, began): (i64, Instant),
    ) {
        for what in &cycled.crashes {
            crashed(&self.settings, &mut self.state, &self.progress, what);
        }
        if let Some(batch) = cycled.push {
            self.pushing.send(batch);
        }
        if let Some(published) = cycled.published {
            self.server.published.send_replace(published);
        }
        let state = &mut self.state;
        state.cycles += 1;
        state.remote_write = self.pushing.health();
        state.web = self.server.serving.clone();
        state.last_cycle_at = Some(now);
        state.last_cycle_ms = Some(began.elapsed().as_millis() as u64);
        state.save(&self.settings.paths.daemon_state());
        self.progress.send_modify(|p| {
            p.cycles += 1;
            p.reloads += u64::from(reloaded);
            p.enqueued += cycled.enqueued as u64;
            p.sent += sent as u64;
        });
    }
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
            tracing::warn!(error = %e, "stopping; unsent notifications are resent at the next start");
        }
        Err(e) => tracing::warn!(error = %e, "stopping"),
    }
}
