//! The built binary against real files: the fixture transcript tree, a real SQLite store,
//! and Claude Code's status line input.

use crate::support::tree::copy_tree;
use serde_json::Value;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_creditwatch");
pub(super) const FIXTURES: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/claude-code");
/// 2026-11-21 09:00 UTC, the morning after the fixture's last response.
pub(super) use crate::support::NEXT_MORNING as NOW;

/// A home of its own for the binary: the fixture transcripts and an empty store.
pub(super) struct Env {
    _dir: tempfile::TempDir,
    pub(super) home: PathBuf,
    pub(super) cw_home: PathBuf,
}

impl Env {
    /// A HOME holding a copy of the fixture transcripts, and an empty `CREDITWATCH_HOME`.
    pub(super) fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        copy_tree(&Path::new(FIXTURES).join("logs/home"), &home);
        let cw_home = dir.path().join("cw");
        Env {
            _dir: dir,
            home,
            cw_home,
        }
    }

    pub(super) fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        if !args.contains(&"--now") {
            cmd.env("CREDITWATCH_NOW", NOW.to_string());
        }
        cmd.args(args)
            .env("HOME", &self.home)
            .env("CREDITWATCH_HOME", &self.cw_home)
            .env("TZ", "UTC")
            .env_remove("CLAUDE_CONFIG_DIR")
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("RUST_LOG");
        cmd
    }

    pub(super) fn run(&self, args: &[&str]) -> Output {
        self.command(args).stdin(Stdio::null()).output().unwrap()
    }

    pub(super) fn json(&self, args: &[&str]) -> Value {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    pub(super) fn statusline(&self, input: &[u8]) -> (Output, String) {
        piped(self.command(&["statusline"]), input)
    }

    fn append(&self, rel: &str, text: &str) {
        let mut f = OpenOptions::new()
            .append(true)
            .open(self.home.join(rel))
            .unwrap();
        f.write_all(text.as_bytes()).unwrap();
    }
}

/// Runs `cmd` with `input` on stdin; returns its output and stdout as text.
pub(super) fn piped(mut cmd: Command, input: &[u8]) -> (Output, String) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    let line = String::from_utf8(out.stdout.clone()).unwrap();
    (out, line)
}

fn close(a: &Value, b: f64) {
    let a = a.as_f64().unwrap_or_else(|| panic!("not a number: {a}"));
    assert!((a - b).abs() <= 1e-6, "{a} != {b}");
}

fn assert_money_maps(got: &Value, want: &Value) {
    let (got, want) = (got.as_object().unwrap(), want.as_object().unwrap());
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>()
    );
    for (k, v) in want {
        close(&got[k], v.as_f64().unwrap());
    }
}

#[test]
fn fixture_totals_then_only_appended_spend() {
    let env = Env::new();
    let expected: Value =
        serde_json::from_slice(&fs::read(Path::new(FIXTURES).join("logs/expected.json")).unwrap())
            .unwrap();
    let got = env.json(&["spend", "--since", "all", "--utc", "--json"]);
    assert_eq!(got["entries"], expected["entries"]);
    close(&got["total_usd"], expected["total_usd"].as_f64().unwrap());
    assert_money_maps(&got["by_app"], &expected["by_app"]);
    assert_money_maps(&got["by_model"], &expected["by_model"]);
    assert_money_maps(&got["by_day"], &expected["by_day_utc"]);
    crate::support::fixtures::assert_tokens(&got["tokens"], &expected["tokens"]);
    assert_eq!(got["unpriced_tokens"], expected["unpriced_tokens"]);
    assert_eq!(got["malformed_lines"], expected["malformed_lines"]);
    assert_eq!(got["partial_lines"], expected["partial_lines"]);

    // The line being written is finished ($0.0505 of Opus 4.6 from Claude Desktop), a new
    // Agent SDK response arrives ($0.033 of Sonnet 4.6), and a known response is replayed.
    env.append(
        ".claude/projects/-Users-ana-src-api/166d66a6-991c-3b0e-92e8-96ec0fa66910.jsonl",
        concat!(
            r#"ge": {"id": "msg_done", "model": "claude-opus-4-6", "content": [], "usage": {"input_tokens": 100, "#,
            r#""output_tokens": 1000, "cache_read_input_tokens": 10000, "cache_creation_input_tokens": 2000, "#,
            r#""cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 2000}}}}"#,
            "\n"
        ),
    );
    let bot =
        ".config/claude/projects/-Users-ana-src-bot/7fc87b0a-034c-3c3e-f0cc-b64d0a8707a1.jsonl";
    let replay = fs::read_to_string(env.home.join(bot))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    env.append(
        bot,
        &format!(
            "{}\n{replay}\n",
            r#"{"type":"assistant","entrypoint":"sdk-ts","timestamp":"2026-11-20T19:00:00.000Z","requestId":"req_new","message":{"id":"msg_new","model":"claude-sonnet-4-6","usage":{"input_tokens":1000,"output_tokens":2000}}}"#
        ),
    );
    let after = env.json(&["spend", "--since", "all", "--utc", "--json"]);
    assert_eq!(after["entries"], 43);
    close(&after["total_usd"], 7.6106435 + 0.0505 + 0.033);
    close(&after["by_app"]["claude-desktop"], 2.07969 + 0.0505);
    close(&after["by_app"]["claude-agent-sdk"], 0.2381139 + 0.033);
    close(&after["by_app"]["claude-code"], 5.2928396);
    close(&after["by_day"]["2026-11-20"], 2.3178039 + 0.0835);
    assert_eq!(after["partial_lines"], 0);
    assert_eq!(after["malformed_lines"], 1);
    assert_eq!(after["tokens"]["cache_write_1h"], 142_550 + 2000);
}

