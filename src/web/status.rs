//! The page's lower half: what is going on rather than where the pools stand. Firing and
//! pending alerts, rules that fail (with file and line), each source's health and the
//! outbox's backlog.

use super::svg::escape;
use crate::rule::RuleError;
use crate::snapshot::Snapshot;
use crate::store::AlertRow;
use crate::vocab::AlertState;
use std::fmt::Write as _;

/// Firing and pending alerts, most recent first as the store gives them. The alert that
/// tells of broken rules is left out: [`rules`] lists them, each with its line.
pub(super) fn alerts(out: &mut String, alerts: &[AlertRow], now: i64) {
    out.push_str("<section><h2>Alerts</h2>");
    let live: Vec<&AlertRow> = alerts
        .iter()
        .filter(|a| a.state != AlertState::Inactive && a.rule != crate::alert::RULE_ERRORS)
        .collect();
    if live.is_empty() {
        out.push_str("<p>Nothing fires.</p>");
    }
    out.push_str("<ul class=\"alerts\">");
    for a in live {
        let since = crate::format::ago(now, a.fired_at.unwrap_or(a.since));
        let key = if a.key.is_empty() {
            String::new()
        } else {
            format!(" ({})", a.key)
        };
        let _ = write!(
            out,
            "<li class=\"{} {}\"><strong>{}</strong>{} — {}: {} <span class=\"since\">{} since {since}</span></li>",
            a.state,
            a.severity,
            escape(&a.rule),
            escape(&key),
            escape(&a.title),
            escape(&a.body),
            a.state
        );
    }
    out.push_str("</ul></section>");
}

/// Rules that do not load or fail when run, each with its file and line.
pub(super) fn rules(out: &mut String, errors: &[RuleError]) {
    if errors.is_empty() {
        return;
    }
    out.push_str("<section><h2>Rules with errors</h2><ul class=\"rule-errors\">");
    for e in errors {
        let _ = write!(
            out,
            "<li class=\"failing\"><code>{}</code></li>",
            escape(&e.to_string())
        );
    }
    out.push_str("</ul></section>");
}

/// Each account's sources and their health, then the outbox.
pub(super) fn sources(out: &mut String, s: &Snapshot, waiting: usize) {
    out.push_str("<section><h2>Sources</h2><ul class=\"sources\">");
    for (account, a) in &s.accounts {
        for (name, h) in &a.sources {
            let state = match (h.ok, h.stale) {
                (true, false) => "ok",
                (true, true) => "stale",
                _ => "failing",
            };
            let error = h
                .error
                .as_deref()
                .map_or(String::new(), |e| format!(": {}", escape(e)));
            let _ = write!(
                out,
                "<li class=\"{state}\">{} · {}: {state}{error}</li>",
                escape(account),
                escape(name)
            );
        }
    }
    let _ = write!(
        out,
        "</ul><p>Outbox: {waiting} notifications waiting.</p></section>"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(rule: &str, state: AlertState) -> AlertRow {
        let mut row = AlertRow::example(rule, "", state);
        row.title = format!("title of {rule}");
        row
    }

    #[test]
    fn firing_and_pending_alerts_are_listed_but_not_the_broken_rules_alert() {
        let rows = [
            alert("credits-low", AlertState::Firing),
            alert("window-full", AlertState::Pending),
            alert("gone", AlertState::Inactive),
            alert(crate::alert::RULE_ERRORS, AlertState::Firing),
        ];
        let mut out = String::new();
        alerts(&mut out, &rows, 0);
        assert!(out.contains("title of credits-low") && out.contains("title of window-full"));
        assert!(!out.contains("title of gone"), "{out}");
        assert!(
            !out.contains(crate::alert::RULE_ERRORS),
            "listed under rules: {out}"
        );
    }
}
