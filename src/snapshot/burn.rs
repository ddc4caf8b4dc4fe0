//! Burn rates of money pools from their stored history. A balance only counts its falls
//! and a spend counter only its rises, so top-ups, auto-reloads and monthly resets never
//! read as negative (or huge) burn.

use crate::format;
use crate::store::Sample;

/// History must span at least this long to give a rate.
pub const MIN_SPAN_S: i64 = 1800;

/// Which moves of the metric are burn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A balance: falls are spending, rises are top-ups.
    Falling,
    /// A spend counter: rises are spending, falls are resets.
    Rising,
}

/// A rate and how it was found.
#[derive(Debug, Clone, PartialEq)]
pub struct Rate {
    /// Units per hour (0 when nothing moved).
    pub per_hour: f64,
    /// Seconds between the first and last sample used.
    pub span_s: i64,
    /// Samples used.
    pub samples: usize,
}

impl Rate {
    /// "falls over the last 23h 55m (288 samples), rises ignored" and the like.
    pub fn describe(&self, direction: Direction) -> String {
        let (moves, ignored) = match direction {
            Direction::Falling => ("falls", "rises (top-ups, reloads) ignored"),
            Direction::Rising => ("rises", "falls (resets) ignored"),
        };
        format!(
            "{moves} over the last {} ({} samples), {ignored}",
            format::duration(self.span_s),
            self.samples
        )
    }
}

/// The rate over `samples` (oldest first), or `None` when they span less than
/// [`MIN_SPAN_S`].
pub fn rate(samples: &[Sample], direction: Direction) -> Option<Rate> {
    let (first, last) = (samples.first()?, samples.last()?);
    let span_s = last.t - first.t;
    if span_s < MIN_SPAN_S {
        return None;
    }
    let moved: f64 = samples
        .windows(2)
        .map(|w| match direction {
            Direction::Falling => (w[0].v - w[1].v).max(0.0),
            Direction::Rising => (w[1].v - w[0].v).max(0.0),
        })
        .sum();
    Some(Rate {
        per_hour: moved * 3600.0 / span_s as f64,
        span_s,
        samples: samples.len(),
    })
}

/// When a level at `t` moving `per_hour` in `direction` reaches `target`: `t` itself when
/// it is already there or past it, `None` when it is not moving.
pub fn reaches(
    level: f64,
    target: f64,
    per_hour: f64,
    t: i64,
    direction: Direction,
) -> Option<i64> {
    let gap = match direction {
        Direction::Falling => level - target,
        Direction::Rising => target - level,
    };
    if gap <= 0.0 {
        return Some(t);
    }
    if per_hour <= 0.0 {
        return None;
    }
    Some(t + (gap / per_hour * 3600.0).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(t: i64, v: f64) -> Sample {
        Sample { t, v }
    }

    #[test]
    fn a_top_up_is_not_negative_burn() {
        // $2/h down, a $50 top-up, $2/h down again.
        let h = [s(0, 40.0), s(3600, 38.0), s(3601, 88.0), s(7200, 86.0)];
        let r = rate(&h, Direction::Falling).unwrap();
        assert!((r.per_hour - 2.0).abs() < 1e-3, "{r:?}");
        assert_eq!(r.samples, 4);
    }

    #[test]
    fn a_monthly_reset_is_not_negative_spend() {
        let h = [s(0, 90.0), s(1800, 100.0), s(1801, 0.0), s(3600, 10.0)];
        let r = rate(&h, Direction::Rising).unwrap();
        assert!((r.per_hour - 20.0).abs() < 1e-2, "{r:?}");
    }

    #[test]
    fn too_short_a_history_gives_no_rate() {
        assert_eq!(rate(&[s(0, 1.0), s(600, 0.5)], Direction::Falling), None);
        assert_eq!(rate(&[], Direction::Falling), None);
    }

    #[test]
    fn projections() {
        use Direction::*;
        assert_eq!(reaches(10.0, 0.0, 2.0, 100, Falling), Some(100 + 18_000));
        assert_eq!(reaches(10.0, 0.0, 0.0, 100, Falling), None);
        assert_eq!(reaches(-1.0, 0.0, 2.0, 100, Falling), Some(100));
        assert_eq!(reaches(60.0, 100.0, 20.0, 0, Rising), Some(7200));
        assert_eq!(reaches(120.0, 100.0, 0.0, 5, Rising), Some(5));
    }
}
