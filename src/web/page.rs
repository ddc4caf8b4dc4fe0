//! The dashboard page, rendered on the server from the same snapshot the rules see: per
//! account, each plan window as a bar with its reset and when it fills, extra usage against
//! its cap, the credit balance over the week with its forecast band, API spend, and spend by
//! app, model and project; then alerts, sources and the outbox. Every chart has its figures
//! in text beside it. No script, font or style from elsewhere: it works offline.
//!
//! The HTML is written with `maud`, which escapes every value it is given: no text can reach
//! the page unescaped by a forgotten call.

use super::svg::{self, Chart, Heading};
use crate::format::{pct, usd};
use crate::snapshot::{Account, Snapshot};
use crate::store::AlertRow;
use jiff::tz::TimeZone;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The style: the system's light or dark setting, no web fonts.
const STYLE: &str = include_str!("page.css");

/// Everything the page is made from.
pub struct Input<'a> {
    /// The cycle's snapshot.
    pub snapshot: &'a Snapshot,
    /// Each account's credit balance over the last week, oldest first.
    pub credits: &'a BTreeMap<String, Vec<(i64, f64)>>,
    /// Every alert instance.
    pub alerts: &'a [AlertRow],
    /// Rules that do not load or failed in this cycle.
    pub rule_errors: &'a [crate::rule::RuleError],
    /// Notifications waiting to be sent.
    pub outbox_waiting: usize,
    /// The user's time zone.
    pub tz: &'a TimeZone,
}

/// The page around `content`, headed `when`. Its only script: after each cycle (a
/// server-sent event) the page's content is fetched again and swapped in place, so an open
/// page never navigates. A refused fetch (the token was replaced) shows why instead.
fn page(when: &str, content: Markup) -> String {
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                title { "creditwatch" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header { h1 { "creditwatch" } p.when { (when) } }
                main { (content) }
                script { (PreEscaped(SCRIPT)) }
            }
        }
    };
    let mut out = page.into_string();
    out.push('\n');
    out
}

/// Fetches the page again after each cycle and swaps its header and content in.
const SCRIPT: &str = "new EventSource('/events').onmessage = async () => {\
     const r = await fetch('/');\
     if (!r.ok) { document.querySelector('main').textContent = await r.text(); return; }\
     const d = new DOMParser().parseFromString(await r.text(), 'text/html');\
     for (const part of ['header', 'main']) document.querySelector(part).replaceWith(d.querySelector(part));\
     };";

/// What the page says before the daemon's first cycle; it fills in after that cycle.
pub fn waiting() -> String {
    page(
        "Starting",
        html! { p { "creditwatch is reading your pools; the page fills in after its first cycle." } },
    )
}

/// The whole page.
pub fn render(input: &Input) -> String {
    let s = input.snapshot;
    let when = crate::calendar::zoned(s.now, input.tz).strftime("%a %-d %b %H:%M %Z");
    let content = html! {
        @for (name, account) in &s.accounts {
            (account_section(
                name,
                account,
                input.credits.get(name).map_or(&[][..], Vec::as_slice),
                s.now,
                input.tz,
            ))
        }
        (super::status::alerts(input.alerts, s.now))
        (super::status::rules(input.rule_errors))
        (super::status::sources(s, input.outbox_waiting))
    };
    page(&format!("As of {when}"), content)
}

fn account_section(
    name: &str,
    a: &Account,
    history: &[(i64, f64)],
    now: i64,
    tz: &TimeZone,
) -> Markup {
    html! {
        section.account {
            h2 { (name) }
            (windows(a, now, tz))
            (extra_usage(a, now, tz))
            (credits(a, history, now, tz))
            (api(a))
            (super::plan::render(a))
            (super::spend::render(a))
        }
    }
}

/// A bar filled to `share` (0 to 1), coloured by how full it is, with its text.
fn bar(label: &str, share: f64, text: &str) -> Markup {
    let width = (share * 100.0).clamp(0.0, 100.0);
    let level = match share {
        s if s >= 0.9 => "high",
        s if s >= 0.7 => "mid",
        _ => "low",
    };
    html! {
        div."bar-row" {
            span."bar-label" title=(label) { (label) }
            span.bar role="img" aria-label=(text) {
                span class={ "fill " (level) } style={ "width:" (super::svg::Tenth(width)) "%" } {}
            }
            span."bar-text" { (text) }
        }
    }
}

