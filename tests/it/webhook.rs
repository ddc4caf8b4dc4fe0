//! Webhook delivery against a real HTTP server on loopback: retries with backoff, dead
//! letters, refused credentials, expiry, a crash while sending, and a canary token that
//! must never be written anywhere.

use crate::support::http::{Answer, Server};
use creditwatch::config::{Config, QuietHours};
use creditwatch::notify::{self, Delivery, backoff_cap};
use creditwatch::store::{OutboxRow, Store};
use creditwatch::vocab::Channel;
use jiff::tz::TimeZone;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::support::NOW;
const TOKEN: &str = "tk_CANARY-webhook-token-0000000000";

fn row(key: &str, created_at: i64) -> OutboxRow {
    OutboxRow {
        severity: creditwatch::vocab::Severity::Critical,
        figures: serde_json::json!({"credits": {"balance_usd": 12.5}}),
        ..crate::support::outbox::row(key, Channel::Webhook, created_at)
    }
}

/// A store and a delivery to `server` with an Authorization header from a 0600 file (in a
/// folder of its own, kept while the returned one lives: `dir` is searched for the
/// canary). A file, not an environment variable: setting one while other test threads
/// read the environment is undefined behaviour.
fn setup(dir: &Path, server: &Server) -> (Store, Delivery, tempfile::TempDir) {
    use std::os::unix::fs::PermissionsExt;
    let secrets = tempfile::tempdir().unwrap();
    let auth = secrets.path().join("auth");
    std::fs::write(&auth, format!("Bearer {TOKEN}\n")).unwrap();
    std::fs::set_permissions(&auth, std::fs::Permissions::from_mode(0o600)).unwrap();
    let text = format!(
        "[notify.desktop]\nenabled = false\n[notify.webhook]\nurl = \"{}/publish\"\ntopic = \"cw\"\nheaders_file = {{ Authorization = {:?} }}\ntimeout = \"5s\"\n",
        server.base_url,
        auth.display().to_string()
    );
    let config = Config::parse(Path::new("config.toml"), &text).unwrap();
    let store = Store::open(&dir.join("creditwatch.db")).unwrap();
    (
        store,
        Delivery::new(notify::build(&config.notify, &TimeZone::UTC), TimeZone::UTC),
        secrets,
    )
}

/// A server that answers each request with the next status of `statuses` (the last one
/// repeats).
fn answering(statuses: &'static [u16]) -> Server {
    let n = Arc::new(AtomicUsize::new(0));
    Server::start(move |_| {
        let i = n.fetch_add(1, Ordering::SeqCst).min(statuses.len() - 1);
        Answer::json(
            statuses[i],
            format!("{{\"said\": \"status {}\"}}", statuses[i]),
        )
    })
}

fn state(store: &Store) -> (String, i64, Option<i64>, Option<String>) {
    let r = store.outbox_all().unwrap().pop().unwrap();
    (
        r.state.to_string(),
        r.attempts,
        r.next_attempt_at,
        r.last_error,
    )
}

fn assert_no_canary(dir: &Path) {
    for f in std::fs::read_dir(dir).unwrap().flatten() {
        let bytes = std::fs::read(f.path()).unwrap();
        assert!(
            !bytes.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()),
            "token in {:?}",
            f.path()
        );
    }
}

