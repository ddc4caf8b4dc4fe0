//! `[notify.alertmanager]`: the Alertmanager (or every instance of a cluster) each firing
//! alert is posted to, how to reach it, the labels to add, and how often a firing alert is
//! told again.

use super::duration::Duration;
use super::endpoint::BaseUrl;
use super::push::{AccessFields, LabelName, PushTarget};
use super::raw::PositiveDuration;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The labels creditwatch sets on every alert.
pub const OWN_LABELS: &[&str] = &["alertname", "key", "account", "severity", "instance"];
/// The default time allowed for one POST.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// How often a firing alert is told again by default, as Prometheus does.
const DEFAULT_RESEND: Duration = Duration::from_secs(60);

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Fields {
    enabled: Option<bool>,
    urls: Vec<BaseUrl>,
    labels: BTreeMap<LabelName, String>,
    resend: Option<PositiveDuration>,
    timeout: Option<PositiveDuration>,
    username: Option<String>,
    password_env: Option<String>,
    password_file: Option<PathBuf>,
    password_keychain: Option<String>,
    bearer_token_env: Option<String>,
    bearer_token_file: Option<PathBuf>,
    bearer_token_keychain: Option<String>,
    ca_file: Option<PathBuf>,
}

/// The table as written, checked while it is read (so an error has the table's line).
#[derive(Debug, Default, Deserialize)]
#[serde(try_from = "Fields")]
pub(super) struct RawAlertmanager(pub Option<AlertmanagerConfig>);

/// Settings of the Alertmanager channel.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertmanagerConfig {
    /// Each instance's base URL (`https://am.example:9093`); every one is told.
    pub urls: Vec<String>,
    /// Labels added to every alert.
    pub labels: BTreeMap<String, String>,
    /// How often a firing alert is told again; it holds for four times this unless told.
    pub resend: Duration,
    /// Credentials, CA and timeout.
    pub target: PushTarget,
}

impl TryFrom<Fields> for RawAlertmanager {
    type Error = String;

    fn try_from(f: Fields) -> Result<RawAlertmanager, String> {
        if !f.enabled.unwrap_or(!f.urls.is_empty()) {
            return Ok(RawAlertmanager(None));
        }
        if f.urls.is_empty() {
            return Err(
                "`urls` is missing: the Alertmanager to post to, e.g. urls = [\"https://alertmanager.example:9093\"]"
                    .into(),
            );
        }
        let urls = f
            .urls
            .into_iter()
            .map(|u| {
                let base = u.0.trim_end_matches("/api/v2/alerts").to_string();
                base.trim_end_matches('/').to_string()
            })
            .collect();
        let access = AccessFields {
            username: f.username,
            password_env: f.password_env,
            password_file: f.password_file,
            password_keychain: f.password_keychain,
            bearer_token_env: f.bearer_token_env,
            bearer_token_file: f.bearer_token_file,
            bearer_token_keychain: f.bearer_token_keychain,
            ca_file: f.ca_file,
        };
        Ok(RawAlertmanager(Some(AlertmanagerConfig {
            urls,
            labels: super::push::labels(f.labels, OWN_LABELS)?,
            resend: f.resend.map_or(DEFAULT_RESEND, |d| d.0),
            target: access.build(f.timeout.map_or(DEFAULT_TIMEOUT, |d| d.0))?,
        })))
    }
}
