//! The second hostile pass, through the binary where a user would meet each case: a
//! transcript line built to crash the reader or overflow its sums, a command source whose
//! program leaves a child holding the pipe, and config paths that are not files.

use crate::support::bin::command;
use crate::support::http::{Answer, Server};
use serde_json::Value;
use std::path::PathBuf;

/// 2026-11-21 09:00 UTC.
const NOW: i64 = crate::support::NEXT_MORNING;

/// A HOME with one Claude Code transcript, and a `CREDITWATCH_HOME` beside it.
struct Home {
    _dir: tempfile::TempDir,
    home: PathBuf,
    cw: PathBuf,
    transcript: PathBuf,
}

/// A billed response of Claude Code with `input` input tokens and 1000 output tokens.
fn response(id: &str, input: &str) -> String {
    format!(
        r#"{{"type":"assistant","timestamp":"2026-11-20T18:00:00.000Z","requestId":"req_{id}","message":{{"id":"msg_{id}","model":"claude-sonnet-4-6","usage":{{"input_tokens":{input},"output_tokens":1000}}}}}}"#
    )
}

impl Home {
    fn with_lines(lines: &[String]) -> Home {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let project = home.join(".claude/projects/-Users-ana-src-api");
        std::fs::create_dir_all(&project).unwrap();
        let transcript = project.join("0b0c2ad4-5a8e-4f3c-9d55-5a3a1e6c7f01.jsonl");
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        std::fs::write(&transcript, text).unwrap();
        let cw = dir.path().join("cw");
        std::fs::create_dir_all(&cw).unwrap();
        std::fs::write(
            cw.join("config.toml"),
            "[sources.claude_oauth]\nenabled = false\n",
        )
        .unwrap();
        Home {
            _dir: dir,
            home,
            cw,
            transcript,
        }
    }

