//! macOS: a LaunchAgent in `~/Library/LaunchAgents/`, loaded with `launchctl bootstrap` in
//! the user's GUI domain.

use super::{Install, ServiceError, command, home};
use std::path::{Path, PathBuf};

/// The agent's label, in reverse-DNS form.
pub const LABEL: &str = "com.creditwatch.agent";

const TEMPLATE: &str = include_str!("../../launchd/com.creditwatch.agent.plist");

/// Renders the plist; every value is escaped for XML.
pub fn render(install: &Install) -> String {
    let extra = install.home_env.as_ref().map_or(String::new(), |home| {
        format!(
            "\n        <key>CREDITWATCH_HOME</key>\n        <string>{}</string>",
            xml(&home.to_string_lossy())
        )
    });
    TEMPLATE
        .replace("{{BINARY}}", &xml(&install.binary.to_string_lossy()))
        .replace("{{LOG_DIR}}", &xml(&install.log_dir.to_string_lossy()))
        .replace("{{PATH}}", &xml(&install.path_env))
        .replace("{{CONFIG}}", &xml(&install.config_file.to_string_lossy()))
        .replace("{{EXTRA_ENV}}", &extra)
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `~/Library/LaunchAgents/com.creditwatch.agent.plist`.
pub fn file() -> Result<PathBuf, ServiceError> {
    Ok(home()?.join(format!("Library/LaunchAgents/{LABEL}.plist")))
}

fn domain() -> String {
    // SAFETY: getuid cannot fail.
    format!("gui/{}", unsafe { libc::getuid() })
}

/// Loads the agent, first unloading one already loaded, so install can be run again.
pub(super) fn load(plist: &Path, log_dir: &Path) -> Result<(), ServiceError> {
    crate::private::create_dir(log_dir).map_err(|source| ServiceError::File {
        path: log_dir.to_path_buf(),
        source,
    })?;
    unload()?;
    let plist = plist.to_string_lossy();
    command("launchctl", &["bootstrap", &domain(), &plist], false).map(|_| ())
}

/// Unloads the agent; one that is not loaded is fine.
pub(super) fn unload() -> Result<(), ServiceError> {
    let target = format!("{}/{LABEL}", domain());
    command("launchctl", &["bootout", &target], true).map(|_| ())
}

/// Kills and starts the agent again.
pub(super) fn restart() -> Result<(), ServiceError> {
    let target = format!("{}/{LABEL}", domain());
    command("launchctl", &["kickstart", "-k", &target], false).map(|_| ())
}

/// The lines of `launchctl print` a person wants: state, pid, last exit.
pub(super) fn status() -> Result<String, ServiceError> {
    let target = format!("{}/{LABEL}", domain());
    let text = command("launchctl", &["print", &target], false)?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| {
            ["state =", "pid =", "last exit code =", "runs ="]
                .iter()
                .any(|k| l.starts_with(k))
        })
        .collect::<Vec<_>>()
        .join("\n"))
}
