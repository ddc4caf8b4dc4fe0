//! Asking the forecaster about a stored pool: its last 28 days of samples, and the
//! transcripts' week as the shape while the pool's own history is shorter than a week.

use crate::forecast::profile::{self, Shape, WEEK};
use crate::forecast::{self, Direction, Forecast, LOOKBACK_S, Question};
use crate::store::{Sample, Store, StoreError};
use jiff::tz::TimeZone;
use std::cell::OnceCell;

/// A pool's history needs this much before its own week is its shape (and the
/// transcripts' spend about as much to give one).
const OWN_WEEK_S: i64 = 7 * 86_400;

/// The forecaster for one account at one instant.
pub struct Seer<'a> {
    store: &'a Store,
    account: &'a str,
    now: i64,
    tz: &'a TimeZone,
    prior: OnceCell<Option<Shape>>,
}

impl<'a> Seer<'a> {
    /// For `account` at `now`.
    pub fn new(store: &'a Store, account: &'a str, now: i64, tz: &'a TimeZone) -> Seer<'a> {
        Seer {
            store,
            account,
            now,
            tz,
            prior: OnceCell::new(),
        }
    }

    /// The last 28 days of `metric`, oldest first.
    pub fn samples(&self, metric: &str) -> Result<Vec<Sample>, StoreError> {
        self.store
            .samples(self.account, metric, self.now - LOOKBACK_S, self.now)
    }

    /// When `samples` reach `target` moving in `direction`, before `horizon`.
    pub fn ask(
        &self,
        samples: &[Sample],
        direction: Direction,
        target: f64,
        horizon: i64,
    ) -> Result<Forecast, StoreError> {
        let short = match (samples.first(), samples.last()) {
            (Some(a), Some(b)) => b.t - a.t < OWN_WEEK_S,
            _ => true,
        };
        let prior = match short {
            true => self.prior()?,
            false => None,
        };
        Ok(forecast::forecast(&Question {
            samples,
            direction,
            target,
            horizon,
            now: self.now,
            tz: self.tz,
            prior: prior.as_ref(),
        }))
    }

    /// The hour-of-week shape of the transcripts' spend over the last 28 days.
    fn prior(&self) -> Result<Option<Shape>, StoreError> {
        if let Some(p) = self.prior.get() {
            return Ok(*p);
        }
        let mut spend = [0.0; WEEK];
        let since = self.now - LOOKBACK_S;
        let (mut first, mut last) = (i64::MAX, i64::MIN);
        for b in self
            .store
            .spend_buckets(self.account, since, self.now, 3600)?
        {
            spend[profile::slot(b.start, self.tz)] += b.cost_usd;
            if b.cost_usd > 0.0 {
                (first, last) = (first.min(b.start), last.max(b.start));
            }
        }
        // Less than a week of transcripts is no week's shape.
        let shape = (last >= first && last - first >= OWN_WEEK_S - 86_400)
            .then(|| profile::shape(&spend))
            .flatten();
        Ok(*self.prior.get_or_init(|| shape))
    }
}
