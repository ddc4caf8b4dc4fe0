//! The candidates: three ways to say how fast a pool burns in each hour ahead, from the
//! 28 days of burn before an instant. Each pool picks one by its own backtest ([`super::judge`]).
//!
//! - the 7-day average rate: the last week's burn over its watched hours, every hour alike;
//! - the hour-of-week profile: each hour of the week's mean burn over the last 28 days
//!   (hours spent at the level left out), smoothed 1-2-1 with its neighbours; the hour of
//!   the day under 14 days of history, the transcripts' week under 7 when there is one,
//!   one rate under a day;
//! - the pooled profile: the same, with each hour of the week pulled towards the same hour
//!   of the other days of its kind (weekdays, or weekend days), from 7 days of history;
//! - the adjusted profile: the pooled profile scaled by the last 7 days against what it expected
//!   of them, by today so far for the rest of today, and by the last two hours for the next
//!   few (fading over about six).
//!
//! The sums behind them roll forward an hour at a time ([`Tally`]), so a backtest that asks
//! at every hour of three weeks costs about what three weeks of hours do.

use super::tally::kind_hour;
use super::week::{Shape, WEEK};
use serde::{Deserialize, Serialize};

pub use super::tally::{Hours, Tally};

/// How the burn ahead is foreseen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// The last 7 days' mean rate.
    Average,
    /// The plain hour-of-week profile.
    Profile,
    /// The hour-of-week profile pooled with the same hour of days of the same kind.
    Pooled,
    /// The pooled profile scaled by the last week, today so far and the last two hours.
    Adjusted,
}

impl Method {
    /// Every candidate, simplest first (ties go to the simpler).
    pub const ALL: [Method; 4] = [
        Method::Average,
        Method::Profile,
        Method::Pooled,
        Method::Adjusted,
    ];

    /// Its name for people.
    pub fn name(self) -> &'static str {
        match self {
            Method::Average => "7-day average rate",
            Method::Profile => "hour-of-week profile",
            Method::Pooled => "pooled profile",
            Method::Adjusted => "adjusted profile",
        }
    }
}

/// How long what the last two hours showed keeps going, hours (it fades as `e^(-k/τ)`).
const MOMENTUM_H: f64 = 6.0;
/// How strongly an hour of the week is pulled towards the same hour of the other days of its
/// kind, in watched hours: 28 days give an hour of the week about 4 of its own, so it keeps
/// a third of its own mean. The bench's users are alike from Monday to Friday, so on them
/// more pooling helps a little (the pooled profile's 12-24 h error on the tuning seeds:
/// 14.9 h at 4 and at 8, 14.8 h at 16, 14.7 h at 1000, against 17.1 h unpooled); 8 keeps
/// some of a real user's Mondays that differ from their Fridays.
const POOL_H: f64 = 8.0;

/// The burn ahead as one candidate sees it from an origin.
#[derive(Debug, Clone)]
pub struct Course {
    /// The base rate of each hour of the week, per hour.
    pub base: Shape,
    /// The last 7 days against the base.
    pub lasting: f64,
    /// The day the origin is in, and today so far against the base.
    pub today: (i64, f64),
    /// The last two hours against the base.
    pub recent: f64,
    /// The mean rate of the long look back (what "an hour of burn" is).
    pub flat: f64,
    /// Days watched, and whether the transcripts' week gave the shape.
    pub days: f64,
    /// What the shape came from, for `method`.
    pub basis: &'static str,
}

impl Course {
    /// The expected burn rate `k` hours after the origin, in an hour of `slot` on `day`.
    pub fn rate(&self, k: f64, slot: usize, day: i64) -> f64 {
        self.rate_faded(Course::fade(k), slot, day)
    }

    /// How much of the last two hours' pace is left `k` hours after the origin.
    pub(crate) fn fade(k: f64) -> f64 {
        (-k / MOMENTUM_H).exp()
    }

    /// [`Course::rate`] with its fade given: a walk hour by hour multiplies it by [`fade_per_hour`]
    /// rather than paying an `exp` at every step.
    pub(crate) fn rate_faded(&self, fade: f64, slot: usize, day: i64) -> f64 {
        let today = if day == self.today.0 {
            self.today.1
        } else {
            1.0
        };
        let base = self.base[slot] * self.lasting;
        base * (fade * self.recent + (1.0 - fade) * today)
    }
}

/// What is left of the last two hours' pace after one more hour.
pub(crate) fn fade_per_hour() -> f64 {
    (-1.0 / MOMENTUM_H).exp()
}

/// The course `method` sees at `origin` (an hour index of `x`, its history before it);
/// `None` when nothing burned in the last 28 days.
pub(crate) fn course(
    method: Method,
    x: &Hours<'_>,
    t: &Tally,
    origin: usize,
    prior: Option<&Shape>,
) -> Option<Course> {
    let mut out = Vec::with_capacity(1);
    courses(&[method], x, t, origin, prior, &mut out);
    out.pop()
}

