//! Two accounts, each with its own Claude config directory: logs, OAuth pools and health
//! are kept apart, `s.accounts[name]` holds each, and the top level is the default's.

use crate::support::anthropic::{NOW, anthropic, fixture};
use crate::support::http::Server;
use crate::support::tree::copy_tree;
use creditwatch::config::Config;
use creditwatch::snapshot;
use creditwatch::source;
use creditwatch::store::Store;
use jiff::tz::TimeZone;
use std::path::Path;

#[test]
fn each_account_reads_its_own_folder_and_sign_in() {
    let server = Server::start(anthropic("oauth_usage.flat.json", "prepaid_credits.json"));
    let dir = tempfile::tempdir().unwrap();
    let logs = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/claude-code/logs/home");
    // The default account: its transcripts, and a sign-in that has expired.
    let default_projects = dir.path().join("default/projects");
    copy_tree(&logs.join(".claude/projects"), &default_projects);
    let expired = dir.path().join("default/.credentials.json");
    std::fs::write(&expired, fixture("claude-code/credentials.expired.json")).unwrap();
    // The work account: other transcripts, and a valid sign-in.
    let work = dir.path().join("work");
    copy_tree(
        &logs.join(".config/claude/projects"),
        &work.join("projects"),
    );
    std::fs::write(
        work.join(".credentials.json"),
        fixture("claude-code/credentials.json"),
    )
    .unwrap();
    let text = format!(
        "[sources.claude_code_logs]\nroots = [{:?}]\n[sources.claude_oauth]\nenabled = true\n\
         interval = \"1m\"\nbase_url = {:?}\ncredentials_file = {:?}\n\
         [[accounts]]\nname = \"work\"\nclaude_config_dir = {:?}\n",
        default_projects.display().to_string(),
        server.base_url,
        expired.display().to_string(),
        work.display().to_string(),
    );
    let config = Config::parse(&dir.path().join("config.toml"), &text).unwrap();
    let mut store = Store::open(&dir.path().join("creditwatch.db")).unwrap();
    let mut sources = source::build(&config);
    let built: Vec<_> = sources.iter().map(|s| (s.name(), s.account())).collect();
    assert_eq!(
        built,
        [
            ("claude_code_logs", "default"),
            ("claude_oauth", "default"),
            ("claude_code_logs", "work"),
            ("claude_oauth", "work"),
        ]
    );
    for s in &mut sources {
        s.poll(&mut store, NOW).unwrap();
    }
    let s = snapshot::build(&store, &config, NOW, &TimeZone::UTC).unwrap();
    assert_eq!(s.account, "default");
    assert_eq!(s.accounts.len(), 2);
    // Sign-ins: only work's is valid, so only work has the pools.
    assert!(s.credits.is_none());
    assert!(!s.sources["claude_oauth"].ok);
    assert!(
        s.sources["claude_oauth"]
            .error
            .as_deref()
            .unwrap()
            .contains("expired")
    );
    let w = &s.accounts["work"];
    assert!((w.credits.as_ref().unwrap().balance_usd - 42.13).abs() < 1e-9);
    assert!(w.sources["claude_oauth"].ok);
    assert_eq!(w.plan.windows["five_hour"].used_pct, 43.0);
    assert!(s.plan.windows.is_empty());
    // Logs: each account has its own spend, and together they are the fixture's total
    // (seen from the end of the fixture's last day: its last transcript is at 18:08 UTC).
    let s = snapshot::build(&store, &config, NOW + 7 * 3600, &TimeZone::UTC).unwrap();
    let w = &s.accounts["work"];
    let month = |apps: &std::collections::BTreeMap<String, snapshot::App>| -> f64 {
        apps.values().map(|a| a.spend_usd.this_month).sum()
    };
    let (d, wk) = (month(&s.apps), month(&w.apps));
    assert!(d > 0.0 && wk > 0.0, "{d} {wk}");
    assert!((d + wk - 7.610_643_5).abs() < 1e-6, "{d} + {wk}");
    assert_eq!(s.accounts["default"].apps, s.apps);
    assert!(w.sources["claude_code_logs"].ok);
}

#[test]
fn account_mistakes_name_the_table() {
    let path = Path::new("/cfg/config.toml");
    let err = |text: &str| Config::parse(path, text).unwrap_err().to_string();
    let e = err("[[accounts]]\nname = \"work\"\n");
    assert!(e.contains("needs claude_config_dir"), "{e}");
    let e = err("[[accounts]]\nname = \"a\"\nclaude_config_dir = \"/x\"\n\n\
         [[accounts]]\nname = \"a\"\nclaude_config_dir = \"/y\"\n");
    assert!(
        e.starts_with("/cfg/config.toml:5:1: key `accounts[1]`: "),
        "{e}"
    );
    assert!(e.contains("listed twice"), "{e}");
    let e = err("[[accounts]]\nname = \"a\"\nclaude_config_dir = \"/x\"\n\
         [[accounts]]\nname = \"b\"\nclaude_config_dir = \"/x\"\n");
    assert!(e.contains("already uses this claude_config_dir"), "{e}");
    let e =
        err("[[sources.command]]\nname = \"c\"\ncommand = [\"/bin/true\"]\naccount = \"wrok\"\n");
    assert!(
        e.starts_with("/cfg/config.toml:1:1: key `sources.command[0]`"),
        "{e}"
    );
    assert!(e.contains("account \"wrok\" is not in [[accounts]]"), "{e}");
    let e = err("[[sources.command]]\nname = \"claude_oauth\"\ncommand = [\"/bin/true\"]\n");
    assert!(e.contains("built-in source"), "{e}");
    let e = err("[[sources.command]]\nname = \"c\"\ncommand = []\n");
    assert!(e.contains("command must name a program"), "{e}");
}
