//! The words of a notification beyond its title and body: the pool figures at the time of
//! the decision, as plain text and as HTML, for email (and anything else that has room).

use crate::alert::figures::{CreditFigures, Figures};
use crate::format::{pct, usd};
use crate::store::OutboxRow;
use crate::vocab::Severity;
use jiff::tz::TimeZone;

/// One line per pool the figures know about, in words.
pub(crate) fn figure_lines(figures: &Figures, tz: &TimeZone) -> Vec<String> {
    let when = |t: i64| {
        let time = crate::calendar::zoned(t, tz).strftime("%H:%M").to_string();
        format!(
            "{} at {time}",
            crate::calendar::day_name(figures.now, t, tz)
        )
    };
    let zone = |t: i64| crate::calendar::zoned(t, tz).strftime("%Z").to_string();
    let mut lines = Vec::new();
    if let Some(c) = &figures.credits {
        lines.push(credits_line(c, &when, &zone));
    }
    if let Some(x) = &figures.extra_usage {
        let mut line = format!("Extra usage: {} this month", money(x.used_usd));
        if let Some(limit) = x.limit_usd {
            line.push_str(&format!(" of a {} cap", usd(limit)));
            if let Some(p) = x.used_pct {
                line.push_str(&format!(" ({})", pct(p)));
            }
        }
        if let Some(at) = x.limit_at {
            line.push_str(&format!("; the cap is reached {} {}", when(at), zone(at)));
        }
        lines.push(line + ".");
    }
    if !figures.windows.is_empty() {
        let parts: Vec<String> = figures
            .windows
            .iter()
            .map(|(name, w)| {
                let used = w.used_pct.map_or("?".into(), pct);
                format!("{} {used}", crate::format::window_name(name))
            })
            .collect();
        lines.push(format!("Plan windows: {}.", parts.join(", ")));
    }
    if let Some(a) = &figures.api {
        lines.push(format!(
            "API: {} today, {} this month.",
            money(a.today_usd),
            money(a.month_usd)
        ));
    }
    if let Some(top) = &figures.top_app {
        lines.push(format!(
            "Burning the most: {}, {} an hour ({} today).",
            top.name,
            money(top.burn_usd_per_hour),
            money(top.today_usd)
        ));
    }
    lines
}

/// Money, or "unknown".
fn money(v: Option<f64>) -> String {
    v.map_or("unknown".to_string(), usd)
}

/// The credits line: the balance, the next 24 hours and the run-out side by side, from the
/// same forecast, so they never contradict each other.
fn credits_line(
    c: &CreditFigures,
    when: &dyn Fn(i64) -> String,
    zone: &dyn Fn(i64) -> String,
) -> String {
    let mut line = format!("Usage credits: {} left", money(c.balance_usd));
    if let Some(next) = c.burn_usd_next_24h {
        line.push_str(&format!(
            "; the next 24 hours are expected to cost {}",
            usd(next)
        ));
    }
    if let Some(at) = c.runs_out_at {
        let verb = if c.reloads() {
            "auto-reload"
        } else {
            "run out"
        };
        line.push_str(&format!("; they {verb} {} {}", when(at), zone(at)));
        if let (Some(lo), Some(hi)) = (c.runs_out_earliest, c.runs_out_latest)
            && when(lo) != when(hi)
        {
            line.push_str(&format!(" (between {} and {})", when(lo), when(hi)));
        }
    }
    line + "."
}

/// The footer: which rule said so.
fn footer(row: &OutboxRow) -> String {
    let key = if row.key.is_empty() {
        String::new()
    } else {
        format!(" [{}]", row.key)
    };
    if row.rule.starts_with("creditwatch/") {
        return "Sent by creditwatch.".into();
    }
    format!("Sent by creditwatch, rule {}{key}.", row.rule)
}

/// The figure lines, less what the body has said already: a clause ("$12.50 left", "they
/// run out tomorrow at 07:00 UTC") the body quotes is left out, and a line with nothing left
/// goes.
fn standing(row: &OutboxRow, tz: &TimeZone) -> Vec<String> {
    let body = row.body.to_lowercase();
    figure_lines(&Figures::read(&row.figures), tz)
        .into_iter()
        .filter_map(|line| {
            let Some((name, rest)) = line.split_once(": ") else {
                return Some(line);
            };
            let kept: Vec<&str> = rest
                .trim_end_matches('.')
                .split("; ")
                .filter(|clause| {
                    // A sentence of the body starts with a capital where the clause does not.
                    let core = clause.split(" (").next().unwrap_or(clause).trim();
                    core.is_empty() || !body.contains(&core.to_lowercase())
                })
                .collect();
            (!kept.is_empty()).then(|| format!("{name}: {}.", kept.join("; ")))
        })
        .collect()
}