#[test]
fn a_500_is_retried_with_backoff_then_delivered_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = answering(&[500, 200]);
    let (store, mut delivery, _secrets) = setup(dir.path(), &server);
    store.enqueue(&row("a", NOW)).unwrap();
    let first = delivery.run(&store, NOW).unwrap();
    assert_eq!((first.sent, first.retried), (0, 1));
    let (st, attempts, next, error) = state(&store);
    assert_eq!((st.as_str(), attempts), ("retry", 1));
    let next = next.unwrap();
    assert!(next > NOW && next <= NOW + backoff_cap(1), "{next}");
    assert!(error.unwrap().contains("HTTP 500"));
    // Not before its time.
    assert_eq!(delivery.run(&store, next - 1).unwrap().sent, 0);
    assert_eq!(server.count("/publish"), 1);
    assert_eq!(delivery.run(&store, next).unwrap().sent, 1);
    assert_eq!(state(&store).0, "sent");
    assert_eq!(
        delivery.run(&store, next + 3600).unwrap(),
        Default::default()
    );
    assert_eq!(server.count("/publish"), 2, "delivered once, never again");

    let sent = &server.requests()[1];
    assert_eq!(sent.method, "POST");
    assert_eq!(
        sent.header("Authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    let body: serde_json::Value = serde_json::from_slice(&sent.body).unwrap();
    assert_eq!(body["topic"], "cw");
    assert_eq!(body["title"], "Claude credits run out tomorrow");
    assert_eq!(body["message"], "$12.50 left");
    assert_eq!(body["priority"], 5);
    assert_eq!(body["rule"], "credits-run-out-tomorrow");
    assert_eq!(body["severity"], "critical");
    assert_eq!(body["figures"]["credits"]["balance_usd"], 12.5);
    drop(store);
    assert_no_canary(dir.path());
}

#[test]
fn a_400_is_dead_after_one_attempt() {
    let dir = tempfile::tempdir().unwrap();
    let server = answering(&[400]);
    let (store, mut delivery, _secrets) = setup(dir.path(), &server);
    store.enqueue(&row("b", NOW)).unwrap();
    assert_eq!(delivery.run(&store, NOW).unwrap().dead, 1);
    let (st, attempts, _, error) = state(&store);
    assert_eq!((st.as_str(), attempts), ("dead", 1));
    assert!(
        error
            .unwrap()
            .contains("HTTP 400: {\"said\": \"status 400\"}")
    );
    delivery.run(&store, NOW + 86_000).unwrap();
    assert_eq!(server.count("/publish"), 1);
    assert_eq!(store.outbox_failed(0).unwrap().len(), 1);
}

#[test]
fn refused_credentials_turn_the_channel_off_until_a_reload() {
    let dir = tempfile::tempdir().unwrap();
    let server = answering(&[401, 200]);
    let (store, mut delivery, secrets) = setup(dir.path(), &server);
    store.enqueue(&row("c1", NOW)).unwrap();
    delivery.run(&store, NOW).unwrap();
    store.enqueue(&row("c2", NOW + 60)).unwrap();
    for t in [NOW + 60, NOW + 3600] {
        assert_eq!(delivery.run(&store, t).unwrap(), Default::default());
    }
    assert_eq!(
        server.count("/publish"),
        1,
        "no storm against a refusing server"
    );
    assert!(
        store
            .outbox_backlog()
            .unwrap()
            .iter()
            .all(|r| r.channel == Channel::Webhook),
        "both wait"
    );
    // A reload builds the notifiers afresh; what waited goes out.
    let config = Config::parse(
        Path::new("config.toml"),
        &format!(
            "[notify.desktop]\nenabled = false\n[notify.webhook]\nurl = \"{}/publish\"\nheaders_file = {{ Authorization = {:?} }}\n",
            server.base_url,
            secrets.path().join("auth").display().to_string()
        ),
    )
    .unwrap();
    let mut reloaded = Delivery::new(notify::build(&config.notify, &TimeZone::UTC), TimeZone::UTC);
    assert_eq!(reloaded.run(&store, NOW + 3700).unwrap().sent, 2);
    assert!(store.outbox_backlog().unwrap().is_empty());
}

#[test]
fn old_notifications_expire_and_quiet_hours_wait() {
    let dir = tempfile::tempdir().unwrap();
    let server = answering(&[200]);
    let (store, mut delivery, _secrets) = setup(dir.path(), &server);
    store.enqueue(&row("old", NOW - 25 * 3600)).unwrap();
    let mut quiet = row("quiet", NOW);
    let q = QuietHours::parse("15:00-18:00").unwrap();
    quiet.not_before = q.release_at(NOW, &jiff::tz::TimeZone::UTC).unwrap();
    store.enqueue(&quiet).unwrap();
    assert_eq!(delivery.run(&store, NOW).unwrap(), Default::default());
    assert_eq!(server.count("/publish"), 0);
    let all = store.outbox_all().unwrap();
    assert_eq!(
        (all[0].state.as_str(), all[1].state.as_str()),
        ("expired", "pending")
    );
    assert_eq!(delivery.run(&store, quiet.not_before).unwrap().sent, 1);
}

#[test]
fn a_row_left_sending_by_a_crash_is_sent_again() {
    let dir = tempfile::tempdir().unwrap();
    let server = answering(&[200]);
    let (store, mut delivery, _secrets) = setup(dir.path(), &server);
    store.enqueue(&row("e", NOW)).unwrap();
    // Claimed, then the process died before it could record anything.
    let claimed = store.claim_due(Channel::Webhook, NOW, 86_400, 10).unwrap();
    assert_eq!(claimed.len(), 1);
    assert!(
        delivery.run(&store, NOW).unwrap() == Default::default(),
        "not claimed twice"
    );
    let requeued = store.requeue_sending(NOW + 5).unwrap();
    assert_eq!(requeued.len(), 1);
    assert_eq!(delivery.run(&store, NOW + 5).unwrap().sent, 1);
    assert_eq!(state(&store).1, 2, "two attempts on record");
}

#[test]
fn backoff_doubles_from_30s_to_30min() {
    let caps: Vec<i64> = (1..=9).map(backoff_cap).collect();
    assert_eq!(caps, [30, 60, 120, 240, 480, 960, 1800, 1800, 1800]);
}

#[test]
fn an_unreachable_webhook_is_one_line_in_status() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let text = format!(
        "[sources.claude_code_logs]\nroots = []\n[sources.claude_oauth]\nenabled = false\n\
         [notify.desktop]\nenabled = false\n[notify.webhook]\nurl = \"http://127.0.0.1:{port}/hook\"\n"
    );
    std::fs::write(dir.path().join("config.toml"), &text).unwrap();
    let config = Config::parse(Path::new("config.toml"), &text).unwrap();
    let store = Store::open(&dir.path().join("data/creditwatch.db")).unwrap();
    for key in ["a", "b", "c"] {
        store.enqueue(&row(key, NOW)).unwrap();
    }
    let mut delivery = Delivery::new(notify::build(&config.notify, &TimeZone::UTC), TimeZone::UTC);
    delivery.run(&store, NOW).unwrap();
    drop(store);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_creditwatch"))
        .args(["--now", &(NOW + 600).to_string(), "status"])
        .env("CREDITWATCH_HOME", dir.path())
        .env("HOME", dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("Channel webhook"))
        .unwrap_or_else(|| panic!("no channel line:\n{text}"));
    assert!(
        line.starts_with("Channel webhook unavailable since 10m ago (1 tries), next try at the next tick, 3 waiting: "),
        "{line}"
    );
    assert!(line.contains("Connection refused"), "{line}");
}

