//! Several machines and a team, with the real engines: two daemons of one account post
//! one alert to an Alertmanager cluster and end it together; an Alertmanager that is down
//! gets what waited once it is back. These need Alertmanager, which `.ci/run` installs (the
//! team's Prometheus is in `team_prometheus.rs`).

use crate::support::anthropic::{ORG, TOKEN, fixture};
use crate::support::engines::{self, Engine};
use crate::support::http::{Answer, Request, Server};
use crate::support::wait::wait_for;
use creditwatch::paths::Paths;
use creditwatch::store::{OutboxRow, Store};
use creditwatch::vocab::Channel;
use creditwatch::vocab::OutboxState;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// A bound on waiting for the daemons and the engines; never reached when all is well.
/// An Alertmanager that was down is tried again after the channel's first backoff (15 to
/// 30 s), so this leaves room for it.
pub(super) const LIMIT: Duration = Duration::from_secs(90);

/// The account's email in the profile fixture: the `account` label on every machine.
pub(super) const ACCOUNT: &str = "ana@example.com";

/// A rule that fires while the credit balance is under $50, told to Alertmanager only.
pub(super) const LOW_CREDITS: &str = r#"return {
  description = "Credits under $50",
  channels = { "alertmanager" },
  check = function(s)
    local c = s.credits
    if c and c.balance_usd < 50 then
      return { title = "Claude credits are low", body = cw.usd(c.balance_usd) .. " left" }
    end
  end,
}
"#;

/// A fake Anthropic whose credit balance is $18.75 while `low` holds, else $500.
pub(super) fn anthropic(low: Arc<AtomicBool>) -> Server {
    Server::start(move |r: &Request| {
        if r.header("authorization") != Some(format!("Bearer {TOKEN}").as_str()) {
            return Answer::json(401, "{}");
        }
        let credits = format!("/api/oauth/organizations/{ORG}/prepaid/credits");
        match r.path.as_str() {
            "/api/oauth/usage" => Answer::json(200, fixture("anthropic/oauth_usage.flat.json")),
            "/api/oauth/profile" => Answer::json(200, fixture("anthropic/oauth_profile.json")),
            p if p == credits && low.load(Ordering::SeqCst) => {
                Answer::json(200, fixture("anthropic/prepaid_credits.no_reload.json"))
            }
            p if p == credits => Answer::json(
                200,
                r#"{"amount": 50000, "currency": "USD", "auto_reload_settings": null}"#,
            ),
            _ => Answer::json(404, "{}"),
        }
    })
}

/// One machine: its own home and data folder, the daemon running in it.
pub(super) struct Machine {
    dir: tempfile::TempDir,
    daemon: Child,
}

impl Drop for Machine {
    fn drop(&mut self) {
        unsafe { libc::kill(self.daemon.id() as i32, libc::SIGTERM) };
        let _ = self.daemon.wait();
    }
}

impl Machine {
    /// Starts a daemon that reads `anthropic`, ticks every second and posts to `urls`.
    pub(super) fn start(anthropic: &Server, urls: &[String], rule: &str) -> Machine {
        let am = format!("[notify.alertmanager]\nurls = {urls:?}\nresend = \"1s\"\n");
        Machine::with(anthropic, rule, &am, "roots = []")
    }

    /// Starts a daemon that reads `anthropic` and Claude Code's transcripts as `logs`
    /// says, ticks every second, with `extra` config; `rule` is its only rule.
    pub(super) fn with(anthropic: &Server, rule: &str, extra: &str, logs: &str) -> Machine {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let cw = dir.path().join("cw");
        let paths = Paths::under(&cw);
        std::fs::create_dir_all(paths.rules_dir()).unwrap();
        std::fs::create_dir_all(&home).unwrap();
        if logs.is_empty() {
            let transcripts =
                Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/claude-code/logs/home");
            crate::support::tree::copy_tree(&transcripts, &home);
        }
        std::fs::write(paths.rules_dir().join("credits-low.lua"), rule).unwrap();
        let creds = home.join(".credentials.json");
        std::fs::write(&creds, fixture("claude-code/credentials.json")).unwrap();
        std::fs::write(
            paths.config_file(),
            format!(
                "tick = \"1s\"\n[sources.claude_code_logs]\n{logs}\n\
                 [sources.claude_oauth]\nbase_url = {:?}\ncredentials_file = {:?}\n\
                 interval = \"1s\"\n[notify.desktop]\nenabled = false\n{extra}",
                anthropic.base_url,
                creds.display().to_string(),
            ),
        )
        .unwrap();
        let daemon = crate::support::bin::creditwatch(&home, &cw)
            .arg("run")
            .env("RUST_LOG", "info")
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("daemon.log")).unwrap())
            .spawn()
            .unwrap();
        Machine { dir, daemon }
    }

    /// `creditwatch ARGS` on this machine, at the time it runs (the daemon's clock).
    pub(super) fn run(&self, args: &[&str]) -> String {
        let (home, cw) = (self.dir.path().join("home"), self.dir.path().join("cw"));
        let now = jiff::Timestamp::now().as_second();
        crate::support::bin::succeed_in(now, &home, &cw, args)
    }

    /// `creditwatch check --json` on this machine: the snapshot it sees.
    pub(super) fn check(&self) -> Value {
        serde_json::from_str(&self.run(&["check", "--json"])).unwrap()
    }

    pub(super) fn database(&self) -> PathBuf {
        Paths::under(&self.dir.path().join("cw")).database()
    }

    /// The Alertmanager rows of its outbox.
    pub(super) fn posts(&self) -> Vec<OutboxRow> {
        posts(&self.database())
    }

    pub(super) fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("daemon.log")).unwrap_or_default()
    }
}

