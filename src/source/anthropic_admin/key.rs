//! The Admin API key, read before every poll (so a rotated key is picked up) from an
//! environment variable or from a file only its owner can read.

use crate::config::KeyRef;
use crate::secret::Secret;
use std::path::PathBuf;

/// Why there is no usable key.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The variable is not set (or not UTF-8).
    #[error("environment variable {0} is not set; set it to your Admin API key")]
    Unset(String),
    /// The variable or file is empty.
    #[error("{0} is empty; it must hold your Admin API key")]
    Empty(String),
    /// The file could not be read.
    #[error("cannot read api key file {}: {source}", path.display())]
    Read {
        /// The key file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// Others than its owner may read the file.
    #[error(
        "api key file {} has mode {mode:04o}: others can read it; run `chmod 600 {}`",
        path.display(),
        path.display()
    )]
    Exposed {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
}

/// Reads the key.
pub fn load(key: &KeyRef) -> Result<Secret, KeyError> {
    let (text, origin) = match key {
        KeyRef::Env(var) => {
            let v = std::env::var(var).map_err(|_| KeyError::Unset(var.clone()))?;
            (v, format!("environment variable {var}"))
        }
        KeyRef::File(path) => (
            read_private(path)?,
            format!("api key file {}", path.display()),
        ),
    };
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(KeyError::Empty(origin));
    }
    Ok(Secret::new(trimmed))
}

fn read_private(path: &PathBuf) -> Result<String, KeyError> {
    use std::os::unix::fs::PermissionsExt;
    let read = |source| KeyError::Read {
        path: path.clone(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(read)?;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(KeyError::Exposed {
            path: path.clone(),
            mode,
        });
    }
    std::fs::read_to_string(path).map_err(read)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_key_file_must_be_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("admin.key");
        std::fs::write(&path, "sk-ant-admin01-canary\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = load(&KeyRef::File(path.clone())).unwrap_err().to_string();
        assert!(e.contains("mode 0644") && e.contains("chmod 600"), "{e}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let key = load(&KeyRef::File(path.clone())).unwrap();
        assert_eq!(key.expose(), "sk-ant-admin01-canary");
        std::fs::write(&path, "  \n").unwrap();
        let e = load(&KeyRef::File(path)).unwrap_err().to_string();
        assert!(e.contains("is empty"), "{e}");
    }

    #[test]
    fn a_missing_variable_is_named() {
        let var = "CREDITWATCH_TEST_UNSET_ADMIN_KEY_7f3a";
        let e = load(&KeyRef::Env(var.into())).unwrap_err().to_string();
        assert!(e.contains(var), "{e}");
        let missing = load(&KeyRef::File("/nonexistent/admin.key".into())).unwrap_err();
        assert!(missing.to_string().contains("/nonexistent/admin.key"));
    }
}
