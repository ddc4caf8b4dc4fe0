//! One transcript line: is it a billed API response, and what did it use?
//!
//! Only lines that contain `"usage"` reach this parser; it reads the few fields that
//! matter with [`super::scan`] and skips the rest (content blocks, tool results) without
//! decoding them. `costUSD`, which some transcripts carry, is not read: spend is always
//! computed from the tokens and the price table, so it follows the prices in force
//! (overrides, corrections) and is the same for every line, with the field or without.

use super::scan::{Cursor, Malformed};
use crate::price::{FAST_SUFFIX, MAX_RESPONSE_TOKENS, Tokens, base_model};
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
    /// The base model id (date and provider decorations removed), with `-fast` for a
    /// fast-mode response (`usage.speed: "fast"`, priced as a model of its own), or
    /// [`UNKNOWN_MODEL`] when the line names none.
    pub model: Cow<'a, str>,
    /// Token counts.
    pub tokens: Tokens,
    /// Whether the line is a sidechain's (`isSidechain`, or an agent's message): a sidechain
    /// can replay a parent's message, and the parent's copy wins.
    pub sidechain: bool,
    /// The folder Claude Code was working in (`cwd`), when the line says.
    pub cwd: Option<Cow<'a, str>>,
    /// The Claude Code session (`sessionId`), when the line says.
    pub session: Option<Cow<'a, str>>,
}

/// The model of a response whose line names none: never priced, so its tokens are
/// reported as unpriced rather than lost.
pub const UNKNOWN_MODEL: &str = "unknown";

/// What a line turned out to be.
#[derive(Debug, PartialEq)]
pub enum Parsed<'a> {
    /// A billed response.
    Billed(Record<'a>),
    /// Valid JSON that carries no spend (user lines, summaries, synthetic and error lines).
    NoSpend,
    /// A line with a `message.usage` that is not a kind creditwatch knows (no `type` and
    /// no assistant role, or a new `type`): skipped and counted, never guessed at.
    Unknown,
    /// Not valid JSON, or a field of the wrong type: skipped and counted.
    Malformed,
}

/// The fields of a line (or of the message nested in an agent's progress line) that
/// decide whether and what it billed.
#[derive(Default)]
struct Fields<'a> {
    kind: Option<Cow<'a, str>>,
    timestamp: Option<Cow<'a, str>>,
    request_id: Option<Cow<'a, str>>,
    entrypoint: Option<Cow<'a, str>>,
    is_api_error: Option<bool>,
    is_sidechain: Option<bool>,
    cwd: Option<Cow<'a, str>>,
    session: Option<Cow<'a, str>>,
    message_id: Option<Cow<'a, str>>,
    role: Option<Cow<'a, str>>,
    model: Option<Cow<'a, str>>,
    usage: Option<Usage<'a>>,
    /// `data.message` of a `progress` line: a subagent's line, copied into its parent's.
    nested: Option<Box<Fields<'a>>>,
}

/// `message.usage`: the counts, in the order of the index constants, and `speed`.
struct Usage<'a> {
    counts: [Option<u64>; 6],
    speed: Option<Cow<'a, str>>,
}

/// Usage keys, in the order [`Usage::counts`] keeps them.
const INPUT: usize = 0;
const OUTPUT: usize = 1;
const WRITTEN: usize = 2;
const READ: usize = 3;
const W5M: usize = 4;
const W1H: usize = 5;

/// Line types that are known and carry no spend of their own.
const NO_SPEND_KINDS: &[&str] = &[
    "user",
    "system",
    "summary",
    "file-history-snapshot",
    "queue-operation",
];

/// How deep agents' progress lines may nest (`data.message` in `data.message`...). Claude
/// Code nests one level per subagent, a handful at most; a line nested deeper is malformed,
/// so no line can exhaust the stack of the one reading it.
const MAX_NESTING: usize = 64;

fn read_fields(line: &[u8]) -> Result<Fields<'_>, Malformed> {
    let mut c = Cursor::new(line);
    let f = read_object(&mut c, 0)?;
    if c.at_end() { Ok(f) } else { Err(Malformed) }
}