fn posts(db: &Path) -> Vec<OutboxRow> {
    if !db.exists() {
        return Vec::new();
    }
    Store::open(db)
        .and_then(|s| s.outbox_all())
        .map(|rows| {
            rows.into_iter()
                .filter(|r| r.channel == Channel::Alertmanager)
                .collect()
        })
        .unwrap_or_default()
}

/// The alert groups an Alertmanager shows, as its API gives them.
fn groups(am: &Engine) -> Vec<Value> {
    let v = engines::get_json(&format!("{}/api/v2/alerts/groups", am.url));
    v.as_array().cloned().unwrap_or_default()
}

/// The alerts an Alertmanager holds as active.
fn active(am: &Engine) -> Vec<Value> {
    let v = engines::get_json(&format!("{}/api/v2/alerts?active=true", am.url));
    v.as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|a| a["status"]["state"] == "active")
        .collect()
}

#[test]
#[ignore = "needs alertmanager and prometheus; .ci/run installs them"]
fn two_machines_of_one_account_make_one_alert_group_that_ends_when_the_condition_does() {
    let first = engines::alertmanager();
    let second = engines::alertmanager_on(engines::free_port(), Some(&first));
    let urls = vec![first.url.clone(), second.url.clone()];
    let low = Arc::new(AtomicBool::new(true));
    let server = anthropic(low.clone());
    let laptop = Machine::start(&server, &urls, LOW_CREDITS);
    let desktop = Machine::start(&server, &urls, LOW_CREDITS);

    // Both machines told both instances.
    for m in [&laptop, &desktop] {
        wait_for("each machine's post to be sent", LIMIT, || {
            m.posts().iter().any(|r| r.state == OutboxState::Sent)
        });
    }
    for am in [&first, &second] {
        let groups = groups(am);
        assert_eq!(groups.len(), 1, "one group in {}: {groups:?}", am.url);
        let alerts = groups[0]["alerts"].as_array().unwrap();
        assert_eq!(
            alerts.len(),
            1,
            "the two machines' alerts merged: {alerts:?}"
        );
        let labels = &alerts[0]["labels"];
        assert_eq!(labels["alertname"], "credits-low");
        assert_eq!(labels["account"], ACCOUNT);
        assert_eq!(labels["severity"], "warning");
        assert!(
            labels.get("instance").is_none(),
            "an account's alert: {labels}"
        );
        let notes = &alerts[0]["annotations"];
        assert_eq!(notes["summary"], "Claude credits are low");
        assert_eq!(notes["description"], "$18.75 left");
        assert_eq!(notes["credits_balance_usd"], "18.75");
    }

    // The balance is topped up: both machines end the alert, and it ends in Alertmanager.
    low.store(false, Ordering::SeqCst);
    for m in [&laptop, &desktop] {
        wait_for("each machine to send the end", LIMIT, || {
            m.posts().iter().any(|r| {
                r.transition == creditwatch::vocab::Transition::Resolved
                    && r.state == OutboxState::Sent
            })
        });
    }
    for am in [&first, &second] {
        wait_for("the alert to end in Alertmanager", LIMIT, || {
            active(am).is_empty()
        });
    }
    assert!(!laptop.log().contains(TOKEN) && !desktop.log().contains(TOKEN));
}

#[test]
#[ignore = "needs alertmanager and prometheus; .ci/run installs them"]
fn alerts_told_while_alertmanager_is_down_arrive_when_it_is_back() {
    let port = engines::free_port();
    let url = format!("http://127.0.0.1:{port}");
    let server = anthropic(Arc::new(AtomicBool::new(true)));
    let two = LOW_CREDITS.replace(
        "return { title = \"Claude credits are low\", body = cw.usd(c.balance_usd) .. \" left\" }",
        "return { { key = \"a\", title = \"low a\" }, { key = \"b\", title = \"low b\" } }",
    );
    assert_ne!(two, LOW_CREDITS);
    let m = Machine::start(&server, &[url], &two);
    // The first post fails; the other waits for the channel without an attempt of its own.
    wait_for("the posts to wait for Alertmanager", LIMIT, || {
        let rows = m.posts();
        rows.len() == 2
            && rows.iter().all(|r| r.state == OutboxState::Retry)
            && rows.iter().any(|r| r.attempts >= 1)
    });
    let am = engines::alertmanager_on(port, None);
    wait_for("both alerts in Alertmanager", LIMIT, || {
        active(&am).len() == 2
    });
    let mut keys: Vec<String> = active(&am)
        .iter()
        .map(|a| a["labels"]["key"].as_str().unwrap_or_default().to_string())
        .collect();
    keys.sort();
    assert_eq!(keys, ["a", "b"], "{}", m.log());
    assert!(m.posts().iter().all(|r| r.state != OutboxState::Dead));
}
