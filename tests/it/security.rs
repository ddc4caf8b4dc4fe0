//! What creditwatch protects, tried from outside with the real binary: tokens and keys
//! never reach a log (whatever `RUST_LOG` says), a URL with credentials in it is refused
//! before anything is sent, and every file creditwatch writes is private to its user.

use crate::support::admin::{KEY, admin};
use crate::support::anthropic::{NOW, TOKEN, anthropic, home_with_credentials, network_config};
use crate::support::http::Server;
use crate::support::wait::{cycles_of, wait_for};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Every 8-character run of `secret`, as text and as the hex a protocol dump would show.
fn runs_of(secret: &str) -> Vec<String> {
    let bytes = secret.as_bytes();
    bytes
        .windows(8)
        .flat_map(|w| {
            let text = String::from_utf8_lossy(w).into_owned();
            let hex: String = w.iter().map(|b| format!("{b:02x}")).collect();
            [text, hex]
        })
        .collect()
}

/// Asserts that no run of any secret is in `text` (whitespace removed, so a hex dump split
/// into groups is still found).
fn assert_no_secret(what: &str, text: &str) {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    for secret in [TOKEN, KEY] {
        for run in runs_of(secret) {
            assert!(
                !text.contains(&run) && !compact.contains(&run),
                "{what} holds {run:?}, part of a secret"
            );
        }
    }
}

/// A home with Claude Code's credentials, an OAuth server and an Admin API server.
struct World {
    dir: tempfile::TempDir,
    oauth: Server,
    admin: Server,
}

impl World {
    fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        home_with_credentials(dir.path());
        let oauth = Server::start(anthropic("oauth_usage.flat.json", "prepaid_credits.json"));
        let admin = Server::start(admin);
        let (cw, setting) = (dir.path().join("cw"), "interval = \"1m\"");
        network_config(&cw, &oauth.base_url, &admin.base_url, setting);
        World { dir, oauth, admin }
    }

    fn command(&self, args: &[&str]) -> Command {
        let dir = self.dir.path();
        let mut cmd = crate::support::bin::command(NOW, &dir.join("home"), &dir.join("cw"), args);
        cmd.env("CW_TEST_ADMIN_KEY", KEY).env("RUST_LOG", "trace");
        cmd
    }
}

