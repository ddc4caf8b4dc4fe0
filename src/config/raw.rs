//! The config file exactly as written: every table refuses unknown keys.

use super::duration::Duration;
use super::error::Unlocated;
use crate::price::{LongContext, Price};
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawConfig {
    pub poll_interval: Option<PositiveDuration>,
    pub rules_dir: Option<PathBuf>,
    pub tick: Option<PositiveDuration>,
    pub metrics: super::metrics::RawMetrics,
    pub dashboard: super::metrics::RawDashboard,
    pub sources: RawSources,
    pub quiet_hours: super::quiet::RawQuiet,
    pub notify: super::notify::RawNotify,
    /// The notifiers once checked (filled by [`parse`]).
    #[serde(skip)]
    pub checked_notify: super::notify::NotifyConfig,
    pub prices: BTreeMap<String, RawPrice>,
    pub plan: super::plan::RawPlan,
    pub accounts: Vec<super::accounts::RawAccount>,
    /// The accounts once checked against each other (filled by [`parse`]).
    #[serde(skip)]
    pub checked_accounts: Vec<super::accounts::AccountConfig>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawSources {
    pub claude_code_logs: RawLogs,
    pub claude_oauth: super::network::RawOauth,
    pub anthropic_admin: super::admin::RawAdmin,
    pub command: Vec<super::command::RawCommand>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawLogs {
    pub enabled: Option<bool>,
    pub roots: Option<Vec<PathBuf>>,
    pub interval: Option<PositiveDuration>,
}

/// A price in USD per million tokens; `input` and `output` are required, the cache rates
/// default to Anthropic's usual multiples of the input rate.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPrice {
    input: Rate,
    output: Rate,
    cache_write_5m: Option<Rate>,
    cache_write_1h: Option<Rate>,
    cache_read: Option<Rate>,
    long_context: Option<RawLongContext>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLongContext {
    threshold: u64,
    input: Rate,
    output: Rate,
    cache_write_5m: Option<Rate>,
    cache_write_1h: Option<Rate>,
    cache_read: Option<Rate>,
}

/// A non-negative, finite rate.
#[derive(Debug, Clone, Copy)]
struct Rate(f64);

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        let v = f64::deserialize(de)?;
        if !v.is_finite() || v < 0.0 {
            return Err(serde::de::Error::custom(format!(
                "a price must be a number of USD per million tokens, 0 or more (got {v})"
            )));
        }
        Ok(Rate(v))
    }
}

/// A duration of at least one second.
#[derive(Debug, Clone, Copy)]
pub(super) struct PositiveDuration(pub Duration);

impl<'de> Deserialize<'de> for PositiveDuration {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        let d = Duration::deserialize(de)?;
        if d.as_secs() == 0 {
            return Err(serde::de::Error::custom("an interval must be at least 1s"));
        }
        Ok(PositiveDuration(d))
    }
}

fn rates(
    input: Rate,
    output: Rate,
    w5: Option<Rate>,
    w1: Option<Rate>,
    read: Option<Rate>,
) -> [f64; 5] {
    let i = input.0;
    [
        i,
        w5.map_or(i * 1.25, |r| r.0),
        w1.map_or(i * 2.0, |r| r.0),
        read.map_or(i * 0.1, |r| r.0),
        output.0,
    ]
}

impl RawPrice {
    pub(crate) fn into_price(self) -> Price {
        let long_context = self.long_context.map(|lc| LongContext {
            threshold: lc.threshold,
            rates: rates(
                lc.input,
                lc.output,
                lc.cache_write_5m,
                lc.cache_write_1h,
                lc.cache_read,
            ),
        });
        Price {
            rates: rates(
                self.input,
                self.output,
                self.cache_write_5m,
                self.cache_write_1h,
                self.cache_read,
            ),
            long_context,
        }
    }
}

impl RawLogs {
    pub fn interval(&self) -> Option<Duration> {
        self.interval.map(|d| d.0)
    }
}

/// Parses the text, refusing unknown keys, then checks the tables against each other;
/// errors carry the dotted key and byte offset.
pub(super) fn parse(text: &str) -> Result<RawConfig, Unlocated> {
    let mut raw = deserialize(text)?;
    raw.checked_accounts =
        super::accounts::build(&raw.accounts).map_err(|(i, message)| Unlocated {
            key: format!("accounts[{i}]"),
            message,
            offset: nth_table(text, "[[accounts]]", i),
        })?;
    raw.checked_notify = std::mem::take(&mut raw.notify)
        .build()
        .map_err(|(key, message)| Unlocated {
            offset: nth_table(text, &format!("[{key}]"), 0),
            key,
            message,
        })?;
    let commands = &raw.sources.command;
    for (i, c) in commands.iter().enumerate() {
        let fail = |message: String| Unlocated {
            key: format!("sources.command[{i}]"),
            message,
            offset: nth_table(text, "[[sources.command]]", i),
        };
        if commands[..i].iter().any(|d| d.name() == c.name()) {
            return Err(fail(format!(
                "a command named {:?} is listed twice",
                c.name()
            )));
        }
        if let Some(a) = c.account()
            && !raw.checked_accounts.iter().any(|b| b.name == a)
        {
            return Err(fail(format!("account {a:?} is not in [[accounts]]")));
        }
    }
    Ok(raw)
}

/// The byte offset of the `i`-th line that opens `header` (an array-of-tables entry).
fn nth_table(text: &str, header: &str, i: usize) -> Option<usize> {
    let mut offset = 0;
    let mut seen = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with(header) {
            if seen == i {
                return Some(offset + line.len() - line.trim_start().len());
            }
            seen += 1;
        }
        offset += line.len();
    }
    None
}

fn deserialize(text: &str) -> Result<RawConfig, Unlocated> {
    let de = toml::Deserializer::parse(text).map_err(|e| {
        let offset = e.span().map(|s| s.start);
        let message = e.message().trim().to_string();
        // The parser points at a duplicate but does not name it; the user needs the name.
        let key = match offset {
            Some(at) if message.starts_with("duplicate key") => dotted_key_at(text, at),
            _ => String::new(),
        };
        Unlocated {
            key,
            message,
            offset,
        }
    })?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let key = e.path().to_string();
        let inner = e.into_inner();
        Unlocated {
            key: if key == "." { String::new() } else { key },
            message: inner.message().to_string(),
            offset: inner.span().map(|s| s.start),
        }
    })
}

/// The dotted key written at byte `at`: the table header it is under, then the key itself
/// (or the header, when `at` is on one).
fn dotted_key_at(text: &str, at: usize) -> String {
    let at = at.min(text.len());
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or("");
    let header = |l: &str| {
        let l = l.trim();
        l.starts_with('[').then(|| {
            l.trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or("")
                .trim()
                .to_string()
        })
    };
    if let Some(table) = header(line) {
        return table;
    }
    let key = line.split('=').next().unwrap_or("").trim().to_string();
    let table = text[..line_start].lines().rev().find_map(header);
    match table {
        Some(t) if !t.is_empty() => format!("{t}.{key}"),
        _ => key,
    }
}
