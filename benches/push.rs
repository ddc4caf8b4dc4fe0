//! Remote-write benchmark: what one push costs the cycle and how big it is on the wire.
//!
//! ```text
//! python3 benches/gen_corpus.py --out /tmp/c500 --size-mb 500
//! cargo bench --bench push -- /tmp/c500/projects
//! ```
//!
//! The store holds the given transcripts (the test fixtures' when none are given); the
//! snapshot is the busy fixture widened to a heavy user's size (4 apps, 6 models and 30
//! projects each). Reports the series in one push, its size before and after snappy, and
//! the time to make it (reading the spend totals, building the series, encoding and
//! compressing: what the daemon's cycle pays), median and slowest of 200 runs, with the
//! spend-totals query alone beside it.

use creditwatch::config::Config;
use creditwatch::metrics::Counts;
use creditwatch::remote_write::Batch;
use creditwatch::remote_write::series::{Identity, collect};
use creditwatch::snapshot::Snapshot;
use creditwatch::source::claude_code_logs::LogSource;
use creditwatch::store::Store;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const RUNS: usize = 200;

#[path = "common/busy.rs"]
mod busy;

/// The busy fixture with 4 apps of 6 models and 30 projects each, as the rules bench has it.
fn snapshot() -> Snapshot {
    serde_json::from_value(busy::widened()).unwrap()
}

fn ingest(root: &Path, db: &Path) -> Store {
    let text = format!(
        "[sources.claude_code_logs]\nroots = [{:?}]\n",
        root.display().to_string()
    );
    let config = Config::parse(Path::new("bench.toml"), &text).unwrap();
    let mut store = Store::open(db).unwrap();
    let mut source = LogSource::build(&config, &config.accounts[0]);
    source.poll(&mut store, 1_900_000_000).unwrap();
    store
}

fn median_and_worst(mut times: Vec<Duration>) -> (Duration, Duration) {
    times.sort();
    (times[times.len() / 2], times[times.len() - 1])
}

fn main() {
    let root = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map_or_else(
            || {
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("tests/fixtures/claude-code/logs/home/.claude/projects")
            },
            PathBuf::from,
        );
    let dir = tempfile::tempdir().unwrap();
    let store = ingest(&root, &dir.path().join("bench.db"));
    let snap = snapshot();
    let now = snap.now;
    let (alerts, outbox) = (store.alerts().unwrap(), store.outbox_counts().unwrap());
    let counts = Counts {
        alerts: &alerts,
        outbox: &outbox,
        now,
    };
    let who = Identity {
        instance: "laptop.example".into(),
        extra: [("team".to_string(), "platform".to_string())].into(),
    };
    let mut whole = Vec::with_capacity(RUNS);
    let mut query = Vec::with_capacity(RUNS);
    let mut last = None;
    for _ in 0..RUNS {
        let started = Instant::now();
        let series = collect(&store, &snap, &counts, &who, now).unwrap();
        last = Some(Batch::of(&series, now).unwrap());
        whole.push(started.elapsed());
        let started = Instant::now();
        let totals = store.spend_totals("default", now).unwrap();
        query.push(started.elapsed());
        assert!(!totals.is_empty());
    }
    let batch = last.unwrap();
    let responses = store.spend_totals("default", now).unwrap().len();
    let (median, worst) = median_and_worst(whole);
    let (q_median, q_worst) = median_and_worst(query);
    println!(
        "transcripts: {} ({} app-model pairs)",
        root.display(),
        responses
    );
    println!(
        "one push: {} series, {} bytes of protobuf, {} bytes after snappy ({:.1} bytes per series)",
        batch.series,
        batch.raw_bytes,
        batch.body.len(),
        batch.body.len() as f64 / batch.series as f64
    );
    println!(
        "making it: median {:.2} ms, slowest {:.2} ms of {RUNS}; of which the spend totals \
         query: median {:.2} ms, slowest {:.2} ms",
        median.as_secs_f64() * 1e3,
        worst.as_secs_f64() * 1e3,
        q_median.as_secs_f64() * 1e3,
        q_worst.as_secs_f64() * 1e3
    );
    println!(
        "at most {} pushes wait while the receiver is down: {:.1} MB of this size",
        creditwatch::remote_write::queue::MAX_WAITING,
        (creditwatch::remote_write::queue::MAX_WAITING * batch.body.len()) as f64 / 1e6
    );
}
