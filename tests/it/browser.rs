//! The dashboard page in a real browser: a daemon over the fixture transcripts and a falling
//! credit balance from a loopback server, its page opened in headless Chromium, checked for
//! what a person sees. Needs Chromium, which `.ci/run` installs; the screenshot is kept in
//! `target/browser/dashboard.png`.

use crate::support::anthropic::{ORG, TOKEN, fixture};
use crate::support::http::{Answer, Request, Server};
use crate::support::wait::wait_for;
use creditwatch::paths::Paths;
use creditwatch::store::{Sample, Store};
use std::path::{Path, PathBuf};
use std::process::Command;
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

fn chromium() -> String {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect("chromium is installed; .ci/run installs it")
        .to_string()
}

/// Runs headless Chromium on `url`: its DOM after the page loaded, and a screenshot when
/// `shot` is given.
fn browse(url: &str, shot: Option<&Path>) -> String {
    let mut c = Command::new(chromium());
    c.args([
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
    ])
    .arg("--window-size=1000,1600")
    .arg(format!(
        "--user-data-dir={}",
        tempfile::tempdir().unwrap().keep().display()
    ));
    match shot {
        // The page keeps its event stream open, so the shot is taken after a fixed wait
        // rather than when the network is idle.
        Some(p) => c
            .arg(format!("--screenshot={}", p.display()))
            .arg("--timeout=5000"),
        None => c.arg("--dump-dom"),
    };
    // Chromium may stay up on a page that keeps a stream open: it is given 30 s.
    use wait_timeout::ChildExt as _;
    let out = tempfile::NamedTempFile::new().unwrap();
    let mut child = c
        .arg(url)
        .stdout(out.reopen().unwrap())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    if child
        .wait_timeout(Duration::from_secs(30))
        .unwrap()
        .is_none()
    {
        let _ = child.kill();
        let _ = child.wait();
    }
    std::fs::read_to_string(out.path()).unwrap_or_default()
}

/// A falling balance: $48.00, then 10 cents less at each request.
fn anthropic() -> Server {
    let asked = Arc::new(AtomicU64::new(0));
    Server::start(move |r: &Request| {
        if r.header("authorization") != Some(format!("Bearer {TOKEN}").as_str()) {
            return Answer::json(401, "{}");
        }
        let credits = format!("/api/oauth/organizations/{ORG}/prepaid/credits");
        match r.path.as_str() {
            "/api/oauth/usage" => Answer::json(200, fixture("anthropic/oauth_usage.flat.json")),
            "/api/oauth/profile" => Answer::json(200, fixture("anthropic/oauth_profile.json")),
            p if p == credits => {
                let cents = 4800 - 10 * asked.fetch_add(1, Ordering::SeqCst);
                let body = format!(
                    r#"{{"amount": {cents}, "currency": "USD", "auto_reload_settings": null}}"#
                );
                Answer::json(200, body)
            }
            _ => Answer::json(404, "{}"),
        }
    })
}

#[test]
#[ignore = "needs chromium; .ci/run installs it"]
fn a_person_sees_every_pool_the_band_and_the_alert_and_a_stranger_sees_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (home, cw) = (dir.path().join("home"), dir.path().join("cw"));
    let paths = Paths::under(&cw);
    let transcripts =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/claude-code/logs/home");
    crate::support::tree::copy_tree(&transcripts, &home);
    std::fs::create_dir_all(paths.rules_dir()).unwrap();
    std::fs::write(paths.rules_dir().join("credits-low.lua"), LOW).unwrap();
    let creds = home.join(".credentials.json");
    std::fs::write(&creds, fixture("claude-code/credentials.json")).unwrap();
    let server = anthropic();
    let port = crate::support::engines::free_port();
    std::fs::write(
        paths.config_file(),
        format!(
            "tick = \"1s\"\n[sources.claude_oauth]\nbase_url = {:?}\ncredentials_file = {:?}\n\
             interval = \"1s\"\n[notify.desktop]\nenabled = false\n[dashboard]\nlisten = \"127.0.0.1:{port}\"\n",
            server.base_url,
            creds.display().to_string()
        ),
    )
    .unwrap();
    // A week of the balance falling from $90, so the forecast has history to go on.
    let now = jiff::Timestamp::now().as_second();
    {
        let store = Store::open(&paths.database()).unwrap();
        for h in 1..=168 {
            let s = Sample {
                t: now - h * 3600,
                v: 48.0 + 0.25 * h as f64,
            };
            store
                .record_sample("default", "credits.balance_usd", s, "test")
                .unwrap();
        }
    }
    let _daemon = Daemon(
        crate::support::bin::creditwatch(&home, &cw)
            .arg("run")
            .stderr(std::fs::File::create(dir.path().join("daemon.log")).unwrap())
            .spawn()
            .unwrap(),
    );
    wait_for("two cycles", LIMIT, || {
        crate::support::wait::cycles(&cw) >= 2
    });

    let token = std::fs::read_to_string(paths.dashboard_token()).unwrap();
    let url = format!("http://127.0.0.1:{port}/?token={}", token.trim());
    let stranger = browse(&format!("http://127.0.0.1:{port}/"), None);
    assert!(
        stranger.contains("needs its token") && !stranger.contains('$'),
        "{stranger}"
    );

    let dom = browse(&url, None);
    let check = crate::support::bin::succeed_in(
        jiff::Timestamp::now().as_second(),
        &home,
        &cw,
        &["check", "--json"],
    );
    let snapshot: serde_json::Value = serde_json::from_str(&check).unwrap();
    for (name, w) in snapshot["plan"]["windows"].as_object().unwrap() {
        let used = creditwatch::format::pct(w["used_pct"].as_f64().unwrap());
        assert!(
            dom.contains(&format!("{used} used")),
            "window {name}: {used} not on the page"
        );
    }
    let extra = &snapshot["extra_usage"];
    let spent = creditwatch::format::usd(extra["used_usd"].as_f64().unwrap());
    assert!(dom.contains(&spent), "extra usage {spent}");
    let credits = &snapshot["credits"];
    assert!(
        dom.contains("class=\"band\""),
        "the credits chart has its band: {credits}"
    );
    assert!(
        dom.contains("Claude credits are low"),
        "the alert is on the page"
    );
    for app in snapshot["apps"].as_object().unwrap().keys() {
        assert!(dom.contains(app.as_str()), "app {app}");
    }

    let shot = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/browser/dashboard.png");
    std::fs::create_dir_all(shot.parent().unwrap()).unwrap();
    browse(&url, Some(&shot));
    assert!(
        std::fs::metadata(&shot).unwrap().len() > 10_000,
        "a screenshot with something in it"
    );
}

/// The daemon, stopped when the test ends, however it ends.
struct Daemon(std::process::Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        unsafe { libc::kill(self.0.id() as i32, libc::SIGTERM) };
        let _ = self.0.wait();
    }
}
