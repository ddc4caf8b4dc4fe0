//! Incremental ingestion against real files and a real SQLite store.

use super::*;
use crate::config::Config;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;

/// 2026-11-20T16:00:00Z: the files the tests write are newer, so never quiet.
const NOW: i64 = 1_795_190_400;

struct Fixture {
    dir: tempfile::TempDir,
    store: Store,
    source: LogSource,
}

fn config_for(root: &Path) -> Config {
    config_with(root, "")
}

/// A config reading `root`, with `extra` TOML appended.
fn config_with(root: &Path, extra: &str) -> Config {
    let roots = format!(
        "[sources.claude_code_logs]\nroots = [{:?}]\n",
        root.display().to_string()
    );
    Config::parse(Path::new("test.toml"), &(roots + extra)).unwrap()
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("projects");
        fs::create_dir_all(root.join("-home-ana-app")).unwrap();
        let store = Store::open(&dir.path().join("db.sqlite")).unwrap();
        let source = {
            let c = config_for(&root);
            LogSource::build(&c, &c.accounts[0])
        };
        Fixture { dir, store, source }
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join("projects/-home-ana-app").join(name)
    }

    fn append(&self, name: &str, text: &str) {
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.file(name))
            .unwrap();
        f.write_all(text.as_bytes()).unwrap();
    }

    fn poll(&mut self) -> LogPoll {
        self.poll_at(NOW)
    }

    /// A poll at `now`, unix seconds.
    fn poll_at(&mut self, now: i64) -> LogPoll {
        self.source.poll(&mut self.store, now).unwrap()
    }

    fn total(&self) -> (u64, f64) {
        let b = self
            .store
            .spend_buckets("default", i64::MIN, i64::MAX, 86_400)
            .unwrap();
        (
            b.iter().map(|b| b.entries).sum(),
            b.iter().map(|b| b.cost_usd).sum(),
        )
    }

    /// Reopens the store and rebuilds the source, as a restarted process would.
    fn restart(&mut self) {
        let root = self.dir.path().join("projects");
        self.store = Store::open(&self.dir.path().join("db.sqlite")).unwrap();
        self.source = {
            let c = config_for(&root);
            LogSource::build(&c, &c.accounts[0])
        };
    }
}

/// A billed Opus 4.6 response costing `input` * $5 / MTok + `output` * $25 / MTok.
fn line(msg: &str, input: u64, output: u64) -> String {
    format!(
        r#"{{"type":"assistant","timestamp":"2026-11-20T10:00:00.000Z","requestId":"req_{msg}","message":{{"id":"msg_{msg}","model":"claude-opus-4-6","content":[{{"type":"text","text":"hi"}}],"usage":{{"input_tokens":{input},"output_tokens":{output}}}}}}}"#
    ) + "\n"
}

fn usd(input: u64, output: u64) -> f64 {
    (input as f64 * 5.0 + output as f64 * 25.0) / 1e6
}

fn assert_total(f: &Fixture, entries: u64, cost: f64) {
    let (n, c) = f.total();
    assert_eq!(n, entries);
    assert!((c - cost).abs() < 1e-9, "{c} != {cost}");
}

#[test]
fn a_poll_reads_only_what_was_appended() {
    let mut f = Fixture::new();
    f.append("a.jsonl", &line("1", 1000, 100));
    let first = f.poll();
    assert_eq!((first.files, first.files_read, first.responses), (1, 1, 1));
    let size = fs::metadata(f.file("a.jsonl")).unwrap().len();
    assert_eq!(first.bytes, size);

    let idle = f.poll();
    assert_eq!(
        (idle.files_read, idle.bytes),
        (0, 0),
        "nothing new, nothing read"
    );

    let extra = line("2", 2000, 200);
    f.append("a.jsonl", &extra);
    let second = f.poll();
    assert_eq!(
        second.bytes,
        extra.len() as u64,
        "only the appended bytes are read"
    );
    assert_total(&f, 2, usd(3000, 300));
}

