//! The command line: arguments, exit codes, and one module per command.
//!
//! Exit codes: 0 success, 1 a runtime failure, 2 a bad configuration. Errors are printed
//! once, as a chain of causes.

mod alerts;
mod args;
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
use args::parse_instant;
pub use args::{
    Args, Command, ForecastArgs, ForecastCommand, NotifyCommand, RulesCommand, SilenceArgs,
    SilenceCommand,
};
use std::path::PathBuf;
use std::process::ExitCode;

/// Sets up logging for the command (see `logging`).
pub fn init_logging(args: &Args) {
    logging::init(args);
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
