//! Sources: each reads one billing pool and turns what it finds into stored samples.
//!
//! The set of sources is closed: [`Source`] is an enum, each variant in its own module,
//! dispatched by `match`. Polling records each source's health in the store, so one broken
//! source is visible in the snapshot and never stops the others. The `statusline` source is
//! pushed to rather than polled: Claude Code runs `creditwatch statusline`, which records
//! what it is given (see [`statusline`]).

pub mod claude_code_logs;
pub mod statusline;

use crate::config::Config;
use crate::store::{HealthRow, Store, StoreError};

/// A polled source, built once from the config.
pub enum Source {
    /// Claude Code's transcripts on disk.
    ClaudeCodeLogs(claude_code_logs::LogSource),
}

/// The result of polling one source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The source's name.
    pub source: &'static str,
    /// A one-line account of what it read.
    pub summary: String,
    /// What went wrong, if anything (the source may still have read part of its pool).
    pub error: Option<String>,
}

/// Builds the enabled sources.
pub fn build(config: &Config) -> Vec<Source> {
    let mut sources = Vec::new();
    if config.logs.enabled {
        sources.push(Source::ClaudeCodeLogs(claude_code_logs::LogSource::build(
            config,
        )));
    }
    sources
}

impl Source {
    /// The source's name in the config, the snapshot and the store.
    pub fn name(&self) -> &'static str {
        match self {
            Source::ClaudeCodeLogs(_) => claude_code_logs::NAME,
        }
    }

    /// Polls the source at `now` and records its health. Only a failing store is an error:
    /// a source that cannot read (part of) its pool says so in its [`Outcome`].
    pub fn poll(&mut self, store: &mut Store, now: i64) -> Result<Outcome, StoreError> {
        let (summary, errors) = match self {
            Source::ClaudeCodeLogs(logs) => {
                let poll = logs.poll(store)?;
                (poll.summary(), poll.errors)
            }
        };
        let error = match errors.as_slice() {
            [] => None,
            [one] => Some(one.clone()),
            [first, rest @ ..] => Some(format!("{first} (and {} more)", rest.len())),
        };
        store.record_health(
            crate::DEFAULT_ACCOUNT,
            &HealthRow {
                source: self.name().to_string(),
                ok: error.is_none(),
                last_attempt_at: now,
                last_success_at: Some(now),
                error: error.clone(),
                backoff_until: None,
            },
        )?;
        Ok(Outcome {
            source: self.name(),
            summary,
            error,
        })
    }
}
