//! One user's habits, drawn per seed from wide ranges, and the days they make.

use super::sessions::Sessions;
use super::{DAYS, Kind, normal};

/// Time zones users are drawn in (some with daylight saving changes inside the traces).
const ZONES: [&str; 8] = [
    "UTC",
    "Europe/Paris",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Asia/Kolkata",
    "America/Sao_Paulo",
];

/// What one user does, and how.
#[derive(Debug, Clone)]
pub struct Habits {
    /// The kind of user.
    pub kind: Kind,
    /// The time zone's name.
    pub zone: &'static str,
    /// The first day, in local days since 1970-01-01.
    pub first_day: i64,
    /// Spend on an average day at the start, USD.
    pub daily_usd: f64,
    /// How much days vary: the sigma of a lognormal day total.
    pub sigma: f64,
    /// When the day's main session starts, local hour.
    pub start_hour: usize,
    /// How long it lasts, hours.
    pub length_h: usize,
    /// A weekend day's (or, for the weekend hacker, a weekday's) weight against a main day.
    pub off_share: f64,
    /// The chance that a working day is taken off (sick, errands).
    pub sick: f64,
    /// A holiday: the first day and how many days.
    pub holiday: (i64, i64),
    /// For the bursty user: the chance that a day has a burst, and its length range, hours.
    pub burst: (f64, usize, usize),
    /// How much spend grows over the whole trace (below 1: shrinks).
    pub trend: f64,
    /// Hours before an empty balance is topped up: the range.
    pub topup_delay_h: (i64, i64),
    /// A top-up buys this many days of spend.
    pub topup_days: f64,
    /// Auto-reload `(threshold, reload to)`.
    pub reload: Option<(f64, f64)>,
    /// Whether the machine stays awake (and reads) around the clock.
    pub always_on: bool,
    /// How much the hours within a day wobble (lognormal sigma).
    pub jitter: f64,
    /// The second way of making days ([`Sessions`]), when the trace is made that way.
    pub sessions: Option<Sessions>,
}

impl Habits {
    /// Draws one user of `kind`.
    pub fn draw(kind: Kind, rng: &mut fastrand::Rng) -> Habits {
        let daily_usd = between(rng, 8.0, 40.0);
        let sigma = match kind {
            Kind::Steady => between(rng, 0.1, 0.35),
            _ => between(rng, 0.3, 0.9),
        };
        let trend = match kind {
            Kind::Ramping if rng.f64() < 0.25 => between(rng, 0.3, 0.55),
            Kind::Ramping => between(rng, 1.8, 3.5),
            _ => between(rng, 0.7, 1.4),
        };
        let start_hour = match kind {
            Kind::NightOwl => rng.usize(18..=22),
            Kind::WeekendHacker => rng.usize(9..=12),
            _ => rng.usize(6..=11),
        };
        let length_h = match kind {
            Kind::NightOwl => rng.usize(3..=7),
            Kind::WeekendHacker => rng.usize(6..=12),
            _ => rng.usize(6..=10),
        };
        let topup_days = match kind {
            Kind::Bursty => between(rng, 1.0, 2.0),
            _ => between(rng, 1.5, 3.5),
        };
        let reload = (kind == Kind::AutoReload).then(|| {
            let threshold = between(rng, 5.0, 50.0);
            (threshold, threshold + daily_usd * between(rng, 1.5, 4.0))
        });
        let delay_from = rng.i64(0..6);
        Habits {
            kind,
            zone: ZONES[rng.usize(..ZONES.len())],
            first_day: 20_600 + rng.i64(0..120), // 2026-05-27 onwards
            daily_usd,
            sigma,
            start_hour,
            length_h,
            off_share: between(rng, 0.0, 0.4),
            sick: between(rng, 0.0, 0.1),
            holiday: (rng.i64(3..DAYS - 7), rng.i64(0..=7)),
            burst: (between(rng, 0.3, 0.7), rng.usize(1..=4), rng.usize(4..=12)),
            trend,
            topup_delay_h: (delay_from, delay_from + rng.i64(2..24)),
            topup_days,
            reload,
            always_on: rng.f64() < 0.35,
            jitter: between(rng, 0.1, 0.6),
            sessions: None,
        }
    }

