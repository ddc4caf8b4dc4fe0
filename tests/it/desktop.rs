//! Desktop delivery through a real, private D-Bus session bus (busd) with a
//! notification server that records what it was shown. The tests in this process name
//! their bus in the config (`[notify.desktop] bus`); the other gives its bus to the real
//! binary in its environment. The notifier they test is the freedesktop one, so they
//! run where that is the desktop channel (not on macOS, where it is Notification Center).

use crate::support::http::{Answer, Server};
use crate::support::smtp::Smtp;
use crate::support::wait::wait_for;
use creditwatch::config::Config;
use creditwatch::notify::{self, Delivery};
use creditwatch::store::{OutboxRow, Store};
use creditwatch::vocab::Channel;
use jiff::tz::TimeZone;
use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use zbus::zvariant::OwnedValue;

use crate::support::NOW;

/// A private session bus (busd, a D-Bus broker in Rust, in a thread of this process),
/// stopped when dropped.
struct Bus {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    address: String,
    _dir: tempfile::TempDir,
}

impl Bus {
    fn start() -> Bus {
        let dir = tempfile::tempdir().unwrap();
        let socket = format!("unix:path={}", dir.path().join("bus").display());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (ready, address) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let mut bus = busd::bus::Bus::for_address(Some(&socket)).await.unwrap();
                ready.send(bus.address().to_string()).unwrap();
                tokio::select! {
                    r = bus.run() => r.unwrap(),
                    _ = stopped => {}
                }
            });
        });
        Bus {
            stop: Some(stop),
            thread: Some(thread),
            address: address.recv().expect("the bus started"),
            _dir: dir,
        }
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.stop.take().map(|s| s.send(()));
        let _ = self.thread.take().map(std::thread::JoinHandle::join);
    }
}

#[derive(Debug, Clone)]
struct Shown {
    app: String,
    summary: String,
    body: String,
    urgency: Option<u8>,
}

struct Recorder {
    shown: Arc<Mutex<Vec<Shown>>>,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Recorder {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        _actions: Vec<String>,
        hints: HashMap<String, OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        let urgency = hints.get("urgency").and_then(|v| u8::try_from(v).ok());
        let mut shown = self.shown.lock().unwrap();
        shown.push(Shown {
            app: app_name,
            summary,
            body,
            urgency,
        });
        shown.len() as u32
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".into()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "recorder".into(),
            "creditwatch tests".into(),
            "1".into(),
            "1.2".into(),
        )
    }

    fn close_notification(&self, _id: u32) {}
}

/// A notification server on `bus` until the returned connection is dropped.
fn serve(bus: &Bus, shown: &Arc<Mutex<Vec<Shown>>>) -> zbus::blocking::Connection {
    zbus::blocking::connection::Builder::address(bus.address.as_str())
        .unwrap()
        .name("org.freedesktop.Notifications")
        .unwrap()
        .serve_at(
            "/org/freedesktop/Notifications",
            Recorder {
                shown: shown.clone(),
            },
        )
        .unwrap()
        .build()
        .unwrap()
}

fn row(key: &str, channel: Channel, severity: &str, title: &str) -> OutboxRow {
    OutboxRow {
        title: title.into(),
        body: "$12.50 left, $20.00 a day".into(),
        severity: creditwatch::vocab::Severity::parse(severity).unwrap(),
        figures: serde_json::Value::Null,
        ..crate::support::outbox::row(key, channel, NOW)
    }
}

