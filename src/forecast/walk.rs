//! The chosen course walked forward hour by hour: the time the level is reached as a
//! distribution over the hours ahead, whose percentiles are the range and whose value at a
//! deadline is the chance.

use super::futures::Futures;
use super::method::Course;
use super::spread::Spread;
use super::{MAX_AHEAD_S, Question, week};

/// The time the level is reached, as a distribution over the hours ahead.
pub(super) struct Walk {
    /// The end of each step and the chance of being there by then (non-decreasing).
    steps: Vec<(i64, f64)>,
    /// The last reading's instant, where the walk starts.
    from: i64,
    /// The burn foreseen over the next 24 hours from now.
    pub(super) next_24h: f64,
    /// The rate foreseen in the first hour.
    pub(super) per_hour: f64,
    /// The burns foreseen hour by hour, with their spread.
    pub(super) futures: Futures,
}

impl Walk {
    /// `c` walked from `from`, `gap` away from the level, to `q`'s horizon (and at least a
    /// day), each hour's chance read off `spread`.
    pub(super) fn of(c: &Course, spread: &Spread, gap: f64, from: i64, q: &Question<'_>) -> Walk {
        let horizon = q.horizon.min(q.now + MAX_AHEAD_S);
        let mut w = Walk {
            steps: Vec::new(),
            from,
            next_24h: 0.0,
            per_hour: 0.0,
            futures: Futures::new(Vec::new(), Spread::default(), from),
        };
        let mut burns = Vec::new();
        let (mut t, mut foreseen, mut chance) = (from, 0.0, 0.0_f64);
        let day_end = q.now + 86_400;
        while t < horizon.max(day_end) {
            let hour = t.div_euclid(3600) * 3600;
            let end = hour + 3600;
            let k = (t - from) as f64 / 3600.0;
            let (slot, day) = week::place(hour, q.tz);
            let rate = c.rate(k, slot, day);
            let seconds = (end - t) as f64;
            if t == from {
                w.per_hour = rate;
            }
            let in_day = (end.min(day_end) - t.max(q.now)).max(0) as f64;
            w.next_24h += rate * in_day / 3600.0;
            if t < horizon {
                foreseen += rate * seconds / 3600.0;
                if foreseen > 0.0 {
                    let ahead = (end - from) as f64 / 3600.0;
                    chance = chance.max(spread.beyond(ahead, gap / foreseen));
                }
                w.steps.push((end.min(horizon), chance));
                burns.push((end.min(horizon), foreseen));
            }
            t = end;
        }
        w.futures = Futures::new(burns, spread.clone(), from);
        w
    }

    /// When the chance reaches `p`; `None` when not before the horizon.
    pub(super) fn when(&self, p: f64) -> Option<i64> {
        let i = self.steps.iter().position(|&(_, c)| c >= p)?;
        let (t1, c1) = self.steps[i];
        let (t0, c0) = if i == 0 {
            (self.from, 0.0)
        } else {
            self.steps[i - 1]
        };
        let frac = if c1 > c0 { (p - c0) / (c1 - c0) } else { 1.0 };
        Some(t0 + ((t1 - t0) as f64 * frac).round() as i64)
    }

    /// The chance of being there by `t`.
    pub(super) fn chance_by(&self, t: i64) -> f64 {
        let i = self.steps.partition_point(|&(end, _)| end <= t);
        let before = if i == 0 {
            (self.from, 0.0)
        } else {
            self.steps[i - 1]
        };
        match self.steps.get(i) {
            Some(&(end, c)) if end > before.0 && t > before.0 => {
                before.1 + (c - before.1) * (t - before.0) as f64 / (end - before.0) as f64
            }
            _ => before.1,
        }
    }
}
