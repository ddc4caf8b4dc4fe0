//! The service definitions: the plist parses as a plist with the keys launchd needs, the
//! unit passes `systemd-analyze verify --user` without a warning, and `service install` /
//! `uninstall` write and remove the unit and drive `systemctl --user` (a recording
//! stand-in on PATH: this machine has no user systemd instance to drive).

use creditwatch::service::{Install, Manager};
use std::path::{Path, PathBuf};
use std::process::Command;

fn install(dir: &Path) -> Install {
    Install {
        binary: PathBuf::from(env!("CARGO_BIN_EXE_creditwatch")),
        config_file: dir.join("my config/config.toml"),
        log_dir: dir.join("Logs/creditwatch"),
        path_env: "/opt/homebrew/bin:/usr/local/bin:/usr/bin:/bin".into(),
        home_env: None,
    }
}

#[test]
fn the_plist_parses_with_the_keys_and_types_launchd_needs() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("com.creditwatch.agent.plist");
    std::fs::write(&file, Manager::Launchd.render(&install(dir.path()))).unwrap();
    // The plist crate is strict: a malformed plist fails to parse. Each value is kept with
    // its type, as launchd reads it.
    let value = plist::Value::from_file(&file).expect("a well-formed XML plist");
    let p = typed(&value);
    let kind = |k: &str| p[k][0].as_str().unwrap_or_else(|| panic!("no {k} in {p}"));
    assert_eq!(p["Label"][1], "com.creditwatch.agent");
    assert_eq!(kind("ProgramArguments"), "list");
    let args = p["ProgramArguments"][1].as_array().unwrap();
    assert_eq!(args[0], env!("CARGO_BIN_EXE_creditwatch"));
    assert!(Path::new(args[0].as_str().unwrap()).is_absolute());
    assert_eq!(args[1], "run");
    assert_eq!(
        (kind("RunAtLoad"), &p["RunAtLoad"][1]),
        ("bool", &true.into())
    );
    assert_eq!(kind("KeepAlive"), "dict");
    assert_eq!(p["KeepAlive"][1]["SuccessfulExit"], false);
    assert_eq!(
        (kind("ThrottleInterval"), kind("LowPriorityIO")),
        ("int", "bool")
    );
    assert_eq!(p["ProcessType"][1], "Background");
    let logs = dir.path().join("Logs/creditwatch");
    assert_eq!(
        p["StandardOutPath"][1],
        logs.join("stdout.log").to_str().unwrap()
    );
    assert_eq!(
        p["StandardErrorPath"][1],
        logs.join("stderr.log").to_str().unwrap()
    );
    let env = &p["EnvironmentVariables"][1];
    assert_eq!(
        env["PATH"],
        "/opt/homebrew/bin:/usr/local/bin:/usr/bin:/bin"
    );
    assert_eq!(
        env["CREDITWATCH_CONFIG"],
        dir.path().join("my config/config.toml").to_str().unwrap()
    );
}

#[test]
#[ignore = "needs systemd-analyze; .ci/run installs it"]
fn the_unit_passes_systemd_analyze_verify_without_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("creditwatch.service");
    std::fs::write(&file, Manager::Systemd.render(&install(dir.path()))).unwrap();
    let runtime = dir.path().join("runtime");
    std::fs::create_dir(&runtime).unwrap();
    let out = Command::new("systemd-analyze")
        .args(["verify", "--user"])
        .arg(&file)
        .env("XDG_RUNTIME_DIR", &runtime)
        .output()
        .expect("systemd-analyze runs (Debian package systemd)");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert_eq!(said.trim(), "", "no warnings");
    let unit = std::fs::read_to_string(&file).unwrap();
    for line in [
        "Type=simple",
        "Restart=on-failure",
        "RestartSec=30",
        "StartLimitBurst=5",
        "StartLimitIntervalSec=600",
    ] {
        assert!(unit.lines().any(|l| l == line), "{line} in\n{unit}");
    }
}

