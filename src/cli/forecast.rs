//! `creditwatch forecast`: every pool of every account, when it reaches the level that
//! matters, with the range, the chance, the method and what to do about it
//! (`forecast backtest`, how good that has been, is in [`super::backtest`]).

use super::Context;
use super::table::Table;
use crate::calendar;
use crate::forecast::MAX_AHEAD_S;
use crate::format::{duration, pct, usd};
use crate::snapshot::{self, Account, TopUp};
use jiff::tz::TimeZone;
use serde::Serialize;
use std::fmt::Write as _;

/// One pool's forecast, as `forecast --json` prints it.
#[derive(Debug, Serialize)]
pub struct Pool {
    /// The account.
    pub account: String,
    /// `credits`, `extra_usage`, `window.<name>` or `api.month`.
    pub pool: String,
    /// Where it is now (USD, or percent for a window).
    pub level: f64,
    /// The level it is heading for, and what reaching it means.
    pub heading_for: String,
    /// The median time it is reached (unix seconds).
    pub at: Option<i64>,
    /// The 10th percentile.
    pub earliest: Option<i64>,
    /// The 90th percentile.
    pub latest: Option<i64>,
    /// Expected burn over the next 24 hours, in the pool's unit.
    pub next_24h: Option<f64>,
    /// The chance (0 to 1) of reaching the level by `chance_by`.
    pub chance: Option<f64>,
    /// What the chance is of: "before the end of tomorrow", "before it resets".
    pub chance_by: String,
    /// How it was found, or why there is none.
    pub method: String,
    /// Credits: how much to add so the balance lasts, in nine futures out of ten.
    pub topup_usd: Option<TopUp>,
    /// Credits with auto-reload on: the reloads expected in the next 30 days.
    pub reloads_next_30d: Option<f64>,
    /// Credits with auto-reload on: the balance to reload to for about one reload a week.
    pub suggested_reload_to_usd: Option<f64>,
    /// Extra usage: the cap the month would need, in nine futures out of ten.
    pub cap_needed_usd: Option<f64>,
}

/// Prints every pool's forecast from the stored history (the daemon or `check` keeps it
/// fresh; nothing is polled here).
pub fn show(ctx: &Context, json: bool) -> anyhow::Result<()> {
    let config = ctx.load_config()?;
    let tz = calendar::local_zone();
    let Some(store) = ctx.history()? else {
        return Ok(());
    };
    let snap = snapshot::build(&store, &config, ctx.now, &tz)?;
    let pools: Vec<Pool> = snap
        .accounts
        .iter()
        .flat_map(|(name, a)| pools(name, a))
        .collect();
    if json {
        println!("{}", serde_json::to_string_pretty(&pools)?);
        return Ok(());
    }
    print!("{}", render(&pools, ctx.now, &tz));
    Ok(())
}

/// The pools of one account.
fn pools(account: &str, a: &Account) -> Vec<Pool> {
    let mut out = Vec::new();
    out.extend(a.credits.as_ref().map(|c| credits(account, c)));
    out.extend(a.extra_usage.as_ref().map(|x| extra_usage(account, x)));
    for (name, w) in &a.plan.windows {
        out.push(Pool {
            at: w.full_at,
            earliest: w.full_earliest,
            latest: w.full_latest,
            chance: w.chance_full_before_reset,
            chance_by: "before it resets".into(),
            method: w.method.clone(),
            ..Pool::new(
                account,
                format!("window.{name}"),
                w.used_pct,
                "100 % before it resets".into(),
            )
        });
    }
    if let Some(api) = &a.api {
        let heading = format!(
            "{} this month ({} to {})",
            usd(api.month_projected_usd),
            usd(api.month_projected_low_usd),
            usd(api.month_projected_high_usd)
        );
        out.push(Pool {
            method: api.method.clone(),
            ..Pool::new(account, "api.month".into(), api.month_usd, heading)
        });
    }
    out
}

impl Pool {
    /// A pool at `level`, heading for `heading_for`, with no forecast yet.
    fn new(account: &str, pool: String, level: f64, heading_for: String) -> Pool {
        Pool {
            account: account.to_string(),
            pool,
            level,
            heading_for,
            at: None,
            earliest: None,
            latest: None,
            next_24h: None,
            chance: None,
            chance_by: "before the end of tomorrow".into(),
            method: String::new(),
            topup_usd: None,
            reloads_next_30d: None,
            suggested_reload_to_usd: None,
            cap_needed_usd: None,
        }
    }
}

fn credits(account: &str, c: &crate::snapshot::Credits) -> Pool {
    let reload = c.auto_reload.as_ref().filter(|r| r.enabled);
    let heading = match reload {
        Some(r) => format!(
            "auto-reload at {}",
            r.threshold_usd
                .map_or("an unreported threshold".into(), usd)
        ),
        None => "empty ($0.00)".into(),
    };
    Pool {
        at: c.runs_out_at,
        earliest: c.runs_out_earliest,
        latest: c.runs_out_latest,
        next_24h: c.burn_usd_next_24h,
        chance: c.chance_out_by_tomorrow,
        method: c.method.clone().unwrap_or_default(),
        topup_usd: c.topup_usd.clone(),
        reloads_next_30d: c.auto_reload.as_ref().and_then(|r| r.reloads_next_30d),
        suggested_reload_to_usd: c
            .auto_reload
            .as_ref()
            .and_then(|r| r.suggested_reload_to_usd),
        ..Pool::new(account, "credits".into(), c.balance_usd, heading)
    }
}

