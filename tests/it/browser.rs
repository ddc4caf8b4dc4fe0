//! The dashboard page in a real browser: a daemon over the fixture transcripts and a credit
//! balance served from loopback, its page opened in headless Chromium (driven over the
//! DevTools protocol), checked for what a person sees. Needs Chromium, which `.ci/run`
//! installs; the screenshots are kept in `target/browser/`.

use crate::support::anthropic::{ORG, TOKEN, fixture};
use crate::support::browser::Browser;
use crate::support::http::{Answer, Request, Server};
use crate::support::wait::{cycles, wait_for};
use creditwatch::format::{pct, usd};
use creditwatch::paths::Paths;
use creditwatch::store::{Sample, Store};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(60);

/// A rule that fires while the balance is under $50.
const LOW: &str = r#"return { channels = { "desktop" }, check = function(s)
  if s.credits and s.credits.balance_usd < 50 then
    return { title = "Claude credits are low", body = cw.usd(s.credits.balance_usd) .. " left" }
  end
end }"#;

/// The account's server: the usage fixture with its windows resetting 2 hours and 3 days
/// from `now`, and a credit balance of `cents`, which the test changes.
fn anthropic(now: i64, cents: Arc<AtomicU64>) -> Server {
    let at = |t: i64| jiff::Timestamp::from_second(t).unwrap().to_string();
    let mut usage: serde_json::Value =
        serde_json::from_slice(&fixture("anthropic/oauth_usage.flat.json")).unwrap();
    usage["five_hour"]["resets_at"] = at(now + 2 * 3600).into();
    usage["seven_day"]["resets_at"] = at(now + 3 * 86_400).into();
    usage["seven_day_opus"]["resets_at"] = at(now + 3 * 86_400).into();
    let usage = usage.to_string();
    Server::start(move |r: &Request| {
        if r.header("authorization") != Some(format!("Bearer {TOKEN}").as_str()) {
            return Answer::json(401, "{}");
        }
        let credits = format!("/api/oauth/organizations/{ORG}/prepaid/credits");
        match r.path.as_str() {
            "/api/oauth/usage" => Answer::json(200, usage.clone()),
            "/api/oauth/profile" => Answer::json(200, fixture("anthropic/oauth_profile.json")),
            p if p == credits => {
                let amount = cents.load(Ordering::SeqCst);
                let body = format!(
                    r#"{{"amount": {amount}, "currency": "USD", "auto_reload_settings": null}}"#
                );
                Answer::json(200, body)
            }
            _ => Answer::json(404, "{}"),
        }
    })
}

/// A daemon running with a 1-second tick over the fixture transcripts, the `LOW` rule, a
/// week of the balance falling from $102 to $50.20 and extra usage rising to $154.20, and the dashboard on a port the system picks.
struct Setup {
    dir: tempfile::TempDir,
    cents: Arc<AtomicU64>,
    _server: Server,
    _daemon: Daemon,
}

impl Setup {
    fn start() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let (home, cw) = (dir.path().join("home"), dir.path().join("cw"));
        let paths = Paths::under(&cw);
        let transcripts =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/claude-code/logs/home");
        crate::support::tree::copy_tree(&transcripts, &home);
        // The transcripts end on 20 November at 18:18 UTC: moved to end an hour ago, so
        // today and the last 7 days have spend on the page.
        let now = jiff::Timestamp::now().as_second();
        let ended: jiff::Timestamp = "2026-11-20T19:18:00Z".parse().unwrap();
        crate::support::tree::shift_timestamps(&home, now - ended.as_second());
        std::fs::create_dir_all(paths.rules_dir()).unwrap();
        std::fs::write(paths.rules_dir().join("credits-low.lua"), LOW).unwrap();
        let creds = home.join(".credentials.json");
        std::fs::write(&creds, fixture("claude-code/credentials.json")).unwrap();
        let cents = Arc::new(AtomicU64::new(5020));
        let server = anthropic(now, cents.clone());
        std::fs::write(
            paths.config_file(),
            format!(
                "tick = \"1s\"\n[sources.claude_oauth]\nbase_url = {:?}\ncredentials_file = {:?}\n\
                 interval = \"1s\"\n[notify.desktop]\nenabled = false\n\
                 [dashboard]\nlisten = \"127.0.0.1:{}\"\n",
                server.base_url,
                creds.display().to_string(),
                crate::support::engines::free_port()
            ),
        )
        .unwrap();
        let store = Store::open(&paths.database()).unwrap();
        for h in 1..=168 {
            let s = Sample {
                t: now - h * 3600,
                v: 50.2 + 0.31 * h as f64,
            };
            store
                .record_sample("default", "credits.balance_usd", s, "test")
                .unwrap();
            let spent = Sample {
                t: now - h * 3600,
                v: 154.2 - 0.3 * h as f64,
            };
            store
                .record_sample("default", "extra_usage.used_usd", spent, "test")
                .unwrap();
        }
        drop(store);
        let daemon = Daemon(
            crate::support::bin::creditwatch(&home, &cw)
                .arg("run")
                .stderr(std::fs::File::create(dir.path().join("daemon.log")).unwrap())
                .spawn()
                .unwrap(),
        );
        wait_for("two cycles", LIMIT, || cycles(&cw) >= 2);
        Setup {
            dir,
            cents,
            _server: server,
            _daemon: daemon,
        }
    }

    fn cw(&self) -> PathBuf {
        self.dir.path().join("cw")
    }

    /// What a person opens: the address `creditwatch dashboard` gives, with the token.
    fn address(&self) -> String {
        let out = crate::support::bin::succeed_in(
            jiff::Timestamp::now().as_second(),
            &self.dir.path().join("home"),
            &self.cw(),
            &["dashboard", "--print"],
        );
        out.trim().to_string()
    }

    /// `creditwatch dashboard --print --new-token`.
    fn renew_token(&self) {
        crate::support::bin::succeed_in(
            jiff::Timestamp::now().as_second(),
            &self.dir.path().join("home"),
            &self.cw(),
            &["dashboard", "--print", "--new-token"],
        );
    }

    /// What `check --json` says now.
    fn check(&self) -> serde_json::Value {
        let out = crate::support::bin::succeed_in(
            jiff::Timestamp::now().as_second(),
            &self.dir.path().join("home"),
            &self.cw(),
            &["check", "--json"],
        );
        serde_json::from_str(&out).unwrap()
    }
}