    /// `args` at [`NOW`]: its exit code, stdout and stderr.
    fn run(&self, args: &[&str]) -> (Option<i32>, String, String) {
        let out = command(NOW, &self.home, &self.cw, args).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn spend(&self) -> Value {
        let (code, out, err) = self.run(&["spend", "--since", "all", "--json"]);
        assert_eq!(code, Some(0), "{err}");
        serde_json::from_str(&out).unwrap()
    }

    fn db(&self) -> PathBuf {
        self.cw.join("data/creditwatch.db")
    }
}

fn total(v: &Value) -> f64 {
    v["total_usd"].as_f64().unwrap()
}

#[test]
fn a_transcript_line_nested_1500_deep_is_skipped_as_malformed_not_a_crash() {
    let mut nested = String::new();
    for _ in 0..1500 {
        nested.push_str(r#"{"type":"progress","data":{"message":"#);
    }
    // Only lines that mention usage reach the parser.
    nested.push_str(r#"{"message":{"usage":{"input_tokens":1}}}"#);
    for _ in 0..1500 {
        nested.push_str("}}");
    }
    let good = response("good", "2000");
    let home = Home::with_lines(&[good.clone(), nested]);
    let alone = Home::with_lines(&[good]);
    let (code, out, err) = home.run(&["check"]);
    assert_eq!(code, Some(0), "check died: {err}");
    assert!(out.contains("1 malformed line skipped"), "{out}");
    let spend = home.spend();
    assert_eq!(spend["malformed_lines"], 1);
    assert_eq!(spend["entries"], 1);
    assert!((total(&spend) - total(&alone.spend())).abs() < 1e-9);
}

#[test]
fn a_token_count_no_response_can_have_is_malformed_and_no_sum_overflows() {
    let good = response("good", "2000");
    let home = Home::with_lines(&[
        good.clone(),
        response("max", "9223372036854775807"),
        response("wraps", "18446744073709551615"),
        response("big", "1000000001"),
    ]);
    let alone = Home::with_lines(&[good]);
    let (code, out, err) = home.run(&["check"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("3 malformed lines skipped"), "{out}");
    let spend = home.spend();
    assert_eq!(spend["malformed_lines"], 3);
    assert_eq!(spend["entries"], 1);
    let expected = total(&alone.spend());
    assert!((total(&spend) - expected).abs() < 1e-9, "{spend}");
    assert!(expected > 0.0);
}

/// Rows a build before the bound stored (the count past 2^63 as -1, the largest i64 as
/// itself) are removed by the migration; the good ones stay and every sum works again.
#[test]
fn rows_stored_before_the_bound_are_removed_when_the_database_is_opened() {
    let home = Home::with_lines(&[response("good", "2000")]);
    let expected = total(&home.spend());
    let conn = rusqlite::Connection::open(home.db()).unwrap();
    for (key, input) in [(1_i64, i64::MAX), (2, -1)] {
        conn.execute(
            "INSERT INTO requests (key, account, t, app, model, project, input, output,
                cache_read, cache_write_5m, cache_write_1h, total, cost_usd)
             SELECT ?1, account, t, app, model, project, ?2, output, 0, 0, 0, ?2, cost_usd * 1e9
             FROM requests LIMIT 1",
            rusqlite::params![key, input],
        )
        .unwrap();
    }
    conn.pragma_update(None, "user_version", 13).unwrap();
    drop(conn);
    let spend = home.spend();
    assert_eq!(spend["entries"], 1, "{spend}");
    assert!((total(&spend) - expected).abs() < 1e-9, "{spend}");
    let (code, _, err) = home.run(&["check"]);
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn the_last_line_of_a_quiet_file_without_a_newline_counts_on_the_first_read() {
    let home = Home::with_lines(&[response("first", "2000")]);
    let mut text = std::fs::read_to_string(&home.transcript).unwrap();
    text.push_str(&response("last", "3000"));
    std::fs::write(&home.transcript, text).unwrap();
    let file = std::fs::File::options()
        .write(true)
        .open(&home.transcript)
        .unwrap();
    let hour_before = std::time::UNIX_EPOCH + std::time::Duration::from_secs(NOW as u64 - 3600);
    file.set_modified(hour_before).unwrap();
    let spend = home.spend();
    assert_eq!(spend["entries"], 2, "{spend}");
    assert_eq!(spend["malformed_lines"], 0);
    // The next read finds nothing new and counts nothing twice.
    assert_eq!(home.spend()["entries"], 2);
}

/// `check --json` with one command source running `script`, bounded by a minute (it ends
/// in seconds when all is well): the snapshot, and how long it took.
fn check_with_command(script: &str) -> (Value, std::time::Duration) {
    use std::os::unix::fs::PermissionsExt;
    use wait_timeout::ChildExt;
    let home = Home::with_lines(&[response("good", "2000")]);
    let program = home.cw.join("usage.sh");
    std::fs::write(&program, format!("#!/bin/sh\n{script}\n")).unwrap();
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(
        home.cw.join("config.toml"),
        format!(
            "[sources.claude_oauth]\nenabled = false\n[[sources.command]]\nname = \"tool\"\n\
             command = [{:?}]\ntimeout = \"3s\"\n",
            program.display().to_string()
        ),
    )
    .unwrap();
    let started = std::time::Instant::now();
    let mut child = command(NOW, &home.home, &home.cw, &["check", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut text).unwrap();
        text
    });
    let status = child
        .wait_timeout(std::time::Duration::from_secs(60))
        .unwrap();
    if status.is_none() {
        child.kill().unwrap();
        panic!("check did not return within a minute");
    }
    let took = started.elapsed();
    (serde_json::from_str(&reader.join().unwrap()).unwrap(), took)
}

const ANSWER: &str =
    r#"echo '{"credits": {"balance_usd": 12.5, "currency": "USD", "auto_reload": null}}'"#;

#[test]
fn a_command_that_leaves_a_child_running_answers_at_once() {
    let (s, took) = check_with_command(&format!("(sleep 300 &); {ANSWER}"));
    assert_eq!(s["credits"]["balance_usd"], 12.5, "{}", s["sources"]);
    assert_eq!(s["sources"]["tool"]["ok"], true);
    assert!(took.as_secs() < 3, "waited for the child: {took:?}");
}

/// A child that left the process group cannot be killed with it: reading stops at the
/// source's timeout and the answer the command gave is used.
#[cfg(target_os = "linux")]
#[test]
fn a_child_outside_the_group_holding_the_pipe_is_left_at_the_timeout() {
    let (s, took) = check_with_command(&format!("setsid sleep 20 & {ANSWER}"));
    assert_eq!(s["credits"]["balance_usd"], 12.5, "{}", s["sources"]);
    assert_eq!(s["sources"]["tool"]["ok"], true);
    assert!(took.as_secs() < 10, "waited for the child: {took:?}");
}

/// A response of an app named by `entrypoint`.
fn response_of(id: usize, entrypoint: &str) -> String {
    format!(
        r#"{{"type":"assistant","entrypoint":"{entrypoint}","timestamp":"2026-11-20T18:00:00.000Z","requestId":"req_{id}","message":{{"id":"msg_{id}","model":"claude-sonnet-4-6","usage":{{"input_tokens":{},"output_tokens":100}}}}}}"#,
        1000 + id
    )
}

#[test]
fn five_thousand_apps_are_the_costliest_twenty_and_other_and_every_rule_runs() {
    let mut lines: Vec<String> = (0..5000)
        .map(|i| response_of(i, &format!("tool-{i}")))
        .collect();
    lines.push(response_of(5000, &"x".repeat(100_000)));
    let home = Home::with_lines(&lines);
    let (code, out, err) = home.run(&["check", "--json"]);
    assert_eq!(code, Some(0), "{err}");
    let s: Value = serde_json::from_str(&out).unwrap();
    let apps = s["apps"].as_object().unwrap();
    assert_eq!(apps.len(), 20, "{:?}", apps.keys().collect::<Vec<_>>());
    assert!(apps.contains_key("other") && apps.contains_key("tool-4999"));
    assert!(apps.keys().all(|name| name.chars().count() <= 64));
    let month: f64 = apps
        .values()
        .map(|a| a["spend_usd"]["this_month"].as_f64().unwrap())
        .sum();
    assert!((month - total(&home.spend())).abs() < 1e-6, "no spend lost");
    let (code, out, err) = home.run(&["check"]);
    assert_eq!(code, Some(0), "{err}");
    let from = out.find("Rules").expect(&out);
    let rules = &out[from..from + out[from..].find("\nChannels").expect(&out)];
    assert!(
        !rules.contains("error") && !rules.contains("budget"),
        "{rules}"
    );
}

#[test]
fn a_rule_key_over_200_characters_is_the_rules_error() {
    let home = Home::with_lines(&[response("good", "2000")]);
    let rules = home.cw.join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(
        rules.join("long-keys.lua"),
        "return { check = function(s)\n  local out = {}\n  for i = 1, 100 do\n    \
         out[i] = { key = string.rep(\"k\", 100000) .. i, title = \"t\" }\n  end\n  \
         return out\nend }\n",
    )
    .unwrap();
    let (code, out, err) = home.run(&["check"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("[1].key: 100001 characters, over the limit of 200"),
        "{out}"
    );
    let (_, alerts, _) = home.run(&["alerts", "--json"]);
    assert!(alerts.len() < 10_000, "{} bytes of alerts", alerts.len());
}

#[test]
fn a_status_line_with_numbers_out_of_range_stores_none_of_them_and_says_so() {
    use std::io::Write;
    let home = Home::with_lines(&[response("good", "2000")]);
    let input = r#"{"session_id":"s1","model":{"id":"claude-sonnet-4-6","display_name":"Sonnet"},
        "cost":{"total_cost_usd":184467440737095516.15},
        "rate_limits":{"five_hour":{"used_percentage":1e308,"resets_at":1795204800},
                       "seven_day":{"used_percentage":150,"resets_at":1e300}}}"#;
    let mut child = command(NOW, &home.home, &home.cw, &["statusline"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let line = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        !line.contains("inf") && !line.contains("150%") && !line.contains("184,467"),
        "{line}"
    );
    let (_, s, _) = home.run(&["check", "--json"]);
    let s: Value = serde_json::from_str(&s).unwrap();
    assert_eq!(s["plan"]["windows"].as_array().map_or(0, Vec::len), 0);
    let note = s["sources"]["statusline"]["error"].as_str().unwrap();
    assert!(
        note.contains("rate_limits.five_hour.used_percentage = 1e308 (not 0 to 100)")
            && note.contains("rate_limits.seven_day.used_percentage = 150")
            && note.contains("cost.total_cost_usd"),
        "{note}"
    );
}

#[test]
fn a_config_that_is_a_device_a_fifo_or_huge_is_refused_at_once() {
    let home = Home::with_lines(&[response("good", "2000")]);
    let fifo = home.cw.join("fifo.toml");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let huge = home.cw.join("huge.toml");
    std::fs::write(&huge, "#".repeat(2 << 20)).unwrap();
    for (path, why) in [
        ("/dev/zero".to_string(), "a device, not a regular file"),
        (fifo.display().to_string(), "a FIFO, not a regular file"),
        (huge.display().to_string(), "larger than 1 MiB"),
    ] {
        let (code, _, err) = home.run(&["--config", &path, "check"]);
        assert_eq!(code, Some(2), "{path}: {err}");
        assert!(
            err.contains(&format!("cannot read config file {path}: {why}")),
            "{err}"
        );
    }
}

#[test]
fn a_listen_address_with_port_0_is_a_config_error() {
    let home = Home::with_lines(&[response("good", "2000")]);
    for table in ["dashboard", "metrics"] {
        std::fs::write(
            home.cw.join("config.toml"),
            format!("[{table}]\nlisten = \"127.0.0.1:0\"\n"),
        )
        .unwrap();
        let (code, _, err) = home.run(&["check"]);
        assert_eq!(code, Some(2), "{err}");
        assert!(
            err.contains(&format!("key `{table}.listen`")) && err.contains("port 0"),
            "{err}"
        );
    }
}

/// A server that redirects every request to `to` (same path), and the one it points at.
fn redirecting() -> (Server, Server) {
    let elsewhere = Server::start(|_| Answer::json(200, "{}"));
    let to = elsewhere.base_url.clone();
    let first = Server::start(move |r| {
        Answer::Reply(
            307,
            vec![("Location".into(), format!("{to}{}", r.path))],
            Vec::new(),
        )
    });
    (first, elsewhere)
}

const SECRET: &str = "sk-ant-admin01-CANARY-redirect-0000000000";

#[test]
fn the_admin_key_and_a_webhooks_headers_never_follow_a_redirect() {
    let (first, elsewhere) = redirecting();
    let home = Home::with_lines(&[response("good", "2000")]);
    std::fs::write(
        home.cw.join("config.toml"),
        format!(
            "[sources.claude_oauth]\nenabled = false\n[sources.anthropic_admin]\n\
             api_key_env = \"CW_ADMIN\"\nbase_url = {:?}\n\
             [notify.desktop]\nenabled = false\n\
             [notify.webhook]\nurl = \"{}/hook\"\nheaders_env = {{ X-Secret = \"CW_ADMIN\" }}\n\
             [notify.alertmanager]\nurls = [{:?}]\n",
            first.base_url, first.base_url, first.base_url
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = command(NOW, &home.home, &home.cw, args)
            .env("CW_ADMIN", SECRET)
            .output()
            .unwrap();
        let text = crate::support::bin::said(&out);
        assert!(!text.contains(SECRET), "{text}");
        text
    };
    let check = run(&["check"]);
    let said = format!(
        "answered 307, a redirect to {}, which is not followed",
        elsewhere.base_url
    );
    assert!(check.contains(&said), "{check}");
    for channel in ["webhook", "alertmanager"] {
        let out = run(&["notify", "test", channel]);
        assert!(out.contains(&said), "{channel}: {out}");
    }
    assert!(first.requests().len() >= 3, "{:?}", first.requests());
    assert!(
        elsewhere.requests().is_empty(),
        "followed: {:?}",
        elsewhere.requests()
    );
}