#[test]
fn desktop_notifications_reach_the_bus_and_a_missing_service_waits_without_delaying_others() {
    let bus = Bus::start();
    let hook = Server::start(|_| Answer::json(200, "{}"));
    let dir = tempfile::tempdir().unwrap();
    let smtp = Smtp::plain(&dir.path().join("mail"));
    let text = format!(
        "[notify.desktop]\nbus = {:?}\n[notify.webhook]\nurl = \"{}/hook\"\n[notify.email]\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {}\ntls = \"none\"\nfrom = \"cw@example.com\"\nto = [\"ana@example.com\"]\n",
        bus.address, hook.base_url, smtp.port
    );
    let config = Config::parse(Path::new("config.toml"), &text).unwrap();
    let store = Store::open(&dir.path().join("creditwatch.db")).unwrap();
    let mut delivery = Delivery::new(notify::build(&config.notify, &TimeZone::UTC), TimeZone::UTC);

    // Shown, with its urgency, and a title cut to fit.
    let shown = Arc::new(Mutex::new(Vec::new()));
    let server = serve(&bus, &shown);
    let long = format!("Claude credits run out tomorrow {}", "x".repeat(120));
    store
        .enqueue(&row("a", Channel::Desktop, "critical", &long))
        .unwrap();
    store
        .enqueue(&row("b", Channel::Desktop, "info", "Daily digest"))
        .unwrap();
    assert_eq!(delivery.run(&store, NOW).unwrap().sent, 2);
    let seen = shown.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[0].app, "creditwatch");
    assert_eq!(seen[0].summary.chars().count(), 100);
    assert!(
        seen[0]
            .summary
            .starts_with("Claude credits run out tomorrow")
            && seen[0].summary.ends_with('…')
    );
    assert_eq!(seen[0].body, "$12.50 left, $20.00 a day");
    assert_eq!(seen[0].urgency, Some(2), "critical");
    assert_eq!(
        (seen[1].summary.as_str(), seen[1].urgency),
        ("Daily digest", Some(0))
    );

    // No notification service: a transient failure that waits; the webhook goes out anyway.
    drop(server);
    store
        .enqueue(&row("c", Channel::Desktop, "warning", "Plan window full"))
        .unwrap();
    store
        .enqueue(&row("c", Channel::Webhook, "warning", "Plan window full"))
        .unwrap();
    let pass = delivery.run(&store, NOW + 60).unwrap();
    assert_eq!((pass.sent, pass.retried), (1, 1), "{pass:?}");
    assert_eq!(hook.count("/hook"), 1);
    let waiting = store.outbox_backlog().unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(
        (waiting[0].channel.as_str(), waiting[0].state.as_str()),
        ("desktop", "retry")
    );
    assert!(
        waiting[0].last_error.as_deref().unwrap().contains(
            "no desktop notification service answered on D-Bus: \
                 org.freedesktop.Notifications is not on the session bus"
        ),
        "{waiting:?}"
    );

    // The service is back: the waiting one is shown at its retry time.
    let _server = serve(&bus, &shown);
    let at = waiting[0].next_attempt_at.unwrap();
    assert_eq!(delivery.run(&store, at).unwrap().sent, 1);
    let seen = shown.lock().unwrap().clone();
    assert_eq!(
        (seen.len(), seen[2].summary.as_str(), seen[2].urgency),
        (3, "Plan window full", Some(1))
    );

    // A webhook whose token is refused: turned off, and said once on the desktop.
    let refusing = Server::start(|_| Answer::json(401, "{\"error\": \"bad token\"}"));
    let text = format!(
        "[notify.desktop]\nbus = {:?}\n[notify.webhook]\nurl = \"{}/hook\"\n",
        bus.address, refusing.base_url
    );
    let config = Config::parse(Path::new("config.toml"), &text).unwrap();
    let mut delivery = Delivery::new(notify::build(&config.notify, &TimeZone::UTC), TimeZone::UTC);
    store
        .enqueue(&row("d", Channel::Webhook, "warning", "Extra usage at 85%"))
        .unwrap();
    store
        .enqueue(&row("e", Channel::Webhook, "warning", "Extra usage at 90%"))
        .unwrap();
    delivery.run(&store, at + 60).unwrap();
    delivery.run(&store, at + 120).unwrap();
    let seen = shown.lock().unwrap().clone();
    let notices: Vec<&Shown> = seen
        .iter()
        .filter(|n| n.summary.contains("cannot send webhook"))
        .collect();
    assert_eq!(notices.len(), 1, "{seen:?}");
    assert!(notices[0].body.contains("HTTP 401"), "{:?}", notices[0]);
    assert_eq!(
        refusing.count("/hook"),
        1,
        "the first refusal turned the channel off"
    );
}

