//! Real Alertmanager and Prometheus processes on loopback, each in a folder of its own,
//! stopped when dropped. The tests that use them are ignored unless the programs are
//! installed (`.ci/run` installs Debian's `prometheus-alertmanager` and `prometheus`).

use super::wait::wait_for;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// How long an engine may take to start; never reached when all is well.
const START: Duration = Duration::from_secs(60);

/// A running engine.
pub struct Engine {
    child: Child,
    /// Its HTTP address, `http://127.0.0.1:PORT`.
    pub url: String,
    /// Its gossip address, for Alertmanager.
    pub cluster: String,
    _dir: tempfile::TempDir,
}

impl Drop for Engine {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The first of `names` on the `PATH`.
fn program(names: &[&str]) -> String {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in names {
            if dir.join(name).is_file() {
                return dir.join(name).display().to_string();
            }
        }
    }
    panic!("none of {names:?} is installed; .ci/run installs them")
}

/// A GET that answers with its body, or `None` when nothing answers.
pub fn get(url: &str) -> Option<String> {
    let client = reqwest::blocking::Client::new();
    let reply = client
        .get(url)
        .timeout(Duration::from_secs(5))
        .send()
        .ok()?;
    reply.status().is_success().then(|| reply.text().ok())?
}

/// A GET of JSON.
pub fn get_json(url: &str) -> serde_json::Value {
    serde_json::from_str(&get(url).unwrap_or_else(|| panic!("{url} answered"))).unwrap()
}

/// The route every test Alertmanager has: one receiver that sends nowhere, alerts grouped
/// by rule and account.
const ROUTE: &str = "route:\n  receiver: team\n  group_by: ['alertname', 'account']\n  \
                     group_wait: 1s\nreceivers:\n  - name: team\n";

/// An Alertmanager on `port`, joining `peer`'s cluster when given.
pub fn alertmanager_on(port: u16, peer: Option<&Engine>) -> Engine {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("alertmanager.yml");
    std::fs::write(&config, ROUTE).unwrap();
    let gossip = format!("127.0.0.1:{}", free_port());
    let mut c = Command::new(program(&["alertmanager", "prometheus-alertmanager"]));
    c.arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.path={}", dir.path().display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg(format!("--cluster.listen-address={gossip}"))
        .arg(format!("--cluster.advertise-address={gossip}"));
    if let Some(p) = peer {
        c.arg(format!("--cluster.peer={}", p.cluster));
    }
    start(c, dir, port, "/-/ready", gossip)
}

/// An Alertmanager on a port of its own.
pub fn alertmanager() -> Engine {
    alertmanager_on(free_port(), None)
}

/// A Prometheus that takes remote writes.
pub fn prometheus() -> Engine {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("prometheus.yml");
    std::fs::write(&config, "global:\n  scrape_interval: 1h\n").unwrap();
    let port = free_port();
    let mut c = Command::new(program(&["prometheus"]));
    c.arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--web.enable-remote-write-receiver");
    start(c, dir, port, "/-/ready", String::new())
}

fn start(
    mut c: Command,
    dir: tempfile::TempDir,
    port: u16,
    ready: &str,
    cluster: String,
) -> Engine {
    let log = std::fs::File::create(dir.path().join("log")).unwrap();
    c.current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log);
    let engine = Engine {
        child: c.spawn().unwrap(),
        url: format!("http://127.0.0.1:{port}"),
        cluster,
        _dir: dir,
    };
    let probe = format!("{}{ready}", engine.url);
    wait_for(&format!("{probe} to answer"), START, || {
        get(&probe).is_some()
    });
    engine
}

/// The log an engine wrote, for a failing test's message.
pub fn log(engine: &Engine) -> String {
    std::fs::read_to_string(engine._dir.path().join("log")).unwrap_or_default()
}
