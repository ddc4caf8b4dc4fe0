//! Forecasts: when a pool reaches the level that matters, with a range, learned from the
//! user's own week.
//!
//! One forecaster serves every pool that moves one way between resets: a credit balance
//! that falls (to zero, or to its auto-reload threshold), extra usage that rises towards
//! its monthly cap, a plan window's percent that rises towards 100 before it resets.
//!
//! ```text
//!  samples ──▶ burn per hour ──▶ profile ──────────▶ course ──▶ 512 futures ──▶ p10/p50/p90
//!  (28 days,    (moves in the    (hour of week,       (level,     (days drawn
//!   one way)     pool's way)      day, flat; or the    scaled by   from the
//!                                 transcripts' week)   recent      user's own)
//!                                                      activity)
//! ```
//!
//! 1. [`hourly`]: the samples become burn per hour (falls of a balance, rises of a
//!    counter; the other moves are top-ups and resets).
//! 2. [`profile`]: a rate for each of the 168 hours of the week, pooled towards the hour
//!    of the day and the flat rate as far as the user's own hours say it should be.
//! 3. The recent past scales it: the last 7 days against what the profile expected of them
//!    (a user whose spend grows), today so far for the rest of today (a busy day, or a day
//!    off), and the last two hours for the next few (a burst of agents under way).
//! 4. [`paths`]: the course is integrated forward hour by hour, in futures whose days are
//!    scaled like the user's own past days, to the target or the horizon; the 10th, 50th
//!    and 90th percentile of the times are the range.
//!
//! A quiet day is not "no forecast": as long as the pool burned in the last 28 days there
//! is one. Nothing is reported only when nothing burned, and then `method` says so. How
//! well this does is measured, not assumed: [`backtest`] replays it over history, and
//! `benches/forecast/` over synthetic users of seven kinds.

pub mod backtest;
pub mod hourly;
pub mod paths;
pub mod profile;
pub mod traces;

use crate::store::Sample;
use hourly::Hourly;
use jiff::tz::TimeZone;
use profile::{Basis, Shape};

/// How far back the forecaster learns from.
pub const LOOKBACK_S: i64 = 28 * 86_400;
/// How far ahead it looks when nothing resets sooner.
pub const MAX_AHEAD_S: i64 = 35 * 86_400;

/// Which moves of a level are burn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A balance: falls are spending, rises are top-ups.
    Falling,
    /// A spend counter or a percent used: rises are spending, falls are resets.
    Rising,
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
    /// Now, unix seconds.
    pub now: i64,
    /// The user's time zone: weeks are local weeks.
    pub tz: &'a TimeZone,
    /// The weekly shape of the user's spend from the transcripts (mean 1), for a pool
    /// whose own history is shorter than a week.
    pub prior: Option<&'a Shape>,
}

/// When the level is reached, with a range.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    /// The median time it is reached; `None` when not before the horizon (or no burn).
    pub at: Option<i64>,
    /// The 10th percentile: reached this soon in one future out of ten.
    pub earliest: Option<i64>,
    /// The 90th percentile; `None` when one future in ten does not reach it before the
    /// horizon.
    pub latest: Option<i64>,
    /// The burn expected over the next 24 hours, in the level's unit.
    pub next_24h: Option<f64>,
    /// The burn rate expected over the next hour, per hour.
    pub per_hour: Option<f64>,
    /// How it was found, or why there is none.
    pub method: String,
}

impl Forecast {
    /// No forecast, and why.
    pub fn none(method: String) -> Forecast {
        Forecast {
            at: None,
            earliest: None,
            latest: None,
            next_24h: None,
            per_hour: None,
            method,
        }
    }
}

