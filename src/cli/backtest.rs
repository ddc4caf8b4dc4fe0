//! `creditwatch forecast backtest`: how good the forecast has been on the user's own
//! stored history, replayed hour by hour beside the simple methods.

use super::Context;
use super::table::Table;
use crate::calendar;
use crate::forecast::backtest::{self, History, Rolling, Scores};
use crate::forecast::method::Method;
use crate::forecast::{Direction, JUDGE_LOOKBACK_S};
use crate::names;
use crate::store::Store;
use anyhow::Context as _;
use jiff::tz::TimeZone;
use serde::Serialize;
use std::fmt::Write as _;

/// What `forecast backtest` was asked for.
pub struct BacktestRequest<'a> {
    /// `--since`: how much history to replay.
    pub since: &'a str,
    /// `--pool`: `credits`, `extra_usage`, or a plan window's name.
    pub pool: &'a str,
    /// `--account`.
    pub account: &'a str,
    /// `--json`.
    pub json: bool,
}

/// The backtest's report, as `--json` prints it.
#[derive(Debug, Serialize)]
struct Report {
    account: String,
    pool: String,
    from: i64,
    to: i64,
    run_outs: usize,
    forecaster: Scores,
    profile: Scores,
    average: Scores,
}

/// Replays the forecaster hour by hour over the stored history of one pool and prints how
/// it did, next to the two simple candidates alone.
pub fn backtest(ctx: &Context, req: &BacktestRequest<'_>) -> anyhow::Result<()> {
    let since = crate::config::parse_duration(req.since)
        .map_err(|e| anyhow::anyhow!("--since {}: {e}", req.since))?
        .as_secs() as i64;
    let store = Store::open_read_only(&ctx.paths.database())?
        .context("no history yet: run `creditwatch check`, or start the daemon")?;
    let tz = calendar::local_zone();
    let (metric, direction, target, reload) = pool_of(&store, req.account, req.pool, ctx.now)?;
    let from = ctx.now - since;
    let samples = store.samples(req.account, &metric, from - JUDGE_LOOKBACK_S, ctx.now)?;
    let run_outs = backtest::run_outs(&samples, target, direction, reload);
    let history = History {
        samples: &samples,
        run_outs: &run_outs,
        target,
        direction,
    };
    // The first day is history to learn from.
    // The first day is kept to learn from; a history shorter than that scores nothing
    // (and its range is not printed backwards).
    let start = samples
        .first()
        .map_or(from, |s| s.t.max(from) + 86_400)
        .min(ctx.now);
    let [forecaster, profile, average] =
        [None, Some(Method::Profile), Some(Method::Average)].map(|force| {
            let mut rolling = Rolling::new(&samples, direction, target, &tz);
            rolling.force = force;
            backtest::score(&history, start, ctx.now, 3600, |seen, now| {
                rolling.at(seen, now)
            })
        });
    let report = Report {
        account: req.account.to_string(),
        pool: req.pool.to_string(),
        from: start,
        to: ctx.now,
        run_outs: forecaster.run_outs,
        forecaster,
        profile,
        average,
    };
    if req.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render_backtest(&report, &tz));
    }
    Ok(())
}

/// The stored metric of a pool, which way it moves, the level that matters, and whether
/// reaching it means a reload (auto-reload on).
fn pool_of(
    store: &Store,
    account: &str,
    pool: &str,
    now: i64,
) -> anyhow::Result<(String, Direction, f64, bool)> {
    let last = |m: &str| -> anyhow::Result<Option<f64>> {
        Ok(store.last_sample(account, m, now)?.map(|(s, _)| s.v))
    };
    Ok(match pool {
        "credits" => {
            let reload = last(names::AUTO_RELOAD_ENABLED)?.is_some_and(|v| v > 0.0);
            let threshold = match reload {
                true => last(names::AUTO_RELOAD_THRESHOLD)?.unwrap_or(0.0),
                false => 0.0,
            };
            (
                names::CREDITS_BALANCE.into(),
                Direction::Falling,
                threshold,
                reload,
            )
        }
        "extra_usage" => {
            let limit = last(names::EXTRA_LIMIT)?
                .context("extra usage has no cap to run into: nothing to backtest")?;
            (names::EXTRA_USED.into(), Direction::Rising, limit, false)
        }
        window => (names::window_used(window), Direction::Rising, 100.0, false),
    })
}

fn render_backtest(r: &Report, tz: &TimeZone) -> String {
    let day = |t: i64| calendar::zoned(t, tz).strftime("%a %d %b").to_string();
    let mut out = format!(
        "Backtest of the {} forecast ({}), {} to {}: {} run-outs\n\n",
        r.pool,
        r.account,
        day(r.from),
        day(r.to),
        r.run_outs
    );
    let hours = r.forecaster.hours;
    if hours == 0 || r.from >= r.to {
        out.push_str(
            "No hour to score: the first day of history is kept to learn from, so --since must \
             reach back more than a day before now, over a pool that moved.\n",
        );
        return out;
    }
    let mut t = Table::new(&[
        "method",
        "0-6 h",
        "6-12 h",
        "12-24 h",
        "24-48 h",
        "none <48 h",
        "in 10-90 %",
        "before median",
        "hours with one",
    ]);
    for (name, s) in [
        ("forecast (its daily choice)", &r.forecaster),
        ("hour-of-week profile alone", &r.profile),
        ("7-day average rate alone", &r.average),
    ] {
        let mae = |i: usize| {
            s.buckets[i]
                .mae_h()
                .map_or("-".into(), |m| format!("{m:.1} h"))
        };
        let all = s.within_48h();
        t.row(vec![
            name.into(),
            mae(0),
            mae(1),
            mae(2),
            mae(3),
            format!("{:.0} %", all.without_share() * 100.0),
            format!("{:.0} %", all.coverage() * 100.0),
            format!("{:.0} %", s.before_median_share() * 100.0),
            format!("{:.0} %", s.forecast_share() * 100.0),
        ]);
    }
    out.push_str(&t.render());
    let _ = writeln!(
        out,
        "\nError: the median's mean absolute error, by how far the true run-out was. {hours} hours scored."
    );
    out
}
