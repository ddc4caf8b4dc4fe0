//! Files only their owner can read.
//!
//! What creditwatch keeps says a lot about a person: what they spend, on which projects,
//! the subjects of their alerts. So every folder it creates is 0700 and every file 0600,
//! whatever the umask, and files and folders left more open by an older version (or a
//! umask of 022) are tightened at start. Modes are set when a file is created, not after,
//! so there is no moment when another user could open it.

use crate::paths::Paths;
use std::fs::{DirBuilder, File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The mode of every folder creditwatch creates.
pub const DIR_MODE: u32 = 0o700;
/// The mode of every file creditwatch creates.
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` and its missing parents, each 0700.
pub fn create_dir(dir: &Path) -> io::Result<()> {
    DirBuilder::new().recursive(true).mode(DIR_MODE).create(dir)
}

/// Options that create a file 0600 (an existing file keeps its mode; see `tighten`).
pub fn options() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.mode(FILE_MODE);
    options
}

/// Writes `bytes` to a new or truncated file that is 0600.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut file = options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)?;
    tighten_open(&file)?;
    file.write_all(bytes)
}

/// Removes the group and other bits of an open file; true when there were any.
pub(crate) fn tighten_open(file: &File) -> io::Result<bool> {
    let mut perms = file.metadata()?.permissions();
    let mode = perms.mode() & 0o7777;
    if mode & 0o077 == 0 {
        return Ok(false);
    }
    perms.set_mode(mode & !0o077);
    file.set_permissions(perms)?;
    Ok(true)
}

/// Removes the group and other bits of `path` (a file or a folder, not followed if it is a
/// link); returns the old mode when it changed anything, `None` when it was already
/// private or does not exist.
pub(crate) fn tighten(path: &Path) -> io::Result<Option<u32>> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mode = meta.permissions().mode() & 0o7777;
    if meta.file_type().is_symlink() || mode & 0o077 == 0 {
        return Ok(None);
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & !0o077))?;
    Ok(Some(mode))
}

/// What `secure` did.
#[derive(Debug, Default)]
pub struct Secured {
    /// Paths that were readable by others, with their old modes.
    pub tightened: Vec<(PathBuf, u32)>,
    /// Paths that could not be tightened, and why.
    pub failed: Vec<(PathBuf, String)>,
}

/// Makes creditwatch's own folders and the files it writes in them private: the config,
/// data and log folders, the database and its `-wal`/`-shm`/`-journal`, the daemon's
/// state and lock, and its logs. The user's own files (the config file, rules) are left as
/// they are.
pub(crate) fn secure(paths: &Paths) -> Secured {
    let mut candidates = vec![
        paths.config_dir.clone(),
        paths.data_dir.clone(),
        paths.log_dir.clone(),
        paths.lock_file(),
        paths.daemon_state(),
        paths.dashboard_token(),
    ];
    let db = paths.database().into_os_string();
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = db.clone();
        name.push(suffix);
        candidates.push(PathBuf::from(name));
    }
    if let Ok(entries) = std::fs::read_dir(&paths.log_dir) {
        candidates.extend(entries.flatten().map(|e| e.path()).filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().contains(".log"))
        }));
    }
    let mut secured = Secured::default();
    for path in candidates {
        match tighten(&path) {
            Ok(Some(mode)) => secured.tightened.push((path, mode)),
            Ok(None) => {}
            Err(e) => secured.failed.push((path, e.to_string())),
        }
    }
    secured
}

impl Secured {
    /// Says what was done, once, in the log.
    pub fn log(&self) {
        if !self.tightened.is_empty() {
            let list: Vec<String> = self
                .tightened
                .iter()
                .map(|(p, m)| format!("{} (was {m:o})", p.display()))
                .collect();
            tracing::info!(
                "made private (only you can read them now): {}",
                list.join(", ")
            );
        }
        for (path, e) in &self.failed {
            tracing::warn!(file = %path.display(), error = %e, "cannot make it private");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn what_is_created_is_private_whatever_the_umask() {
        let dir = tempfile::tempdir().unwrap();
        // SAFETY: umask only changes this process's creation mask; restored below.
        let old = unsafe { libc::umask(0) };
        let nested = dir.path().join("a/b");
        create_dir(&nested).unwrap();
        let file = nested.join("f");
        write(&file, b"x").unwrap();
        unsafe { libc::umask(old) };
        assert_eq!(mode(&dir.path().join("a")), 0o700);
        assert_eq!(mode(&nested), 0o700);
        assert_eq!(mode(&file), 0o600);
    }

    #[test]
    fn secure_tightens_creditwatch_files_and_leaves_the_users_alone() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::under(dir.path());
        for d in [&paths.data_dir, &paths.log_dir] {
            std::fs::create_dir_all(d).unwrap();
        }
        let config = paths.config_file();
        let log = paths.log_dir.join("creditwatch.log.1");
        let token = paths.dashboard_token();
        for f in [&paths.database(), &log, &config, &token] {
            std::fs::write(f, "x").unwrap();
            std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        std::fs::set_permissions(&paths.data_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let secured = secure(&paths);
        assert_eq!(mode(&paths.database()), 0o600);
        assert_eq!(mode(&log), 0o600);
        assert_eq!(mode(&token), 0o600, "the dashboard's token");
        assert_eq!(mode(&paths.data_dir), 0o700);
        assert_eq!(mode(&config), 0o644, "the user's config is theirs");
        assert!(
            secured.tightened.contains(&(paths.database(), 0o644)),
            "{secured:?}"
        );
        assert!(secure(&paths).tightened.is_empty(), "once is enough");
    }
}
