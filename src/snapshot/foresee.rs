//! Asking the forecaster about a stored pool: its last 28 days of samples, the
//! transcripts' week as the shape while the pool's own history is shorter than a week, and
//! the pool's daily choice of method ([`Card`]), made once a day and kept in the store.
//!
//! The status line asks many times a minute while a pool's readings change every few
//! minutes: [`Seer::glimpse`] keeps each answer in the store with what it was worked out
//! from (the pool's last reading, its daily choice, the question, the hour) and gives it
//! again while those are the same, without reading the 28 days.

use crate::forecast::judge::Card;
use crate::forecast::week::{self, Shape, WEEK};
use crate::forecast::{self, Direction, Forecast, JUDGE_LOOKBACK_S, LOOKBACK_S, Question};
use crate::store::{Sample, Store, StoreError};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use std::cell::OnceCell;

/// A pool's history needs this much before its own week is its shape (and the
/// transcripts' spend about as much to give one).
const OWN_WEEK_S: i64 = 7 * 86_400;

/// Whether a stale daily choice is made again, or the last one kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choosing {
    /// Made again (and stored) once a day: the daemon, `check`, `forecast`.
    Daily,
    /// The last one stored is kept, whatever its day: the status line, which must be fast.
    Kept,
}

/// What a pool is asked.
pub struct Ask<'a> {
    /// The pool's metric (its daily choice is kept under it).
    pub metric: &'a str,
    /// Its last 28 days.
    pub samples: &'a [Sample],
    /// Which way it moves.
    pub direction: Direction,
    /// The level that matters.
    pub target: f64,
    /// No later than this.
    pub horizon: i64,
    /// The chance asked for is of reaching it by this instant.
    pub deadline: Option<i64>,
}

/// A forecast the status line worked out, kept with its basis.
#[derive(Serialize, Deserialize)]
struct Kept {
    /// What it was worked out from; an answer is given again only for the same.
    basis: String,
    at: Option<i64>,
    earliest: Option<i64>,
    latest: Option<i64>,
    chance: Option<f64>,
    learning_s: Option<i64>,
    method: String,
}

/// The fact a pool's daily choice is kept under.
fn card_key(metric: &str) -> String {
    format!("forecast.choice.{metric}")
}

/// The forecaster for one account at one instant.
pub struct Seer<'a> {
    store: &'a Store,
    account: &'a str,
    now: i64,
    tz: &'a TimeZone,
    choosing: Choosing,
    prior: OnceCell<Option<Shape>>,
}

