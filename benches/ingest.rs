//! Ingestion and status line benchmarks (a bench binary: it reports CPU time and peak
//! memory, which criterion does not).
//!
//! ```text
//! python3 benches/gen_corpus.py --out /tmp/c500 --size-mb 500
//! cargo bench --bench ingest -- /tmp/c500/projects
//! ```
//!
//! Reports: the full first ingestion (MB per CPU-second and peak RSS, measured in a child
//! process so nothing else counts), an idle poll on the corpus and on a 2,000-file tree,
//! polls after 1 MB and 4 MB were appended, and `creditwatch statusline` end to end.

use creditwatch::config::Config;
use creditwatch::source::claude_code_logs::LogSource;
use creditwatch::store::Store;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn source_for(root: &Path) -> LogSource {
    let text = format!(
        "[sources.claude_code_logs]\nroots = [{:?}]\n",
        root.display().to_string()
    );
    let config = Config::parse(Path::new("bench.toml"), &text).unwrap();
    LogSource::build(&config, &config.accounts[0])
}

// `tv_usec` is an i64 on Linux and an i32 on macOS: one `as` serves both.
#[allow(clippy::cast_lossless)]
fn rusage() -> (f64, u64) {
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage fills the struct it is given.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &raw mut u) };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    let maxrss_kib = u.ru_maxrss as u64;
    (secs(u.ru_utime) + secs(u.ru_stime), maxrss_kib)
}

fn tree_bytes(root: &Path) -> (u64, usize) {
    let (mut bytes, mut files) = (0, 0);
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let m = e.metadata().unwrap();
            if m.is_dir() {
                stack.push(e.path());
            } else if e.path().extension().is_some_and(|x| x == "jsonl") {
                bytes += m.len();
                files += 1;
            }
        }
    }
    (bytes, files)
}

/// The child: one full ingestion, printing CPU seconds and peak RSS.
fn full_ingest(root: &Path, db: &Path) {
    let mut store = Store::open(db).unwrap();
    let mut source = source_for(root);
    let (cpu0, _) = rusage();
    let poll = source
        .poll(&mut store, jiff::Timestamp::now().as_second())
        .unwrap();
    let (cpu1, maxrss) = rusage();
    println!(
        "{} {} {} {}",
        cpu1 - cpu0,
        maxrss,
        poll.bytes,
        poll.responses
    );
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn idle_polls(store: &mut Store, source: &mut LogSource, n: usize) -> Duration {
    source
        .poll(store, jiff::Timestamp::now().as_second())
        .unwrap();
    median(
        (0..n)
            .map(|_| {
                let t = Instant::now();
                let p = source
                    .poll(store, jiff::Timestamp::now().as_second())
                    .unwrap();
                assert_eq!(p.files_read, 0);
                t.elapsed()
            })
            .collect(),
    )
}

/// Appends about `bytes` of new transcript lines (one billed response per ~4 KiB).
fn append(file: &Path, bytes: usize, tag: &str) {
    let filler = "x".repeat(3800);
    let mut text = String::new();
    let mut i = 0;
    while text.len() < bytes {
        text.push_str(&format!(
            r#"{{"type":"assistant","timestamp":"2026-11-01T10:00:00.000Z","requestId":"req_{tag}_{i}","message":{{"id":"msg_{tag}_{i}","model":"claude-sonnet-4-5-20250929","usage":{{"input_tokens":10,"output_tokens":200,"cache_read_input_tokens":30000}}}}}}"#
        ));
        text.push('\n');
        text.push_str(&format!(
            r#"{{"type":"user","message":{{"role":"user","content":"{filler}"}}}}"#
        ));
        text.push('\n');
        i += 1;
    }
    std::fs::OpenOptions::new()
        .append(true)
        .open(file)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
}

fn statusline_median(home: &Path) -> Duration {
    let input = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/claude-code/statusline.json"
    ))
    .unwrap();
    let runs: Vec<Duration> = (0..60)
        .map(|_| {
            let t = Instant::now();
            let mut child = Command::new(env!("CARGO_BIN_EXE_creditwatch"))
                .arg("statusline")
                .env("CREDITWATCH_HOME", home)
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .spawn()
                .unwrap();
            child.stdin.take().unwrap().write_all(&input).unwrap();
            assert!(child.wait().unwrap().success());
            t.elapsed()
        })
        .collect();
    median(runs[10..].to_vec())
}

