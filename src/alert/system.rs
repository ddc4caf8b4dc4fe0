//! Alerts creditwatch raises about itself, outside the rule pass: a config file that does
//! not load, a channel that refuses its credentials. Each is an alert instance like a
//! rule's, so it is told once when it starts and once when it ends, across restarts, and
//! `status` lists it while it fires.

use super::{Applied, CHANNEL_ERRORS, CONFIG_ERRORS, Pass, advance, error_meta};
use crate::config::QuietConfig;
use crate::rule::{Alert, Meta, Severity};
use crate::store::{AlertRow, OutboxRow, Store, StoreError};
use crate::vocab::Channel;
use jiff::tz::TimeZone;
use std::collections::BTreeMap;

/// One of creditwatch's own alerts.
struct Own<'a> {
    rule: &'static str,
    key: &'a str,
    title: String,
    meta: Meta,
}

/// Raises (`problem` is what is wrong) or resolves (`None`) the alert `own`, enqueueing on
/// the `channels` that are on; returns what that enqueued.
fn raise(
    store: &Store,
    own: Own<'_>,
    problem: Option<&str>,
    channels: &[Channel],
    tz: &TimeZone,
    now: i64,
) -> Result<Vec<OutboxRow>, StoreError> {
    let quiet = QuietConfig::default();
    let pass = Pass {
        resend: super::lasting::Resend {
            account: crate::DEFAULT_ACCOUNT,
            every_s: 60,
        },
        evaluations: &[],
        broken: &[],
        quiet: &quiet,
        tz,
        now,
        figures: &serde_json::Value::Null,
        channels,
    };
    let alerts: Vec<Alert> = problem
        .map(|p| Alert {
            key: own.key.into(),
            title: own.title.clone(),
            body: p.to_string(),
            severity: Severity::Warning,
        })
        .into_iter()
        .collect();
    // Only this instance: the alert's other keys (other channels) are not resolved by it.
    let mut stored: BTreeMap<(String, String), AlertRow> = store
        .alerts()?
        .into_iter()
        .filter(|a| a.rule == own.rule && a.key == own.key)
        .map(|a| ((a.rule.clone(), a.key.clone()), a))
        .collect();
    let mut applied = Applied::default();
    advance(
        store,
        &pass,
        &mut stored,
        own.rule,
        &own.meta,
        &alerts,
        &mut applied,
    )?;
    Ok(applied.enqueued)
}

/// Records whether the config file loads (`problem` is its error, or `None`), raising or
/// resolving the [`CONFIG_ERRORS`] alert, told on the desktop if `channels` has it;
/// returns what that enqueued. Only a load attempt calls this, so the alert stays firing
/// while a broken file's last good config runs on.
pub fn config_problem(
    store: &Store,
    problem: Option<&str>,
    channels: &[Channel],
    tz: &TimeZone,
    now: i64,
) -> Result<Vec<OutboxRow>, StoreError> {
    let own = Own {
        rule: CONFIG_ERRORS,
        key: "config",
        title: "creditwatch cannot use its config file".into(),
        meta: Meta {
            description: "The config file does not load".into(),
            ..error_meta()
        },
    };
    raise(store, own, problem, channels, tz, now)
}

/// Records whether `channel` takes creditwatch's credentials (`problem` is why it refused
/// them, or `None` once it delivers again), raising or resolving its [`CHANNEL_ERRORS`]
/// alert, told on `other`; returns what that enqueued.
pub fn channel_problem(
    store: &Store,
    channel: Channel,
    problem: Option<&str>,
    other: Channel,
    tz: &TimeZone,
    now: i64,
) -> Result<Vec<OutboxRow>, StoreError> {
    let own = Own {
        rule: CHANNEL_ERRORS,
        key: channel.as_str(),
        title: format!("creditwatch cannot send {channel} notifications"),
        meta: Meta {
            description: "A channel refuses creditwatch's credentials".into(),
            channels: vec![other],
            ..error_meta()
        },
    };
    let body = problem.map(|e| {
        format!(
            "{e}\nFix [notify.{channel}] in config.toml, then reload creditwatch (kill -HUP) or restart it; what waits is sent then."
        )
    });
    raise(store, own, body.as_deref(), &[other], tz, now)
}
