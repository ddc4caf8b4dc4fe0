//! Dashboard page benchmark: what rendering the page costs the daemon after each cycle, and
//! how much it weighs.
//!
//! ```text
//! cargo bench --bench page
//! ```
//!
//! The store holds 28 days of 5-minute samples of the credit balance (8,064); the snapshot
//! is the busy fixture widened to 4 apps of 6 models and 30 projects. Each run reads the
//! week the chart shows, the alerts and the outbox, and renders the page, as the daemon does; reports the median and
//! slowest of 200 runs and the page's size.

use creditwatch::snapshot::Snapshot;
use creditwatch::store::{Sample, Store};
use creditwatch::web::page::{Input, render};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

#[path = "common/busy.rs"]
mod busy;

const RUNS: usize = 200;

fn main() {
    let snapshot: Snapshot = serde_json::from_value(busy::widened()).unwrap();
    let now = snapshot.now;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("bench.db")).unwrap();
    store
        .atomically(|s| {
            for i in 0..28 * 288 {
                let t = now - i * 300;
                let v = 20.0 + (i as f64 / 288.0) * 5.0 + (i % 7) as f64 * 0.01;
                s.record_sample("default", "credits.balance_usd", Sample { t, v }, "bench")?;
            }
            Ok(())
        })
        .unwrap();
    let tz = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
    let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
    let mut size = 0;
    for _ in 0..RUNS {
        let started = Instant::now();
        let (alerts, outbox) = (store.alerts().unwrap(), store.outbox_counts().unwrap());
        let counts = creditwatch::metrics::Counts {
            alerts: &alerts,
            outbox: &outbox,
            now,
        };
        let week = store
            .history("default", "credits.balance_usd", now - 7 * 86_400, now)
            .unwrap();
        let credits = BTreeMap::from([("default".to_string(), week)]);
        let page = render(&Input {
            snapshot: &snapshot,
            credits: &credits,
            alerts: counts.alerts,
            rule_errors: &[],
            outbox_waiting: counts.waiting(),
            tz: &tz,
        });
        times.push(started.elapsed());
        size = page.len();
    }
    times.sort();
    println!(
        "page: {size} bytes ({:.1} KB); reading the week, the alerts and the outbox, and rendering: median {:.2} ms, slowest {:.2} ms of {RUNS}",
        size as f64 / 1024.0,
        times[RUNS / 2].as_secs_f64() * 1e3,
        times[RUNS - 1].as_secs_f64() * 1e3
    );
}
