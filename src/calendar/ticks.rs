//! Where a chart's time axis is marked, fitted to what it shows: local midnights for a
//! span of days, round local hours for a first day's hour or two, so a chart of twenty
//! minutes has a time axis too.

use jiff::tz::TimeZone;

/// Spans longer than this are marked at midnights.
const DAYS_FROM_S: i64 = 2 * 86_400;
/// The hours between marks, the first that gives at most [`MAX_HOUR_MARKS`].
const HOUR_STEPS: [i64; 6] = [1, 2, 3, 4, 6, 12];
const MAX_HOUR_MARKS: i64 = 8;

/// The marks between `start` and `end`: each instant with its label (`day` formats a
/// midnight, like `"%a"`; hours read `14:00`).
pub fn ticks(start: i64, end: i64, day: &str, tz: &TimeZone) -> Vec<(i64, String)> {
    let mut out = Vec::new();
    if end - start > DAYS_FROM_S {
        let mut t = super::start_of_day(start, 1, tz);
        while t <= end {
            out.push((t, super::zoned(t, tz).strftime(day).to_string()));
            t = super::start_of_day(t, 1, tz);
        }
        return out;
    }
    let hours = (end - start).max(1) / 3600 + 1;
    let step = HOUR_STEPS
        .into_iter()
        .find(|s| hours / s <= MAX_HOUR_MARKS)
        .unwrap_or(24)
        * 3600;
    // Round local hours: the offset from UTC is whole hours nearly everywhere, and where it
    // is not the marks still fall on the local clock's hours.
    let offset = i64::from(super::zoned(start, tz).offset().seconds());
    let mut t = (start + offset).div_euclid(step) * step - offset;
    while t <= end {
        if t >= start {
            out.push((t, super::zoned(t, tz).strftime("%H:%M").to_string()));
        }
        t += step;
    }
    out
}

/// The span a chart shows, in words for its title: "last hour", "last 3 hours", "last
/// day", "last 5 days".
pub fn span_words(start: i64, now: i64) -> String {
    let s = (now - start).max(0);
    match s {
        s if s < 5400 => "last hour".to_string(),
        s if s < 86_400 - 1800 => format!("last {} hours", (s + 1800) / 3600),
        s if s < 86_400 + 43_200 => "last day".to_string(),
        s => format!("last {} days", (s + 43_200) / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_span_is_marked_at_round_hours_and_a_long_one_at_midnights() {
        let utc = TimeZone::UTC;
        let now = 1_795_190_400; // 2026-11-20 16:00 UTC
        let short = ticks(now - 20 * 60, now, "%a", &utc);
        assert_eq!(short, vec![(now, "16:00".to_string())]);
        let day = ticks(now - 86_400, now, "%a", &utc);
        assert!(day.len() <= 9 && day.len() >= 4, "{day:?}");
        assert!(day.iter().all(|(t, l)| t % 3600 == 0 && l.ends_with(":00")));
        let week = ticks(now - 7 * 86_400, now, "%a", &utc);
        assert_eq!(week.len(), 7);
        assert!(week.iter().all(|(t, _)| t % 86_400 == 0));
        assert_eq!(span_words(now - 20 * 60, now), "last hour");
        assert_eq!(span_words(now - 3 * 3600, now), "last 3 hours");
        assert_eq!(span_words(now - 86_400, now), "last day");
        assert_eq!(span_words(now - 7 * 86_400, now), "last 7 days");
    }
}
