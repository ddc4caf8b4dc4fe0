//! How the user's burn is spread over the week: a rate for each hour of the week, learned
//! from up to 28 days of the pool's own burn.
//!
//! Each hour of the week is the mean of that hour in the weeks seen, pulled towards the
//! same hour on that kind of day (weekdays, or weekends) by three hours' worth of weight: a
//! single Thursday says little about Thursdays, five weekdays a week say a lot about
//! weekdays. That in turn is pulled towards the hour of any day, scaled by how busy that
//! kind of day is, and that towards the flat mean. While the pool's own history is shorter than a week and the transcripts' spend
//! gives a weekly shape, that shape times the pool's own mean stands in for the
//! hour-of-day rates: Claude Code's week is the user's week.

use super::hourly::Hourly;
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// Hours in a week.
pub const WEEK: usize = 168;

/// A weekly shape with mean 1 (hour 0 is Monday 00:00 local time).
pub type Shape = [f64; WEEK];

/// How much an hour of the day's own history weighs against what it is pulled towards, in
/// hours of coverage.
const PULL: f64 = 1.0;
/// How much an hour of the week's own history weighs against the same hour on that kind
/// of day (weekday or weekend): a week's hour is only a few observations.
const PULL_WEEK: f64 = 3.0;
/// How much a kind of day's own history weighs against "like any day", in hours.
const PULL_DAY: f64 = 12.0;

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

/// The hour of the week (0 = Monday 00:00) that the hour starting at `t` is, in `tz`.
pub fn slot(t: i64, tz: &TimeZone) -> usize {
    let offset = Timestamp::from_second(t)
        .map(|ts| tz.to_offset(ts).seconds())
        .unwrap_or(0);
    let local = t + i64::from(offset);
    let day = local.div_euclid(86_400);
    let weekday = (day + 3).rem_euclid(7); // 1970-01-01 was a Thursday
    let hour = local.rem_euclid(86_400) / 3600;
    (weekday * 24 + hour) as usize
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
    let mut week = [Sum::default(); WEEK];
    let mut hour = [Sum::default(); 24];
    let mut kind_hour = [[Sum::default(); 24]; 2];
    let mut kind = [Sum::default(); 2];
    for i in 0..h.burn.len() {
        let s = slot(h.start(i), tz);
        let (b, c) = (h.burn[i], h.cover[i]);
        week[s].add(b, c);
        hour[s % 24].add(b, c);
        kind_hour[kind_of_day(s)][s % 24].add(b, c);
        kind[kind_of_day(s)].add(b, c);
    }
    let basis = match (days, prior) {
        (d, _) if d >= 7.0 => Basis::HourOfWeek,
        (_, Some(_)) => Basis::Transcripts,
        (d, None) if d >= 1.0 => Basis::HourOfDay,
        _ => Basis::Flat,
    };
    let mut rate = [0.0; WEEK];
    for (s, r) in rate.iter_mut().enumerate() {
        let k = kind_of_day(s);
        let base = match (basis, prior) {
            (Basis::Transcripts, Some(shape)) => flat * shape[s],
            (Basis::Flat, _) => flat,
            _ => {
                // The hour of the day on this kind of day (weekday or weekend), pulled
                // towards the hour of any day scaled by how busy this kind of day is.
                let busy = kind[k].rate(flat, PULL_DAY) / flat;
                kind_hour[k][s % 24].rate(hour[s % 24].rate(flat, PULL) * busy, PULL)
            }
        };
        *r = week[s].rate(base, PULL_WEEK);
    }
    Some(Profile {
        rate,
        flat,
        days,
        basis,
    })
}

/// A weekly shape with mean 1 from spend per hour of the week, or `None` without spend.
pub fn shape(spend: &Shape) -> Option<Shape> {
    let mean = spend.iter().sum::<f64>() / WEEK as f64;
    if mean <= 0.0 {
        return None;
    }
    let mut s = [0.0; WEEK];
    for (out, v) in s.iter_mut().zip(spend) {
        *out = v / mean;
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::Direction;
    use crate::store::Sample;

    #[test]
    fn slots_follow_local_time() {
        let utc = TimeZone::UTC;
        // 2026-11-23 is a Monday.
        assert_eq!(slot(1_795_392_000, &utc), 0);
        assert_eq!(slot(1_795_392_000 + 3600 * 25, &utc), 25);
        let paris = TimeZone::get("Europe/Paris").unwrap();
        assert_eq!(slot(1_795_392_000, &paris), 1, "01:00 in Paris");
        assert_eq!(slot(1_795_392_000 - 3600, &utc), WEEK - 1, "Sunday 23:00");
    }

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
