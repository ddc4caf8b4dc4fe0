//! The dashboard's token: 32 random bytes, hex, kept in a 0600 file in the data folder and
//! made on first use. Other users of the machine can reach a loopback port but not read the
//! file, so without the token they get nothing.

use crate::secret::Secret;
use std::path::{Path, PathBuf};

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
/// The daemon and `creditwatch dashboard` may both make one at once: the new file is
/// linked into place only when none is there yet, so both end up with the same token.
pub fn load_or_create(path: &Path) -> Result<Secret, TokenError> {
    let fail = file_error(path);
    if let Some(token) = load(path).map_err(fail)? {
        return Ok(token);
    }
    let (token, staged) = stage(path)?;
    // An empty file is replaced. A token another process has just linked is never empty,
    // so it is never the one removed.
    if std::fs::read_to_string(path).is_ok_and(|t| t.trim().is_empty()) {
        let _ = std::fs::remove_file(path);
    }
    let linked = std::fs::hard_link(&staged, path);
    let _ = std::fs::remove_file(&staged);
    match linked {
        Ok(()) => Ok(token),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => load(path)
            .map_err(fail)?
            .ok_or_else(|| fail(std::io::Error::other("another process left it empty"))),
        Err(e) => Err(fail(e)),
    }
}

/// The token the file holds, `None` when there is no file or it is empty.
pub fn load(path: &Path) -> std::io::Result<Option<Secret>> {
    match std::fs::read_to_string(path) {
        Ok(text) if !text.trim().is_empty() => Ok(Some(Secret::new(text.trim()))),
        Ok(_) => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// A new token in `path`, replacing the old one at once (a rename): the old one stops
/// opening the page.
pub fn replace(path: &Path) -> Result<Secret, TokenError> {
    let (token, staged) = stage(path)?;
    std::fs::rename(&staged, path).map_err(file_error(path))?;
    Ok(token)
}

/// A fresh token of 32 random bytes in hex, written 0600 beside `path` (its name unique
/// to it) and ready to be moved into place.
fn stage(path: &Path) -> Result<(Secret, PathBuf), TokenError> {
    let fail = file_error(path);
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|e| TokenError::Random(e.to_string()))?;
    let token = crate::format::hex(&bytes);
    if let Some(dir) = path.parent() {
        crate::private::create_dir(dir).map_err(fail)?;
    }
    let staged = path.with_extension(format!("new.{}", &token[..16]));
    crate::private::write(&staged, format!("{token}\n").as_bytes()).map_err(fail)?;
    Ok((Secret::new(token), staged))
}

/// The error for an operation on `path` that the OS refused.
fn file_error(path: &Path) -> impl Fn(std::io::Error) -> TokenError + Copy + '_ {
    move |source| TokenError::File {
        path: path.display().to_string(),
        source,
    }
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
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data/dashboard.token");
        let first = load_or_create(&path).unwrap();
        assert_eq!(first.expose().len(), 64);
        assert_eq!(
            load_or_create(&path).unwrap(),
            first,
            "read back, not made anew"
        );
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert!(matches(&first, first.expose()));
        assert!(!matches(&first, &first.expose()[..63]));
        assert!(!matches(&first, ""));
    }

    #[test]
    fn two_makers_at_once_agree_on_one_token() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dashboard.token");
        let made: Vec<Secret> = std::thread::scope(|s| {
            let makers: Vec<_> = (0..8)
                .map(|_| s.spawn(|| load_or_create(&path).unwrap()))
                .collect();
            makers.into_iter().map(|m| m.join().unwrap()).collect()
        });
        assert!(made.iter().all(|t| *t == made[0]), "one token for all");
        assert_eq!(load(&path).unwrap(), Some(made[0].clone()));
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file left behind");
    }
}