#[test]
fn a_partial_last_line_waits_for_its_newline() {
    let mut f = Fixture::new();
    let full = line("1", 1000, 100);
    let (head, tail) = full.split_at(60);
    f.append("a.jsonl", head);
    assert_eq!(f.poll().responses, 0);
    assert_eq!(f.store.log_totals().unwrap().partial_lines, 1);
    assert_total(&f, 0, 0.0);
    f.append("a.jsonl", tail);
    assert_eq!(f.poll().responses, 1);
    assert_eq!(f.store.log_totals().unwrap().partial_lines, 0);
    assert_eq!(f.store.log_totals().unwrap().malformed_lines, 0);
    assert_total(&f, 1, usd(1000, 100));
}

#[test]
fn a_truncated_and_rewritten_file_is_not_counted_twice() {
    let mut f = Fixture::new();
    f.append("a.jsonl", &(line("1", 1000, 100) + &line("2", 1000, 100)));
    f.poll();
    // Rewritten shorter (the same first response, then a new one).
    fs::write(f.file("a.jsonl"), line("1", 1000, 100)).unwrap();
    let p = f.poll();
    assert!(p.files_read == 1);
    assert_total(&f, 2, usd(2000, 200));
    f.append("a.jsonl", &line("3", 10, 0));
    f.poll();
    assert_total(&f, 3, usd(2010, 200));
}

#[test]
fn a_file_rewritten_in_place_with_the_same_length_is_read_again() {
    let mut f = Fixture::new();
    f.append("a.jsonl", &line("1", 1000, 100));
    f.poll();
    // Same length, different content, longer afterwards: the head no longer matches.
    fs::write(f.file("a.jsonl"), line("9", 1000, 100) + &line("8", 1, 0)).unwrap();
    let p = f.poll();
    assert_eq!(p.responses, 2);
    assert_total(&f, 3, usd(2001, 200));
}

#[test]
fn a_replaced_file_is_read_from_the_start_without_double_counting() {
    let mut f = Fixture::new();
    f.append("a.jsonl", &line("1", 1000, 100));
    f.poll();
    // Editors and log rotation replace by rename: a new inode with old and new content.
    let tmp = f.dir.path().join("new.jsonl");
    fs::write(&tmp, line("1", 1000, 100) + &line("2", 500, 50)).unwrap();
    fs::rename(&tmp, f.file("a.jsonl")).unwrap();
    f.poll();
    assert_total(&f, 2, usd(1500, 150));
}

#[test]
fn offsets_and_dedupe_keys_survive_a_restart() {
    let mut f = Fixture::new();
    f.append("a.jsonl", &line("1", 1000, 100));
    f.poll();
    f.restart();
    assert_eq!(f.poll().files_read, 0, "a restart does not re-read");
    // A resumed session replays the response in a new file.
    f.append("b.jsonl", &(line("1", 1000, 100) + &line("2", 1, 1)));
    f.poll();
    assert_total(&f, 2, usd(1001, 101));
}

#[test]
fn dedupe_keeps_the_copy_with_more_tokens() {
    let mut f = Fixture::new();
    f.append(
        "a.jsonl",
        &(line("1", 1000, 5) + &line("1", 1000, 900) + &line("1", 1000, 7)),
    );
    f.poll();
    assert_total(&f, 1, usd(1000, 900));
    // A later, larger streaming copy in another file replaces it; a smaller one does not.
    f.append("b.jsonl", &(line("1", 1000, 1000) + &line("1", 1, 1)));
    f.poll();
    assert_total(&f, 1, usd(1000, 1000));
}

#[test]
fn malformed_lines_are_counted_and_skipped() {
    let mut f = Fixture::new();
    let broken = "{\"type\":\"assistant\",\"message\":{\"usage\":{\"input_tokens\":5,\n";
    f.append(
        "a.jsonl",
        &(line("1", 1, 0) + broken + "plain text\n" + &line("2", 2, 0)),
    );
    let p = f.poll();
    assert_eq!(
        (p.responses, p.malformed),
        (2, 1),
        "a line without usage is not examined"
    );
    assert_eq!(f.store.log_totals().unwrap().malformed_lines, 1);
    f.restart();
    f.poll();
    assert_eq!(
        f.store.log_totals().unwrap().malformed_lines,
        1,
        "not counted again"
    );
}

