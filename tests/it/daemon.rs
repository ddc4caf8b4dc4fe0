//! The daemon loop in-process: a saved rule takes effect without a restart, a broken save
//! keeps the last good version and is told once, SIGHUP reloads. Nothing here waits for
//! time: the tick is an hour and the test waits for the daemon's own progress.

use creditwatch::alert::RULE_ERRORS;
use creditwatch::daemon::{self, Progress, Settings};
use creditwatch::paths::Paths;
use creditwatch::store::{OutboxRow, Store};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{oneshot, watch};

use crate::support::NOW;
/// A bound on waiting for the watch to see a file change; never reached when all is well.
const ARRIVE: Duration = Duration::from_secs(20);

fn rule(title: &str) -> String {
    format!(
        "return {{ channels = {{'desktop'}}, check = function(s) return {{ title = '{title}' }} end }}\n"
    )
}

async fn until(
    progress: &mut watch::Receiver<Progress>,
    done: impl Fn(&Progress) -> bool,
) -> Progress {
    let wait = progress.wait_for(|p| done(p));
    tokio::time::timeout(ARRIVE, wait)
        .await
        .expect("the daemon got there")
        .unwrap()
        .clone()
}

fn outbox(db: &Path) -> Vec<OutboxRow> {
    Store::open(db).unwrap().outbox_backlog().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_reload_on_save_and_on_sighup_and_a_broken_save_is_told_once() {
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::under(home.path());
    let empty = home.path().join("no-transcripts");
    std::fs::create_dir_all(&empty).unwrap();
    // The desktop channel is on (a channel that is off gets no notifications at all), and
    // its bus is nowhere: what is told waits in the outbox for the test to read.
    let bus = format!("unix:path={}", home.path().join("no-bus").display());
    std::fs::write(
        paths.config_file(),
        format!(
            "[sources.claude_code_logs]\nroots = [{:?}]\n[sources.claude_oauth]\nenabled = false\n\
             [notify.desktop]\nbus = {bus:?}\n",
            empty.display().to_string()
        ),
    )
    .unwrap();
    let rules = paths.rules_dir();
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(
        rules.join("quiet.lua"),
        "return { check = function() return nil end }",
    )
    .unwrap();
    let db = paths.database();
    let settings = Settings {
        paths,
        config_file: home.path().join("config.toml"),
        tick: Some(Duration::from_secs(3600)),
        grace: Duration::from_millis(300),
        clock: Arc::new(|| NOW),
        fault: daemon::Faults::default(),
        desktop_bus: None,
    };
    let (stop, stopped) = oneshot::channel::<()>();
    let (tx, mut progress) = watch::channel(Progress::default());
    let daemon = tokio::spawn(daemon::run(
        settings,
        async {
            let _ = stopped.await;
        },
        tx,
    ));

    until(&mut progress, |p| p.cycles >= 1).await;
    assert!(outbox(&db).is_empty());

    // A new rule is picked up without a restart, and fires.
    std::fs::write(rules.join("hello.lua"), rule("v1")).unwrap();
    let p = until(&mut progress, |p| p.reloads >= 1 && p.enqueued >= 1).await;
    let rows = outbox(&db);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        (rows[0].rule.as_str(), rows[0].title.as_str()),
        ("hello", "v1")
    );

    // A broken save: the last good version stays (no new notification for `hello`), and
    // the breakage is told once.
    std::fs::write(
        rules.join("hello.lua"),
        "return { check = function(s) return {",
    )
    .unwrap();
    let reloads = p.reloads;
    until(&mut progress, |p| p.reloads > reloads).await;
    let rows = outbox(&db);
    let errors: Vec<&OutboxRow> = rows.iter().filter(|r| r.rule == RULE_ERRORS).collect();
    assert_eq!(errors.len(), 1, "{rows:?}");
    assert!(
        errors[0].body.starts_with("hello.lua:1:"),
        "{}",
        errors[0].body
    );
    assert_eq!(rows.iter().filter(|r| r.rule == "hello").count(), 1);

    // SIGHUP reloads too; the file is still broken, so nothing new is told.
    let p = progress.borrow().clone();
    unsafe { libc::kill(libc::getpid(), libc::SIGHUP) };
    until(&mut progress, |q| {
        q.reloads > p.reloads && q.cycles > p.cycles
    })
    .await;
    assert_eq!(
        outbox(&db).len(),
        2,
        "one notification per change, not per reload"
    );

    // Fixed: the breakage resolves, told once.
    std::fs::write(rules.join("hello.lua"), rule("v2")).unwrap();
    let reloads = progress.borrow().reloads;
    until(&mut progress, |p| p.reloads > reloads).await;
    let rows = outbox(&db);
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[2].transition, creditwatch::vocab::Transition::Resolved);
    assert_eq!(rows[2].rule, RULE_ERRORS);

    stop.send(()).unwrap();
    tokio::time::timeout(ARRIVE, daemon)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_does_not_wait_for_a_mail_server_that_never_answers() {
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::under(home.path());
    let empty = home.path().join("no-transcripts");
    std::fs::create_dir_all(&empty).unwrap();
    // Accepts connections and never says a word; tells the test when one arrives.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (accepted, connected) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for s in listener.incoming().flatten() {
            if accepted.send(s).is_err() {
                return;
            }
        }
    });
    std::fs::write(
        paths.config_file(),
        format!(
            "[sources.claude_code_logs]\nroots = [{:?}]\n[sources.claude_oauth]\nenabled = false\n[notify.desktop]\nenabled = false\n[notify.email]\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {port}\ntls = \"none\"\nfrom = \"cw@example.com\"\nto = [\"ana@example.com\"]\ntimeout = \"60s\"\n",
            empty.display().to_string()
        ),
    )
    .unwrap();
    std::fs::create_dir_all(paths.rules_dir()).unwrap();
    std::fs::write(
        paths.rules_dir().join("now.lua"),
        "return { channels = {'email'}, check = function() return { title = 'hello' } end }",
    )
    .unwrap();
    let db = paths.database();
    let settings = Settings {
        config_file: paths.config_file(),
        paths,
        tick: Some(Duration::from_secs(3600)),
        grace: Duration::from_millis(300),
        clock: Arc::new(|| NOW),
        fault: daemon::Faults::default(),
        desktop_bus: None,
    };
    let (stop, stopped) = oneshot::channel::<()>();
    let (tx, _progress) = watch::channel(Progress::default());
    let daemon = tokio::spawn(daemon::run(
        settings,
        async {
            let _ = stopped.await;
        },
        tx,
    ));
    let socket = tokio::task::spawn_blocking(move || {
        connected.recv_timeout(ARRIVE).expect("the daemon connects")
    })
    .await
    .unwrap();
    stop.send(()).unwrap();
    let started = std::time::Instant::now();
    tokio::time::timeout(ARRIVE, daemon)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "stopped in {:?}, after the grace period and not after the 60s timeout",
        started.elapsed()
    );
    let rows = outbox(&db);
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].state,
        creditwatch::vocab::OutboxState::Retry,
        "back in the outbox after the grace period, to be sent again at the next start"
    );
    // Lets the abandoned send end now rather than at its timeout.
    drop(socket);
}
