//! Burn rates of money pools over a past period, the figures a rule quotes as "how fast it
//! went" (when it will run out is [`crate::forecast`]'s). A balance only counts its falls
//! and a spend counter only its rises, so top-ups, auto-reloads and monthly resets never
//! read as negative (or huge) burn.

pub use crate::forecast::Direction;
use crate::store::Sample;

/// History must span at least this long to give a rate.
pub const MIN_SPAN_S: i64 = 1800;

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
}
