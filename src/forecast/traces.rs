//! Synthetic balance traces of seven kinds of users, to measure forecasts on (see
//! `benches/forecast/` and the tests): six weeks of a credit balance read every 5
//! minutes, run down and topped up again and again, with the true run-out times known.
//!
//! Each kind is a weekly pattern of when the user spends, times a daily total that varies
//! from day to day (lognormal, sigma 0.5). When the balance runs out the user notices
//! some hours later and tops it up by about three and a half days' worth; the auto-reload user's
//! balance is reloaded the moment it falls below the threshold. Everything is driven by
//! the seed, in UTC.

use crate::store::Sample;

/// Days a trace covers.
pub const DAYS: i64 = 42;
/// Seconds between two readings.
pub const STEP_S: i64 = 300;

/// A kind of user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Weekdays 9 to 5 with a lunch dip, quiet weekends, days off; the laptop sleeps at night.
    Weekday,
    /// Evenings into the night, every day.
    NightOwl,
    /// Runs of hours at a high rate on some days, idle the others.
    Bursty,
    /// The same small rate around the clock.
    Steady,
    /// Weekends all day, a little on weekday evenings.
    WeekendHacker,
    /// A weekday user whose spend triples over the six weeks.
    Ramping,
    /// A weekday user with auto-reload: topped up the moment it falls below the threshold.
    AutoReload,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 7] = [
        Kind::Weekday,
        Kind::NightOwl,
        Kind::Bursty,
        Kind::Steady,
        Kind::WeekendHacker,
        Kind::Ramping,
        Kind::AutoReload,
    ];

    /// Its name in tables.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Weekday => "9-to-5 weekday",
            Kind::NightOwl => "night owl",
            Kind::Bursty => "bursty agents",
            Kind::Steady => "steady background",
            Kind::WeekendHacker => "weekend hacker",
            Kind::Ramping => "ramping up",
            Kind::AutoReload => "auto-reload",
        }
    }

    /// Spend per day on an average day, USD.
    fn daily_usd(self) -> f64 {
        match self {
            Kind::Steady => 12.0,
            Kind::Bursty => 30.0,
            _ => 20.0,
        }
    }

    /// The weight of local hour `hour` on day-of-week `dow` (0 = Monday).
    fn weight(self, dow: i64, hour: i64) -> f64 {
        let weekday = dow < 5;
        match self {
            Kind::Weekday | Kind::Ramping | Kind::AutoReload => match (weekday, hour) {
                (false, _) => 0.0,
                (true, 12) => 0.3,
                (true, 9..=16) => 1.0,
                (true, 17..=18) => 0.3,
                _ => 0.0,
            },
            Kind::NightOwl => match hour {
                20..=23 | 0..=1 => 1.0,
                2 => 0.4,
                _ => 0.02,
            },
            Kind::Bursty => 1.0,
            Kind::Steady => 1.0,
            Kind::WeekendHacker => match (weekday, hour) {
                (false, 10..=22) => 1.0,
                (true, 20..=22) => 0.35,
                _ => 0.0,
            },
        }
    }

    /// The weight of a whole day-of-week.
    fn day_weight(self, dow: i64) -> f64 {
        (0..24).map(|h| self.weight(dow, h)).sum()
    }

    /// Whether the machine is awake (and creditwatch reading) at this hour.
    fn awake(self, dow: i64, hour: i64) -> bool {
        match self {
            Kind::Weekday | Kind::Ramping | Kind::AutoReload => {
                dow < 5 && (7..23).contains(&hour) || dow >= 5 && (10..20).contains(&hour)
            }
            _ => true,
        }
    }
}

/// One user's six weeks.
#[derive(Debug, Clone)]
pub struct Trace {
    /// The kind of user.
    pub kind: Kind,
    /// The seed it was drawn from.
    pub seed: u64,
    /// The balance as creditwatch read it, oldest first.
    pub samples: Vec<Sample>,
    /// When the balance reached the level that matters (zero, or the reload threshold).
    pub run_outs: Vec<i64>,
    /// That level.
    pub floor: f64,
    /// Auto-reload `(threshold, reload to)`, for the auto-reload user.
    pub auto_reload: Option<(f64, f64)>,
    /// What each day was going to spend, and how over its hours: the truth an oracle
    /// knows of the day it is in.
    pub days: Vec<(f64, [f64; 24])>,
}

