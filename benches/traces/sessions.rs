//! A second way of making a user's days, unlike the first in the ways a forecaster could
//! have been fitted to: days that come in heavy and light spells (each day's level follows
//! the one before it), each day of the week with a weight of its own (a user's Mondays need
//! not look like their Fridays), and work in separate sessions that start anywhere in the
//! user's hours and last as long as they last, rather than one block at a fixed hour. The
//! kinds, their ranges, the top-ups and the readings are the first way's ([`super::Habits`]).
//!
//! Nothing in `src/` was tuned on it: it is the bench's held-out process (`gen=b`).

use super::habits::{Habits, between};
use super::{DAYS, Kind, normal};

/// The days before the trace its levels reach back to (the transcripts' 28 days).
const BEFORE: i64 = 28;

/// How one user's days are made, the second way.
#[derive(Debug, Clone)]
pub struct Sessions {
    /// Each day's level against the user's mean, from `-BEFORE` to [`DAYS`].
    levels: Vec<f64>,
    /// Each day of the week's weight (Monday first).
    week: [f64; 7],
    /// Sessions on a main day, on average.
    per_day: f64,
    /// A session's mean length, hours.
    mean_h: f64,
    /// How much sessions differ in intensity (lognormal sigma).
    intensity: f64,
}

impl Sessions {
    /// Draws the second way's parameters for `habits` (from a stream of its own, so the
    /// first way's traces are unchanged).
    pub fn draw(habits: &Habits, rng: &mut fastrand::Rng) -> Sessions {
        // Day to day persistence: from none to spells of about a week.
        let persist = between(rng, 0.0, 0.85);
        let sigma = habits.sigma;
        let mut z = normal(rng);
        let levels = (-BEFORE..=DAYS)
            .map(|_| {
                z = persist * z + (1.0 - persist * persist).sqrt() * normal(rng);
                (sigma * z - sigma * sigma / 2.0).exp()
            })
            .collect();
        let week = std::array::from_fn(|_| between(rng, 0.6, 1.4));
        let (per_day, mean_h) = match habits.kind {
            Kind::Bursty => (1.0, between(rng, 2.0, 8.0)),
            Kind::Steady => (between(rng, 1.0, 3.0), between(rng, 1.0, 3.0)),
            Kind::NightOwl => (between(rng, 1.0, 2.5), between(rng, 1.0, 3.0)),
            _ => (between(rng, 1.5, 4.0), between(rng, 1.0, 3.0)),
        };
        Sessions {
            levels,
            week,
            per_day,
            mean_h,
            intensity: between(rng, 0.2, 0.8),
        }
    }

    /// Day `d`'s total (before its share) and its weights over the 24 local hours.
    pub fn day(&self, h: &Habits, d: i64, dow: usize, rng: &mut fastrand::Rng) -> (f64, [f64; 24]) {
        let i = (d + BEFORE).clamp(0, self.levels.len() as i64 - 1) as usize;
        let level = h.level(d) * self.levels[i];
        let on_holiday = h.on_holiday(d);
        let weekend = dow >= 5;
        let mut weights = [0.0; 24];
        let (from, span) = (h.start_hour, h.length_h);
        let share = match h.kind {
            Kind::Weekday | Kind::Ramping | Kind::AutoReload => {
                if on_holiday || (!weekend && rng.f64() < h.sick) {
                    return (0.0, weights);
                }
                if weekend {
                    if rng.f64() < 0.5 {
                        self.sessions(rng, &mut weights, 10, 10, 1.0);
                    }
                    2.0 * h.off_share
                } else {
                    self.sessions(rng, &mut weights, from, span, self.per_day);
                    1.0
                }
            }
            Kind::NightOwl => {
                self.sessions(rng, &mut weights, from, span, self.per_day);
                1.0
            }
            Kind::Bursty => {
                if on_holiday || rng.f64() >= h.burst.0 {
                    return (0.0, weights);
                }
                self.sessions(rng, &mut weights, 8, 14, 1.0);
                1.0 / h.burst.0
            }
            Kind::Steady => {
                for w in &mut weights {
                    *w += 0.5 * (0.3 * normal(rng)).exp();
                }
                self.sessions(rng, &mut weights, from, span, self.per_day);
                1.0
            }
            Kind::WeekendHacker => {
                if weekend {
                    self.sessions(rng, &mut weights, from, 12, self.per_day);
                    2.5
                } else if rng.f64() < 0.5 {
                    self.sessions(rng, &mut weights, 19, 4, 1.0);
                    h.off_share
                } else {
                    0.0
                }
            }
        };
        (level * share * self.week[dow], weights)
    }

    /// Adds sessions (at least one, `mean` on average) starting anywhere in the `span` hours
    /// from local hour `from`, each lasting a geometric number of hours.
    fn sessions(
        &self,
        rng: &mut fastrand::Rng,
        weights: &mut [f64; 24],
        from: usize,
        span: usize,
        mean: f64,
    ) {
        let extra = mean - 1.0;
        let mut n = 1;
        while n < 6 && rng.f64() < extra / (extra + 1.0) {
            n += 1;
        }
        for _ in 0..n {
            let start = from + rng.usize(0..span.max(1));
            let strength = (self.intensity * normal(rng)).exp();
            let mut k = 0;
            loop {
                weights[(start + k) % 24] += strength;
                k += 1;
                if k >= 12 || rng.f64() < 1.0 / self.mean_h {
                    break;
                }
            }
        }
    }
}
