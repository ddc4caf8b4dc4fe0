//! Synthetic users to measure forecasts on, for the forecast bench and the tests only (the
//! product never links it): six weeks of a credit balance read every 5 minutes, run down
//! and topped up again and again, with the true run-out times known.
//!
//! Seven kinds of users, and within each kind every seed draws its own habits from wide
//! ranges ([`Habits`]): its time zone and start date, working hours, how much days vary
//! (lognormal sigma), how much of the week falls on weekends, holidays and sick days,
//! burst length and frequency, a trend up or down, how long it takes to top up and by how
//! much, the auto-reload threshold. Each hour of a day is jittered too. A forecaster tuned
//! on some seeds meets users it has never seen on the others: nothing here can be fitted
//! by a constant.
//!
//! Every trace's days can also be made a second way ([`Process::Sessions`]): separate
//! sessions rather than one block, heavy and light spells of days, a weight for each day of
//! the week. Nothing was tuned on it, so it tells whether what was tuned on the first way
//! carries to users made otherwise.

mod habits;
pub mod oracle;
mod sessions;

pub use habits::Habits;

use creditwatch::store::Sample;
use jiff::tz::TimeZone;

/// Days a trace covers.
pub const DAYS: i64 = 42;
/// Seconds between two readings.
pub const STEP_S: i64 = 300;

/// A kind of user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Weekdays in working hours with a lunch dip, a little at weekends, days off; the
    /// laptop often sleeps at night.
    Weekday,
    /// Evenings into the night, every day.
    NightOwl,
    /// Runs of hours at a high rate on some days, idle the others.
    Bursty,
    /// About the same small rate around the clock.
    Steady,
    /// Weekends all day, a little on weekday evenings.
    WeekendHacker,
    /// A weekday user whose spend grows (or, less often, falls) steeply over the weeks.
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
            Kind::Ramping => "ramping",
            Kind::AutoReload => "auto-reload",
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
    /// The habits drawn.
    pub habits: Habits,
    /// The user's time zone.
    pub tz: TimeZone,
    /// The first instant (local midnight of the first day), unix seconds.
    pub start: i64,
    /// The instant after the last reading.
    pub end: i64,
    /// The balance as creditwatch read it, oldest first.
    pub samples: Vec<Sample>,
    /// When the balance reached the level that matters (zero, or the reload threshold).
    pub run_outs: Vec<i64>,
    /// That level.
    pub floor: f64,
    /// Auto-reload `(threshold, reload to)`, for the auto-reload user.
    pub auto_reload: Option<(f64, f64)>,
    /// What the user wanted to spend, summed from the start, at the end of each 5-minute
    /// step (spent or not: an empty balance does not stop them wanting it).
    pub demand: Vec<(i64, f64)>,
}

impl Trace {
    /// What the user wanted to spend from `from` to `to` (`None` past the trace's end).
    pub fn demand_between(&self, from: i64, to: i64) -> Option<f64> {
        let at = |t: i64| {
            let i = self.demand.partition_point(|&(end, _)| end <= t);
            i.checked_sub(1).map_or(0.0, |i| self.demand[i].1)
        };
        (to <= self.end).then(|| at(to) - at(from))
    }
}

/// How a trace's days are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Process {
    /// One block of work at the user's hours, each day drawn afresh ([`Habits::day`]).
    Days,
    /// Sessions, heavy and light spells, a weight per day of the week
    /// ([`sessions::Sessions`]): the held-out process nothing was tuned on.
    Sessions,
}

/// The trace of `kind` drawn from `seed`, its days made the first way.
pub fn generate(kind: Kind, seed: u64) -> Trace {
    generate_with(kind, seed, Process::Days)
}

