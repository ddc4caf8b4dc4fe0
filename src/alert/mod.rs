//! Alerts: turning what the rules raised into alert instances and outbox notifications.
//!
//! An instance is (rule, key); its state lives in the store so that a restart, a reload or
//! a sleep neither resets a hold timer nor sends a notification twice ([`lifecycle`]). A
//! rule that fails leaves its instances as they are (an error is not "all clear") and
//! raises an alert of its own under [`RULE_ERRORS`], so a broken rule is told once when it
//! breaks and once when it is fixed, not every cycle. Every notification is one outbox row
//! per channel, written in the caller's transaction together with the state that decided
//! it, unique by an idempotency key.

pub mod figures;
pub mod lasting;
pub mod lifecycle;
pub mod replay;
mod system;

pub use system::{channel_problem, config_problem};

use crate::config::QuietConfig;
use crate::rule::{Alert, Evaluation, Meta, RuleError, Severity};
use crate::store::{AlertRow, OutboxRow, Store, StoreError};
use crate::vocab::{AlertState, Channel, OutboxState, Transition};
use jiff::tz::TimeZone;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// The rule name under which broken rule files raise alerts, keyed by file name. It has a
/// `/`, so no rule file can have it.
pub const RULE_ERRORS: &str = "creditwatch/rules";

/// The rule name under which a config file that does not load raises its alert (one key,
/// `config`), told on the desktop when it breaks and when it is fixed.
pub const CONFIG_ERRORS: &str = "creditwatch/config";

/// The rule name under which a channel that refuses creditwatch's credentials raises its
/// alert (keyed by channel), told on another channel when it is turned off and when it
/// works again.
pub const CHANNEL_ERRORS: &str = "creditwatch/channels";

/// What one pass decided.
#[derive(Debug, Default, Clone)]
pub struct Applied {
    /// The notifications added to the outbox.
    pub enqueued: Vec<OutboxRow>,
    /// Every alert instance after the pass.
    pub alerts: Vec<AlertRow>,
}

/// Everything a pass reads besides the store.
pub struct Pass<'a> {
    /// This cycle's evaluations.
    pub evaluations: &'a [Evaluation],
    /// Rule files that do not load now.
    pub broken: &'a [RuleError],
    /// Quiet hours by channel.
    pub quiet: &'a QuietConfig,
    /// The user's time zone, for quiet hours.
    pub tz: &'a TimeZone,
    /// The instant of the cycle.
    pub now: i64,
    /// The pool figures every notification of this pass carries ([`figures::Figures`]).
    pub figures: &'a serde_json::Value,
    /// The channels that are on: a rule's other channels get no rows.
    pub channels: &'a [Channel],
    /// How alerts that are told as they last (Alertmanager) are told.
    pub resend: lasting::Resend<'a>,
}

/// Advances every alert instance and enqueues the notifications that are due. Run it inside
/// [`Store::atomically`] (the daemon) or [`Store::rehearse`] (`check`).
pub(crate) fn apply(store: &Store, pass: &Pass) -> Result<Applied, StoreError> {
    let mut stored: BTreeMap<(String, String), AlertRow> = store
        .alerts()?
        .into_iter()
        .map(|a| ((a.rule.clone(), a.key.clone()), a))
        .collect();
    let mut applied = Applied::default();
    let mut live: BTreeSet<String> = [RULE_ERRORS, CONFIG_ERRORS, CHANNEL_ERRORS]
        .map(String::from)
        .into();
    let mut errors: Vec<Alert> = pass.broken.iter().map(error_alert).collect();
    for e in pass.evaluations {
        live.insert(e.rule.clone());
        match &e.result {
            Ok(alerts) => advance(
                store,
                pass,
                &mut stored,
                &e.rule,
                &e.meta,
                alerts,
                &mut applied,
            )?,
            Err(err) => {
                if !errors.iter().any(|a| a.key == err.file) {
                    errors.push(error_alert(err));
                }
                // Its instances stay as they are until it runs again; the ones that fire
                // are still told to Alertmanager, so a broken rule does not end them there.
                for ((_, key), row) in stored.iter().filter(|((r, _), _)| r == &e.rule) {
                    let silenced = store.is_silenced(&e.rule, key, pass.now)?;
                    lasting::tell(store, pass, &e.meta, row, false, silenced, &mut applied)?;
                }
                stored.retain(|(rule, _), _| rule != &e.rule);
            }
        }
    }
    advance(
        store,
        pass,
        &mut stored,
        RULE_ERRORS,
        &error_meta(),
        &errors,
        &mut applied,
    )?;
    for rule in stored
        .keys()
        .map(|(r, _)| r.clone())
        .collect::<BTreeSet<_>>()
    {
        if !live.contains(&rule) {
            store.forget_rule(&rule)?;
        }
    }
    applied.alerts = store.alerts()?;
    Ok(applied)
}