/// A header from a file: the file must be its owner's alone, and a header named both in
/// `headers_env` and `headers_file` is a config error.
#[test]
fn a_header_file_readable_by_others_is_refused_and_a_header_given_twice_is_an_error() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let server = answering(&[200]);
    let auth = dir.path().join("auth");
    std::fs::write(&auth, format!("Bearer {TOKEN}")).unwrap();
    std::fs::set_permissions(&auth, std::fs::Permissions::from_mode(0o644)).unwrap();
    let text = |extra: &str| {
        format!(
            "[notify.desktop]\nenabled = false\n[notify.webhook]\nurl = \"{}/publish\"\n\
             headers_file = {{ Authorization = {:?} }}\n{extra}",
            server.base_url,
            auth.display().to_string()
        )
    };
    let twice = Config::parse(
        Path::new("config.toml"),
        &text("headers_env = { Authorization = \"SOME_VAR\" }\n"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        twice.contains("header Authorization is also in headers_env"),
        "{twice}"
    );
    let config = Config::parse(Path::new("config.toml"), &text("")).unwrap();
    let store = Store::open(&dir.path().join("creditwatch.db")).unwrap();
    let mut delivery = Delivery::new(notify::build(&config.notify, &TimeZone::UTC), TimeZone::UTC);
    store.enqueue(&row("exposed", NOW)).unwrap();
    delivery.run(&store, NOW).unwrap();
    let error = store.outbox_all().unwrap()[0].last_error.clone().unwrap();
    assert!(
        error.contains("header Authorization") && error.contains("644"),
        "{error}"
    );
    assert_eq!(
        server.count("/publish"),
        0,
        "nothing sent with an exposed secret"
    );
}
