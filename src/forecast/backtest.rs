//! Backtests: the forecaster replayed hour by hour over a history whose run-outs are known,
//! each hour's answer scored against what happened next.
//!
//! Used on the user's own stored history (`creditwatch forecast backtest`) and on the
//! synthetic users of [`super::traces`] (`benches/forecast/`). At every hour with a
//! reading (and a level above the one that matters) the forecast is made from the 28 days
//! before it alone, then scored by how far the next true run-out was:
//!
//! - ETA error: the mean absolute error of the median, in hours, by bucket of time to the
//!   true run-out (0-6, 6-12, 12-24, 24-48 h), and the share of those hours with no
//!   forecast;
//! - range: the share of those hours whose true run-out lay between the 10th and 90th
//!   percentile (a 90th percentile beyond the horizon counts as "later than anything");
//! - the share of all hours with a forecast.

use super::{Direction, Forecast, LOOKBACK_S};
use crate::store::Sample;
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
}

impl Bucket {
    /// Mean absolute error of the median, hours; `None` without a forecast.
    pub fn mae_h(&self) -> Option<f64> {
        let n = self.hours - self.without;
        (n > 0).then(|| self.error_h / n as f64)
    }

    /// Share of hours without a forecast.
    pub fn without_share(&self) -> f64 {
        ratio(self.without, self.hours)
    }

    /// Share of hours whose true run-out was in the range.
    pub fn coverage(&self) -> f64 {
        ratio(self.covered, self.hours - self.without)
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
}

impl Scores {
    /// Share of hours with a forecast.
    pub fn forecast_share(&self) -> f64 {
        ratio(self.with_forecast, self.hours)
    }

    /// Hours 0 to 48 h before a run-out, all buckets together.
    pub fn within_48h(&self) -> Bucket {
        let mut all = Bucket::default();
        for b in &self.buckets {
            all.hours += b.hours;
            all.without += b.without;
            all.error_h += b.error_h;
            all.covered += b.covered;
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
        let ahead_h = (truth - now) as f64 / 3600.0;
        let Some(i) = BUCKETS
            .iter()
            .position(|&(a, b)| ahead_h >= a && ahead_h < b)
        else {
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

/// Today's projection before the forecaster, kept as the baseline backtests compare with:
/// the level divided by the average fall of the last 24 hours, and nothing when nothing
/// fell in them.
pub fn linear_24h(seen: &[Sample], target: f64, direction: Direction, now: i64) -> Forecast {
    let day: Vec<Sample> = seen
        .iter()
        .copied()
        .filter(|s| s.t >= now - 86_400)
        .collect();
    let none = Forecast {
        at: None,
        earliest: None,
        latest: None,
        next_24h: None,
        per_hour: None,
        method: "linear over the last 24 hours".into(),
    };
    let (Some(first), Some(last)) = (day.first(), day.last()) else {
        return none;
    };
    if last.t - first.t < 1800 {
        return none;
    }
    let moved: f64 = day
        .windows(2)
        .map(|w| match direction {
            Direction::Falling => (w[0].v - w[1].v).max(0.0),
            Direction::Rising => (w[1].v - w[0].v).max(0.0),
        })
        .sum();
    let per_h = moved * 3600.0 / (last.t - first.t) as f64;
    let gap = match direction {
        Direction::Falling => last.v - target,
        Direction::Rising => target - last.v,
    };
    if per_h <= 0.0 {
        return none;
    }
    let at = Some((last.t + (gap / per_h * 3600.0) as i64).max(now));
    Forecast {
        at,
        earliest: at,
        latest: at,
        next_24h: Some(per_h * 24.0),
        per_hour: Some(per_h),
        ..none
    }
}
