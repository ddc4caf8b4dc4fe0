//! `[notify.alertmanager]`: the Alertmanager (or every instance of a cluster) each firing
//! alert is posted to, how to reach it, the labels to add, and how often a firing alert is
//! told again.

use super::duration::Duration;
use super::endpoint::BaseUrl;
use super::push::{LabelName, PushTarget};
use super::raw::PositiveDuration;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The labels creditwatch sets on every alert.
pub const OWN_LABELS: &[&str] = &["alertname", "key", "account", "severity", "instance"];
/// The default time allowed for one POST.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// How often a firing alert is told again by default, as Prometheus does.
const DEFAULT_RESEND: Duration = Duration::from_secs(60);

super::push::push_table!(
    /// `[notify.alertmanager]` as written.
    Fields {
        enabled: Option<bool>,
        urls: Vec<BaseUrl>,
        labels: BTreeMap<LabelName, String>,
        resend: Option<PositiveDuration>,
        timeout: Option<PositiveDuration>,
    }
);

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

    fn try_from(mut f: Fields) -> Result<RawAlertmanager, String> {
        if !f.enabled.unwrap_or(!f.urls.is_empty()) {
            return Ok(RawAlertmanager(None));
        }
        let access = f.access();
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
        Ok(RawAlertmanager(Some(AlertmanagerConfig {
            urls,
            labels: super::push::labels(f.labels, OWN_LABELS)?,
            resend: f.resend.map_or(DEFAULT_RESEND, |d| d.0),
            target: access.build(f.timeout.map_or(DEFAULT_TIMEOUT, |d| d.0))?,
        })))
    }
}
