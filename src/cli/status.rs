//! `creditwatch status`: whether the daemon runs and how it is doing, read without
//! disturbing it: the lock says whether it runs, `daemon.json` what it last did, and the
//! database (opened read-only) the sources' health, alerts, silences and outbox.

use super::Context;
use super::table::Table;
use crate::alert::{CONFIG_ERRORS, RULE_ERRORS};
use crate::config::Config;
use crate::daemon::state::State;
use crate::format::duration;
use crate::store::{AlertRow, ChannelHealth, HealthRow, OutboxRow, SilenceRow, Store};
use crate::vocab::AlertState;
use serde::Serialize;
use std::fmt::Write as _;
use std::process::ExitCode;

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

fn render(s: &Status, now: i64) -> String {
    let mut out = daemon_lines(s, now);
    out.push('\n');
    if let Some(e) = &s.database_error {
        let _ = writeln!(out, "Cannot read the database: {e}\n");
        return out;
    }
    out.push_str(&sources(&s.sources, s.daemon.running, now));
    out.push_str(&alerts(&s.alerts, &s.rule_errors, now));
    if !s.silences.is_empty() {
        let _ = writeln!(
            out,
            "Silences\n{}",
            super::silence::table(s.silences.clone(), now)
        );
    }
    match s.outbox.len() {
        0 => out.push_str("Outbox: empty\n"),
        n => {
            let _ = writeln!(out, "Outbox: {n} waiting (details: `creditwatch outbox`)");
        }
    }
    out.push_str(&channels(&s.channels, &s.outbox, now));
    out.push_str(&reach_lines(s));
    out
}

/// Whether the daemon runs, since when, its last cycle, what it serves and pushes, and
/// what keeps it waiting.
fn daemon_lines(s: &Status, now: i64) -> String {
    let mut out = String::new();
    let d = &s.daemon;
    let _ = match (d.pid, d.uptime_s) {
        (Some(pid), Some(up)) => writeln!(
            out,
            "creditwatch is running (pid {pid}, up {})",
            duration(up)
        ),
        (Some(pid), None) => writeln!(out, "creditwatch is running (pid {pid})"),
        _ => writeln!(
            out,
            "creditwatch is not running (start it with `creditwatch service install` or `creditwatch run`)"
        ),
    };
    if let Some(problem) = &d.degraded {
        let _ = writeln!(out, "Waiting for this to be fixed: {problem}");
    }
    if let (Some(n @ 1..), Some(last)) = (d.crashes, &d.last_crash) {
        let _ = writeln!(
            out,
            "Crashed {n} time(s) since it started, and carried on (last: {last}); please report it"
        );
    }
    if let (Some(at), Some(ms)) = (d.last_cycle_at, d.last_cycle_ms) {
        let _ = writeln!(
            out,
            "Last cycle {}, took {ms} ms",
            crate::format::ago(now, at)
        );
    }
    if let Some(h) = d.remote_write.as_ref().filter(|_| d.running) {
        out.push_str(&remote_write(h, now));
    }
    if let Some(web) = d.web.as_ref().filter(|_| d.running) {
        out.push_str(&serving(web));
    }
    if let Some(problem) = s.config_error.as_ref().filter(|_| d.degraded.is_none()) {
        let _ = writeln!(
            out,
            "The config file does not load; the last good config is in force: {problem}"
        );
    }
    out
}

/// The rules that reach nobody, and the channels that cannot reach the person.
fn reach_lines(s: &Status) -> String {
    let mut out = String::new();
    if !s.rules_reaching_nobody.is_empty() {
        let _ = writeln!(
            out,
            "Rules that reach nobody now: {}",
            s.rules_reaching_nobody.join(", ")
        );
    }
    for (channel, why) in &s.cannot_reach {
        // Channels merely not set up are named only when a rule is left without any.
        // A channel whose sends fail has its own line above.
        let unset = why.starts_with("not configured") || why.starts_with("off in the config");
        let failing = s.channels.iter().any(|c| c.channel.as_str() == channel);
        if !failing && (!unset || !s.rules_reaching_nobody.is_empty()) {
            let _ = writeln!(out, "  {channel} cannot reach you: {why}");
        }
    }
    out
}

/// Where the web server serves, and what it could not, a line each.
fn serving(web: &crate::daemon::state::Serving) -> String {
    let mut out = String::new();
    if let Some(at) = web.dashboard {
        let _ = writeln!(
            out,
            "Dashboard: http://{at}/ (`creditwatch dashboard` opens it with its token)"
        );
    }
    if let Some(at) = web.metrics {
        let _ = writeln!(out, "Metrics: http://{at}/metrics");
    }
    for e in &web.errors {
        let _ = writeln!(out, "Not served: {e}");
    }
    out
}

