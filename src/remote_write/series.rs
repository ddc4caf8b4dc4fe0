//! What one push carries: every gauge of `/metrics`, and per (app, model) the spend and
//! tokens counters, each labelled with whose pools they are (`account`), this machine
//! (`instance`), `job = "creditwatch"` and the configured labels.
//!
//! The `account` label is the account's name to a team (its Claude email address once the
//! profile has said it), so a person's machines add up and people stay apart.

use super::encode::Series;
use crate::metrics::{Counts, Gauge};
use crate::snapshot::Snapshot;
use crate::store::{Store, StoreError};
use std::collections::BTreeMap;

/// The labels every series of this machine carries besides its own.
pub struct Identity {
    /// The `instance` label: this machine's host name.
    pub instance: String,
    /// The configured extra labels.
    pub extra: BTreeMap<String, String>,
}

/// Every series of one push at `now`.
pub fn collect(
    store: &Store,
    snapshot: &Snapshot,
    counts: &Counts,
    who: &Identity,
    now: i64,
) -> Result<Vec<Series>, StoreError> {
    let names: BTreeMap<&str, String> = snapshot
        .accounts
        .keys()
        .map(|a| (a.as_str(), store.account_label(a)))
        .collect();
    // The daemon's own gauges (alerts, outbox, last cycle) are its main account's.
    let main = names
        .get(snapshot.account.as_str())
        .cloned()
        .unwrap_or_else(|| store.account_label(&snapshot.account));
    let mut out: Vec<Series> = crate::metrics::gauges(snapshot, counts)
        .into_iter()
        .map(|g| series(g, &names, &main, who))
        .collect();
    for (account, label) in &names {
        for t in store.spend_totals(account, now)? {
            let pairs = [("app", t.app.as_str()), ("model", t.model.as_str())];
            out.push(counter(
                crate::metrics::names::SPEND_USD_TOTAL.name,
                &pairs,
                label,
                who,
                t.cost_usd,
            ));
            let kinds = [
                ("input", t.tokens.input),
                ("output", t.tokens.output),
                ("cache_read", t.tokens.cache_read),
                (
                    "cache_write",
                    t.tokens.cache_write_5m + t.tokens.cache_write_1h,
                ),
            ];
            for (kind, n) in kinds {
                let pairs = [pairs[0], pairs[1], ("type", kind)];
                out.push(counter(
                    crate::metrics::names::TOKENS_TOTAL.name,
                    &pairs,
                    label,
                    who,
                    n as f64,
                ));
            }
        }
    }
    Ok(out)
}

/// A gauge of the page, its `account` label replaced by the account's name to a team (or
/// `main` when it has none).
fn series(g: Gauge, names: &BTreeMap<&str, String>, main: &str, who: &Identity) -> Series {
    let mut labels: BTreeMap<String, String> = g
        .labels
        .into_iter()
        .map(|(k, v)| match k {
            "account" => (k.to_string(), names.get(v.as_str()).cloned().unwrap_or(v)),
            _ => (k.to_string(), v),
        })
        .collect();
    labels
        .entry("account".into())
        .or_insert_with(|| main.to_string());
    finish(&mut labels, g.name, who);
    Series {
        labels: labels.into_iter().collect(),
        value: g.value,
    }
}

fn counter(
    name: &str,
    pairs: &[(&str, &str)],
    account: &str,
    who: &Identity,
    value: f64,
) -> Series {
    let mut labels: BTreeMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    labels.insert("account".into(), account.to_string());
    finish(&mut labels, name, who);
    Series {
        labels: labels.into_iter().collect(),
        value,
    }
}

/// Adds the name, this machine's labels and the configured ones; a label the series has
/// already keeps its value.
fn finish(labels: &mut BTreeMap<String, String>, name: &str, who: &Identity) {
    labels.insert("__name__".into(), name.to_string());
    labels.insert("instance".into(), who.instance.clone());
    labels.insert("job".into(), "creditwatch".into());
    for (k, v) in &who.extra {
        labels.entry(k.clone()).or_insert_with(|| v.clone());
    }
}
