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
    std::fs::read(home.join("data/daemon.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v["cycles"].as_u64())
        .unwrap_or(0)
}
