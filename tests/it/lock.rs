//! One daemon per user: a second `run` says who is running and exits 0; after a kill -9 a
//! new one starts at once.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn run(home: &Path) -> Command {
    let mut cmd = crate::support::bin::creditwatch(home, home);
    cmd.arg("run").stdout(Stdio::piped()).stderr(Stdio::null());
    cmd
}

/// Waits until the lock file names `child` (it holds the lock), checking every 20 ms.
fn holds(home: &Path, child: &Child) {
    let file = home.join("data/creditwatch.pid");
    let start = Instant::now();
    while std::fs::read_to_string(&file)
        .map(|t| t.trim().to_string())
        .ok()
        != Some(child.id().to_string())
    {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the daemon did not take the lock"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_second_run_exits_0_and_a_killed_one_leaves_no_stale_lock() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    std::fs::write(home.join("config.toml"), "[sources.claude_code_logs]\nroots = []\n[sources.claude_oauth]\nenabled = false\n[notify.desktop]\nenabled = false\n").unwrap();
    let mut first = run(home).spawn().unwrap();
    holds(home, &first);
    let second = run(home).output().unwrap();
    assert_eq!(second.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&second.stdout).trim(),
        format!("creditwatch: already running (pid {})", first.id())
    );

    first.kill().unwrap(); // SIGKILL: no chance to clean up
    first.wait().unwrap();
    let mut third = run(home).spawn().unwrap();
    holds(home, &third);
    unsafe { libc::kill(third.id() as i32, libc::SIGTERM) };
    assert_eq!(third.wait().unwrap().code(), Some(0));
}

#[test]
fn run_detach_leaves_the_terminal_and_keeps_running_until_stop() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    std::fs::write(home.join("config.toml"), "[sources.claude_code_logs]\nroots = []\n[sources.claude_oauth]\nenabled = false\n[notify.desktop]\nenabled = false\n").unwrap();
    let parent = run(home).arg("--detach").spawn().unwrap();
    let parent_pid = parent.id();
    let out = parent.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("running in the background"), "{said}");
    assert!(said.contains("Stop it with `creditwatch stop`"), "{said}");
    let lock = home.join("data/creditwatch.pid");
    let start = Instant::now();
    let pid = loop {
        match creditwatch::daemon::lock::holder(&lock) {
            // The parent looked at the lock first; its pid may still be in the file.
            Some(pid) if pid != 0 && pid != parent_pid => break pid,
            _ => {}
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no daemon took the lock"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    // It is a different process from the one that returned, and `status` sees it.
    let status = Command::new(env!("CARGO_BIN_EXE_creditwatch"))
        .args(["status", "--json"])
        .env("CREDITWATCH_HOME", home)
        .output()
        .unwrap();
    assert_eq!(status.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(json["daemon"]["pid"], pid);
    // `stop` returns once it is gone, and a second one finds nothing to stop.
    let stop = || {
        crate::support::bin::creditwatch(home, home)
            .arg("stop")
            .output()
            .unwrap()
    };
    let stopped = stop();
    assert_eq!(stopped.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&stopped.stdout).trim(),
        format!("Stopped creditwatch (pid {pid}).")
    );
    assert_eq!(
        creditwatch::daemon::lock::holder(&lock),
        None,
        "still running"
    );
    // SAFETY: signal 0 only asks whether the process exists.
    assert_ne!(
        unsafe { libc::kill(pid as i32, 0) },
        0,
        "the process is gone"
    );
    let again = stop();
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&again.stdout).trim(),
        "creditwatch is not running."
    );
    assert!(home.join("logs/creditwatch.log").exists());
}

#[test]
fn status_reads_a_running_degraded_daemon_and_exits_3_once_it_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    std::fs::write(
        home.join("config.toml"),
        "[notify.desktop]\nenabled = maybe\n",
    )
    .unwrap();
    let status = |json: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_creditwatch"));
        cmd.arg("status").env("CREDITWATCH_HOME", home);
        if json {
            cmd.arg("--json");
        }
        cmd.output().unwrap()
    };
    let mut daemon = run(home).spawn().unwrap();
    let start = Instant::now();
    let json = loop {
        let out = status(true);
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        if json["daemon"]["degraded"].is_string() {
            assert_eq!(out.status.code(), Some(0));
            break json;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "{json}");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(json["daemon"]["pid"], daemon.id());
    assert!(
        json["daemon"]["degraded"]
            .as_str()
            .unwrap()
            .contains("config.toml:2"),
        "{json}"
    );
    let text = String::from_utf8(status(false).stdout).unwrap();
    assert!(
        text.starts_with(&format!("creditwatch is running (pid {}", daemon.id())),
        "{text}"
    );
    assert!(text.contains("Waiting for this to be fixed: "), "{text}");

    unsafe { libc::kill(daemon.id() as i32, libc::SIGTERM) };
    assert_eq!(
        daemon.wait().unwrap().code(),
        Some(0),
        "a degraded daemon stops cleanly"
    );
    let out = status(false);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("creditwatch is not running"));
}
