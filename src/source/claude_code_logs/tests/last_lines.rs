//! A last line without a newline, and rows stored under the keys of an older version.

use super::*;

/// Sets the file's modification time to `t` (unix seconds).
fn touch(path: &Path, t: i64) {
    let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(t as u64);
    OpenOptions::new()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(when)
        .unwrap();
}

#[test]
fn a_last_line_without_a_newline_counts_once_the_file_is_quiet() {
    let mut f = Fixture::new();
    let last = line("2", 2000, 200);
    f.append("a.jsonl", &(line("1", 1000, 100) + last.trim_end()));
    touch(&f.file("a.jsonl"), NOW - 60);
    assert_eq!(f.poll().responses, 1, "the last line may still be growing");
    assert_eq!(
        f.poll_at(NOW + 530).responses,
        0,
        "quiet for 9m50s: not yet"
    );
    assert_eq!(f.store.log_totals().unwrap().partial_lines, 1);
    let p = f.poll_at(NOW + 540);
    assert_eq!((p.files_read, p.responses), (1, 1), "quiet for 10 minutes");
    assert_eq!(f.store.log_totals().unwrap().partial_lines, 0);
    assert_total(&f, 2, usd(3000, 300));
    // Written on later: its newline first, then new lines; nothing counts twice.
    f.append("a.jsonl", &format!("\n{}", line("3", 10, 1)));
    assert_eq!(f.poll_at(NOW + 600).responses, 1);
    assert_eq!(f.store.log_totals().unwrap().malformed_lines, 0);
    assert_total(&f, 3, usd(3010, 301));
}

#[test]
fn a_half_written_last_line_keeps_waiting() {
    let mut f = Fixture::new();
    let whole = line("1", 1000, 100);
    f.append("a.jsonl", &whole[..whole.len() / 2]);
    touch(&f.file("a.jsonl"), NOW - 3600);
    assert_eq!(f.poll().responses, 0);
    assert_eq!(f.store.log_totals().unwrap().partial_lines, 1);
    assert_eq!(f.store.log_totals().unwrap().malformed_lines, 0);
}

#[test]
fn rows_stored_under_the_old_keys_move_to_the_new_ones_without_counting_twice() {
    let mut f = Fixture::new();
    let parent = r#"{"type":"assistant","timestamp":"2026-11-20T07:00:00.000Z","requestId":"req-parent","message":{"id":"msg-parent","model":"claude-sonnet-4","usage":{"output_tokens":10,"cache_read_input_tokens":20}}}"#;
    let replay = r#"{"type":"assistant","isSidechain":true,"timestamp":"2026-11-20T07:00:05.000Z","requestId":"req-replay","message":{"id":"msg-parent","model":"claude-sonnet-4","usage":{"output_tokens":10,"cache_read_input_tokens":50000}}}"#;
    let text = format!("{parent}\n{replay}\n{}", line("7", 1000, 100));
    f.append("a.jsonl", &text);
    // What a version before migration 10 stored: one row per (message id, requestId).
    let prices = crate::price::PriceTable::bundled();
    let mut w = f.store.writer().unwrap();
    for l in text.lines() {
        let record::Parsed::Billed(r) = record::parse(l.as_bytes()) else {
            panic!("{l}")
        };
        w.upsert(&crate::store::RequestRow {
            key: key::legacy_key(&r).unwrap(),
            legacy_key: None,
            account: "default",
            t: r.t,
            app: &r.app,
            model: &r.model,
            project: "~/app",
            session: "s1",
            tokens: r.tokens,
            cost_usd: prices.cost(&r.model, &r.tokens),
            sidechain: false,
        })
        .unwrap();
    }
    w.commit().unwrap();
    f.store.set_meta(LEGACY_KEYS, "1").unwrap();
    assert_eq!(f.total().0, 3, "the replay was a row of its own");
    f.poll();
    // The parent's copy of the replayed message, and the other response: as if read anew.
    let sonnet = (10.0 * 15.0 + 20.0 * 0.3) / 1e6;
    assert_total(&f, 2, sonnet + usd(1000, 100));
    f.restart();
    f.poll();
    assert_total(&f, 2, sonnet + usd(1000, 100));
}
