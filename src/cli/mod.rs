//! The command line: arguments, exit codes, and one module per command.
//!
//! Exit codes: 0 success, 1 a runtime failure, 2 a bad configuration. Errors are printed
//! once, as a chain of causes.

mod alerts;
mod backtest;
mod check;
mod daemon;
mod dashboard;
mod forecast;
mod generate;
mod logging;
mod notify;
mod outbox;
mod plan;
mod pools;
mod reach;
mod replay;
mod report_table;
mod rules;
mod service;
mod silence;
mod spend;
mod status;
mod statusline;
mod stop;
mod table;

use crate::config::{Config, ConfigError};
use crate::paths::Paths;
use crate::rule::RuleSet;
use crate::rule::examples::FirstRun;
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

/// Sets up logging for the command (see `logging`).
pub fn init_logging(args: &Args) {
    logging::init(args);
}

/// An instant on the command line: unix seconds, or an RFC 3339 date and time.
fn parse_instant(text: &str) -> Result<i64, String> {
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

/// The environment variable that sets the clock for a whole run, effects included (unlike
/// `--now`, a dry run): to replay a scenario at a fixed instant.
pub const NOW_ENV: &str = "CREDITWATCH_NOW";

/// The environment variable naming the config file (`--config` wins over it); the
/// installed service sets it.
pub const CONFIG_ENV: &str = "CREDITWATCH_CONFIG";

/// Runs a parsed command and returns the process's exit code.
pub fn run(args: Args) -> ExitCode {
    if !matches!(args.command, Command::Run(_)) {
        end_quietly_on_a_closed_pipe();
    }
    let paths = Paths::from_env();
    let config_file = args
        .config
        .clone()
        .or_else(|| {
            std::env::var_os(CONFIG_ENV)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
        .unwrap_or_else(|| paths.config_file());
    let clock = match std::env::var(NOW_ENV).ok().filter(|v| !v.is_empty()) {
        Some(text) => match parse_instant(&text) {
            Ok(t) => Some(t),
            Err(e) => {
                eprintln!("creditwatch: {NOW_ENV}: {e}");
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    let now = args
        .now
        .or(clock)
        .unwrap_or_else(|| jiff::Timestamp::now().as_second());
    let ctx = Context {
        paths,
        config_file,
        now,
        pretend: args.now.is_some(),
    };
    // The status line must answer in milliseconds, and completions and the man page come
    // from the arguments alone; every other command (the daemon first) makes what
    // creditwatch left readable by others private again.
    if !matches!(
        args.command,
        Command::Statusline | Command::Completions { .. } | Command::Man
    ) {
        crate::private::secure(&ctx.paths).log();
    }
    let result = match args.command {
        Command::Statusline => return statusline::run(&ctx),
        Command::Completions { shell } => return generate::completions(shell),
        Command::Man => return generate::man(),
        Command::Run(run) => daemon::run(ctx, &run),
        Command::Check { json } => check::run(&ctx, json),
        Command::Plan { json } => plan::show(&ctx, json),
        Command::Forecast(args) => match args.command {
            None => forecast::show(&ctx, args.json),
            Some(ForecastCommand::Backtest {
                since,
                pool,
                account,
                json,
            }) => backtest::backtest(
                &ctx,
                &backtest::BacktestRequest {
                    since: &since,
                    pool: &pool,
                    account: &account,
                    json,
                },
            ),
        },
        Command::Rules { command } => return finish(run_rules(&ctx, command, args.now)),
        Command::Silence(args) => run_silence(&ctx, args),
        Command::Outbox { json } => outbox::run(&ctx, json),
        Command::Status { json } => return finish(status::run(&ctx, json)),
        Command::Stop => return finish(stop::run(&ctx)),
        Command::Service { command } => return finish(service::run(&ctx, command)),
        Command::Notify {
            command: NotifyCommand::Test { channel },
        } => notify::test(&ctx, &channel),
        Command::Spend(args) => spend::run(&ctx, &args),
        Command::Dashboard { print, new_token } => dashboard::run(&ctx, print, new_token),
    };
    finish(result.map(|()| ExitCode::SUCCESS))
}

/// Runs a `rules` command; `at` is `--now` when it was given.
fn run_rules(ctx: &Context, command: RulesCommand, at: Option<i64>) -> anyhow::Result<ExitCode> {
    match command {
        RulesCommand::Check { json } => rules::check(ctx, json),
        RulesCommand::Test {
            rule,
            snapshot,
            now,
            json,
        } => rules::test(ctx, &rule, &snapshot, now.or(at), json),
        RulesCommand::Replay {
            rule,
            since,
            step,
            json,
        } => rules::replay(ctx, &rule, &since, &step, json),
    }
}

fn run_silence(ctx: &Context, args: SilenceArgs) -> anyhow::Result<()> {
    match (args.command, args.rule, args.length) {
        (Some(SilenceCommand::List { json }), _, _) => silence::list(ctx, json),
        (Some(SilenceCommand::Remove { id }), _, _) => silence::remove(ctx, id),
        (None, Some(rule), Some(length)) => silence::add(ctx, &rule, args.key.as_deref(), &length),
        (None, _, _) => anyhow::bail!("usage: creditwatch silence RULE [--key KEY] --for DURATION"),
    }
}

/// Lets a closed pipe end the command as it ends other Unix tools: `creditwatch check |
/// head -1` stops quietly (status 141 in the shell) once `head` has read its line. Rust
/// ignores SIGPIPE, which turns every later print into a panic. The daemon keeps ignoring
/// it: a log reader that goes away must not stop it.
fn end_quietly_on_a_closed_pipe() {
    // SAFETY: restoring the default action of one signal before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Prints an error once, as a chain, and picks the exit code.
fn finish(result: anyhow::Result<ExitCode>) -> ExitCode {
    match result {
        Ok(code) => code,
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
    /// Whether `now` is pretended (`--now`): `check` and `spend` are then dry runs.
    pub pretend: bool,
}

/// The database a command reads sources into: the real one, or a dry run's copy.
enum Working {
    Real(crate::store::Store),
    Rehearsal(crate::store::Rehearsal),
}

impl Working {
    fn store(&mut self) -> &mut crate::store::Store {
        match self {
            Working::Real(s) => s,
            Working::Rehearsal(r) => r.store(),
        }
    }
}

/// What a report says before there is any history.
const NO_HISTORY: &str = "No history yet: run `creditwatch check`, or start the daemon.";

impl Context {
    /// The database to read sources and transcripts into: with `--now`, a copy thrown away
    /// at the end, so a pretended instant leaves nothing a later run relies on.
    fn working_store(&self) -> Result<Working, crate::store::StoreError> {
        let db = self.paths.database();
        Ok(match self.pretend {
            true => Working::Rehearsal(crate::store::Rehearsal::open(&db)?),
            false => Working::Real(crate::store::Store::open(&db)?),
        })
    }

    /// The history to report from, read-only; `None`, having said what to do, when there
    /// is none yet.
    fn history(&self) -> Result<Option<crate::store::Store>, crate::store::StoreError> {
        let store = crate::store::Store::open_read_only(&self.paths.database())?;
        if store.is_none() {
            println!("{NO_HISTORY}");
        }
        Ok(store)
    }

    fn load_config(&self) -> Result<Config, ConfigError> {
        Config::load(&self.config_file)
    }

    /// The rules folder in force.
    fn rules_dir(&self, config: &Config) -> PathBuf {
        config.rules_folder(&self.paths)
    }

    /// Loads the rules, creating the folder with the example rules on the first run.
    fn load_rules(&self, config: &Config, tz: &jiff::tz::TimeZone) -> RuleSet {
        let dir = self.rules_dir(config);
        let (rules, first) = crate::rule::examples::open_folder(&dir, tz, self.now);
        match first {
            FirstRun::Created => eprintln!("Created {} with the example rules.", dir.display()),
            FirstRun::Existed => {}
            FirstRun::Failed(e) => {
                eprintln!("warning: cannot create rules folder {}: {e}", dir.display());
            }
        }
        rules
    }
}
