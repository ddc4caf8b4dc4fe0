//! Whether another process is still there: for `stop`, waiting for the daemon to end, and
//! for a dry run, clearing the copies of the ones that were killed.

/// Whether a process with this pid exists (an entry not yet reaped counts).
pub fn alive(pid: u32) -> bool {
    // SAFETY: kill with signal 0 sends nothing to any process; it only asks.
    pid > 0 && unsafe { libc::kill(pid as libc::pid_t, 0) } == 0
}
