//! The daily choice: each candidate replayed at every other hour of the pool's own last weeks
//! (rolling origin, only the 28 days before each hour), the one that foresaw best chosen,
//! and its errors kept as the range ([`Spread`]).
//!
//! The score is the one a user feels: how many hours off the time to burn what truly came
//! by each hour 12 to 24 hours ahead was foreseen, as if the level had been that far, each
//! such hour weighed by its burn (a run-out falls in an hour as often as that hour burns).
//! Every watched hour gives one, not only the few with a real run-out in reach, so three
//! weeks say a lot. A pool whose history is too short to say keeps [`DEFAULT`], the candidate
//! best across the bench's kinds of users.

use super::method::{self, Course, Hours, Method, Tally};
use super::spread::{LEADS, Spread};
use super::week::Shape;
use serde::{Deserialize, Serialize};

/// The candidate used until a pool's own history can choose.
pub const DEFAULT: Method = Method::Pooled;
/// The history each hour needs before it is judged from, hours watched.
const MIN_HISTORY_H: f64 = 72.0;
/// Judged hours (each with some burn 12 to 24 h after it) a pool needs before its own
/// choice counts: five days' worth.
const MIN_JUDGED: u32 = 5 * 24 / STRIDE_H as u32;
/// Every how many hours the replay asks. Forecasts an hour apart share all but an hour of
/// their history and of the hours they foresee, so their errors are nearly the same: every
/// other hour says as much as every hour, at half the cost.
pub const STRIDE_H: usize = 2;
/// The hours ahead each hour is judged at (the 12-24 h that decides an alert).
const JUDGED_FROM: usize = 12;
const JUDGED_TO: usize = 23;
/// How far ahead the foreseen burn is walked to find the time, hours.
const WALK_H: usize = 192;
/// How much less error another candidate needs to be chosen over the default. Set on the
/// tuning seeds: at 0.25 a three weeks' lead lost as often as it won the next day (the
/// choice 3 % worse than the profile alone), at 0.4 the choice matches it. With the pooled
/// profile as the default the choice matches it alone (14.9 h) at 0.25, 0.4 and 0.55, and
/// is worse at 0.1 (15.3 h).
const MARGIN: f64 = 0.4;
/// How far back hours are judged from the end of the history.
pub const JUDGED_SPAN_H: usize = 21 * 24;

/// One candidate's record on the pool's own history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// The candidate.
    pub method: Method,
    /// Hours judged.
    pub judged: u32,
    /// Their mean error, hours.
    pub error_h: Option<f64>,
}

/// The choice for a pool, made once a day and kept in the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Card {
    /// The day (cut at 05:00 local) it was made on.
    pub day: i64,
    /// The candidate chosen.
    pub method: Method,
    /// Whether the pool's own history chose it (else it is [`DEFAULT`]).
    pub own: bool,
    /// Every candidate's record, in [`Method::ALL`] order.
    pub records: Vec<Record>,
    /// The chosen candidate's errors at every distance ahead.
    pub spread: Spread,
}

/// Replays every candidate over `x` (the pool's burn, up to now) and chooses.
pub fn judge(x: &Hours<'_>, prior: Option<&Shape>, day: i64) -> Card {
    judge_with(x, prior, day, None)
}

/// [`judge`], with `force` taking the place of the choice when given (the bench's and the
/// backtest's baselines): the records are the same, the spread is the forced one's.
pub(crate) fn judge_with(
    x: &Hours<'_>,
    prior: Option<&Shape>,
    day: i64,
    force: Option<Method>,
) -> Card {
    let records: Vec<Record> = replay(&Method::ALL, x, prior, Pass::Judge)
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    let judged = |r: &&Record| r.judged >= MIN_JUDGED && r.error_h.is_some();
    // Another candidate must beat the default by a margin: a small lead on three weeks is
    // as likely luck as skill, and luck does not carry into the next day.
    let mut best: Option<&Record> = None;
    let default_first = records.iter().filter(|r| r.method == DEFAULT);
    let others = records.iter().filter(|r| r.method != DEFAULT);
    for r in default_first.chain(others).filter(judged) {
        let error = r.error_h.unwrap_or(f64::MAX);
        if best.is_none_or(|b| error < b.error_h.unwrap_or(f64::MAX) * (1.0 - MARGIN)) {
            best = Some(r);
        }
    }
    let best = best.map(|r| r.method);
    let method = force.or(best).unwrap_or(DEFAULT);
    let days = x.h.totals().1 / 24.0;
    let ratios = replay(&[method], x, prior, Pass::Errors)
        .pop()
        .map(|(_, ratios)| ratios)
        .unwrap_or_default();
    Card {
        day,
        method,
        own: best.is_some(),
        records,
        spread: Spread::of(ratios, days.min(28.0)),
    }
}

/// What a replay is for: judging candidates (their records, over the last three weeks,
/// the time found within [`JUDGE_WALK_H`]), or the chosen one's errors (its ratios at every
/// distance ahead). Apart, the four candidates need not walk eight days from every hour.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    Judge,
    Errors,
}

/// How far ahead a judged hour's time is looked for: a miss by more counts as this much.
const JUDGE_WALK_H: usize = 96;

/// What one candidate's replay has gathered.
struct Tape {
    judged: u32,
    /// Burn-weighted error, and the weight.
    error: (f64, f64),
    /// Ratios of true to foreseen burn at each of [`LEADS`].
    ratios: Vec<Vec<f64>>,
}

