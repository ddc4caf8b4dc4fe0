//! `creditwatch stop`: stops the running daemon, whichever way it was started (the login
//! service, `run --detach`, `run` in another terminal), and waits until it is gone.

use super::Context;
use crate::daemon::lock;
use crate::service::Manager;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// How long the daemon gets to finish its cycle and let go of its lock.
const GRACE: Duration = Duration::from_secs(30);
/// How long its process is waited for once the lock is let go.
const EXIT_WAIT: Duration = Duration::from_secs(5);

/// Stops the daemon; says so when none runs.
pub fn run(ctx: &Context) -> anyhow::Result<ExitCode> {
    let lock_file = ctx.paths.lock_file();
    let Some(pid) = lock::holder(&lock_file) else {
        println!("creditwatch is not running.");
        return Ok(ExitCode::SUCCESS);
    };
    let manager = Manager::native();
    let installed = manager.file().is_ok_and(|f| f.exists());
    if installed {
        // A daemon the service manager runs is stopped by it, or it would start it again.
        if let Err(e) = manager.stop() {
            eprintln!("creditwatch: {e}; stopping the daemon directly");
        }
    }
    if lock::holder(&lock_file).is_some() && pid > 0 {
        // SAFETY: kill only sends SIGTERM to the pid the daemon wrote in the lock it holds.
        unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) };
    }
    let began = Instant::now();
    while lock::holder(&lock_file).is_some() {
        if began.elapsed() > GRACE {
            anyhow::bail!(
                "creditwatch (pid {pid}) did not stop within {}s; it may be stuck: `kill -9 {pid}`",
                GRACE.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // It lets go of the lock as it ends; the process itself is gone a moment later (a parent
    // that never reaps it would keep its entry: that is not waited on for long).
    let released = Instant::now();
    while crate::process::alive(pid) && released.elapsed() < EXIT_WAIT {
        std::thread::sleep(Duration::from_millis(20));
    }
    println!("Stopped creditwatch (pid {pid}).");
    if installed {
        println!(
            "The login service starts it again at your next login; \
             `creditwatch service uninstall` stops that too."
        );
    }
    Ok(ExitCode::SUCCESS)
}