fn windows(a: &Account, now: i64, tz: &TimeZone) -> Markup {
    if a.plan.windows.is_empty() {
        return html! {};
    }
    let bars = a.plan.windows.iter().map(|(key, w)| {
        let mut text = format!("{} used", pct(w.used_pct));
        if let Some(r) = w.resets_at {
            let _ = write!(text, ", resets in {}", crate::format::duration(r - now));
        }
        match (w.full_at, crate::format::learning(&w.method)) {
            (Some(full), _) => {
                let _ = write!(text, "; full {}", when(now, full, tz));
            }
            (None, Some(learning)) => {
                let _ = write!(text, "; {learning}");
            }
            (None, None) => {}
        }
        bar(&crate::format::window_name(key), w.used_pct / 100.0, &text)
    });
    html! {
        h3 { "Plan windows" }
        @for b in bars { (b) }
    }
}

fn extra_usage(a: &Account, now: i64, tz: &TimeZone) -> Markup {
    let Some(x) = &a.extra_usage else {
        return html! {};
    };
    let Some(used) = x.used_usd else {
        return html! {};
    };
    let text = match x.limit_usd {
        Some(cap) => format!("{} of {} this month", usd(used), usd(cap)),
        None => format!("{} this month, no cap", usd(used)),
    };
    let share = x.limit_usd.map_or(0.0, |cap| used / cap.max(1e-9));
    html! {
        h3 { "Extra usage" }
        (bar("This month", share, &text))
        @if let Some(forecast) = month_forecast(x, used, now, tz) {
            p { (forecast) "; it resets " (when(now, x.resets_at, tz)) "." }
        }
    }
}

/// The month's forecast: where the spend ends at the reset, or when it meets the cap.
fn month_forecast(
    x: &crate::snapshot::ExtraUsage,
    used: f64,
    now: i64,
    tz: &TimeZone,
) -> Option<String> {
    let burn = x.burn_usd_per_day?;
    let left = (x.resets_at - now).max(0) as f64 / 86_400.0;
    let mut forecast = format!("At {}/day", usd(burn));
    match (x.limit_at, x.limit_usd) {
        (Some(at), _) if at < x.resets_at => {
            let _ = write!(forecast, " it reaches its cap {}", when(now, at, tz));
            if let (Some(e), Some(l)) = (x.limit_earliest, x.limit_latest) {
                let _ = write!(
                    forecast,
                    " (between {} and {})",
                    when(now, e, tz),
                    when(now, l, tz)
                );
            }
        }
        (_, cap) => {
            let end = cap.map_or(used + burn * left, |c| (used + burn * left).min(c));
            let _ = write!(forecast, " the month ends near {}", usd(end));
        }
    }
    if let Some(cap) = x.cap_needed_usd {
        let _ = write!(
            forecast,
            "; the month needs a cap of {} (9 futures out of 10)",
            usd(cap)
        );
    }
    Some(forecast)
}

fn credits(a: &Account, history: &[(i64, f64)], now: i64, tz: &TimeZone) -> Markup {
    let Some(c) = &a.credits else {
        return html! {};
    };
    // A 90th percentile beyond the forecast's horizon is unknown: the band runs to the
    // chart's edge.
    let heading = match (c.runs_out_at, c.runs_out_earliest) {
        (Some(at), Some(earliest)) => Some(Heading {
            level: c
                .auto_reload
                .as_ref()
                .and_then(|r| r.threshold_usd)
                .filter(|_| c.runs_out_means.as_str() == "reload")
                .unwrap_or(0.0),
            at,
            earliest,
            latest: c.runs_out_latest.unwrap_or(i64::MAX),
        }),
        _ => None,
    };
    let mut text = format!("{} left", usd(c.balance_usd));
    if let Some(b) = c.burn_usd_per_day {
        let _ = write!(text, ", burning {}/day", usd(b));
    }
    if let (Some(h), Some(at)) = (heading, c.runs_out_at) {
        let latest = match c.runs_out_latest {
            Some(_) => format!("and {}", when(now, h.latest, tz)),
            None => "and later than the forecast reaches".to_string(),
        };
        let _ = write!(
            text,
            "; runs out {} (between {} {latest})",
            when(now, at, tz),
            when(now, h.earliest, tz),
        );
    }
    if let Some(learning) = c.method.as_deref().and_then(crate::format::learning) {
        let _ = write!(text, "; {learning}");
    }
    let title = format!(
        "Credit balance over the {}, and its forecast",
        crate::calendar::span_words(svg::start_of(history, now), now)
    );
    let chart = Chart {
        title: &title,
        points: history,
        now,
        heading,
        format: usd,
    };
    html! {
        h3 { "Usage credits" }
        p.figure { (text) }
        @if let Some(advice) = credits_advice(c) { p { (advice) } }
        (svg::render(&chart, tz))
    }
}