fn extra_usage(account: &str, x: &crate::snapshot::ExtraUsage) -> Pool {
    let heading = x
        .limit_usd
        .map_or("no cap".into(), |l| format!("cap {}", usd(l)));
    Pool {
        at: x.limit_at,
        earliest: x.limit_earliest,
        latest: x.limit_latest,
        next_24h: x.burn_usd_next_24h,
        chance: x.chance_limit_by_tomorrow,
        method: x.method.clone().unwrap_or_default(),
        cap_needed_usd: x.cap_needed_usd,
        ..Pool::new(
            account,
            "extra_usage".into(),
            x.used_usd.unwrap_or(0.0),
            heading,
        )
    }
}

fn render(pools: &[Pool], now: i64, tz: &TimeZone) -> String {
    let mut out = format!(
        "creditwatch forecast, {}\n\n",
        calendar::zoned(now, tz).strftime("%Y-%m-%d %H:%M %Z")
    );
    if pools.is_empty() {
        out.push_str(
            "No pool to forecast: no source has reported a credit balance, extra usage or a \
             plan window. They come from Claude Code's sign-in (`claude_oauth`), its status \
             line (`creditwatch statusline`) or a command source; `creditwatch check` says \
             which sources run and what would turn the others on.\n",
        );
        return out;
    }
    let mut t = Table::new(&[
        "account",
        "pool",
        "now",
        "heading for",
        "median",
        "10-90 %",
        "chance",
        "next 24 h",
    ])
    .text_columns(&[1, 3, 4, 5, 6]);
    for p in pools {
        t.row(cells(p, now, tz));
    }
    out.push_str(&t.render());
    let advice: Vec<(&Pool, Vec<String>)> = pools
        .iter()
        .map(|p| (p, advise(p, now, tz)))
        .filter(|(_, a)| !a.is_empty())
        .collect();
    if !advice.is_empty() {
        out.push_str("\nWhat to do (each figure holds in 9 futures out of 10)\n");
        for (p, lines) in advice {
            let _ = writeln!(
                out,
                "  {} {}: {}",
                p.account,
                pool_name(&p.pool),
                lines.join(" ")
            );
        }
    }
    out.push_str("\nHow\n");
    for p in pools {
        let _ = writeln!(out, "  {} {}: {}", p.account, pool_name(&p.pool), p.method);
    }
    out
}

/// One pool's row of the table.
fn cells(p: &Pool, now: i64, tz: &TimeZone) -> Vec<String> {
    // A weekday names the next six days; past them, the date says which week.
    let short = |t: Option<i64>| {
        t.map_or("later".into(), |t| {
            let format = match t - now < 6 * 86_400 {
                true => "%a %H:%M",
                false => "%a %-d %b %H:%M",
            };
            calendar::zoned(t, tz).strftime(format).to_string()
        })
    };
    let window = p.pool.starts_with("window.");
    let range = match (p.earliest, p.at) {
        (None, None) => "-".to_string(),
        _ => format!("{} to {}", short(p.earliest), short(p.latest)),
    };
    let next = match (p.next_24h, window) {
        (None, _) => "-".into(),
        (Some(v), true) => pct(v),
        (Some(v), false) => usd(v),
    };
    vec![
        p.account.clone(),
        pool_name(&p.pool),
        if window { pct(p.level) } else { usd(p.level) },
        p.heading_for.clone(),
        median(p, now, tz),
        range,
        p.chance.map_or("-".into(), |c| {
            format!("{} {}", crate::format::chance(c), p.chance_by)
        }),
        next,
    ]
}

/// The median's cell: when, or why there is no time.
fn median(p: &Pool, now: i64, tz: &TimeZone) -> String {
    match (p.at, p.pool.as_str()) {
        (None, "api.month") => "-".into(),
        (None, _) if p.method.starts_with("learning") => "learning".into(),
        (None, _) if p.method.starts_with("no ") || p.method.contains("cannot") => {
            "no forecast".into()
        }
        (None, "credits") => format!("not within {} days", MAX_AHEAD_S / 86_400),
        (None, "extra_usage") => "not this month".into(),
        (None, _) => "not before its reset".into(),
        (Some(t), _) => {
            let when = calendar::zoned(t, tz).strftime("%a %H:%M").to_string();
            format!("{when} (in {})", duration((t - now).max(0)))
        }
    }
}

/// What to do about one pool, in sentences: how much to add, the cap a month needs, what
/// auto-reload will do.
fn advise(p: &Pool, now: i64, tz: &TimeZone) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(t) = &p.topup_usd {
        let add = |usd_: f64| match usd_ {
            0.0 => "nothing to add".to_string(),
            v => format!("add {}", usd(v)),
        };
        let month = calendar::zoned(now, tz).strftime("%B").to_string();
        let to = match p.heading_for.starts_with("auto-reload") {
            true => "To stay above the reload threshold",
            false => "To last",
        };
        out.push(format!(
            "{to} for 7 days: {}. For 30 days: {}. Until the end of {month}: {}.",
            add(t.days_7),
            add(t.days_30),
            add(t.month_end)
        ));
    }
    if let Some(n) = p.reloads_next_30d {
        out.push(format!(
            "Auto-reload is expected to reload {n:.1} times in the next 30 days."
        ));
    }
    if let Some(to) = p.suggested_reload_to_usd {
        out.push(format!(
            "Reloading to {} would reload about once a week.",
            usd(to)
        ));
    }
    if let Some(cap) = p.cap_needed_usd {
        out.push(format!("This month needs a cap of {}.", usd(cap)));
    }
    out
}

/// A pool as a person reads it: `window.five_hour` is "5-hour window".
fn pool_name(pool: &str) -> String {
    match pool.strip_prefix("window.") {
        Some(key) => format!("{} window", crate::format::window_name(key)),
        None => pool.replace('_', " "),
    }
}
