//! How the user's burn is spread over the week: a rate for each hour of the week, learned
//! from up to 28 days of the pool's own burn.
//!
//! The profile is built in levels, each pulled towards the one above it: the flat mean;
//! the hour of any day; that hour on the kind of day (weekday or weekend), scaled by how
//! busy that kind of day is; the hour of the week. How hard each level is pulled is not
//! fixed but learned from the user's own hours, by asking which weight would have
//! foretold each watched hour best from the others (leave one out). A 9-to-5 user keeps
//! quiet weekends and a lunch dip; a bursty user whose one burst fell on a Saturday does
//! not get a profile that only burns on Saturdays; a user whose Fridays really are light
//! keeps them light.
//!
//! While the pool's own history is shorter than a week and the transcripts' spend gives a
//! weekly shape, that shape times the pool's own mean stands in: Claude Code's week is the
//! user's week.

use crate::forecast::hourly::Hourly;
pub use crate::forecast::week::{Shape, WEEK, slot};
use jiff::tz::TimeZone;

/// What the profile was learned from, for `method`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// A week or more of the pool's own history.
    HourOfWeek,
    /// Less than a week: the hours of the day, all days alike.
    HourOfDay,
    /// Less than a week, shaped by the transcripts' week.
    Transcripts,
    /// Less than a day: one rate.
    Flat,
}

/// A rate per hour of the week, in the pool's unit per hour.
#[derive(Debug, Clone)]
pub struct Profile {
    /// The rate of each hour of the week.
    pub rate: Shape,
    /// The mean rate over the history.
    pub flat: f64,
    /// Days of history it was learned from.
    pub days: f64,
    /// What it was learned from.
    pub basis: Basis,
}

/// Sums of burn and watched hours.
#[derive(Clone, Copy, Default)]
struct Sum {
    burn: f64,
    cover: f64,
}

impl Sum {
    fn add(&mut self, burn: f64, cover: f64) {
        self.burn += burn;
        self.cover += cover;
    }

    /// The rate, pulled towards `towards` by `weight` hours.
    fn rate(self, towards: f64, weight: f64) -> f64 {
        (self.burn + weight * towards) / (self.cover + weight)
    }
}

/// The weights, in hours, the level above can get against a group's own hours; the last
/// is all of 28 days, which makes the group the level above.
const PULLS: [f64; 6] = [1.0, 3.0, 10.0, 30.0, 100.0, 672.0];

/// A watched hour (or day): its slot of the week (or kind of day) and its rate.
#[derive(Clone, Copy)]
struct Seen {
    slot: usize,
    rate: f64,
}

/// The weight, from [`PULLS`], the level above gets against each group's own hours: the
/// one under which each watched hour is best foretold by the rest of its group pulled
/// towards `above` (leave one out, squared error). A user whose Thursdays are no different
/// from other weekdays gets Thursdays that are weekdays; one whose weekends are quiet keeps
/// them quiet. Ties go to the heavier pull, the simpler profile.
fn pull(
    seen: &[Seen],
    groups: usize,
    group: impl Fn(usize) -> usize,
    above: impl Fn(usize) -> f64,
) -> f64 {
    let (mut n, mut sum) = (vec![0.0; groups], vec![0.0; groups]);
    for x in seen {
        n[group(x.slot)] += 1.0;
        sum[group(x.slot)] += x.rate;
    }
    let error = |p: f64| -> f64 {
        seen.iter()
            .map(|x| {
                let g = group(x.slot);
                let foretold = (sum[g] - x.rate + p * above(x.slot)) / (n[g] - 1.0 + p);
                (x.rate - foretold).powi(2)
            })
            .sum()
    };
    let mut best = (PULLS[PULLS.len() - 1], error(PULLS[PULLS.len() - 1]));
    for &p in PULLS.iter().rev().skip(1) {
        let e = error(p);
        if e < best.1 * (1.0 - 1e-9) {
            best = (p, e);
        }
    }
    best.0
}

/// Weekdays (0) and weekends (1).
fn kind_of_day(slot: usize) -> usize {
    usize::from(slot / 24 >= 5)
}

/// Learns the profile; `None` when nothing was burned.
pub fn learn(h: &Hourly, tz: &TimeZone, prior: Option<&Shape>) -> Option<Profile> {
    let (burned, covered) = h.totals();
    if burned <= 0.0 || covered <= 0.0 {
        return None;
    }
    let flat = burned / covered;
    let days = covered / 24.0;
    let basis = match (days, prior) {
        (d, _) if d >= 7.0 => Basis::HourOfWeek,
        (_, Some(_)) => Basis::Transcripts,
        (d, None) if d >= 1.0 => Basis::HourOfDay,
        _ => Basis::Flat,
    };
    let rate = match (basis, prior) {
        (Basis::Transcripts, Some(shape)) => std::array::from_fn(|s| flat * shape[s]),
        (Basis::Flat, _) => [flat; WEEK],
        _ => pooled(&Tally::of(h, tz), flat),
    };
    Some(Profile {
        rate,
        flat,
        days,
        basis,
    })
}

