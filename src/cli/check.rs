//! `creditwatch check`: one full cycle now and a readable report (or the snapshot as JSON).

use super::Context;
use super::table::Table;
use crate::calendar;
use crate::cycle;
use crate::format::{duration, pct, tokens, usd};
use crate::snapshot::Snapshot;
use crate::source::{self, Outcome};
use anyhow::Context as _;
use std::fmt::Write as _;

/// Runs the cycle and prints the report or the JSON snapshot.
pub fn run(ctx: &Context, json: bool) -> anyhow::Result<()> {
    let config = ctx.load_config()?;
    for warning in &config.warnings {
        eprintln!("warning: {warning}");
    }
    let mut working = ctx.working_store()?;
    let store = working.store();
    let mut sources = source::build(&config);
    let tz = calendar::local_zone();
    let rules = ctx.load_rules(&config, &tz);
    let report = cycle::run(
        store,
        &mut sources,
        &rules,
        &config,
        cycle::At {
            now: ctx.now,
            tz: &tz,
            stop: &tokio_util::sync::CancellationToken::new(),
        },
        cycle::Mode::Rehearse,
    )?;
    if json {
        let text = serde_json::to_string_pretty(&report.snapshot).context("encode snapshot")?;
        println!("{text}");
        return Ok(());
    }
    let days = super::spend::recent_days(store, ctx.now, 7, &tz)?;
    let totals = store.log_totals()?;
    let off = source::off(&config);
    print!(
        "{}",
        render(&report.snapshot, (&report.outcomes, &off), &tz)
    );
    print!("{days}");
    let survey = super::reach::survey(&config, Some(store));
    print!(
        "\n{}",
        super::alerts::render(&report, rules.dir(), store, &survey, (ctx.now, &tz))?
    );
    print!("{}", super::reach::section(&survey, &ctx.config_file));
    if totals.malformed_lines > 0 || totals.partial_lines > 0 || totals.unknown_lines > 0 {
        println!(
            "\nTranscripts: {} files; {}; {}; {}",
            totals.files,
            crate::format::plural(
                totals.malformed_lines,
                "malformed line skipped",
                "malformed lines skipped"
            ),
            crate::format::plural(
                totals.unknown_lines,
                "line of unknown type skipped",
                "lines of unknown type skipped"
            ),
            crate::format::plural(
                totals.partial_lines,
                "line still being written",
                "lines still being written"
            ),
        );
    }
    Ok(())
}

/// The report for a snapshot and the outcomes of the polls that preceded it.
/// The sources' outcomes in this cycle, and the built-in ones that are off with why.
type Said<'a> = (&'a [Outcome], &'a [(String, &'static str, String)]);

pub fn render(s: &Snapshot, (outcomes, off): Said<'_>, tz: &jiff::tz::TimeZone) -> String {
    let mut out = String::new();
    let when = jiff::Timestamp::from_second(s.now)
        .map(|t| {
            t.to_zoned(tz.clone())
                .strftime("%Y-%m-%d %H:%M %Z")
                .to_string()
        })
        .unwrap_or_default();
    let _ = writeln!(out, "creditwatch check, {when}\n");
    out.push_str(&sources_section(s, outcomes, off));
    out.push_str(&windows_section(s));
    out.push_str(&super::pools::render(s));
    out.push_str(&apps_section(s));
    out
}