#[test]
fn a_database_that_will_not_open_is_told_once_and_the_daemon_waits_for_the_fix() {
    let bus = Bus::start();
    let shown = Arc::new(Mutex::new(Vec::new()));
    let _server = serve(&bus, &shown);
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    std::fs::write(
        home.join("config.toml"),
        "tick = \"1s\"\n[sources.claude_code_logs]\nroots = []\n[sources.claude_oauth]\nenabled = false\n",
    )
    .unwrap();
    let db = home.join("data/creditwatch.db");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    std::fs::write(&db, "not a database, whatever it was ".repeat(200)).unwrap();
    let command = |args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_creditwatch"));
        cmd.args(args)
            .env("CREDITWATCH_HOME", home)
            .env("HOME", home)
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
            .env_remove("CLAUDE_CONFIG_DIR");
        cmd
    };
    let mut daemon = command(&["run"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let told = |shown: &Arc<Mutex<Vec<Shown>>>| {
        shown
            .lock()
            .unwrap()
            .iter()
            .filter(|n| n.summary.contains("cannot open its database"))
            .cloned()
            .collect::<Vec<_>>()
    };
    let limit = std::time::Duration::from_secs(30);
    wait_for("the desktop is told", limit, || !told(&shown).is_empty());
    let notice = &told(&shown)[0];
    assert!(notice.body.contains("not a database"), "{notice:?}");
    assert!(notice.body.contains("mv "), "says what to do: {notice:?}");
    assert!(
        daemon.try_wait().unwrap().is_none(),
        "it waits instead of exiting"
    );
    let status = command(&["status"]).output().unwrap();
    let text = String::from_utf8_lossy(&status.stdout);
    assert_eq!(status.status.code(), Some(0), "{text}");
    assert!(
        text.contains("Waiting for this to be fixed: cannot open database"),
        "{text}"
    );
    // `check` is not a daemon: it says what is wrong and exits 1.
    let check = command(&["check"]).output().unwrap();
    assert_eq!(check.status.code(), Some(1));
    let said = String::from_utf8_lossy(&check.stderr);
    assert!(
        said.contains(&db.display().to_string()) && said.contains("not a database"),
        "{said}"
    );

    // Moved aside: at the next tick the daemon starts its work with a new database.
    std::fs::rename(&db, home.join("data/creditwatch.db.broken")).unwrap();
    wait_for("a cycle after the fix", limit, || {
        let s = crate::support::wait::state(home);
        s["cycles"].as_u64() >= Some(1) && s["degraded"].is_null()
    });
    unsafe { libc::kill(daemon.id() as i32, libc::SIGTERM) };
    assert_eq!(daemon.wait().unwrap().code(), Some(0));
    assert_eq!(told(&shown).len(), 1, "told once");
}

#[test]
fn a_session_bus_that_is_not_there_is_said_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "[notify.desktop]\nbus = \"unix:path={}\"\n",
        dir.path().join("no-bus").display()
    );
    let config = Config::parse(Path::new("config.toml"), &text).unwrap();
    let store = Store::open(&dir.path().join("creditwatch.db")).unwrap();
    let mut delivery = Delivery::new(notify::build(&config.notify, &TimeZone::UTC), TimeZone::UTC);
    store
        .enqueue(&row("d", Channel::Desktop, "warning", "Plan window full"))
        .unwrap();
    assert_eq!(delivery.run(&store, NOW).unwrap().retried, 1);
    let error = store.outbox_backlog().unwrap()[0]
        .last_error
        .clone()
        .unwrap();
    assert!(
        error.starts_with(
            "no desktop notification service answered on D-Bus: the session bus could not be reached ("
        ),
        "{error}"
    );
}
