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

/// `--now` on `check` and `spend` is a dry run: they show what they would at that instant
/// and store nothing a later run relies on (no sample in the future, no poll time that
/// holds the next poll back, no transcript counted).
#[test]
fn a_pretended_instant_is_a_dry_run() {
    use std::os::unix::fs::PermissionsExt;
    let now = crate::support::NEXT_MORNING;
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    crate::support::tree::copy_tree(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/claude-code/logs/home"),
        home,
    );
    let script = home.join("balance.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\necho '{\"credits\": {\"balance_usd\": 40.0, \"currency\": \"USD\", \"auto_reload\": null}}'\n",
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(
        home.join("config.toml"),
        format!(
            "[sources.claude_oauth]\nenabled = false\n[[sources.command]]\nname = \"tool\"\n\
             command = [{:?}]\ninterval = \"10m\"\n",
            script.display().to_string()
        ),
    )
    .unwrap();
    // A copy a killed dry run left behind (its process long gone) is cleared by the next.
    let abandoned = home.join("data/.rehearsal-4194303.db");
    std::fs::create_dir_all(abandoned.parent().unwrap()).unwrap();
    std::fs::write(&abandoned, "").unwrap();
    let pretend = (now + 3600).to_string();
    for args in [
        &["--now", &pretend, "check", "--json"][..],
        &["--now", &pretend, "spend", "--json"],
    ] {
        let out = crate::support::bin::creditwatch(home, home)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        match args[2] {
            "check" => assert_eq!(shown["credits"]["balance_usd"], 40.0, "{shown}"),
            _ => assert_eq!(shown["entries"], 41, "{shown}"),
        }
    }
    assert!(!abandoned.exists(), "an abandoned copy was left");
    let leftovers: Vec<_> = std::fs::read_dir(home.join("data"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".rehearsal-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let db = home.join("data/creditwatch.db");
    if let Some(store) = creditwatch::store::Store::open_read_only(&db).unwrap() {
        let kept = store
            .samples("default", "credits.balance_usd", 0, i64::MAX)
            .unwrap();
        assert!(kept.is_empty(), "a pretended sample was kept: {kept:?}");
        assert_eq!(
            store.log_totals().unwrap().files,
            0,
            "transcripts were recorded"
        );
    }
    // The real run at `now` polls the command: nothing the dry run did holds it back.
    let out = crate::support::bin::command(now, home, home, &["check"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let row = text
        .lines()
        .find(|l| l.trim_start().starts_with("tool"))
        .unwrap_or_default();
    assert!(!row.contains("nothing due"), "{text}");
    let spend =
        crate::support::bin::command(now, home, home, &["spend", "--since", "all", "--json"])
            .output()
            .unwrap();
    let spend: serde_json::Value = serde_json::from_slice(&spend.stdout).unwrap();
    assert_eq!(spend["entries"], 41, "the real run stores them: {spend}");
}
