//! Several machines and a team, with the real engines: two daemons of one account post
//! one alert to an Alertmanager cluster and end it together; an Alertmanager that is down
//! gets what waited once it is back. These need Alertmanager (and Prometheus, for the
//! remote-write tests in `remote_write.rs`), which `.ci/run` installs.

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
const LIMIT: Duration = Duration::from_secs(90);

/// The account's email in the profile fixture: the `account` label on every machine.
const ACCOUNT: &str = "ana@example.com";

/// A rule that fires while the credit balance is under $50, told to Alertmanager only.
const LOW_CREDITS: &str = r#"return {
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
fn anthropic(low: Arc<AtomicBool>) -> Server {
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
struct Machine {
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
    fn start(anthropic: &Server, urls: &[String], rule: &str) -> Machine {
        let am = format!("[notify.alertmanager]\nurls = {urls:?}\nresend = \"1s\"\n");
        Machine::with(anthropic, rule, &am, "roots = []")
    }

    /// Starts a daemon that reads `anthropic` and Claude Code's transcripts as `logs`
    /// says, ticks every second, with `extra` config; `rule` is its only rule.
    fn with(anthropic: &Server, rule: &str, extra: &str, logs: &str) -> Machine {
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
    fn run(&self, args: &[&str]) -> String {
        let (home, cw) = (self.dir.path().join("home"), self.dir.path().join("cw"));
        let now = jiff::Timestamp::now().as_second();
        crate::support::bin::succeed_in(now, &home, &cw, args)
    }

    /// `creditwatch check --json` on this machine: the snapshot it sees.
    fn check(&self) -> Value {
        serde_json::from_str(&self.run(&["check", "--json"])).unwrap()
    }

    fn database(&self) -> PathBuf {
        Paths::under(&self.dir.path().join("cw")).database()
    }

    /// The Alertmanager rows of its outbox.
    fn posts(&self) -> Vec<OutboxRow> {
        posts(&self.database())
    }

    fn log(&self) -> String {
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

/// The samples of a PromQL query at this instant, as (labels, value).
fn query(prometheus: &Engine, promql: &str) -> Vec<(Value, f64)> {
    let url = reqwest::Url::parse_with_params(
        &format!("{}/api/v1/query", prometheus.url),
        &[("query", promql)],
    )
    .unwrap();
    let v = engines::get_json(url.as_str());
    v["data"]["result"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|r| {
            let value = r["value"][1].as_str().unwrap().parse().unwrap();
            (r["metric"].clone(), value)
        })
        .collect()
}

#[test]
#[ignore = "needs alertmanager and prometheus; .ci/run installs them"]
fn pushed_series_are_in_prometheus_with_their_labels_and_the_values_check_shows() {
    let prometheus = engines::prometheus();
    let server = anthropic(Arc::new(AtomicBool::new(true)));
    let push = format!(
        "[metrics.remote_write]\nurl = \"{}/api/v1/write\"\ninterval = \"1s\"\nlabels = {{ team = \"platform\" }}\n",
        prometheus.url
    );
    let m = Machine::with(&server, LOW_CREDITS, &push, "");
    // Two pushes, so that rates and increases have two samples to work with.
    wait_for("two pushes in Prometheus", LIMIT, || {
        !query(&prometheus, "creditwatch_credits_balance_usd").is_empty()
            && !query(
                &prometheus,
                "count_over_time(creditwatch_spend_usd_total[5m]) >= 2",
            )
            .is_empty()
    });
    let check = m.check();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let balance = query(&prometheus, "creditwatch_credits_balance_usd");
    assert_eq!(balance.len(), 1, "{balance:?}");
    let (labels, value) = &balance[0];
    assert_eq!(*value, check["credits"]["balance_usd"].as_f64().unwrap());
    assert_eq!(labels["account"], ACCOUNT);
    assert_eq!(labels["instance"], host.trim());
    assert_eq!(labels["job"], "creditwatch");
    assert_eq!(labels["team"], "platform");

    // Every app's spend this month is what `check` says it is.
    let apps = check["apps"].as_object().unwrap();
    let month = query(
        &prometheus,
        "creditwatch_app_spend_usd{period=\"this_month\"}",
    );
    assert_eq!(month.len(), apps.len(), "{month:?}");
    for (labels, value) in &month {
        let app = labels["app"].as_str().unwrap();
        let want = apps[app]["spend_usd"]["this_month"].as_f64().unwrap();
        assert!((value - want).abs() < 1e-9, "{app}: {value} vs {want}");
    }

    // The counters add up to the transcripts' known totals, by app and by model.
    let expected: Value =
        serde_json::from_slice(&fixture("claude-code/logs/expected.json")).unwrap();
    for (by, promql) in [
        ("by_app", "sum by (app) (creditwatch_spend_usd_total)"),
        (
            "by_model",
            "sum by (model) (creditwatch_spend_usd_total{model!=\"claude-mystery-9\"})",
        ),
    ] {
        let got = query(&prometheus, promql);
        let want = expected[by].as_object().unwrap();
        assert_eq!(got.len(), want.len(), "{by}: {got:?}");
        for (labels, value) in got {
            let name = labels[&by[3..]].as_str().unwrap();
            let want = want[name].as_f64().unwrap();
            assert!(
                (value - want).abs() < 1e-6,
                "{by} {name}: {value} vs {want}"
            );
        }
    }
    let output = query(
        &prometheus,
        "sum(creditwatch_tokens_total{type=\"output\"})",
    );
    assert_eq!(output[0].1, expected["tokens"]["output"].as_f64().unwrap());
    assert!(!m.log().contains(TOKEN));
    assert_dashboard_shows(&prometheus);

    // `status` says how the push is doing.
    let status = m.run(&["status"]);
    assert!(
        status.contains("Remote write: ") && status.contains("pushes taken"),
        "{status}"
    );
}

/// Every panel's queries in the dashboard, with its variables set to "all".
fn dashboard_queries() -> Vec<(String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("grafana/creditwatch.json");
    let dashboard: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let mut out = Vec::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        for t in panel["targets"].as_array().into_iter().flatten() {
            let expr = t["expr"].as_str().unwrap();
            let expr = expr.replace("$account", ".*").replace("$instance", ".*");
            out.push((panel["title"].as_str().unwrap().to_string(), expr));
        }
    }
    out
}

/// Every query of the Grafana dashboard is valid PromQL over the pushed series, and the
/// panels on credits, spend and alerts have something to show.
fn assert_dashboard_shows(prometheus: &Engine) {
    let must = [
        "Usage-credit balance",
        "Spend per person and app, last 24 h",
        "Firing alerts",
        "Machines reporting",
    ];
    for (title, expr) in dashboard_queries() {
        let url = reqwest::Url::parse_with_params(
            &format!("{}/api/v1/query", prometheus.url),
            &[("query", expr.as_str())],
        )
        .unwrap();
        let v = engines::get_json(url.as_str());
        assert_eq!(v["status"], "success", "{title}: {expr}: {v}");
        let shown = !v["data"]["result"].as_array().unwrap().is_empty();
        assert!(
            shown || !must.contains(&title.as_str()),
            "{title}: {expr} shows nothing"
        );
    }
}

#[test]
fn the_dashboard_asks_only_for_series_creditwatch_pushes() {
    let queries = dashboard_queries();
    assert!(queries.len() >= 20, "{queries:?}");
    for (title, expr) in &queries {
        let names: Vec<&str> = expr
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| w.starts_with("creditwatch_"))
            .collect();
        assert!(
            !names.is_empty(),
            "{title}: {expr} reads no creditwatch series"
        );
        for name in names {
            assert!(
                creditwatch::metrics::names::ALL
                    .iter()
                    .any(|n| n.name == name),
                "{title}: {name} is not pushed"
            );
        }
    }
}
