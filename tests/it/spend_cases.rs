//! Spend that matches the bill: a table of transcript trees (rewritten from the shapes and
//! numbers of ccusage's public test data, plus creditwatch's own tree), each read by the
//! real binary and checked against its `expected.json`, field by field.

use crate::support::tree::copy_tree;
use serde_json::Value;
use std::path::{Path, PathBuf};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/claude-code");
/// 2026-11-21 09:00 UTC, after every line of every case.
use crate::support::NEXT_MORNING as NOW;

/// `spend --json --since all` over the projects trees of a case, in a fresh home.
fn spend(roots: &[PathBuf]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let list: Vec<String> = roots
        .iter()
        .map(|r| format!("{:?}", r.display().to_string()))
        .collect();
    std::fs::write(
        dir.path().join("config.toml"),
        format!(
            "[sources.claude_code_logs]\nroots = [{}]\n[sources.claude_oauth]\nenabled = false\n",
            list.join(", ")
        ),
    )
    .unwrap();
    let out = crate::support::bin::succeed(
        NOW,
        dir.path(),
        &["spend", "--json", "--since", "all", "--utc"],
    );
    serde_json::from_str(&out).unwrap()
}

/// Compares every field `expected` names (numbers to 1e-9).
fn matches(case: &str, got: &Value, expected: &Value, at: &str) -> Vec<String> {
    match (got, expected) {
        (Value::Number(g), Value::Number(e)) => {
            let (g, e) = (g.as_f64().unwrap(), e.as_f64().unwrap());
            if (g - e).abs() > 1e-9 {
                return vec![format!("{case}: {at}: got {g}, expected {e}")];
            }
            Vec::new()
        }
        (Value::Object(g), Value::Object(e)) => {
            let mut wrong: Vec<String> = e
                .iter()
                .flat_map(|(k, v)| {
                    let got = g.get(k).unwrap_or(&Value::Null);
                    matches(case, got, v, &format!("{at}.{k}"))
                })
                .collect();
            if e.is_empty() && !g.is_empty() {
                wrong.push(format!("{case}: {at}: got {got}, expected nothing"));
            }
            wrong
        }
        (g, e) if g == e => Vec::new(),
        (g, e) => vec![format!("{case}: {at}: got {g}, expected {e}")],
    }
}

/// The cases: each folder of `cases/` (its `projects/`), and the transcript tree of
/// `logs/` (whose two roots are Claude Code's two default folders).
fn cases() -> Vec<(String, Vec<PathBuf>, PathBuf)> {
    let mut cases = Vec::new();
    let dir = Path::new(FIXTURES).join("cases");
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        cases.push((
            name,
            vec![entry.path().join("projects")],
            entry.path().join("expected.json"),
        ));
    }
    let logs = Path::new(FIXTURES).join("logs");
    cases.push((
        "transcript-tree".into(),
        vec![
            logs.join("home/.claude/projects"),
            logs.join("home/.config/claude/projects"),
        ],
        logs.join("expected.json"),
    ));
    cases.sort();
    cases
}

#[test]
fn every_case_totals_what_its_expected_json_says() {
    let mut wrong = Vec::new();
    let all = cases();
    assert!(all.len() >= 8, "{} cases", all.len());
    for (name, roots, expected) in all {
        // A copy, so no case's files are touched (and mtimes are the copy's).
        let copy = tempfile::tempdir().unwrap();
        let roots: Vec<PathBuf> = roots
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let to = copy.path().join(i.to_string());
                copy_tree(r, &to);
                to
            })
            .collect();
        let mut expected: Value =
            serde_json::from_str(&std::fs::read_to_string(&expected).unwrap()).unwrap();
        let object = expected.as_object_mut().unwrap();
        object.remove("why");
        // `by_day_utc` is the tree's own name for what `spend --utc` calls `by_day`.
        if let Some(days) = object.remove("by_day_utc") {
            object.insert("by_day".into(), days);
        }
        wrong.extend(matches(&name, &spend(&roots), &expected, "spend"));
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}
