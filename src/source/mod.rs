//! Sources: each reads one billing pool and turns what it finds into stored samples.
//!
//! The set of sources is closed: [`Source`] is an enum, each variant in its own module,
//! dispatched by `match`. Polling records each source's health in the store, so one broken
//! source is visible in the snapshot and never stops the others. The `statusline` source is
//! pushed to rather than polled: Claude Code runs `creditwatch statusline`, which records
//! what it is given (see [`statusline`]).

pub mod anthropic_admin;
pub mod claude_code_logs;
pub mod claude_oauth;
pub mod command;
pub mod gate;
pub mod json;
pub mod pools;
pub mod statusline;

use crate::config::Config;
use crate::store::{HealthRow, Store, StoreError};

/// A polled source, built once from the config.
pub enum Source {
    /// Claude Code's transcripts on disk.
    ClaudeCodeLogs(Box<claude_code_logs::LogSource>),
    /// The OAuth endpoints Claude Code uses: windows, extra usage, credits.
    ClaudeOauth(Box<claude_oauth::OauthSource>),
    /// The Admin API's cost and usage reports.
    AnthropicAdmin(Box<anthropic_admin::AdminSource>),
    /// A user's command.
    Command(Box<command::CommandSource>),
}

/// The result of polling one source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The source's name.
    pub source: String,
    /// The account it polled for.
    pub account: String,
    /// A one-line account of what it read.
    pub summary: String,
    /// What went wrong, if anything (the source may still have read part of its pool).
    pub error: Option<String>,
}

/// Builds the enabled sources: the logs and OAuth sources once per account, then the
/// Admin API (for the default account) and every command.
pub fn build(config: &Config) -> Vec<Source> {
    let mut sources = Vec::new();
    for account in &config.accounts {
        if config.logs.enabled {
            sources.push(Source::ClaudeCodeLogs(Box::new(
                claude_code_logs::LogSource::build(config, account),
            )));
        }
        if let Some(oauth) = claude_oauth::OauthSource::build(config, account) {
            sources.push(Source::ClaudeOauth(Box::new(oauth)));
        }
    }
    if let Some(admin) = &config.admin {
        sources.push(Source::AnthropicAdmin(Box::new(
            anthropic_admin::AdminSource::build(admin, crate::DEFAULT_ACCOUNT),
        )));
    }
    for command in &config.commands {
        sources.push(Source::Command(Box::new(command::CommandSource::build(
            command,
        ))));
    }
    sources
}

/// The built-in sources that are off, and why, as (account, source, why): for `check` to say
/// what would turn them on.
pub fn off(config: &Config) -> Vec<(String, &'static str, String)> {
    let mut off = Vec::new();
    for account in &config.accounts {
        if !config.logs.enabled {
            let why = "off in the config ([sources.claude_code_logs] enabled = false)";
            off.push((
                account.name.clone(),
                claude_code_logs::NAME,
                why.to_string(),
            ));
        }
        if let Some(why) = claude_oauth::OauthSource::why_off(config, account) {
            off.push((account.name.clone(), claude_oauth::NAME, why));
        }
    }
    off
}

/// What a source's poll comes to, whatever the source.
struct Polled {
    summary: String,
    errors: Vec<String>,
    /// False when nothing was due: health is left as the last attempt set it.
    attempted: bool,
    /// Whether it read anything (a partial read still counts as a success).
    succeeded: bool,
    backoff_until: Option<i64>,
}

impl From<gate::Poll> for Polled {
    fn from(poll: gate::Poll) -> Polled {
        Polled {
            summary: match (poll.requests, poll.read.is_empty()) {
                (0, true) if poll.errors.is_empty() => "nothing due".to_string(),
                (_, true) => "nothing read".to_string(),
                _ => poll.read.join("; "),
            },
            attempted: poll.requests > 0 || !poll.errors.is_empty(),
            succeeded: !poll.read.is_empty(),
            errors: poll.errors,
            backoff_until: poll.backoff_until,
        }
    }
}

impl Source {
    /// The source's name in the config, the snapshot and the store.
    pub fn name(&self) -> &str {
        match self {
            Source::ClaudeCodeLogs(_) => claude_code_logs::NAME,
            Source::ClaudeOauth(_) => claude_oauth::NAME,
            Source::AnthropicAdmin(_) => anthropic_admin::NAME,
            Source::Command(c) => c.name(),
        }
    }

