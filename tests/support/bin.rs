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
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_creditwatch"))
        .args(["--now", &super::anthropic::NOW.to_string()])
        .args(args)
        .env("HOME", home)
        .env("CREDITWATCH_HOME", cw_home)
        .env("TZ", "UTC")
        .env("RUST_LOG", "trace")
        .env_remove("CLAUDE_CONFIG_DIR")
        .env_remove("XDG_CONFIG_HOME")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    for secret in secrets {
        assert!(!text.contains(secret), "{secret} printed");
    }
    String::from_utf8_lossy(&out.stdout).to_string()
}
