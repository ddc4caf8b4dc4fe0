//! The Prometheus endpoint: each pool's level, burn rate and projected run-out, per-app
//! spend, source health, alerts and the outbox, in the text exposition format.
//!
//! The daemon renders the page after every cycle from the snapshot it just built (and the
//! store's alert and outbox counts) and the web server hands out the latest page, so a scrape
//! never touches the database or the sources. Every gauge carries an `account` label, so a
//! team can scrape every member's daemon and tell them apart by instance.

pub mod names;
mod pools;

use crate::snapshot::Snapshot;
use crate::store::AlertRow;
use crate::vocab::{AlertState, OutboxState};
use std::fmt::Write as _;

/// One metric family: its samples with their labels.
struct Family {
    name: &'static str,
    help: &'static str,
    samples: Vec<(Vec<(&'static str, String)>, f64)>,
}

impl Family {
    fn new(n: names::Name) -> Family {
        Family {
            name: n.name,
            help: n.help,
            samples: Vec::new(),
        }
    }

    /// Adds a sample when `value` is a number (a null field is left out, not zero).
    fn add(&mut self, labels: &[(&'static str, &str)], value: Option<f64>) {
        if let Some(v) = value.filter(|v| v.is_finite()) {
            let labels = labels.iter().map(|(k, v)| (*k, v.to_string())).collect();
            self.samples.push((labels, v));
        }
    }

    fn write(&self, out: &mut String) {
        if self.samples.is_empty() {
            return;
        }
        let _ = writeln!(out, "# HELP {} {}", self.name, self.help);
        let _ = writeln!(out, "# TYPE {} gauge", self.name);
        for (labels, value) in &self.samples {
            out.push_str(self.name);
            if !labels.is_empty() {
                let inner: Vec<String> = labels
                    .iter()
                    .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
                    .collect();
                let _ = write!(out, "{{{}}}", inner.join(","));
            }
            let _ = writeln!(out, " {value}");
        }
    }
}

/// Escapes a label value as the text format asks.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// What the page is made from besides the snapshot.
pub struct Counts<'a> {
    /// Every alert instance.
    pub alerts: &'a [AlertRow],
    /// Outbox rows by delivery state.
    pub outbox: &'a [(OutboxState, i64)],
    /// When the cycle ran, unix seconds.
    pub now: i64,
}

impl Counts<'_> {
    /// Notifications waiting to be sent (pending, being sent, or to be tried again).
    pub fn waiting(&self) -> usize {
        self.outbox
            .iter()
            .filter(|(state, _)| state.is_waiting())
            .map(|(_, n)| *n as usize)
            .sum()
    }
}

/// One sample of the page: its metric's name, its labels and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Gauge {
    /// The metric's name, `creditwatch_...`.
    pub name: &'static str,
    /// Its labels, in the page's order.
    pub labels: Vec<(&'static str, String)>,
    /// Its value.
    pub value: f64,
}

/// Renders the page from a snapshot and the counts.
pub fn render(snapshot: &Snapshot, counts: &Counts) -> String {
    let mut out = String::new();
    for f in &families(snapshot, counts) {
        f.write(&mut out);
    }
    out
}

/// Every sample the page shows, for pushing them elsewhere (remote write).
pub(crate) fn gauges(snapshot: &Snapshot, counts: &Counts) -> Vec<Gauge> {
    families(snapshot, counts)
        .into_iter()
        .flat_map(|f| {
            f.samples.into_iter().map(move |(labels, value)| Gauge {
                name: f.name,
                labels,
                value,
            })
        })
        .collect()
}

fn families(snapshot: &Snapshot, counts: &Counts) -> Vec<Family> {
    let mut families = pools::families(&snapshot.accounts);
    families.extend(state_families(counts));
    families
}

fn state_families(counts: &Counts) -> Vec<Family> {
    let mut alerts = Family::new(names::ALERTS);
    for state in [AlertState::Pending, AlertState::Firing] {
        let n = counts.alerts.iter().filter(|a| a.state == state).count();
        alerts.add(&[("state", state.as_str())], Some(n as f64));
    }
    let mut firing = Family::new(names::ALERT_FIRING);
    for a in counts
        .alerts
        .iter()
        .filter(|a| a.state == AlertState::Firing)
    {
        let l = [
            ("rule", a.rule.as_str()),
            ("key", a.key.as_str()),
            ("severity", a.severity.as_str()),
        ];
        firing.add(&l, Some(1.0));
    }
    let mut outbox = Family::new(names::OUTBOX);
    for state in OutboxState::ALL {
        let n = counts
            .outbox
            .iter()
            .find(|(s, _)| *s == state)
            .map_or(0, |(_, n)| *n);
        outbox.add(&[("state", state.as_str())], Some(n as f64));
    }
    let mut cycle = Family::new(names::LAST_CYCLE_SECONDS);
    cycle.add(&[], Some(counts.now as f64));
    vec![alerts, firing, outbox, cycle]
}

#[cfg(test)]
mod tests;
