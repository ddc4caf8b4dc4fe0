//! Forecasts: when a pool reaches the level that matters, with a range and a chance, each
//! pool by the method its own history says foresees it best.
//!
//! One forecaster serves every pool that moves one way between resets: a credit balance
//! that falls (to zero, or to its auto-reload threshold), extra usage that rises towards
//! its monthly cap, a plan window's percent that rises towards 100 before it resets.
//!
//! ```text
//!  samples ──▶ burn per hour ──▶ candidate's course ──▶ foreseen burn ──▶ P(reached by t)
//!  (28 days,    (moves in the    (7-day average,        hour by hour      (the pool's own
//!   one way)     pool's way)      hour-of-week profile,   to the horizon)   errors at each
//!                                 pooled profile,                           distance ahead)
//!                                 adjusted profile)
//!                       ▲                                                        │
//!                       └── once a day: every candidate replayed over the last   ▼
//!                           3 weeks, the best chosen, its errors kept   p10/p50/p90, chance
//! ```
//!
//! 1. [`hourly`]: the samples become burn per hour (falls of a balance, rises of a
//!    counter; the other moves are top-ups and resets).
//! 2. [`method`]: four candidates say how fast it burns in each hour ahead.
//! 3. [`judge`]: once a day each candidate is replayed at every other hour of the pool's last
//!    weeks; the one that foresaw best is used, and its ratios of true to foreseen burn at
//!    each distance ahead are kept ([`spread`]).
//! 4. `walk`: the chosen course is walked forward hour by hour; at each hour the chance that
//!    the gap has been burned is the share of past ratios that would have burned it. Its
//!    10th, 50th and 90th percentiles are the range; its value at a deadline the chance.
//!
//! Without enough readings of its own a pool is "learning": no time, no chance, and
//! `method` says how long until it is not. How well this does is measured, not assumed:
//! [`backtest`] replays it over history, and `benches/forecast/` over synthetic users of
//! seven kinds whose habits are drawn afresh for every seed.

pub mod backtest;
pub mod futures;
pub mod hourly;
pub mod judge;
pub mod method;
pub mod spread;
mod tally;
mod walk;
pub mod week;

use crate::store::Sample;
use futures::Futures;
use hourly::Hourly;
use jiff::tz::TimeZone;
use judge::Card;
use method::{Hours, Method, Tally};
use spread::Spread;
use walk::Walk;
use week::Shape;

/// How far back the forecaster learns from.
pub const LOOKBACK_S: i64 = 28 * 86_400;
/// How far back the daily choice reads: its three weeks, each hour with 28 days before it.
pub const JUDGE_LOOKBACK_S: i64 = LOOKBACK_S + (judge::JUDGED_SPAN_H as i64 + 192) * 3600;
/// How far ahead it looks when nothing resets sooner.
pub const MAX_AHEAD_S: i64 = 35 * 86_400;
/// The span of its own readings a pool needs before it is forecast, seconds; and with the
/// transcripts' week to shape it.
const MIN_SPAN_S: i64 = 3600;
const MIN_SPAN_WITH_PRIOR_S: i64 = 1800;
/// The readings that moved the pool's way it needs (and with the transcripts' week).
const MIN_MOVES: usize = 2;
const MIN_MOVES_WITH_PRIOR: usize = 2;

/// Which moves of a level are burn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A balance: falls are spending, rises are top-ups.
    Falling,
    /// A spend counter or a percent used: rises are spending, falls are resets.
    Rising,
}

impl Direction {
    /// How far `level` is from `target`, in the way it moves.
    pub fn gap(self, level: f64, target: f64) -> f64 {
        match self {
            Direction::Falling => level - target,
            Direction::Rising => target - level,
        }
    }

    fn moves(self) -> &'static str {
        match self {
            Direction::Falling => "falls",
            Direction::Rising => "rises",
        }
    }
}

