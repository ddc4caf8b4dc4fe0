//! The range: a few hundred possible futures, each the profile integrated forward hour by
//! hour with every day scaled by a day drawn from the user's own past days, and the 10th,
//! 50th and 90th percentile of when they reach the level.
//!
//! A past day's factor is what it burned against what the profile expected of it, so the
//! spread is the user's own: a steady user's futures stay close, a bursty user's fan out.
//! The rest of today is not a fresh draw: today's burn so far says how busy today is, and
//! the later in the day, the less room a draw has to change that. What the last two hours
//! showed (a burst under way, a pause) carries into the next hours and fades over about
//! six. Days are cut at 05:00
//! local time, so a night's session belongs to the evening it started in. Draws are
//! seeded, the same at every hour, so the answer moves with the history and not with
//! noise (an alert does not flicker on random draws).

use super::profile::{Profile, slot};
use crate::forecast::{Direction, hourly::Hourly};
use jiff::tz::TimeZone;

/// Futures drawn.
pub const PATHS: usize = 512;
/// A day counts as a past day once this many of its hours were watched.
const MIN_DAY_COVER: f64 = 12.0;
/// With fewer past days than this, the spread is a lognormal one of sigma 0.5.
const MIN_DAYS: usize = 5;
/// Where days are cut, seconds after local midnight.
pub const DAY_CUT_S: i64 = 5 * 3600;

/// How busy today is, as far as it went.
#[derive(Debug, Clone, Copy)]
pub struct Today {
    /// The day (see [`day_of`]).
    pub day: i64,
    /// Its burn so far against the profile's, pulled towards 1.
    pub ratio: f64,
    /// The share of today's expected burn still ahead: how much a draw can still change.
    pub ahead: f64,
}

/// The level's way forward.
pub struct Course<'a> {
    /// The profile.
    pub profile: &'a Profile,
    /// The level now.
    pub level: f64,
    /// When the level was read.
    pub from: i64,
    /// The level that matters.
    pub target: f64,
    /// Which way it moves.
    pub direction: Direction,
    /// No later than this.
    pub horizon: i64,
    /// The last 7 days against the profile: a user whose spend grows or shrinks.
    pub lasting: f64,
    /// Today so far.
    pub today: Today,
    /// The last two hours against the profile: a burst under way, or a pause.
    pub recent: f64,
    /// The user's time zone.
    pub tz: &'a TimeZone,
}

/// How long what the last two hours showed keeps going, hours (it fades as `e^(-k/τ)`).
const MOMENTUM_H: f64 = 6.0;

/// The day (cut at [`DAY_CUT_S`]) the instant `t` falls in.
pub fn day_of(t: i64, tz: &TimeZone) -> i64 {
    (t + tz_offset(t, tz) - DAY_CUT_S).div_euclid(86_400)
}

impl Course<'_> {
    /// The expected rate in the hour starting at `hour_start`, per hour.
    pub fn rate(&self, hour_start: i64) -> f64 {
        let day = day_of(hour_start, self.tz);
        let (base, momentum) = self.parts(hour_start, day);
        base * (momentum * self.recent + (1.0 - momentum) * self.day_ratio(day))
    }

    /// The profile's rate at `hour_start` scaled for the last week, and the weight the last
    /// two hours still have there.
    fn parts(&self, hour_start: i64, _day: i64) -> (f64, f64) {
        let base = self.profile.rate[slot(hour_start, self.tz)] * self.lasting;
        let k = (hour_start - self.from).max(0) as f64 / 3600.0;
        (base, (-k / MOMENTUM_H).exp())
    }

    fn day_ratio(&self, day: i64) -> f64 {
        if day == self.today.day {
            self.today.ratio
        } else {
            1.0
        }
    }

    /// Expected burn over `[start, end)`.
    pub fn expected(&self, start: i64, end: i64) -> f64 {
        let mut t = start;
        let mut total = 0.0;
        while t < end {
            let hour = t.div_euclid(3600) * 3600;
            let next = (hour + 3600).min(end);
            total += self.rate(hour) * (next - t) as f64 / 3600.0;
            t = next;
        }
        total
    }

    /// The hours from `from` to the horizon, with their expected rates, and their days,
    /// worked out once for every future.
    fn plan(&self) -> Plan {
        let mut plan = Plan {
            steps: Vec::new(),
            days: Vec::new(),
        };
        let mut t = self.from;
        while t < self.horizon {
            let hour = t.div_euclid(3600) * 3600;
            let end = (hour + 3600).min(self.horizon);
            let day = day_of(hour, self.tz);
            let (base, momentum) = self.parts(hour, day);
            let step = Step {
                start: t,
                seconds: (end - t) as f64,
                carried: base * momentum * self.recent / 3600.0,
                per_s: base * (1.0 - momentum) * self.day_ratio(day) / 3600.0,
            };
            match plan.days.last_mut().filter(|d| d.day == day) {
                Some(d) => d.add(&step),
                None => {
                    let mut d = Day {
                        day,
                        today: day == self.today.day,
                        steps: plan.steps.len()..plan.steps.len(),
                        carried: 0.0,
                        scaled: 0.0,
                    };
                    d.add(&step);
                    plan.days.push(d);
                }
            }
            plan.steps.push(step);
            t = end;
        }
        plan
    }

    /// When one future with day factors drawn by `draw` reaches the target; `None` if not
    /// before the horizon. Whole days are taken at once; only the day it is reached in is
    /// walked hour by hour.
    fn reach(&self, plan: &Plan, mut draw: impl FnMut() -> f64) -> Option<i64> {
        let mut gap = match self.direction {
            Direction::Falling => self.level - self.target,
            Direction::Rising => self.target - self.level,
        };
        if gap <= 0.0 {
            return Some(self.from);
        }
        for day in &plan.days {
            let factor = match day.today {
                true => draw().powf(self.today.ahead),
                false => draw(),
            };
            let burn = day.carried + day.scaled * factor;
            if burn < gap {
                gap -= burn;
                continue;
            }
            for step in &plan.steps[day.steps.clone()] {
                let per_s = step.carried + step.per_s * factor;
                let burn = per_s * step.seconds;
                if burn >= gap && per_s > 0.0 {
                    return Some(step.start + (gap / per_s).ceil() as i64);
                }
                gap -= burn;
            }
        }
        None
    }
}