    /// The account it reads for.
    pub fn account(&self) -> &str {
        match self {
            Source::ClaudeCodeLogs(logs) => logs.account(),
            Source::ClaudeOauth(oauth) => oauth.account(),
            Source::AnthropicAdmin(admin) => admin.account(),
            Source::Command(c) => c.account(),
        }
    }

    /// Whether it waits on something outside the process (a server, a user's command):
    /// polled on the runtime, concurrently with the others, under the cycle's deadline
    /// ([`Source::poll_outside`]).
    pub(crate) fn is_outside(&self) -> bool {
        !matches!(self, Source::ClaudeCodeLogs(_))
    }

    /// How long one of its requests (or its command) may take; zero for the transcripts.
    pub fn timeout(&self) -> std::time::Duration {
        match self {
            Source::ClaudeOauth(oauth) => oauth.timeout(),
            Source::AnthropicAdmin(admin) => admin.timeout(),
            Source::Command(c) => c.timeout(),
            Source::ClaudeCodeLogs(_) => std::time::Duration::ZERO,
        }
    }

    /// Polls the source at `now` and records its health. Only a failing store is an error:
    /// a source that cannot read (part of) its pool says so in its [`Outcome`]. A network
    /// source is given time for a few requests in a row.
    pub fn poll(&mut self, store: &mut Store, now: i64) -> Result<Outcome, StoreError> {
        let polled = match self {
            Source::ClaudeCodeLogs(logs) if !logs.due(now) => Polled {
                summary: "nothing due".to_string(),
                errors: Vec::new(),
                attempted: false,
                succeeded: false,
                backoff_until: None,
            },
            Source::ClaudeCodeLogs(logs) => {
                let poll = logs.poll(store, now)?;
                Polled {
                    summary: poll.summary(),
                    errors: poll.errors,
                    attempted: true,
                    succeeded: true,
                    backoff_until: None,
                }
            }
            Source::ClaudeOauth(_) | Source::AnthropicAdmin(_) | Source::Command(_) => {
                let deadline = tokio::time::Instant::now() + self.timeout() * ALONE_REQUESTS;
                return crate::http::block_on(self.poll_outside(store, now, deadline));
            }
        };
        self.finish(store, polled, now)
    }

    /// Polls a network or command source at `now` on the runtime; what is still in flight
    /// at `deadline` is dropped (the request cancelled, the command killed) and the poll
    /// counts as failed, with what it did before.
    pub async fn poll_outside(
        &self,
        store: &Store,
        now: i64,
        deadline: tokio::time::Instant,
    ) -> Result<Outcome, StoreError> {
        let mut poll = gate::Poll::default();
        let asked = match self {
            Source::ClaudeOauth(oauth) => {
                tokio::time::timeout_at(deadline, oauth.poll(store, now, &mut poll)).await
            }
            Source::AnthropicAdmin(admin) => {
                tokio::time::timeout_at(deadline, admin.poll(store, now, &mut poll)).await
            }
            Source::Command(c) => {
                tokio::time::timeout_at(deadline, c.poll(store, now, &mut poll)).await
            }
            Source::ClaudeCodeLogs(_) => Ok(Ok(())),
        };
        match asked {
            Ok(done) => done?,
            Err(_) => poll.errors.push(format!(
                "stopped at the cycle's deadline while {} was still answering (it times out \
                 after {}s)",
                match self {
                    Source::Command(_) => "the command",
                    _ => "a server",
                },
                self.timeout().as_secs()
            )),
        }
        self.finish(store, Polled::from(poll), now)
    }

    /// Records the health a poll showed and words its outcome.
    fn finish(&self, store: &Store, polled: Polled, now: i64) -> Result<Outcome, StoreError> {
        let Polled {
            summary,
            errors,
            attempted,
            succeeded,
            backoff_until,
        } = polled;
        let error = match errors.as_slice() {
            [] => None,
            [one] => Some(one.clone()),
            [first, rest @ ..] => Some(format!("{first} (and {} more)", rest.len())),
        };
        if attempted {
            store.record_health(
                self.account(),
                &HealthRow {
                    source: self.name().to_string(),
                    ok: error.is_none(),
                    last_attempt_at: now,
                    last_success_at: succeeded.then_some(now),
                    error: error.clone(),
                    backoff_until,
                    failing_since: None,
                },
            )?;
        }
        Ok(Outcome {
            source: self.name().to_string(),
            account: self.account().to_string(),
            summary,
            error,
        })
    }
}

/// Requests in a row a network source polled alone (by `spend`, or a test) may make before
/// it is cut short: OAuth asks at most three, the Admin API a few pages.
const ALONE_REQUESTS: u32 = 8;
