//! Running a user's command: no shell, no stdin, its own process group (so a timeout
//! kills everything it started), stdout capped, and the first lines of stderr kept for
//! the message when it fails.

use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt};

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
    /// Its exit could not be waited for.
    #[error("cannot wait for it to exit: {0}")]
    Wait(String),
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

/// Runs `argv` on the runtime and returns its stdout, or why it failed.
///
/// Nothing it leaves behind can hold the cycle: once it exits, the rest of its process
/// group is killed (a `(sleep 300 &)` would keep the pipe open), and reading stops at the
/// timeout whatever still holds the pipes (a child that left the group). Dropping the
/// future (the cycle's deadline, the daemon's stop) kills the command and its group.
pub async fn run(argv: &[String], timeout: Duration) -> Result<Vec<u8>, RunError> {
    let program = argv.first().cloned().unwrap_or_default();
    let mut child = tokio::process::Command::new(&program)
        .args(argv.iter().skip(1))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| RunError::Spawn {
            program: program.clone(),
            message: e.to_string(),
        })?;
    let group = Group(child.id());
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let (mut status, mut unread) = (None, None);
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let answered = tokio::time::timeout(timeout, async {
        let exited = async {
            status = Some(child.wait().await);
            group.kill();
        };
        let read_out = async { unread = read(stdout, &mut out, MAX_STDOUT + 1).await.err() };
        // Its stderr only words a failure: one that cannot be read is said in the log.
        let read_err = async {
            if let Err(e) = read(stderr, &mut err, 64 * 1024).await {
                tracing::debug!(error = %e, "cannot read the command's stderr");
            }
        };
        tokio::join!(exited, read_out, read_err);
    })
    .await;
    if answered.is_err() {
        group.kill();
        if status.is_none() {
            // Reaps the child just killed; it has no status worth reporting, and one that
            // cannot be reaped is reaped by tokio later (it was spawned kill_on_drop).
            if let Err(e) = child.wait().await {
                tracing::debug!(error = %e, "cannot reap the command killed at its timeout");
            }
        }
    }
    let err = first_lines(&err);
    let status = match status {
        None => {
            return Err(RunError::Timeout {
                timeout,
                stderr: err,
            });
        }
        Some(waited) => waited.map_err(|e| RunError::Wait(e.to_string()))?,
    };
    if let Some(e) = unread {
        return Err(RunError::Read(e.to_string()));
    }
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

/// Reads `pipe` into `into` up to `cap` bytes, then closes it (a command still writing
/// gets a broken pipe rather than waiting for a reader).
async fn read<R: AsyncRead + Unpin>(
    pipe: Option<R>,
    into: &mut Vec<u8>,
    cap: u64,
) -> std::io::Result<()> {
    let Some(pipe) = pipe else {
        return Ok(());
    };
    pipe.take(cap).read_to_end(into).await.map(|_| ())
}

/// The process group a command leads, killed when the run ends however it ends.
struct Group(Option<u32>);

impl Group {
    /// Kills what is left of the group (nothing, usually).
    fn kill(&self) {
        if let Some(pid) = self.0 {
            // SAFETY: killpg only sends a signal to the group the child leads; a group
            // with no process left gives ESRCH, which is ignored.
            unsafe { libc::killpg(pid as libc::pid_t, libc::SIGKILL) };
        }
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.kill();
    }
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

    fn run(argv: &[String], timeout: Duration) -> Result<Vec<u8>, RunError> {
        crate::http::block_on(super::run(argv, timeout))
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
    fn a_run_given_up_on_kills_the_command_and_its_group() {
        // The cycle's deadline or the daemon's stop drops the run: the script and the
        // `sleep` it started go with it, long before their own timeout.
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        let script = format!("sleep 600 & echo $! > {}; wait", pid_file.display());
        let argv = sh(&script);
        let dropped = crate::http::block_on(async {
            let run = super::run(&argv, Duration::from_secs(600));
            tokio::pin!(run);
            // Polled until the script has started its child, then dropped.
            loop {
                tokio::select! {
                    _ = &mut run => return false,
                    () = tokio::task::yield_now() => {}
                }
                if std::fs::read_to_string(&pid_file).is_ok_and(|p| p.ends_with('\n')) {
                    return true;
                }
            }
        });
        assert!(dropped, "the script ended by itself");
        let pid: i32 = std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        // Killed: gone, or a zombie waiting for its reaper, never running or sleeping.
        let state = |pid: i32| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|s| s.rsplit(") ").next().and_then(|r| r.chars().next()))
        };
        let mut seen = state(pid);
        for _ in 0..10_000 {
            if matches!(seen, None | Some('Z' | 'X')) {
                break;
            }
            std::thread::yield_now();
            seen = state(pid);
        }
        assert!(matches!(seen, None | Some('Z' | 'X')), "{pid}: {seen:?}");
    }

    #[test]
    fn a_flood_on_stdout_is_refused() {
        let e = run(&sh("head -c 2000000 /dev/zero"), Duration::from_secs(10));
        assert_eq!(e.unwrap_err(), RunError::TooLarge);
    }
}
