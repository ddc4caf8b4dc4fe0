//! The daemon's web server on loopback: its API behind the dashboard token. A request
//! without the token gets 401 and no data; with it, the snapshot is the one the daemon
//! published and the history is what the store holds.

use crate::support::NOW;
use creditwatch::store::Store;
use creditwatch::web::{self, Published, Routes, Web};
use std::sync::Arc;

/// A server publishing `snapshot`, over a store holding three balance samples.
/// Returns the base URL, the token, and the sender the daemon would publish with (the
/// server keeps serving while it is held).
async fn start(
    dir: &std::path::Path,
    snapshot: &str,
) -> (String, String, tokio::sync::watch::Sender<Published>) {
    let db = dir.join("creditwatch.db");
    {
        let store = Store::open(&db).unwrap();
        for (i, v) in [30.0, 25.0, 20.0].iter().enumerate() {
            let s = creditwatch::store::Sample {
                t: NOW - 3600 * (3 - i as i64),
                v: *v,
            };
            store
                .record_sample("default", "credits.balance_usd", s, "test")
                .unwrap();
        }
    }
    let token = web::token::load_or_create(&dir.join("dashboard.token")).unwrap();
    let secret = token.expose().to_string();
    let (tx, published) = tokio::sync::watch::channel(Published {
        snapshot: Arc::new(snapshot.to_string()),
        now: NOW,
        page: Arc::new("<!doctype html><p>the page</p>".to_string()),
        metrics: Arc::new("creditwatch_credits_balance_usd{account=\"default\"} 20\n".to_string()),
    });
    let routes = Routes {
        dashboard: Some(Arc::new(token)),
        metrics: true,
    };
    let app = web::router(Web::new(published, db), &routes);
    let (bound, _task) = web::serve("127.0.0.1:0".parse().unwrap(), "test", app)
        .await
        .unwrap();
    (format!("http://{bound}"), secret, tx)
}

