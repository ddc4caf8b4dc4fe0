//! Replays: a rule evaluated at every step over the stored history, with the alert
//! lifecycle run in memory, so nothing is stored or sent. `rules replay` shows the events;
//! the forecast benchmark counts what a user would have received.

use super::lifecycle;
use crate::config::Config;
use crate::rule::{self, Input, Rule};
use crate::snapshot;
use crate::store::{AlertRow, Store, StoreError};
use crate::vocab::{AlertState, Transition};
use jiff::tz::TimeZone;
use serde::Serialize;
use std::collections::BTreeMap;

/// Something the rule would have done at one instant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// When, unix seconds.
    pub t: i64,
    /// The alert's key.
    pub key: String,
    /// `firing`, `repeat-N`, `resolved` or `error`.
    pub what: String,
    /// Whether a notification would have gone out.
    pub notified: bool,
    /// The alert's title, or the error.
    pub text: String,
}

/// Evaluates `rule` at `from`, `from + step`, ... up to `to`.
pub fn run(
    store: &Store,
    config: &Config,
    rule: &Rule,
    from: i64,
    to: i64,
    step: i64,
    tz: &TimeZone,
) -> Result<Vec<Event>, StoreError> {
    replay(store, config, rule, (from, to, step), tz)
}

fn replay(
    store: &Store,
    config: &Config,
    rule: &Rule,
    (from, to, step): (i64, i64, i64),
    tz: &TimeZone,
) -> Result<Vec<Event>, StoreError> {
    let mut rows: BTreeMap<String, AlertRow> = BTreeMap::new();
    let mut events = Vec::new();
    let mut last_error: Option<String> = None;
    let mut t = from;
    while t <= to {
        let snap = snapshot::build(store, config, t, tz)?;
        let json = serde_json::to_value(&snap).map_err(|e| StoreError::Encode {
            what: "the snapshot for the rule",
            message: e.to_string(),
        })?;
        // The rows kept here carry no rule name: they are all this rule's.
        let mine = rows
            .values()
            .filter(|r| r.state != AlertState::Inactive)
            .map(|r| (r.key.clone(), r.state))
            .collect();
        let open = crate::rule::Open::from([(rule.name.clone(), mine)]);
        let input = Input::new(&json, store, tz).with_open(open);
        match rule::evaluate(rule, &input) {
            Err(e) => {
                let text = e.to_string();
                if last_error.as_deref() != Some(text.as_str()) {
                    events.push(Event {
                        t,
                        key: String::new(),
                        what: "error".into(),
                        notified: false,
                        text: text.clone(),
                    });
                }
                last_error = Some(text);
            }
            Ok(alerts) => {
                last_error = None;
                let mut keys: Vec<String> = rows.keys().cloned().collect();
                keys.extend(alerts.iter().map(|a| a.key.clone()));
                keys.sort();
                keys.dedup();
                for key in keys {
                    let prev = rows.remove(&key);
                    let was_firing = prev.as_ref().is_some_and(|r| r.state == AlertState::Firing);
                    let seen = alerts.iter().find(|a| a.key == key);
                    let step = lifecycle::step(prev, seen, &rule.meta, false, t);
                    let Some(row) = step.row else { continue };
                    let resolved = was_firing && row.state == AlertState::Inactive;
                    let what = match (&step.notify, resolved) {
                        (_, true) => Some(Transition::Resolved.word()),
                        (Some(n), false) => Some(n.word()),
                        (None, false) => None,
                    };
                    if let Some(what) = what {
                        events.push(Event {
                            t,
                            key: key.clone(),
                            notified: step.notify.is_some(),
                            what,
                            text: row.title.clone(),
                        });
                    }
                    rows.insert(key, row);
                }
            }
        }
        t += step;
    }
    Ok(events)
}
