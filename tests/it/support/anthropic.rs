//! A fake Anthropic on loopback serving the fixtures, and a harness that polls the
//! `claude_oauth` source against it and checks that no secret leaks.

use super::http::{Answer, Request, Server};
use creditwatch::config::Config;
use creditwatch::snapshot::{self, Snapshot};
use creditwatch::source::{self, Source};
use creditwatch::store::Store;
use jiff::tz::TimeZone;
use std::path::{Path, PathBuf};

pub const TOKEN: &str = "sk-ant-oat01-FIXTURE-ACCESS-TOKEN-not-a-real-secret";
pub const REFRESH: &str = "sk-ant-ort01-FIXTURE-REFRESH-TOKEN-not-a-real-secret";
pub const ORG: &str = "9c0d2f41-0000-4000-8000-0000000000b2";
pub use super::NOW;

pub fn fixture(name: &str) -> Vec<u8> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    std::fs::read(root.join(name)).unwrap()
}

/// Answers like the real service: the OAuth headers are checked, then the route.
pub fn anthropic(usage: &'static str, credits: &'static str) -> impl Fn(&Request) -> Answer {
    move |r: &Request| {
        let bearer = format!("Bearer {TOKEN}");
        if r.header("authorization") != Some(bearer.as_str())
            || r.header("anthropic-beta") != Some("oauth-2025-04-20")
            || !r
                .header("user-agent")
                .is_some_and(|u| u.starts_with("claude-code/"))
        {
            return Answer::json(
                401,
                r#"{"type":"error","error":{"type":"authentication_error","message":"bad headers"}}"#,
            );
        }
        let credits_path = format!("/api/oauth/organizations/{ORG}/prepaid/credits");
        match r.path.as_str() {
            "/api/oauth/usage" => Answer::json(200, fixture(&format!("anthropic/{usage}"))),
            "/api/oauth/profile" => Answer::json(200, fixture("anthropic/oauth_profile.json")),
            p if p == credits_path => Answer::json(200, fixture(&format!("anthropic/{credits}"))),
            _ => Answer::json(404, "{}"),
        }
    }
}

pub struct Harness {
    pub dir: tempfile::TempDir,
    pub creds: PathBuf,
    pub creds_before: (Vec<u8>, std::time::SystemTime),
    pub config: Config,
    pub store: Store,
    pub sources: Vec<Source>,
}

impl Harness {
    pub fn new(server: &Server, credentials: &str) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let creds = dir.path().join(".credentials.json");
        std::fs::write(&creds, fixture(&format!("claude-code/{credentials}"))).unwrap();
        let text = format!(
            "[sources.claude_code_logs]\nenabled = false\n[sources.claude_oauth]\n\
             enabled = true\ninterval = \"1m\"\ntimeout = \"1s\"\nbase_url = {:?}\n\
             credentials_file = {:?}\n",
            server.base_url,
            creds.display().to_string()
        );
        let config = Config::parse(&dir.path().join("config.toml"), &text).unwrap();
        let store = Store::open(&dir.path().join("creditwatch.db")).unwrap();
        let sources = source::build(&config);
        assert_eq!(sources.len(), 1);
        let meta = std::fs::metadata(&creds).unwrap();
        let creds_before = (std::fs::read(&creds).unwrap(), meta.modified().unwrap());
        Harness {
            dir,
            creds,
            creds_before,
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

    /// The credentials are untouched and no secret is anywhere we write.
    pub fn check_secrets(&self, snapshot: &Snapshot, outcome: &source::Outcome) {
        let meta = std::fs::metadata(&self.creds).unwrap();
        assert_eq!(std::fs::read(&self.creds).unwrap(), self.creds_before.0);
        assert_eq!(meta.modified().unwrap(), self.creds_before.1);
        let secrets = [TOKEN, REFRESH, "FIXTURE-MCP-TOKEN"];
        super::secrets::assert_absent(self.dir.path(), snapshot, outcome, &secrets);
    }
}

/// A `HOME` under `dir` with Claude Code's credentials in it, as Claude Code leaves them.
pub fn home_with_credentials(dir: &std::path::Path) -> std::path::PathBuf {
    let home = dir.join("home");
    std::fs::create_dir_all(home.join(".claude")).unwrap();
    std::fs::write(
        home.join(".claude/.credentials.json"),
        fixture("claude-code/credentials.json"),
    )
    .unwrap();
    home
}

/// Writes `cw/config.toml` for both network sources, OAuth at `oauth` and the Admin API
/// (its key in `CW_TEST_ADMIN_KEY`) at `admin`, each with `setting` (`interval = "1m"`),
/// no transcripts and no desktop.
pub fn network_config(cw: &std::path::Path, oauth: &str, admin: &str, setting: &str) {
    std::fs::create_dir_all(cw).unwrap();
    std::fs::write(
        cw.join("config.toml"),
        format!(
            "[sources.claude_code_logs]\nroots = []\n\
             [sources.claude_oauth]\nbase_url = {oauth:?}\n{setting}\n\
             [sources.anthropic_admin]\napi_key_env = \"CW_TEST_ADMIN_KEY\"\n\
             base_url = {admin:?}\n{setting}\n[notify.desktop]\nenabled = false\n"
        ),
    )
    .unwrap();
}
