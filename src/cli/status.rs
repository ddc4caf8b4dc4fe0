//! `creditwatch status`: whether the daemon runs and how it is doing, read without
//! disturbing it: the lock says whether it runs, `daemon.json` what it last did, and the
//! database (opened read-only) the sources' health, alerts, silences and outbox.

use super::Context;
use crate::alert::{CONFIG_ERRORS, RULE_ERRORS};
use crate::config::Config;
use crate::daemon::state::State;
use crate::store::{AlertRow, ChannelHealth, HealthRow, OutboxRow, SilenceRow, Store};
use crate::vocab::AlertState;
use serde::Serialize;
use std::process::ExitCode;

mod render;
use render::render;

/// The exit code when no daemon runs, as `systemctl status` uses it.
const NOT_RUNNING: u8 = 3;

/// Everything `status` reports.
#[derive(Debug, Serialize)]
struct Status {
    daemon: Daemon,
    sources: Vec<SourceStatus>,
    alerts: Vec<AlertRow>,
    rule_errors: Vec<AlertRow>,
    config_error: Option<String>,
    silences: Vec<SilenceRow>,
    outbox: Vec<OutboxRow>,
    /// Notification channels whose last attempt failed (they back off as a whole).
    channels: Vec<ChannelHealth>,
    /// Why the database could not be read (a daemon creating or upgrading it, say).
    database_error: Option<String>,
    /// The channels that cannot reach the person now, and why.
    cannot_reach: std::collections::BTreeMap<String, String>,
    /// The rules none of whose channels can reach the person now.
    rules_reaching_nobody: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Daemon {
    running: bool,
    pid: Option<u32>,
    started_at: Option<i64>,
    uptime_s: Option<i64>,
    degraded: Option<String>,
    last_cycle_at: Option<i64>,
    last_cycle_ms: Option<u64>,
    cycles: Option<u64>,
    /// Steps that crashed since it started (bugs, each in the log), and the last one.
    crashes: Option<u64>,
    last_crash: Option<String>,
    /// How the push to a team's Prometheus is doing, when it is on.
    remote_write: Option<crate::remote_write::Health>,
    /// Where the dashboard and `/metrics` are served, and what could not be.
    web: Option<crate::daemon::state::Serving>,
}

#[derive(Debug, Serialize)]
struct SourceStatus {
    account: String,
    #[serde(flatten)]
    health: HealthRow,
    /// When it is next due, unix seconds; `None` for a source that is pushed to.
    next_poll_at: Option<i64>,
}

/// Prints the status; exits 3 when no daemon runs.
pub fn run(ctx: &Context, json: bool) -> anyhow::Result<ExitCode> {
    let status = gather(ctx)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&status)?);
    } else {
        print!("{}", render(&status, ctx.now));
    }
    Ok(match status.daemon.running {
        true => ExitCode::SUCCESS,
        false => ExitCode::from(NOT_RUNNING),
    })
}