/// How the push to a team's Prometheus is doing, in one line.
fn remote_write(h: &crate::remote_write::Health, now: i64) -> String {
    let last = h.last_pushed_at.map_or("none yet".to_string(), |at| {
        format!("the last from {}", crate::format::ago(now, at))
    });
    let dropped = match h.dropped {
        0 => String::new(),
        n => format!(", {n} dropped"),
    };
    match &h.last_error {
        None => format!(
            "Remote write: {} pushes taken ({last}), {} waiting{dropped}\n",
            h.pushed, h.waiting
        ),
        Some(e) => format!(
            "Remote write failing, {} waiting{dropped} ({last}): {}\n",
            h.waiting,
            crate::format::clip(e, 160)
        ),
    }
}

/// A line per channel that cannot be reached: since when, how often it was tried, when it
/// is tried next, and what waits for it.
fn channels(failing: &[ChannelHealth], outbox: &[OutboxRow], now: i64) -> String {
    let mut out = String::new();
    for c in failing {
        let waiting = outbox.iter().filter(|r| r.channel == c.channel).count();
        let next = match c.next_try_at - now {
            ..=0 => "at the next tick".to_string(),
            secs => format!("in {}", duration(secs)),
        };
        let _ = writeln!(
            out,
            "Channel {} unavailable since {} ({} tries), next try {next}, {waiting} waiting: {}",
            c.channel,
            crate::format::ago(now, c.failing_since),
            c.failures,
            crate::format::clip(&c.last_error, 160)
        );
    }
    out
}

fn sources(rows: &[SourceStatus], running: bool, now: i64) -> String {
    if rows.is_empty() {
        return "Sources: none polled yet\n\n".into();
    }
    let mut t =
        Table::new(&["account", "source", "health", "last worked", "next poll"]).text_columns(&[2]);
    for r in rows {
        let h = &r.health;
        let health = match &h.error {
            None => "ok".to_string(),
            Some(e) => crate::format::clip(e, 70),
        };
        let worked = h
            .last_success_at
            .map_or("never".into(), |at| crate::format::ago(now, at));
        let next = match r.next_poll_at {
            None if !running => "when the daemon runs".into(),
            None => "when Claude Code reports".into(),
            Some(at) if at <= now => "at the next tick".into(),
            Some(at) => format!("in {}", duration(at - now)),
        };
        t.row(vec![
            r.account.clone(),
            h.source.clone(),
            health,
            worked,
            next,
        ]);
    }
    format!("Sources\n{}\n", t.render())
}

fn alerts(alerts: &[AlertRow], errors: &[AlertRow], now: i64) -> String {
    let mut out = String::new();
    let live: Vec<&AlertRow> = alerts
        .iter()
        .filter(|a| matches!(a.state, AlertState::Firing | AlertState::Pending))
        .collect();
    if live.is_empty() {
        out.push_str("Alerts: none firing or pending\n\n");
    } else {
        let mut t = Table::new(&["rule", "state", "since", "title"]).text_columns(&[1, 3]);
        for a in live {
            let label = match a.key.as_str() {
                "" => a.rule.clone(),
                key => format!("{} [{key}]", a.rule),
            };
            t.row(vec![
                label,
                a.state.to_string(),
                crate::format::ago(now, a.since),
                a.title.clone(),
            ]);
        }
        let _ = writeln!(out, "Alerts\n{}", t.render());
    }
    if !errors.is_empty() {
        let mut t = Table::new(&["file", "error"]).text_columns(&[1]);
        for e in errors {
            t.row(vec![e.key.clone(), e.body.clone()]);
        }
        let _ = writeln!(out, "Rule errors\n{}", t.render());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::remote_write;
    use crate::remote_write::Health;

    #[test]
    fn the_push_says_how_it_is_doing_in_one_line() {
        let ok = Health {
            pushed: 12,
            last_pushed_at: Some(940),
            ..Health::default()
        };
        assert_eq!(
            remote_write(&ok, 1000),
            "Remote write: 12 pushes taken (the last from 1m ago), 0 waiting\n"
        );
        let failing = Health {
            waiting: 3,
            dropped: 2,
            last_error: Some("https://p/api/v1/write: HTTP 503: down".into()),
            ..Health::default()
        };
        assert_eq!(
            remote_write(&failing, 1000),
            "Remote write failing, 3 waiting, 2 dropped (none yet): https://p/api/v1/write: HTTP 503: down\n"
        );
    }
}