fn many_files_tree(dir: &Path, files: usize) -> PathBuf {
    let root = dir.join("projects");
    for i in 0..files {
        let project = root.join(format!("-home-dev-p{}", i % 40));
        std::fs::create_dir_all(&project).unwrap();
        append_new(&project.join(format!("s{i}.jsonl")), &format!("f{i}"));
    }
    root
}

fn append_new(file: &Path, tag: &str) {
    std::fs::File::create(file).unwrap();
    append(file, 8 * 1024, tag);
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if args.first().map(String::as_str) == Some("--child-full") {
        full_ingest(Path::new(&args[1]), Path::new(&args[2]));
        return;
    }
    let Some(corpus) = args.first().map(PathBuf::from) else {
        eprintln!("usage: cargo bench --bench ingest -- <corpus>/projects");
        return;
    };
    let scratch = tempfile::tempdir().unwrap();
    let (bytes, files) = tree_bytes(&corpus);
    println!(
        "corpus: {} ({:.0} MB in {files} files)",
        corpus.display(),
        bytes as f64 / 1e6
    );

    // Five fresh ingestions, each in its own process on a new database; the median counts.
    let mut runs: Vec<Vec<f64>> = (0..5)
        .map(|i| {
            let db = scratch.path().join(format!("bench{i}.db"));
            let out = Command::new(std::env::current_exe().unwrap())
                .args([
                    "--child-full",
                    corpus.to_str().unwrap(),
                    db.to_str().unwrap(),
                ])
                .output()
                .unwrap();
            let text = String::from_utf8(out.stdout).unwrap();
            text.split_whitespace()
                .map(|v| v.parse().unwrap())
                .collect()
        })
        .collect();
    runs.sort_by(|a, b| a[0].total_cmp(&b[0]));
    let cpu: Vec<String> = runs.iter().map(|r| format!("{:.2}", r[0])).collect();
    let f = &runs[2];
    let peak = runs.iter().map(|r| r[1]).fold(0.0, f64::max);
    println!(
        "full ingestion: median {:.2} CPU-s of [{}], {:.0} MB per CPU-second, peak RSS {:.1} MiB, {} responses",
        f[0],
        cpu.join(", "),
        f[2] / 1e6 / f[0],
        peak / 1024.0,
        f[3]
    );
    let db = scratch.path().join("bench0.db");

    let mut store = Store::open(&db).unwrap();
    let mut source = source_for(&corpus);
    println!(
        "idle poll, corpus ({files} files): {:?} median of 20",
        idle_polls(&mut store, &mut source, 20)
    );

    // A scratch transcript under the corpus, so the corpus itself is left as it was.
    let scratch_project = corpus.join("-creditwatch-bench-append");
    std::fs::create_dir_all(&scratch_project).unwrap();
    let target = scratch_project.join("append.jsonl");
    std::fs::File::create(&target).unwrap();
    source
        .poll(&mut store, jiff::Timestamp::now().as_second())
        .unwrap();
    for (mb, tag) in [(1, "a1"), (4, "a4")] {
        append(&target, mb << 20, tag);
        let t = Instant::now();
        let p = source
            .poll(&mut store, jiff::Timestamp::now().as_second())
            .unwrap();
        println!(
            "poll after {mb} MB appended: {:?} ({} bytes read, {} responses)",
            t.elapsed(),
            p.bytes,
            p.responses
        );
    }

    std::fs::remove_dir_all(&scratch_project).unwrap();

    let tree = many_files_tree(scratch.path(), 2000);
    let mut small_store = Store::open(&scratch.path().join("small.db")).unwrap();
    let mut small = source_for(&tree);
    println!(
        "idle poll, 2000-file tree: {:?} median of 20",
        idle_polls(&mut small_store, &mut small, 20)
    );

    drop(store);
    let home = scratch.path().join("cw");
    std::fs::create_dir_all(home.join("data")).unwrap();
    std::fs::copy(&db, home.join("data/creditwatch.db")).unwrap();
    println!(
        "creditwatch statusline: {:?} median of 50 runs",
        statusline_median(&home)
    );
}
