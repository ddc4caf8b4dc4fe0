//! A server that never answers costs a cycle one deadline, not a timeout per endpoint one
//! after another: the other sources are asked at the same time and read, and `status`
//! names the slow one.

use crate::support::admin::{KEY, admin};
use crate::support::anthropic::{home_with_credentials, network_config};
use crate::support::http::{Answer, Server};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Seconds a request to either server may take here.
const TIMEOUT_S: u64 = 5;

#[test]
fn a_silent_server_holds_the_cycle_for_one_deadline_while_the_others_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let home = home_with_credentials(dir.path());
    // When each server was first asked.
    let asked: Arc<Mutex<Vec<(&str, Instant)>>> = Arc::default();
    let (a, b) = (asked.clone(), asked.clone());
    let silent = Server::start(move |_| {
        a.lock().unwrap().push(("oauth", Instant::now()));
        Answer::Silence
    });
    let answering = Server::start(move |r| {
        b.lock().unwrap().push(("admin", Instant::now()));
        admin(r)
    });
    let cw = dir.path().join("cw");
    let setting = format!("timeout = \"{TIMEOUT_S}s\"");
    network_config(&cw, &silent.base_url, &answering.base_url, &setting);
    let now = crate::support::NOW;
    let out = crate::support::bin::command(now, &home, &cw, &["check"])
        .env("CW_TEST_ADMIN_KEY", KEY)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    // The Admin API was asked while the OAuth server still had its first request, not
    // after that request timed out.
    let asked = asked.lock().unwrap().clone();
    let first = |who| {
        asked
            .iter()
            .find(|(w, _)| *w == who)
            .map(|(_, t)| *t)
            .unwrap()
    };
    let (oauth, admin_at) = (first("oauth"), first("admin"));
    let apart = if admin_at > oauth {
        admin_at - oauth
    } else {
        oauth - admin_at
    };
    assert!(
        apart.as_secs() < TIMEOUT_S,
        "asked {apart:?} apart: {asked:?}"
    );
    // The usage request timed out; the profile asked after it was still open at the
    // cycle's deadline and was cancelled there.
    assert_eq!(silent.count("/api/oauth/"), 2, "{:?}", silent.requests());
    let report = String::from_utf8_lossy(&out.stdout);
    let line = |name: &str, text: &str| {
        text.lines()
            .find(|l| l.split_whitespace().any(|w| w == name))
            .unwrap_or_else(|| panic!("no {name} in\n{text}"))
            .to_string()
    };
    assert!(
        line("anthropic_admin", &report).contains(" ok "),
        "{report}"
    );
    let status = crate::support::bin::command(now + 60, &home, &cw, &["status"])
        .output()
        .unwrap();
    let status = String::from_utf8_lossy(&status.stdout);
    let oauth_line = line("claude_oauth", &status);
    assert!(
        oauth_line.contains(&format!("no answer within {TIMEOUT_S}s")),
        "{status}"
    );
}
