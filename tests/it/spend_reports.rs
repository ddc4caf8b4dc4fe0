//! `creditwatch spend` as a person reads it: the fixture transcripts through the real
//! binary, its tables and its JSON (days counted in UTC).

use crate::support::bin::{command, succeed_in};
use crate::support::tree::copy_tree;
use serde_json::Value;
use std::path::{Path, PathBuf};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/claude-code");
/// 2026-11-21 09:00 UTC, the morning after the fixture's last response.
use crate::support::NEXT_MORNING as NOW;
/// 2026-11-20 19:30 UTC, while the fixture's last 5-hour block goes on.
const DURING_LAST_BLOCK: i64 = NOW - 13 * 3600 - 1800;

struct Home {
    _dir: tempfile::TempDir,
    home: PathBuf,
    cw: PathBuf,
}

/// A HOME with the fixture transcripts and a config without network sources.
fn home() -> Home {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    copy_tree(&Path::new(FIXTURES).join("logs/home"), &home);
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
    }
}

impl Home {
    fn spend(&self, now: i64, args: &[&str]) -> String {
        let mut all = vec!["spend"];
        all.extend_from_slice(args);
        succeed_in(now, &self.home, &self.cw, &all)
    }

    fn json(&self, now: i64, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        serde_json::from_str(&self.spend(now, &all)).unwrap()
    }
}