/// Answers `q`.
pub fn forecast(q: &Question<'_>) -> Forecast {
    let moves = match q.direction {
        Direction::Falling => "falls",
        Direction::Rising => "rises",
    };
    let Some(last) = q.samples.last() else {
        return Forecast::none("no reading yet".into());
    };
    let gap = match q.direction {
        Direction::Falling => last.v - q.target,
        Direction::Rising => q.target - last.v,
    };
    let hourly = Hourly::of(q.samples, q.direction, q.target);
    let Some(profile) = profile::learn(&hourly, q.tz, q.prior) else {
        if gap <= 0.0 {
            return reached(q.now, "already there".into());
        }
        return Forecast::none(format!(
            "no {moves} in the last 28 days to learn a rate from"
        ));
    };
    let lasting = lasting(&hourly, &profile, q.tz);
    let today = today(&hourly, &profile, lasting, q.now, q.tz);
    let recent = recent(&hourly, &profile, lasting, q.tz);
    let course = paths::Course {
        profile: &profile,
        level: last.v,
        from: last.t,
        target: q.target,
        direction: q.direction,
        horizon: q.horizon.min(q.now + MAX_AHEAD_S),
        lasting,
        today,
        recent,
        tz: q.tz,
    };
    let method = describe(&profile, lasting, today.ratio, moves);
    if gap <= 0.0 {
        return Forecast {
            next_24h: Some(course.expected(q.now, q.now + 86_400)),
            per_hour: Some(course.expected(q.now, q.now + 3600)),
            ..reached(q.now, method)
        };
    }
    let factors = paths::day_factors(&hourly, &profile, q.tz);
    // The same draws at every hour, so the answer moves with the history, not with noise.
    let seed = q.target.to_bits().rotate_left(17) ^ 0x5eed;
    // A time before now (the reading is old) means "by now".
    let [p10, p50, p90] =
        paths::percentiles(&course, &factors, seed).map(|t| t.map(|t| t.max(q.now)));
    Forecast {
        at: p50,
        earliest: p10,
        latest: p90,
        next_24h: Some(course.expected(q.now, q.now + 86_400)),
        per_hour: Some(course.expected(q.now, q.now + 3600)),
        method,
    }
}

fn reached(now: i64, method: String) -> Forecast {
    Forecast {
        at: Some(now),
        earliest: Some(now),
        latest: Some(now),
        next_24h: None,
        per_hour: None,
        method,
    }
}

/// Rate, pulled towards the profile by `pull_h` hours of mean burn.
fn against(burned: f64, expected: f64, p: &profile::Profile, pull_h: f64) -> f64 {
    let pull = p.flat * pull_h;
    (burned + pull) / (expected + pull)
}

/// The last 7 days against what the profile expected of them, pulled towards 1 by a day of
/// mean burn: a user whose spend grows (or shrinks) week on week.
fn lasting(h: &Hourly, p: &profile::Profile, tz: &TimeZone) -> f64 {
    let from = h.burn.len().saturating_sub(7 * 24);
    let (mut burned, mut expected) = (0.0, 0.0);
    for i in from..h.burn.len() {
        burned += h.burn[i];
        expected += p.rate[profile::slot(h.start(i), tz)] * h.cover[i];
    }
    against(burned, expected, p, 24.0).clamp(1.0 / 3.0, 3.0)
}

/// The last two hours with readings against the profile, pulled towards 1 by an hour of
/// mean burn.
fn recent(h: &Hourly, p: &profile::Profile, lasting: f64, tz: &TimeZone) -> f64 {
    let (mut burned, mut expected) = (0.0, 0.0);
    for i in h.burn.len().saturating_sub(2)..h.burn.len() {
        burned += h.burn[i];
        expected += p.rate[profile::slot(h.start(i), tz)] * lasting * h.cover[i];
    }
    against(burned, expected, p, 1.0).clamp(0.05, 20.0)
}

/// Today (cut at 05:00 local) so far against the profile, pulled towards 1 by two hours of
/// mean burn, and the share of today's expected burn still ahead at `now`.
fn today(h: &Hourly, p: &profile::Profile, lasting: f64, now: i64, tz: &TimeZone) -> paths::Today {
    let day = paths::day_of(now, tz);
    let (mut burned, mut so_far, mut whole) = (0.0, 0.0, 0.0);
    let start = (0..72)
        .map(|k| now.div_euclid(3600) * 3600 - k * 3600)
        .take_while(|&t| paths::day_of(t, tz) == day)
        .last()
        .unwrap_or(now);
    for k in 0..26 {
        let hour = start + k * 3600;
        if paths::day_of(hour, tz) != day {
            break;
        }
        let expected = p.rate[profile::slot(hour, tz)] * lasting;
        whole += expected;
        let i = (hour / 3600 - h.first) as usize;
        if hour < now && i < h.burn.len() {
            burned += h.burn[i];
            so_far += expected * h.cover[i];
        }
    }
    paths::Today {
        day,
        ratio: against(burned, so_far, p, 2.0).clamp(0.1, 10.0),
        ahead: if whole > 0.0 {
            (1.0 - so_far / whole).clamp(0.0, 1.0)
        } else {
            1.0
        },
    }
}