/// `methods` at every hour, in one pass (the sums and the profiles are shared): each one's
/// record (judging), or its ratios of true to foreseen burn at each of [`LEADS`] (errors).
fn replay(
    methods: &[Method],
    x: &Hours<'_>,
    prior: Option<&Shape>,
    pass: Pass,
) -> Vec<(Record, Vec<Vec<f64>>)> {
    let n = x.h.burn.len();
    let mut tapes: Vec<Tape> = methods
        .iter()
        .map(|_| Tape {
            judged: 0,
            error: (0.0, 0.0),
            ratios: vec![Vec::new(); LEADS.len()],
        })
        .collect();
    let mut tally = Tally::new();
    let first = match pass {
        Pass::Judge => n.saturating_sub(JUDGED_SPAN_H),
        Pass::Errors => n.saturating_sub(JUDGED_SPAN_H + WALK_H),
    };
    let (mut foreseen, mut came) = (Vec::with_capacity(JUDGE_WALK_H), Vec::new());
    let mut courses = Vec::with_capacity(methods.len());
    for origin in first..n {
        if (n - origin) % STRIDE_H != 0 {
            continue;
        }
        tally.advance(x, origin);
        if tally.days() * 24.0 < MIN_HISTORY_H || x.h.cover[origin] < 0.5 {
            continue;
        }
        let judged = || origin + JUDGED_TO < n && watched(x, origin, 24);
        if pass == Pass::Judge && !judged() {
            continue;
        }
        method::courses(methods, x, &tally, origin, prior, &mut courses);
        if pass == Pass::Errors {
            for (c, tape) in courses.iter().zip(&mut tapes) {
                gather(c, x, origin, &mut tape.ratios);
            }
            continue;
        }
        came_from(x, origin, JUDGED_TO + 1, &mut came);
        // Judging asks the time of at most what came in 24 hours: the walk can stop there.
        let enough = came.last().copied().unwrap_or(0.0);
        for (c, tape) in courses.iter().zip(&mut tapes) {
            walk(c, x, origin, enough, &mut foreseen);
            score(&foreseen, &came, tape);
        }
    }
    methods
        .iter()
        .zip(tapes)
        .map(|(&method, t)| {
            let record = Record {
                method,
                judged: t.judged,
                error_h: (t.error.1 > 0.0).then(|| t.error.0 / t.error.1),
            };
            (record, t.ratios)
        })
        .collect()
}

/// Walks `c` from `origin` as far as the history goes (at most [`WALK_H`]) beside the burn
/// that came, keeping their ratio at each of [`LEADS`] the walk reaches (where the hours
/// were watched and some burn was foreseen). Neither sum is kept hour by hour: only the
/// leads are asked.
fn gather(c: &Course, x: &Hours<'_>, origin: usize, ratios: &mut [Vec<f64>]) {
    let (mut f, mut came, mut fade) = (0.0, 0.0, 1.0);
    let step = method::fade_per_hour();
    let mut i = origin;
    for (&lead, r) in LEADS.iter().zip(ratios) {
        let k = lead as usize;
        let Some(hours) = x.at(i..origin + k) else {
            break;
        };
        for (slot, day, cover, burn) in hours {
            f += c.rate_faded(fade, slot, day) * cover;
            came += burn;
            fade *= step;
        }
        i = origin + k;
        if f > 0.0 && watched(x, origin, k) {
            r.push(came / f);
        }
    }
}

/// Scores one judged hour: a run-out falls in an hour as often as that hour burns, so each
/// hour 12 to 24 h ahead counts by its burn, as if the level had been reached in its middle.
fn score(foreseen: &[f64], came: &[f64], tape: &mut Tape) {
    let mut weighed = false;
    for k in JUDGED_FROM..=JUDGED_TO {
        let w = came[k] - came[k - 1];
        if w > 0.0 {
            let t = time_to(foreseen, came[k] - w / 2.0);
            tape.error.0 += w * (t - (k as f64 + 0.5)).abs();
            tape.error.1 += w;
            weighed = true;
        }
    }
    tape.judged += u32::from(weighed);
}

/// Whether at least half of the `k` hours from `origin` were watched.
fn watched(x: &Hours<'_>, origin: usize, k: usize) -> bool {
    x.watched[origin + k] - x.watched[origin] >= k as f64 / 2.0
}

/// The cumulative burn that came over the hours from `origin`, as far as the history goes
/// (at most `reach`).
fn came_from(x: &Hours<'_>, origin: usize, reach: usize, came: &mut Vec<f64>) {
    came.clear();
    let mut b = 0.0;
    for &burn in &x.h.burn[origin..(origin + reach).min(x.h.burn.len())] {
        b += burn;
        came.push(b);
    }
}

/// The cumulative burn foreseen over the hours from `origin` (only where they were watched),
/// as far as the history goes (at most [`JUDGE_WALK_H`]), stopping once it is `enough`.
fn walk(c: &Course, x: &Hours<'_>, origin: usize, enough: f64, foreseen: &mut Vec<f64>) {
    foreseen.clear();
    let (mut f, mut fade) = (0.0, 1.0);
    let step = method::fade_per_hour();
    let end = (origin + JUDGE_WALK_H).min(x.h.burn.len());
    for (slot, day, cover, _) in x.at(origin..end).into_iter().flatten() {
        f += c.rate_faded(fade, slot, day) * cover;
        fade *= step;
        foreseen.push(f);
        if f >= enough {
            break;
        }
    }
}

/// The hours the foreseen burn takes to reach `amount` (the whole walk, a bound, when it
/// does not).
fn time_to(foreseen: &[f64], amount: f64) -> f64 {
    let i = foreseen.partition_point(|&f| f < amount);
    if i >= foreseen.len() {
        return foreseen.len() as f64;
    }
    let before = if i == 0 { 0.0 } else { foreseen[i - 1] };
    let step = foreseen[i] - before;
    i as f64
        + if step > 0.0 {
            (amount - before) / step
        } else {
            1.0
        }
}
