//! The Alertmanager channel against a real HTTP server on loopback standing in for one
//! instance of a cluster: what one alert looks like on the wire, credentials read from
//! the environment and never written anywhere, a refused login, and a cluster where one
//! instance is down.

use crate::support::http::{Answer, Request, Server};
use creditwatch::config::Config;
use creditwatch::notify::{self, Delivery};
use creditwatch::store::{Lasting, OutboxRow, Store};
use creditwatch::vocab::Channel;
use creditwatch::vocab::{OutboxState, Scope, Severity, Transition};
use jiff::tz::TimeZone;
use serde_json::Value;
use std::path::Path;

use crate::support::NOW;
const TOKEN: &str = "am_CANARY-bearer-token-0000000000";

fn row(key: &str, scope: Scope) -> OutboxRow {
    OutboxRow {
        severity: Severity::Critical,
        transition: Transition::Firing,
        title: "Claude credits run out tomorrow".into(),
        body: "$12.50 left".into(),
        rule: "credits-run-out-tomorrow".into(),
        figures: serde_json::json!({"now": NOW, "credits": {"balance_usd": 12.5, "runs_out_at": NOW + 3600}}),
        lasting: Some(Lasting {
            account: "ana@example.com".into(),
            scope,
            starts_at: NOW - 600,
            ends_at: NOW + 240,
        }),
        ..crate::support::outbox::row(key, Channel::Alertmanager, NOW)
    }
}

/// A store and a delivery to `urls` with a bearer token from the 0600 file `name` in `dir`
/// (a file, not an environment variable: setting one while other test threads read the
/// environment is undefined behaviour).
fn setup(dir: &Path, urls: &[String], name: &str) -> (Store, Delivery) {
    use std::os::unix::fs::PermissionsExt;
    let token = dir.join(name);
    std::fs::write(&token, TOKEN).unwrap();
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o600)).unwrap();
    let text = format!(
        "[notify.desktop]\nenabled = false\n[notify.alertmanager]\nurls = {urls:?}\n\
         bearer_token_file = {:?}\nlabels = {{ team = \"platform\" }}\ntimeout = \"5s\"\n",
        token.display().to_string()
    );
    let config = Config::parse(Path::new("config.toml"), &text).unwrap();
    let store = Store::open(&dir.join("creditwatch.db")).unwrap();
    (
        store,
        Delivery::new(notify::build(&config.notify, &TimeZone::UTC), TimeZone::UTC),
    )
}

fn posted(server: &Server) -> Vec<Value> {
    server
        .requests()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

#[test]
fn an_alert_is_posted_with_its_labels_span_and_figures_and_the_token_is_written_nowhere() {
    let dir = tempfile::tempdir().unwrap();
    let am = Server::start(|r: &Request| match r.header("authorization") {
        Some(a) if a == format!("Bearer {TOKEN}") && r.path == "/api/v2/alerts" => {
            Answer::json(200, "")
        }
        _ => Answer::json(401, "unauthorized"),
    });
    let (store, mut delivery) = setup(dir.path(), std::slice::from_ref(&am.base_url), "token");
    store.enqueue(&row("account", Scope::Account)).unwrap();
    store.enqueue(&row("machine", Scope::Machine)).unwrap();
    assert_eq!(delivery.run(&store, NOW).unwrap().sent, 2);

    let bodies = posted(&am);
    let account = &bodies[0][0];
    assert_eq!(account["labels"]["alertname"], "credits-run-out-tomorrow");
    assert_eq!(account["labels"]["key"], "account");
    assert_eq!(account["labels"]["account"], "ana@example.com");
    assert_eq!(account["labels"]["severity"], "critical");
    assert_eq!(account["labels"]["team"], "platform");
    assert!(account["labels"].get("instance").is_none(), "{account}");
    assert_eq!(account["startsAt"], "2026-11-20T15:50:00Z");
    assert_eq!(account["endsAt"], "2026-11-20T16:04:00Z");
    let notes = &account["annotations"];
    assert_eq!(notes["summary"], "Claude credits run out tomorrow");
    assert_eq!(notes["description"], "$12.50 left");
    assert_eq!(notes["credits_balance_usd"], "12.5");
    assert_eq!(notes["credits_runs_out_at"], "2026-11-20T17:00:00Z");
    assert!(notes.get("now").is_none());
    let machine = &bodies[1][0];
    let host = hostname_of_this_machine();
    assert_eq!(machine["labels"]["instance"], host.as_str());

    let db = std::fs::read(dir.path().join("creditwatch.db")).unwrap();
    assert!(!String::from_utf8_lossy(&db).contains(TOKEN));
}

fn hostname_of_this_machine() -> String {
    let out = std::process::Command::new("hostname").output();
    match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_string(),
        _ => std::fs::read_to_string("/etc/hostname")
            .unwrap()
            .trim()
            .to_string(),
    }
}