/// What to do about the balance: the 7-day top-up, and what auto-reload will do.
fn credits_advice(c: &crate::snapshot::Credits) -> Option<String> {
    let t = c.topup_usd.as_ref()?;
    let mut text = match t.days_7 {
        0.0 => "It lasts the next 7 days in 9 futures out of 10".to_string(),
        add => format!(
            "To last the next 7 days, add {} (9 futures out of 10)",
            usd(add)
        ),
    };
    if let Some(r) = c.auto_reload.as_ref().filter(|r| r.enabled) {
        if let Some(n) = r.reloads_next_30d {
            let _ = write!(text, "; auto-reload is expected {n:.1} times in 30 days");
        }
        if let Some(to) = r.suggested_reload_to_usd {
            let _ = write!(text, "; reloading to {} would reload about weekly", usd(to));
        }
    }
    text.push('.');
    Some(text)
}

/// A time ahead as people say it: `tomorrow 09:00`, `Monday 14:30`.
fn when(now: i64, t: i64, tz: &TimeZone) -> String {
    format!(
        "{} {}",
        crate::calendar::day_name(now, t, tz),
        crate::calendar::zoned(t, tz).strftime("%H:%M")
    )
}

fn api(a: &Account) -> Markup {
    let Some(api) = &a.api else {
        return html! {};
    };
    html! {
        h3 { "API spend" }
        p.figure {
            (usd(api.month_usd)) " this month, " (usd(api.today_usd)) " today; projected "
            (usd(api.month_projected_usd)) " for the month ("
            (usd(api.month_projected_low_usd)) " to " (usd(api.month_projected_high_usd)) ")"
        }
    }
}

/// Spend by app, model and project, each for today, 7 days and the month, as bars.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_busy_snapshot_reads_as_bars_a_chart_and_text() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/snapshots/busy.json"
        );
        let snapshot: Snapshot =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let now = snapshot.now;
        let history: Vec<(i64, f64)> = (0..8)
            .map(|i| (now - (7 - i) * 86_400, 40.0 - 3.0 * i as f64))
            .collect();
        let credits = BTreeMap::from([("default".to_string(), history)]);
        let page = render(&Input {
            snapshot: &snapshot,
            credits: &credits,
            alerts: &[],
            rule_errors: &[crate::rule::RuleError {
                file: "broken.lua".into(),
                line: Some(3),
                message: "attempt to index nil".into(),
            }],
            outbox_waiting: 2,
            tz: &TimeZone::UTC,
        });
        assert!(page.contains("$12.50 left"), "the balance in text");
        assert!(
            page.contains(
                "<h3>Plan fit, last 30 days</h3><p class=\"figure\">Max 5x would have done: $142.50"
            ) && page.contains(
                "<tr><th>Max 20x (yours)</th><td>0</td><td>26 %</td><td>$242.50</td></tr>"
            ),
            "the plan's fit"
        );
        assert!(
            page.contains("To last the next 7 days, add $131.00 (9 futures out of 10)"),
            "the top-up advice"
        );
        assert!(page.contains("<svg class=\"chart\""), "the balance chart");
        assert!(page.contains("class=\"band\""), "its forecast band");
        assert!(page.contains("72% used"), "the 5-hour window's bar");
        assert!(
            page.contains("$42.50 of $50.00 this month"),
            "extra usage against its cap"
        );
        assert!(
            page.contains("At $3.00/day it reaches its cap Monday 04:00 (between Sunday 16:00 and Tuesday 04:00); the month needs a cap of $68.00 (9 futures out of 10); it resets Tue 1 Dec 00:00."),
            "and the month's forecast: {}", &page[page.find("Extra usage").unwrap_or(0)..][..600]
        );
        assert!(page.contains("Outbox: 2 notifications waiting."));
        assert!(page.contains("Nothing fires."));
        assert!(
            page.contains("broken.lua:3: attempt to index nil"),
            "the rule error, with its line"
        );
        assert!(
            !page.contains("http://") && !page.contains("https://"),
            "nothing from elsewhere"
        );
    }
}