#[test]
fn check_json_is_the_snapshot_with_rule_field_names() {
    let env = Env::new();
    let s = env.json(&["check", "--json"]);
    assert_eq!(s["now"], NOW);
    assert_eq!(s["account"], "default");
    let code = &s["apps"]["claude-code"];
    close(&code["spend_usd"]["last_7d"], 5.2928396);
    close(&code["spend_usd"]["this_month"], 5.2928396);
    close(&code["spend_usd"]["today"], 0.0);
    close(&code["burn_usd_per_hour"], 0.0);
    close(&code["by_model"]["claude-opus-4-1"]["last_7d"], 3.52587675);
    // The api project's Claude Code spend: all of it but Claude Desktop's, under the
    // folder its lines name (not under the home of this test, so without `~`).
    close(
        &code["by_project"]["/Users/ana/src/api"]["last_7d"],
        5.85298125 - 2.07969,
    );
    assert_eq!(code["unpriced_tokens"]["claude-mystery-9"], 5710);
    assert!(code["tokens"]["cache_read"].as_u64().unwrap() > 0);
    close(
        &s["apps"]["claude-desktop"]["spend_usd"]["last_24h"],
        2.07969,
    );
    assert_eq!(s["sources"]["claude_code_logs"]["ok"], true);
    assert_eq!(s["sources"]["claude_code_logs"]["stale"], false);
    assert!(s["plan"]["name"].is_null());
    assert_eq!(s["accounts"]["default"]["apps"], s["apps"]);
}

