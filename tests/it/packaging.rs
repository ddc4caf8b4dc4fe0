//! The release path as far as it runs here: the archive a release job makes from a built
//! binary, and the Homebrew formula filled in from the release's checksums. The workflow
//! itself (`.github/workflows/release.yml`) only runs on GitHub.

use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const VERSION: &str = env!("CARGO_PKG_VERSION");
const TARGETS: [&str; 4] = [
    "aarch64-apple-darwin",
    "x86_64-apple-darwin",
    "aarch64-unknown-linux-musl",
    "x86_64-unknown-linux-musl",
];

#[test]
fn the_archive_holds_the_binary_its_completions_and_man_page_and_its_checksum() {
    let out = tempfile::tempdir().unwrap();
    let made = Command::new(Path::new(ROOT).join("packaging/archive"))
        .args([env!("CARGO_BIN_EXE_creditwatch"), VERSION, "test-target"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let name = format!("creditwatch-{VERSION}-test-target.tar.gz");
    let archive = std::fs::read(out.path().join(&name)).unwrap();
    let sum = std::fs::read_to_string(out.path().join(format!("{name}.sha256"))).unwrap();
    let hex: String = Sha256::digest(&archive)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(sum, format!("{hex}  {name}\n"));
    let listed = Command::new("tar")
        .arg("tzf")
        .arg(out.path().join(&name))
        .output()
        .unwrap();
    let listed = String::from_utf8(listed.stdout).unwrap();
    let top = format!("creditwatch-{VERSION}-test-target/");
    for file in [
        "creditwatch",
        "completions/creditwatch.bash",
        "completions/_creditwatch",
        "completions/creditwatch.fish",
        "man/creditwatch.1",
        "README.md",
        "LICENSE-MIT",
        "LICENSE-APACHE",
    ] {
        assert!(
            listed.lines().any(|l| l == format!("{top}{file}")),
            "{file} in\n{listed}"
        );
    }
    // A binary of another version is refused rather than archived under this one.
    let refused = Command::new(Path::new(ROOT).join("packaging/archive"))
        .args([env!("CARGO_BIN_EXE_creditwatch"), "9.9.9", "test-target"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not creditwatch 9.9.9"));
}

/// Renders the formula from a SHA256SUMS naming `targets`; returns (success, stdout, stderr).
fn render(dir: &Path, targets: &[&str]) -> (bool, String, String) {
    let sums: String = targets
        .iter()
        .enumerate()
        .map(|(i, t)| {
            format!(
                "{}  creditwatch-{VERSION}-{t}.tar.gz\n",
                format!("{i}").repeat(64)
            )
        })
        .collect();
    let file = dir.join("SHA256SUMS");
    std::fs::write(&file, sums).unwrap();
    let out = Command::new(Path::new(ROOT).join("packaging/homebrew/render"))
        .args([VERSION, "ana/creditwatch"])
        .arg(&file)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn the_formula_names_every_archive_with_its_checksum_or_is_not_made() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, formula, err) = render(dir.path(), &TARGETS);
    assert!(ok, "{err}");
    assert!(
        !formula.contains('@'),
        "every token is filled in:\n{formula}"
    );
    for (i, target) in TARGETS.iter().enumerate() {
        let url = format!(
            "url \"https://github.com/ana/creditwatch/releases/download/v{VERSION}/creditwatch-{VERSION}-{target}.tar.gz\"\n      sha256 \"{}\"",
            format!("{i}").repeat(64)
        );
        assert!(formula.contains(&url), "{url}\nin\n{formula}");
    }
    assert!(formula.contains(&format!("version \"{VERSION}\"")));
    assert!(formula.contains("creditwatch service install"));
    let (ok, _, err) = render(dir.path(), &TARGETS[..3]);
    assert!(!ok);
    assert!(err.contains("no checksum for creditwatch-"), "{err}");
}

#[test]
#[ignore = "needs ruby; .ci/run installs it"]
fn the_formula_is_valid_ruby() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, formula, err) = render(dir.path(), &TARGETS);
    assert!(ok, "{err}");
    let file = dir.path().join("creditwatch.rb");
    std::fs::write(&file, formula).unwrap();
    let out = Command::new("ruby").arg("-c").arg(&file).output().unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What `cargo install` builds is what the tests ran against (`--locked`), without debug
/// information (an 18 MB binary rather than 125 MB, measured in the note).
#[test]
fn the_install_line_is_locked_and_the_release_build_carries_no_debug_information() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let first_screen: String = readme.lines().take(30).collect::<Vec<_>>().join("\n");
    assert!(
        first_screen.contains("cargo install --locked --path ."),
        "{first_screen}"
    );
    let text = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let manifest: toml::Table = toml::from_str(&text).unwrap();
    let release = &manifest["profile"]["release"];
    assert_eq!(release["debug"].as_bool(), Some(false));
    assert_eq!(release["strip"].as_bool(), Some(true));
}
