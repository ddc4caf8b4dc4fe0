//! How numbers read to a person: money as `$12.34`, durations as `3h 20m`, percentages.
//!
//! Shared by the `check` and `status` reports, the status line and the rule helpers, so every
//! surface shows the same figure the same way.

/// Money in US dollars: `$12.34`, or `$0.0042` below a cent so small spend is not shown as
/// zero; negative amounts keep their sign.
///
/// ```
/// assert_eq!(creditwatch::format::usd(1234.5), "$1,234.50");
/// assert_eq!(creditwatch::format::usd(0.0042), "$0.0042");
/// ```
pub fn usd(value: f64) -> String {
    let sign = if value < 0.0 { "-" } else { "" };
    let v = value.abs();
    if v > 0.0 && v < 0.01 {
        return format!("{sign}${v:.4}");
    }
    let cents = (v * 100.0).round() as u64;
    let whole = group_thousands(cents / 100);
    format!("{sign}${whole}.{:02}", cents % 100)
}

fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// How long ago `at` was, seen from `now`: `5m ago`. A time in the future (the clock went
/// back since) reads `just now`, never a negative duration.
///
/// ```
/// assert_eq!(creditwatch::format::ago(1000, 700), "5m ago");
/// assert_eq!(creditwatch::format::ago(1000, 4600), "just now");
/// ```
pub fn ago(now: i64, at: i64) -> String {
    match now - at {
        ..=0 => "just now".to_string(),
        secs => format!("{} ago", duration(secs)),
    }
}

/// A duration in seconds as the two largest units: `3h 20m`, `2d 4h`, `45s`. A length of
/// time people read is never negative: a time already past ("in -3m") reads as `0s`.
///
/// ```
/// assert_eq!(creditwatch::format::duration(12_000), "3h 20m");
/// assert_eq!(creditwatch::format::duration(-180), "0s");
/// ```
pub fn duration(secs: i64) -> String {
    let secs = secs.max(0);
    let (d, h, m, s) = (
        secs / 86_400,
        secs % 86_400 / 3600,
        secs % 3600 / 60,
        secs % 60,
    );
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) => format!("{m}m"),
        (0, _, 0) => format!("{h}h"),
        (0, _, _) => format!("{h}h {m}m"),
        (_, 0, _) => format!("{d}d"),
        _ => format!("{d}d {h}h"),
    }
}

/// A percentage with at most one decimal: `43%`, `61.5%`.
pub fn pct(value: f64) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}%")
    } else {
        format!("{rounded:.1}%")
    }
}

/// The "learning (...)" part of a forecast's method, when the pool is still learning.
pub fn learning(method: &str) -> Option<&str> {
    let from = method.find("learning (")?;
    let rest = &method[from..];
    Some(rest.find(')').map_or(rest, |end| &rest[..=end]))
}

/// A chance (0 to 1) in words: "almost certain", "very likely", "about 7 in 10",
/// "unlikely", "very unlikely".
pub fn chance(p: f64) -> String {
    match p {
        p if p >= 0.95 => "almost certain".into(),
        p if p >= 0.85 => "very likely".into(),
        p if p >= 0.15 => format!("about {} in 10", (p * 10.0).round() as i64),
        p if p >= 0.05 => "unlikely".into(),
        _ => "very unlikely".into(),
    }
}

/// A token count made short: `950`, `12.3k`, `2.39M`.
pub fn tokens(n: u64) -> String {
    match n {
        0..1_000 => n.to_string(),
        1_000..1_000_000 => format!("{:.1}k", n as f64 / 1e3),
        _ => format!("{:.2}M", n as f64 / 1e6),
    }
}

/// `text` cut to at most `max` characters (on a character boundary).
pub fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

/// `bytes` as lowercase hexadecimal, two digits a byte.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            // Writing to a String cannot fail.
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// `text` in at most `max` characters, cut after a whole word with `…` when it is longer:
/// an error a person reads is never cut mid-word.
pub(crate) fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let head = truncate(text, max.saturating_sub(1));
    let at_word = match head.rfind(char::is_whitespace) {
        Some(i) if i > head.len() / 2 => &head[..i],
        _ => head,
    };
    format!("{}…", at_word.trim_end_matches([' ', ',', ';', ':']))
}

/// A count with its noun: "1 malformed line skipped", "2 malformed lines skipped".
pub(crate) fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// What a person calls a plan window: `five_hour` is "5-hour", `seven_day` "weekly",
/// `seven_day_opus` "weekly Opus". Keys nobody has named yet read with spaces. The
/// snapshot, `--pool` and JSON keep the keys; every text a person reads uses this.
pub(crate) fn window_name(key: &str) -> String {
    match key {
        "five_hour" => "5-hour".into(),
        "seven_day" => "weekly".into(),
        "seven_day_oauth_apps" => "weekly OAuth apps".into(),
        other => match other.strip_prefix("seven_day_") {
            Some(model) => format!("weekly {}", capitalised(&model.replace('_', " "))),
            None => other.replace('_', " "),
        },
    }
}

/// The window's name where every character counts (the status line): "5h", "7d",
/// "7d Opus".
pub(crate) fn window_short(key: &str) -> String {
    match window_name(key).as_str() {
        "5-hour" => "5h".into(),
        long => match long.strip_prefix("weekly") {
            Some(rest) => format!("7d{rest}"),
            None => long.to_string(),
        },
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map_or(String::new(), |c| c.to_uppercase().chain(chars).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clipped_error_ends_on_a_whole_word() {
        let e = "org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.Notifications was not provided by any .service files";
        let c = clip(e, 70);
        assert_eq!(c, "org.freedesktop.DBus.Error.ServiceUnknown: The name…");
        assert!(c.chars().count() <= 70);
        assert_eq!(clip("short", 70), "short");
    }

    #[test]
    fn windows_have_the_names_people_use() {
        for (key, long, short) in [
            ("five_hour", "5-hour", "5h"),
            ("seven_day", "weekly", "7d"),
            ("seven_day_opus", "weekly Opus", "7d Opus"),
            ("seven_day_sonnet", "weekly Sonnet", "7d Sonnet"),
            ("seven_day_oauth_apps", "weekly OAuth apps", "7d OAuth apps"),
            ("monthly_thing", "monthly thing", "monthly thing"),
        ] {
            assert_eq!(
                (window_name(key), window_short(key)),
                (long.into(), short.into())
            );
        }
    }

    #[test]
    fn bytes_are_two_lowercase_digits_each() {
        assert_eq!(hex(&[0x00, 0x0a, 0xab, 0xff]), "000aabff");
        assert_eq!(hex(&[]), "");
    }

    #[test]
    fn money() {
        assert_eq!(usd(12.345), "$12.35");
        assert_eq!(usd(0.0), "$0.00");
        assert_eq!(usd(0.0042), "$0.0042");
        assert_eq!(usd(1234567.5), "$1,234,567.50");
        assert_eq!(usd(-3.5), "-$3.50");
    }

    #[test]
    fn durations() {
        assert_eq!(duration(45), "45s");
        assert_eq!(duration(12_000), "3h 20m");
        assert_eq!(duration(7200), "2h");
        assert_eq!(duration(187_200), "2d 4h");
        assert_eq!(duration(86_400 + 60), "1d");
        assert_eq!(duration(-300), "0s", "never negative");
    }

    #[test]
    fn percents_and_tokens() {
        assert_eq!(pct(43.0), "43%");
        assert_eq!(pct(61.54), "61.5%");
        assert_eq!(tokens(950), "950");
        assert_eq!(tokens(12_345), "12.3k");
        assert_eq!(tokens(2_390_048), "2.39M");
    }
}
