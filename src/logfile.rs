//! The daemon's log file, capped: when it passes [`CAP`] it becomes `<name>.1` (replacing
//! the older one) and a new file starts, so logs never hold more than twice the cap.
//!
//! Under systemd the journal keeps the logs and caps them itself; this is for launchd,
//! whose `StandardErrorPath` file would otherwise grow for ever, and for `run --detach`.
//! `cap_stderr` keeps that launchd file small too: it only receives what is written
//! before logging starts (and a panic), and is emptied at start when it has grown.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// The size at which the log file is rotated.
pub const CAP: u64 = 10 * 1024 * 1024;

/// A log file that rotates itself at a size cap.
pub struct LogFile {
    inner: Mutex<Inner>,
}

struct Inner {
    path: PathBuf,
    file: File,
    size: u64,
    cap: u64,
    /// Whether the last byte written ended a line: rotation waits for that, so no line is
    /// split across the two files.
    line_start: bool,
}

impl LogFile {
    /// Opens (or creates) the log at `path`, creating its folder, rotating at `cap` bytes.
    pub fn open(path: &Path, cap: u64) -> std::io::Result<LogFile> {
        if let Some(dir) = path.parent() {
            crate::private::create_dir(dir)?;
        }
        let file = append(path)?;
        let size = file.metadata()?.len();
        Ok(LogFile {
            inner: Mutex::new(Inner {
                path: path.to_path_buf(),
                file,
                size,
                cap,
                line_start: true,
            }),
        })
    }
}

/// Opens the log to append, 0600 (an older, more open one is tightened).
fn append(path: &Path) -> std::io::Result<File> {
    let file = crate::private::options()
        .create(true)
        .append(true)
        .open(path)?;
    crate::private::tighten_open(&file)?;
    Ok(file)
}

impl Inner {
    fn rotate(&mut self) -> std::io::Result<()> {
        let mut old = self.path.clone().into_os_string();
        old.push(".1");
        std::fs::rename(&self.path, &old)?;
        self.file = append(&self.path)?;
        self.size = 0;
        Ok(())
    }
}

/// One write to the log, holding it so lines never interleave.
pub struct Writer<'a>(MutexGuard<'a, Inner>);

impl Write for Writer<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let inner = &mut *self.0;
        if inner.line_start && inner.size > 0 && inner.size + buf.len() as u64 > inner.cap {
            // A log that cannot rotate keeps logging rather than losing lines.
            let _ = inner.rotate();
        }
        let n = inner.file.write(buf)?;
        inner.size += n as u64;
        if n > 0 {
            inner.line_start = buf[n - 1] == b'\n';
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.file.flush()
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogFile {
    type Writer = Writer<'a>;

    fn make_writer(&'a self) -> Writer<'a> {
        Writer(
            self.inner
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }
}

/// Empties standard error when it is a regular file larger than `cap` (launchd's
/// `StandardErrorPath`); a terminal, pipe or the journal is left alone.
pub(crate) fn cap_stderr(cap: u64) {
    use std::os::fd::AsRawFd;
    let fd = std::io::stderr().as_raw_fd();
    // SAFETY: fstat fills the struct for a descriptor this process has open.
    let mut stat: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(fd, &raw mut stat) } != 0 {
        return;
    }
    if (stat.st_mode & libc::S_IFMT) == libc::S_IFREG && stat.st_size as u64 > cap {
        // SAFETY: truncating the file behind our own stderr; launchd opens it to append.
        unsafe { libc::ftruncate(fd, 0) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::fmt::MakeWriter;

    #[test]
    fn the_log_rotates_at_the_cap_and_keeps_one_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("logs/creditwatch.log");
        let log = LogFile::open(&path, 100).unwrap();
        for i in 0..25 {
            writeln!(log.make_writer(), "line {i:02} of the log").unwrap();
        }
        let now = std::fs::read_to_string(&path).unwrap();
        let old = std::fs::read_to_string(dir.path().join("logs/creditwatch.log.1")).unwrap();
        // A line that started below the cap ends in the same file, so a file may pass the
        // cap by less than one line.
        assert!(
            now.len() < 100 + 18 && old.len() < 100 + 18,
            "{now:?} {old:?}"
        );
        assert!(now.ends_with("line 24 of the log\n"), "{now:?}");
        // Every line is whole, in one file or the other.
        assert!(now.lines().chain(old.lines()).all(|l| l.len() == 18));
        assert!(!dir.path().join("logs/creditwatch.log.2").exists());
    }
}
