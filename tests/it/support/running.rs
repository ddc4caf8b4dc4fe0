//! The daemon in-process, started by a test: its clock is the test's, its tick short, and
//! the test waits for the daemon's own progress rather than for time.

use super::NOW;
use creditwatch::daemon::{self, Progress, Settings};
use creditwatch::paths::Paths;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;
use tokio::sync::{oneshot, watch};

/// A bound on each wait; never reached when all is well.
const ARRIVE: Duration = Duration::from_secs(30);

/// A daemon running in this process.
pub struct Running {
    /// The daemon's clock: tests move it.
    pub clock: Arc<AtomicI64>,
    /// What the daemon has done so far.
    pub progress: watch::Receiver<Progress>,
    stop: oneshot::Sender<()>,
    /// The daemon's task.
    pub task: tokio::task::JoinHandle<Result<(), daemon::DaemonError>>,
}

impl Running {
    /// Starts the daemon under `home` with a 50 ms tick, its clock at `NOW`, and no session
    /// bus unless its config names one.
    pub fn start(home: &Path) -> Running {
        Running::start_with(home, None)
    }

    /// Starts the daemon with `fault` called at the start of each step.
    pub fn start_with(home: &Path, fault: Option<daemon::Fault>) -> Running {
        let clock = Arc::new(AtomicI64::new(NOW));
        let now = Arc::clone(&clock);
        let paths = Paths::under(home);
        let settings = Settings {
            config_file: paths.config_file(),
            paths,
            tick: Some(Duration::from_millis(50)),
            grace: Duration::from_secs(1),
            clock: Arc::new(move || now.load(Ordering::SeqCst)),
            fault: fault.map(daemon::Faults::new).unwrap_or_default(),
            // Desktop notices told without a config (it is broken) go to a bus that is
            // nowhere, so they wait in the outbox rather than reach the desktop of whoever
            // runs the tests.
            desktop_bus: Some(format!("unix:path={}", home.join("no-bus").display())),
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let (tx, progress) = watch::channel(Progress::default());
        let task = tokio::spawn(daemon::run(
            settings,
            async {
                let _ = stopped.await;
            },
            tx,
        ));
        Running {
            clock,
            progress,
            stop,
            task,
        }
    }

    /// Waits until the daemon's progress satisfies `done`; fails the test after 30 s.
    pub async fn until(&mut self, what: &str, done: impl Fn(&Progress) -> bool) -> Progress {
        let wait = self.progress.wait_for(|p| done(p));
        match tokio::time::timeout(ARRIVE, wait).await {
            Ok(p) => p.unwrap().clone(),
            Err(_) => panic!("the daemon never got to: {what}"),
        }
    }

    /// Stops the daemon and checks it ended well.
    pub async fn stop(self) {
        self.stop.send(()).unwrap();
        tokio::time::timeout(ARRIVE, self.task)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
    }
}
