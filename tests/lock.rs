//! One daemon per user: a second `run` says who is running and exits 0; after a kill -9 a
//! new one starts at once.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn run(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_creditwatch"));
    cmd.arg("run")
        .env("CREDITWATCH_HOME", home)
        .env("HOME", home)
        .env_remove("CLAUDE_CONFIG_DIR")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
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
