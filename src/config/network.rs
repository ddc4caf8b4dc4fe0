//! Settings of the sources that call a server: `[sources.claude_oauth]` (and, in the same
//! style, every later network source), and the checks on their base URLs.

use super::duration::Duration;
use super::raw::PositiveDuration;
use serde::{Deserialize, Deserializer};
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

/// An `http(s)://host[:port][/path]` URL without a trailing slash; plain `http` only to
/// this machine, so tokens never cross a network unencrypted.
#[derive(Debug, Clone)]
pub(super) struct BaseUrl(pub String);

impl<'de> Deserialize<'de> for BaseUrl {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        let text = String::deserialize(de)?;
        let url = text.trim().trim_end_matches('/').to_string();
        let fail = |m: &str| Err(serde::de::Error::custom(m));
        match url.split_once("://") {
            Some(("https", rest)) if !host(rest).is_empty() => Ok(BaseUrl(url)),
            Some(("http", rest)) if is_loopback_host(host(rest)) => Ok(BaseUrl(url)),
            Some(("http", _)) => fail("plain http is only allowed to localhost; use https://"),
            _ => fail("expected a URL like \"https://api.anthropic.com\""),
        }
    }
}

/// The host part of what follows `scheme://`.
fn host(rest: &str) -> &str {
    let authority = rest.split('/').next().unwrap_or("");
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split(']').next().unwrap_or("");
    }
    authority.split(':').next().unwrap_or("")
}

fn is_loopback_host(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// True when `url` points at this machine (tests, local proxies): no politeness floor.
pub fn is_loopback(url: &str) -> bool {
    url.split_once("://")
        .is_some_and(|(_, rest)| is_loopback_host(host(rest)))
}