    /// The total of day `d` (from the trace's first; negative before it) on day of the
    /// week `dow`, and how it is spread over the 24 local hours.
    pub fn day(&self, d: i64, dow: usize, rng: &mut fastrand::Rng) -> (f64, [f64; 24]) {
        if let Some(sessions) = &self.sessions {
            return sessions.day(self, d, dow, rng);
        }
        let level = self.level(d);
        let varied = level * (self.sigma * normal(rng) - self.sigma * self.sigma / 2.0).exp();
        let on_holiday = self.on_holiday(d);
        let weekend = dow >= 5;
        let mut weights = [0.0; 24];
        let shift = rng.i64(-1..=1);
        let start = (self.start_hour as i64 + shift).clamp(0, 23) as usize;
        let share = match self.kind {
            Kind::Weekday | Kind::Ramping | Kind::AutoReload => {
                if on_holiday || (!weekend && rng.f64() < self.sick) {
                    return (0.0, weights);
                }
                run(rng, &mut weights, self.jitter, start, self.length_h, 1.0);
                weights[(start + self.length_h / 2) % 24] *= 0.3; // lunch
                run(
                    rng,
                    &mut weights,
                    self.jitter,
                    start + self.length_h,
                    2,
                    0.3,
                );
                if weekend { self.off_share } else { 1.0 }
            }
            Kind::NightOwl => {
                run(rng, &mut weights, self.jitter, start, self.length_h, 1.0);
                run(
                    rng,
                    &mut weights,
                    self.jitter,
                    start + self.length_h,
                    1,
                    0.4,
                );
                run(rng, &mut weights, self.jitter, 0, 24, 0.02);
                1.0
            }
            Kind::Bursty => {
                if on_holiday || rng.f64() >= self.burst.0 {
                    return (0.0, weights);
                }
                let hours = rng.usize(self.burst.1..=self.burst.2);
                let from = start + rng.usize(0..=6);
                run(rng, &mut weights, self.jitter, from, hours, 1.0);
                1.0 / self.burst.0
            }
            Kind::Steady => {
                run(rng, &mut weights, self.jitter, 0, 24, 1.0);
                run(rng, &mut weights, self.jitter, start, self.length_h, 0.5);
                1.0
            }
            Kind::WeekendHacker => {
                if weekend {
                    run(rng, &mut weights, self.jitter, start, self.length_h, 1.0);
                    2.5
                } else if rng.f64() < 0.6 {
                    run(rng, &mut weights, self.jitter, 20, 3, 1.0);
                    self.off_share
                } else {
                    0.0
                }
            }
        };
        (varied * share, weights)
    }

    /// A main day's mean spend on day `d`, as the trend has taken it.
    pub fn level(&self, d: i64) -> f64 {
        self.daily_usd * self.trend.powf(d as f64 / DAYS as f64)
    }

    /// Whether day `d` falls in the user's holiday.
    pub fn on_holiday(&self, d: i64) -> bool {
        (self.holiday.0..self.holiday.0 + self.holiday.1).contains(&d)
    }

    /// What a top-up on day `d` brings the balance to.
    pub fn topup(&self, d: i64, rng: &mut fastrand::Rng) -> f64 {
        let level = self.level(d) * self.mean_share();
        (level * self.topup_days * (0.7 + 0.6 * rng.f64())).round()
    }

    /// An average day's spend against a main day's.
    fn mean_share(&self) -> f64 {
        match self.kind {
            Kind::Weekday | Kind::Ramping | Kind::AutoReload => (5.0 + 2.0 * self.off_share) / 7.0,
            Kind::WeekendHacker => (2.0 * 2.5 + 5.0 * 0.6 * self.off_share) / 7.0,
            _ => 1.0,
        }
    }

    /// How long after running out the balance is topped up, seconds.
    pub fn topup_delay_s(&self, rng: &mut fastrand::Rng) -> i64 {
        let (a, b) = self.topup_delay_h;
        rng.i64(a * 3600..=b * 3600)
    }

    /// Whether the machine is awake (and creditwatch reading) at this local hour.
    pub fn awake(&self, kind: Kind, dow: usize, hour: usize) -> bool {
        if self.always_on {
            return true;
        }
        match kind {
            Kind::Weekday | Kind::Ramping | Kind::AutoReload => {
                let from = self.start_hour.saturating_sub(2);
                let to = (self.start_hour + self.length_h + 5).min(24);
                dow < 5 && (from..to).contains(&hour) || dow >= 5 && (9..21).contains(&hour)
            }
            _ => true,
        }
    }
}

/// A draw between `a` and `b`.
pub(super) fn between(rng: &mut fastrand::Rng, a: f64, b: f64) -> f64 {
    a + (b - a) * rng.f64()
}

/// Adds `w` (each hour wobbling by `jitter`) to `hours` hours from local hour `from`.
fn run(
    rng: &mut fastrand::Rng,
    weights: &mut [f64; 24],
    jitter: f64,
    from: usize,
    hours: usize,
    w: f64,
) {
    for k in 0..hours {
        weights[(from + k) % 24] += w * (jitter * normal(rng)).exp();
    }
}