/// The first cell of each table line after the header, up to the total.
fn first_cells(text: &str) -> Vec<String> {
    let table = text.split("\n\n").nth(1).unwrap_or_default();
    table
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

#[test]
fn totals_are_costliest_first_with_their_shares_and_period() {
    let h = home();
    let out = h.spend(NOW, &[]);
    assert!(
        out.starts_with("Spend, 2026-10-22 09:00 to 2026-11-21 09:00 (UTC): $7.61 in 41 responses"),
        "{out}"
    );
    let apps = out.split("By app\n").nth(1).unwrap();
    let rows: Vec<&str> = apps.lines().skip(1).take(3).collect();
    assert!(
        rows[0].contains("claude-code") && rows[0].ends_with("$5.29   69.5%"),
        "{out}"
    );
    assert!(
        rows[1].contains("claude-desktop") && rows[1].ends_with("27.3%"),
        "{out}"
    );
    assert!(rows[2].contains("claude-agent-sdk"), "{out}");
    // Projects are the folders the lines name, not the transcript folders' names.
    assert!(out.contains("/Users/ana/src/api "), "{out}");
    assert!(!out.contains("-Users-ana"), "{out}");
}

#[test]
fn days_split_by_model_between_two_dates() {
    let h = home();
    let out = h.spend(
        NOW,
        &[
            "--by",
            "day,model",
            "--since",
            "2026-11-18",
            "--until",
            "2026-11-19",
        ],
    );
    assert!(
        out.starts_with("Spend by day, 2026-11-18 00:00 to 2026-11-19 23:59 (UTC): $5.29"),
        "{out}"
    );
    let lines: Vec<&str> = out.lines().collect();
    let header: Vec<&str> = lines[2].split_whitespace().collect();
    assert_eq!(
        header,
        [
            "day",
            "opus-4-1",
            "sonnet-4-5",
            "haiku-4-5",
            "cost",
            "share"
        ]
    );
    let day: Vec<&str> = lines[3].split_whitespace().collect();
    assert_eq!(
        day,
        ["2026-11-18", "$0.00", "$1.72", "$0.05", "$1.77", "33.4%"]
    );
    let total: Vec<&str> = lines[5].split_whitespace().collect();
    assert_eq!(total, ["total", "$3.53", "$1.72", "$0.05", "$5.29", "100%"]);
    assert!(
        out.contains("Unpriced: 5.7k tokens of claude-mystery-9"),
        "{out}"
    );
}

#[test]
fn the_block_going_on_shows_its_time_left_and_projected_cost() {
    let h = home();
    let out = h.spend(DURING_LAST_BLOCK, &["--by", "block", "--since", "today"]);
    assert_eq!(
        first_cells(&out),
        ["2026-11-20", "2026-11-20", "total"],
        "{out}"
    );
    let going: Vec<&str> = out.lines().filter(|l| l.contains(" left ")).collect();
    assert_eq!(going.len(), 1, "{out}");
    assert!(going[0].contains("2026-11-20 18:00   3h 30m left"), "{out}");
    assert!(
        out.contains("The block going on ends at Fri 23:00 (3h 30m left); at $"),
        "{out}"
    );
    let r = h.json(DURING_LAST_BLOCK, &["--by", "block", "--since", "today"]);
    let block = &r["rows"][1]["block"];
    assert_eq!(block["active"], true);
    assert_eq!(block["left_s"], 3 * 3600 + 1800);
    let cost = r["rows"][1]["cost_usd"].as_f64().unwrap();
    assert!(block["projected_usd"].as_f64().unwrap() > cost, "{r}");
    assert_eq!(r["rows"][0]["key"], "2026-11-20T09:00:00Z");
    assert_eq!(r["rows"][0]["block"]["active"], false);
}

#[test]
fn sessions_in_json_add_up_to_the_fixtures_total() {
    let h = home();
    let r = h.json(NOW, &["--by", "session", "--since", "all"]);
    let rows = r["rows"].as_array().unwrap();
    let sum: f64 = rows.iter().map(|r| r["cost_usd"].as_f64().unwrap()).sum();
    assert!((sum - 7.6106435).abs() < 1e-9, "{sum}");
    assert_eq!(r["total"]["entries"], 41);
    let costs: Vec<f64> = rows
        .iter()
        .map(|r| r["cost_usd"].as_f64().unwrap())
        .collect();
    assert!(
        costs.windows(2).all(|w| w[0] >= w[1]),
        "costliest first: {costs:?}"
    );
    let bot = rows
        .iter()
        .find(|r| r["key"] == "7fc87b0a-034c-3c3e-f0cc-b64d0a8707a1")
        .unwrap();
    assert_eq!(bot["project"], "/Users/ana/src/bot");
    assert!(bot["last_at"].as_i64().unwrap() >= bot["first_at"].as_i64().unwrap());
    let shares: f64 = rows.iter().map(|r| r["share"].as_f64().unwrap()).sum();
    assert!((shares - 1.0).abs() < 1e-6, "{shares}");
}

#[test]
fn a_project_under_home_reads_with_a_tilde() {
    let h = home();
    let folder = h.home.join(".claude/projects/-home-x");
    std::fs::create_dir_all(&folder).unwrap();
    let cwd = h.home.join("src/app");
    let line = format!(
        r#"{{"type":"assistant","cwd":{:?},"sessionId":"s-9","timestamp":"2026-11-20T10:00:00.000Z","requestId":"req_h","message":{{"id":"msg_h","model":"claude-opus-4-6","usage":{{"input_tokens":100,"output_tokens":100}}}}}}"#,
        cwd.display().to_string()
    );
    // Claude Code names the folder after the path; this one is named for it.
    let name = cwd
        .to_string_lossy()
        .replace(|c: char| !c.is_ascii_alphanumeric(), "-");
    std::fs::rename(&folder, folder.with_file_name(&name)).unwrap();
    std::fs::write(folder.with_file_name(&name).join("s-9.jsonl"), line + "\n").unwrap();
    let r = h.json(NOW, &["--by", "project"]);
    let keys: Vec<&str> = r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert!(keys.contains(&"~/src/app"), "{keys:?}");
}

#[test]
fn a_period_or_grouping_that_makes_no_sense_is_refused_with_the_reason() {
    let h = home();
    let cases: [(&[&str], &str); 4] = [
        (
            &["--since", "yesterdy"],
            "--since: \"yesterdy\" is not a date (2026-11-01), a duration (7d, 12h) or one of today, yesterday",
        ),
        (
            &["--since", "today", "--until", "yesterday"],
            "--since today is after --until yesterday: the period is empty",
        ),
        (
            &["--by", "weekday"],
            "--by: \"weekday\" is not one of day, week",
        ),
        (
            &["--by", "model,model"],
            "the rows and the columns are the same",
        ),
    ];
    for (args, said) in cases {
        let mut all = vec!["spend"];
        all.extend_from_slice(args);
        let out = command(NOW, &h.home, &h.cw, &all).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        assert!(err.contains(said), "{args:?}: {err}");
    }
}
