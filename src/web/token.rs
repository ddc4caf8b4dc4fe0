//! The dashboard's token: 32 random bytes, hex, kept in a 0600 file in the data folder and
//! made on first use. Other users of the machine can reach a loopback port but not read the
//! file, so without the token they get nothing.

use crate::secret::Secret;
use std::path::Path;

/// Why there is no token.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The file could not be read or written.
    #[error("dashboard token {path}: {source}")]
    File {
        /// The token file.
        path: String,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The system gave no random bytes.
    #[error("no random bytes for the dashboard token: {0}")]
    Random(String),
}

/// The token in `path`, made (and written 0600) when the file does not exist or is empty.
pub fn load_or_create(path: &Path) -> Result<Secret, TokenError> {
    let fail = |source| TokenError::File {
        path: path.display().to_string(),
        source,
    };
    match std::fs::read_to_string(path) {
        Ok(text) if !text.trim().is_empty() => return Ok(Secret::new(text.trim())),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(fail(e)),
    }
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|e| TokenError::Random(e.to_string()))?;
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    if let Some(dir) = path.parent() {
        crate::private::create_dir(dir).map_err(fail)?;
    }
    crate::private::write(path, format!("{token}\n").as_bytes()).map_err(fail)?;
    Ok(Secret::new(token))
}

/// Whether `given` is the token, compared in constant time.
pub fn matches(token: &Secret, given: &str) -> bool {
    let (a, b) = (token.expose().as_bytes(), given.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_made_once_kept_private_and_compared_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data/dashboard.token");
        let first = load_or_create(&path).unwrap();
        assert_eq!(first.expose().len(), 64);
        assert_eq!(
            load_or_create(&path).unwrap(),
            first,
            "read back, not made anew"
        );
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert!(matches(&first, first.expose()));
        assert!(!matches(&first, &first.expose()[..63]));
        assert!(!matches(&first, ""));
    }
}
