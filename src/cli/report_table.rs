//! A spend report as text: a title with the period, one table (rows, tokens or columns,
//! cost, share, a total row), and notes on the block going on and on unpriced tokens.

use super::spend::share;
use super::table::Table;
use crate::calendar;
use crate::format::{duration, tokens, usd};
use crate::report::{Columns, Report, Row, Rows};
use jiff::tz::TimeZone;
use std::fmt::Write as _;

/// Columns shown by name; the rest are added up under "other".
const SHOWN_COLUMNS: usize = 5;

/// The report as people read it.
pub fn render(r: &Report, tz: &TimeZone) -> String {
    let mut out = title(r, tz);
    if r.rows.is_empty() {
        out.push_str("  no spend in this period\n");
        return out;
    }
    let table = match r.columns {
        Some(columns) => split(r, columns, tz),
        None => plain(r, tz),
    };
    out.push_str(&table.render());
    for row in &r.rows {
        if let Some(b) = row.block.filter(|b| b.active) {
            let _ = writeln!(
                out,
                "\nThe block going on ends at {} ({} left); at {}/h it will have cost {}.",
                clock(b.end, tz),
                duration(b.left_s.unwrap_or(0)),
                usd(b.burn_usd_per_hour.unwrap_or(0.0)),
                usd(b.projected_usd.unwrap_or(row.cost_usd)),
            );
        }
    }
    for (model, n) in &r.unpriced_tokens {
        let _ = writeln!(
            out,
            "\nUnpriced: {} tokens of {model}, not in the costs; add a [prices.\"{model}\"] table to config.toml to price them.",
            tokens(*n)
        );
    }
    out
}

/// "Spend by day, 2026-11-01 00:00 to 2026-11-30 10:00 (Europe/Paris): $12.34 in 567
/// responses".
fn title(r: &Report, tz: &TimeZone) -> String {
    let by = match r.by {
        Rows::Day => "day",
        Rows::Week => "week (from Monday)",
        Rows::Month => "month",
        Rows::Session => "session",
        Rows::Block => "5-hour block",
        Rows::Model => "model",
        Rows::Project => "project",
        Rows::App => "app",
    };
    format!(
        "Spend by {by}, {}: {} in {} responses\n\n",
        span(r.since, r.until, tz),
        usd(r.total.cost_usd),
        r.total.entries
    )
}

/// A report's period with its zone: "2026-11-01 00:00 to 2026-11-30 10:00 (Europe/Paris)".
pub fn span(since: Option<i64>, until: i64, tz: &TimeZone) -> String {
    let since = match since {
        Some(t) => stamp(t, tz),
        None => "the first response".to_string(),
    };
    let zone = tz.iana_name().unwrap_or("UTC");
    format!("{since} to {} ({zone})", stamp(until, tz))
}

/// A date and time: `2026-11-30 10:00`.
fn stamp(t: i64, tz: &TimeZone) -> String {
    calendar::zoned(t, tz)
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}

/// A time of day with its weekday: `Mon 10:00`.
fn clock(t: i64, tz: &TimeZone) -> String {
    calendar::zoned(t, tz).strftime("%a %H:%M").to_string()
}

/// A model without the `claude-` every model has.
fn short_model(model: &str) -> &str {
    model.strip_prefix("claude-").unwrap_or(model)
}

/// The cells naming a row: its key, and what else says what it is.
fn label(r: &Report, row: &Row, tz: &TimeZone) -> Vec<String> {
    match r.by {
        Rows::Session => vec![
            crate::format::truncate(&row.key, 8).to_string(),
            row.project.clone().unwrap_or_default(),
            row.last_at.map(|t| stamp(t, tz)).unwrap_or_default(),
        ],
        Rows::Block => {
            let Some(b) = row.block else {
                return vec![row.key.clone(), String::new()];
            };
            let state = match b.active {
                true => format!("{} left", duration(b.left_s.unwrap_or(0))),
                false => String::new(),
            };
            vec![stamp(b.start, tz), state]
        }
        Rows::Model => vec![short_model(&row.key).to_string()],
        _ => vec![row.key.clone()],
    }
}

