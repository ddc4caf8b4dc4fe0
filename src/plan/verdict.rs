//! From a period's usage to the fit: each plan's limited days and cost, and the verdict.

use super::offers::Offer;
use super::usage::{Peaks, Usage};
use super::{Ask, FULL_PCT, Fit, MIN_WINDOW_DAYS, Paid, PlanFit};
use crate::config::PlanConfig;
use crate::format::usd;

/// The fit of `u`, the plan paid for being `current` (or why it is not known).
pub fn judge(
    u: &Usage,
    config: &PlanConfig,
    current: Result<&'static str, String>,
    ask: &Ask<'_>,
) -> Fit {
    let paying = current
        .as_ref()
        .ok()
        .and_then(|k| config.offers.iter().find(|o| o.key == *k));
    let extra = u.extra_usd.unwrap_or(0.0);
    let plans: Vec<PlanFit> = config
        .offers
        .iter()
        .map(|o| scaled(u, o, paying, extra))
        .collect();
    let plan_usd = paying.map(|o| o.usd_per_month);
    let paid = Paid {
        plan_usd,
        extra_usage_usd: u.extra_usd,
        credits_usd: u.credits_usd,
        total_usd: [plan_usd, u.extra_usd, u.credits_usd]
            .iter()
            .flatten()
            .sum(),
    };
    let mut fit = Fit {
        period: ask.period.clone(),
        from: ask.from,
        to: ask.to,
        current: paying.map(|o| o.key.to_string()),
        paid,
        api_equivalent_usd: u.api_usd,
        days: ((ask.to - ask.from) as f64 / 86_400.0).round() as u32,
        window_days: u.days.len() as u32,
        current_limited_days: plans
            .iter()
            .find(|p| p.current)
            .and_then(|p| p.limited_days),
        plans,
        ..Fit::default()
    };
    match unjudged(&fit, &current) {
        Some(why) => fit.verdict = say_what_is_known(&fit, &why),
        None => choose(&mut fit, config.limited_days),
    }
    fit
}

/// One plan against the history, scaled from the plan paid for.
fn scaled(u: &Usage, o: &Offer, paying: Option<&Offer>, extra: f64) -> PlanFit {
    let mut p = PlanFit {
        key: o.key.to_string(),
        name: o.name.to_string(),
        usd_per_month: o.usd_per_month,
        cost_usd: o.usd_per_month + extra,
        current: paying.is_some_and(|c| c.key == o.key),
        ..PlanFit::default()
    };
    let Some(paying) = paying.filter(|_| !u.days.is_empty()) else {
        return p;
    };
    let scale = paying.multiple / o.multiple;
    let full = |v: Option<f64>| v.is_some_and(|v| v * scale >= FULL_PCT);
    let count = |f: &dyn Fn(&Peaks) -> bool| u.days.values().filter(|d| f(d)).count() as u32;
    p.five_hour_limited_days = Some(count(&|d| full(d.five_hour)));
    p.weekly_limited_days = Some(count(&|d| full(d.weekly)));
    p.limited_days = Some(count(&|d| full(d.five_hour) || full(d.weekly)));
    let peak = |pick: fn(&Peaks) -> Option<f64>| {
        u.days
            .values()
            .filter_map(pick)
            .reduce(f64::max)
            .map(|v| v * scale)
    };
    p.five_hour_peak_pct = peak(|d| d.five_hour);
    p.weekly_peak_pct = peak(|d| d.weekly);
    p
}

/// Why the period cannot be judged, if it cannot: everything that is missing.
fn unjudged(fit: &Fit, current: &Result<&'static str, String>) -> Option<String> {
    let mut missing = Vec::new();
    if let Err(why) = current {
        missing.push(format!("which plan you pay for is not known ({why})"));
    }
    match fit.window_days {
        0 => missing.push(
            "there are no plan-window readings in this period (Claude Code's status line or \
             its sign-in records them)"
                .into(),
        ),
        n if n < MIN_WINDOW_DAYS => missing.push(format!(
            "{n} days of plan-window readings, and {MIN_WINDOW_DAYS} are needed"
        )),
        _ => {}
    }
    (!missing.is_empty()).then(|| missing.join("; and "))
}

/// The verdict without a judgement: what was paid and the API-equivalent, and what is
/// missing.
fn say_what_is_known(fit: &Fit, why: &str) -> String {
    let paid = match fit.paid.plan_usd {
        Some(_) => format!("; you paid {}", usd(fit.paid.total_usd)),
        None => String::new(),
    };
    format!(
        "Not enough to judge the plan: {why}. At API prices your use cost {}{paid}.",
        usd(fit.api_equivalent_usd)
    )
}

/// The cheapest way that would have covered the period with at most `allowed` limited
/// days: a plan, or API pay-as-you-go when that is cheaper.
fn choose(fit: &mut Fit, allowed: u32) {
    let Some(mine) = fit.plans.iter().find(|p| p.current).cloned() else {
        return;
    };
    let best = cheapest(&fit.plans, allowed).cloned();
    let api = fit.api_equivalent_usd;
    let (key, cost, verdict) = match best {
        _ if api > 0.0 && best.as_ref().is_none_or(|b| api < b.cost_usd) => (
            "api".to_string(),
            api,
            format!(
                "API pay-as-you-go would have been cheapest for the use creditwatch sees: {} \
                 instead of {}.",
                usd(api),
                usd(mine.cost_usd)
            ),
        ),
        Some(p) if p.current => (
            p.key.clone(),
            p.cost_usd,
            format!(
                "{} fits: the cheapest that would have done ({}; {}).",
                p.name,
                usd(p.cost_usd),
                limited(p.limited_days)
            ),
        ),
        Some(p) => (
            p.key.clone(),
            p.cost_usd,
            format!(
                "{} would have done: {} instead of {}; {} (on {}: {}).",
                p.name,
                usd(p.cost_usd),
                usd(mine.cost_usd),
                limited(p.limited_days),
                mine.name,
                limited(mine.limited_days)
            ),
        ),
        None => {
            fit.verdict = none_would_do(&fit.plans, allowed);
            return;
        }
    };
    fit.best = Some(key);
    fit.saving_usd = Some(mine.cost_usd - cost);
    fit.verdict = verdict;
}

/// The cheapest plan limited on at most `allowed` days; yours wins a tie.
fn cheapest(plans: &[PlanFit], allowed: u32) -> Option<&PlanFit> {
    let mut best: Option<&PlanFit> = None;
    for p in plans {
        let fits = p.limited_days.is_some_and(|d| d <= allowed);
        let cheaper = best.is_none_or(|b| {
            p.cost_usd < b.cost_usd || (p.cost_usd == b.cost_usd && p.current && !b.current)
        });
        if fits && cheaper {
            best = Some(p);
        }
    }
    best
}

/// The verdict when no plan would have done: what the largest would have had.
fn none_would_do(plans: &[PlanFit], allowed: u32) -> String {
    let largest = plans
        .iter()
        .max_by(|a, b| a.usd_per_month.total_cmp(&b.usd_per_month));
    match largest {
        Some(p) => format!(
            "No plan would have done with at most {allowed} limited days: {}, the largest, \
             would have had {}.",
            p.name,
            limited(p.limited_days)
        ),
        None => "No plan to compare: the price table is empty.".into(),
    }
}

/// "1 day limited", "3 days limited".
fn limited(days: Option<u32>) -> String {
    match days.unwrap_or(0) {
        1 => "1 day limited".to_string(),
        n => format!("{n} days limited"),
    }
}
