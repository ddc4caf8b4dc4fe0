//! `creditwatch service`: installs the daemon to start at login and runs the platform's
//! service manager for it: launchd on macOS ([`launchd`]), a systemd user unit on Linux
//! ([`systemd`]). Both templates live in the repository's `launchd/` folder and are built
//! into the binary; installing renders one with the absolute path of this binary and the
//! config in force, writes it, and (re)starts the service, so running `install` again after
//! an upgrade is safe.

pub mod launchd;
pub mod systemd;

use std::path::{Path, PathBuf};
use std::process::Command;

/// What a rendered service definition needs.
#[derive(Debug, Clone)]
pub struct Install {
    /// The creditwatch binary, absolute.
    pub binary: PathBuf,
    /// The config file the daemon reads.
    pub config_file: PathBuf,
    /// Where launchd writes the daemon's logs.
    pub log_dir: PathBuf,
    /// `PATH` for the daemon (launchd and systemd give a bare one), for `command` sources.
    pub path_env: String,
    /// `CREDITWATCH_HOME`, when the install was made with one.
    pub home_env: Option<PathBuf>,
}

/// The platform's service manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Manager {
    /// macOS: a LaunchAgent.
    Launchd,
    /// Linux: a systemd user unit.
    Systemd,
}

/// Why a service command failed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// A file could not be written or removed.
    #[error("{}: {source}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The service manager could not be run or refused.
    #[error("`{command}` failed: {detail}")]
    Command {
        /// The command line.
        command: String,
        /// Its error output, or why it did not run.
        detail: String,
    },
    /// The home directory is unknown.
    #[error("cannot find your home directory")]
    NoHome,
    /// Linux without a systemd user instance to run the unit.
    #[error(
        "no systemd user instance to run the service ({detail}); nothing was installed.\n\
         On a server or over SSH, let your user manager run without a login session:\n  \
         sudo loginctl enable-linger {user}\n\
         then log in again and run `creditwatch service install` once more.\n\
         Or run the daemon without a service manager: `creditwatch run --detach`"
    )]
    NoUserManager {
        /// What `systemctl --user` said.
        detail: String,
        /// The user to enable lingering for.
        user: String,
    },
}

impl Manager {
    /// The manager of the platform this binary was built for.
    pub(crate) fn native() -> Manager {
        if cfg!(target_os = "macos") {
            Manager::Launchd
        } else {
            Manager::Systemd
        }
    }

    /// The service definition for `install`.
    pub fn render(self, install: &Install) -> String {
        match self {
            Manager::Launchd => launchd::render(install),
            Manager::Systemd => systemd::render(install),
        }
    }

    /// Where the definition is written.
    pub fn file(self) -> Result<PathBuf, ServiceError> {
        match self {
            Manager::Launchd => launchd::file(),
            Manager::Systemd => systemd::file(),
        }
    }

    /// Writes the definition and starts the service (restarting one already running).
    pub fn install(self, install: &Install) -> Result<PathBuf, ServiceError> {
        let file = self.file()?;
        if self == Manager::Systemd {
            systemd::reachable()?;
        }
        write(&file, &self.render(install))?;
        let started = match self {
            Manager::Launchd => launchd::load(&file, &install.log_dir),
            Manager::Systemd => systemd::start(),
        };
        // A definition the manager refused is not left behind to be found half set up.
        if let Err(e) = started {
            let _ = std::fs::remove_file(&file);
            return Err(e);
        }
        Ok(file)
    }

    /// Stops the service and removes the definition; the data, config and rules stay.
    pub fn uninstall(self) -> Result<PathBuf, ServiceError> {
        let file = self.file()?;
        match self {
            Manager::Launchd => launchd::unload()?,
            Manager::Systemd => systemd::stop()?,
        }
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(ServiceError::File { path: file, source }),
        }
        if self == Manager::Systemd {
            systemd::reload()?;
        }
        Ok(file)
    }

    /// Stops the running service; it still starts at the next login.
    pub fn stop(self) -> Result<(), ServiceError> {
        match self {
            Manager::Launchd => launchd::unload(),
            Manager::Systemd => systemd::halt(),
        }
    }

    /// Restarts the running service.
    pub fn restart(self) -> Result<(), ServiceError> {
        match self {
            Manager::Launchd => launchd::restart(),
            Manager::Systemd => systemd::restart(),
        }
    }

    /// What the service manager says about the service (its own words).
    pub fn status(self) -> Result<String, ServiceError> {
        match self {
            Manager::Launchd => launchd::status(),
            Manager::Systemd => systemd::status(),
        }
    }
}

fn write(file: &Path, text: &str) -> Result<(), ServiceError> {
    let fail = |source| ServiceError::File {
        path: file.to_path_buf(),
        source,
    };
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let tmp = file.with_extension("tmp");
    std::fs::write(&tmp, text).map_err(fail)?;
    std::fs::rename(&tmp, file).map_err(fail)
}

/// Runs a service-manager command; returns its output, or its error output as the error.
/// `tolerate` accepts a failure (such as stopping what is not running).
fn command(program: &str, args: &[&str], tolerate: bool) -> Result<String, ServiceError> {
    let line = format!("{program} {}", args.join(" "));
    let out = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| ServiceError::Command {
            command: line.clone(),
            detail: e.to_string(),
        })?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.success() || tolerate {
        return Ok(text);
    }
    let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
    Err(ServiceError::Command {
        command: line,
        detail: if err.is_empty() {
            out.status.to_string()
        } else {
            err
        },
    })
}

/// The path the service should run: `binary` itself, except for a Homebrew install, whose
/// `<prefix>/Cellar/creditwatch/<version>/bin/creditwatch` is gone after an upgrade and a
/// cleanup. There the prefix's `bin/creditwatch` link is used, when it leads to the same file.
pub(crate) fn lasting_path(binary: &Path) -> PathBuf {
    let text = binary.to_string_lossy();
    let Some((prefix, _)) = text.split_once("/Cellar/creditwatch/") else {
        return binary.to_path_buf();
    };
    let link = Path::new(prefix).join("bin/creditwatch");
    match link.canonicalize() {
        Ok(target) if target == binary => link,
        _ => binary.to_path_buf(),
    }
}

fn home() -> Result<PathBuf, ServiceError> {
    dirs::home_dir().ok_or(ServiceError::NoHome)
}

#[cfg(test)]
mod tests;