/// Steps every instance of `rule`: the keys it raised now and the ones it raised before.
pub(super) fn advance(
    store: &Store,
    pass: &Pass,
    stored: &mut BTreeMap<(String, String), AlertRow>,
    rule: &str,
    meta: &Meta,
    alerts: &[Alert],
    applied: &mut Applied,
) -> Result<(), StoreError> {
    let mut keys: BTreeSet<String> = alerts.iter().map(|a| a.key.clone()).collect();
    keys.extend(
        stored
            .keys()
            .filter(|(r, _)| r == rule)
            .map(|(_, k)| k.clone()),
    );
    for key in keys {
        let prev = stored.remove(&(rule.to_string(), key.clone()));
        let was_firing = prev.as_ref().is_some_and(|p| p.state == AlertState::Firing);
        let seen = alerts.iter().find(|a| a.key == key);
        let silenced = store.is_silenced(rule, &key, pass.now)?;
        let step = lifecycle::step(prev, seen, meta, silenced, pass.now);
        let Some(mut row) = step.row else { continue };
        row.rule = rule.to_string();
        store.put_alert(&row)?;
        lasting::tell(store, pass, meta, &row, was_firing, silenced, applied)?;
        if let Some(transition) = step.notify {
            let on = meta
                .channels
                .iter()
                .filter(|c| pass.channels.contains(c) && **c != lasting::CHANNEL);
            for channel in on {
                let n = notification(&row, meta, transition, *channel, pass);
                if store.enqueue(&n)? {
                    applied.enqueued.push(n);
                }
            }
        }
    }
    Ok(())
}

fn notification(
    row: &AlertRow,
    meta: &Meta,
    transition: Transition,
    channel: Channel,
    pass: &Pass,
) -> OutboxRow {
    let not_before = pass
        .quiet
        .get(&channel)
        .and_then(|q| q.release_at(pass.now, pass.tz))
        .unwrap_or(pass.now);
    // A reminder reads as one, so it is not taken for the first notice again.
    let title = match transition {
        Transition::Resolved => format!("Resolved: {}", row.title),
        Transition::Repeat(_) => match row.fired_at {
            Some(at) => format!(
                "Still: {} (since {})",
                row.title,
                crate::calendar::zoned(at, pass.tz).strftime("%a %H:%M %Z")
            ),
            None => format!("Still: {}", row.title),
        },
        _ => row.title.clone(),
    };
    OutboxRow {
        id: 0,
        idempotency_key: idempotency_key(
            &row.rule,
            &row.key,
            row.episode,
            &transition.word(),
            channel,
        ),
        rule: row.rule.clone(),
        key: row.key.clone(),
        episode: row.episode,
        transition,
        channel,
        title,
        body: row.body.clone(),
        severity: match transition {
            Transition::Resolved => Severity::Info,
            _ => row.severity,
        },
        figures: pass.figures.clone(),
        chart: meta.chart.clone(),
        created_at: pass.now,
        not_before,
        state: OutboxState::Pending,
        attempts: 0,
        next_attempt_at: None,
        last_error: None,
        lasting: None,
    }
}

/// A stable key for one notification of one episode of one alert on one channel.
pub fn idempotency_key(
    rule: &str,
    key: &str,
    episode: i64,
    transition: &str,
    channel: Channel,
) -> String {
    let mut h = Sha256::new();
    for part in [
        rule,
        key,
        &episode.to_string(),
        transition,
        channel.as_str(),
    ] {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    crate::format::hex(&h.finalize()[..16])
}

fn error_alert(err: &RuleError) -> Alert {
    Alert {
        key: err.file.clone(),
        title: format!("creditwatch rule {} is broken", err.file),
        body: err.to_string(),
        severity: Severity::Warning,
    }
}

pub(super) fn error_meta() -> Meta {
    Meta {
        description: "A rule file does not load or fails when it runs".into(),
        channels: vec![Channel::Desktop],
        hold_s: 0,
        repeat_after_s: None,
        notify_resolved: true,
        chart: None,
        // A broken rule file is this machine's.
        scope: crate::vocab::Scope::Machine,
    }
}

#[cfg(test)]
mod tests;
