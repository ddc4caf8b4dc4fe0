//! The oracle: a forecaster that knows the user's process exactly (their habits as drawn)
//! but nothing of the day in question. It draws the user's days afresh from the hour of
//! the last reading on, [`DRAWS`] times, and spends the balance down along each. What it
//! achieves is what any forecaster could hope for on these users without being told of a
//! heavy day before it begins: the bench's ceiling, beside which the forecaster is judged.

use super::{Trace, local};
use creditwatch::calendar::start_of_day;
use creditwatch::forecast::Forecast;

/// Futures drawn per forecast.
pub const DRAWS: usize = 48;
/// How far ahead a future is followed, hours.
const HORIZON_H: i64 = 8 * 24;

/// The oracle's forecast at `now` of when the balance, `gap` above its level at the last
/// reading `t`, reaches it: the median, the 10-90 % range and the chance by the end of
/// tomorrow, from [`DRAWS`] futures (seeded by the trace and `now`, so a run repeats).
pub fn forecast(trace: &Trace, t: i64, gap: f64, now: i64) -> Forecast {
    let mut times = run_outs(trace, t, gap, now);
    times.sort_unstable_by_key(|r| r.unwrap_or(i64::MAX));
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize].map(|r| r.max(now));
    let deadline = start_of_day(now, 2, &trace.tz);
    let by = times
        .iter()
        .filter(|r| r.is_some_and(|r| r < deadline))
        .count();
    let mut f = Forecast::none(format!("oracle: {DRAWS} futures of the user's own habits"));
    f.at = at(0.5);
    f.earliest = at(0.1);
    f.latest = at(0.9);
    f.chance = Some(by as f64 / times.len() as f64);
    f
}

/// When each of [`DRAWS`] futures from `t` burns `gap` (`None`: not within the horizon).
fn run_outs(trace: &Trace, t: i64, gap: f64, now: i64) -> Vec<Option<i64>> {
    let first = t.div_euclid(3600) * 3600;
    // Each hour ahead: its start, the local day since the trace's first, hour and weekday.
    let hours: Vec<(i64, i64, usize, usize)> = (0..HORIZON_H)
        .map(|k| {
            let s = first + k * 3600;
            let (d, h, dow) = local(s, trace.start, &trace.tz);
            (s, d, h, dow)
        })
        .collect();
    let seed = trace.seed ^ (trace.kind as u64) << 40 ^ (now as u64).wrapping_mul(0x2545_f491);
    let mut rng = fastrand::Rng::with_seed(seed);
    (0..DRAWS)
        .map(|_| {
            let mut day = (i64::MIN, [0.0; 24]);
            let mut left = gap;
            for &(s, d, h, dow) in &hours {
                if d != day.0 {
                    let (total, weights) = trace.habits.day(d, dow, &mut rng);
                    let sum = weights.iter().sum::<f64>().max(1e-9);
                    day = (d, weights.map(|w| total * w / sum));
                }
                let from = s.max(t);
                let span = (s + 3600 - from) as f64;
                let want = day.1[h] * span / 3600.0;
                if want > 0.0 && want >= left {
                    return Some(from + (left / want * span) as i64);
                }
                left -= want;
            }
            None
        })
        .collect()
}
