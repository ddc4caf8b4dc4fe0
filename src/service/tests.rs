use super::*;

fn install() -> Install {
    Install {
        binary: PathBuf::from("/Users/ana/bin/credit watch"),
        config_file: PathBuf::from(
            "/Users/ana/Library/Application Support/creditwatch/config.toml",
        ),
        log_dir: PathBuf::from("/Users/ana/Library/Logs/creditwatch"),
        path_env: "/opt/homebrew/bin:/usr/bin:/bin".into(),
        home_env: Some(PathBuf::from("/tmp/a&b <cw>")),
    }
}

#[test]
fn the_plist_escapes_values_and_has_no_field_left_to_fill() {
    let plist = Manager::Launchd.render(&install());
    assert!(!plist.contains("{{"), "{plist}");
    assert!(
        plist.contains("<string>/tmp/a&amp;b &lt;cw&gt;</string>"),
        "{plist}"
    );
    assert!(plist.contains("<string>/Users/ana/bin/credit watch</string>"));
    assert!(plist.contains("<string>/Users/ana/Library/Logs/creditwatch/stderr.log</string>"));
}

#[test]
fn the_unit_quotes_paths_and_escapes_specifiers() {
    let mut i = install();
    i.binary = PathBuf::from("/home/ana/100%/$bin/creditwatch");
    i.home_env = None;
    let unit = Manager::Systemd.render(&i);
    assert!(!unit.contains("{{"), "{unit}");
    assert!(
        unit.contains("ExecStart=\"/home/ana/100%%/$$bin/creditwatch\" run"),
        "{unit}"
    );
    assert!(unit.contains(
        "Environment=\"CREDITWATCH_CONFIG=/Users/ana/Library/Application Support/creditwatch/config.toml\""
    ));
    assert!(!unit.contains("CREDITWATCH_HOME"));
}

#[test]
fn a_homebrew_install_runs_through_the_link_that_outlives_upgrades() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().canonicalize().unwrap();
    let cellar = prefix.join("Cellar/creditwatch/0.1.0/bin");
    std::fs::create_dir_all(&cellar).unwrap();
    let real = cellar.join("creditwatch");
    std::fs::write(&real, "binary").unwrap();
    // Before `bin/creditwatch` is linked, the Cellar path is all there is.
    assert_eq!(lasting_path(&real), real);
    std::fs::create_dir(prefix.join("bin")).unwrap();
    let link = prefix.join("bin/creditwatch");
    std::os::unix::fs::symlink("../Cellar/creditwatch/0.1.0/bin/creditwatch", &link).unwrap();
    assert_eq!(lasting_path(&real), link);
    // A link to another version is not this binary.
    let other = prefix.join("Cellar/creditwatch/0.2.0/bin");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("creditwatch"), "newer").unwrap();
    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink("../Cellar/creditwatch/0.2.0/bin/creditwatch", &link).unwrap();
    assert_eq!(lasting_path(&real), real);
    // Anything else is left as it is.
    let plain = prefix.join("cargo/bin/creditwatch");
    assert_eq!(lasting_path(&plain), plain);
}
