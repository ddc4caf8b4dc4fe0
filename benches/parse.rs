//! The transcript line parser against `serde_json`: is the hand-written cursor
//! (`claude_code_logs::scan`) and the RFC 3339 fast path (`record::unix_seconds`) worth
//! keeping? (A bench binary: it prints a table.)
//!
//! ```text
//! python3 benches/gen_corpus.py --out /tmp/c200 --size-mb 200
//! cargo bench --bench parse -- /tmp/c200/projects
//! ```
//!
//! Both read the same lines: every line of the corpus that contains `"usage"`, as ingestion
//! hands them to the parser, held in memory so only parsing is timed. `serde_json` reads
//! them into borrowed structs with the same fields, skipping the rest (serde's derive skips
//! unknown fields with `IgnoredAny`), and its timestamps are read by `jiff`. Each method
//! runs five times; the table gives the fastest run. The two must agree on every line's
//! tokens, or the comparison means nothing: the bench checks it.

use creditwatch::source::claude_code_logs::record::{self, Parsed};
use serde::Deserialize;
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// One transcript line, as far as creditwatch reads it.
#[derive(Deserialize)]
struct Line<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(rename = "requestId", borrow)]
    _request_id: Option<Cow<'a, str>>,
    #[serde(rename = "entrypoint", borrow)]
    _entrypoint: Option<Cow<'a, str>>,
    #[serde(rename = "isApiErrorMessage")]
    is_api_error: Option<bool>,
    #[serde(rename = "isSidechain")]
    _is_sidechain: Option<bool>,
    #[serde(rename = "cwd", borrow)]
    _cwd: Option<Cow<'a, str>>,
    #[serde(rename = "sessionId", borrow)]
    _session: Option<Cow<'a, str>>,
    #[serde(borrow)]
    message: Option<Message<'a>>,
    #[serde(borrow)]
    data: Option<Data<'a>>,
}

#[derive(Deserialize)]
struct Data<'a> {
    #[serde(borrow)]
    message: Option<Box<Line<'a>>>,
}

#[derive(Deserialize)]
struct Message<'a> {
    #[serde(rename = "id", borrow)]
    _id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    role: Option<Cow<'a, str>>,
    #[serde(rename = "model", borrow)]
    _model: Option<Cow<'a, str>>,
    #[serde(borrow)]
    usage: Option<Usage<'a>>,
}

#[derive(Deserialize)]
struct Usage<'a> {
    input_tokens: Option<u64>,
    output_tokens: Option<u64>,
    cache_creation_input_tokens: Option<u64>,
    cache_read_input_tokens: Option<u64>,
    #[serde(rename = "speed", borrow)]
    _speed: Option<Cow<'a, str>>,
    cache_creation: Option<CacheCreation>,
}

#[derive(Deserialize)]
struct CacheCreation {
    ephemeral_5m_input_tokens: Option<u64>,
    ephemeral_1h_input_tokens: Option<u64>,
}

/// What one line bills, read with `serde_json`: the tokens of an assistant response, with
/// its timestamp read by `jiff` (`None` for a line that bills nothing or is malformed).
fn with_serde(line: &[u8]) -> Option<(i64, u64)> {
    let l: Line<'_> = serde_json::from_slice(line).ok()?;
    let (l, billed) = match l.kind.as_deref() {
        Some("progress") => match l.data.and_then(|d| d.message) {
            Some(nested) => {
                let assistant = nested.kind.as_deref().is_none_or(|k| k == "assistant");
                (*nested, assistant)
            }
            None => return None,
        },
        Some("assistant") => (l, true),
        None => {
            let assistant = l.message.as_ref().and_then(|m| m.role.as_deref()) == Some("assistant");
            (l, assistant)
        }
        Some(_) => return None,
    };
    if !billed || l.is_api_error == Some(true) {
        return None;
    }
    let u = l.message?.usage?;
    let t = l.timestamp?.parse::<jiff::Timestamp>().ok()?.as_second();
    let n = |v: Option<u64>| v.unwrap_or(0);
    // As creditwatch counts cache writes: the 5-minute and 1-hour breakdown when given.
    let written = match &u.cache_creation {
        Some(c)
            if c.ephemeral_5m_input_tokens.is_some() || c.ephemeral_1h_input_tokens.is_some() =>
        {
            n(c.ephemeral_5m_input_tokens) + n(c.ephemeral_1h_input_tokens)
        }
        _ => n(u.cache_creation_input_tokens),
    };
    let read = n(u.input_tokens) + n(u.output_tokens) + n(u.cache_read_input_tokens);
    Some((t, read + written))
}

