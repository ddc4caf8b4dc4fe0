//! What the running daemon says about itself, for `creditwatch status`: its pid, when it
//! started, whether it is waiting on a broken config, its last cycle, and where it serves.
//!
//! The daemon rewrites the file after every cycle, through a temporary file and a rename,
//! so a reader never sees half of it. Whether the daemon is alive is not taken from this
//! file (a kill -9 leaves it behind) but from the lock ([`super::lock::holder`]).

use serde::{Deserialize, Serialize};
use std::path::Path;

/// The daemon's own account of itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// The daemon's process id.
    pub pid: u32,
    /// When it started, unix seconds.
    pub started_at: i64,
    /// Seconds between ticks.
    pub tick_s: u64,
    /// The config error it is waiting on, when it cannot start its work.
    pub degraded: Option<String>,
    /// When the last cycle ran, unix seconds.
    pub last_cycle_at: Option<i64>,
    /// How long the last cycle (and its delivery pass) took, milliseconds.
    pub last_cycle_ms: Option<u64>,
    /// Cycles since it started.
    pub cycles: u64,
    /// Steps that crashed since it started (bugs: each was logged).
    #[serde(default)]
    pub crashes: u64,
    /// What the last crash was.
    #[serde(default)]
    pub last_crash: Option<String>,
    /// How the push to a team's Prometheus is doing, when it is on.
    #[serde(default)]
    pub remote_write: Option<crate::remote_write::Health>,
    /// Where the web server serves, and why it does not where it was asked to.
    #[serde(default)]
    pub web: Serving,
}

/// Where the daemon's web server listens, for `status` and `creditwatch dashboard` (which
/// opens the address the daemon really holds, never one another program may have taken).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Serving {
    /// The address serving the dashboard.
    pub dashboard: Option<std::net::SocketAddr>,
    /// The address serving `/metrics`.
    pub metrics: Option<std::net::SocketAddr>,
    /// Why an address asked for is not served (taken, not allowed, or no token).
    pub errors: Vec<String>,
}

impl State {
    /// Writes the state to `path` atomically; a failure is logged, never fatal, since the
    /// daemon's work does not depend on it.
    pub fn save(&self, path: &Path) {
        let tmp = path.with_extension("json.tmp");
        if let Some(dir) = path.parent() {
            let _ = crate::private::create_dir(dir);
        }
        let written = serde_json::to_vec_pretty(self)
            .map_err(std::io::Error::other)
            .and_then(|bytes| crate::private::write(&tmp, &bytes))
            .and_then(|()| std::fs::rename(&tmp, path));
        if let Err(e) = written {
            tracing::warn!(file = %path.display(), error = %e, "cannot write the daemon state");
        }
    }

    /// Reads the state the daemon last wrote, if any.
    pub fn load(path: &Path) -> Option<State> {
        let bytes = std::fs::read(path).ok()?;
        serde_json::from_slice(&bytes).ok()
    }
    /// The running daemon's pid (from its lock) and the state it wrote, when that state
    /// names it: a file left by a daemon that died is not the running one's.
    pub(crate) fn of_running(paths: &crate::paths::Paths) -> (Option<u32>, Option<State>) {
        let pid = super::lock::holder(&paths.lock_file());
        let state = State::load(&paths.daemon_state()).filter(|s| Some(s.pid) == pid);
        (pid, state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_state_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("daemon.json");
        let state = State {
            pid: 42,
            started_at: 1_795_190_400,
            tick_s: 15,
            degraded: Some("config.toml:3: unknown key `polll`".into()),
            last_cycle_at: Some(1_795_190_415),
            last_cycle_ms: Some(37),
            cycles: 2,
            crashes: 1,
            last_crash: Some("a cycle crashed".into()),
            remote_write: Some(crate::remote_write::Health {
                pushed: 3,
                waiting: 1,
                dropped: 0,
                last_pushed_at: Some(1_795_190_400),
                last_error: Some("HTTP 503".into()),
            }),
            web: Serving {
                dashboard: Some("127.0.0.1:7879".parse().unwrap()),
                metrics: None,
                errors: vec!["cannot listen on 127.0.0.1:9464".into()],
            },
        };
        state.save(&path);
        assert_eq!(State::load(&path), Some(state));
        assert!(!dir.path().join("daemon.json.tmp").exists());
    }
}