#[tokio::test]
async fn without_the_token_nothing_and_with_it_the_snapshot_and_the_history() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = r#"{"now": 1795190400, "credits": {"balance_usd": 20.0}}"#;
    let (base, token, publish) = start(dir.path(), snapshot).await;
    let client = reqwest::Client::new();

    for path in ["/api/snapshot", "/api/history?metric=credits.balance_usd"] {
        for url in [
            format!("{base}{path}"),
            format!(
                "{base}{path}{}token=wrong",
                if path.contains('?') { "&" } else { "?" }
            ),
        ] {
            let r = client.get(&url).send().await.unwrap();
            assert_eq!(r.status(), 401, "{url}");
            let body = r.text().await.unwrap();
            assert!(!body.contains("balance") && !body.contains("20"), "{body}");
        }
    }

    let r = client
        .get(format!("{base}/api/snapshot"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["cache-control"],
        "no-store",
        "no copy kept of the spend"
    );
    assert_eq!(r.headers()["x-frame-options"], "DENY");
    assert_eq!(r.text().await.unwrap(), snapshot);

    // `/metrics` is for scrapers: no token, as Prometheus asks by default.
    let r = client.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("version=0.0.4")
    );
    assert!(
        r.text()
            .await
            .unwrap()
            .starts_with("creditwatch_credits_balance_usd")
    );
    let r = client.get(format!("{base}/nothing")).send().await.unwrap();
    assert_eq!(r.status(), 404);

    let r = client
        .get(format!(
            "{base}/api/history?metric=credits.balance_usd&since=2h&token={token}"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let points: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        points,
        serde_json::json!([{"t": NOW - 7200, "v": 25.0}, {"t": NOW - 3600, "v": 20.0}])
    );

    let cookie = format!("{}={token}", web::COOKIE);
    let r = client
        .get(format!("{base}/api/history?metric=credits.balanse_usd"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "a misspelt metric is named");
    assert!(r.text().await.unwrap().contains("balanse"));

    // An open page hears of the next cycle, and of nothing before it.
    let mut events = client
        .get(format!("{base}/events"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), 200);
    publish.send_modify(|p| p.now = NOW + 60);
    let chunk = events.chunk().await.unwrap().unwrap();
    let text = String::from_utf8_lossy(&chunk);
    assert!(text.contains(&format!("data: {}", NOW + 60)), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_serves_its_last_snapshot_behind_the_token() {
    use creditwatch::paths::Paths;
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::under(home.path());
    let empty = home.path().join("no-transcripts");
    std::fs::create_dir_all(&empty).unwrap();
    std::fs::write(
        paths.config_file(),
        format!(
            "[sources.claude_code_logs]\nroots = [{:?}]\n[sources.claude_oauth]\nenabled = false\n\
             [notify.desktop]\nenabled = false\n[dashboard]\nlisten = \"127.0.0.1:0\"\n\
             [metrics]\nenabled = true\n",
            empty.display().to_string()
        ),
    )
    .unwrap();
    std::fs::create_dir_all(home.path().join("rules")).unwrap();
    std::fs::write(
        home.path().join("rules/broken.lua"),
        "-- a rule with a slip on line 2\nreturn { check = function(s) return 1 + end }\n",
    )
    .unwrap();
    let token_file = paths.dashboard_token();
    let mut daemon = crate::support::running::Running::start(home.path());
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
        page.starts_with("<!doctype html>") && page.contains("<h2>Alerts</h2>"),
        "{page}"
    );
    assert!(page.contains("<h2>Rules with errors</h2>"), "{page}");
    assert!(
        page.contains("broken.lua:2:"),
        "the file and line at fault: {page}"
    );
    daemon.stop().await;
}

#[test]
fn dashboard_prints_the_address_with_the_token_and_says_when_it_is_off() {
    let dir = tempfile::tempdir().unwrap();
    let out = crate::support::bin::succeed(NOW, dir.path(), &["dashboard", "--print"]);
    let token = std::fs::read_to_string(dir.path().join("data/dashboard.token")).unwrap();
    assert_eq!(
        out.trim(),
        format!("http://127.0.0.1:7879/?token={}", token.trim())
    );
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
    let out = crate::support::bin::command(NOW, dir.path(), dir.path(), &["dashboard"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "no address with the token");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("creditwatch is not running"), "{said}");
}

/// A config with no source to read and the dashboard at `listen`.
fn quiet_config(home: &std::path::Path, listen: &str) {
    let empty = home.join("no-transcripts");
    std::fs::create_dir_all(&empty).unwrap();
    std::fs::write(
        home.join("config.toml"),
        format!(
            "[sources.claude_code_logs]\nroots = [{:?}]\n[sources.claude_oauth]\nenabled = false\n\
             [notify.desktop]\nenabled = false\n[dashboard]\nlisten = \"{listen}\"\n",
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
    use creditwatch::paths::Paths;
    // The daemon runs in this process, which holds its lock as `creditwatch run` would.
    let run = |home: std::path::PathBuf, args: &'static [&'static str]| {
        tokio::task::spawn_blocking(move || {
            crate::support::bin::command(NOW, &home, &home, args)
                .output()
                .unwrap()
        })
    };
    let home = tempfile::tempdir().unwrap();
    quiet_config(home.path(), "127.0.0.1:0");
    let lock = Paths::under(home.path()).lock_file();
    let _held = creditwatch::daemon::lock::acquire(&lock).unwrap();
    let mut daemon = crate::support::running::Running::start(home.path());
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
    quiet_config(home.path(), &format!("127.0.0.1:{port}"));
    let lock = Paths::under(home.path()).lock_file();
    let _held = creditwatch::daemon::lock::acquire(&lock).unwrap();
    let mut daemon = crate::support::running::Running::start(home.path());
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

/// An open page costs nothing between cycles: after one cycle's event the stream stays
/// silent through an hour of (paused) time, where keep-alive comments would have woken the
/// daemon every few seconds.
#[tokio::test(start_paused = true)]
async fn an_open_page_hears_nothing_between_cycles() {
    let dir = tempfile::tempdir().unwrap();
    let (base, token, publish) = start(dir.path(), "{}").await;
    let mut events = reqwest::Client::new()
        .get(format!("{base}/events"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    publish.send_modify(|p| p.now = NOW + 60);
    let first = events.chunk().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).contains(&format!("data: {}", NOW + 60)));
    let quiet = tokio::time::timeout(std::time::Duration::from_secs(3600), events.chunk()).await;
    assert!(
        quiet.is_err(),
        "something was sent between cycles: {quiet:?}"
    );
    publish.send_modify(|p| p.now = NOW + 120);
    let next = events.chunk().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&next).contains(&format!("data: {}", NOW + 120)));
}

/// Before the daemon's first cycle the page says it is starting (and fills in when the
/// cycle's event comes) and the API says there is no snapshot yet.
#[tokio::test]
async fn before_the_first_cycle_the_page_waits_and_the_api_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let token = web::token::load_or_create(&dir.path().join("dashboard.token")).unwrap();
    let secret = token.expose().to_string();
    let (publish, published) = tokio::sync::watch::channel(Published::default());
    let routes = Routes {
        dashboard: Some(Arc::new(token)),
        metrics: false,
    };
    let app = web::router(Web::new(published, dir.path().join("none.db")), &routes);
    let (bound, _task) = web::serve("127.0.0.1:0".parse().unwrap(), "test", app)
        .await
        .unwrap();
    let client = reqwest::Client::new();
    let get = |path: &str| {
        client
            .get(format!("http://{bound}{path}"))
            .bearer_auth(&secret)
            .send()
    };
    let page = get("/").await.unwrap().text().await.unwrap();
    assert!(page.contains("fills in after its first cycle"), "{page}");
    assert!(page.contains("new EventSource('/events')"), "{page}");
    let r = get("/api/snapshot").await.unwrap();
    assert_eq!(r.status(), 503);
    assert!(r.text().await.unwrap().contains("first cycle"));
    let r = get("/metrics").await.unwrap();
    assert_eq!(r.status(), 404, "/metrics is off here");
    publish.send_modify(|p| p.snapshot = Arc::new("{\"now\": 1}".to_string()));
    let r = get("/api/snapshot").await.unwrap();
    assert_eq!(r.text().await.unwrap(), "{\"now\": 1}");
}