#[test]
fn rust_log_trace_never_writes_the_token_or_the_key() {
    let world = World::new();
    // A directive naming the HTTP client's dump itself cannot lift the limit either.
    let out = world
        .command(&["check"])
        .env("RUST_LOG", "trace,hyper::proto=trace,hyper_util=trace")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        (
            world.oauth.count("/api/oauth/usage"),
            world.admin.count("/v1/")
        ),
        (1, 3),
        "{out:?}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Verbose logging is on: the HTTP client's own lines are there, its raw bytes are not.
    assert!(stderr.contains("reqwest"), "{stderr}");
    assert_no_secret("check's stderr", &stderr);
    assert_no_secret("check's stdout", &String::from_utf8_lossy(&out.stdout));

    let log = world.dir.path().join("daemon.log");
    let daemon = world
        .command(&["run", "--log", log.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The daemon's clock is real: its first cycle asks both servers again.
    wait_for("a poll by the daemon", Duration::from_secs(30), || {
        world.oauth.count("/api/oauth/usage") >= 2 && world.admin.count("/v1/") >= 4
    });
    unsafe { libc::kill(daemon.id() as i32, libc::SIGTERM) };
    let out = daemon.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let written = std::fs::read_to_string(&log).unwrap();
    assert!(written.contains("reqwest"), "{written}");
    assert_no_secret("the daemon's log", &written);
    assert_no_secret("the daemon's stderr", &String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_url_with_credentials_is_refused_with_exit_2_and_nothing_is_sent() {
    let world = World::new();
    let config = world.dir.path().join("cw/config.toml");
    let port = world.oauth.base_url.rsplit(':').next().unwrap().to_string();
    for url in [
        format!("http://localhost:1@127.0.0.1:{port}"),
        format!("http://[::1]@127.0.0.1:{port}"),
        format!("http://127.0.0.1:{port}@127.0.0.1:{port}"),
    ] {
        std::fs::write(
            &config,
            format!("\n[sources.claude_oauth]\nbase_url = {url:?}\n"),
        )
        .unwrap();
        let out = world.command(&["check"]).output().unwrap();
        let said = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{url}: {said}");
        assert!(
            said.contains(&format!(
                "{}:3:12: key `sources.claude_oauth.base_url`",
                config.display()
            )),
            "{url}: {said}"
        );
        assert!(said.contains("user name or password"), "{url}: {said}");
        assert_eq!(world.oauth.requests().len(), 0, "{url}: a request went out");
    }
}

/// The permission bits of `path`.
fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Runs `cmd` with a umask of 022, as most login sessions have.
fn with_umask_022(cmd: &mut Command) -> &mut Command {
    use std::os::unix::process::CommandExt;
    // SAFETY: umask is async-signal-safe and only touches the child.
    unsafe {
        cmd.pre_exec(|| {
            libc::umask(0o022);
            Ok(())
        })
    }
}

#[test]
fn every_file_and_folder_is_private_and_old_ones_are_tightened_once() {
    let world = World::new();
    let cw = world.dir.path().join("cw");
    let log = cw.join("logs/creditwatch.log");
    let start_daemon = || {
        with_umask_022(&mut world.command(&["run", "--log", log.to_str().unwrap()]))
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    // Until this daemon (not the one before it) has written the state of a cycle.
    let cycled = |daemon: &std::process::Child| {
        let (limit, pid) = (Duration::from_secs(30), daemon.id());
        wait_for("a cycle", limit, || cycles_of(&cw, pid) >= 1);
    };
    let stop = |mut daemon: std::process::Child| {
        unsafe { libc::kill(daemon.id() as i32, libc::SIGTERM) };
        assert_eq!(daemon.wait().unwrap().code(), Some(0));
    };
    let ours = [
        "data/creditwatch.db",
        "data/creditwatch.db-wal",
        "data/creditwatch.db-shm",
        "data/daemon.json",
        "data/creditwatch.pid",
        "data/dashboard.token",
        "logs/creditwatch.log",
    ];
    // The test made the home folder; creditwatch would have made it 0700.
    std::fs::set_permissions(&cw, std::fs::Permissions::from_mode(0o700)).unwrap();
    let daemon = start_daemon();
    cycled(&daemon);
    for dir in ["", "data", "logs", "rules"] {
        assert_eq!(mode(&cw.join(dir)), 0o700, "{dir}/");
    }
    for file in ours {
        assert_eq!(mode(&cw.join(file)), 0o600, "{file}");
    }
    stop(daemon);

    // What an older creditwatch left behind under umask 022 is tightened at the next start,
    // and the log says so once.
    for file in [
        "data/creditwatch.db",
        "data/daemon.json",
        "data/dashboard.token",
        "logs/creditwatch.log",
    ] {
        std::fs::set_permissions(cw.join(file), std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    for dir in ["", "data", "logs"] {
        std::fs::set_permissions(cw.join(dir), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let daemon = start_daemon();
    cycled(&daemon);
    for file in ours {
        assert_eq!(mode(&cw.join(file)), 0o600, "{file} after the restart");
    }
    for dir in ["", "data", "logs"] {
        assert_eq!(mode(&cw.join(dir)), 0o700, "{dir}/ after the restart");
    }
    stop(daemon);
    let written = std::fs::read_to_string(&log).unwrap();
    let said: Vec<&str> = written
        .lines()
        .filter(|l| l.contains("made private"))
        .collect();
    assert_eq!(said.len(), 1, "{written}");
    assert!(said[0].contains("creditwatch.db (was 644)"), "{}", said[0]);
    assert_eq!(
        mode(&cw.join("config.toml")),
        0o644,
        "the user's config is theirs"
    );
}

#[test]
fn values_that_cannot_work_exit_2_naming_file_line_and_key() {
    let world = World::new();
    let config = world.dir.path().join("cw/config.toml");
    let email = "[notify.email]\nsmtp_host = \"smtp.example.com\"\nfrom = \"a@example.com\"\nto = [\"a@example.com\"]\n";
    for (text, at) in [
        (format!("{email}smtp_port = 0\n"), "5:13: key `notify.email.smtp_port`"),
        (
            "[notify.webhook]\nurl = \"https://ntfy.sh/t\"\nheaders_env = { \"X-A\\r\\nInjected: 1\" = \"V\" }\n".to_string(),
            "3:",
        ),
        (
            "[sources.claude_oauth]\ninterval = \"18446744073709551615s\"\n".to_string(),
            "2:12: key `sources.claude_oauth.interval`",
        ),
        (
            "poll_interval = \"5m\"\npoll_interval = \"6m\"\n".to_string(),
            "2:1: key `poll_interval`: duplicate key",
        ),
    ] {
        std::fs::write(&config, &text).unwrap();
        let out = world.command(&["check"]).output().unwrap();
        let said = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}: {said}");
        assert!(
            said.contains(&format!("{}:{at}", config.display())),
            "{text}: {said}"
        );
    }
}
