//! The command line: arguments, exit codes, and one module per command.
//!
//! Exit codes: 0 success, 1 a runtime failure, 2 a bad configuration. Errors are printed
//! once, as a chain of causes.

mod check;
mod pools;
mod spend;
mod statusline;
mod table;

use crate::config::{Config, ConfigError};
use crate::paths::Paths;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Tells you before your Claude allowance or credits run out, and why.
#[derive(Debug, Parser)]
#[command(name = "creditwatch", version, about)]
pub struct Args {
    /// Config file to use instead of the default one.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Pretend it is this instant (unix seconds), for tests and replays.
    #[arg(long, global = true, hide = true, value_name = "UNIX_SECONDS")]
    pub now: Option<i64>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one full cycle now (read every source, store, build the snapshot) and report.
    Check {
        /// Print the snapshot as JSON, with the field names a rule sees.
        #[arg(long)]
        json: bool,
    },
    /// Claude Code's status line: read its JSON on stdin, record it, print one line.
    Statusline,
    /// What Claude Code has cost you, by app, model, project and day.
    Spend {
        /// How far back: a duration such as `7d` or `12h`, or `all`.
        #[arg(long, default_value = "30d")]
        since: String,
        /// Group days in UTC instead of the local time zone.
        #[arg(long)]
        utc: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// The account, from `[[accounts]]`.
        #[arg(long, default_value = crate::DEFAULT_ACCOUNT)]
        account: String,
    },
}

/// Sends logs to stderr; `RUST_LOG` overrides the default level (warnings).
pub fn init_logging(_args: &Args) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Runs a parsed command and returns the process's exit code.
pub fn run(args: Args) -> ExitCode {
    let paths = Paths::from_env();
    let config_file = args.config.clone().unwrap_or_else(|| paths.config_file());
    let now = args
        .now
        .unwrap_or_else(|| jiff::Timestamp::now().as_second());
    let ctx = Context {
        paths,
        config_file,
        now,
    };
    let result = match args.command {
        Command::Statusline => return statusline::run(&ctx),
        Command::Check { json } => check::run(&ctx, json),
        Command::Spend {
            since,
            utc,
            json,
            account,
        } => spend::run(
            &ctx,
            &spend::Request {
                since: &since,
                utc,
                json,
                account: &account,
            },
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("creditwatch: {e:#}");
            if e.downcast_ref::<ConfigError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// What every command starts from.
pub struct Context {
    /// Where files live.
    pub paths: Paths,
    /// The config file in force.
    pub config_file: PathBuf,
    /// The instant the command runs at.
    pub now: i64,
}

impl Context {
    fn load_config(&self) -> Result<Config, ConfigError> {
        Config::load(&self.config_file)
    }
}