fn sources_section(
    s: &Snapshot,
    outcomes: &[Outcome],
    off: &[(String, &'static str, String)],
) -> String {
    let mut t = Table::new(&["source", "status", "updated", "note"]).text_columns(&[1, 3]);
    let several = s.accounts.len() > 1;
    let label = |name: &str, account: &str| match several {
        true => format!("{name} ({account})"),
        false => name.to_string(),
    };
    for (account, a) in &s.accounts {
        for (name, h) in &a.sources {
            source_rows(&mut t, label(name, account), h, outcomes, account, name);
        }
    }
    for (account, name, why) in off {
        let known = s
            .accounts
            .get(account)
            .is_some_and(|a| a.sources.contains_key(*name));
        if !known {
            t.row(vec![
                label(name, account),
                "off".into(),
                "never".into(),
                why.clone(),
            ]);
        }
    }
    format!("Sources\n{}\n", t.render())
}

fn source_rows(
    t: &mut Table,
    label: String,
    h: &crate::snapshot::SourceHealth,
    outcomes: &[Outcome],
    account: &str,
    name: &str,
) {
    let status = match (h.ok, h.stale) {
        (true, false) => "ok",
        (true, true) => "stale",
        (false, _) => "error",
    };
    let updated = match h.age_s {
        None => "never".to_string(),
        Some(a) if a < 60 => "just now".to_string(),
        Some(a) => format!("{} ago", duration(a)),
    };
    let note = outcomes
        .iter()
        .find(|o| o.source == name && o.account == account)
        .map(|o| o.summary.clone())
        .or_else(|| h.error.clone())
        .unwrap_or_default();
    t.row(vec![label, status.into(), updated, note]);
    if let Some(e) = &h.error {
        t.row(vec![
            String::new(),
            String::new(),
            String::new(),
            format!("error: {e}"),
        ]);
    }
}

fn windows_section(s: &Snapshot) -> String {
    if s.plan.windows.is_empty() {
        return "Plan windows\n  none reported yet: set `creditwatch statusline` as Claude Code's status line (see README)\n\n".into();
    }
    let mut t = Table::new(&["window", "used", "resets in", "burn/h", "full in"]);
    for (name, w) in &s.plan.windows {
        let rel = |at: Option<i64>| at.map_or("-".into(), |a| duration(a - s.now));
        let burn = w.burn_pct_per_hour.map_or("-".into(), pct);
        let full = match (w.full_at, crate::format::learning(&w.method)) {
            (Some(a), _) => duration((a - s.now).max(0)),
            (None, Some(learning)) => learning.to_string(),
            (None, None) => "not before reset".into(),
        };
        t.row(vec![
            crate::format::window_name(name),
            pct(w.used_pct),
            rel(w.resets_at),
            burn,
            full,
        ]);
    }
    let plan = s
        .plan
        .name
        .as_ref()
        .map_or(String::new(), |n| format!(" ({n} plan)"));
    format!("Plan windows{plan}\n{}\n", t.render())
}

fn apps_section(s: &Snapshot) -> String {
    if s.apps.is_empty() {
        return "Spend\n  no Claude Code spend found in the last month\n\n".into();
    }
    let mut out = String::new();
    let mut t = Table::new(&[
        "app",
        "last hour",
        "today",
        "24h",
        "7 days",
        "month",
        "burn/h",
    ]);
    // Costliest first (this month, then the last 7 days), as `spend` orders them.
    let mut apps: Vec<_> = s.apps.iter().collect();
    apps.sort_by(|(_, a), (_, b)| {
        let (a, b) = (&a.spend_usd, &b.spend_usd);
        b.this_month
            .total_cmp(&a.this_month)
            .then(b.last_7d.total_cmp(&a.last_7d))
    });
    for (name, a) in apps {
        let p = &a.spend_usd;
        t.row(vec![
            name.clone(),
            usd(p.last_hour),
            usd(p.today),
            usd(p.last_24h),
            usd(p.last_7d),
            usd(p.this_month),
            usd(a.burn_usd_per_hour),
        ]);
    }
    let _ = writeln!(out, "Spend by app\n{}", t.render());
    for (title, pick) in [("model", true), ("project", false)] {
        let mut t = Table::new(&[title, "today", "7 days", "month"]);
        let mut rows = std::collections::BTreeMap::<String, [f64; 3]>::new();
        for a in s.apps.values() {
            let map = if pick { &a.by_model } else { &a.by_project };
            for (k, p) in map {
                let e = rows.entry(k.clone()).or_default();
                e[0] += p.today;
                e[1] += p.last_7d;
                e[2] += p.this_month;
            }
        }
        let mut rows: Vec<_> = rows.into_iter().collect();
        rows.sort_by(|(_, a), (_, b)| b[2].total_cmp(&a[2]).then(b[1].total_cmp(&a[1])));
        for (k, v) in rows {
            t.row(vec![k, usd(v[0]), usd(v[1]), usd(v[2])]);
        }
        let _ = writeln!(out, "Spend by {title}\n{}", t.render());
    }
    for (app, a) in &s.apps {
        for (model, n) in &a.unpriced_tokens {
            let _ = writeln!(
                out,
                "Unpriced: {app} used {} tokens of {model} this month, not counted in spend;\n  add a [prices.\"{model}\"] table to config.toml to price them.\n",
                tokens(*n)
            );
        }
    }
    out
}