#[test]
fn unknown_models_keep_their_tokens_and_get_no_cost() {
    let mut f = Fixture::new();
    f.append(
        "a.jsonl",
        &line("1", 1000, 100).replace("claude-opus-4-6", "claude-mystery-9"),
    );
    f.poll();
    let b = f
        .store
        .spend_buckets("default", i64::MIN, i64::MAX, 86_400)
        .unwrap();
    assert_eq!(b[0].unpriced_tokens, 1100);
    assert_eq!(b[0].priced, 0);
    assert_eq!(b[0].cost_usd, 0.0);
}

#[test]
fn a_price_override_reprices_what_is_stored() {
    let mut f = Fixture::new();
    f.append(
        "a.jsonl",
        &line("1", 1_000_000, 0).replace("claude-opus-4-6", "claude-mystery-9"),
    );
    f.poll();
    let root = f.dir.path().join("projects");
    let prices = "[prices.\"claude-mystery-9\"]
input = 2
output = 8
";
    f.source = {
        let c = config_with(&root, prices);
        LogSource::build(&c, &c.accounts[0])
    };
    f.poll();
    assert_total(&f, 1, 2.0);
}

#[cfg(unix)]
#[test]
fn an_unreadable_transcript_is_reported_and_the_others_are_read() {
    use std::os::unix::fs::PermissionsExt;
    let mut f = Fixture::new();
    f.append("a.jsonl", &line("1", 1, 1));
    f.append("b.jsonl", &line("2", 1, 1));
    fs::set_permissions(f.file("a.jsonl"), fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(f.file("a.jsonl")).is_ok() {
        return; // running as a user that ignores permissions: nothing to test
    }
    let p = f.poll();
    assert_eq!(p.responses, 1);
    assert_eq!(p.errors.len(), 1);
    assert!(p.errors[0].contains("a.jsonl"), "{:?}", p.errors);
}

#[test]
fn deleted_transcripts_keep_their_spend() {
    let mut f = Fixture::new();
    f.append("a.jsonl", &line("1", 1000, 100));
    f.poll();
    fs::remove_file(f.file("a.jsonl")).unwrap();
    f.poll();
    assert_eq!(f.store.log_totals().unwrap().files, 0);
    assert_total(&f, 1, usd(1000, 100));
}

mod files;
mod last_lines;
mod places;

#[test]
fn an_interval_is_honoured_and_without_one_every_poll_reads() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("projects");
    fs::create_dir_all(&root).unwrap();
    let every = config_for(&root);
    let source = LogSource::build(&every, &every.accounts[0]);
    assert!(source.due(NOW) && source.due(NOW + 1));
    let spaced = config_with(&root, "interval = \"5m\"\n");
    let mut store = Store::open(&dir.path().join("db.sqlite")).unwrap();
    let mut source = LogSource::build(&spaced, &spaced.accounts[0]);
    assert!(source.due(NOW), "never read: due");
    source.poll(&mut store, NOW).unwrap();
    assert!(!source.due(NOW + 299));
    assert!(source.due(NOW + 300));
    assert!(
        source.due(NOW - 3600),
        "the clock went back: no stall until it catches up"
    );
}

#[test]
fn the_summary_counts_in_words_that_agree() {
    let one = LogPoll {
        files: 1,
        responses: 1,
        malformed: 1,
        unknown: 1,
        ..LogPoll::default()
    };
    assert_eq!(
        one.summary(),
        "1 transcript, 0 changed, 0 B read, 1 response stored, 1 malformed line skipped, 1 line of unknown type skipped"
    );
    let two = LogPoll {
        files: 2,
        responses: 2,
        malformed: 2,
        ..LogPoll::default()
    };
    assert!(
        two.summary().starts_with("2 transcripts"),
        "{}",
        two.summary()
    );
    assert!(
        two.summary()
            .contains("2 responses stored, 2 malformed lines skipped")
    );
}
