//! One transcript line: is it a billed API response, and what did it use?
//!
//! Only lines that contain `"usage"` reach this parser; it reads the few fields that
//! matter with [`super::scan`] and skips the rest (content blocks, tool results) without
//! decoding them.

use super::scan::{Cursor, Malformed};
use crate::price::{Tokens, base_model};
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

/// The fields of a line that decide whether and what it billed.
#[derive(Default)]
struct Fields<'a> {
    kind: Option<Cow<'a, str>>,
    timestamp: Option<Cow<'a, str>>,
    request_id: Option<Cow<'a, str>>,
    entrypoint: Option<Cow<'a, str>>,
    is_api_error: Option<bool>,
    message_id: Option<Cow<'a, str>>,
    model: Option<Cow<'a, str>>,
    usage: Option<[Option<u64>; 6]>,
}

/// Usage keys, in the order [`Fields::usage`] keeps them.
const INPUT: usize = 0;
const OUTPUT: usize = 1;
const WRITTEN: usize = 2;
const READ: usize = 3;
const W5M: usize = 4;
const W1H: usize = 5;

fn read_fields(line: &[u8]) -> Result<Fields<'_>, Malformed> {
    let mut f = Fields::default();
    let mut c = Cursor::new(line);
    c.object(|c, key| {
        match key {
            b"type" => f.kind = c.opt_string()?,
            b"timestamp" => f.timestamp = c.opt_string()?,
            b"requestId" => f.request_id = c.opt_string()?,
            b"entrypoint" => f.entrypoint = c.opt_string()?,
            b"isApiErrorMessage" => f.is_api_error = c.opt_bool()?,
            b"message" if c.peek_is(b'{')? => c.object(|c, key| {
                match key {
                    b"id" => f.message_id = c.opt_string()?,
                    b"model" => f.model = c.opt_string()?,
                    b"usage" if c.peek_is(b'{')? => f.usage = Some(read_usage(c)?),
                    _ => c.skip()?,
                }
                Ok(())
            })?,
            _ => c.skip()?,
        }
        Ok(())
    })?;
    if c.at_end() { Ok(f) } else { Err(Malformed) }
}

fn read_usage(c: &mut Cursor<'_>) -> Result<[Option<u64>; 6], Malformed> {
    let mut u = [None; 6];
    c.object(|c, key| {
        match key {
            b"input_tokens" => u[INPUT] = c.opt_u64()?,
            b"output_tokens" => u[OUTPUT] = c.opt_u64()?,
            b"cache_creation_input_tokens" => u[WRITTEN] = c.opt_u64()?,
            b"cache_read_input_tokens" => u[READ] = c.opt_u64()?,
            b"cache_creation" if c.peek_is(b'{')? => c.object(|c, key| {
                match key {
                    b"ephemeral_5m_input_tokens" => u[W5M] = c.opt_u64()?,
                    b"ephemeral_1h_input_tokens" => u[W1H] = c.opt_u64()?,
                    _ => c.skip()?,
                }
                Ok(())
            })?,
            _ => c.skip()?,
        }
        Ok(())
    })?;
    Ok(u)
}

/// Parses one line (without its newline).
pub fn parse(line: &[u8]) -> Parsed<'_> {
    let Ok(f) = read_fields(line) else {
        return Parsed::Malformed;
    };
    if f.kind.as_deref() != Some("assistant") || f.is_api_error == Some(true) {
        return Parsed::NoSpend;
    }
    let (Some(usage), Some(model)) = (f.usage, f.model) else {
        return Parsed::NoSpend;
    };
    if model == "<synthetic>" {
        return Parsed::NoSpend;
    }
    let Some(t) = f.timestamp.and_then(|ts| unix_seconds(&ts)) else {
        return Parsed::Malformed;
    };
    let n = |i: usize| usage[i].unwrap_or(0);
    let breakdown = usage[W5M].is_some() || usage[W1H].is_some();
    let (w5, w1) = if breakdown {
        (n(W5M), n(W1H))
    } else {
        (n(WRITTEN), 0)
    };
    let model = match model {
        Cow::Borrowed(m) => Cow::Borrowed(base_model(m)),
        Cow::Owned(m) => Cow::Owned(base_model(&m).to_string()),
    };
    Parsed::Billed(Record {
        message_id: f.message_id,
        request_id: f.request_id,
        t,
        app: app_for(f.entrypoint),
        model,
        tokens: Tokens {
            input: n(INPUT),
            output: n(OUTPUT),
            cache_read: n(READ),
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
