//! Transcripts that are not what they seem, read by the real binary: a FIFO or a device
//! named `*.jsonl` is skipped without holding up the cycle, and a dangling link is a
//! skipped file, not a broken source.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use wait_timeout::ChildExt;

/// A billed response of `msg`.
fn line(msg: &str) -> String {
    format!(
        r#"{{"type":"assistant","timestamp":"2026-11-20T10:00:00.000Z","requestId":"req_{msg}","message":{{"id":"msg_{msg}","model":"claude-opus-4-6","usage":{{"input_tokens":1000,"output_tokens":100}}}}}}"#
    ) + "\n"
}

/// `creditwatch check --json` over `projects`; fails the test if it does not end in 20 s.
fn check(home: &Path, projects: &Path) -> (Option<i32>, serde_json::Value, String) {
    std::fs::write(
        home.join("config.toml"),
        format!(
            "[sources.claude_code_logs]\nroots = [{:?}]\n[sources.claude_oauth]\nenabled = false\n",
            projects.display().to_string()
        ),
    )
    .unwrap();
    let mut child =
        crate::support::bin::command(crate::support::NOW, home, home, &["check", "--json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
    let Some(status) = child.wait_timeout(Duration::from_secs(20)).unwrap() else {
        let _ = child.kill();
        panic!("check hung");
    };
    let out = child.wait_with_output().unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or_default();
    (
        status.code(),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_fifo_or_dev_zero_named_jsonl_does_not_hold_up_check() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("projects/-home-ana-app");
    std::fs::create_dir_all(&project).unwrap();
    let fifo = dir.path().join("fifo");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo reads a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    std::os::unix::fs::symlink(&fifo, project.join("a.jsonl")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", project.join("b.jsonl")).unwrap();
    std::os::unix::fs::symlink("/nonexistent", project.join("c.jsonl")).unwrap();
    std::fs::write(project.join("d.jsonl"), line("1")).unwrap();
    let (code, json, stderr) = check(dir.path(), &dir.path().join("projects"));
    assert_eq!(code, Some(0), "{stderr}");
    let logs = &json["sources"]["claude_code_logs"];
    assert_eq!(logs["ok"], true, "{json}");
    assert_eq!(logs["error"], serde_json::Value::Null, "{json}");
    let spent = json["apps"]["claude-code"]["spend_usd"]["today"]
        .as_f64()
        .unwrap();
    assert!((spent - 0.0075).abs() < 1e-9, "{json}");
}
