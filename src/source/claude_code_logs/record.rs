//! One transcript line: is it a billed API response, and what did it use?
//!
//! Only lines that contain `"usage"` reach this parser; it decodes the few fields that
//! matter with borrowed strings and skips the rest (content blocks, tool results) without
//! building them.

use crate::price::{Tokens, base_model};
use serde::{Deserialize, Deserializer};
use std::borrow::Cow;

/// A billed API response read from a transcript line.
#[derive(Debug, Clone, PartialEq)]
pub struct Record<'a> {
    /// `message.id`, when present.
    pub message_id: Option<Cow<'a, str>>,
    /// `requestId`, when present.
    pub request_id: Option<Cow<'a, str>>,
    /// When it was answered, unix seconds.
    pub t: i64,
    /// The app that made the request, from `entrypoint`.
    pub app: Cow<'a, str>,
    /// The base model id (date and provider decorations removed).
    pub model: Cow<'a, str>,
    /// Token counts.
    pub tokens: Tokens,
}

/// What a line turned out to be.
#[derive(Debug, PartialEq)]
pub enum Parsed<'a> {
    /// A billed response.
    Billed(Record<'a>),
    /// Valid JSON that carries no spend (user lines, summaries, synthetic and error lines).
    NoSpend,
    /// Not valid JSON, or a field of the wrong type: skipped and counted.
    Malformed,
}

/// A string that borrows from the line unless it had escapes.
struct Str<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for V<'a> {
            type Value = Str<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Str<'a>, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Str<'a>, E> {
                Ok(Str(Cow::Owned(v.to_string())))
            }
        }
        de.deserialize_str(V(std::marker::PhantomData))
    }
}

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Str<'a>>,
    #[serde(borrow)]
    timestamp: Option<Str<'a>>,
    #[serde(rename = "requestId", borrow)]
    request_id: Option<Str<'a>>,
    #[serde(borrow)]
    entrypoint: Option<Str<'a>>,
    #[serde(rename = "isApiErrorMessage")]
    is_api_error: Option<bool>,
    #[serde(borrow)]
    message: Option<Message<'a>>,
}

#[derive(Deserialize)]
struct Message<'a> {
    #[serde(borrow)]
    id: Option<Str<'a>>,
    #[serde(borrow)]
    model: Option<Str<'a>>,
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Usage {
    input_tokens: Option<u64>,
    output_tokens: Option<u64>,
    cache_creation_input_tokens: Option<u64>,
    cache_read_input_tokens: Option<u64>,
    cache_creation: Option<CacheCreation>,
}

#[derive(Deserialize)]
struct CacheCreation {
    ephemeral_5m_input_tokens: Option<u64>,
    ephemeral_1h_input_tokens: Option<u64>,
}

/// Parses one line (without its newline).
pub fn parse(line: &[u8]) -> Parsed<'_> {
    let Ok(parsed) = serde_json::from_slice::<Line<'_>>(line) else {
        return Parsed::Malformed;
    };
    if parsed.kind.as_ref().map(|k| k.0.as_ref()) != Some("assistant")
        || parsed.is_api_error == Some(true)
    {
        return Parsed::NoSpend;
    }
    let Some(message) = parsed.message else {
        return Parsed::NoSpend;
    };
    let (Some(usage), Some(model)) = (message.usage, message.model) else {
        return Parsed::NoSpend;
    };
    if model.0 == "<synthetic>" {
        return Parsed::NoSpend;
    }
    let Some(t) = parsed.timestamp.and_then(|ts| unix_seconds(&ts.0)) else {
        return Parsed::Malformed;
    };
    let written = usage.cache_creation_input_tokens.unwrap_or(0);
    let (w5, w1) = match usage.cache_creation {
        Some(cc) => (
            cc.ephemeral_5m_input_tokens.unwrap_or(0),
            cc.ephemeral_1h_input_tokens.unwrap_or(0),
        ),
        None => (written, 0),
    };
    let model = match model.0 {
        Cow::Borrowed(m) => Cow::Borrowed(base_model(m)),
        Cow::Owned(m) => Cow::Owned(base_model(&m).to_string()),
    };
    Parsed::Billed(Record {
        message_id: message.id.map(|s| s.0),
        request_id: parsed.request_id.map(|s| s.0),
        t,
        app: app_for(parsed.entrypoint.map(|e| e.0)),
        model,
        tokens: Tokens {
            input: usage.input_tokens.unwrap_or(0),
            output: usage.output_tokens.unwrap_or(0),
            cache_read: usage.cache_read_input_tokens.unwrap_or(0),
            cache_write_5m: w5,
            cache_write_1h: w1,
        },
    })
}

/// The app a request is attributed to, from Claude Code's `entrypoint`.
pub fn app_for(entrypoint: Option<Cow<'_, str>>) -> Cow<'_, str> {
    match entrypoint.as_deref() {
        None | Some("cli") | Some("") => Cow::Borrowed("claude-code"),
        Some("claude-desktop") => Cow::Borrowed("claude-desktop"),
        Some(e) if e.starts_with("sdk-") => Cow::Borrowed("claude-agent-sdk"),
        Some(_) => entrypoint.unwrap_or_default(),
    }
}

/// Unix seconds of an RFC 3339 timestamp; the `YYYY-MM-DDTHH:MM:SS(.fff)Z` form Claude Code
/// writes is read without allocating, any other form through jiff.
pub fn unix_seconds(ts: &str) -> Option<i64> {
    let b = ts.as_bytes();
    let fixed = b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[b.len() - 1] == b'Z'
        && (b.len() == 20 || b[19] == b'.');
    if fixed {
        let num = |r: std::ops::Range<usize>| -> Option<i64> {
            b[r].iter().try_fold(0i64, |acc, &c| {
                c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
            })
        };
        let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if (1..=12).contains(&mo) && (1..=31).contains(&d) && h < 24 && mi < 60 && s < 61 {
            return Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s);
        }
        return None;
    }
    ts.parse::<jiff::Timestamp>().ok().map(|t| t.as_second())
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests;
