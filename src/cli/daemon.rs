//! `creditwatch run`: the daemon in the foreground (what launchd and systemd start), or
//! detached with `--detach` for running by hand.

use super::Context;
use crate::daemon::lock::{self, LockError};
use crate::daemon::signals::Signals;
use crate::daemon::{self, DaemonError, Progress, Settings};
use anyhow::Context as _;
use std::path::PathBuf;

/// `creditwatch run`'s options.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RunArgs {
    /// Leave the terminal and run in the background (not under launchd or systemd, which
    /// want the process in the foreground). Logs go to the log file.
    #[arg(long)]
    pub detach: bool,
    /// Write logs to this file instead of standard error, rotated at 10 MiB.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// For tests of the real binary: the daemon's clock starts at `--now` and runs this
    /// many times faster than real time, so hours pass in seconds without a wait.
    #[cfg(feature = "testkit")]
    #[arg(long, hide = true, value_name = "FACTOR")]
    pub clock_speed: Option<f64>,
}

impl RunArgs {
    /// The log file in force: `--log`, or the default one when detached.
    pub(crate) fn log_file(&self, paths: &crate::paths::Paths) -> Option<PathBuf> {
        self.log
            .clone()
            .or_else(|| self.detach.then(|| paths.log_dir.join("creditwatch.log")))
    }
}

/// Runs the daemon until SIGTERM or SIGINT; a second SIGINT exits at once.
pub fn run(ctx: Context, args: &RunArgs) -> anyhow::Result<()> {
    if args.detach {
        // Said here, in the terminal: once detached, nobody would read it.
        if let Err(e @ LockError::Held { .. }) = lock::acquire(&ctx.paths.lock_file()) {
            println!("creditwatch: {e}");
            return Ok(());
        }
        detach(&ctx)?;
    }
    crate::logfile::cap_stderr(crate::logfile::CAP);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    #[cfg(feature = "testkit")]
    let speed = args.clock_speed;
    #[cfg(not(feature = "testkit"))]
    let speed = None;
    let result = runtime.block_on(serve(ctx, speed));
    // Do not wait for a send still in flight: it is back in the outbox.
    runtime.shutdown_background();
    result
}

async fn serve(ctx: Context, clock_speed: Option<f64>) -> anyhow::Result<()> {
    // Before the lock: a stop that comes while starting is a clean stop.
    let mut signals = Signals::install().map_err(DaemonError::Signals)?;
    // Held until the process ends; a second `run` finds it taken and leaves quietly.
    let _lock = match lock::acquire(&ctx.paths.lock_file()) {
        Ok(lock) => lock,
        Err(e @ LockError::Held { .. }) => {
            println!("creditwatch: {e}");
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    let shutdown = async move {
        signals.stopped().await;
        tokio::spawn(async move {
            signals.interrupted().await;
            eprintln!("creditwatch: interrupted again; exiting now");
            std::process::exit(130);
        });
    };
    let start = ctx.now;
    let mut settings = Settings::new(ctx.paths, ctx.config_file);
    if let Some(speed) = clock_speed {
        let began = std::time::Instant::now();
        settings.clock =
            std::sync::Arc::new(move || start + (began.elapsed().as_secs_f64() * speed) as i64);
    }
    let (progress, _) = tokio::sync::watch::channel(Progress::default());
    daemon::run(settings, shutdown, progress).await?;
    Ok(())
}

/// Forks into the background, before the async runtime exists (threads do not survive a
/// fork). Standard output and error go to the log folder.
fn detach(ctx: &Context) -> anyhow::Result<()> {
    let dir = &ctx.paths.log_dir;
    crate::private::create_dir(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let out = crate::private::options()
        .create(true)
        .append(true)
        .open(dir.join("stderr.log"))
        .with_context(|| format!("cannot open {}", dir.join("stderr.log").display()))?;
    crate::private::tighten_open(&out)?;
    let err = out.try_clone()?;
    println!(
        "creditwatch: running in the background; logs in {}\nStop it with `creditwatch stop`.",
        dir.display()
    );
    daemonize::Daemonize::new()
        .working_directory("/")
        .stdout(out)
        .stderr(err)
        .start()
        .context("cannot run in the background")
}
