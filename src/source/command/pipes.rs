//! A command's stdout and stderr read together, without a thread each and without ever
//! blocking past a deadline: `poll` says which can be read, and a read takes only what is
//! there.

use std::fs::File;
use std::io::Read;
use std::os::fd::{AsRawFd, OwnedFd};
use std::time::Duration;

/// One pipe from the child, read up to a cap.
pub struct Pipe {
    fd: Option<File>,
    bytes: Vec<u8>,
    cap: u64,
    /// Why reading it failed, when it did (not its end).
    failed: Option<String>,
}

impl Pipe {
    /// Reads `fd` (none: nothing to read) keeping at most `cap` bytes.
    pub fn new(fd: Option<OwnedFd>, cap: u64) -> Pipe {
        Pipe {
            fd: fd.map(File::from),
            bytes: Vec::new(),
            cap,
            failed: None,
        }
    }

    /// Whether it reached its end (or its cap): nothing more will be read.
    pub fn done(&self) -> bool {
        self.fd.is_none()
    }

    /// What was read, or why reading failed.
    pub fn into_bytes(self) -> Result<Vec<u8>, String> {
        match self.failed {
            Some(e) => Err(e),
            None => Ok(self.bytes),
        }
    }

    /// Reads what is there; at the end, an error or the cap, closes it.
    fn read_some(&mut self) {
        let Some(mut file) = self.fd.as_ref() else {
            return;
        };
        let mut chunk = [0u8; 16 * 1024];
        let room = (self.cap - self.bytes.len() as u64).min(chunk.len() as u64) as usize;
        match file.read(&mut chunk[..room]) {
            Ok(0) => self.fd = None,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                self.failed = Some(e.to_string());
                self.fd = None;
            }
            Ok(n) => {
                self.bytes.extend_from_slice(&chunk[..n]);
                if self.bytes.len() as u64 >= self.cap {
                    self.fd = None;
                }
            }
        }
    }
}

/// Waits up to `wait` for any of `pipes` to be readable and reads each that is.
pub fn poll(pipes: &mut [&mut Pipe], wait: Duration) {
    let mut fds: Vec<libc::pollfd> = pipes
        .iter()
        .filter_map(|p| p.fd.as_ref())
        .map(|fd| libc::pollfd {
            fd: fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    if fds.is_empty() {
        return;
    }
    let ms = wait.as_millis().clamp(1, i32::MAX as u128) as libc::c_int;
    // SAFETY: `fds` is a live array of `fds.len()` pollfd structs for the call's length.
    let ready = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) };
    if ready <= 0 {
        return;
    }
    for pipe in pipes.iter_mut() {
        let Some(fd) = pipe.fd.as_ref().map(AsRawFd::as_raw_fd) else {
            continue;
        };
        let hit = fds.iter().any(|p| p.fd == fd && p.revents != 0);
        if hit {
            pipe.read_some();
        }
    }
}
