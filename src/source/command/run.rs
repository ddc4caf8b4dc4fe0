//! Running a user's command: no shell, no stdin, its own process group (so a timeout
//! kills everything it started), stdout capped, and the first lines of stderr kept for
//! the message when it fails.

use super::pipes::{self, Pipe};
use std::os::fd::OwnedFd;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use wait_timeout::ChildExt;

/// The most stdout read; a longer answer is an error.
pub const MAX_STDOUT: u64 = 1 << 20;
/// How many lines of stderr a failure quotes.
const STDERR_LINES: usize = 5;

/// Why a command gave no usable output.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RunError {
    /// It could not be started.
    #[error("cannot run {program}: {message}")]
    Spawn {
        /// The program.
        program: String,
        /// What the OS said.
        message: String,
    },
    /// It ran too long and was killed.
    #[error("timed out after {}s and was killed{}", timeout.as_secs_f64(), quote(stderr))]
    Timeout {
        /// The timeout.
        timeout: Duration,
        /// The first lines of its stderr.
        stderr: String,
    },
    /// It exited with a failure.
    #[error("exited with {status}{}", quote(stderr))]
    Failed {
        /// `status 2` or `signal 9`.
        status: String,
        /// The first lines of its stderr.
        stderr: String,
    },
    /// Its output could not be read.
    #[error("cannot read its output: {0}")]
    Read(String),
    /// It wrote more than [`MAX_STDOUT`] bytes.
    #[error("wrote more than {} KiB to stdout", MAX_STDOUT / 1024)]
    TooLarge,
}

fn quote(stderr: &str) -> String {
    if stderr.is_empty() {
        String::new()
    } else {
        format!("; stderr: {stderr}")
    }
}

/// Runs `argv` and returns its stdout, or why it failed.
///
/// Nothing it leaves behind can hold the cycle: once it exits, the rest of its process
/// group is killed (a `(sleep 300 &)` would keep the pipe open), and reading stops at the
/// deadline whatever still holds the pipes (a child that left the group).
pub fn run(argv: &[String], timeout: Duration) -> Result<Vec<u8>, RunError> {
    let deadline = Instant::now() + timeout;
    let program = argv.first().cloned().unwrap_or_default();
    let mut child = Command::new(&program)
        .args(argv.iter().skip(1))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(|e| RunError::Spawn {
            program: program.clone(),
            message: e.to_string(),
        })?;
    let mut out = Pipe::new(child.stdout.take().map(OwnedFd::from), MAX_STDOUT + 1);
    let mut err = Pipe::new(child.stderr.take().map(OwnedFd::from), 64 * 1024);
    let mut status = None;
    while !(out.done() && err.done()) {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        // The direct child's exit is not a pipe event: look at it between short polls.
        pipes::poll(&mut [&mut out, &mut err], left.min(EXIT_CHECK));
        if status.is_none() {
            if let Ok(Some(s)) = child.try_wait() {
                status = Some(s);
                kill_group(&child);
            }
        }
    }
    let status = match status {
        Some(s) => Some(s),
        None => {
            let left = deadline.saturating_duration_since(Instant::now());
            let waited = child.wait_timeout(left).ok().flatten();
            kill_group(&child);
            if waited.is_none() {
                // Reaps the child just killed; it has no status worth reporting.
                let _ = child.wait();
            }
            waited
        }
    };
    // Its stderr only words a failure: one that cannot be read is left out.
    let err = first_lines(&err.into_bytes().unwrap_or_default());
    let Some(status) = status else {
        return Err(RunError::Timeout {
            timeout,
            stderr: err,
        });
    };
    let out = out.into_bytes().map_err(RunError::Read)?;
    if out.len() as u64 > MAX_STDOUT {
        return Err(RunError::TooLarge);
    }
    if !status.success() {
        use std::os::unix::process::ExitStatusExt;
        let status = match (status.code(), status.signal()) {
            (Some(code), _) => format!("status {code}"),
            (None, Some(sig)) => format!("signal {sig}"),
            (None, None) => "an unknown status".to_string(),
        };
        return Err(RunError::Failed {
            status,
            stderr: err,
        });
    }
    Ok(out)
}

/// How often the child's exit is looked at while its pipes stay open.
const EXIT_CHECK: Duration = Duration::from_millis(50);

/// Kills what is left of the group the child leads (nothing, usually).
fn kill_group(child: &std::process::Child) {
    // SAFETY: killpg only sends a signal to the group the child leads; a group with no
    // process left gives ESRCH, which is ignored.
    unsafe { libc::killpg(child.id() as libc::pid_t, libc::SIGKILL) };
}

/// The first few non-empty lines of stderr, joined with ` | `.
fn first_lines(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(STDERR_LINES)
        .collect();
    crate::format::truncate(&lines.join(" | "), 500).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Vec<String> {
        vec!["/bin/sh".into(), "-c".into(), script.into()]
    }

    #[test]
    fn stdout_of_a_command_that_works() {
        let out = run(&sh("echo '{\"a\":1}'"), Duration::from_secs(10)).unwrap();
        assert_eq!(out, b"{\"a\":1}\n");
    }

    #[test]
    fn a_failure_quotes_the_first_lines_of_stderr() {
        let e = run(
            &sh("echo one >&2; echo >&2; echo two >&2; exit 3"),
            Duration::from_secs(10),
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "exited with status 3; stderr: one | two");
    }

    #[test]
    fn a_missing_program_is_named() {
        let e = run(
            &["/nonexistent/cursor-usage".into()],
            Duration::from_secs(1),
        );
        let e = e.unwrap_err().to_string();
        assert!(
            e.starts_with("cannot run /nonexistent/cursor-usage:"),
            "{e}"
        );
    }

    #[test]
    fn a_command_that_hangs_is_killed_with_its_children() {
        // The grandchild `sleep` keeps stdout open: only killing the group ends the read.
        let e = run(
            &sh("echo started >&2; sleep 600 & wait"),
            Duration::from_millis(300),
        );
        assert_eq!(
            e.unwrap_err(),
            RunError::Timeout {
                timeout: Duration::from_millis(300),
                stderr: "started".into()
            }
        );
    }

    #[test]
    fn a_child_left_running_after_the_answer_does_not_hold_the_read() {
        // The subshell's `sleep` outlives the script and holds stdout: the group is killed
        // once the script exits, so its answer comes at once, not at the timeout.
        let out = run(&sh("(sleep 300 &); echo '{}'"), Duration::from_secs(300)).unwrap();
        assert_eq!(out, b"{}\n");
    }

    #[test]
    fn a_flood_on_stdout_is_refused() {
        let e = run(&sh("head -c 2000000 /dev/zero"), Duration::from_secs(10));
        assert_eq!(e.unwrap_err(), RunError::TooLarge);
    }
}
