//! The forecaster before each pool chose its method (one pooled profile, scaled by the
//! recent past, with a range from 512 futures), kept only for the forecast bench's "before"
//! row while the change is measured.

pub mod paths;
pub mod profile;

use super::hourly::Hourly;
use super::{Direction, Forecast, MAX_AHEAD_S, Question};
use jiff::tz::TimeZone;
use profile::Basis;

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
        chance: None,
        learning_s: None,
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
        chance: None,
        learning_s: None,
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
