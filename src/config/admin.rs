//! `[sources.anthropic_admin]`: the Admin API key and where to find it. The key itself is
//! never in the config: only the name of an environment variable or a file that holds it.

use super::duration::Duration;
use super::endpoint::{BaseUrl, is_loopback};
use super::network::{ANTHROPIC_URL, DEFAULT_TIMEOUT};
use super::raw::PositiveDuration;
use serde::Deserialize;
use std::path::PathBuf;

/// How often the Admin API is asked unless the config says otherwise.
pub const ADMIN_INTERVAL: Duration = Duration::from_secs(15 * 60);
/// The shortest interval for the real Admin API (its reports change slowly).
pub const ADMIN_FLOOR: Duration = Duration::from_secs(5 * 60);
/// The variable read when the source is turned on without saying where the key is.
pub const DEFAULT_KEY_ENV: &str = "ANTHROPIC_ADMIN_KEY";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Fields {
    enabled: Option<bool>,
    api_key_env: Option<String>,
    api_key_file: Option<PathBuf>,
    base_url: Option<BaseUrl>,
    interval: Option<PositiveDuration>,
    timeout: Option<PositiveDuration>,
}

/// The table as written, checked for contradictions while it is read (so the error has
/// the table's line).
#[derive(Debug, Default, Deserialize)]
#[serde(try_from = "Fields")]
pub(super) struct RawAdmin(Fields);

impl TryFrom<Fields> for RawAdmin {
    type Error = String;

    fn try_from(f: Fields) -> Result<RawAdmin, String> {
        if f.api_key_env.is_some() && f.api_key_file.is_some() {
            return Err("set either api_key_env or api_key_file, not both".into());
        }
        if f.api_key_env
            .as_deref()
            .is_some_and(|v| v.trim().is_empty())
        {
            return Err("api_key_env is the name of an environment variable; it is empty".into());
        }
        Ok(RawAdmin(f))
    }
}

/// Where the Admin API key is read from, before every poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyRef {
    /// An environment variable of the daemon.
    Env(String),
    /// A file readable by its owner only (mode 0600 or stricter).
    File(PathBuf),
}

/// Settings of the `anthropic_admin` source.
#[derive(Debug, Clone)]
pub struct AdminConfig {
    /// Where the key is.
    pub key: KeyRef,
    /// Where the Admin API is.
    pub base_url: String,
    /// How often each report is asked for.
    pub interval: Duration,
    /// Total timeout of one request.
    pub timeout: Duration,
}

impl RawAdmin {
    /// The source's settings, or `None` when it is off: turned off, or not turned on and
    /// no key configured.
    pub(super) fn build(self, warnings: &mut Vec<String>) -> Option<AdminConfig> {
        let f = self.0;
        let configured = f.api_key_env.is_some() || f.api_key_file.is_some();
        if !f.enabled.unwrap_or(configured) {
            return None;
        }
        let key = match (f.api_key_env, f.api_key_file) {
            (_, Some(file)) => KeyRef::File(crate::paths::expand_tilde(&file)),
            (Some(var), None) => KeyRef::Env(var),
            (None, None) => KeyRef::Env(DEFAULT_KEY_ENV.to_string()),
        };
        let base_url = f
            .base_url
            .map_or_else(|| ANTHROPIC_URL.to_string(), |u| u.0);
        let mut interval = f.interval.map_or(ADMIN_INTERVAL, |d| d.0);
        if interval < ADMIN_FLOOR && !is_loopback(&base_url) {
            warnings.push(format!(
                "sources.anthropic_admin.interval: {}s is more often than the reports change; \
                 using 5m",
                interval.as_secs()
            ));
            interval = ADMIN_FLOOR;
        }
        Some(AdminConfig {
            key,
            base_url,
            interval,
            timeout: f.timeout.map_or(DEFAULT_TIMEOUT, |d| d.0),
        })
    }
}
