//! The dashboard from the daemon: it serves the last cycle's snapshot and page behind the
//! token (and `/metrics` beside them when asked), and `creditwatch dashboard` and `status`
//! give the address it really holds, never one another program took.

use crate::support::NOW;
use crate::support::running::Running;
use creditwatch::paths::Paths;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_serves_its_last_snapshot_behind_the_token() {
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::under(home.path());
    quiet_config(
        home.path(),
        &format!("127.0.0.1:{}", crate::support::engines::free_port()),
        "[metrics]\nenabled = true\n",
    );
    std::fs::create_dir_all(home.path().join("rules")).unwrap();
    std::fs::write(
        home.path().join("rules/broken.lua"),
        "-- a rule with a slip on line 2\nreturn { check = function(s) return 1 + end }\n",
    )
    .unwrap();
    let token_file = paths.dashboard_token();
    let mut daemon = Running::start(home.path());
    let p = daemon
        .until("a cycle with the dashboard up", |p| {
            p.cycles >= 1 && p.dashboard.is_some()
        })
        .await;
    let base = format!("http://{}", p.dashboard.unwrap());
    assert_eq!(p.metrics, p.dashboard, "/metrics on the one server");
    let token = std::fs::read_to_string(&token_file).unwrap();
    let client = reqwest::Client::new();
    let scrape = client.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(scrape.status(), 200, "/metrics needs no token");
    assert!(
        scrape
            .text()
            .await
            .unwrap()
            .contains("creditwatch_source_up")
    );
    let denied = client
        .get(format!("{base}/api/snapshot"))
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), 401);
    let snapshot: serde_json::Value = client
        .get(format!("{base}/api/snapshot"))
        .bearer_auth(token.trim())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(snapshot["now"], NOW);
    assert_eq!(snapshot["account"], "default");
    let home_dir = home.path().to_path_buf();
    let checked = tokio::task::spawn_blocking(move || {
        crate::support::bin::succeed(NOW, &home_dir, &["check", "--json"])
    })
    .await
    .unwrap();
    let checked: serde_json::Value = serde_json::from_str(&checked).unwrap();
    assert_eq!(
        snapshot, checked,
        "/api/snapshot is what check --json prints"
    );

    // The page: opened with the token, which moves into a cookie and out of the address.
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    assert_eq!(
        plain.get(format!("{base}/")).send().await.unwrap().status(),
        401
    );
    let opened = plain
        .get(format!("{base}/?token={}", token.trim()))
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status(), 303);
    assert_eq!(opened.headers()["location"], "/");
    let cookie = opened.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let port = base.rsplit(':').next().unwrap();
    assert!(
        cookie.starts_with(&format!("creditwatch_{port}_")),
        "named for this install and port: {cookie}"
    );
    let rebound = plain
        .get(format!("{base}/?token={}", token.trim()))
        .header("host", format!("evil.example:{port}"))
        .send()
        .await
        .unwrap();
    assert_eq!(rebound.status(), 421, "a page elsewhere resolving here");
    let page = plain
        .get(format!("{base}/"))
        .header("cookie", cookie.split(';').next().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.starts_with("<!DOCTYPE html>") && page.contains("<h2>Alerts</h2>"),
        "{page}"
    );
    assert!(page.contains("<h2>Rules with errors</h2>"), "{page}");
    assert!(
        page.contains("broken.lua:2:"),
        "the file and line at fault: {page}"
    );
    daemon.stop().await;
}

/// Without a daemon even `--new-token` gives no address (the token is left as it was), and
/// a dashboard turned off says so.
#[test]
fn dashboard_gives_no_token_without_a_daemon_and_says_when_it_is_off() {
    let dir = tempfile::tempdir().unwrap();
    let renewed = crate::support::bin::command(
        NOW,
        dir.path(),
        dir.path(),
        &["dashboard", "--print", "--new-token"],
    )
    .output()
    .unwrap();
    assert_eq!(renewed.status.code(), Some(1));
    assert!(renewed.stdout.is_empty());
    assert!(!dir.path().join("data/dashboard.token").exists());
    std::fs::write(
        dir.path().join("config.toml"),
        "[dashboard]\nenabled = false\n",
    )
    .unwrap();
    let off = crate::support::bin::command(NOW, dir.path(), dir.path(), &["dashboard", "--print"])
        .output()
        .unwrap();
    assert!(!off.status.success());
    assert!(String::from_utf8_lossy(&off.stderr).contains("the dashboard is off"));
}

