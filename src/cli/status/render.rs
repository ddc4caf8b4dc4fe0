//! `creditwatch status` as text for a person: the daemon, the sources, the alerts, the
//! outbox and the channels, each a few lines.

use super::{SourceStatus, Status};
use crate::cli::table::Table;
use crate::format::duration;
use crate::store::{AlertRow, ChannelHealth, OutboxRow};
use crate::vocab::AlertState;
use std::fmt::Write as _;

/// The status as text for a person.
pub(super) fn render(s: &Status, now: i64) -> String {
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
            crate::cli::silence::table(s.silences.clone(), now)
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
