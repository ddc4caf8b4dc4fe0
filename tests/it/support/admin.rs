//! A fake Admin API on loopback serving the fixtures (two cost pages, one usage page),
//! and a harness that polls the `anthropic_admin` source against it.

use super::anthropic::fixture;
use super::http::{Answer, Request, Server};
use creditwatch::config::Config;
use creditwatch::snapshot::{self, Snapshot};
use creditwatch::source::{self, Source};
use creditwatch::store::Store;
use jiff::tz::TimeZone;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

/// A canary: it must never be written anywhere.
pub const KEY: &str = "sk-ant-admin01-CANARY-ADMIN-KEY-must-never-leak";
/// The second page's token, as the first page gives it and as it arrives encoded.
pub const PAGE2: &str = "page=page_MjAyNi0xMS0yMFQwMDowMDowMFo%3D";

/// Answers like the Admin API: headers checked, then the route and the page.
pub fn admin(r: &Request) -> Answer {
    if r.header("x-api-key") != Some(KEY) || r.header("anthropic-version") != Some("2023-06-01") {
        return Answer::json(
            401,
            r#"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"#,
        );
    }
    let (path, query) = r.path.split_once('?').unwrap_or((&r.path, ""));
    match path {
        "/v1/organizations/cost_report" if query.contains(PAGE2) => {
            Answer::json(200, fixture("anthropic/admin_cost_report.page2.json"))
        }
        "/v1/organizations/cost_report" => {
            Answer::json(200, fixture("anthropic/admin_cost_report.page1.json"))
        }
        "/v1/organizations/usage_report/messages" => {
            Answer::json(200, fixture("anthropic/admin_usage_messages.json"))
        }
        _ => Answer::json(404, "{}"),
    }
}

pub struct Harness {
    pub dir: tempfile::TempDir,
    pub key_file: PathBuf,
    pub config: Config,
    pub store: Store,
    pub sources: Vec<Source>,
}

impl Harness {
    /// The source with its key in a 0600 file holding `key`.
    pub fn new(server: &Server, key: &str) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let key_file = dir.path().join("admin.key");
        std::fs::write(&key_file, format!("{key}\n")).unwrap();
        std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let text = format!(
            "[sources.claude_code_logs]\nenabled = false\n[sources.claude_oauth]\n\
             enabled = false\n[sources.anthropic_admin]\napi_key_file = {:?}\n\
             interval = \"1m\"\ntimeout = \"1s\"\nbase_url = {:?}\n",
            key_file.display().to_string(),
            server.base_url,
        );
        let config = Config::parse(&dir.path().join("config.toml"), &text).unwrap();
        let store = Store::open(&dir.path().join("creditwatch.db")).unwrap();
        let sources = source::build(&config);
        assert_eq!(sources.len(), 1);
        Harness {
            dir,
            key_file,
            config,
            store,
            sources,
        }
    }

    pub fn poll(&mut self, now: i64) -> source::Outcome {
        self.sources[0].poll(&mut self.store, now).unwrap()
    }

    pub fn snapshot(&self, now: i64) -> Snapshot {
        snapshot::build(&self.store, &self.config, now, &TimeZone::UTC).unwrap()
    }

    /// The key is nowhere we write: the snapshot, the outcome, the database.
    pub fn check_secret(&self, snapshot: &Snapshot, outcome: &source::Outcome) {
        super::secrets::assert_absent(self.dir.path(), snapshot, outcome, &[KEY]);
    }
}
