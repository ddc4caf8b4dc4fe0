//! Reloading rules: the last good version of a broken file, and the folder watch (two-part
//! writes, save-by-rename, a symlinked folder, files that are not rules).

use creditwatch::rule::{Input, NoHistory, RuleSet};
use jiff::tz::TimeZone;
use std::path::Path;

use crate::support::NOW;

#[test]
fn a_broken_reload_keeps_the_last_good_version() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("r.lua");
    std::fs::write(
        &file,
        "return { check = function() return { title = 'v1' } end }",
    )
    .unwrap();
    let tz = TimeZone::UTC;
    let mut rules = RuleSet::load(dir.path(), &tz, NOW);
    std::fs::write(&file, "return { check = function() return { title = 'v2' ").unwrap();
    let reload = rules.reload(&tz, NOW);
    assert_eq!(reload.broken.len(), 1);
    assert!(
        reload.broken[0].to_string().starts_with("r.lua:"),
        "{:?}",
        reload.broken
    );
    let json = serde_json::json!({"now": NOW});
    let input = Input::new(&json, &NoHistory, &tz);
    let evaluations = rules.evaluate(&input);
    assert_eq!(evaluations[0].result.as_ref().unwrap()[0].title, "v1");
    assert_eq!(rules.errors().count(), 1);
    std::fs::write(
        &file,
        "return { check = function() return { title = 'v3' } end }",
    )
    .unwrap();
    let reload = rules.reload(&tz, NOW);
    assert_eq!(reload.changed, ["r.lua"]);
    assert_eq!(rules.errors().count(), 0);
    assert_eq!(
        rules.evaluate(&input)[0].result.as_ref().unwrap()[0].title,
        "v3"
    );
    std::fs::remove_file(&file).unwrap();
    assert_eq!(rules.reload(&tz, NOW).removed, ["r.lua"]);
    assert_eq!(rules.rules().count(), 0);
}

use creditwatch::watch::{DEBOUNCE, Watcher};
use std::sync::mpsc::Receiver;

/// A watch whose reloads arrive on a channel.
fn watch(dir: &Path, debounce: Duration) -> Result<Watched, creditwatch::watch::WatchError> {
    let (tx, reloads) = std::sync::mpsc::channel();
    let watcher = creditwatch::rule::watch(dir, debounce, move || {
        let _ = tx.send(());
    })?;
    Ok(Watched {
        _watcher: watcher,
        reloads,
    })
}

struct Watched {
    _watcher: Watcher,
    reloads: Receiver<()>,
}
use std::io::Write;
use std::sync::mpsc::RecvTimeoutError;
use std::time::Duration;

/// Long enough for any event of the same burst to arrive: no second signal within it
/// means the burst gave one reload.
const QUIET: Duration = Duration::from_millis(1500);
const ARRIVE: Duration = Duration::from_secs(10);

fn title(rules: &RuleSet) -> String {
    let json = serde_json::json!({"now": NOW});
    let tz = TimeZone::UTC;
    let input = Input::new(&json, &NoHistory, &tz);
    let e = rules.evaluate(&input);
    e[0].result.as_ref().unwrap()[0].title.clone()
}

fn rule_text(title: &str) -> String {
    format!("return {{ check = function() return {{ title = '{title}' }} end }}\n")
}

#[test]
fn a_two_part_write_gives_one_reload_with_the_final_content() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("r.lua");
    std::fs::write(&file, rule_text("v1")).unwrap();
    let tz = TimeZone::UTC;
    let mut rules = RuleSet::load(dir.path(), &tz, NOW);
    let w = watch(dir.path(), DEBOUNCE).unwrap();
    let text = rule_text("v2");
    let (a, b) = text.split_at(20);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(&file)
        .unwrap();
    f.write_all(a.as_bytes()).unwrap();
    f.flush().unwrap();
    f.write_all(b.as_bytes()).unwrap();
    drop(f);
    w.reloads.recv_timeout(ARRIVE).expect("one reload");
    assert_eq!(
        w.reloads.recv_timeout(QUIET),
        Err(RecvTimeoutError::Timeout),
        "only one"
    );
    let reload = rules.reload(&tz, NOW);
    assert_eq!(reload.changed, ["r.lua"]);
    assert!(reload.broken.is_empty(), "{:?}", reload.broken);
    assert_eq!(title(&rules), "v2");
    // Reading the files during the reload is not a change.
    assert_eq!(
        w.reloads.recv_timeout(QUIET),
        Err(RecvTimeoutError::Timeout)
    );
}

#[test]
fn save_by_rename_in_a_symlinked_folder_gives_one_reload() {
    let root = tempfile::tempdir().unwrap();
    let real = root.path().join("real");
    std::fs::create_dir(&real).unwrap();
    let link = root.path().join("rules");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    std::fs::write(link.join("r.lua"), rule_text("v1")).unwrap();
    let tz = TimeZone::UTC;
    let mut rules = RuleSet::load(&link, &tz, NOW);
    let w = watch(&link, DEBOUNCE).unwrap();
    // What vim and most editors do: write a new file, then rename it over the old one.
    std::fs::write(link.join(".r.lua.swp"), rule_text("v2")).unwrap();
    std::fs::rename(link.join(".r.lua.swp"), link.join("r.lua")).unwrap();
    w.reloads.recv_timeout(ARRIVE).expect("one reload");
    assert_eq!(
        w.reloads.recv_timeout(QUIET),
        Err(RecvTimeoutError::Timeout),
        "only one"
    );
    rules.reload(&tz, NOW);
    assert_eq!(title(&rules), "v2");
}

#[test]
fn files_that_are_not_rules_do_not_reload() {
    let dir = tempfile::tempdir().unwrap();
    let w = watch(dir.path(), DEBOUNCE).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "x").unwrap();
    std::fs::write(dir.path().join("_draft.lua"), "x").unwrap();
    std::fs::write(dir.path().join("r.lua~"), "x").unwrap();
    assert_eq!(
        w.reloads.recv_timeout(QUIET),
        Err(RecvTimeoutError::Timeout)
    );
    // A rule file does, so the watch is live.
    std::fs::write(dir.path().join("new.lua"), rule_text("n")).unwrap();
    w.reloads
        .recv_timeout(ARRIVE)
        .expect("a reload for a new rule");
}
