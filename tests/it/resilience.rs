//! The daemon in-process against faults of its world: a config that is broken at start, a
//! machine that sleeps for 8 hours between two ticks, and a Prometheus scrape. The wall
//! clock is the test's; ticks are short and the test waits for the daemon's own progress.

use crate::support::anthropic::{anthropic, fixture};
use crate::support::http::Server;
use crate::support::running::Running;
use creditwatch::alert::CONFIG_ERRORS;
use creditwatch::daemon;
use creditwatch::store::Store;
use prom_text_format_parser::{Scrape, Type};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// A bound on each wait; never reached when all is well.
const ARRIVE: Duration = Duration::from_secs(30);

/// A config polling the loopback Anthropic at `base_url`, with `extra` appended.
fn config(home: &Path, base_url: &str, extra: &str) -> String {
    let empty = home.join("no-transcripts");
    std::fs::create_dir_all(&empty).unwrap();
    let creds = home.join(".credentials.json");
    std::fs::write(&creds, fixture("claude-code/credentials.json")).unwrap();
    std::fs::create_dir_all(home.join("rules")).unwrap();
    format!(
        "[sources.claude_code_logs]\nroots = [{:?}]\n\
         [sources.claude_oauth]\nenabled = true\ninterval = \"5m\"\nbase_url = {base_url:?}\ncredentials_file = {:?}\n\
         [notify.desktop]\nenabled = false\n{extra}",
        empty.display().to_string(),
        creds.display().to_string()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_config_at_start_waits_degraded_and_recovers_when_fixed() {
    let home = tempfile::tempdir().unwrap();
    // What is told on the desktop waits in the outbox: `Running` gives the daemon a bus that
    // is nowhere.
    let file = home.path().join("config.toml");
    std::fs::write(
        &file,
        "poll_interval = \"5m\"\n[notify.desktop]\nenabeld = true\n",
    )
    .unwrap();
    let mut d = Running::start(home.path());
    d.until("the degraded state", |p| p.degraded).await;
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(home.path().join("data/daemon.json")).unwrap())
            .unwrap();
    let problem = state["degraded"].as_str().unwrap();
    assert!(problem.contains("config.toml:3"), "{problem}");
    assert!(problem.contains("enabeld"), "{problem}");
    // Told once, on the desktop, through the outbox; still alive, running no cycle.
    let db = home.path().join("data/creditwatch.db");
    let told = Store::open(&db).unwrap().outbox_all().unwrap();
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(
        (told[0].rule.as_str(), told[0].channel.as_str()),
        (CONFIG_ERRORS, "desktop")
    );
    assert_eq!(d.progress.borrow().cycles, 0);
    assert!(!d.task.is_finished());

    // Fixed: the watch sees it, the daemon starts its work and says the config is fine
    // (on the desktop, which the fixed config leaves on).
    std::fs::write(
        &file,
        "[sources.claude_code_logs]\nenabled = false\n[sources.claude_oauth]\nenabled = false\n",
    )
    .unwrap();
    d.until("the first cycle after the fix", |p| {
        !p.degraded && p.cycles >= 1
    })
    .await;
    let rows = Store::open(&db).unwrap().outbox_all().unwrap();
    let transitions: Vec<String> = rows
        .iter()
        .filter(|r| r.rule == CONFIG_ERRORS)
        .map(|r| r.transition.word())
        .collect();
    assert_eq!(transitions, ["firing", "resolved"]);
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_an_8_hour_sleep_each_source_is_polled_once_not_in_a_burst() {
    let home = tempfile::tempdir().unwrap();
    let server = Server::start(anthropic("oauth_usage.limits.json", "prepaid_credits.json"));
    std::fs::write(
        home.path().join("config.toml"),
        config(home.path(), &server.base_url, ""),
    )
    .unwrap();
    let mut d = Running::start(home.path());
    let p = d.until("three cycles", |p| p.cycles >= 3).await;
    let usage = server.count("/api/oauth/usage");
    let credits = server.count("/api/oauth/organizations/");
    assert_eq!((usage, credits), (1, 1), "one poll in the first 5 minutes");

    // The machine sleeps: the wall clock jumps 8 hours between two ticks.
    d.clock.fetch_add(8 * 3600, Ordering::SeqCst);
    d.until("five more cycles", |q| q.cycles >= p.cycles + 5)
        .await;
    assert_eq!(server.count("/api/oauth/usage"), usage + 1);
    assert_eq!(server.count("/api/oauth/organizations/"), credits + 1);
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_served_in_the_prometheus_text_format_with_the_pool_gauges() {
    let home = tempfile::tempdir().unwrap();
    let server = Server::start(anthropic("oauth_usage.limits.json", "prepaid_credits.json"));
    std::fs::write(
        home.path().join("config.toml"),
        config(
            home.path(),
            &server.base_url,
            &format!(
                "[metrics]\nlisten = \"127.0.0.1:{}\"\n",
                crate::support::engines::free_port()
            ),
        ),
    )
    .unwrap();
    let mut d = Running::start(home.path());
    let p = d
        .until("a cycle with metrics on", |p| {
            p.cycles >= 1 && p.metrics.is_some()
        })
        .await;
    let addr = p.metrics.unwrap();
    assert!(addr.ip().is_loopback());
    let reply = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let kind = reply.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(kind.contains("text/plain; version=0.0.4"), "{kind}");
    let body = &reply.text().await.unwrap();
    let parsed = Scrape::parse(body).unwrap_or_else(|e| panic!("{e:?} in\n{body}"));
    let gauge = |name: &str| {
        let m = parsed
            .metrics
            .iter()
            .find(|m| m.name == name)
            .unwrap_or_else(|| panic!("no {name} in\n{body}"));
        assert_eq!(m.kind, Type::Gauge);
        m.samples.clone()
    };
    let balance = gauge("creditwatch_credits_balance_usd");
    assert_eq!(balance.len(), 1);
    assert_eq!(balance[0].labels[0].value, "default");
    assert_eq!(balance[0].value.value.as_f64(), 42.13);
    let windows = gauge("creditwatch_plan_window_used_ratio");
    assert!(
        windows
            .iter()
            .any(|s| s.labels.iter().any(|l| l.value == "five_hour"))
    );
    let up = gauge("creditwatch_source_up");
    assert!(up.iter().all(|s| s.value.value.as_f64() == 1.0), "{body}");
    gauge("creditwatch_outbox");
    gauge("creditwatch_alerts");
    let missing = reqwest::get(format!("http://{addr}/nothing"))
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let dashboard = reqwest::get(format!("http://{addr}/api/snapshot"))
        .await
        .unwrap();
    assert_eq!(
        dashboard.status(),
        404,
        "[metrics] listen serves /metrics alone"
    );
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cycle_that_crashes_is_counted_and_the_last_good_config_stays() {
    let home = tempfile::tempdir().unwrap();
    let hook = Server::start(|_| crate::support::http::Answer::json(200, "{}"));
    let empty = home.path().join("no-transcripts");
    std::fs::create_dir_all(&empty).unwrap();
    let good = format!(
        "[sources.claude_code_logs]\nroots = [{:?}]\n[sources.claude_oauth]\nenabled = false\n\
         [notify.desktop]\nenabled = false\n[notify.webhook]\nurl = \"{}/hook\"\n",
        empty.display().to_string(),
        hook.base_url
    );
    let file = home.path().join("config.toml");
    std::fs::write(&file, good).unwrap();
    std::fs::create_dir_all(home.path().join("rules")).unwrap();
    // A new alert at every instant, told on the webhook.
    std::fs::write(
        home.path().join("rules/every.lua"),
        "return { channels = {'webhook'}, check = function(s) \
         return { key = tostring(s.now), title = 'at ' .. s.now } end }",
    )
    .unwrap();
    let armed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let trigger = Arc::clone(&armed);
    let fault: daemon::Fault = Arc::new(move |step: &str| {
        assert!(
            !(step == "cycle" && trigger.swap(false, Ordering::SeqCst)),
            "a bug in a cycle"
        );
    });
    let mut d = Running::start_with(home.path(), Some(fault));
    d.until("a first cycle", |p| p.cycles >= 1 && p.sent >= 1)
        .await;
    let posts = hook.count("/hook");

    // The file breaks (no reload asked), then a cycle crashes.
    std::fs::write(&file, "[notify.webhook]\nurl = 42\n").unwrap();
    armed.store(true, Ordering::SeqCst);
    let p = d.until("the crash", |p| p.crashes >= 1).await;
    d.clock.fetch_add(60, Ordering::SeqCst);
    d.until("two cycles after it", |q| q.cycles >= p.cycles + 2)
        .await;
    // Started again with the last good config: the webhook is still on.
    let more = tokio::time::timeout(ARRIVE, async {
        while hook.count("/hook") <= posts {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(
        more.is_ok(),
        "nothing sent after the crash: the webhook was lost"
    );
    assert_eq!(d.progress.borrow().crashes, 1);
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(home.path().join("data/daemon.json")).unwrap())
            .unwrap();
    assert_eq!(state["crashes"], 1);
    assert!(
        state["last_crash"]
            .as_str()
            .unwrap()
            .contains("a bug in a cycle"),
        "{state}"
    );
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telling_a_broken_config_that_crashes_is_counted_and_tried_again() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("config.toml"), "tick = 5\n").unwrap();
    let crashes = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = Arc::clone(&crashes);
    let fault: daemon::Fault = Arc::new(move |step: &str| {
        assert!(
            !(step == "tell" && count.fetch_add(1, Ordering::SeqCst) == 0),
            "a bug while telling"
        );
    });
    let mut d = Running::start_with(home.path(), Some(fault));
    d.until("the crash, and the wait", |p| p.crashes == 1 && p.degraded)
        .await;
    let db = home.path().join("data/creditwatch.db");
    let told = tokio::time::timeout(ARRIVE, async {
        loop {
            let rows = Store::open(&db).map(|s| s.outbox_all().unwrap_or_default());
            if let Ok(rows) = rows.as_ref()
                && rows.iter().any(|r| r.rule == CONFIG_ERRORS)
            {
                return rows.clone();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the config problem was never told");
    assert_eq!(told.len(), 1, "told once, after the crash: {told:?}");
    assert!(crashes.load(Ordering::SeqCst) >= 2, "tried again");
    d.stop().await;
}