fn read_object<'a>(c: &mut Cursor<'a>, depth: usize) -> Result<Fields<'a>, Malformed> {
    if depth > MAX_NESTING {
        return Err(Malformed);
    }
    let mut f = Fields::default();
    c.object(|c, key| {
        match key {
            b"type" => f.kind = c.opt_string()?,
            b"timestamp" => f.timestamp = c.opt_string()?,
            b"requestId" => f.request_id = c.opt_string()?,
            b"entrypoint" => f.entrypoint = c.opt_string()?,
            b"isApiErrorMessage" => f.is_api_error = c.opt_bool()?,
            b"isSidechain" => f.is_sidechain = c.opt_bool()?,
            b"cwd" => f.cwd = c.opt_string()?,
            b"sessionId" => f.session = c.opt_string()?,
            b"message" if c.peek_is(b'{')? => read_message(c, &mut f)?,
            b"data" if c.peek_is(b'{')? => c.object(|c, key| {
                match key {
                    b"message" if c.peek_is(b'{')? => {
                        f.nested = Some(Box::new(read_object(c, depth + 1)?));
                    }
                    _ => c.skip()?,
                }
                Ok(())
            })?,
            _ => c.skip()?,
        }
        Ok(())
    })?;
    Ok(f)
}

fn read_message<'a>(c: &mut Cursor<'a>, f: &mut Fields<'a>) -> Result<(), Malformed> {
    c.object(|c, key| {
        match key {
            b"id" => f.message_id = c.opt_string()?,
            b"role" => f.role = c.opt_string()?,
            b"model" => f.model = c.opt_string()?,
            b"usage" if c.peek_is(b'{')? => f.usage = Some(read_usage(c)?),
            _ => c.skip()?,
        }
        Ok(())
    })
}

fn read_usage<'a>(c: &mut Cursor<'a>) -> Result<Usage<'a>, Malformed> {
    let mut u = [None; 6];
    let mut speed = None;
    c.object(|c, key| {
        match key {
            b"input_tokens" => u[INPUT] = c.opt_u64()?,
            b"output_tokens" => u[OUTPUT] = c.opt_u64()?,
            b"cache_creation_input_tokens" => u[WRITTEN] = c.opt_u64()?,
            b"cache_read_input_tokens" => u[READ] = c.opt_u64()?,
            b"speed" => speed = c.opt_string()?,
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
    if u.iter().flatten().any(|&n| n > MAX_RESPONSE_TOKENS) {
        return Err(Malformed);
    }
    Ok(Usage { counts: u, speed })
}

/// Parses one line (without its newline).
///
/// A line is billed when its `type` is `assistant` (or, in the older shape without a
/// `type`, its message's `role` is `assistant`), and when it is an agent's `progress`
/// line carrying the agent's own assistant message: that copy counts when the agent's
/// own transcript is gone, and dedupe makes the two one response when both exist.
pub fn parse(line: &[u8]) -> Parsed<'_> {
    let Ok(f) = read_fields(line) else {
        return Parsed::Malformed;
    };
    match f.kind.as_deref() {
        Some("assistant") => billed(f, Parent::default()),
        None if f.role.as_deref() == Some("assistant") => billed(f, Parent::default()),
        Some("progress") => match f.nested {
            // An agent's own message: a sidechain's, unless it says otherwise.
            Some(nested) if nested.usage.is_some() => billed(
                *nested,
                Parent {
                    entrypoint: f.entrypoint,
                    cwd: f.cwd,
                    session: f.session,
                    sidechain: true,
                },
            ),
            _ => Parsed::NoSpend,
        },
        Some(kind) if NO_SPEND_KINDS.contains(&kind) => Parsed::NoSpend,
        _ if f.usage.is_some() => Parsed::Unknown,
        _ => Parsed::NoSpend,
    }
}

/// What a nested agent message takes from the line that carries it when it does not say.
#[derive(Default)]
struct Parent<'a> {
    entrypoint: Option<Cow<'a, str>>,
    cwd: Option<Cow<'a, str>>,
    session: Option<Cow<'a, str>>,
    sidechain: bool,
}