/// The courses of each of `methods` at `origin`, in their order, into `out` (cleared
/// first); the profile is worked out once for all of them. Nothing when nothing burned in
/// the last 28 days.
pub(crate) fn courses(
    methods: &[Method],
    x: &Hours<'_>,
    t: &Tally,
    origin: usize,
    prior: Option<&Shape>,
    out: &mut Vec<Course>,
) {
    out.clear();
    let all = t.long_all;
    if all.burn <= 0.0 || all.cover <= 0.0 {
        return;
    }
    let flat = all.burn / all.cover;
    let days = all.cover / 24.0;
    let plain = |base, basis| Course {
        base,
        lasting: 1.0,
        today: (i64::MIN, 1.0),
        recent: 1.0,
        flat,
        days,
        basis,
    };
    let of_hour = t.of_hour(flat);
    let mut plain_base: Option<(Shape, &'static str)> = None;
    let mut pooled_base: Option<(Shape, &'static str)> = None;
    for &method in methods {
        if method == Method::Average {
            let week = t.short_all;
            let rate = if week.cover >= 24.0 {
                week.burn / week.cover
            } else {
                flat
            };
            out.push(plain([rate; WEEK], "7 days"));
            continue;
        }
        let pooled = method != Method::Profile;
        let shared = if pooled {
            &mut pooled_base
        } else {
            &mut plain_base
        };
        let (base, basis) =
            *shared.get_or_insert_with(|| profile(t, &of_hour, flat, days, prior, pooled));
        let mut c = plain(base, basis);
        if method == Method::Adjusted {
            adjust(&mut c, x, t, origin);
        }
        out.push(c);
    }
}

/// The profile of the long look back (`pooled`: each hour pulled towards the same hour of
/// days of its kind), and what it came from.
fn profile(
    t: &Tally,
    of_hour: &[f64; 24],
    flat: f64,
    days: f64,
    prior: Option<&Shape>,
    pooled: bool,
) -> (Shape, &'static str) {
    let (raw, basis): (Shape, _) = match (days, prior) {
        (d, _) if pooled && d >= 7.0 => (pool(t, of_hour), "pooled profile"),
        (d, _) if d >= 14.0 => (
            std::array::from_fn(|s| {
                let x = t.long[s];
                if x.cover >= 0.5 {
                    x.burn / x.cover
                } else {
                    of_hour[s % 24]
                }
            }),
            "hour-of-week profile",
        ),
        (d, Some(shape)) if d < 7.0 => (
            std::array::from_fn(|s| flat * shape[s]),
            "the transcripts' weekly shape",
        ),
        (d, _) if d >= 1.0 => (
            std::array::from_fn(|s| of_hour[s % 24]),
            "hour-of-day profile",
        ),
        _ => ([flat; WEEK], "flat rate"),
    };
    let smooth = std::array::from_fn(|s| {
        (raw[(s + WEEK - 1) % WEEK] + 2.0 * raw[s] + raw[(s + 1) % WEEK]) / 4.0
    });
    (smooth, basis)
}

/// Each hour of the week's mean burn pulled towards the mean of the same hour on the days
/// of its kind (Monday to Friday, or the weekend) by [`POOL_H`] hours: an hour of the week
/// has about four hours of its own in 28 days, too few to tell a heavy Tuesday from a
/// typical one, while its kind of day has ten or twenty.
fn pool(t: &Tally, of_hour: &[f64; 24]) -> Shape {
    let towards: [f64; 48] = std::array::from_fn(|i| {
        let k = t.by_kind[i];
        if k.cover > 0.0 {
            k.burn / k.cover
        } else {
            of_hour[i % 24]
        }
    });
    std::array::from_fn(|s| {
        let own = t.long[s];
        (own.burn + POOL_H * towards[kind_hour(s)]) / (own.cover + POOL_H)
    })
}

/// Rate of burn against expected, pulled towards 1 by `pull_h` hours of mean burn.
fn against(burned: f64, expected: f64, flat: f64, pull_h: f64) -> f64 {
    let pull = flat * pull_h;
    (burned + pull) / (expected + pull)
}

/// Scales `c` by the last 7 days, today so far and the last two hours before `origin`.
fn adjust(c: &mut Course, x: &Hours<'_>, t: &Tally, origin: usize) {
    let (mut burned, mut expected) = (0.0, 0.0);
    for (s, sum) in t.short.iter().enumerate() {
        burned += sum.burn;
        expected += c.base[s] * sum.cover;
    }
    c.lasting = against(burned, expected, c.flat, 24.0).clamp(1.0 / 3.0, 3.0);
    let h = x.h;
    let day = match x.days.get(origin) {
        Some(&d) => d,
        None => x.days.last().map_or(i64::MIN, |&d| d),
    };
    let (mut today_burn, mut today_expected) = (0.0, 0.0);
    let mut i = origin.min(h.burn.len());
    while i > 0 && x.days[i - 1] == day {
        i -= 1;
        today_burn += h.burn[i];
        today_expected += c.base[x.slots[i] as usize] * c.lasting * h.cover[i];
    }
    c.today = (
        day,
        against(today_burn, today_expected, c.flat, 2.0).clamp(0.1, 10.0),
    );
    let (mut recent_burn, mut recent_expected) = (0.0, 0.0);
    for i in origin.saturating_sub(2)..origin.min(h.burn.len()) {
        recent_burn += h.burn[i];
        recent_expected += c.base[x.slots[i] as usize] * c.lasting * h.cover[i];
    }
    c.recent = against(recent_burn, recent_expected, c.flat, 1.0).clamp(0.05, 20.0);
}