fn describe(p: &profile::Profile, lasting: f64, today: f64, moves: &str) -> String {
    let days = crate::format::duration((p.days * 86_400.0) as i64);
    let basis = match p.basis {
        Basis::HourOfWeek => format!("hour-of-week profile of {days} of {moves}"),
        Basis::HourOfDay => {
            format!("hour-of-day profile of {days} of {moves} (a week gives the weekly one)")
        }
        Basis::Transcripts => format!(
            "the transcripts' weekly shape at the level of {days} of {moves} (until a week of its own)"
        ),
        Basis::Flat => format!("flat rate of {days} of {moves}"),
    };
    format!(
        "{basis}, x{lasting:.2} for the last 7 days, x{today:.2} for today so far; range from \
         {} futures of the user's own days",
        paths::PATHS
    )
}

/// The median, 10th and 90th percentile of `spent` plus `days_left` more days (a fraction
/// for the rest of today), each drawn from `past_days` (the user's own daily totals).
/// `None` without past days.
pub fn month_total(past_days: &[f64], spent: f64, days_left: f64) -> Option<[f64; 3]> {
    if past_days.is_empty() {
        return None;
    }
    let whole = days_left.floor() as usize;
    let part = days_left - whole as f64;
    let mut rng = fastrand::Rng::with_seed(0x6d6f6e7468);
    let mut totals: Vec<f64> = (0..paths::PATHS)
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
mod tests {
    use super::*;

    fn weekday_history(days: i64, start: i64) -> Vec<Sample> {
        // $4 an hour 09:00-17:00 on weekdays from a Monday, read every 5 minutes.
        let mut level = 1000.0;
        let mut out = Vec::new();
        for step in 0..(days * 288) {
            let t = start + step * 300;
            let s = profile::slot(t, &TimeZone::UTC);
            if s / 24 < 5 && (9..17).contains(&(s % 24)) {
                level -= 4.0 / 12.0;
            }
            out.push(Sample { t, v: level });
        }
        out
    }

    #[test]
    fn a_friday_evening_forecast_waits_for_monday_and_never_goes_silent() {
        let monday = 1_795_392_000; // 2026-11-23
        let samples = weekday_history(12, monday); // up to Friday 2026-12-04 24:00
        let last = samples.last().unwrap();
        let now = last.t;
        let q = Question {
            samples: &samples,
            direction: Direction::Falling,
            target: last.v - 40.0, // ten working hours away
            horizon: now + MAX_AHEAD_S,
            now,
            tz: &TimeZone::UTC,
            prior: None,
        };
        let f = forecast(&q);
        let at = f.at.expect("a quiet weekend is not 'no forecast'");
        let monday_after = monday + 14 * 86_400;
        // Monday 09:00 + 8h, then Tuesday 09:00 + 2h: Tuesday 11:00.
        let expected = monday_after + 86_400 + 11 * 3600;
        assert!(
            (at - expected).abs() <= 3 * 3600,
            "{} h off",
            (at - expected) / 3600
        );
        let (lo, hi) = (f.earliest.unwrap(), f.latest.unwrap());
        assert!(lo <= at && at <= hi);
        // A weekday burns $32; one weekend of history says Saturday is all but idle.
        assert!(f.next_24h.unwrap() < 4.0, "Saturday: {:?}", f.next_24h);
        assert!(f.method.starts_with("hour-of-week profile"), "{}", f.method);
    }

    #[test]
    fn at_or_past_the_level_it_is_now_and_without_burn_it_says_why() {
        let samples = [Sample { t: 0, v: 5.0 }, Sample { t: 3600, v: 5.0 }];
        let utc = TimeZone::UTC;
        let q = |target| Question {
            samples: &samples[..],
            direction: Direction::Falling,
            target,
            horizon: 100_000,
            now: 4000,
            tz: &utc,
            prior: None,
        };
        let reached = forecast(&q(5.0));
        assert_eq!((reached.at, reached.latest), (Some(4000), Some(4000)));
        let idle = forecast(&q(0.0));
        assert_eq!(idle.at, None);
        assert!(
            idle.method.contains("no falls in the last 28 days"),
            "{}",
            idle.method
        );
    }

    #[test]
    fn a_month_is_what_was_spent_and_draws_of_the_users_days() {
        let [median, low, high] = month_total(&[10.0, 10.0, 30.0], 100.0, 2.5).unwrap();
        assert!(low >= 125.0 && high <= 175.0 && low <= median && median <= high);
        assert_eq!(month_total(&[], 1.0, 3.0), None);
    }
}
