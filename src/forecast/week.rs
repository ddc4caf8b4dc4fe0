//! The local week: which of its 168 hours an instant falls in, and where days are cut.

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// Hours in a week.
pub const WEEK: usize = 168;

/// A value for each hour of the week (hour 0 is Monday 00:00 local time).
pub type Shape = [f64; WEEK];

/// Where days are cut, seconds after local midnight: a night's session belongs to the
/// evening it started in.
pub const DAY_CUT_S: i64 = 5 * 3600;

/// The offset of `tz` from UTC at `t`, seconds.
pub fn offset(t: i64, tz: &TimeZone) -> i64 {
    Timestamp::from_second(t).map_or(0, |ts| i64::from(tz.to_offset(ts).seconds()))
}

/// The hour of the week (0 = Monday 00:00) that the hour starting at `t` is, in `tz`.
pub(crate) fn slot(t: i64, tz: &TimeZone) -> usize {
    let local = t + offset(t, tz);
    let weekday = (local.div_euclid(86_400) + 3).rem_euclid(7); // 1970-01-01 was a Thursday
    (weekday * 24 + local.rem_euclid(86_400) / 3600) as usize
}

/// The day (cut at [`DAY_CUT_S`]) the instant `t` falls in.
pub(crate) fn day_of(t: i64, tz: &TimeZone) -> i64 {
    (t + offset(t, tz) - DAY_CUT_S).div_euclid(86_400)
}

/// `slot` and `day_of` of the hour starting at `t`, from one look-up of the offset.
pub fn place(t: i64, tz: &TimeZone) -> (usize, i64) {
    let local = t + offset(t, tz);
    let weekday = (local.div_euclid(86_400) + 3).rem_euclid(7);
    let slot = (weekday * 24 + local.rem_euclid(86_400) / 3600) as usize;
    (slot, (local - DAY_CUT_S).div_euclid(86_400))
}

/// A weekly shape with mean 1 from spend per hour of the week, or `None` without spend.
pub fn shape(spend: &Shape) -> Option<Shape> {
    let mean = spend.iter().sum::<f64>() / WEEK as f64;
    (mean > 0.0).then(|| spend.map(|v| v / mean))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_follow_local_time() {
        let utc = TimeZone::UTC;
        // 2026-11-23 is a Monday.
        assert_eq!(slot(1_795_392_000, &utc), 0);
        assert_eq!(slot(1_795_392_000 + 3600 * 25, &utc), 25);
        let paris = TimeZone::get("Europe/Paris").unwrap();
        assert_eq!(slot(1_795_392_000, &paris), 1, "01:00 in Paris");
        assert_eq!(slot(1_795_392_000 - 3600, &utc), WEEK - 1, "Sunday 23:00");
        assert_eq!(
            day_of(1_795_392_000 + 4 * 3600, &utc),
            day_of(1_795_392_000 - 3600, &utc)
        );
    }
}