/// 2026-08-03, a Monday, 00:00 UTC: where every trace starts.
pub const START: i64 = 1_785_715_200;

/// The trace of `kind` drawn from `seed`.
pub fn generate(kind: Kind, seed: u64) -> Trace {
    let mut rng = fastrand::Rng::with_seed(seed ^ (kind as u64) << 32);
    let days = if kind == Kind::Bursty { 2.5 } else { 3.5 };
    let topup = kind.daily_usd() * days;
    let auto_reload = (kind == Kind::AutoReload).then_some((10.0, 10.0 + topup));
    let floor = auto_reload.map_or(0.0, |(threshold, _)| threshold);
    let mut trace = Trace {
        kind,
        seed,
        samples: Vec::new(),
        run_outs: Vec::new(),
        floor,
        auto_reload,
        days: Vec::new(),
    };
    let mut balance = topup * 0.6 + floor;
    let mut empty_until: Option<i64> = None;
    for day in 0..DAYS {
        let dow = day % 7;
        let total = daily_total(kind, day, &mut rng);
        let weights = day_weights(kind, dow, &mut rng);
        let day_weight: f64 = weights.iter().sum::<f64>().max(1e-9);
        trace.days.push((total, weights));
        for step in 0..(86_400 / STEP_S) {
            let t = START + day * 86_400 + step * STEP_S;
            let hour = step * STEP_S / 3600;
            let want = total * weights[hour as usize] / day_weight * STEP_S as f64 / 3600.0;
            if let Some(until) = empty_until {
                if t >= until {
                    balance = topup;
                    empty_until = None;
                }
            }
            if empty_until.is_none() && want > 0.0 {
                if balance - want <= floor {
                    // The instant it crosses the level, within this step.
                    let frac = ((balance - floor) / want).clamp(0.0, 1.0);
                    trace.run_outs.push(t + (frac * STEP_S as f64) as i64);
                    match auto_reload {
                        Some((_, to)) => balance = to - (want - (balance - floor)),
                        None => {
                            balance = 0.0;
                            empty_until = Some(t + 3600 * rng.i64(1..10));
                        }
                    }
                } else {
                    balance -= want;
                }
            }
            if kind.awake(dow, hour) {
                trace.samples.push(Sample {
                    t: t + STEP_S,
                    v: (balance * 100.0).round() / 100.0,
                });
            }
        }
    }
    trace
}

/// What an oracle knows of the day it is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Knows {
    /// The whole day as it truly is, hours not yet come included.
    Today,
    /// The day as it truly is once one of its hours with spending has begun (its total
    /// shows from there on); before that, a draw like any day to come. What a forecaster
    /// that knew the user's process exactly could know.
    SoFar,
}

/// The best a forecaster could do on a trace: the 10th, 50th and 90th percentile of when
/// the balance would reach the floor if the user's own process (their weekly pattern and
/// their day-to-day variation) ran on from `t` with `balance`, knowing of today what
/// `knows` says and nothing of the days after. A reference for the backtest, not a
/// forecaster.
pub fn oracle(trace: &Trace, t: i64, balance: f64, seed: u64, knows: Knows) -> [Option<i64>; 3] {
    const RUNS: usize = 256;
    let kind = trace.kind;
    let mut rng = fastrand::Rng::with_seed(seed);
    let today = (t - START).div_euclid(86_400);
    let hour = ((t - START).rem_euclid(86_400) / 3600) as usize;
    let known = trace
        .days
        .get(today as usize)
        .copied()
        .filter(|(_, weights)| match knows {
            Knows::Today => true,
            Knows::SoFar => weights[..hour].iter().any(|&w| w > 0.0),
        });
    let mut times: Vec<i64> = (0..RUNS)
        .map(|_| {
            let mut level = balance;
            let mut day = today;
            loop {
                let (total, weights) = match known.filter(|_| day == today) {
                    Some(known) => known,
                    None => (
                        daily_total(kind, day, &mut rng),
                        day_weights(kind, day % 7, &mut rng),
                    ),
                };
                let sum: f64 = weights.iter().sum::<f64>().max(1e-9);
                for step in 0..(86_400 / STEP_S) {
                    let at = START + day * 86_400 + step * STEP_S;
                    if at < t {
                        continue;
                    }
                    level -= total * weights[(step * STEP_S / 3600) as usize] / sum * STEP_S as f64
                        / 3600.0;
                    if level <= trace.floor {
                        return at;
                    }
                }
                day += 1;
                if day > today + 60 {
                    return i64::MAX;
                }
            }
        })
        .collect();
    times.sort_unstable();
    [RUNS / 10, RUNS / 2, RUNS * 9 / 10].map(|i| Some(times[i]).filter(|&m| m < i64::MAX))
}

