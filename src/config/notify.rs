//! The `[notify.*]` tables: which notifiers are on and how they reach the user. Secrets
//! (webhook tokens) are referenced by environment variable, never written in the file.

use super::duration::Duration;
use super::network::BaseUrl;
use super::raw::PositiveDuration;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The default total timeout of one delivery.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawNotify {
    desktop: RawDesktop,
    email: super::email::RawEmail,
    webhook: RawWebhook,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawDesktop {
    enabled: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawWebhook {
    enabled: Option<bool>,
    url: Option<BaseUrl>,
    topic: Option<String>,
    headers_env: BTreeMap<String, String>,
    timeout: Option<PositiveDuration>,
}

/// The notifiers as configured.
#[derive(Debug, Clone, PartialEq)]
pub struct NotifyConfig {
    /// Whether desktop notifications are on (the default).
    pub desktop: bool,
    /// Email, when on.
    pub email: Option<super::email::EmailConfig>,
    /// The webhook, when on.
    pub webhook: Option<WebhookConfig>,
}

/// `[notify.webhook]`: a JSON POST per notification.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookConfig {
    /// Where to POST (plain `http` only to this machine).
    pub url: String,
    /// ntfy's topic, sent as `topic` for ntfy's JSON publishing.
    pub topic: Option<String>,
    /// Extra headers, each read from the named environment variable at send time.
    pub headers_env: BTreeMap<String, String>,
    /// Total timeout of one POST.
    pub timeout: Duration,
}

impl Default for NotifyConfig {
    /// No file at all: desktop notifications on, nothing else.
    fn default() -> NotifyConfig {
        NotifyConfig {
            desktop: true,
            email: None,
            webhook: None,
        }
    }
}

impl RawNotify {
    /// Validates the tables; an enabled webhook without a URL is an error naming the key.
    pub(super) fn build(self) -> Result<NotifyConfig, (String, String)> {
        let w = self.webhook;
        let webhook = match (w.enabled, w.url) {
            (Some(false), _) | (None, None) => None,
            (_, None) => {
                return Err((
                    "notify.webhook".into(),
                    "`enabled = true` needs a `url`".into(),
                ));
            }
            (_, Some(url)) => Some(WebhookConfig {
                url: url.0,
                topic: w.topic,
                headers_env: w.headers_env,
                timeout: w.timeout.map_or(DEFAULT_TIMEOUT, |d| d.0),
            }),
        };
        Ok(NotifyConfig {
            desktop: self.desktop.enabled.unwrap_or(true),
            email: self.email.0,
            webhook,
        })
    }
}
