//! Quiet hours: a daily local time span during which a channel's notifications wait.

use crate::vocab::Channel;
use jiff::tz::TimeZone;
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;

/// A daily span such as `22:00-08:00`, in local time; it may cross midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    /// Minutes after local midnight when it starts.
    pub start_min: u16,
    /// Minutes after local midnight when it ends.
    pub end_min: u16,
}

/// Quiet hours by channel name.
pub type QuietConfig = BTreeMap<Channel, QuietHours>;

impl QuietHours {
    /// Reads `HH:MM-HH:MM`.
    pub fn parse(text: &str) -> Result<QuietHours, String> {
        let hint = "expected a span like \"22:00-08:00\"";
        let (a, b) = text
            .split_once('-')
            .ok_or_else(|| format!("{text:?}: {hint}"))?;
        let start_min =
            clock(a.trim()).ok_or_else(|| format!("{a:?} is not a time of day: {hint}"))?;
        let end_min =
            clock(b.trim()).ok_or_else(|| format!("{b:?} is not a time of day: {hint}"))?;
        if start_min == end_min {
            return Err(format!("{text:?} starts and ends at the same time"));
        }
        Ok(QuietHours { start_min, end_min })
    }

    /// When `now` falls in the quiet hours, the instant they end; otherwise `None`.
    pub fn release_at(&self, now: i64, tz: &TimeZone) -> Option<i64> {
        let z = crate::calendar::zoned(now, tz);
        let minute = z.hour() as u16 * 60 + z.minute() as u16;
        let (s, e) = (self.start_min, self.end_min);
        let inside = if s < e {
            minute >= s && minute < e
        } else {
            minute >= s || minute < e
        };
        if !inside {
            return None;
        }
        let days_ahead = i32::from(minute >= e);
        let date = z
            .date()
            .checked_add(jiff::Span::new().days(days_ahead))
            .ok()?;
        let end = date
            .at((e / 60) as i8, (e % 60) as i8, 0, 0)
            .to_zoned(tz.clone())
            .ok()?;
        Some(end.timestamp().as_second().max(now))
    }
}

fn clock(text: &str) -> Option<u16> {
    let (h, m) = text.split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 && text.len() <= 5).then_some(h * 60 + m)
}

impl<'de> Deserialize<'de> for QuietHours {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        let text = String::deserialize(de)?;
        QuietHours::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The `[quiet_hours]` table: one span per channel.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawQuiet {
    desktop: Option<QuietHours>,
    email: Option<QuietHours>,
    webhook: Option<QuietHours>,
}

impl RawQuiet {
    pub fn build(self) -> QuietConfig {
        [
            (Channel::Desktop, self.desktop),
            (Channel::Email, self.email),
            (Channel::Webhook, self.webhook),
        ]
        .into_iter()
        .filter_map(|(channel, q)| q.map(|q| (channel, q)))
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_across_midnight_end_the_next_morning() {
        let paris = TimeZone::get("Europe/Paris").unwrap();
        let q = QuietHours::parse("22:00-08:00").unwrap();
        // 2026-11-20 22:30 in Paris (21:30 UTC): quiet until 08:00 on the 21st (07:00 UTC).
        let eight = 1_795_244_400;
        assert_eq!(q.release_at(1_795_210_200, &paris), Some(eight));
        // 06:00 on the 21st, the same night: the same end.
        assert_eq!(q.release_at(eight - 2 * 3600, &paris), Some(eight));
        // Noon is not quiet.
        assert_eq!(q.release_at(1_795_190_400 - 3600 * 5, &paris), None);
        let day = QuietHours::parse("12:00-13:30").unwrap();
        assert_eq!(
            day.release_at(1_795_190_400 - 3600 * 5 + 600, &paris),
            Some(1_795_190_400 - 3600 * 5 + 5400)
        );
        for bad in ["22:00", "25:00-08:00", "10:00-10:00", "8-9"] {
            assert!(QuietHours::parse(bad).is_err(), "{bad}");
        }
    }
}