#[test]
fn without_a_daemon_nothing_is_opened() {
    let dir = tempfile::tempdir().unwrap();
    for args in [&["dashboard"][..], &["dashboard", "--print"]] {
        let out = crate::support::bin::command(NOW, dir.path(), dir.path(), args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(out.stdout.is_empty(), "no address with the token: {args:?}");
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(
            said.starts_with("creditwatch: not running, so nothing serves the page")
                && said.contains("http://127.0.0.1:7879/")
                && !said.contains("token"),
            "{said}"
        );
    }
}

/// A config with no source to read, the dashboard at `listen`, and `extra`.
fn quiet_config(home: &std::path::Path, listen: &str, extra: &str) {
    let empty = home.join("no-transcripts");
    std::fs::create_dir_all(&empty).unwrap();
    std::fs::write(
        home.join("config.toml"),
        format!(
            "[sources.claude_code_logs]\nroots = [{:?}]\n[sources.claude_oauth]\nenabled = false\n\
             [notify.desktop]\nenabled = false\n[dashboard]\nlisten = \"{listen}\"\n{extra}",
            empty.display().to_string()
        ),
    )
    .unwrap();
}

/// `creditwatch dashboard` and `status` give the address the daemon holds (here a port
/// picked by the system), and when another program holds the port, the token is not
/// handed to it and both say why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_address_given_is_the_one_the_daemon_holds() {
    // The daemon runs in this process, which holds its lock as `creditwatch run` would.
    let run = |home: std::path::PathBuf, args: &'static [&'static str]| {
        tokio::task::spawn_blocking(move || {
            crate::support::bin::command(NOW, &home, &home, args)
                .output()
                .unwrap()
        })
    };
    let home = tempfile::tempdir().unwrap();
    quiet_config(
        home.path(),
        &format!("127.0.0.1:{}", crate::support::engines::free_port()),
        "",
    );
    let lock = Paths::under(home.path()).lock_file();
    let _held = creditwatch::daemon::lock::acquire(&lock).unwrap();
    let mut daemon = Running::start(home.path());
    let p = daemon
        .until("a cycle with the dashboard up", |p| {
            p.cycles >= 2 && p.dashboard.is_some()
        })
        .await;
    let bound = p.dashboard.unwrap();
    let out = run(home.path().into(), &["dashboard", "--print"])
        .await
        .unwrap();
    let url = String::from_utf8_lossy(&out.stdout);
    assert!(url.starts_with(&format!("http://{bound}/?token=")), "{url}");
    let status = run(home.path().into(), &["status"]).await.unwrap();
    let status = String::from_utf8_lossy(&status.stdout);
    assert!(
        status.contains(&format!("Dashboard: http://{bound}/")),
        "{status}"
    );
    daemon.stop().await;

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let home = tempfile::tempdir().unwrap();
    quiet_config(home.path(), &format!("127.0.0.1:{port}"), "");
    let lock = Paths::under(home.path()).lock_file();
    let _held = creditwatch::daemon::lock::acquire(&lock).unwrap();
    let mut daemon = Running::start(home.path());
    daemon.until("two cycles", |p| p.cycles >= 2).await;
    let out = run(home.path().into(), &["dashboard", "--print"])
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "no token for whoever holds the port");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains(&format!(
            "does not serve the dashboard: cannot listen on 127.0.0.1:{port} (`[dashboard] listen`)"
        )),
        "{said}"
    );
    let status = run(home.path().into(), &["status"]).await.unwrap();
    let status = String::from_utf8_lossy(&status.stdout);
    assert!(
        status.contains(&format!("Not served: cannot listen on 127.0.0.1:{port}")),
        "{status}"
    );
    daemon.stop().await;
}

/// A first day's page: twenty minutes of balance readings fill the credits chart, which
/// has a time axis at round hours, a mark for now, and says it shows the last hour.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_days_credits_chart_fits_its_minutes_with_hours_and_now() {
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::under(home.path());
    quiet_config(
        home.path(),
        &format!("127.0.0.1:{}", crate::support::engines::free_port()),
        "",
    );
    let store = creditwatch::store::Store::open(&paths.database()).unwrap();
    for i in 0..5 {
        let s = creditwatch::store::Sample {
            t: NOW - 1200 + i * 300,
            v: 50.0 - i as f64,
        };
        store
            .record_sample("default", "credits.balance_usd", s, "test")
            .unwrap();
    }
    drop(store);
    let mut daemon = Running::start(home.path());
    let p = daemon
        .until("a cycle with the dashboard up", |p| {
            p.cycles >= 1 && p.dashboard.is_some()
        })
        .await;
    let token = std::fs::read_to_string(paths.dashboard_token()).unwrap();
    let page = reqwest::Client::new()
        .get(format!("http://{}/", p.dashboard.unwrap()))
        .bearer_auth(token.trim())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let chart = &page[page.find("<svg class=\"chart\"").expect(&page)..];
    let chart = &chart[..chart.find("</svg>").unwrap()];
    assert!(
        chart.contains("aria-label=\"Credit balance over the last hour, and its forecast\""),
        "{chart}"
    );
    assert!(chart.contains(":00</text>"), "hour marks: {chart}");
    assert!(chart.contains(">now</text>"), "{chart}");
    daemon.stop().await;
}
