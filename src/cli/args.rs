//! The command line's arguments, as clap parses them: the global options, the commands and
//! their own options. What each command does lives in its own module.

use super::{daemon, service, spend};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Tells you before your Claude allowance or credits run out, and why.
#[derive(Debug, Parser)]
#[command(name = "creditwatch", version, about)]
pub struct Args {
    /// Config file to use instead of the default one.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Pretend it is this instant, for `check`, `spend`, `forecast`, `status`, `statusline`
    /// and the `rules` commands: unix seconds or a date and time
    /// (`2026-11-20T09:00:00+01:00`), before the command (`creditwatch --now TIME check`).
    /// `check` and `spend` are then dry runs: they show what they would at that instant
    /// and store nothing. `rules test` evaluates the rule at it instead of the snapshot's
    /// `now`, to try rules that look at the clock.
    #[arg(long, value_name = "TIME", value_parser = parse_instant)]
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
    /// Run the daemon in the foreground: a cycle every 15 seconds, rules reloaded when
    /// they change (`--detach` to run in the background by hand).
    Run(daemon::RunArgs),
    /// Open the daemon's page in the browser (the address, with its token).
    Dashboard {
        /// Print the address only; do not open a browser.
        #[arg(long)]
        print: bool,
        /// Make a new token first: the old address stops opening the page at once.
        #[arg(long)]
        new_token: bool,
    },
    /// What Claude Code has cost you, by app, model, project and day.
    Spend(spend::SpendArgs),
    /// When each pool runs out, with its range and method (`forecast backtest` for how
    /// good that has been on your own history).
    Forecast(ForecastArgs),
    /// Does your plan fit? What you paid, the same use at API prices, each plan's limited
    /// days, and the cheapest that would have done.
    Plan {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check, try and replay rules.
    Rules {
        /// What to do with the rules.
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Hold back a rule's notifications for a while (`silence list`, `silence remove ID`).
    Silence(SilenceArgs),
    /// Try a notification channel: `notify test email`.
    Notify {
        /// What to do.
        #[command(subcommand)]
        command: NotifyCommand,
    },
    /// Start creditwatch at login (launchd or systemd): `service install | uninstall |
    /// status | restart`.
    Service {
        /// What to do.
        #[command(subcommand)]
        command: service::ServiceCommand,
    },
    /// Whether the daemon runs and how it is doing: last cycle, sources, alerts, rule
    /// errors, outbox (exit 3 when it does not run).
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Stop the running daemon (the login service or one started by hand) and wait until
    /// it is gone.
    Stop,
    /// Notifications waiting to be sent, being retried, or given up on, with their errors.
    Outbox {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the shell completion script: `creditwatch completions zsh > _creditwatch`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `creditwatch man > creditwatch.1`.
    Man,
}

/// `creditwatch notify ...`.
#[derive(Debug, Subcommand)]
pub enum NotifyCommand {
    /// Send a real test message through a channel and report each step.
    Test {
        /// `desktop`, `email`, `webhook` or `alertmanager`.
        channel: String,
    },
}

/// `creditwatch rules ...`.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Load every rule file; exit 1 if any is broken.
    Check {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Evaluate one rule file against a saved snapshot (`check --json`); nothing is sent.
    Test {
        /// The rule: a file, or the name of one in the rules folder (`daily-digest`).
        rule: PathBuf,
        /// The snapshot, as `creditwatch check --json` prints it.
        #[arg(long, value_name = "FILE")]
        snapshot: PathBuf,
        /// Evaluate at this instant instead of the snapshot's `now` (unix seconds or
        /// `2026-11-20T08:00:00+01:00`), to try rules that look at the clock.
        #[arg(long, value_name = "TIME", value_parser = parse_instant)]
        now: Option<i64>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Evaluate one rule file over stored history and list when it would have fired.
    Replay {
        /// The rule: a file, or the name of one in the rules folder.
        rule: PathBuf,
        /// How far back, like `7d`.
        #[arg(long, default_value = "7d")]
        since: String,
        /// Time between evaluations.
        #[arg(long, default_value = "5m")]
        step: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `creditwatch forecast [backtest]`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ForecastArgs {
    /// `backtest`.
    #[command(subcommand)]
    pub command: Option<ForecastCommand>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `creditwatch forecast backtest`.
#[derive(Debug, Subcommand)]
pub enum ForecastCommand {
    /// Replay the forecaster hour by hour over your stored history and show how close it
    /// came, next to the hour-of-week profile and the 7-day average rate alone.
    Backtest {
        /// How much history to replay, like `60d`.
        #[arg(long, default_value = "60d")]
        since: String,
        /// `credits`, `extra_usage`, or a plan window (`five_hour`, `seven_day`, ...).
        #[arg(long, default_value = "credits")]
        pool: String,
        /// The account, from `[[accounts]]`.
        #[arg(long, default_value = crate::DEFAULT_ACCOUNT)]
        account: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `creditwatch silence ...`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct SilenceArgs {
    /// `list` or `remove`.
    #[command(subcommand)]
    pub command: Option<SilenceCommand>,
    /// The rule to silence: its file name without `.lua`.
    #[arg(required = true)]
    pub rule: Option<String>,
    /// Silence only this key of the rule (e.g. one app).
    #[arg(long)]
    pub key: Option<String>,
    /// How long, like `8h`.
    #[arg(long = "for", value_name = "DURATION", required = true)]
    pub length: Option<String>,
}

/// `creditwatch silence list | remove`.
#[derive(Debug, Subcommand)]
pub enum SilenceCommand {
    /// List the silences in force.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove a silence; what it held back goes out at the next cycle.
    Remove {
        /// The silence's number, from `silence list`.
        id: i64,
    },
}

/// An instant on the command line: unix seconds, or an RFC 3339 date and time.
pub(super) fn parse_instant(text: &str) -> Result<i64, String> {
    if let Ok(secs) = text.parse::<i64>() {
        return Ok(secs);
    }
    text.parse::<jiff::Timestamp>()
        .map(jiff::Timestamp::as_second)
        .map_err(|_| {
            format!(
                "{text:?} is not an instant: give unix seconds or a date and time such as \
                 2026-11-20T09:00:00+01:00"
            )
        })
}