#[test]
#[cfg(not(target_os = "macos"))] // systemd is the manager there
fn install_writes_the_unit_and_starts_it_and_uninstall_removes_it() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let bin = home.join("fakebin");
    std::fs::create_dir(&bin).unwrap();
    let calls = home.join("calls");
    let fake = bin.join("systemctl");
    std::fs::write(
        &fake,
        format!("#!/bin/sh\necho \"$@\" >> '{}'\n", calls.display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let cw = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_creditwatch"))
            .args(args)
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("CREDITWATCH_HOME", home.join("cw"))
            .env("PATH", &path)
            .output()
            .unwrap()
    };
    let out = cw(&["service", "install"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let unit_file = home.join(".config/systemd/user/creditwatch.service");
    let unit = std::fs::read_to_string(&unit_file).unwrap();
    assert!(unit.contains(&format!(
        "ExecStart=\"{}\" run",
        env!("CARGO_BIN_EXE_creditwatch")
    )));
    assert!(unit.contains(&format!(
        "Environment=\"CREDITWATCH_HOME={}\"",
        home.join("cw").display()
    )));
    assert_eq!(
        std::fs::read_to_string(&calls).unwrap(),
        "--user show-environment\n--user daemon-reload\n--user enable creditwatch.service\n--user restart creditwatch.service\n"
    );

    std::fs::remove_file(&calls).unwrap();
    let out = cw(&["service", "uninstall"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!unit_file.exists());
    assert_eq!(
        std::fs::read_to_string(&calls).unwrap(),
        "--user disable --now creditwatch.service\n--user daemon-reload\n"
    );
}

#[test]
#[cfg(not(target_os = "macos"))] // systemd is the manager there
fn install_without_a_user_systemd_says_what_to_do_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let bin = home.join("fakebin");
    std::fs::create_dir(&bin).unwrap();
    // What systemctl says over SSH on a server without lingering, or in a container.
    let fake = bin.join("systemctl");
    std::fs::write(
        &fake,
        "#!/bin/sh\necho 'Failed to connect to bus: No medium found' >&2\nexit 1\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_creditwatch"))
        .args(["service", "install"])
        .env("HOME", home)
        .env("USER", "ana")
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("CREDITWATCH_HOME", home.join("cw"))
        .env(
            "PATH",
            format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
        )
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    for said in [
        "No medium found",
        "sudo loginctl enable-linger ana",
        "creditwatch run --detach",
        "nothing was installed",
    ] {
        assert!(err.contains(said), "{said} in\n{err}");
    }
    assert!(
        !home
            .join(".config/systemd/user/creditwatch.service")
            .exists()
    );
}

/// On a machine without systemd (`systemctl` not on the PATH) `service status` says so and
/// gives creditwatch's own status (exit 3: not running) instead of failing.
#[test]
#[cfg(not(target_os = "macos"))] // systemd is the manager there
fn service_status_without_systemctl_falls_back_to_creditwatch_status() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let empty = home.join("emptybin");
    std::fs::create_dir(&empty).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_creditwatch"))
        .args(["service", "status"])
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("CREDITWATCH_HOME", home.join("cw"))
        .env("PATH", &empty)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{said}");
    assert!(said.contains("No service manager to ask"), "{said}");
    assert!(said.contains("not running"), "{said}");
}

/// A plist as JSON, each value `[type, value]` with launchd's type names (`dict`, `list`,
/// `bool`, `int`, `str`) at the top level; nested values as plain JSON.
fn typed(value: &plist::Value) -> serde_json::Value {
    let dict = value.as_dictionary().expect("a dictionary at the top");
    let mut out = serde_json::Map::new();
    for (k, v) in dict {
        let kind = match v {
            plist::Value::Dictionary(_) => "dict",
            plist::Value::Array(_) => "list",
            plist::Value::Boolean(_) => "bool",
            plist::Value::Integer(_) => "int",
            plist::Value::String(_) => "str",
            _ => "other",
        };
        out.insert(k.clone(), serde_json::json!([kind, plain(v)]));
    }
    serde_json::Value::Object(out)
}

fn plain(v: &plist::Value) -> serde_json::Value {
    match v {
        plist::Value::Dictionary(d) => d.iter().map(|(k, v)| (k.clone(), plain(v))).collect(),
        plist::Value::Array(a) => a.iter().map(plain).collect(),
        plist::Value::Boolean(b) => (*b).into(),
        plist::Value::Integer(i) => i.as_signed().map_or(serde_json::Value::Null, Into::into),
        plist::Value::String(s) => s.clone().into(),
        _ => serde_json::Value::Null,
    }
}

/// With the login service installed, `stop` asks the service manager to stop it (a
/// stand-in `systemctl` that stops the daemon as systemd would), waits until it is gone, and
/// says it starts again at the next login.
#[test]
#[cfg(not(target_os = "macos"))] // systemd is the manager there
fn stop_asks_the_service_manager_when_the_service_is_installed() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let cw = home.join("cw");
    std::fs::create_dir_all(&cw).unwrap();
    std::fs::write(
        cw.join("config.toml"),
        "[sources.claude_code_logs]\nroots = []\n[sources.claude_oauth]\nenabled = false\n\
         [notify.desktop]\nenabled = false\n[dashboard]\nenabled = false\n",
    )
    .unwrap();
    let unit = home.join(".config/systemd/user/creditwatch.service");
    std::fs::create_dir_all(unit.parent().unwrap()).unwrap();
    std::fs::write(&unit, "[Service]\n").unwrap();
    let bin = home.join("fakebin");
    std::fs::create_dir(&bin).unwrap();
    let calls = home.join("calls");
    let pid_file = cw.join("data/creditwatch.pid");
    std::fs::write(
        bin.join("systemctl"),
        format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\n[ \"$2\" = stop ] && kill -TERM \"$(cat '{}')\"\nexit 0\n",
            calls.display(),
            pid_file.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        bin.join("systemctl"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let cw_cmd = |args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_creditwatch"));
        c.args(args)
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("CREDITWATCH_HOME", &cw)
            .env("PATH", &path);
        c
    };
    let mut daemon = cw_cmd(&["run"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let began = std::time::Instant::now();
    while creditwatch::daemon::lock::holder(&pid_file) != Some(daemon.id()) {
        assert!(began.elapsed().as_secs() < 30, "the daemon did not start");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = cw_cmd(&["stop"]).output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains(&format!("Stopped creditwatch (pid {})", daemon.id()))
            && said.contains("starts it again at your next login"),
        "{said}"
    );
    assert_eq!(
        std::fs::read_to_string(&calls).unwrap(),
        "--user stop creditwatch.service\n"
    );
    assert_eq!(daemon.wait().unwrap().code(), Some(0));
}
