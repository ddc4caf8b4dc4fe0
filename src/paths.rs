//! Where creditwatch keeps its files on each platform.
//!
//! `CREDITWATCH_HOME` puts everything (config, rules, data, logs) under one directory, which
//! is what tests and portable installs use. Otherwise macOS keeps config, rules and data in
//! `~/Library/Application Support/creditwatch/` and logs in `~/Library/Logs/creditwatch/`,
//! and Linux follows the XDG base directories (config, data and state).

use std::path::{Path, PathBuf};

/// The directories creditwatch reads and writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// Directory that holds `config.toml` and, by default, the rules folder.
    pub config_dir: PathBuf,
    /// Directory that holds the SQLite database.
    pub data_dir: PathBuf,
    /// Directory for log files written by the daemon.
    pub log_dir: PathBuf,
}

/// The environment variable that puts everything under one directory.
pub const HOME_ENV: &str = "CREDITWATCH_HOME";

impl Paths {
    /// Resolves the directories from the environment of this process.
    pub(crate) fn from_env() -> Paths {
        if let Some(home) = std::env::var_os(HOME_ENV).filter(|v| !v.is_empty()) {
            return Paths::under(Path::new(&home));
        }
        Paths::platform()
    }

    /// Everything under one directory, as `CREDITWATCH_HOME` asks.
    pub fn under(home: &Path) -> Paths {
        Paths {
            config_dir: home.to_path_buf(),
            data_dir: home.join("data"),
            log_dir: home.join("logs"),
        }
    }

    #[cfg(target_os = "macos")]
    fn platform() -> Paths {
        let home = dirs::home_dir().unwrap_or_else(|| PathBuf::from("."));
        let support = home.join("Library/Application Support/creditwatch");
        Paths {
            config_dir: support.clone(),
            data_dir: support,
            log_dir: home.join("Library/Logs/creditwatch"),
        }
    }

    #[cfg(not(target_os = "macos"))]
    fn platform() -> Paths {
        let home = dirs::home_dir().unwrap_or_else(|| PathBuf::from("."));
        let config = dirs::config_dir().unwrap_or_else(|| home.join(".config"));
        let data = dirs::data_dir().unwrap_or_else(|| home.join(".local/share"));
        let state = dirs::state_dir().unwrap_or_else(|| home.join(".local/state"));
        Paths {
            config_dir: config.join("creditwatch"),
            data_dir: data.join("creditwatch"),
            log_dir: state.join("creditwatch"),
        }
    }

    /// The configuration file (which need not exist).
    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }

    /// The default rules folder.
    pub fn rules_dir(&self) -> PathBuf {
        self.config_dir.join("rules")
    }

    /// The daemon's lock file (it holds the running daemon's pid).
    pub fn lock_file(&self) -> PathBuf {
        self.data_dir.join("creditwatch.pid")
    }

    /// What the running daemon says about itself, for `status`.
    pub(crate) fn daemon_state(&self) -> PathBuf {
        self.data_dir.join("daemon.json")
    }

    /// The dashboard's token (mode 0600).
    pub fn dashboard_token(&self) -> PathBuf {
        self.data_dir.join("dashboard.token")
    }

    /// The SQLite database.
    pub fn database(&self) -> PathBuf {
        self.data_dir.join("creditwatch.db")
    }
}

/// Expands a leading `~/` to the user's home directory.
pub(crate) fn expand_tilde(path: &Path) -> PathBuf {
    match path.strip_prefix("~") {
        Ok(rest) => dirs::home_dir().map_or_else(|| path.to_path_buf(), |h| h.join(rest)),
        Err(_) => path.to_path_buf(),
    }
}

/// This machine's name (the `instance` label a team's servers know it by), or `unknown`
/// when the system does not say.
pub(crate) fn host_name() -> String {
    hostname::get()
        .ok()
        .and_then(|h| h.into_string().ok())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_home_holds_everything() {
        let p = Paths::under(Path::new("/tmp/cw"));
        assert_eq!(p.config_file(), Path::new("/tmp/cw/config.toml"));
        assert_eq!(p.rules_dir(), Path::new("/tmp/cw/rules"));
        assert_eq!(p.database(), Path::new("/tmp/cw/data/creditwatch.db"));
        assert_eq!(p.log_dir, Path::new("/tmp/cw/logs"));
    }

    #[test]
    fn tilde_is_only_expanded_at_the_start() {
        assert_eq!(expand_tilde(Path::new("/a/~/b")), Path::new("/a/~/b"));
        let home = dirs::home_dir().unwrap();
        assert_eq!(expand_tilde(Path::new("~/x")), home.join("x"));
    }
}