fn gather(ctx: &Context) -> anyhow::Result<Status> {
    let (pid, state) = State::of_running(&ctx.paths);
    let daemon = Daemon {
        running: pid.is_some(),
        pid,
        started_at: state.as_ref().map(|s| s.started_at),
        uptime_s: state.as_ref().map(|s| (ctx.now - s.started_at).max(0)),
        degraded: state.as_ref().and_then(|s| s.degraded.clone()),
        last_cycle_at: state.as_ref().and_then(|s| s.last_cycle_at),
        last_cycle_ms: state.as_ref().and_then(|s| s.last_cycle_ms),
        cycles: state.as_ref().map(|s| s.cycles),
        crashes: state.as_ref().map(|s| s.crashes),
        last_crash: state.as_ref().and_then(|s| s.last_crash.clone()),
        remote_write: state.as_ref().and_then(|s| s.remote_write.clone()),
        web: state.as_ref().map(|s| s.web.clone()),
    };
    // A broken config still gives a status: the defaults stand in for the intervals.
    let config = Config::load(&ctx.config_file).unwrap_or_default();
    let tick = state.as_ref().map_or(config.tick.as_secs(), |s| s.tick_s) as i64;
    let mut status = Status {
        daemon,
        sources: Vec::new(),
        alerts: Vec::new(),
        rule_errors: Vec::new(),
        config_error: None,
        silences: Vec::new(),
        outbox: Vec::new(),
        channels: Vec::new(),
        database_error: None,
        cannot_reach: std::collections::BTreeMap::default(),
        rules_reaching_nobody: Vec::new(),
    };
    // The daemon's own state is worth showing even when the database is not readable.
    let store = match Store::open_read_only(&ctx.paths.database()) {
        Ok(Some(store)) => store,
        Ok(None) => return Ok(status),
        Err(e) => {
            status.database_error = Some(e.to_string());
            return Ok(status);
        }
    };
    for account in &config.accounts {
        for health in store.health(&account.name)? {
            // Nothing polls while no daemon runs.
            let next_poll_at = match status.daemon.running {
                true => next_poll(&config, &health, tick, ctx.now),
                false => None,
            };
            status.sources.push(SourceStatus {
                account: account.name.clone(),
                health,
                next_poll_at,
            });
        }
    }
    for alert in store.alerts()? {
        match alert.rule.as_str() {
            RULE_ERRORS if alert.state == AlertState::Firing => status.rule_errors.push(alert),
            CONFIG_ERRORS if alert.state == AlertState::Firing => {
                status.config_error = Some(alert.body);
            }
            RULE_ERRORS | CONFIG_ERRORS => {}
            _ => status.alerts.push(alert),
        }
    }
    status.silences = store.silences(ctx.now)?;
    status.outbox = store.outbox_backlog()?;
    status.channels = store.channels_failing()?;
    reach(ctx, &config, &store, &mut status);
    Ok(status)
}

/// Which channels cannot reach the person, and which rules then reach nobody.
fn reach(ctx: &Context, config: &Config, store: &Store, status: &mut Status) {
    use crate::notify::reach::Reach;
    let survey = super::reach::survey(config, Some(store));
    for (channel, r) in survey.all() {
        if let Reach::Off(why) = r {
            if !super::reach::team_channel_unset(*channel, r) {
                status.cannot_reach.insert(channel.to_string(), why.clone());
            }
        }
    }
    let tz = crate::calendar::local_zone();
    let rules = crate::rule::RuleSet::load(&ctx.rules_dir(config), &tz, ctx.now);
    status.rules_reaching_nobody = rules
        .rules()
        .filter(|r| survey.split(&r.meta.channels).0.is_empty())
        .map(|r| r.name.clone())
        .collect();
}

/// When a source is next polled: its interval after the last attempt, or the end of its
/// backoff; the logs are read at every tick unless given an interval.
fn next_poll(config: &Config, health: &HealthRow, tick: i64, now: i64) -> Option<i64> {
    let interval = match health.source.as_str() {
        crate::source::statusline::NAME => return None,
        crate::source::claude_code_logs::NAME => {
            config.logs.interval.map_or(tick, |d| d.as_secs() as i64)
        }
        crate::source::claude_oauth::NAME => config.oauth.interval.as_secs() as i64,
        crate::source::anthropic_admin::NAME => config
            .admin
            .as_ref()
            .map_or(config.poll_interval.as_secs(), |a| a.interval.as_secs())
            as i64,
        name => config
            .commands
            .iter()
            .find(|c| c.name == name)
            .map_or(config.poll_interval.as_secs(), |c| c.interval.as_secs())
            as i64,
    };
    // As the daemon sees it: an attempt dated in the future (the clock went back) was now.
    let attempted = health.last_attempt_at.min(now);
    let backoff = health
        .backoff_until
        .map_or(0, |b| b - (health.last_attempt_at - attempted));
    Some((attempted + interval).max(backoff))
}
