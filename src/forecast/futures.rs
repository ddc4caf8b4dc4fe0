//! The futures behind a forecast, kept so other questions can be asked of them: how much
//! may be burned by a given instant in a given share of futures (how much to top up, what
//! cap a month needs), and how often a level is crossed again and again (auto-reloads).
//!
//! They are the same futures as the range: the chosen course's foreseen burn hour by hour,
//! scaled by the pool's own past ratios of true to foreseen burn at each distance ahead
//! ([`Spread`]). "Lasts until `t`" means the level is not reached at any hour before `t`,
//! as the range reads it, so the burn to allow for is the largest, over the hours up to
//! `t`, of that hour's foreseen burn times its ratio at the chance asked.

use super::spread::Spread;

/// Hours ahead checked one by one; past them, every [`STRIDE_H`] hours (the ratios change
/// slowly that far out, and it keeps the cost of a month's question under a millisecond).
const EVERY_HOUR_H: usize = 24;
const STRIDE_H: usize = 6;

/// A pool's futures from the instant of its last reading.
#[derive(Debug, Clone, PartialEq)]
pub struct Futures {
    /// The end of each hour ahead and the burn foreseen up to it (non-decreasing).
    steps: Vec<(i64, f64)>,
    /// The errors that widen the foreseen burn into futures.
    spread: Spread,
    /// The instant of the last reading.
    from: i64,
}

impl Futures {
    /// From the walk's steps (`(end, foreseen burn so far)`) and the spread it used.
    pub fn new(steps: Vec<(i64, f64)>, spread: Spread, from: i64) -> Futures {
        Futures {
            steps,
            spread,
            from,
        }
    }

    /// The last instant these futures reach.
    pub fn reach(&self) -> i64 {
        self.steps.last().map_or(self.from, |s| s.0)
    }

    /// The burn that is not exceeded at any hour before `until` in a share `p` of futures
    /// (0.9: nine in ten). `None` when `until` lies past what was foreseen.
    pub(crate) fn burn_within(&self, until: i64, p: f64) -> Option<f64> {
        self.burns_within(&[until], p)[0]
    }

    /// [`Futures::burn_within`] for several instants, in one walk over the hours.
    pub(crate) fn burns_within(&self, untils: &[i64], p: f64) -> Vec<Option<f64>> {
        let mut out = vec![None; untils.len()];
        let mut order: Vec<usize> = (0..untils.len()).collect();
        order.sort_by_key(|&j| untils[j]);
        let ratio = |t: i64, burn: f64| {
            let k = (t - self.from) as f64 / 3600.0;
            burn * self.spread.ratio_at(k, 1.0 - p)
        };
        let (mut most, mut i) = (0.0_f64, 0);
        for j in order {
            let until = untils[j];
            if until > self.reach() {
                continue;
            }
            let last = self.steps.partition_point(|&(end, _)| end <= until);
            while i < last {
                most = most.max(ratio(self.steps[i].0, self.steps[i].1));
                i += if i < EVERY_HOUR_H { 1 } else { STRIDE_H };
            }
            if last > 0 {
                let (end, burn) = self.steps[last - 1];
                most = most.max(ratio(end, burn));
            }
            // The part hour up to `until`, at the next step's rate.
            if let Some(&(end, foreseen)) = self.steps.get(last).filter(|_| until > self.from) {
                let before = if last == 0 {
                    (self.from, 0.0)
                } else {
                    self.steps[last - 1]
                };
                let part = (until - before.0) as f64 / (end - before.0).max(1) as f64;
                most = most.max(ratio(until, before.1 + (foreseen - before.1) * part));
            }
            out[j] = Some(most);
        }
        out
    }

    /// The burn foreseen by `until` in the middle future (half burn more, half less).
    pub(crate) fn median_burn(&self, until: i64) -> Option<f64> {
        let i = self.steps.partition_point(|&(end, _)| end < until);
        let &(end, foreseen) = self.steps.get(i)?;
        let k = (end - self.from) as f64 / 3600.0;
        Some(foreseen * self.spread.ratio_at(k, 0.5))
    }

    /// How many times, on average over the futures, the level is crossed before `until`
    /// when it is `gap` away now and each crossing puts it `step` away again (an
    /// auto-reload that tops the balance back up). `None` when `until` lies past what was
    /// foreseen or `step` is not positive.
    pub(crate) fn crossings(&self, until: i64, gap: f64, step: f64) -> Option<f64> {
        if step <= 0.0 {
            return None;
        }
        let i = self.steps.partition_point(|&(end, _)| end < until);
        let &(end, foreseen) = self.steps.get(i)?;
        if foreseen <= 0.0 {
            return Some(0.0);
        }
        let k = (end - self.from) as f64 / 3600.0;
        // The mean count over the futures at every 40th of the distribution, so that the
        // thin tails past the last one (whose mean is unbounded) do not count.
        let levels = 39;
        let sum: f64 = (1..=levels)
            .map(|i| {
                let burn = foreseen
                    * self
                        .spread
                        .ratio_at(k, f64::from(i) / f64::from(levels + 1));
                match burn - gap.max(0.0) {
                    left if left < 0.0 => 0.0,
                    left => (left / step).floor() + 1.0,
                }
            })
            .sum();
        Some(sum / f64::from(levels))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::spread::LEADS;

    /// $1 an hour for 40 days, with ratios spread evenly from 0.5 to 1.5 at every distance.
    fn steady() -> Futures {
        let from = 1_800_000_000;
        let steps = (1..=960).map(|h| (from + h * 3600, h as f64)).collect();
        let ratios: Vec<f64> = (0..=1000).map(|i| 0.5 + f64::from(i) / 1000.0).collect();
        let spread = Spread::of(vec![ratios; LEADS.len()], 28.0);
        Futures::new(steps, spread, from)
    }

    #[test]
    fn nine_futures_in_ten_burn_no_more_than_the_ninetieth_ratio_allows() {
        let f = steady();
        let week = f.from + 7 * 86_400;
        let b = f.burn_within(week, 0.9).unwrap();
        // 168 hours foreseen, the 90th percentile ratio about 1.4 (the prior pulls a little
        // wider).
        assert!((b / 168.0 - 1.4).abs() < 0.1, "{b}");
        let m = f.median_burn(week).unwrap();
        assert!((m / 168.0 - 1.0).abs() < 0.05, "{m}");
        assert!(f.burn_within(f.from + 50 * 86_400, 0.9).is_none());
        // Half an hour ahead: half an hour's burn, widened.
        let half = f.burn_within(f.from + 1800, 0.9).unwrap();
        assert!(half > 0.5 && half < 1.5, "{half}");
    }

    #[test]
    fn crossings_count_the_reloads_a_month_of_burn_makes() {
        let f = steady();
        let month = f.from + 30 * 86_400;
        let n = f.crossings(month, 10.0, 100.0).unwrap();
        // 720 dollars burned in the middle future, $10 to the first reload and $100 between
        // reloads: 8 reloads, and as many fewer or more as the ratios spread.
        assert!((n - 7.6).abs() < 0.5, "{n}");
        assert!(f.crossings(month, 10_000.0, 100.0).unwrap() < 0.01);
        assert!(f.crossings(month, 10.0, 0.0).is_none());
    }
}
