//! The page's lower half: what is going on rather than where the pools stand. Firing and
//! pending alerts, rules that fail (with file and line), each source's health and the
//! outbox's backlog.

use crate::rule::RuleError;
use crate::snapshot::Snapshot;
use crate::store::AlertRow;
use crate::vocab::AlertState;
use maud::{Markup, html};

/// Firing and pending alerts, most recent first as the store gives them. The alert that
/// tells of broken rules is left out: [`rules`] lists them, each with its line.
pub(super) fn alerts(alerts: &[AlertRow], now: i64) -> Markup {
    let live: Vec<&AlertRow> = alerts
        .iter()
        .filter(|a| a.state != AlertState::Inactive && a.rule != crate::alert::RULE_ERRORS)
        .collect();
    html! {
        section {
            h2 { "Alerts" }
            @if live.is_empty() { p { "Nothing fires." } }
            ul.alerts {
                @for a in live {
                    li class={ (a.state) " " (a.severity) } {
                        strong { (a.rule) }
                        @if !a.key.is_empty() { " (" (a.key) ")" }
                        " — " (a.title) ": " (a.body) " "
                        span.since {
                            (a.state) " since " (crate::format::ago(now, a.fired_at.unwrap_or(a.since)))
                        }
                    }
                }
            }
        }
    }
}

/// Rules that do not load or fail when run, each with its file and line.
pub(super) fn rules(errors: &[RuleError]) -> Markup {
    if errors.is_empty() {
        return html! {};
    }
    html! {
        section {
            h2 { "Rules with errors" }
            ul."rule-errors" {
                @for e in errors { li.failing { code { (e.to_string()) } } }
            }
        }
    }
}

/// Each account's sources and their health, then the outbox.
pub(super) fn sources(s: &Snapshot, waiting: usize) -> Markup {
    html! {
        section {
            h2 { "Sources" }
            ul.sources {
                @for (account, a) in &s.accounts {
                    @for (name, h) in &a.sources {
                        @let state = match (h.ok, h.stale) {
                            (true, false) => "ok",
                            (true, true) => "stale",
                            _ => "failing",
                        };
                        li class=(state) {
                            (account) " · " (name) ": " (state)
                            @if let Some(e) = &h.error { ": " (e) }
                        }
                    }
                }
            }
            p { "Outbox: " (waiting) " notifications waiting." }
        }
    }
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
        let mut rows = rows;
        rows[0].body = "<script>alert(\"x\")</script> & more".into();
        let out = alerts(&rows, 0).into_string();
        assert!(
            out.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more"),
            "every value escaped: {out}"
        );
        assert!(out.contains("title of credits-low") && out.contains("title of window-full"));
        assert!(!out.contains("title of gone"), "{out}");
        assert!(
            !out.contains(crate::alert::RULE_ERRORS),
            "listed under rules: {out}"
        );
    }
}
