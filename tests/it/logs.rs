//! What `RUST_LOG=debug` tells a person about the daemon: each cycle a span with its number,
//! inside it a span per source, rule and notifier with its name, and errors as fields.

use crate::support::http::{Answer, Server};
use crate::support::wait::{cycles, wait_for};
use std::process::Stdio;
use std::time::Duration;

#[test]
fn a_debug_log_follows_each_cycle_through_its_sources_rules_and_notifiers() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("cw");
    let rules = home.join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    let hook = Server::start(|_| Answer::json(500, "{\"error\": \"busy\"}"));
    std::fs::write(
        home.join("config.toml"),
        format!(
            "tick = \"1s\"\n[notify.desktop]\nenabled = false\n[notify.webhook]\nurl = \"{}/hook\"\n\
             [sources.claude_oauth]\nenabled = false\n",
            hook.base_url
        ),
    )
    .unwrap();
    std::fs::write(
        rules.join("always.lua"),
        "return { channels = {'webhook'}, check = function(s) return { title = 'hello' } end }",
    )
    .unwrap();
    std::fs::write(
        rules.join("broken.lua"),
        "return { check = function(s) error('boom') end }",
    )
    .unwrap();
    let log = dir.path().join("creditwatch.log");
    let mut daemon = crate::support::bin::creditwatch(dir.path(), &home)
        .args(["run", "--log", log.to_str().unwrap()])
        .env("RUST_LOG", "debug")
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for("two cycles", Duration::from_secs(60), || cycles(&home) >= 2);
    unsafe { libc::kill(daemon.id() as i32, libc::SIGTERM) };
    assert_eq!(daemon.wait().unwrap().code(), Some(0));
    let text = std::fs::read_to_string(&log).unwrap();
    let line = |needle: &str| {
        text.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle:?} in\n{text}"))
            .to_string()
    };
    let source = line("source{name=claude_code_logs}");
    assert!(
        source.contains("cycle{n=1}:source{name=claude_code_logs}"),
        "{source}"
    );
    let failed = line("rule failed");
    assert!(failed.contains("cycle{n=1}:rule{name=broken}"), "{failed}");
    assert!(
        failed.contains("error=broken.lua:1"),
        "the error is a field: {failed}"
    );
    let sent = line("notifier{channel=webhook}");
    assert!(
        sent.contains("cycle{n=1}:notifier{channel=webhook}"),
        "{sent}"
    );
    let retry = line("trying webhook again");
    assert!(retry.contains("error="), "{retry}");
    assert!(text.contains("cycle{n=2}"), "{text}");
}