/// The way forward, by hour and by day.
struct Plan {
    steps: Vec<Step>,
    days: Vec<Day>,
}

/// One hour (or its part) of the way forward.
struct Step {
    start: i64,
    seconds: f64,
    /// The burn per second the last two hours carry into this one.
    carried: f64,
    /// The rest of the expected burn per second, which the day's draw scales.
    per_s: f64,
}

/// One day of the way forward: its hours and their burn, carried and to be scaled.
struct Day {
    day: i64,
    today: bool,
    steps: std::ops::Range<usize>,
    carried: f64,
    scaled: f64,
}

impl Day {
    fn add(&mut self, step: &Step) {
        self.steps.end += 1;
        self.carried += step.carried * step.seconds;
        self.scaled += step.per_s * step.seconds;
    }
}

/// What each past day burned against what the profile expected of it (times `lasting`,
/// the same scale the future gets).
pub fn day_factors(h: &Hourly, profile: &Profile, tz: &TimeZone) -> Vec<f64> {
    let mut days: std::collections::BTreeMap<i64, (f64, f64, f64)> = Default::default();
    for i in 0..h.burn.len() {
        let t = h.start(i);
        let d = days.entry(day_of(t, tz)).or_default();
        d.0 += h.burn[i];
        d.1 += profile.rate[slot(t, tz)] * h.cover[i];
        d.2 += h.cover[i];
    }
    let floor = profile.flat; // an hour of mean burn keeps quiet days from dividing by ~0
    days.values()
        .filter(|(_, _, cover)| *cover >= MIN_DAY_COVER)
        .map(|(burn, expected, _)| (burn + floor) / (expected + floor))
        .collect()
}

fn tz_offset(t: i64, tz: &TimeZone) -> i64 {
    jiff::Timestamp::from_second(t).map_or(0, |ts| i64::from(tz.to_offset(ts).seconds()))
}

/// Quantiles of the standard normal at (i + 0.5) / 10.
const STANDARD_NORMAL: [f64; 10] = [
    -1.645, -1.036, -0.674, -0.385, -0.126, 0.126, 0.385, 0.674, 1.036, 1.645,
];

/// The spread of a future's level (median 1) with a week of history, less with more: the
/// profile is itself an estimate. Set by the backtest: narrower ranges missed more run-outs
/// on the early side.
const LEVEL_SIGMA: f64 = 1.2;

/// The factors used when the user's own days are too few: a lognormal of sigma 0.5.
fn default_factors() -> Vec<f64> {
    STANDARD_NORMAL
        .iter()
        .map(|z| (0.5 * z - 0.125_f64).exp())
        .collect()
}

/// The 10th, 50th and 90th percentile of when the course reaches its target; `None` for a
/// percentile not reached before the horizon.
pub fn percentiles(course: &Course<'_>, factors: &[f64], seed: u64) -> [Option<i64>; 3] {
    let fallback;
    let factors = if factors.len() >= MIN_DAYS {
        factors
    } else {
        fallback = default_factors();
        &fallback
    };
    let mut rng = fastrand::Rng::with_seed(seed);
    // The profile itself is an estimate: each future also gets a level of its own, spread
    // less the more weeks the profile was learned from.
    let sigma = LEVEL_SIGMA / (course.profile.days / 7.0).max(1.0).sqrt();
    let plan = course.plan();
    let mut times: Vec<Option<i64>> = (0..PATHS)
        .map(|i| {
            let z = STANDARD_NORMAL[i % STANDARD_NORMAL.len()];
            let level = (sigma * z).exp();
            course.reach(&plan, || level * factors[rng.usize(..factors.len())])
        })
        .collect();
    // `None` (not reached) sorts after every time.
    times.sort_by_key(|t| t.unwrap_or(i64::MAX));
    let at = |q: f64| times[((PATHS as f64 * q) as usize).min(PATHS - 1)];
    [at(0.1), at(0.5), at(0.9)]
}
