//! Settings of the sources that call a server: `[sources.claude_oauth]` (and, in the same
//! style, every later network source), and the checks on their base URLs.

use super::duration::Duration;
use super::endpoint::{BaseUrl, is_loopback};
use super::raw::PositiveDuration;
use serde::Deserialize;
use std::path::PathBuf;

/// The Anthropic API, where both the OAuth and the Admin endpoints live.
pub const ANTHROPIC_URL: &str = "https://api.anthropic.com";
/// The shortest interval at which a real (not loopback) usage endpoint is polled.
pub const OAUTH_FLOOR: Duration = Duration::from_secs(300);
/// The default total timeout of one request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawOauth {
    enabled: Option<bool>,
    interval: Option<PositiveDuration>,
    credentials_file: Option<PathBuf>,
    base_url: Option<BaseUrl>,
    timeout: Option<PositiveDuration>,
}

/// Settings of the `claude_oauth` source.
#[derive(Debug, Clone)]
pub struct OauthConfig {
    /// `Some(false)` turns it off, `Some(true)` on; unset means on when credentials exist.
    pub enabled: Option<bool>,
    /// How often each endpoint may be asked (at least 5 minutes unless on loopback).
    pub interval: Duration,
    /// The credentials file; `None` means Claude Code's own.
    pub credentials_file: Option<PathBuf>,
    /// Where the endpoints are.
    pub base_url: String,
    /// Total timeout of one request.
    pub timeout: Duration,
}

impl RawOauth {
    /// Validates the table; a too short interval is raised, with a warning.
    pub(super) fn build(
        self,
        default_interval: Duration,
        warnings: &mut Vec<String>,
    ) -> OauthConfig {
        let base_url = self
            .base_url
            .map_or_else(|| ANTHROPIC_URL.to_string(), |u| u.0);
        let mut interval = self.interval.map_or(default_interval, |d| d.0);
        if interval < OAUTH_FLOOR && !is_loopback(&base_url) {
            if self.interval.is_some() {
                warnings.push(format!(
                    "sources.claude_oauth.interval: {}s is below the usage endpoint's limit; \
                     using 5m",
                    interval.as_secs()
                ));
            }
            interval = OAUTH_FLOOR;
        }
        OauthConfig {
            enabled: self.enabled,
            interval,
            credentials_file: self
                .credentials_file
                .map(|p| crate::paths::expand_tilde(&p)),
            base_url,
            timeout: self.timeout.map_or(DEFAULT_TIMEOUT, |d| d.0),
        }
    }
}