/// What the reader can do next, for the pools the figures are about, then how to see more
/// and how to pause the rule. No links: settings pages move, the words stay true.
fn next_steps(row: &OutboxRow) -> Vec<String> {
    let f = Figures::read(&row.figures);
    let mut steps = Vec::new();
    if let Some(c) = &f.credits {
        steps.push(match c.reloads() {
            true => "Auto-reload tops the credits up; if it reloads too often, raise \
                               its amount in your Claude billing settings."
                .to_string(),
            false => "Top up your usage credits, or turn on auto-reload, in your Claude billing \
                  settings."
                .to_string(),
        });
    }
    if f.extra_usage.is_some() {
        steps.push(
            "Raise or remove the extra-usage cap in your Claude usage settings, or wait for the \
             monthly reset."
                .into(),
        );
    }
    if !f.windows.is_empty() {
        steps.push("A plan window frees up when it resets; `creditwatch check` shows when.".into());
    }
    steps.push("`creditwatch forecast` shows every pool with its range and method.".into());
    if !row.rule.starts_with("creditwatch/") {
        steps.push(format!(
            "To pause this rule: creditwatch silence {} --for 8h",
            row.rule
        ));
    }
    steps
}

/// The plain-text part.
pub fn plain(row: &OutboxRow, tz: &TimeZone) -> String {
    let mut out = format!("{}\n\n", row.title);
    if !row.body.is_empty() {
        out.push_str(&row.body);
        out.push_str("\n\n");
    }
    let lines = standing(row, tz);
    if !lines.is_empty() {
        out.push_str("Where things stand:\n");
        for l in lines {
            out.push_str(&format!("- {l}\n"));
        }
        out.push('\n');
    }
    out.push_str("What you can do:\n");
    for step in next_steps(row) {
        out.push_str(&format!("- {step}\n"));
    }
    out.push('\n');
    out.push_str("-- \n");
    out.push_str(&footer(row));
    out.push('\n');
    out
}

/// The HTML part; `chart_cid` is the Content-ID of the inline chart, when there is one.
pub fn html(row: &OutboxRow, tz: &TimeZone, chart_cid: Option<&str>) -> String {
    let colour = match row.severity {
        Severity::Critical => "#b3261e",
        Severity::Warning => "#b26a00",
        Severity::Info => "#1f6feb",
    };
    let mut out = String::from(
        "<!DOCTYPE html><html><body style=\"font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1b1b1b;max-width:640px\">",
    );
    out.push_str(&format!(
        "<h2 style=\"color:{colour};margin-bottom:4px\">{}</h2>",
        escape(&row.title)
    ));
    for para in row.body.split("\n\n").filter(|p| !p.trim().is_empty()) {
        out.push_str(&format!("<p>{}</p>", escape(para).replace('\n', "<br>")));
    }
    let lines = standing(row, tz);
    let heading = |text: &str| {
        format!("<p style=\"margin-bottom:4px\"><b>{text}</b></p><ul style=\"padding-left:20px\">")
    };
    if !lines.is_empty() {
        out.push_str(&heading("Where things stand"));
        for l in lines {
            out.push_str(&format!("<li>{}</li>", code(&escape(&l))));
        }
        out.push_str("</ul>");
    }
    if let Some(cid) = chart_cid {
        out.push_str(&format!(
            "<p><img src=\"cid:{cid}\" alt=\"The last 7 days and the projection\" width=\"600\" style=\"max-width:100%\"></p>"
        ));
    }
    out.push_str(&heading("What you can do"));
    for step in next_steps(row) {
        out.push_str(&format!("<li>{}</li>", code(&escape(&step))));
    }
    out.push_str("</ul>");
    out.push_str(&format!(
        "<p style=\"color:#6b6b6b;font-size:12px\">{}</p></body></html>",
        escape(&footer(row))
    ));
    out
}

/// Escaped HTML with each `command` in backticks set as code, as the plain text writes it.
fn code(html: &str) -> String {
    let parts: Vec<&str> = html.split('`').collect();
    // With an odd number of backticks the last one has no pair: it stays as it is.
    let paired = parts.len() - (1 - parts.len() % 2);
    let mut out = String::with_capacity(html.len() + 16);
    for (i, part) in parts[..paired].iter().enumerate() {
        match i % 2 {
            1 => out.push_str(&format!("<code>{part}</code>")),
            _ => out.push_str(part),
        }
    }
    for part in &parts[paired..] {
        out.push('`');
        out.push_str(part);
    }
    out
}

/// `text` safe to put in HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
