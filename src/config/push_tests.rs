//! `[notify.alertmanager]`, `[metrics.remote_write]`, and where `[dashboard]` and `[metrics]` are served: what they read and what they refuse.

use super::*;
use std::path::Path;

fn parse(text: &str) -> Result<Config, String> {
    Config::parse(Path::new("/cfg/config.toml"), text).map_err(|e| e.to_string())
}

#[test]
fn alertmanager_and_remote_write_read_their_keys() {
    let c = parse(
        "[notify.alertmanager]\nurls = [\"https://am1.example:9093/\", \"https://am2.example:9093/api/v2/alerts\"]\n\
         username = \"cw\"\npassword_env = \"AM_PASSWORD\"\nlabels = { team = \"platform\" }\nresend = \"2m\"\n\
         [metrics.remote_write]\nurl = \"https://prom.example/api/v1/write\"\nbearer_token_file = \"/etc/cw/token\"\n\
         interval = \"30s\"\nca_file = \"/etc/cw/ca.pem\"\n",
    )
    .unwrap();
    let am = c.notify.alertmanager.unwrap();
    assert_eq!(
        am.urls,
        ["https://am1.example:9093", "https://am2.example:9093"]
    );
    assert_eq!(am.resend.as_secs(), 120);
    assert_eq!(am.labels["team"], "platform");
    assert!(matches!(
        am.target.auth,
        Some(PushAuth::Basic { ref username, password: crate::secret::SecretRef::Env(ref v) })
            if username == "cw" && v == "AM_PASSWORD"
    ));
    let rw = c.remote_write.unwrap();
    assert_eq!(rw.interval.as_secs(), 30);
    assert!(matches!(rw.target.auth, Some(PushAuth::Bearer(_))));
    assert_eq!(
        rw.target.ca_file.as_deref(),
        Some(Path::new("/etc/cw/ca.pem"))
    );
    let none = parse("").unwrap();
    assert!(none.notify.alertmanager.is_none() && none.remote_write.is_none());
}

#[test]
fn mistakes_in_the_push_tables_are_named() {
    let cases = [
        (
            "[notify.alertmanager]\nenabled = true\n",
            "`urls` is missing",
        ),
        (
            "[notify.alertmanager]\nurls = [\"http://am.example:9093\"]\n",
            "plain http is only allowed to this machine",
        ),
        (
            "[notify.alertmanager]\nurls = [\"https://am\"]\nlabels = { instance = \"x\" }\n",
            "creditwatch sets that label itself",
        ),
        (
            "[notify.alertmanager]\nurls = [\"https://am\"]\nlabels = { \"bad-name\" = \"x\" }\n",
            "is not a label name",
        ),
        (
            "[notify.alertmanager]\nurls = [\"https://am\"]\nusername = \"u\"\n",
            "`username` needs a password",
        ),
        (
            "[metrics.remote_write]\nurl = \"https://p\"\nusername = \"u\"\npassword_env = \"P\"\nbearer_token_env = \"T\"\n",
            "not both",
        ),
        (
            "[metrics.remote_write]\nenabled = true\n",
            "`url` is missing",
        ),
        (
            "[metrics.remote_write]\nurl = \"https://p\"\nevery = \"1m\"\n",
            "every",
        ),
    ];
    for (text, said) in cases {
        let e = parse(text).unwrap_err();
        assert!(e.contains(said), "{text}: {e}");
        assert!(e.contains("/cfg/config.toml"), "{e}");
    }
}

#[test]
fn the_dashboard_is_on_by_default_and_metrics_off_until_asked() {
    let at = |text: &str| {
        let c = Config::parse(Path::new("c.toml"), text).unwrap();
        (
            c.dashboard.map(|a| a.to_string()),
            c.metrics_listen.map(|a| a.to_string()),
        )
    };
    let some = |s: &str| Some(s.to_string());
    assert_eq!(at(""), (some("127.0.0.1:7879"), None));
    assert_eq!(
        at("[metrics]\nenabled = true\n"),
        (some("127.0.0.1:7879"), some("127.0.0.1:7879")),
        "on the dashboard's server"
    );
    assert_eq!(
        at("[dashboard]\nlisten = \":8000\"\nenabled = false\n[metrics]\nenabled = true\n"),
        (None, some("127.0.0.1:8000")),
        "the server's address even with the page off"
    );
    assert_eq!(
        at("[metrics]\nlisten = \":9464\"\n"),
        (some("127.0.0.1:7879"), some("127.0.0.1:9464"))
    );
    assert_eq!(
        at("[metrics]\nlisten = \":9464\"\nenabled = false\n"),
        (some("127.0.0.1:7879"), None)
    );
    let e = Config::parse(Path::new("c.toml"), "[dashboard]\nlisten = \"here\"\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("`here` is not an address to listen on"), "{e}");
}

#[test]
fn the_documented_config_blocks_are_valid() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for doc in ["README.md", "docs/dashboard.md", "docs/teams.md"] {
        let text = std::fs::read_to_string(root.join(doc)).unwrap();
        for (i, block) in text.split("```toml\n").skip(1).enumerate() {
            let toml = block.split("```").next().unwrap();
            if let Err(e) = Config::parse(Path::new(doc), toml) {
                panic!("{doc}, toml block {}: {e}", i + 1);
            }
        }
    }
}