/// Every pool's figures on the page are the ones `check --json` gives.
fn assert_pools_match(text: &str, snapshot: &serde_json::Value) {
    for (name, w) in snapshot["plan"]["windows"].as_object().unwrap() {
        let used = pct(w["used_pct"].as_f64().unwrap());
        assert!(
            text.contains(&format!("{used} used, resets in")),
            "window {name}: {used} and its reset not on the page:\n{text}"
        );
    }
    let extra = &snapshot["extra_usage"];
    let (spent, cap) = (
        usd(extra["used_usd"].as_f64().unwrap()),
        usd(extra["limit_usd"].as_f64().unwrap()),
    );
    assert!(
        text.contains(&format!("{spent} of {cap} this month")),
        "extra usage:\n{text}"
    );
    let rate = usd(extra["burn_usd_per_day"].as_f64().unwrap());
    assert!(
        text.contains(&format!("At {rate}/day")),
        "the month's forecast at {rate}/day:\n{text}"
    );
    let balance = usd(snapshot["credits"]["balance_usd"].as_f64().unwrap());
    assert!(
        text.contains(&format!("{balance} left")),
        "credits {balance}:\n{text}"
    );
}

/// Each app's row in the spend table reads its today, 7 days and month of `check --json`.
fn assert_apps_match(page: &mut Browser, snapshot: &serde_json::Value) {
    for (app, a) in snapshot["apps"].as_object().unwrap() {
        let row = page.eval(&format!(
            "document.querySelector('table.spend th[title=\"{app}\"]').parentElement.innerText"
        ));
        let row = row.as_str().unwrap_or_default();
        let spend = &a["spend_usd"];
        let figures: Vec<String> = ["today", "last_7d", "this_month"]
            .iter()
            .map(|p| usd(spend[p].as_f64().unwrap()))
            .collect();
        let shown: Vec<&str> = row.split_whitespace().skip(1).collect();
        assert_eq!(shown, figures, "app {app}: {row}");
    }
}

#[test]
#[ignore = "needs chromium; .ci/run installs it"]
fn a_person_sees_every_pool_the_band_and_the_alert_and_a_stranger_sees_nothing() {
    let setup = Setup::start();
    let url = setup.address();
    let (bare, token) = url.split_once("?token=").unwrap();
    assert_eq!(token.len(), 64, "{url}");

    let mut stranger = Browser::open(bare);
    let seen = stranger.text();
    assert!(
        seen.contains("needs its token") && !seen.contains('$'),
        "{seen}"
    );
    drop(stranger);

    let mut page = Browser::open(&url);
    assert_eq!(
        page.eval("location.search"),
        "",
        "the token left the address bar"
    );
    let text = page.text();
    let checked = setup.check();
    assert_pools_match(&text, &checked);
    assert_apps_match(&mut page, &checked);
    let (bands, hovers) = (
        page.eval("document.querySelectorAll('svg.chart .band').length"),
        page.eval("document.querySelectorAll('svg.chart circle title').length"),
    );
    assert_eq!(bands, 1, "the credits chart has its forecast band");
    assert!(
        hovers.as_u64().unwrap() > 24,
        "a value to hover over each point"
    );
    assert!(text.contains("Nothing fires."), "{text}");

    // The balance goes on falling, under the rule's $50: the open page shows the alert
    // after the cycle that fires it, swapped in place without a reload.
    page.eval("window.stayed = true");
    let before = cycles(&setup.cw());
    setup.cents.store(4990, Ordering::SeqCst);
    page.wait_until("the alert on the open page", |b| {
        b.text().contains("Claude credits are low")
    });
    let after = cycles(&setup.cw());
    assert!(
        after <= before + 2,
        "the alert showed {} cycles after the drop",
        after - before
    );
    assert_eq!(
        page.eval("window.stayed"),
        true,
        "the page was not reloaded"
    );
    assert!(page.text().contains("$49.90 left"));

    let shots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/browser");
    let background = "getComputedStyle(document.body).backgroundColor";
    page.dark(false);
    let light = page.eval(background);
    page.screenshot(&shots.join("dashboard.png"));
    page.dark(true);
    let dark = page.eval(background);
    page.screenshot(&shots.join("dashboard-dark.png"));
    assert_eq!(
        (light.as_str(), dark.as_str()),
        (Some("rgb(255, 255, 255)"), Some("rgb(21, 21, 23)"))
    );
    // A new token: the open page, whose cookie holds the old one, is refused at the next
    // cycle and says so.
    setup.renew_token();
    page.wait_until("the page refused", |b| b.text().contains("needs its token"));
    assert!(!page.text().contains('$'), "no figures left on the page");
    for shot in ["dashboard.png", "dashboard-dark.png"] {
        let size = std::fs::metadata(shots.join(shot)).unwrap().len();
        assert!(size > 10_000, "{shot}: a screenshot with something in it");
    }
}

/// The daemon, stopped when the test ends, however it ends.
struct Daemon(std::process::Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        unsafe { libc::kill(self.0.id() as i32, libc::SIGTERM) };
        let _ = self.0.wait();
    }
}
