//! The real `creditwatch` binary as a child process, with its logs on (`RUST_LOG=trace`)
//! so a test can check that no secret is printed anywhere.

use std::path::Path;

/// Runs `creditwatch --now NOW args` with `HOME` and `CREDITWATCH_HOME` set and `env`
/// added; asserts it succeeded and printed none of `secrets`; returns stdout.
pub fn run(
    home: &Path,
    cw_home: &Path,
    env: &[(&str, &str)],
    args: &[&str],
    secrets: &[&str],
) -> String {
    let out = command(super::anthropic::NOW, home, cw_home, args)
        .env("RUST_LOG", "trace")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let text = said(&out);
    assert!(out.status.success(), "{text}");
    for secret in secrets {
        assert!(!text.contains(secret), "{secret} printed");
    }
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// Everything a run printed: stdout, then stderr.
pub fn said(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs `creditwatch --now NOW args` in `home` (its `HOME` and `CREDITWATCH_HOME`), in UTC;
/// asserts it succeeded and returns stdout.
pub fn succeed(now: i64, home: &Path, args: &[&str]) -> String {
    succeed_in(now, home, home, args)
}

/// [`succeed`] with `CREDITWATCH_HOME` apart from `HOME`.
pub fn succeed_in(now: i64, home: &Path, cw_home: &Path, args: &[&str]) -> String {
    let out = command(now, home, cw_home, args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The binary at `now` running `args`, as [`creditwatch`]: its clock set to `now` with
/// `CREDITWATCH_NOW`, so what it stores is kept (`--now` would make `check` and `spend` dry
/// runs).
pub fn command(now: i64, home: &Path, cw_home: &Path, args: &[&str]) -> std::process::Command {
    let mut c = creditwatch(home, cw_home);
    c.env("CREDITWATCH_NOW", now.to_string()).args(args);
    c
}

/// The binary with `HOME` and `CREDITWATCH_HOME` of its own, in UTC, and nothing from the
/// caller's Claude setup.
pub fn creditwatch(home: &Path, cw_home: &Path) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_creditwatch"));
    c.env("HOME", home)
        .env("CREDITWATCH_HOME", cw_home)
        .env("TZ", "UTC")
        .env_remove("CLAUDE_CONFIG_DIR")
        .env_remove("XDG_CONFIG_HOME");
    c
}
