//! The `[notify.*]` tables: which notifiers are on and how they reach the user. Secrets
//! (webhook tokens) are referenced by environment variable, never written in the file.

use super::duration::Duration;
use super::endpoint::WholeUrl;
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
    alertmanager: super::alertmanager::RawAlertmanager,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawDesktop {
    enabled: Option<bool>,
    bus: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawWebhook {
    enabled: Option<bool>,
    url: Option<WholeUrl>,
    topic: Option<String>,
    headers_env: BTreeMap<HeaderName, EnvName>,
    headers_file: BTreeMap<HeaderName, std::path::PathBuf>,
    timeout: Option<PositiveDuration>,
}

/// An HTTP header name: a token of letters, digits and the symbols RFC 9110 allows in one
/// (`!#$%&'*+-.^_|~` and the backtick), so no line break can smuggle a header of its own
/// into the request.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct HeaderName(String);

impl<'de> Deserialize<'de> for HeaderName {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        let name = String::deserialize(de)?;
        let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
        if name.is_empty() || !name.chars().all(token) {
            return Err(serde::de::Error::custom(format!(
                "header name {name:?} is not a valid HTTP header name (letters, digits, `-`; \
                 no spaces or line breaks)"
            )));
        }
        Ok(HeaderName(name))
    }
}

/// The name of an environment variable that holds a header's value.
#[derive(Debug)]
struct EnvName(String);

impl<'de> Deserialize<'de> for EnvName {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        let name = String::deserialize(de)?;
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(serde::de::Error::custom(format!(
                "{name:?} is not the name of an environment variable (letters, digits and `_`); \
                 the header's value is read from that variable, never written here"
            )));
        }
        Ok(EnvName(name))
    }
}

/// The notifiers as configured.
#[derive(Debug, Clone, PartialEq)]
pub struct NotifyConfig {
    /// Whether desktop notifications are on (the default).
    pub desktop: bool,
    /// The D-Bus address of the session bus to show them on, when not the session's own.
    pub desktop_bus: Option<String>,
    /// Email, when on.
    pub email: Option<super::email::EmailConfig>,
    /// The webhook, when on.
    pub webhook: Option<WebhookConfig>,
    /// Alertmanager, when on.
    pub alertmanager: Option<super::alertmanager::AlertmanagerConfig>,
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
    /// Extra headers, each read at send time from a file only its owner can read.
    pub headers_file: BTreeMap<String, std::path::PathBuf>,
    /// Total timeout of one POST.
    pub timeout: Duration,
}

impl Default for NotifyConfig {
    /// No file at all: desktop notifications on, nothing else.
    fn default() -> NotifyConfig {
        NotifyConfig {
            desktop: true,
            desktop_bus: None,
            email: None,
            webhook: None,
            alertmanager: None,
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
            (_, Some(url)) => {
                if let Some(twice) = w
                    .headers_file
                    .keys()
                    .find(|n| w.headers_env.contains_key(n))
                {
                    return Err((
                        "notify.webhook.headers_file".into(),
                        format!("header {} is also in headers_env: give it once", twice.0),
                    ));
                }
                Some(WebhookConfig {
                    url: url.0,
                    topic: w.topic,
                    headers_env: w
                        .headers_env
                        .into_iter()
                        .map(|(name, var)| (name.0, var.0))
                        .collect(),
                    headers_file: w
                        .headers_file
                        .into_iter()
                        .map(|(name, path)| (name.0, crate::paths::expand_tilde(&path)))
                        .collect(),
                    timeout: w.timeout.map_or(DEFAULT_TIMEOUT, |d| d.0),
                })
            }
        };
        Ok(NotifyConfig {
            desktop: self.desktop.enabled.unwrap_or(true),
            desktop_bus: self.desktop.bus.filter(|b| !b.is_empty()),
            email: self.email.0,
            webhook,
            alertmanager: self.alertmanager.0,
        })
    }
}
