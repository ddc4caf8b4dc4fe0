//! A clock that jumps back (a wrong clock corrected, a VM restored) never stalls the
//! network sources nor makes times read negative: the real binary against a loopback
//! Anthropic, with `--now` as the clock.

use crate::support::anthropic::{NOW, anthropic, fixture};
use crate::support::http::Server;

#[test]
fn after_the_clock_went_back_the_sources_are_asked_again_on_time() {
    let server = Server::start(anthropic("oauth_usage.flat.json", "prepaid_credits.json"));
    let dir = tempfile::tempdir().unwrap();
    let (home, cw) = (dir.path().join("home"), dir.path().join("cw"));
    std::fs::create_dir_all(home.join(".claude")).unwrap();
    std::fs::write(
        home.join(".claude/.credentials.json"),
        fixture("claude-code/credentials.json"),
    )
    .unwrap();
    std::fs::create_dir_all(&cw).unwrap();
    std::fs::write(
        cw.join("config.toml"),
        format!(
            "[sources.claude_code_logs]\nroots = []\n[sources.claude_oauth]\nbase_url = {:?}\n\
             interval = \"5m\"\n",
            server.base_url
        ),
    )
    .unwrap();
    let run = |now: i64, args: &[&str]| {
        let out = crate::support::bin::command(now, &home, &cw, args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let asked = || server.count("/api/oauth/usage");
    for ahead in [3600, 365 * 86_400] {
        let before = asked();
        run(NOW + ahead, &["check"]);
        assert_eq!(asked(), before + 1);
        // The clock is put right: the source is asked at its next interval, not in an hour
        // (or a year).
        run(NOW, &["check"]);
        assert_eq!(asked(), before + 1, "not due yet: asked just now");
        run(NOW + 300, &["check"]);
        assert_eq!(asked(), before + 2, "{ahead}s ahead stalled the source");
        run(NOW + ahead, &["check"]);
        let status = run(NOW, &["status"]);
        assert!(!status.contains(" -"), "a negative time:\n{status}");
        assert!(status.contains("just now"), "{status}");
    }
}