/// The response an assistant message billed; `parent` stands in for what the message does
/// not say.
fn billed<'a>(f: Fields<'a>, parent: Parent<'a>) -> Parsed<'a> {
    if f.is_api_error == Some(true) || f.kind.as_deref().is_some_and(|k| k != "assistant") {
        return Parsed::NoSpend;
    }
    let Some(usage) = f.usage else {
        return Parsed::NoSpend;
    };
    if f.model.as_deref() == Some("<synthetic>") {
        return Parsed::NoSpend;
    }
    let Some(t) = f.timestamp.and_then(|ts| unix_seconds(&ts)) else {
        return Parsed::Malformed;
    };
    let fast = usage.speed.as_deref() == Some("fast");
    Parsed::Billed(Record {
        message_id: f.message_id,
        request_id: f.request_id,
        t,
        app: app_for(f.entrypoint.or(parent.entrypoint)),
        model: model_of(f.model, fast),
        tokens: tokens_of(&usage.counts),
        sidechain: f.is_sidechain.unwrap_or(parent.sidechain),
        cwd: f.cwd.or(parent.cwd),
        session: f.session.or(parent.session),
    })
}

/// The base model a response is priced as.
fn model_of(model: Option<Cow<'_, str>>, fast: bool) -> Cow<'_, str> {
    let base = match model {
        None => return Cow::Borrowed(UNKNOWN_MODEL),
        Some(Cow::Borrowed(m)) => Cow::Borrowed(base_model(m)),
        Some(Cow::Owned(m)) => Cow::Owned(base_model(&m).to_string()),
    };
    match fast {
        true => Cow::Owned(format!("{base}{FAST_SUFFIX}")),
        false => base,
    }
}

fn tokens_of(usage: &[Option<u64>; 6]) -> Tokens {
    let n = |i: usize| usage[i].unwrap_or(0);
    let breakdown = usage[W5M].is_some() || usage[W1H].is_some();
    let (w5, w1) = if breakdown {
        (n(W5M), n(W1H))
    } else {
        (n(WRITTEN), 0)
    };
    Tokens {
        input: n(INPUT),
        output: n(OUTPUT),
        cache_read: n(READ),
        cache_write_5m: w5,
        cache_write_1h: w1,
    }
}

/// The longest app name kept, in characters; a longer `entrypoint` is cut.
pub const APP_NAME_MAX_CHARS: usize = 64;

/// The app a request is attributed to, from Claude Code's `entrypoint`: at most
/// [`APP_NAME_MAX_CHARS`] characters, without control characters (it is printed and used
/// as a rule's key).
pub(crate) fn app_for(entrypoint: Option<Cow<'_, str>>) -> Cow<'_, str> {
    match entrypoint.as_deref() {
        None | Some("cli" | "") => Cow::Borrowed("claude-code"),
        Some("claude-desktop") => Cow::Borrowed("claude-desktop"),
        Some(e) if e.starts_with("sdk-") => Cow::Borrowed("claude-agent-sdk"),
        Some(e) if e.chars().count() > APP_NAME_MAX_CHARS || e.chars().any(char::is_control) => {
            let name: String = e
                .chars()
                .filter(|c| !c.is_control())
                .take(APP_NAME_MAX_CHARS)
                .collect();
            Cow::Owned(if name.is_empty() {
                "unnamed".into()
            } else {
                name
            })
        }
        Some(_) => entrypoint.unwrap_or_default(),
    }
}

/// Unix seconds of an RFC 3339 timestamp; the `YYYY-MM-DDTHH:MM:SS(.fff)Z` form Claude Code
/// writes is read by hand (20 ns a timestamp against jiff's 60 ns in
/// `cargo bench --bench parse`), any other form through jiff.
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
    ts.parse::<jiff::Timestamp>()
        .ok()
        .map(jiff::Timestamp::as_second)
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
