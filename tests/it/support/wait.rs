//! Waiting for an event in another process (a file appearing, a row changing, a cycle
//! done), never for a stretch of time.

use std::time::{Duration, Instant};

/// Checks `done` every 20 ms until it holds; fails the test after `limit`.
pub fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Cycles the daemon under `home` (`CREDITWATCH_HOME`) has reported in `daemon.json`.
pub fn cycles(home: &std::path::Path) -> u64 {
    state(home)["cycles"].as_u64().unwrap_or(0)
}

/// Cycles the daemon with process id `pid` has reported (0 while the file names another).
pub fn cycles_of(home: &std::path::Path, pid: u32) -> u64 {
    let s = state(home);
    match s["pid"].as_u64() == Some(u64::from(pid)) {
        true => s["cycles"].as_u64().unwrap_or(0),
        false => 0,
    }
}

/// What the daemon under `home` last wrote in `daemon.json` (null when nothing yet).
pub fn state(home: &std::path::Path) -> serde_json::Value {
    std::fs::read(home.join("data/daemon.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}
