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
