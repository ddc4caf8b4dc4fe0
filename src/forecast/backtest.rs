//! Backtests: the forecaster replayed hour by hour over a history whose run-outs are known,
//! each hour's answer scored against what happened next.
//!
//! Used on the user's own stored history (`creditwatch forecast backtest`) and on the
//! synthetic users of `benches/traces/` (`benches/forecast/`). At every hour with a
//! reading (and a level above the one that matters) the forecast is made from the 28 days
//! before it alone, then scored by how far the next true run-out was:
//!
//! - ETA error: the mean absolute error of the median, in hours, by bucket of time to the
//!   true run-out (0-6, 6-12, 12-24, 24-48 h), and the share of those hours with no
//!   forecast; and the same by bucket of the time the forecast gave (an error bucketed
//!   only one way can be gamed by a bias);
//! - of the hours whose median was less than 48 h away, the share whose true run-out came
//!   before it (50 % for a median that is one);
//! - range: the share of those hours whose true run-out lay between the 10th and 90th
//!   percentile (a 90th percentile beyond the horizon counts as "later than anything");
//! - the share of all hours with a forecast.

use super::hourly::Hourly;
use super::judge::{self, Card};
use super::method::{Hours, Method};
use super::week::{Shape, day_of};
use super::{Direction, Forecast, JUDGE_LOOKBACK_S, LOOKBACK_S, MAX_AHEAD_S, Question};
use crate::store::Sample;
use jiff::tz::TimeZone;
use serde::Serialize;

/// The buckets of time to the true run-out, hours.
pub const BUCKETS: [(f64, f64); 4] = [(0.0, 6.0), (6.0, 12.0), (12.0, 24.0), (24.0, 48.0)];

/// The scores of one bucket.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Bucket {
    /// Hours whose true run-out was this far away.
    pub hours: u64,
    /// Of those, hours without a forecast.
    pub without: u64,
    /// Sum of the median's absolute error, hours (over hours with a forecast).
    pub error_h: f64,
    /// Hours whose true run-out lay in the 10-90 % range.
    pub covered: u64,
    /// Hours whose true run-out came before the 10th percentile.
    pub early: u64,
}

impl Bucket {
    /// Mean absolute error of the median, hours; `None` without a forecast.
    pub fn mae_h(&self) -> Option<f64> {
        let n = self.hours - self.without;
        (n > 0).then(|| self.error_h / n as f64)
    }

    /// Share of hours without a forecast.
    pub(crate) fn without_share(&self) -> f64 {
        ratio(self.without, self.hours)
    }

    /// Share of hours whose true run-out was in the range.
    pub fn coverage(&self) -> f64 {
        ratio(self.covered, self.hours - self.without)
    }

    /// Share of hours whose true run-out came before the range.
    pub fn early_share(&self) -> f64 {
        ratio(self.early, self.hours - self.without)
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// A backtest's scores.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Scores {
    /// By time to the true run-out, as [`BUCKETS`].
    pub buckets: [Bucket; 4],
    /// Hours scored.
    pub hours: u64,
    /// Of those, hours with a forecast.
    pub with_forecast: u64,
    /// True run-outs in the period.
    pub run_outs: usize,
    /// By the time the forecast gave to the run-out, as [`BUCKETS`].
    pub by_forecast: [Bucket; 4],
    /// Hours whose median was less than 48 h away, and of those, hours whose true run-out
    /// came before it.
    pub median_judged: u64,
    /// See `median_judged`.
    pub before_median: u64,
}

impl Scores {
    /// Share of hours with a forecast.
    pub fn forecast_share(&self) -> f64 {
        ratio(self.with_forecast, self.hours)
    }

    /// The share of hours whose true run-out came before the median.
    pub fn before_median_share(&self) -> f64 {
        ratio(self.before_median, self.median_judged)
    }

    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: &Scores) {
        self.hours += other.hours;
        self.with_forecast += other.with_forecast;
        self.run_outs += other.run_outs;
        self.median_judged += other.median_judged;
        self.before_median += other.before_median;
        for (mine, theirs) in [
            (&mut self.buckets, &other.buckets),
            (&mut self.by_forecast, &other.by_forecast),
        ] {
            for (b, x) in mine.iter_mut().zip(theirs) {
                b.hours += x.hours;
                b.without += x.without;
                b.error_h += x.error_h;
                b.covered += x.covered;
                b.early += x.early;
            }
        }
    }

    /// Hours 0 to 48 h before a run-out, all buckets together.
    pub fn within_48h(&self) -> Bucket {
        let mut all = Bucket::default();
        for b in &self.buckets {
            all.hours += b.hours;
            all.without += b.without;
            all.error_h += b.error_h;
            all.covered += b.covered;
            all.early += b.early;
        }
        all
    }
}

/// The history to replay.
pub struct History<'a> {
    /// The level's readings, oldest first.
    pub samples: &'a [Sample],
    /// When the level truly reached the one that matters.
    pub run_outs: &'a [i64],
    /// That level.
    pub target: f64,
    /// Which way the level moves.
    pub direction: Direction,
}

