//! `rules replay`'s output: the events of a replay as a readable list.

use crate::alert::replay::Event;
use crate::rule::Rule;
use crate::vocab::Transition;
use jiff::tz::TimeZone;
use std::fmt::Write as _;

/// The events as a readable list.
pub fn render(rule: &Rule, events: &[Event], since: &str, tz: &TimeZone) -> String {
    let mut out = String::new();
    if events.is_empty() {
        let _ = writeln!(
            out,
            "{} would not have fired in the last {since}.",
            rule.name
        );
        return out;
    }
    let zone = events.first().map_or(String::new(), |e| {
        crate::calendar::zoned(e.t, tz)
            .strftime(" (times in %Z)")
            .to_string()
    });
    let _ = writeln!(out, "{} over the last {since}{zone}:", rule.name);
    for e in events {
        let when = crate::calendar::zoned(e.t, tz)
            .strftime("%a %Y-%m-%d %H:%M")
            .to_string();
        let key = if e.key.is_empty() {
            String::new()
        } else {
            format!(" [{}]", e.key)
        };
        let quiet = if e.what == Transition::Resolved.word() && !e.notified {
            " (not notified)"
        } else {
            ""
        };
        let _ = writeln!(out, "  {when}  {:<10}{key} {}{quiet}", e.what, e.text);
    }
    out
}
