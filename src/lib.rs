//! creditwatch tells a person, before it happens, that their Claude allowance or credits
//! are about to run out, and why.
//!
//! # The pipeline
//!
//! ```text
//!  sources ──poll──▶ store ──▶ snapshot ──▶ rules ──▶ alerts ──▶ outbox (──▶ notifiers)
//!  (logs, statusline,  SQLite    at `now`    Luau     hold,      SQLite
//!   claude_oauth,                            sandbox  repeat,
//!   anthropic_admin,                                  silences
//!   command)
//! ```
//!
//! 1. [`source`]: each source reads one billing pool. `claude_code_logs` tails Claude
//!    Code's transcripts and stores every billed response once; `statusline` records the
//!    plan windows Claude Code hands its status line; `claude_oauth` asks Anthropic's
//!    OAuth endpoints for plan windows, extra usage and the prepaid credit balance;
//!    `anthropic_admin` reads an organisation's API cost and usage reports; `command`
//!    runs the user's programs for any other pool or app. Logs and OAuth run once per
//!    account (`[[accounts]]`); the network sources share [`source::gate`] for politeness.
//! 2. [`store`]: one SQLite file, the only state: samples, facts, responses, offsets,
//!    health and each endpoint's backoff.
//! 3. [`snapshot`]: built from the store alone at one instant `now`, with burn rates and
//!    projections; what `check --json` prints and what rules will see.
//! 4. [`rule`]: the user's Luau files, each evaluated against the snapshot in a fresh
//!    sandbox (memory cap, time budget); a broken file keeps its last good version.
//! 5. [`alert`]: alert instances per (rule, key) with hold, repeat and resolve, silences
//!    and quiet hours, all in the store; what is due becomes outbox rows, one per channel,
//!    in the same transaction as the state that decided it.
//! 6. [`cycle`]: one pass of all of the above, committed (the daemon) or rehearsed and
//!    rolled back (`check`). The transcripts are read first; the network and command
//!    sources are then asked at the same time on the tokio runtime, under one deadline;
//!    the snapshot, the rules and the alert pass follow on the blocking thread.
//! 7. [`daemon`]: `creditwatch run`, the loop that runs a cycle each tick on a blocking
//!    thread, delivers through [`notify`] (each channel's sends at the same time, on the
//!    runtime), reloads rules when the folder changes or on SIGHUP, waits degraded on a
//!    broken config, holds the single-instance lock, cancels what is in flight when it is
//!    stopped (a `CancellationToken`), and writes its state for `status`; [`metrics`]
//!    serves the last cycle as Prometheus text, and [`remote_write`] pushes it to a
//!    team's Prometheus on a task of its own. Alertmanager is a channel of [`notify`] like the others.
//! 8. [`service`]: the launchd agent and systemd user unit that start the daemon at login.
//!
//! # Module map
//!
//! - [`config`]: `config.toml`, parsed then validated, errors with file, line and key.
//! - [`paths`]: where files live on each platform (`CREDITWATCH_HOME` overrides).
//! - [`names`]: the names samples and facts are stored under (`credits.balance_usd`, ...),
//!   in one place, and [`names::Metric`] for the pools' levels.
//! - [`price`]: the bundled price table, overrides, and the long-context rule.
//! - [`calendar`]: local days and months in the user's time zone.
//! - [`mod@format`]: money, durations and percentages as people read them.
//! - [`vocab`]: the closed sets of words stored and shown (severity, alert state,
//!   transition, outbox state), as enums.
//! - [`plan`]: does the plan fit (`creditwatch plan`, `s.plan.fit`): what was paid, the
//!   API-equivalent, each plan's limited days scaled from the window history, a verdict.
//! - [`report`]: spend reports (`creditwatch spend`): rows by day, week, month, session,
//!   5-hour block, model, project or app, with columns, shares and totals.
//! - [`http`]: the HTTP client network sources and the webhook share, on the tokio runtime
//!   (timeouts, body cap), and `block_on` for the blocking parts that use it.
//! - [`secret`]: tokens and keys that never print, and redaction.
//! - [`team_server`]: the client of a team's server (Alertmanager, remote write): one POST,
//!   its CA and credentials, the answer sorted the same way for both.
//! - [`logfile`]: the daemon's size-capped log file.
//! - [`watch`]: one signal per burst of changes to the rules folder or the config file.
//! - [`private`]: folders 0700 and files 0600, whatever the umask.
//! - [`cli`]: the commands; `main.rs` only parses arguments and hands over.
//!
//! Only the top of the program reads the clock: everything below takes `now`.

pub mod alert;
pub mod calendar;
pub mod cli;
pub mod config;
pub mod cycle;
pub mod daemon;
pub mod forecast;
pub mod format;
pub mod http;
pub mod logfile;
pub mod metrics;
pub mod names;
pub mod notify;
pub mod paths;
pub mod plan;
pub mod price;
pub mod private;
pub mod process;
pub mod remote_write;
pub mod report;
pub mod rule;
pub mod secret;
pub mod service;
pub mod snapshot;
pub mod source;
pub mod store;
pub mod team_server;
pub mod textfile;
pub mod vocab;
pub mod watch;
pub mod web;

/// The account used when none is configured.
pub const DEFAULT_ACCOUNT: &str = "default";