/// Scores `forecast` (asked with the readings of the 28 days before each hour and the
/// hour) at every `step` seconds from `from` to `to`.
pub fn score(
    h: &History<'_>,
    from: i64,
    to: i64,
    step: i64,
    mut forecast: impl FnMut(&[Sample], i64) -> Forecast,
) -> Scores {
    let mut scores = Scores {
        run_outs: h.run_outs.iter().filter(|&&t| t > from && t <= to).count(),
        ..Scores::default()
    };
    let mut t = from;
    while t <= to {
        let lo = h.samples.partition_point(|s| s.t < t - LOOKBACK_S);
        let hi = h.samples.partition_point(|s| s.t <= t);
        let seen = &h.samples[lo..hi];
        t += step;
        let Some(last) = seen.last() else { continue };
        let there = match h.direction {
            Direction::Falling => last.v <= h.target,
            Direction::Rising => last.v >= h.target,
        };
        // Reached and waiting for a top-up or a reset: nothing to foresee.
        if there || t - step - last.t > 3600 {
            continue;
        }
        let now = t - step;
        let f = forecast(seen, now);
        scores.hours += 1;
        scores.with_forecast += u64::from(f.at.is_some());
        let Some(&truth) = h.run_outs.iter().find(|&&r| r > now) else {
            continue;
        };
        let bucket = |h: f64| BUCKETS.iter().position(|&(a, b)| h >= a && h < b);
        if let Some(at) = f.at.filter(|&at| at - now < 48 * 3600) {
            // Judged by what the forecast said, not by when the truth came: hours picked
            // for a run-out soon would favour "before" whatever the median.
            scores.median_judged += 1;
            scores.before_median += u64::from(truth < at);
        }
        if let Some(i) = f.at.and_then(|at| bucket((at - now) as f64 / 3600.0)) {
            let b = &mut scores.by_forecast[i];
            b.hours += 1;
            b.error_h += (f.at.unwrap_or(now) - truth).abs() as f64 / 3600.0;
        }
        let Some(i) = bucket((truth - now) as f64 / 3600.0) else {
            continue;
        };
        let b = &mut scores.buckets[i];
        b.hours += 1;
        match f.at {
            None => b.without += 1,
            Some(at) => {
                b.error_h += (at - truth).abs() as f64 / 3600.0;
                let above = f.earliest.is_none_or(|e| e <= truth);
                let below = f.latest.is_none_or(|l| truth <= l);
                b.covered += u64::from(above && below);
                b.early += u64::from(!above);
            }
        }
    }
    scores
}

/// The times a stored level reached `target`: a fall to it or below (a rise, for a rising
/// level), or, with auto-reload, a reload from just above it (the reload comes between two
/// readings, so the balance is never read below the threshold).
pub fn run_outs(samples: &[Sample], target: f64, direction: Direction, reload: bool) -> Vec<i64> {
    let mut out = Vec::new();
    for w in samples.windows(2) {
        let (a, b) = (w[0], w[1]);
        let reached = match direction {
            Direction::Falling => a.v > target && b.v <= target,
            Direction::Rising => a.v < target && b.v >= target,
        };
        let reloaded = reload && b.v > a.v && a.v > target && a.v <= target * 1.25 + 1.0;
        if reached || reloaded {
            out.push(b.t);
        }
    }
    out
}

/// The forecaster as it runs day after day over a history: the daily choice made again
/// at the first hour of each day from the history before it, then each hour's forecast.
pub struct Rolling<'a> {
    /// The whole history (the choice reads up to [`JUDGE_LOOKBACK_S`] of it).
    pub all: &'a [Sample],
    /// Which way the level moves.
    pub direction: Direction,
    /// The level that matters.
    pub target: f64,
    /// The user's time zone.
    pub tz: &'a TimeZone,
    /// The transcripts' week, if any.
    pub prior: Option<&'a Shape>,
    /// A candidate to use whatever the choice (for baselines); `None` lets each pool choose.
    pub force: Option<Method>,
    card: Option<Card>,
}

impl<'a> Rolling<'a> {
    /// Over `all`.
    pub fn new(all: &'a [Sample], direction: Direction, target: f64, tz: &'a TimeZone) -> Self {
        Rolling {
            all,
            direction,
            target,
            tz,
            prior: None,
            force: None,
            card: None,
        }
    }

    /// The forecast at `now` from `seen` (the 28 days before it), with the chance of
    /// reaching the level before the end of tomorrow.
    pub fn at(&mut self, seen: &[Sample], now: i64) -> Forecast {
        let today = day_of(now, self.tz);
        if self.card.as_ref().is_none_or(|c| c.day != today) {
            let lo = self.all.partition_point(|s| s.t < now - JUDGE_LOOKBACK_S);
            let hi = self.all.partition_point(|s| s.t <= now);
            let h = Hourly::of(&self.all[lo..hi], self.direction, self.target);
            let x = Hours::of(&h, self.tz);
            self.card = Some(judge::judge_with(&x, self.prior, today, self.force));
        }
        super::forecast(&Question {
            samples: seen,
            direction: self.direction,
            target: self.target,
            horizon: now + MAX_AHEAD_S,
            deadline: Some(crate::calendar::start_of_day(now, 2, self.tz)),
            now,
            tz: self.tz,
            prior: self.prior,
            card: self.card.as_ref(),
        })
    }
}