#[test]
fn check_prints_a_readable_report() {
    let env = Env::new();
    let out = env.run(&["check"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "Sources",
        "claude_code_logs",
        "Spend by app",
        "claude-desktop",
        "$2.08",
        "Spend by model",
        "Spend by project",
        "Last 7 days",
        "2026-11-19",
        "$3.53",
        "claude-mystery-9",
        "1 malformed line skipped",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
}

#[test]
fn a_bad_config_exits_2_naming_file_line_and_key() {
    let env = Env::new();
    fs::create_dir_all(&env.cw_home).unwrap();
    let config = env.cw_home.join("config.toml");
    fs::write(
        &config,
        "poll_interval = \"5m\"\n\n[sources.claude_code_logs]\ninterval = \"soon\"\n",
    )
    .unwrap();
    let out = env.run(&["check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains(&format!("{}:4:12:", config.display())),
        "{err}"
    );
    assert!(err.contains("sources.claude_code_logs.interval"), "{err}");
    assert_eq!(err.lines().count(), 1, "printed once: {err}");
}

/// Runs `args` with standard output a pipe whose reader is already gone, as in
/// `creditwatch check | head -1` once `head` has its line.
fn into_closed_pipe(env: &Env, args: &[&str]) -> (std::process::ExitStatus, String) {
    use std::os::fd::{FromRawFd, OwnedFd};
    let mut fds = [0; 2];
    // SAFETY: pipe fills two descriptors that this process then owns.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(read);
    let out = env
        .command(args)
        .stdout(Stdio::from(write))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (
        out.status,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_reader_that_goes_away_ends_every_command_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let env = Env::new();
    assert!(env.command(&["check"]).output().unwrap().status.success());
    let rule = env.cw_home.join("rules/daily-digest.lua");
    for args in [
        vec!["check"],
        vec!["check", "--json"],
        vec!["spend"],
        vec!["status", "--json"],
        vec!["rules", "check"],
        vec!["rules", "replay", rule.to_str().unwrap(), "--json"],
        vec!["outbox"],
    ] {
        let (status, stderr) = into_closed_pipe(&env, &args);
        // As Unix tools do: killed by SIGPIPE (141 in a shell), or done before noticing.
        assert!(
            status.signal() == Some(libc::SIGPIPE) || status.code() == Some(0),
            "{args:?}: {status:?}\n{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn completions_and_the_man_page_come_from_the_arguments_and_touch_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cw_home = dir.path().join("never-made");
    let run = |args: &[&str]| {
        let out = crate::support::bin::creditwatch(dir.path(), &cw_home)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    for shell in ["bash", "zsh", "fish"] {
        let script = run(&["completions", shell]);
        for word in ["forecast", "backtest", "service", "statusline", "config"] {
            assert!(script.contains(word), "{shell} completes {word}");
        }
    }
    // bash reads the script without a syntax error.
    let file = dir.path().join("creditwatch.bash");
    fs::write(&file, run(&["completions", "bash"])).unwrap();
    let checked = Command::new("bash").arg("-n").arg(&file).output().unwrap();
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stderr)
    );
    let man = run(&["man"]);
    assert!(man.contains(".TH creditwatch 1"), "{man}");
    for command in ["check", "forecast", "rules", "service", "completions"] {
        assert!(man.contains(command), "the man page names {command}");
    }
    assert!(!cw_home.exists(), "nothing was created");
}

#[test]
fn logs_into_a_pipe_or_the_journal_carry_no_colour_codes() {
    let dir = tempfile::tempdir().unwrap();
    let out = crate::support::bin::command(
        crate::support::NOW,
        dir.path(),
        &dir.path().join("cw"),
        &["check"],
    )
    .env("RUST_LOG", "debug")
    .output()
    .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("DEBUG") || err.contains("INFO"),
        "something was logged: {err}"
    );
    assert!(!err.contains('\u{1b}'), "no escape codes: {err:?}");
}

#[test]
fn status_without_a_daemon_promises_no_next_poll() {
    let dir = tempfile::tempdir().unwrap();
    let cw = dir.path().join("cw");
    crate::support::bin::succeed_in(crate::support::NOW, dir.path(), &cw, &["check"]);
    let out = crate::support::bin::command(crate::support::NOW + 60, dir.path(), &cw, &["status"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{text}");
    let logs = text
        .lines()
        .find(|l| l.contains("claude_code_logs"))
        .unwrap_or_else(|| panic!("no logs line in\n{text}"));
    assert!(logs.ends_with("when the daemon runs"), "{logs}");
}

#[test]
fn help_shows_now_where_it_means_something_and_names_every_channel() {
    let help = |args: &[&str]| {
        let out = Command::new(BIN).args(args).arg("--help").output().unwrap();
        assert!(out.status.success(), "{args:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    for args in [&["run"][..], &["completions"], &["man"], &["service"]] {
        assert!(!help(args).contains("--now"), "{args:?}: {}", help(args));
    }
    assert!(help(&[]).contains("--now"));
    assert!(help(&["rules", "test"]).contains("--now <TIME>"));
    assert!(help(&["notify", "test"]).contains("`alertmanager`"));
}

#[test]
fn check_lists_apps_models_and_projects_costliest_first_as_spend_does() {
    let env = Env::new();
    let out = env.run(&["check"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let apps = &text[text.find("Spend by app").unwrap()..text.find("Spend by model").unwrap()];
    let at = |name: &str| {
        apps.find(name)
            .unwrap_or_else(|| panic!("{name} in {apps}"))
    };
    assert!(
        at("claude-code ") < at("claude-desktop") && at("claude-desktop") < at("claude-agent-sdk"),
        "{apps}"
    );
    let models =
        &text[text.find("Spend by model").unwrap()..text.find("Spend by project").unwrap()];
    let month: Vec<f64> = models
        .lines()
        .skip(2)
        .filter_map(|l| l.split_whitespace().last()?.strip_prefix('$')?.parse().ok())
        .collect();
    assert!(month.len() > 2, "{models}");
    assert!(month.windows(2).all(|w| w[0] >= w[1]), "{models}");
}