/// The history summed by hour of the week, of the day, of the kind of day, and by kind of
/// day, with the watched hours and days themselves.
struct Tally {
    week: [Sum; WEEK],
    hour: [Sum; 24],
    kind_hour: [[Sum; 24]; 2],
    kind: [Sum; 2],
    /// Hours at least half watched: slot and rate.
    hours: Vec<Seen>,
    /// Days at least half watched: kind of day and rate.
    days: Vec<Seen>,
}

impl Tally {
    fn of(h: &Hourly, tz: &TimeZone) -> Tally {
        let mut t = Tally {
            week: [Sum::default(); WEEK],
            hour: [Sum::default(); 24],
            kind_hour: [[Sum::default(); 24]; 2],
            kind: [Sum::default(); 2],
            hours: Vec::with_capacity(h.burn.len()),
            days: Vec::new(),
        };
        // The day of the week the current day is, and its sums.
        let mut day: (usize, Sum) = (usize::MAX, Sum::default());
        for i in 0..h.burn.len() {
            let s = slot(h.start(i), tz);
            let (b, c) = (h.burn[i], h.cover[i]);
            if s / 24 != day.0 {
                t.end_day(day);
                day = (s / 24, Sum::default());
            }
            day.1.add(b, c);
            if c >= 0.5 {
                t.hours.push(Seen {
                    slot: s,
                    rate: b / c,
                });
            }
            t.week[s].add(b, c);
            t.hour[s % 24].add(b, c);
            t.kind_hour[kind_of_day(s)][s % 24].add(b, c);
            t.kind[kind_of_day(s)].add(b, c);
        }
        t.end_day(day);
        t
    }

    fn end_day(&mut self, (weekday, sum): (usize, Sum)) {
        if sum.cover >= 12.0 {
            self.days.push(Seen {
                slot: kind_of_day(weekday * 24),
                rate: sum.burn / sum.cover,
            });
        }
    }
}

/// Each hour of the week pulled towards its hour on its kind of day, that towards its hour
/// of any day scaled by how busy the kind of day is, and that towards the flat rate, each
/// by the weight [`pull`] finds.
fn pooled(t: &Tally, flat: f64) -> Shape {
    // Days, not hours, say how different weekends are: a day's hours rise and fall together.
    let by_day = pull(&t.days, 2, |k| k, |_| flat) * 24.0;
    let by_hour = pull(&t.hours, 24, |s| s % 24, |_| flat);
    let hour_rate: [f64; 24] = std::array::from_fn(|h| t.hour[h].rate(flat, by_hour));
    // How busy each kind of day is, as a scale on the hours of any day: over the kind's own
    // watched hours, the scaled hours burn what the kind of day did. (Scaling by the kind's
    // rate against the flat one would not: a weekday's 10:00 shares its hour with quiet
    // weekends.)
    let busy: [f64; 2] = std::array::from_fn(|k| {
        let (mut expected, mut watched) = (0.0, 0.0);
        for (h, sum) in t.kind_hour[k].iter().enumerate() {
            expected += hour_rate[h] * sum.cover;
            watched += sum.cover;
        }
        let rate = t.kind[k].rate(flat, by_day);
        if expected > 0.0 {
            rate * watched / expected
        } else {
            rate / flat
        }
    });
    let of_hour = |s: usize| hour_rate[s % 24] * busy[kind_of_day(s)];
    let by_kind = pull(&t.hours, 48, kind_hour_of, of_hour);
    let kind_rate: [f64; 48] = std::array::from_fn(|i| {
        t.kind_hour[i / 24][i % 24].rate(hour_rate[i % 24] * busy[i / 24], by_kind)
    });
    let of_kind = |s: usize| kind_rate[kind_hour_of(s)];
    let by_week = pull(&t.hours, WEEK, |s| s, of_kind);
    std::array::from_fn(|s| t.week[s].rate(of_kind(s), by_week))
}

/// The hour of the day on its kind of day, 0..48.
fn kind_hour_of(slot: usize) -> usize {
    kind_of_day(slot) * 24 + slot % 24
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::Direction;
    use crate::store::Sample;

    #[test]
    fn a_week_of_weekday_burn_keeps_the_weekend_quiet() {
        // Two weeks from Monday: $6 an hour 09:00-17:00 on weekdays, nothing else.
        let start = 1_795_392_000;
        let mut samples = Vec::new();
        let mut level = 10_000.0;
        for h in 0..(14 * 24) {
            let t = start + h * 3600;
            let s = slot(t, &TimeZone::UTC);
            samples.push(Sample { t, v: level });
            if s / 24 < 5 && (9..17).contains(&(s % 24)) {
                level -= 6.0;
            }
        }
        let h = Hourly::of(&samples, Direction::Falling, 0.0);
        let p = learn(&h, &TimeZone::UTC, None).unwrap();
        assert_eq!(p.basis, Basis::HourOfWeek);
        assert!(p.rate[10] > 3.5, "Monday 10:00: {}", p.rate[10]);
        assert!(
            p.rate[5 * 24 + 10] < 1.0,
            "Saturday 10:00: {}",
            p.rate[5 * 24 + 10]
        );
    }
}