/// The header cells that [`label`] fills.
fn label_header(r: &Report) -> Vec<&'static str> {
    match r.by {
        Rows::Session => vec!["session", "project", "last response"],
        Rows::Block => vec!["block start", "going on"],
        Rows::Day => vec!["day"],
        Rows::Week => vec!["week of"],
        Rows::Month => vec!["month"],
        Rows::Model => vec!["model"],
        Rows::Project => vec!["project"],
        Rows::App => vec!["app"],
    }
}

/// Rows with their tokens, cost, share and models.
fn plain(r: &Report, tz: &TimeZone) -> Table {
    let mut header = label_header(r);
    let labels = header.len();
    header.extend([
        "input",
        "output",
        "cache write",
        "cache read",
        "cost",
        "share",
    ]);
    let models = !matches!(r.by, Rows::Model);
    if models {
        header.push("models");
    }
    let text: Vec<usize> = (1..labels)
        .chain(models.then_some(header.len() - 1))
        .collect();
    let mut table = Table::new(&header).text_columns(&text);
    let total_label = total_label(labels);
    let cells = |label: Vec<String>, row: &Row| {
        let t = &row.tokens;
        let mut cells = label;
        cells.extend([
            tokens(t.input),
            tokens(t.output),
            tokens(t.cache_write()),
            tokens(t.cache_read),
            usd(row.cost_usd),
            share(row.cost_usd, r.total.cost_usd),
        ]);
        if models {
            let names: Vec<&str> = row.models.iter().map(|m| short_model(m)).collect();
            cells.push(names.join(", "));
        }
        cells
    };
    for row in &r.rows {
        table.row(cells(label(r, row, tz), row));
    }
    table.row(cells(total_label, &r.total));
    table
}

/// The label cells of the total row.
fn total_label(labels: usize) -> Vec<String> {
    let mut cells = vec!["total".to_string()];
    cells.resize(labels, String::new());
    cells
}

/// Rows with their cost split into the costliest column values and the rest.
fn split(r: &Report, columns: Columns, tz: &TimeZone) -> Table {
    // Models with no price cost nothing in any row: they have their note below instead.
    let mut names: Vec<(&String, &f64)> = r.total.columns.iter().filter(|c| *c.1 > 0.0).collect();
    names.sort_by(|a, b| b.1.total_cmp(a.1).then_with(|| a.0.cmp(b.0)));
    let shown: Vec<&String> = names.iter().take(SHOWN_COLUMNS).map(|n| n.0).collect();
    let other = names.len() > SHOWN_COLUMNS;
    let mut header: Vec<String> = label_header(r).iter().map(ToString::to_string).collect();
    let labels = header.len();
    header.extend(shown.iter().map(|n| match columns {
        Columns::Model => short_model(n).to_string(),
        _ => (*n).clone(),
    }));
    if other {
        header.push("other".to_string());
    }
    header.extend(["cost".to_string(), "share".to_string()]);
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut table = Table::new(&header).text_columns(&(1..labels).collect::<Vec<_>>());
    let cells = |mut cells: Vec<String>, row: &Row| {
        let value = |n: &String| row.columns.get(n).copied().unwrap_or(0.0);
        cells.extend(shown.iter().map(|n| usd(value(n))));
        if other {
            let rest: f64 = row
                .columns
                .iter()
                .filter(|(n, _)| !shown.contains(n))
                .map(|(_, v)| v)
                .sum();
            cells.push(usd(rest));
        }
        cells.push(usd(row.cost_usd));
        cells.push(share(row.cost_usd, r.total.cost_usd));
        cells
    };
    for row in &r.rows {
        table.row(cells(label(r, row, tz), row));
    }
    table.row(cells(total_label(labels), &r.total));
    table
}
