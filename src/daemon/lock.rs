//! One daemon per user: an advisory lock on a file in the data directory, held for the life
//! of the process. The kernel releases it when the process dies, however it dies, so a
//! kill -9 never leaves a stale lock.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

/// The held lock; dropping it (or the process ending) releases it.
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

/// Why the lock was not taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another daemon holds it.
    #[error("already running (pid {pid})")]
    Held {
        /// The pid written by the holder (0 when unreadable).
        pid: u32,
    },
    /// The lock file could not be opened or locked.
    #[error("cannot use lock file {}: {source}", path.display())]
    Io {
        /// The lock file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
}

/// Takes the lock at `path` and writes this process's pid in it.
pub fn acquire(path: &Path) -> Result<Lock, LockError> {
    let io = |source| LockError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        crate::private::create_dir(dir).map_err(io)?;
    }
    let mut file = crate::private::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(io)?;
    if let Err(err) = lock_exclusive(&file) {
        if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
            let mut text = String::new();
            let _ = file.read_to_string(&mut text);
            return Err(LockError::Held {
                pid: text.trim().parse().unwrap_or(0),
            });
        }
        return Err(io(err));
    }
    crate::private::tighten_open(&file).map_err(io)?;
    file.set_len(0).map_err(io)?;
    file.rewind().map_err(io)?;
    writeln!(file, "{}", std::process::id()).map_err(io)?;
    file.flush().map_err(io)?;
    Ok(Lock { _file: file })
}

/// Takes the exclusive lock, trying a few times: `status` holds a shared lock for an
/// instant when it looks, and that must not turn a starting daemon away.
fn lock_exclusive(file: &File) -> std::io::Result<()> {
    let mut tries = 0;
    loop {
        // SAFETY: flock on a file descriptor the caller owns.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
            return Ok(());
        }
        let err = std::io::Error::last_os_error();
        tries += 1;
        if err.raw_os_error() != Some(libc::EWOULDBLOCK) || tries == 5 {
            return Err(err);
        }
        std::thread::sleep(std::time::Duration::from_millis(40));
    }
}

/// The pid of the daemon holding the lock at `path`, or `None` when no daemon runs. It
/// only looks: the lock is taken shared for an instant and given back.
pub fn holder(path: &Path) -> Option<u32> {
    let mut file = File::open(path).ok()?;
    // SAFETY: flock on a file descriptor this function owns.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_SH | libc::LOCK_NB) } == 0 {
        // SAFETY: as above; the shared lock is given back at once.
        unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_UN) };
        return None;
    }
    let mut text = String::new();
    file.read_to_string(&mut text).ok()?;
    Some(text.trim().parse().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_told_the_first_ones_pid() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("creditwatch.pid");
        let first = acquire(&path).unwrap();
        match acquire(&path) {
            Err(LockError::Held { pid }) => assert_eq!(pid, std::process::id()),
            other => panic!("{other:?}"),
        }
        assert_eq!(holder(&path), Some(std::process::id()));
        drop(first);
        assert_eq!(holder(&path), None);
        assert!(acquire(&path).is_ok(), "released on drop");
    }
}