/// What is asked of the forecaster.
pub struct Question<'a> {
    /// The level's samples up to now, oldest first (up to [`LOOKBACK_S`] of them).
    pub samples: &'a [Sample],
    /// Which way it moves.
    pub direction: Direction,
    /// The level that matters: 0, an auto-reload threshold, a cap, 100 %.
    pub target: f64,
    /// No later than this (a reset); at most [`MAX_AHEAD_S`] after now.
    pub horizon: i64,
    /// The chance asked for is of reaching the level by this instant (capped at the
    /// horizon); `None` asks for none.
    pub deadline: Option<i64>,
    /// Now, unix seconds.
    pub now: i64,
    /// The user's time zone: weeks are local weeks.
    pub tz: &'a TimeZone,
    /// The weekly shape of the user's spend from the transcripts (mean 1), for a pool
    /// whose own history is shorter than a week.
    pub prior: Option<&'a Shape>,
    /// The pool's daily choice ([`choose`]); without one, [`judge::DEFAULT`] and a range
    /// as wide as the bench's users.
    pub card: Option<&'a Card>,
}

/// When the level is reached, with a range and a chance.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    /// The median time it is reached; `None` when not before the horizon (or no burn).
    pub at: Option<i64>,
    /// The 10th percentile: reached this soon in one future out of ten.
    pub earliest: Option<i64>,
    /// The 90th percentile; `None` when one future in ten does not reach it before the
    /// horizon.
    pub latest: Option<i64>,
    /// The chance (0 to 1) of reaching it by the question's deadline.
    pub chance: Option<f64>,
    /// The burn expected over the next 24 hours, in the level's unit.
    pub next_24h: Option<f64>,
    /// The burn rate expected over the next hour, per hour.
    pub per_hour: Option<f64>,
    /// Seconds of readings still needed while the pool is learning.
    pub learning_s: Option<i64>,
    /// How it was found, or why there is none.
    pub method: String,
    /// The futures behind it, for questions beyond when (how much to top up); `None` while
    /// learning or without burn to learn from.
    pub futures: Option<Futures>,
}

impl Forecast {
    /// No forecast, and why.
    pub fn none(method: String) -> Forecast {
        Forecast {
            at: None,
            earliest: None,
            latest: None,
            chance: None,
            next_24h: None,
            per_hour: None,
            learning_s: None,
            method,
            futures: None,
        }
    }

    fn reached(now: i64, method: String) -> Forecast {
        Forecast {
            at: Some(now),
            earliest: Some(now),
            latest: Some(now),
            chance: Some(1.0),
            ..Forecast::none(method)
        }
    }
}

/// The daily choice for a pool from `samples` (up to [`JUDGE_LOOKBACK_S`] before `now`).
pub fn choose(
    samples: &[Sample],
    direction: Direction,
    target: f64,
    now: i64,
    tz: &TimeZone,
    prior: Option<&Shape>,
) -> Card {
    let h = Hourly::of(samples, direction, target);
    judge::judge(&Hours::of(&h, tz), prior, week::day_of(now, tz))
}

/// Answers `q`.
pub fn forecast(q: &Question<'_>) -> Forecast {
    let Some(last) = q.samples.last() else {
        return Forecast::none("no reading yet".into());
    };
    let gap = q.direction.gap(last.v, q.target);
    let learning = learning(q);
    if gap <= 0.0 {
        // Too late for when, not for what comes next (how much a top-up must cover).
        let walked = match learning {
            Some(_) => None,
            None => walk(q, 0.0, last.t).ok(),
        };
        return Forecast {
            next_24h: walked.as_ref().map(|w| w.0.next_24h),
            per_hour: walked.as_ref().map(|w| w.0.per_hour),
            futures: walked.map(|w| w.0.futures),
            ..Forecast::reached(q.now, "already there".into())
        };
    }
    if let Some(left) = learning {
        return Forecast {
            learning_s: Some(left),
            ..Forecast::none(format!(
                "learning ({} more of readings that move)",
                crate::format::duration(left.max(60))
            ))
        };
    }
    let (walk, course, method) = match walk(q, gap, last.t) {
        Ok(w) => w,
        Err(why) => return Forecast::none(why),
    };
    let at = |p: f64| walk.when(p).map(|t| t.max(q.now));
    Forecast {
        at: at(0.5),
        earliest: at(0.1),
        latest: at(0.9),
        chance: q.deadline.map(|d| walk.chance_by(d)),
        next_24h: Some(walk.next_24h),
        per_hour: Some(walk.per_hour),
        learning_s: None,
        method: describe(q, &course, method),
        futures: Some(walk.futures),
    }
}

