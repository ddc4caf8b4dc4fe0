//! Rule evaluation benchmark: 50 typical rules (the six examples, repeated) against one
//! snapshot, a fresh sandboxed state per rule, as every cycle does.
//!
//! ```text
//! cargo bench --bench rules
//! ```
//!
//! Reports the whole cycle's evaluation time (median and slowest of 200 runs), the cost per
//! rule, and the memory one rule's state holds (snapshot, `cw` and the rule's own data).

use creditwatch::rule::{self, Input, NoHistory, Rule};
use jiff::tz::TimeZone;
use std::time::{Duration, Instant};

const RULES: usize = 50;
const RUNS: usize = 200;

#[path = "common/busy.rs"]
mod busy;

/// The busy fixture, widened to a heavy user's size: 4 apps, 30 projects and 6 models each.
fn snapshot() -> serde_json::Value {
    busy::widened()
}

fn rules(tz: &TimeZone, now: i64) -> Vec<Rule> {
    let examples = rule::examples::EXAMPLES;
    (0..RULES)
        .map(|i| {
            let (file, text) = examples[i % examples.len()];
            let name = format!("{}-{i}", file.trim_end_matches(".lua"));
            rule::compile(&name, &format!("{name}.lua"), text, tz, now).unwrap()
        })
        .collect()
}

fn main() {
    let tz = TimeZone::get("Europe/Paris").unwrap();
    let snap = snapshot();
    let now = snap["now"].as_i64().unwrap();
    let rules = rules(&tz, now);
    let input = Input::new(&snap, &NoHistory, &tz);
    let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
    let mut memory = Vec::new();
    let mut fired = 0;
    for run in 0..RUNS {
        let started = Instant::now();
        for r in &rules {
            let (result, used) = rule::evaluate_measured(r, &input);
            let alerts = result.unwrap();
            if run == 0 {
                fired += alerts.len();
                memory.push(used);
            }
        }
        times.push(started.elapsed());
    }
    times.sort();
    let median = times[RUNS / 2];
    let worst = times[RUNS - 1];
    memory.sort_unstable();
    let kib = |b: usize| b as f64 / 1024.0;
    println!(
        "{RULES} rules, {fired} alerts, snapshot of {} bytes as JSON",
        snap.to_string().len()
    );
    println!(
        "cycle: median {:.2} ms, slowest {:.2} ms; per rule {:.0} us",
        median.as_secs_f64() * 1e3,
        worst.as_secs_f64() * 1e3,
        median.as_secs_f64() * 1e6 / RULES as f64
    );
    println!(
        "memory per state: median {:.0} KiB, largest {:.0} KiB",
        kib(memory[memory.len() / 2]),
        kib(memory[memory.len() - 1])
    );
}