/// What the user spends in a day: the kind's mean shared over the week by how much of the
/// kind's week falls on this day, varied lognormally (sigma 0.5), none on a weekday dev's
/// days off, a ramp for the ramping user, a burst day or none for the bursty one.
fn daily_total(kind: Kind, day: i64, rng: &mut fastrand::Rng) -> f64 {
    let z = normal(rng);
    let varied = kind.daily_usd() * (0.5 * z - 0.125).exp();
    let week: f64 = (0..7).map(|d| kind.day_weight(d)).sum();
    let share = 7.0 * kind.day_weight(day % 7) / week;
    match kind {
        Kind::Weekday | Kind::AutoReload if rng.f64() < 0.07 => 0.0,
        Kind::Ramping => varied * share * (0.5 + day as f64 / DAYS as f64),
        Kind::Bursty if rng.f64() < 0.6 => 0.0,
        Kind::Bursty => varied / 0.4,
        _ => varied * share,
    }
}

/// The day's hour weights: the kind's pattern, or for the bursty user one run of 3 to 8
/// hours starting between 08:00 and 14:00.
fn day_weights(kind: Kind, dow: i64, rng: &mut fastrand::Rng) -> [f64; 24] {
    let mut w = [0.0; 24];
    if kind == Kind::Bursty {
        let start = rng.usize(8..=14);
        for h in w.iter_mut().skip(start).take(rng.usize(3..=8)) {
            *h = 1.0;
        }
        return w;
    }
    for (h, v) in w.iter_mut().enumerate() {
        *v = kind.weight(dow, h as i64);
    }
    w
}

/// The weekly shape of the user's spend over the 28 days before the trace starts, as the
/// transcripts would give it (see `profile::shape`): the same kind of user, other days.
pub fn prior(kind: Kind, seed: u64) -> Option<super::profile::Shape> {
    let mut rng = fastrand::Rng::with_seed(!(seed ^ (kind as u64) << 32));
    let mut spend = [0.0; super::profile::WEEK];
    for day in 0..28 {
        let total = daily_total(kind, day, &mut rng);
        let weights = day_weights(kind, day % 7, &mut rng);
        let sum: f64 = weights.iter().sum::<f64>().max(1e-9);
        for (h, w) in weights.iter().enumerate() {
            spend[(day % 7) as usize * 24 + h] += total * w / sum;
        }
    }
    super::profile::shape(&spend)
}

/// A standard normal draw (Box-Muller).
fn normal(rng: &mut fastrand::Rng) -> f64 {
    let (u, v) = (rng.f64().max(1e-12), rng.f64());
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_runs_out_eight_times_or_more_and_is_the_same_for_a_seed() {
        for kind in Kind::ALL {
            let t = generate(kind, 1);
            assert!(
                t.run_outs.len() >= 8,
                "{}: {} run-outs",
                kind.name(),
                t.run_outs.len()
            );
            assert_eq!(t.samples, generate(kind, 1).samples, "{}", kind.name());
            assert_ne!(t.samples, generate(kind, 2).samples, "{}", kind.name());
            assert!(t.samples.windows(2).all(|w| w[0].t < w[1].t));
        }
    }

    #[test]
    fn the_transcripts_week_before_a_trace_has_the_users_shape() {
        let shape = prior(Kind::WeekendHacker, 1).unwrap();
        let saturday_noon = shape[5 * 24 + 12];
        let tuesday_noon = shape[24 + 12];
        let tuesday_evening = shape[24 + 21];
        assert!(
            saturday_noon > 2.0 && tuesday_noon == 0.0,
            "{saturday_noon} {tuesday_noon}"
        );
        assert!(tuesday_evening > 0.0 && tuesday_evening < saturday_noon);
        assert!((shape.iter().sum::<f64>() / 168.0 - 1.0).abs() < 1e-9);
        assert_ne!(prior(Kind::WeekendHacker, 2), Some(shape));
    }
}
