//! Linux: a systemd user unit in `~/.config/systemd/user/`, enabled and started with
//! `systemctl --user`. Its logs go to the journal (`journalctl --user -u creditwatch`),
//! which caps them.

use super::{Install, ServiceError, command, home};
use std::path::PathBuf;

/// The unit's name.
pub const UNIT: &str = "creditwatch.service";

const TEMPLATE: &str = include_str!("../../launchd/creditwatch.service");

/// Renders the unit; values are quoted and escaped as systemd reads them.
pub fn render(install: &Install) -> String {
    let extra = install.home_env.as_ref().map_or(String::new(), |home| {
        format!(
            "\nEnvironment={}",
            quote(&format!("CREDITWATCH_HOME={}", home.to_string_lossy()))
        )
    });
    let exec = format!(
        "{} run",
        quote(&install.binary.to_string_lossy().replace('$', "$$"))
    );
    let config = format!(
        "CREDITWATCH_CONFIG={}",
        install.config_file.to_string_lossy()
    );
    TEMPLATE
        .replace("{{EXEC_START}}", &exec)
        .replace("{{ENV_CONFIG}}", &quote(&config))
        .replace(
            "{{ENV_PATH}}",
            &quote(&format!("PATH={}", install.path_env)),
        )
        .replace("{{EXTRA_ENV}}", &extra)
}

/// Double-quotes a value, escaping what systemd would otherwise read as syntax (`%` starts
/// a specifier; `ExecStart` also escapes `$`, which starts a variable there).
fn quote(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('%', "%%");
    format!("\"{escaped}\"")
}

/// `$XDG_CONFIG_HOME/systemd/user/creditwatch.service` (`~/.config/...` by default).
pub fn file() -> Result<PathBuf, ServiceError> {
    let config = match std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => home()?.join(".config"),
    };
    Ok(config.join("systemd/user").join(UNIT))
}

fn systemctl(args: &[&str], tolerate: bool) -> Result<String, ServiceError> {
    let mut all = vec!["--user"];
    all.extend_from_slice(args);
    command("systemctl", &all, tolerate)
}

/// Whether a systemd user instance answers (there is none on a server reached over SSH
/// without lingering, or in a container); asked before anything is written.
pub(super) fn reachable() -> Result<(), ServiceError> {
    match systemctl(&["show-environment"], false) {
        Ok(_) => Ok(()),
        Err(e) => Err(ServiceError::NoUserManager {
            detail: e.to_string(),
            user: std::env::var("USER").unwrap_or_else(|_| "$USER".into()),
        }),
    }
}

/// Reads the unit files again.
pub(super) fn reload() -> Result<(), ServiceError> {
    systemctl(&["daemon-reload"], false).map(|_| ())
}

/// Enables the unit at login and (re)starts it, so a reinstall runs the new binary.
pub(super) fn start() -> Result<(), ServiceError> {
    reload()?;
    systemctl(&["enable", UNIT], false)?;
    systemctl(&["restart", UNIT], false).map(|_| ())
}

/// Stops and disables the unit; one that is not installed is fine.
pub(super) fn stop() -> Result<(), ServiceError> {
    systemctl(&["disable", "--now", UNIT], true).map(|_| ())
}

/// Stops the unit, leaving it enabled.
pub(super) fn halt() -> Result<(), ServiceError> {
    systemctl(&["stop", UNIT], false).map(|_| ())
}

/// Restarts the unit.
pub(super) fn restart() -> Result<(), ServiceError> {
    systemctl(&["restart", UNIT], false).map(|_| ())
}

/// `systemctl --user status`, whose exit code says "not running" (that is not an error
/// here: the daemon's own status follows).
pub(super) fn status() -> Result<String, ServiceError> {
    systemctl(&["status", "--no-pager", "--lines=5", UNIT], true)
}
