//! The web server on its own: its API behind the dashboard token. A request without the
//! token gets 401 and no data; with it, the snapshot is the one the daemon published, the
//! history is what the store holds, and the event stream speaks once per cycle.

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
    let file = dir.join("dashboard.token");
    let token = web::token::load_or_create(&file).unwrap();
    let secret = token.expose().to_string();
    let (tx, published) = tokio::sync::watch::channel(Published {
        snapshot: Arc::new(snapshot.to_string()),
        now: NOW,
        page: Arc::new("<!doctype html><p>the page</p>".to_string()),
        metrics: Arc::new("creditwatch_credits_balance_usd{account=\"default\"} 20\n".to_string()),
    });
    let routes = Routes {
        dashboard: Some(Arc::from(file.as_path())),
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

    // A new token takes effect at once: the old one opens nothing more.
    let renewed = web::token::replace(&dir.path().join("dashboard.token")).unwrap();
    for (given, status) in [(token.as_str(), 401), (renewed.expose(), 200)] {
        let r = client
            .get(format!("{base}/api/snapshot"))
            .bearer_auth(given)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status);
    }
    let token = renewed.expose().to_string();

    let port: u16 = base.rsplit(':').next().unwrap().parse().unwrap();
    let name = web::cookie_name(port, &dir.path().join("dashboard.token"));
    let cookie = format!("{name}={token}");
    let r = client
        .get(format!("{base}/api/history?metric=credits.balanse_usd"))
        .header("cookie", &cookie)
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "a misspelt metric is named");
    assert!(r.text().await.unwrap().contains("balanse"));
    // The cookie alone opens the API only to the page's own origin.
    for site in [None, Some("same-site"), Some("cross-site")] {
        let mut request = client
            .get(format!("{base}/api/snapshot"))
            .header("cookie", &cookie);
        if let Some(site) = site {
            request = request.header("sec-fetch-site", site);
        }
        assert_eq!(request.send().await.unwrap().status(), 401, "{site:?}");
    }
    // The page takes it, and only under this install's and port's name.
    let page = client
        .get(&base)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let other = format!("creditwatch_token={token}");
    let page = client
        .get(&base)
        .header("cookie", other)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 401);
    // A page elsewhere whose name resolves here (DNS rebinding) is not answered.
    for path in ["/metrics", "/", "/api/snapshot"] {
        let r = client
            .get(format!("{base}{path}"))
            .bearer_auth(&token)
            .header("host", format!("evil.example:{port}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 421, "{path}");
    }
    let r = client
        .get(format!("http://localhost:{port}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

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
    let file = dir.path().join("dashboard.token");
    let token = web::token::load_or_create(&file).unwrap();
    let secret = token.expose().to_string();
    let (publish, published) = tokio::sync::watch::channel(Published::default());
    let routes = Routes {
        dashboard: Some(Arc::from(file.as_path())),
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

/// A server with the API routes and an empty store; its address.
async fn plain_server(dir: &std::path::Path) -> std::net::SocketAddr {
    serving_metrics(dir, String::new()).await
}

/// [`plain_server`] with `metrics` as its Prometheus page, and no snapshot yet.
async fn serving_metrics(dir: &std::path::Path, metrics: String) -> std::net::SocketAddr {
    let file = dir.join("dashboard.token");
    web::token::load_or_create(&file).unwrap();
    let (publish, published) = tokio::sync::watch::channel(Published {
        metrics: Arc::new(metrics),
        ..Published::default()
    });
    std::mem::forget(publish); // the server keeps serving the empty publication
    let routes = Routes {
        dashboard: Some(Arc::from(file.as_path())),
        metrics: true,
    };
    let app = web::router(Web::new(published, dir.join("none.db")), &routes);
    let (bound, _task) = web::serve("127.0.0.1:0".parse().unwrap(), "test", app)
        .await
        .unwrap();
    bound
}

/// Connections that send half a request head and then nothing are closed after the head
/// deadline, and never make a request wait: over [`STRANGERS`] of them, the oldest are
/// closed at once to make room. Time is paused: the deadline passes without the test
/// waiting for it.
#[tokio::test(start_paused = true)]
async fn silent_connections_are_closed_and_never_keep_a_request_waiting() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use web::listen::{HEAD_DEADLINE, MAX_CONNECTIONS, STRANGERS};
    let dir = tempfile::tempdir().unwrap();
    let addr = plain_server(dir.path()).await;
    let began = tokio::time::Instant::now();
    let mut silent = Vec::new();
    for _ in 0..MAX_CONNECTIONS {
        let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
        c.write_all(b"GET /metrics HTTP/1.1\r\n").await.unwrap();
        silent.push(c);
    }
    let mut late = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!("GET /metrics HTTP/1.1\r\nhost: {addr}\r\n\r\n");
    late.write_all(head.as_bytes()).await.unwrap();
    let mut answer = String::new();
    tokio::time::timeout(HEAD_DEADLINE * 4, late.read_to_string(&mut answer))
        .await
        .expect("the late connection is answered, and closed as a stranger's")
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let waited = began.elapsed();
    assert!(
        waited < HEAD_DEADLINE,
        "the late connection waited {waited:?}"
    );
    let mut closed_at_once = 0;
    for mut c in silent {
        let mut rest = Vec::new();
        let closed = tokio::time::timeout(HEAD_DEADLINE * 2, c.read_to_end(&mut rest)).await;
        assert!(closed.is_ok(), "a silent connection is still open");
        closed_at_once += usize::from(began.elapsed() < HEAD_DEADLINE);
    }
    assert!(
        closed_at_once >= MAX_CONNECTIONS - STRANGERS,
        "{closed_at_once} closed to make room"
    );
}

/// Seventy clients that pipeline requests for a 200 KB `/metrics` and never read an answer
/// (their socket buffers fill, and the server's writes would wait for ever) do not keep the
/// user (with the token) from the API.
#[tokio::test(start_paused = true)]
async fn clients_that_never_read_do_not_keep_the_user_out() {
    use tokio::io::AsyncWriteExt;
    use web::listen::WRITE_DEADLINE;
    let dir = tempfile::tempdir().unwrap();
    let page = "creditwatch_x{account=\"default\"} 1\n".repeat(6000);
    let addr = serving_metrics(dir.path(), page).await;
    let token = std::fs::read_to_string(dir.path().join("dashboard.token")).unwrap();
    let mut hogs = Vec::new();
    for _ in 0..70 {
        let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
        let one = format!("GET /metrics HTTP/1.1\r\nhost: {addr}\r\n\r\n");
        c.write_all(one.repeat(50).as_bytes()).await.unwrap();
        hogs.push(c);
    }
    let began = tokio::time::Instant::now();
    let r = tokio::time::timeout(
        WRITE_DEADLINE,
        reqwest::Client::new()
            .get(format!("http://{addr}/api/snapshot"))
            .bearer_auth(token.trim())
            .send(),
    )
    .await
    .expect("the user's request is answered while the hogs hold on")
    .unwrap();
    assert_eq!(r.status(), 503, "no snapshot yet, but an answer");
    assert!(began.elapsed() < WRITE_DEADLINE);
    drop(hogs);
}

/// A page's event stream says so and stops at the first cycle after `--new-token`: nothing
/// more is streamed to whoever held the old token.
#[tokio::test]
async fn an_event_stream_ends_when_its_token_is_replaced() {
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
    web::token::replace(&dir.path().join("dashboard.token")).unwrap();
    publish.send_modify(|p| p.now = NOW + 120);
    let last = events.chunk().await.unwrap().unwrap();
    assert_eq!(String::from_utf8_lossy(&last), "data: token replaced\n\n");
    publish.send_modify(|p| p.now = NOW + 180);
    let after = events.chunk().await.unwrap();
    assert_eq!(after, None, "streamed after the token was replaced");
}
