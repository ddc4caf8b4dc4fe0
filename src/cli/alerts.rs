//! The rules part of `check`: each rule's state, what would be sent, silences and the
//! outbox backlog.

use super::table::Table;
use crate::cycle::Report;
use crate::format::duration;
use crate::store::{OutboxRow, Store, StoreError};
use crate::vocab::AlertState;
use jiff::tz::TimeZone;
use std::fmt::Write as _;
use std::path::Path;

/// Renders the rules section of the report.
pub fn render(
    report: &Report,
    dir: &Path,
    store: &Store,
    survey: &crate::notify::reach::Survey,
    (now, tz): (i64, &TimeZone),
) -> Result<String, StoreError> {
    let mut out = String::new();
    let mut t = Table::new(&["rule", "state", "note"]).text_columns(&[1, 2]);
    for e in &report.evaluations {
        match &e.result {
            Err(err) => t.row(vec![e.rule.clone(), "error".into(), err.to_string()]),
            Ok(alerts) if alerts.is_empty() => t.row(vec![
                e.rule.clone(),
                "ok".into(),
                super::reach::rule_note(survey, &e.meta.channels).unwrap_or_default(),
            ]),
            Ok(alerts) => {
                for a in alerts {
                    t.row(alert_row(report, e, a, survey, now));
                }
            }
        }
    }
    for err in &report.broken {
        let kept = report.evaluations.iter().any(|e| e.file == err.file);
        let state = if kept {
            "broken, last good version in force"
        } else {
            "broken"
        };
        t.row(vec![err.file.clone(), state.into(), err.to_string()]);
    }
    if t.is_empty() {
        let _ = writeln!(
            out,
            "Rules ({})\n  no rules: add a .lua file to the folder\n",
            dir.display()
        );
    } else {
        let _ = writeln!(out, "Rules ({})\n{}", dir.display(), t.render());
    }
    out.push_str(&would_send(&report.applied.enqueued, now, tz));
    let silences = store.silences(now)?;
    if !silences.is_empty() {
        let _ = writeln!(out, "Silences\n{}", super::silence::table(silences, now));
    }
    let backlog = store.outbox_backlog()?;
    if !backlog.is_empty() {
        let _ = writeln!(
            out,
            "Outbox: {} notification{} waiting for delivery\n",
            backlog.len(),
            if backlog.len() == 1 { "" } else { "s" }
        );
    }
    Ok(out)
}

/// One alert's row: the rule and key, its state (how long a pending one has left), its
/// title and whom it reaches.
fn alert_row(
    report: &Report,
    e: &crate::rule::Evaluation,
    a: &crate::rule::Alert,
    survey: &crate::notify::reach::Survey,
    now: i64,
) -> Vec<String> {
    let label = match a.key.as_str() {
        "" => e.rule.clone(),
        key => format!("{} [{key}]", e.rule),
    };
    let row = report
        .applied
        .alerts
        .iter()
        .find(|r| r.rule == e.rule && r.key == a.key);
    let state = match row.map(|r| r.state) {
        Some(AlertState::Pending) => {
            let left = row.map_or(0, |r| r.since + e.meta.hold_s - now);
            format!("pending, fires in {}", duration(left.max(0)))
        }
        Some(s) => s.to_string(),
        None => AlertState::Firing.to_string(),
    };
    let note = match super::reach::rule_note(survey, &e.meta.channels) {
        Some(n) => format!("{} ({n})", a.title),
        None => a.title.clone(),
    };
    vec![label, state, note]
}

fn would_send(rows: &[OutboxRow], now: i64, tz: &TimeZone) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let mut t = Table::new(&["channel", "rule", "title", "when"]).text_columns(&[1, 2, 3]);
    for n in rows {
        let when = match n.not_before > now {
            true => format!(
                "{} (quiet hours)",
                crate::calendar::day_name(now, n.not_before, tz)
                    + " "
                    + &crate::calendar::zoned(n.not_before, tz)
                        .strftime("%H:%M %Z")
                        .to_string()
            ),
            false => "now".into(),
        };
        t.row(vec![
            n.channel.to_string(),
            n.rule.clone(),
            n.title.clone(),
            when,
        ]);
    }
    format!("Would send (check sends nothing)\n{}\n", t.render())
}
