//! Human durations in the config file: `"90s"`, `"5m"`, `"12h"`, `"7d"`, `"1h30m"`.

use serde::{Deserialize, Deserializer};
use std::fmt;

/// A length of time written as a string in the config file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Duration(pub std::time::Duration);

impl Duration {
    /// A duration of `secs` seconds.
    pub const fn from_secs(secs: u64) -> Duration {
        Duration(std::time::Duration::from_secs(secs))
    }

    /// Whole seconds.
    pub fn as_secs(&self) -> u64 {
        self.0.as_secs()
    }
}

/// The longest duration accepted: ten years. Anything longer is a typo, and a limit far
/// below `i64::MAX` seconds keeps `now + duration` from wrapping anywhere.
pub const MAX_S: u64 = 3650 * 86_400;

/// Parses `"5m"`, `"1h30m"`, `"2d"`, `"45s"`; whitespace between parts is allowed. At most
/// `MAX_S`.
pub fn parse(text: &str) -> Result<Duration, String> {
    let hint = "expected a number followed by s, m, h or d, like \"5m\" or \"1h30m\"";
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(format!("empty duration: {hint}"));
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    for ch in trimmed.chars().filter(|c| !c.is_whitespace()) {
        if ch.is_ascii_digit() {
            digits.push(ch);
            continue;
        }
        let unit = match ch {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 7 * 86_400,
            _ => return Err(format!("invalid duration \"{text}\": {hint}")),
        };
        let n: u64 = digits
            .parse()
            .map_err(|_| format!("invalid duration \"{text}\": {hint}"))?;
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .filter(|&t| t <= MAX_S)
            .ok_or_else(|| format!("duration \"{text}\" is too long (at most 3650d)"))?;
        digits.clear();
    }
    if !digits.is_empty() {
        return Err(format!("invalid duration \"{text}\": {hint}"));
    }
    Ok(Duration::from_secs(total))
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        let text = String::deserialize(de)?;
        parse(&text).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::format::duration(self.as_secs() as i64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_compounds() {
        assert_eq!(parse("90s").unwrap().as_secs(), 90);
        assert_eq!(parse("5m").unwrap().as_secs(), 300);
        assert_eq!(parse("1h30m").unwrap().as_secs(), 5400);
        assert_eq!(parse("2d 12h").unwrap().as_secs(), 216_000);
        assert_eq!(parse("1w").unwrap().as_secs(), 604_800);
        assert_eq!(parse("3650d").unwrap().as_secs(), MAX_S);
    }

    #[test]
    fn rejects_what_is_not_a_duration() {
        for bad in [
            "",
            "5",
            "m",
            "5 minutes",
            "-5m",
            "1.5h",
            "99999999999999999999d",
            "18446744073709551615s",
            "3651d",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