/// The chosen course walked forward from the last reading at `from`, `gap` away from the
/// level; or why there is no course.
fn walk(q: &Question<'_>, gap: f64, from: i64) -> Result<(Walk, method::Course, Method), String> {
    let h = Hourly::of(q.samples, q.direction, q.target);
    let x = Hours::of(&h, q.tz);
    let mut tally = Tally::new();
    tally.advance(&x, h.burn.len());
    let method = q.card.map_or(judge::DEFAULT, |c| c.method);
    let Some(course) = method::course(method, &x, &tally, h.burn.len(), q.prior) else {
        return Err(format!(
            "no {} in the last 28 days to learn a rate from",
            q.direction.moves()
        ));
    };
    // No errors of its own: the prior alone.
    let fallback = Spread::of(Vec::new(), course.days);
    let spread = q.card.map_or(&fallback, |c| &c.spread);
    Ok((Walk::of(&course, spread, gap, from, q), course, method))
}

/// Seconds of readings still needed before `q`'s pool is forecast, if any.
fn learning(q: &Question<'_>) -> Option<i64> {
    let (span, moves) = match q.prior.is_some() {
        true => (MIN_SPAN_WITH_PRIOR_S, MIN_MOVES_WITH_PRIOR),
        false => (MIN_SPAN_S, MIN_MOVES),
    };
    let first = q.samples.first()?.t;
    let last = q.samples.last()?.t;
    let moved = q
        .samples
        .windows(2)
        .filter(|w| q.direction.gap(w[0].v, w[1].v) > 0.0)
        .count();
    let short = (span - (last - first)).max(0);
    match (short, moved >= moves) {
        (0, true) => None,
        (0, false) => Some(300),
        (s, _) => Some(s),
    }
}

fn describe(q: &Question<'_>, c: &method::Course, m: Method) -> String {
    let days = crate::format::duration((c.days * 86_400.0) as i64);
    let moves = q.direction.moves();
    let what = if m == Method::Average {
        format!("7-day average rate of {days} of {moves}")
    } else {
        let adjusted = match m {
            Method::Adjusted => ", adjusted for the last week, today so far and the last two hours",
            _ => "",
        };
        format!("{} of {days} of {moves}{adjusted}", c.basis)
    };
    let Some(card) = q.card.filter(|c| c.own) else {
        return format!(
            "{what} (the best across the bench's users until 5 days of your own can be judged); \
             range as wide as the bench's users' days"
        );
    };
    let error = |r: &judge::Record| r.error_h.map_or("-".into(), |e| format!("{e:.1} h"));
    let others: Vec<String> = card
        .records
        .iter()
        .filter(|r| r.method != m)
        .map(|r| format!("{} {}", r.method.name(), error(r)))
        .collect();
    let mine = card.records.iter().find(|r| r.method == m);
    let judged = mine.map_or(0, |r| r.judged);
    format!(
        "{what}; chosen on your last {}: {} off at 12-24 h ({}); range from its own past errors",
        crate::format::duration(i64::from(judged) * 3600),
        mine.map_or("-".into(), error),
        others.join(", ")
    )
}

/// The median, 10th and 90th percentile of `spent` plus `days_left` more days (a fraction
/// for the rest of today), each drawn from `past_days` (the user's own daily totals).
/// `None` without past days.
pub(crate) fn month_total(past_days: &[f64], spent: f64, days_left: f64) -> Option<[f64; 3]> {
    if past_days.is_empty() {
        return None;
    }
    let whole = days_left.floor() as usize;
    let part = days_left - whole as f64;
    let mut rng = fastrand::Rng::with_seed(0x6d6f6e7468);
    let mut totals: Vec<f64> = (0..512)
        .map(|_| {
            let mut draw = || past_days[rng.usize(..past_days.len())];
            spent + (0..whole).map(|_| draw()).sum::<f64>() + part * draw()
        })
        .collect();
    totals.sort_by(f64::total_cmp);
    let at = |q: f64| totals[((totals.len() as f64 * q) as usize).min(totals.len() - 1)];
    Some([at(0.5), at(0.1), at(0.9)])
}

#[cfg(test)]
mod tests;
