//! The first `check` of a new user, before Claude Code has run or signed in: each source
//! says where it looked, what it found and what would turn it on, and `forecast` says why
//! it has nothing to forecast instead of asking for the `check` just run.

#[test]
fn a_fresh_install_says_where_each_source_looked_and_what_would_turn_it_on() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let run = |args: &[&str]| {
        let out = crate::support::bin::command(crate::support::NEXT_MORNING, home, home, args)
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let check = run(&["check"]);
    let row = |name: &str| {
        check
            .lines()
            .find(|l| l.trim_start().starts_with(name))
            .unwrap_or_else(|| panic!("no {name} in\n{check}"))
            .to_string()
    };
    assert!(
        row("claude_code_logs").contains(
            "no transcripts yet in ~/.claude/projects or ~/.config/claude/projects: Claude Code writes them there once it has answered"
        ),
        "{check}"
    );
    let oauth = row("claude_oauth");
    assert!(
        oauth.contains(" off ")
            && oauth.contains("no Claude Code sign-in found (looked in ")
            && oauth.contains(".credentials.json")
            && oauth.contains("sign in with `claude` and it turns on by itself"),
        "{oauth}"
    );
    let forecast = run(&["forecast"]);
    assert!(
        forecast.contains("No pool to forecast: no source has reported")
            && !forecast.contains("run `creditwatch check`."),
        "{forecast}"
    );
}
