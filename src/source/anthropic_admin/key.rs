//! The Admin API key, read before every poll (so a rotated key is picked up) from an
//! environment variable or from a file only its owner can read.

use crate::config::KeyRef;
use crate::secret::{Secret, SecretError, SecretRef};

/// Why there is no usable key.
pub type KeyError = SecretError;

/// Reads the key.
pub fn load(key: &KeyRef) -> Result<Secret, KeyError> {
    let at = match key {
        KeyRef::Env(var) => SecretRef::Env(var.clone()),
        KeyRef::File(path) => SecretRef::File(path.clone()),
    };
    at.load("api key")
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