#[test]
fn a_refused_token_turns_the_channel_off_without_saying_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let am = Server::start(|r: &Request| {
        Answer::json(
            401,
            format!("bad token {}", r.header("authorization").unwrap_or("")),
        )
    });
    let (store, mut delivery) = setup(
        dir.path(),
        std::slice::from_ref(&am.base_url),
        "token-refused",
    );
    store.enqueue(&row("k", Scope::Account)).unwrap();
    let pass = delivery.run(&store, NOW).unwrap();
    assert_eq!((pass.sent, pass.dead), (0, 0));
    let r = store.outbox_all().unwrap().pop().unwrap();
    assert_eq!(
        r.state,
        OutboxState::Retry,
        "it waits for the config to be fixed"
    );
    let error = r.last_error.unwrap();
    assert!(error.contains("HTTP 401"), "{error}");
    assert!(!error.contains(TOKEN), "{error}");
    assert!(error.contains("<redacted>"), "{error}");
}

#[test]
fn one_instance_down_in_a_cluster_does_not_hold_the_alert_back() {
    let dir = tempfile::tempdir().unwrap();
    let up = Server::start(|_: &Request| Answer::json(200, ""));
    let down = Server::start(|_: &Request| Answer::json(503, "shutting down"));
    let urls = [down.base_url.clone(), up.base_url.clone()];
    let (store, mut delivery) = setup(dir.path(), &urls, "token-cluster");
    store.enqueue(&row("k", Scope::Account)).unwrap();
    assert_eq!(delivery.run(&store, NOW).unwrap().sent, 1);
    assert_eq!(
        (up.requests().len(), down.requests().len()),
        (1, 1),
        "both were told"
    );

    // With every instance down, it waits to be sent again.
    let dir2 = tempfile::tempdir().unwrap();
    let (store2, mut delivery2) = setup(
        dir2.path(),
        std::slice::from_ref(&down.base_url),
        "token-cluster2",
    );
    store2.enqueue(&row("k", Scope::Account)).unwrap();
    assert_eq!(delivery2.run(&store2, NOW).unwrap().retried, 1);
    let r = store2.outbox_all().unwrap().pop().unwrap();
    assert!(r.last_error.unwrap().contains("HTTP 503"));
}

#[test]
fn notify_test_posts_an_alert_that_ends_by_itself() {
    let dir = tempfile::tempdir().unwrap();
    let am = Server::start(|_: &Request| Answer::json(200, ""));
    std::fs::write(
        dir.path().join("config.toml"),
        format!(
            "[notify.desktop]\nenabled = false\n[notify.alertmanager]\nurls = [{:?}]\n",
            am.base_url
        ),
    )
    .unwrap();
    let out = crate::support::bin::succeed(NOW, dir.path(), &["notify", "test", "alertmanager"]);
    assert!(out.contains("ok: accepted by Alertmanager"), "{out}");
    let posted = posted(&am);
    let alert = &posted[0][0];
    assert_eq!(alert["labels"]["alertname"], "creditwatch/test");
    assert_eq!(alert["startsAt"], "2026-11-20T16:00:00Z");
    assert_eq!(alert["endsAt"], "2026-11-20T16:05:00Z");
}

/// An HTTPS server on loopback with a certificate of the test CA in `pki`: it answers each
/// request 200 and keeps its request line.
fn https(pki: &crate::support::smtp::Pki) -> (String, std::sync::mpsc::Receiver<String>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let config = std::sync::Arc::new(pki.server_config());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "https://127.0.0.1:{}",
        listener.local_addr().unwrap().port()
    );
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            let Ok(conn) = rustls::ServerConnection::new(config.clone()) else {
                continue;
            };
            let mut tls = BufReader::new(rustls::StreamOwned::new(conn, tcp));
            let (mut first, mut length) = (String::new(), 0);
            if tls.read_line(&mut first).is_err() {
                continue; // the client refused the certificate
            }
            loop {
                let mut h = String::new();
                if tls.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                    break;
                }
                if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = tls.read_exact(&mut body);
            let _ = tls
                .get_mut()
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            let _ = tx.send(first.trim().to_string());
        }
    });
    (url, rx)
}

#[test]
fn a_private_alertmanager_is_reached_over_tls_with_its_ca_file() {
    let dir = tempfile::tempdir().unwrap();
    let pki = crate::support::smtp::Pki::new(&dir.path().join("pki"));
    let (url, seen) = https(&pki);
    let deliver = |ca: Option<&Path>| {
        let ca = ca.map_or(String::new(), |p| {
            format!("ca_file = {:?}\n", p.display().to_string())
        });
        let text = format!(
            "[notify.desktop]\nenabled = false\n[notify.alertmanager]\nurls = [{url:?}]\ntimeout = \"5s\"\n{ca}"
        );
        let config = Config::parse(Path::new("config.toml"), &text).unwrap();
        let n = notify::build(&config.notify, &TimeZone::UTC);
        n[0].deliver(&row("k", Scope::Account), None)
    };
    assert_eq!(deliver(Some(&pki.ca)), Ok(()));
    assert_eq!(seen.recv().unwrap(), "POST /api/v2/alerts HTTP/1.1");
    // Without the CA the certificate is not trusted: worth retrying once it is fixed.
    let untrusted = deliver(None).unwrap_err();
    assert!(
        matches!(&untrusted, notify::Failure::Transient(e) if e.contains("certificate")),
        "{untrusted:?}"
    );
    // A CA file that is not there turns the channel off until the config is fixed.
    let missing = deliver(Some(&dir.path().join("nope.pem"))).unwrap_err();
    assert!(
        matches!(&missing, notify::Failure::Refused(e) if e.contains("cannot read CA file") && e.contains("nope.pem")),
        "{missing:?}"
    );
}