/// The trace of `kind` drawn from `seed`, its days made by `process`.
pub fn generate_with(kind: Kind, seed: u64, process: Process) -> Trace {
    let mut rng = fastrand::Rng::with_seed(seed.wrapping_mul(0x9e37_79b9) ^ (kind as u64) << 40);
    let mut habits = Habits::draw(kind, &mut rng);
    if process == Process::Sessions {
        let mut own = fastrand::Rng::with_seed(seed.wrapping_mul(0x51_7cc1) ^ (kind as u64) << 32);
        habits.sessions = Some(sessions::Sessions::draw(&habits, &mut own));
    }
    let tz = TimeZone::get(habits.zone).unwrap_or(TimeZone::UTC);
    let start = local_midnight(habits.first_day, &tz);
    let auto_reload = habits.reload;
    let floor = auto_reload.map_or(0.0, |(threshold, _)| threshold);
    let mut trace = Trace {
        kind,
        seed,
        tz: tz.clone(),
        start,
        end: start,
        samples: Vec::new(),
        run_outs: Vec::new(),
        floor,
        auto_reload,
        habits: habits.clone(),
        demand: Vec::new(),
    };
    let mut wanted = 0.0;
    let mut balance = habits.topup(0, &mut rng) * 0.6 + floor;
    let mut empty_until: Option<i64> = None;
    let mut day: (i64, f64, [f64; 24]) = (-1, 0.0, [0.0; 24]);
    let mut t = start;
    while local_day(t, start, &tz) < DAYS {
        let (d, hour, dow) = local(t, start, &tz);
        if d != day.0 {
            let (total, weights) = habits.day(d, dow, &mut rng);
            day = (d, total, weights);
        }
        let weight_sum: f64 = day.2.iter().sum::<f64>().max(1e-9);
        let want = day.1 * day.2[hour] / weight_sum * STEP_S as f64 / 3600.0;
        if empty_until.is_some_and(|until| t >= until) {
            balance = habits.topup(d, &mut rng);
            empty_until = None;
        }
        if empty_until.is_none() && want > 0.0 {
            if balance - want <= floor {
                let frac = ((balance - floor) / want).clamp(0.0, 1.0);
                trace.run_outs.push(t + (frac * STEP_S as f64) as i64);
                if let Some((_, to)) = auto_reload {
                    balance = to - (want - (balance - floor));
                } else {
                    balance = 0.0;
                    empty_until = Some(t + habits.topup_delay_s(&mut rng));
                }
            } else {
                balance -= want;
            }
        }
        t += STEP_S;
        wanted += want;
        trace.demand.push((t, wanted));
        if habits.awake(kind, dow, hour) {
            trace.samples.push(Sample {
                t,
                v: (balance * 100.0).round() / 100.0,
            });
        }
    }
    trace.end = t;
    trace
}

/// The weekly shape of the user's spend over the 28 days before the trace starts, as the
/// transcripts would give it: the same user, other days. Hour 0 is Monday 00:00 local.
pub fn prior(trace: &Trace) -> Option<[f64; 168]> {
    let mut rng = fastrand::Rng::with_seed(!trace.seed ^ (trace.kind as u64) << 40);
    let mut spend = [0.0; 168];
    let first_dow = local(trace.start, trace.start, &trace.tz).2;
    for d in -28..0 {
        let dow = (first_dow as i64 + d).rem_euclid(7) as usize;
        let (total, weights) = trace.habits.day(d, dow, &mut rng);
        let sum: f64 = weights.iter().sum::<f64>().max(1e-9);
        for (h, w) in weights.iter().enumerate() {
            spend[dow * 24 + h] += total * w / sum;
        }
    }
    let mean = spend.iter().sum::<f64>() / 168.0;
    (mean > 0.0).then(|| spend.map(|v| v / mean))
}

/// The user's spend hour by hour as Claude Code's transcripts would hold it: the 28 days
/// before the trace (the same draws as [`prior`]) and every hour of the trace (what the
/// balance fell by), as `(hour start, USD)`.
pub fn transcripts(trace: &Trace) -> Vec<(i64, f64)> {
    let mut rng = fastrand::Rng::with_seed(!trace.seed ^ (trace.kind as u64) << 40);
    let first_dow = local(trace.start, trace.start, &trace.tz).2;
    let mut out = Vec::new();
    for d in -28..0 {
        let dow = (first_dow as i64 + d).rem_euclid(7) as usize;
        let (total, weights) = trace.habits.day(d, dow, &mut rng);
        let sum: f64 = weights.iter().sum::<f64>().max(1e-9);
        for (h, w) in weights.iter().enumerate() {
            if *w > 0.0 {
                out.push((trace.start + d * 86_400 + h as i64 * 3600, total * w / sum));
            }
        }
    }
    for pair in trace.samples.windows(2) {
        let fell = pair[0].v - pair[1].v;
        if fell > 0.0 {
            let hour = pair[1].t.div_euclid(3600) * 3600;
            match out.last_mut() {
                Some((t, usd)) if *t == hour => *usd += fell,
                _ => out.push((hour, fell)),
            }
        }
    }
    out
}

/// Local midnight of `day` (days since 1970-01-01 in local time).
fn local_midnight(day: i64, tz: &TimeZone) -> i64 {
    let guess = day * 86_400;
    guess - offset(guess, tz)
}

fn offset(t: i64, tz: &TimeZone) -> i64 {
    jiff::Timestamp::from_second(t).map_or(0, |ts| i64::from(tz.to_offset(ts).seconds()))
}

fn local_day(t: i64, start: i64, tz: &TimeZone) -> i64 {
    local(t, start, tz).0
}

/// The local day since the trace's first, the local hour and the day of the week (0 =
/// Monday) of the instant `t`.
fn local(t: i64, start: i64, tz: &TimeZone) -> (i64, usize, usize) {
    let l = t + offset(t, tz);
    let day = l.div_euclid(86_400);
    let first = (start + offset(start, tz)).div_euclid(86_400);
    let dow = (day + 3).rem_euclid(7) as usize; // 1970-01-01 was a Thursday
    (day - first, (l.rem_euclid(86_400) / 3600) as usize, dow)
}

/// A standard normal draw (Box-Muller).
pub fn normal(rng: &mut fastrand::Rng) -> f64 {
    let (u, v) = (rng.f64().max(1e-12), rng.f64());
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}