/// The same with creditwatch's parser.
fn with_cursor(line: &[u8]) -> Option<(i64, u64)> {
    match record::parse(line) {
        Parsed::Billed(r) => Some((
            r.t,
            r.tokens.input
                + r.tokens.output
                + r.tokens.cache_read
                + r.tokens.cache_write_5m
                + r.tokens.cache_write_1h,
        )),
        _ => None,
    }
}

fn usage_lines(root: &Path) -> Vec<Vec<u8>> {
    let finder = memchr::memmem::Finder::new(b"\"usage\"");
    let mut lines = Vec::new();
    let mut stack: Vec<PathBuf> = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "jsonl") {
                let text = std::fs::read(&path).unwrap();
                lines.extend(
                    text.split(|&b| b == b'\n')
                        .filter(|l| finder.find(l).is_some())
                        .map(<[u8]>::to_vec),
                );
            }
        }
    }
    lines
}

fn fastest(lines: &[Vec<u8>], parse: fn(&[u8]) -> Option<(i64, u64)>) -> (Duration, u64) {
    let mut best = Duration::MAX;
    let mut tokens = 0;
    for _ in 0..5 {
        let start = Instant::now();
        tokens = lines
            .iter()
            .filter_map(|l| parse(l))
            .map(|(t, n)| n.wrapping_add(t as u64))
            .sum();
        best = best.min(start.elapsed());
    }
    (best, tokens)
}

/// RFC 3339 timestamps as transcripts write them, read by the fast path and by `jiff`.
fn timestamps(lines: &[Vec<u8>]) -> [(Duration, i64); 2] {
    let stamps: Vec<String> = lines
        .iter()
        .filter_map(|l| {
            let v: serde_json::Value = serde_json::from_slice(l).ok()?;
            Some(v.get("timestamp")?.as_str()?.to_string())
        })
        .collect();
    let time = |read: &dyn Fn(&str) -> Option<i64>| {
        let mut best = (Duration::MAX, 0);
        for _ in 0..5 {
            let start = Instant::now();
            let sum: i64 = stamps.iter().filter_map(|s| read(s)).sum();
            best = best.min((start.elapsed(), sum));
        }
        best
    };
    [
        time(&record::unix_seconds),
        time(&|s| {
            s.parse::<jiff::Timestamp>()
                .ok()
                .map(jiff::Timestamp::as_second)
        }),
    ]
}

fn main() {
    let root = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map(PathBuf::from)
        .expect("usage: cargo bench --bench parse -- CORPUS/projects");
    let lines = usage_lines(&root);
    let bytes: usize = lines.iter().map(Vec::len).sum();
    println!(
        "{} lines with \"usage\", {:.1} MB\n",
        lines.len(),
        bytes as f64 / 1e6
    );
    let (cursor, ours) = fastest(&lines, with_cursor);
    let (serde, theirs) = fastest(&lines, with_serde);
    assert_eq!(ours, theirs, "the two parsers read different tokens");
    let disagree = lines
        .iter()
        .filter(|l| with_cursor(l) != with_serde(l))
        .count();
    assert_eq!(disagree, 0, "lines read differently");
    let rate = |d: Duration| bytes as f64 / 1e6 / d.as_secs_f64();
    let per = |d: Duration| d.as_nanos() as f64 / lines.len() as f64;
    println!("| parser | time | MB/s | ns per line |\n|---|---|---|---|");
    for (name, d) in [
        ("creditwatch's cursor (`scan`, `record`)", cursor),
        (
            "serde_json, borrowed, unknown fields skipped; jiff for the time",
            serde,
        ),
    ] {
        println!(
            "| {name} | {:.1} ms | {:.0} | {:.0} |",
            d.as_secs_f64() * 1000.0,
            rate(d),
            per(d)
        );
    }
    let [(fast, a), (jiff, b)] = timestamps(&lines);
    assert_eq!(a, b, "the two timestamp readers disagree");
    println!(
        "\nTimestamps: the fast path {:.0} ns each, jiff {:.0} ns each ({} read)",
        fast.as_nanos() as f64 / lines.len() as f64,
        jiff.as_nanos() as f64 / lines.len() as f64,
        lines.len()
    );
}
