//! A pool's samples as burn per hour.
//!
//! Only moves in the pool's direction are burn: a balance's falls, a counter's rises (a
//! counter's fall is a reset, and what it shows after one was burned since). A move
//! between two samples is spread over the hours the pair spans, so a gap (the machine
//! asleep, the daemon stopped) neither loses burn nor piles it into one hour. Each hour also
//! says how much of it the samples cover, so an hour nobody watched is not read as an
//! hour of no burn. Time spent at the level that matters (a balance at zero, waiting for a
//! top-up; a window already full) is not watched time either: the user could not burn.

use super::Direction;
use crate::store::Sample;

/// A rising level that falls under this share of its highest reading has reset.
const RESET_SHARE: f64 = 0.5;

/// Burn per hour over a span of whole hours.
#[derive(Debug, Clone, PartialEq)]
pub struct Hourly {
    /// The first hour, as unix seconds / 3600.
    pub first: i64,
    /// Burn in each hour, in the pool's unit.
    pub burn: Vec<f64>,
    /// How much of each hour lies between two samples, 0 to 1.
    pub cover: Vec<f64>,
}

impl Hourly {
    /// The hours of `samples` (oldest first); empty with fewer than two samples. Pairs that
    /// start at or past `target` are left out.
    pub fn of(samples: &[Sample], direction: Direction, target: f64) -> Hourly {
        let (Some(first), Some(last)) = (samples.first(), samples.last()) else {
            return Hourly::empty();
        };
        let first_hour = first.t.div_euclid(3600);
        let hours = (last.t.div_euclid(3600) - first_hour + 1).max(0) as usize;
        let mut h = Hourly {
            first: first_hour,
            burn: vec![0.0; hours],
            cover: vec![0.0; hours],
        };
        // A rising level's highest reading since its last reset: two sources of one window
        // that disagree by a point read as one series, not as a reset and a rise each time.
        let mut high = first.v;
        for pair in samples.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let (moved, stuck) = match direction {
                Direction::Falling => (a.v - b.v, a.v <= target),
                // A fall to under half is a reset (a window's, a month's): from zero to where
                // it is now. A smaller fall is a reading that lags another; nothing burned.
                Direction::Rising if b.v < high * RESET_SHARE || b.v <= 0.0 => {
                    let moved = b.v.max(0.0);
                    high = b.v;
                    (moved, false)
                }
                Direction::Rising => {
                    let moved = (b.v - high).max(0.0);
                    let stuck = high >= target;
                    high = high.max(b.v);
                    (moved, stuck)
                }
            };
            if stuck {
                continue;
            }
            h.spread(a.t, b.t, moved.max(0.0));
        }
        h
    }

    fn empty() -> Hourly {
        Hourly {
            first: 0,
            burn: Vec::new(),
            cover: Vec::new(),
        }
    }

    /// Spreads `moved` evenly over `[from, to)`, hour by hour.
    fn spread(&mut self, from: i64, to: i64, moved: f64) {
        if to <= from {
            return;
        }
        let per_second = moved / (to - from) as f64;
        let mut t = from;
        while t < to {
            let hour = t.div_euclid(3600);
            let end = ((hour + 1) * 3600).min(to);
            let i = (hour - self.first) as usize;
            if let (Some(b), Some(c)) = (self.burn.get_mut(i), self.cover.get_mut(i)) {
                *b += per_second * (end - t) as f64;
                *c += (end - t) as f64 / 3600.0;
            }
            t = end;
        }
    }

    /// The start of hour `i`, unix seconds.
    pub fn start(&self, i: usize) -> i64 {
        (self.first + i as i64) * 3600
    }

    /// Total burn, and total covered hours.
    pub fn totals(&self) -> (f64, f64) {
        (self.burn.iter().sum(), self.cover.iter().sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(t: i64, v: f64) -> Sample {
        Sample { t, v }
    }

    #[test]
    fn falls_are_spread_over_the_hours_they_span_and_rises_ignored() {
        // $3 over 90 minutes from 00:30, then a top-up, then $1 in the next half hour.
        let h = Hourly::of(
            &[s(1800, 10.0), s(7200, 7.0), s(7260, 57.0), s(9060, 56.0)],
            Direction::Falling,
            0.0,
        );
        assert_eq!(h.first, 0);
        assert_eq!(h.burn.len(), 3);
        assert!((h.burn[0] - 1.0).abs() < 1e-9, "{h:?}");
        assert!(
            (h.burn[1] - 2.0).abs() < 1e-9 && (h.burn[2] - 1.0).abs() < 1e-9,
            "{h:?}"
        );
        assert!((h.cover[0] - 0.5).abs() < 1e-9 && (h.cover[1] - 1.0).abs() < 1e-9);
        assert_eq!(h.totals().0, 4.0);
        // A reset to zero; after one to 5, the 5 was burned since it.
        let rising = Hourly::of(
            &[
                s(0, 90.0),
                s(3600, 100.0),
                s(3601, 0.0),
                s(7200, 5.0),
                s(7201, 2.0),
            ],
            Direction::Rising,
            f64::INFINITY,
        );
        assert!((rising.totals().0 - 17.0).abs() < 1e-9, "{rising:?}");
        // Two sources of one window a point apart, read in turn: one series, no burn.
        let wavering: Vec<Sample> = (0..20)
            .map(|i| s(i * 30, if i % 2 == 0 { 61.0 } else { 60.0 }))
            .collect();
        assert_eq!(
            Hourly::of(&wavering, Direction::Rising, 100.0).totals().0,
            0.0
        );
        // Hours spent empty are not hours of no burn.
        let empty = Hourly::of(
            &[s(0, 1.0), s(3600, 0.0), s(7200, 0.0)],
            Direction::Falling,
            0.0,
        );
        assert_eq!(empty.totals(), (1.0, 1.0));
    }
}
