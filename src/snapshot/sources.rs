//! `s.sources[...]`: whether each source's data can be trusted, and how old it is.

use crate::config::Config;
use crate::store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The status line only reports while Claude Code runs; its data is stale after this long.
pub const STATUSLINE_STALE_S: i64 = 30 * 60;

/// A source's health.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SourceHealth {
    /// Whether its last attempt worked without error.
    pub ok: bool,
    /// Whether its data is older than it should be.
    pub stale: bool,
    /// Seconds since it last worked; `None` if it never did.
    pub age_s: Option<i64>,
    /// When it last worked, unix seconds.
    pub last_success_at: Option<i64>,
    /// What went wrong last time.
    pub error: Option<String>,
    /// It is not polled before this time, unix seconds.
    pub backoff_until: Option<i64>,
    /// Every attempt since this time failed, unix seconds; `None` while it works.
    pub failing_since: Option<i64>,
}

/// How long a source's data stays fresh: three missed polls.
fn stale_after(config: &Config, source: &str) -> i64 {
    match source {
        crate::source::statusline::NAME => STATUSLINE_STALE_S,
        crate::source::claude_code_logs::NAME => {
            3 * config
                .logs
                .interval
                .unwrap_or(config.poll_interval)
                .as_secs() as i64
        }
        crate::source::claude_oauth::NAME => 3 * config.oauth.interval.as_secs() as i64,
        crate::source::anthropic_admin::NAME => {
            config
                .admin
                .as_ref()
                .map_or(config.poll_interval, |a| a.interval)
                .as_secs() as i64
                * 3
        }
        name => {
            let command = config.commands.iter().find(|c| c.name == name);
            3 * command
                .map_or(config.poll_interval, |c| c.interval)
                .as_secs() as i64
        }
    }
}

/// Every source that has reported at least once.
pub fn build(
    store: &Store,
    config: &Config,
    account: &str,
    now: i64,
) -> Result<BTreeMap<String, SourceHealth>, StoreError> {
    Ok(store
        .health(account)?
        .into_iter()
        .map(|h| {
            let age = h.last_success_at.map(|t| (now - t).max(0));
            let stale = age.is_none_or(|a| a > stale_after(config, &h.source));
            let health = SourceHealth {
                ok: h.ok,
                stale,
                age_s: age,
                last_success_at: h.last_success_at,
                error: h.error,
                backoff_until: h.backoff_until.filter(|&b| b > now),
                // A clock put back must not make it fail "for -1h".
                failing_since: h.failing_since.map(|t| t.min(now)),
            };
            (h.source, health)
        })
        .collect())
}
