//! Where a secret is read from: an environment variable, a file only its owner can read,
//! or (on macOS) a Keychain item. Read at the moment it is needed, so a rotated secret is
//! picked up without a restart, and never stored.

use super::Secret;
use std::path::PathBuf;

/// Where a secret lives; the config names it, never holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretRef {
    /// An environment variable of the process.
    Env(String),
    /// A file readable by its owner only (mode 0600 or stricter).
    File(PathBuf),
    /// A generic password item in the macOS Keychain, by service name.
    Keychain(String),
}

/// Why there is no usable secret. `what` names it for the user ("api key", "SMTP
/// password").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// The variable is not set (or not UTF-8).
    #[error("environment variable {var} is not set; set it to your {what}")]
    Unset {
        /// What the secret is.
        what: &'static str,
        /// The variable.
        var: String,
    },
    /// The variable, file or item is empty.
    #[error("{origin} is empty; it must hold your {what}")]
    Empty {
        /// What the secret is.
        what: &'static str,
        /// Where it was read.
        origin: String,
    },
    /// The file could not be read.
    #[error("cannot read {what} file {}: {message}", path.display())]
    Read {
        /// What the secret is.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// What the OS said.
        message: String,
    },
    /// Others than its owner may read the file.
    #[error(
        "{what} file {} has mode {mode:04o}: others can read it; run `chmod 600 {}`",
        path.display(),
        path.display()
    )]
    Exposed {
        /// What the secret is.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The Keychain has no such item, or refused access.
    #[error("no {what} in the Keychain under service {service:?} (or access was refused)")]
    Keychain {
        /// What the secret is.
        what: &'static str,
        /// The item's service name.
        service: String,
    },
}

impl SecretRef {
    /// Reads the secret now.
    pub fn load(&self, what: &'static str) -> Result<Secret, SecretError> {
        let (text, origin) = match self {
            SecretRef::Env(var) => {
                let v = std::env::var(var).map_err(|_| SecretError::Unset {
                    what,
                    var: var.clone(),
                })?;
                (v, format!("environment variable {var}"))
            }
            SecretRef::File(path) => (
                read_private(path, what)?,
                format!("{what} file {}", path.display()),
            ),
            SecretRef::Keychain(service) => {
                let v = keychain_password(service).ok_or_else(|| SecretError::Keychain {
                    what,
                    service: service.clone(),
                })?;
                (v, format!("Keychain item {service:?}"))
            }
        };
        let trimmed = text.trim_end_matches(['\n', '\r']);
        if trimmed.trim().is_empty() {
            return Err(SecretError::Empty { what, origin });
        }
        Ok(Secret::new(trimmed))
    }
}

fn read_private(path: &PathBuf, what: &'static str) -> Result<String, SecretError> {
    use std::os::unix::fs::PermissionsExt;
    let read = |e: std::io::Error| SecretError::Read {
        what,
        path: path.clone(),
        message: e.to_string(),
    };
    let meta = std::fs::metadata(path).map_err(read)?;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(SecretError::Exposed {
            what,
            path: path.clone(),
            mode,
        });
    }
    crate::textfile::read_to_string(path).map_err(read)
}

/// The password of a generic Keychain item, through `security` (which asks the user for
/// access the first time, as any app must).
#[cfg(target_os = "macos")]
pub fn keychain_password(service: &str) -> Option<String> {
    let out = std::process::Command::new("/usr/bin/security")
        .args(["find-generic-password", "-s", service, "-w"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// There is no Keychain off macOS.
#[cfg(not(target_os = "macos"))]
pub fn keychain_password(_service: &str) -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_password_file_others_can_read_is_refused_with_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("smtp.pass");
        std::fs::write(&path, "pw-canary\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let e = SecretRef::File(path.clone())
            .load("SMTP password")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("SMTP password file")
                && e.contains("mode 0640")
                && e.contains("chmod 600"),
            "{e}"
        );
        assert!(!e.contains("pw-canary"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let pw = SecretRef::File(path).load("SMTP password").unwrap();
        assert_eq!(
            pw.expose(),
            "pw-canary",
            "the trailing newline is not part of it"
        );
        let e = SecretRef::Keychain("creditwatch-test-none".into()).load("SMTP password");
        assert!(e.is_err());
    }
}
