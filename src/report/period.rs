//! The period a report covers, from what people type after `--since` and `--until`: a date
//! (`2026-11-01`), a named day, week or month (`today`, `yesterday`, `this-week`,
//! `last-week`, `this-month`, `last-month`), or a duration back from now (`7d`, `12h`).
//! A date or a name given to `--until` means the end of that day, week or month, so
//! `--since 2026-11-01 --until 2026-11-01` is that whole day.

use crate::calendar;
use jiff::tz::TimeZone;

/// Why a `--since` or `--until` value was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PeriodError {
    /// The value is none of the accepted forms.
    #[error("{flag}: {value:?} is not a date (2026-11-01), a duration (7d, 12h) or one of {names}")]
    Unknown {
        /// `--since` or `--until`.
        flag: &'static str,
        /// What was given.
        value: String,
        /// The names accepted.
        names: &'static str,
    },
    /// The period ends before it starts.
    #[error("--since {since} is after --until {until}: the period is empty")]
    Empty {
        /// What `--since` was given.
        since: String,
        /// What `--until` was given.
        until: String,
    },
}

/// Names of periods, for messages.
const NAMES: &str = "today, yesterday, this-week, last-week, this-month, last-month";

/// A report's period, unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// The first second counted; `None` for all time.
    pub since: Option<i64>,
    /// The last second counted (never after now).
    pub until: i64,
}

/// Where a named span or a date starts and where the next one starts.
fn span(value: &str, now: i64, tz: &TimeZone) -> Option<(i64, i64)> {
    let day = |d| calendar::start_of_day(now, d, tz);
    let week = |w| calendar::start_of_week(now, w, tz);
    Some(match value {
        "today" => (day(0), day(1)),
        "yesterday" => (day(-1), day(0)),
        "this-week" => (week(0), week(1)),
        "last-week" => (week(-1), week(0)),
        "this-month" => (
            calendar::start_of_month(now, tz),
            calendar::start_of_next_month(now, tz),
        ),
        "last-month" => {
            let this = calendar::start_of_month(now, tz);
            (calendar::start_of_month(this - 1, tz), this)
        }
        _ => {
            let date: jiff::civil::Date = value.parse().ok()?;
            let start = date.to_zoned(tz.clone()).ok()?.timestamp().as_second();
            (start, calendar::start_of_day(start, 1, tz))
        }
    })
}

/// A duration back from now, when `value` is one.
fn ago(value: &str, now: i64) -> Option<i64> {
    let first = value.chars().next()?;
    if !first.is_ascii_digit() {
        return None;
    }
    let d = crate::config::parse_duration(value).ok()?;
    Some(now - d.as_secs() as i64)
}

/// Reads `--since` (`all` for all time) and `--until` (`None` for now) at `now` in `tz`.
pub fn parse(
    since: &str,
    until: Option<&str>,
    now: i64,
    tz: &TimeZone,
) -> Result<Period, PeriodError> {
    let unknown = |flag, value: &str| PeriodError::Unknown {
        flag,
        value: value.to_string(),
        names: NAMES,
    };
    let start = match since {
        "all" => None,
        v => Some(
            ago(v, now)
                .or_else(|| span(v, now, tz).map(|s| s.0))
                .ok_or_else(|| unknown("--since", v))?,
        ),
    };
    let end = match until {
        None | Some("now") => now,
        Some(v) => ago(v, now)
            .or_else(|| span(v, now, tz).map(|s| s.1 - 1))
            .ok_or_else(|| unknown("--until", v))?
            .min(now),
    };
    if start.is_some_and(|s| s > end) {
        return Err(PeriodError::Empty {
            since: since.to_string(),
            until: until.unwrap_or("now").to_string(),
        });
    }
    Ok(Period {
        since: start,
        until: end,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Monday 2026-11-30 10:00 in Paris (09:00 UTC).
    const NOW: i64 = 1_796_029_200;

    fn paris() -> TimeZone {
        TimeZone::get("Europe/Paris").unwrap()
    }

    fn at(text: &str) -> i64 {
        let z: jiff::Zoned = format!("{text}[Europe/Paris]").parse().unwrap();
        z.timestamp().as_second()
    }

    #[test]
    fn names_and_dates_are_local_days_weeks_and_months() {
        let tz = paris();
        let p = |s, u| parse(s, u, NOW, &tz).unwrap();
        assert_eq!(p("today", None).since, Some(at("2026-11-30T00:00")));
        let yesterday = p("yesterday", Some("yesterday"));
        assert_eq!(yesterday.since, Some(at("2026-11-29T00:00")));
        assert_eq!(yesterday.until, at("2026-11-30T00:00") - 1);
        let last_week = p("last-week", Some("last-week"));
        assert_eq!(last_week.since, Some(at("2026-11-23T00:00")));
        assert_eq!(last_week.until, at("2026-11-30T00:00") - 1);
        assert_eq!(p("this-month", None).since, Some(at("2026-11-01T00:00")));
        let october = p("last-month", Some("last-month"));
        assert_eq!(october.since, Some(at("2026-10-01T00:00")));
        assert_eq!(october.until, at("2026-11-01T00:00") - 1);
        let day = p("2026-11-01", Some("2026-11-01"));
        assert_eq!(day.since, Some(at("2026-11-01T00:00")));
        assert_eq!(day.until, at("2026-11-02T00:00") - 1);
        // The end of this week is in the future: the period ends now.
        assert_eq!(p("this-week", Some("this-week")).until, NOW);
    }

    #[test]
    fn durations_count_back_from_now_and_all_has_no_start() {
        let tz = paris();
        assert_eq!(
            parse("7d", None, NOW, &tz).unwrap().since,
            Some(NOW - 7 * 86_400)
        );
        assert_eq!(
            parse("1w", Some("2d"), NOW, &tz).unwrap().until,
            NOW - 2 * 86_400
        );
        assert_eq!(parse("all", None, NOW, &tz).unwrap().since, None);
    }

    #[test]
    fn a_typo_and_an_empty_period_say_what_is_wrong() {
        let tz = paris();
        let err = parse("yesterdy", None, NOW, &tz).unwrap_err().to_string();
        assert!(
            err.starts_with("--since: \"yesterdy\" is not a date"),
            "{err}"
        );
        assert!(err.contains("this-week"), "{err}");
        let err = parse("today", Some("yesterday"), NOW, &tz).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--since today is after --until yesterday: the period is empty"
        );
        assert!(parse("2026-13-01", None, NOW, &tz).is_err());
    }
}