impl<'a> Seer<'a> {
    /// For `account` at `now`.
    pub fn new(
        store: &'a Store,
        account: &'a str,
        now: i64,
        tz: &'a TimeZone,
        choosing: Choosing,
    ) -> Seer<'a> {
        Seer {
            store,
            account,
            now,
            tz,
            choosing,
            prior: OnceCell::new(),
        }
    }

    /// The instant it sees from.
    pub fn now(&self) -> i64 {
        self.now
    }

    /// The last 28 days of `metric`, oldest first.
    pub fn samples(&self, metric: &str) -> Result<Vec<Sample>, StoreError> {
        self.store
            .samples(self.account, metric, self.now - LOOKBACK_S, self.now)
    }

    /// The forecast of one pool.
    pub fn ask(&self, a: &Ask<'_>) -> Result<Forecast, StoreError> {
        let prior = match short(a.samples) {
            true => self.prior()?,
            false => None,
        };
        let card = self.card(a, prior.as_ref())?;
        Ok(forecast::forecast(&Question {
            samples: a.samples,
            direction: a.direction,
            target: a.target,
            horizon: a.horizon,
            deadline: a.deadline,
            now: self.now,
            tz: self.tz,
            prior: prior.as_ref(),
            card: card.as_ref(),
        }))
    }

    /// When and how likely `metric` reaches `target`, as [`Seer::ask`] says from its last 28
    /// days, but kept from the last time it was asked while the pool's last reading, its
    /// daily choice, the question and the hour are the same: what the status line needs.
    /// What a kept answer lacks is what the status line does not show (the next 24 hours'
    /// burn, the futures behind the range).
    /// `last` is the pool's last reading, which the caller has read already.
    pub fn glimpse(
        &self,
        (metric, last): (&str, Sample),
        direction: Direction,
        target: f64,
        (horizon, deadline): (i64, Option<i64>),
    ) -> Result<Forecast, StoreError> {
        let card_t = self.store.fact_time(self.account, &card_key(metric))?;
        let basis = format!(
            "{:?} {card_t:?} {direction:?} {} {} {deadline:?} {} {}",
            (last.t, last.v.to_bits()),
            target.to_bits(),
            horizon.div_euclid(3600),
            self.now.div_euclid(3600),
            self.tz.iana_name().unwrap_or("")
        );
        let key = format!("forecast.kept.{metric}");
        let kept = self.store.fact(self.account, &key)?;
        // One that cannot be read (an earlier version's) is worked out again and replaced.
        if let Some(k) = kept.and_then(|(json, _)| serde_json::from_str::<Kept>(&json).ok()) {
            if k.basis == basis {
                return Ok(k.given(self.now));
            }
        }
        let samples = self.samples(metric)?;
        let f = self.ask(&Ask {
            metric,
            samples: &samples,
            direction,
            target,
            horizon,
            deadline,
        })?;
        // A pool shaped by the transcripts' week depends on more than its own readings.
        if !short(&samples) && !self.store.is_read_only() {
            let json = serde_json::to_string(&Kept {
                basis,
                at: f.at,
                earliest: f.earliest,
                latest: f.latest,
                chance: f.chance,
                learning_s: f.learning_s,
                method: f.method.clone(),
            })
            .map_err(|e| StoreError::Encode {
                what: "the status line's forecast",
                message: e.to_string(),
            })?;
            self.store
                .set_fact(self.account, &key, &json, self.now, "forecast")?;
        }
        Ok(f)
    }

    /// The pool's daily choice: today's from the store, else made now from its history
    /// (and stored, unless the store is open read-only).
    fn card(&self, a: &Ask<'_>, prior: Option<&Shape>) -> Result<Option<Card>, StoreError> {
        let key = card_key(a.metric);
        let stored = self.store.fact(self.account, &key)?.and_then(|(json, _)| {
            match serde_json::from_str::<Card>(&json) {
                Ok(card) => Some(card),
                // An earlier version's choice, or a damaged one: made again below.
                Err(e) => {
                    tracing::warn!(metric = a.metric, error = %e, "unreadable forecast choice");
                    None
                }
            }
        });
        let today = week::day_of(self.now, self.tz);
        match (stored, self.choosing) {
            (Some(card), _) if card.day == today => return Ok(Some(card)),
            (stored, Choosing::Kept) => return Ok(stored),
            _ => {}
        }
        let history = self.store.samples(
            self.account,
            a.metric,
            self.now - JUDGE_LOOKBACK_S,
            self.now,
        )?;
        let card = forecast::choose(&history, a.direction, a.target, self.now, self.tz, prior);
        if !self.store.is_read_only() {
            let json = serde_json::to_string(&card).map_err(|e| StoreError::Encode {
                what: "the forecast's daily choice",
                message: e.to_string(),
            })?;
            self.store
                .set_fact(self.account, &key, &json, self.now, "forecast")?;
        }
        Ok(Some(card))
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
            spend[week::slot(b.start, self.tz)] += b.cost_usd;
            if b.cost_usd > 0.0 {
                (first, last) = (first.min(b.start), last.max(b.start));
            }
        }
        // Less than a week of transcripts is no week's shape.
        let shape = (last >= first && last - first >= OWN_WEEK_S - 86_400)
            .then(|| week::shape(&spend))
            .flatten();
        Ok(*self.prior.get_or_init(|| shape))
    }
}

impl Kept {
    /// The kept answer at `now`: a time already past is now, as a fresh answer says.
    fn given(self, now: i64) -> Forecast {
        let not_before = |t: Option<i64>| t.map(|t| t.max(now));
        Forecast {
            at: not_before(self.at),
            earliest: not_before(self.earliest),
            latest: not_before(self.latest),
            chance: self.chance,
            learning_s: self.learning_s,
            ..Forecast::none(self.method)
        }
    }
}

/// Whether `samples` span less than a week: the transcripts' week shapes such a pool.
fn short(samples: &[Sample]) -> bool {
    match (samples.first(), samples.last()) {
        (Some(x), Some(y)) => y.t - x.t < OWN_WEEK_S,
        _ => true,
    }
}
