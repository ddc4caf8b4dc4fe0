//! Files that are not what they seem: FIFOs and devices, links, rewrites that keep their
//! head, and the rule that transcripts are never written.

use super::*;

#[test]
fn transcripts_are_never_written() {
    let mut f = Fixture::new();
    f.append("a.jsonl", &line("1", 1000, 100));
    let before = fs::read(f.file("a.jsonl")).unwrap();
    let mtime = fs::metadata(f.file("a.jsonl")).unwrap().modified().unwrap();
    f.poll();
    f.poll();
    assert_eq!(fs::read(f.file("a.jsonl")).unwrap(), before);
    assert_eq!(
        fs::metadata(f.file("a.jsonl")).unwrap().modified().unwrap(),
        mtime
    );
}

/// Polls on another thread, so a poll that blocks fails the test instead of hanging it.
fn poll_within(f: Fixture, secs: u64) -> (Fixture, LogPoll) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut f = f;
        let p = f.poll();
        let _ = tx.send((f, p));
    });
    rx.recv_timeout(std::time::Duration::from_secs(secs))
        .expect("the poll blocked")
}

#[test]
fn a_fifo_or_a_device_named_jsonl_is_skipped_and_the_rest_is_read() {
    let f = Fixture::new();
    let fifo = f.dir.path().join("pipe");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo reads a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    std::os::unix::fs::symlink(&fifo, f.file("a.jsonl")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", f.file("b.jsonl")).unwrap();
    f.append("c.jsonl", &line("1", 1000, 100));
    let (f, p) = poll_within(f, 10);
    assert_eq!(p.responses, 1);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(p.skipped.len(), 2, "{:?}", p.skipped);
    assert!(p.skipped[0].contains("a.jsonl: a FIFO"), "{:?}", p.skipped);
    assert!(
        p.skipped[1].contains("b.jsonl: a device"),
        "{:?}",
        p.skipped
    );
    assert!(p.summary().contains("skipped"), "{}", p.summary());
    assert_total(&f, 1, usd(1000, 100));
}

#[test]
fn a_rewrite_that_keeps_the_head_and_grows_is_read_again_from_the_start() {
    let mut f = Fixture::new();
    let first: String = (1..=8)
        .map(|i| line(&format!("{i:02}"), 1000, 100))
        .collect();
    f.append("a.jsonl", &first);
    assert_eq!(f.poll().responses, 8);
    // The same first five lines (over 1 KiB), then other responses, 22 in all and longer
    // than before: written in place (same inode), as a tool that rewrites a session would.
    let kept: String = (1..=5)
        .map(|i| line(&format!("{i:02}"), 1000, 100))
        .collect();
    assert!(kept.len() as u64 > tail::HEAD);
    let new: String = (6..=22).map(|i| line(&format!("r{i:02}"), 10, 1)).collect();
    let ino = {
        use std::os::unix::fs::MetadataExt;
        fs::metadata(f.file("a.jsonl")).unwrap().ino()
    };
    fs::write(f.file("a.jsonl"), kept + &new).unwrap();
    assert_eq!(
        std::os::unix::fs::MetadataExt::ino(&fs::metadata(f.file("a.jsonl")).unwrap()),
        ino
    );
    let p = f.poll();
    assert_eq!(p.malformed, 0, "no phantom line from resuming mid-line");
    assert_eq!(f.store.log_totals().unwrap().malformed_lines, 0);
    // The 8 responses read first stay (they were billed); the 17 new ones are all there,
    // and the 5 kept ones are not counted twice.
    assert_total(&f, 8 + 17, usd(8 * 1000 + 17 * 10, 8 * 100 + 17));
    f.append("a.jsonl", &line("r23", 10, 1));
    assert_eq!(
        f.poll().bytes,
        line("r23", 10, 1).len() as u64,
        "appends resume"
    );
}

#[test]
fn linked_project_folders_are_read_and_a_dangling_link_is_only_skipped() {
    let mut f = Fixture::new();
    let elsewhere = f.dir.path().join("elsewhere/-home-ana-api");
    fs::create_dir_all(&elsewhere).unwrap();
    fs::write(elsewhere.join("s.jsonl"), line("7", 10, 10)).unwrap();
    let root = f.dir.path().join("projects");
    std::os::unix::fs::symlink(&elsewhere, root.join("-home-ana-api")).unwrap();
    // A second way to the same folder, a loop, and a link to nothing.
    std::os::unix::fs::symlink(&elsewhere, root.join("again")).unwrap();
    std::os::unix::fs::symlink(&root, f.file("loop")).unwrap();
    std::os::unix::fs::symlink("/nonexistent/x.jsonl", f.file("gone.jsonl")).unwrap();
    f.append("a.jsonl", &line("1", 1, 1));
    let p = f.poll();
    assert_eq!((p.files, p.responses), (2, 2), "{p:?}");
    assert!(
        p.errors.is_empty(),
        "a dangling link is no error: {:?}",
        p.errors
    );
    assert_eq!(p.skipped.len(), 1, "{:?}", p.skipped);
    assert!(
        p.skipped[0].contains("gone.jsonl: a link to nothing"),
        "{:?}",
        p.skipped
    );
    let b = f
        .store
        .spend_buckets("default", i64::MIN, i64::MAX, 86_400)
        .unwrap();
    let mut projects: Vec<&str> = b.iter().map(|b| b.project.as_str()).collect();
    projects.sort_unstable();
    assert_eq!(projects, ["/home/ana/api", "/home/ana/app"]);
}
