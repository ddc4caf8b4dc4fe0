//! `creditwatch plan`: does the plan fit the way you use Claude? What you paid, what the same
//! use costs at API prices, how often each plan's windows would have limited you, and the
//! cheapest way that would have done, for the last 30 days and the last three months.

use super::Context;
use super::table::Table;
use crate::calendar;
use crate::config::PlanConfig;
use crate::format::usd;
use crate::plan::{self, Fit, offers};
use jiff::tz::TimeZone;
use serde::Serialize;
use std::fmt::Write as _;

/// One account's report, as `plan --json` prints it.
#[derive(Debug, Serialize)]
struct Report {
    account: String,
    /// The plan paid for (`pro`, `max_5x`, `max_20x`).
    current: Option<String>,
    /// Why it is not known, when it is not.
    current_unknown: Option<String>,
    /// When the price table was checked, or `config` when `[plan.prices]` overrides it.
    prices_as_of: String,
    /// The limited days a plan may have and still "do".
    limited_days_allowed: u32,
    periods: Vec<Fit>,
}

/// Prints the report of every account from the stored history.
pub fn show(ctx: &Context, json: bool) -> anyhow::Result<()> {
    let config = ctx.load_config()?;
    let tz = calendar::local_zone();
    let Some(store) = ctx.history()? else {
        return Ok(());
    };
    let mut reports = Vec::new();
    for a in &config.accounts {
        let current = plan::current(&store, &config.plan, &a.name)?;
        reports.push(Report {
            account: a.name.clone(),
            current: current.as_ref().ok().map(ToString::to_string),
            current_unknown: current.err(),
            prices_as_of: match config.plan.overridden {
                true => "config".into(),
                false => offers::PRICES_AS_OF.into(),
            },
            limited_days_allowed: config.plan.limited_days,
            periods: plan::periods(&store, &config.plan, &a.name, ctx.now, &tz)?,
        });
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
        return Ok(());
    }
    let mut out = format!(
        "creditwatch plan, {}\n",
        calendar::zoned(ctx.now, &tz).strftime("%Y-%m-%d %H:%M %Z")
    );
    for r in &reports {
        render(&mut out, r, &config.plan, &tz);
    }
    let _ = writeln!(
        out,
        "\nOther plans' limited days are your window history scaled by each plan's multiple of \
         Pro ({}); the weekly limits do not scale exactly, so read them as estimates. {}",
        config
            .plan
            .offers
            .iter()
            .map(|o| format!("{} x{}", o.name, o.multiple))
            .collect::<Vec<_>>()
            .join(", "),
        match config.plan.overridden {
            true => "Prices from your config ([plan.prices]).".to_string(),
            false => format!("Prices as of {}.", offers::PRICES_AS_OF),
        }
    );
    print!("{out}");
    Ok(())
}

fn render(out: &mut String, r: &Report, config: &PlanConfig, tz: &TimeZone) {
    let _ = match (&r.current, &r.current_unknown) {
        (Some(key), _) => {
            let o = config.offers.iter().find(|o| o.key == key);
            writeln!(
                out,
                "\n{}: you pay for {}",
                r.account,
                o.map_or(key.clone(), |o| format!(
                    "{} ({}/month)",
                    o.name,
                    usd(o.usd_per_month)
                ))
            )
        }
        (None, why) => writeln!(
            out,
            "\n{}: your plan is not known: {}",
            r.account,
            why.as_deref().unwrap_or("no plan reported")
        ),
    };
    for f in &r.periods {
        period(out, f, tz);
    }
}

fn period(out: &mut String, f: &Fit, tz: &TimeZone) {
    let day = |t: i64| calendar::zoned(t, tz).strftime("%-d %b").to_string();
    let _ = writeln!(
        out,
        "\n  {} ({} to {}; {} of {} days with window readings)",
        capitalised(&f.period),
        day(f.from),
        day(f.to - 1),
        f.window_days,
        f.days
    );
    let parts: Vec<String> = [
        (f.paid.plan_usd, "plan"),
        (f.paid.extra_usage_usd, "extra usage"),
        (f.paid.credits_usd, "credits"),
    ]
    .iter()
    .filter_map(|(v, what)| v.map(|v| format!("{} {what}", usd(v))))
    .collect();
    let _ = match parts.len() {
        0 => writeln!(
            out,
            "  Paid: not known (no plan, extra usage or credits read)"
        ),
        1 => writeln!(out, "  Paid: {}", parts[0]),
        _ => writeln!(
            out,
            "  Paid: {} = {}",
            parts.join(" + "),
            usd(f.paid.total_usd)
        ),
    };
    let _ = writeln!(out, "  At API prices: {}", usd(f.api_equivalent_usd));
    if f.plans.iter().any(|p| p.limited_days.is_some()) {
        let mut t = Table::new(&[
            "plan",
            "price",
            "days limited",
            "5-hour",
            "weekly",
            "5-hour peak",
            "weekly peak",
            "would cost",
        ]);
        let days = |d: Option<u32>| d.map_or("-".into(), |d| d.to_string());
        let peak = |p: Option<f64>| p.map_or("-".into(), |p| format!("{p:.0} %"));
        for p in &f.plans {
            let name = match p.current {
                true => format!("{} (yours)", p.name),
                false => p.name.clone(),
            };
            t.row(vec![
                name,
                usd(p.usd_per_month),
                days(p.limited_days),
                days(p.five_hour_limited_days),
                days(p.weekly_limited_days),
                peak(p.five_hour_peak_pct),
                peak(p.weekly_peak_pct),
                usd(p.cost_usd),
            ]);
        }
        out.push_str(&t.render());
    }
    let _ = writeln!(out, "  Verdict: {}", f.verdict);
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
}
