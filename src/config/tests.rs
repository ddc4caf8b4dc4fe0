use super::*;
use crate::vocab::Channel;

fn err(text: &str) -> String {
    Config::parse(Path::new("/cfg/config.toml"), text)
        .unwrap_err()
        .to_string()
}

#[test]
fn no_file_is_a_valid_config() {
    let c = Config::load(Path::new("/nonexistent/creditwatch/config.toml")).unwrap();
    assert!(c.file.is_none());
    assert!(c.logs.enabled);
    assert!(c.logs.roots.is_empty());
    assert_eq!(c.poll_interval.as_secs(), 300);
    assert_eq!(c.logs.interval, None, "every tick");
}

#[test]
fn an_empty_file_is_the_defaults() {
    let c = Config::parse(Path::new("c.toml"), "").unwrap();
    assert_eq!(c.poll_interval, DEFAULT_POLL_INTERVAL);
}

#[test]
fn reads_the_documented_keys() {
    let c = Config::parse(
        Path::new("c.toml"),
        r#"
poll_interval = "2m"
[sources.claude_code_logs]
enabled = false
roots = ["/x/projects"]
[prices."claude-mystery-9"]
input = 2.0
output = 10
"#,
    )
    .unwrap();
    assert_eq!(c.poll_interval.as_secs(), 120);
    assert_eq!(c.logs.interval, None, "every tick unless set");
    assert!(!c.logs.enabled);
    assert_eq!(c.logs.roots, vec![PathBuf::from("/x/projects")]);
    let p = c.prices.get("claude-mystery-9").unwrap();
    assert_eq!(p.rates, [2.0, 2.5, 4.0, 0.2, 10.0]);
}

#[test]
fn an_unknown_key_names_file_line_and_key() {
    let e = err("poll_interval = \"5m\"\n[sources.claude_code_logs]\nenabld = true\n");
    assert!(e.starts_with("/cfg/config.toml:3:1: "), "{e}");
    assert!(e.contains("enabld"), "{e}");
    assert!(e.contains("sources.claude_code_logs"), "{e}");
}

#[test]
fn an_unknown_top_level_table_is_an_error() {
    let e = err("[sourcez]\nx = 1\n");
    assert!(e.contains("/cfg/config.toml:1:"), "{e}");
    assert!(e.contains("sourcez"), "{e}");
}

#[test]
fn a_bad_duration_names_the_key_and_line() {
    let e = err("\n\n[sources.claude_code_logs]\ninterval = \"5 minutes\"\n");
    assert!(e.starts_with("/cfg/config.toml:4:12: "), "{e}");
    assert!(e.contains("key `sources.claude_code_logs.interval`"), "{e}");
    assert!(e.contains("invalid duration"), "{e}");
}

#[test]
fn a_zero_interval_is_refused() {
    let e = err("poll_interval = \"0s\"\n");
    assert!(
        e.contains("key `poll_interval`") && e.contains("at least 1s"),
        "{e}"
    );
}

#[test]
fn a_wrong_type_names_the_key() {
    let e = err("[sources.claude_code_logs]\nenabled = \"yes\"\n");
    assert!(e.starts_with("/cfg/config.toml:2:11: "), "{e}");
    assert!(e.contains("key `sources.claude_code_logs.enabled`"), "{e}");
}

#[test]
fn a_negative_price_is_refused() {
    let e = err("[prices.x]\ninput = -1\noutput = 1\n");
    assert!(e.contains("key `prices.x.input`"), "{e}");
    assert!(e.contains(":2:9:"), "{e}");
}

#[test]
fn a_syntax_error_has_a_line() {
    let e = err("poll_interval = \"5m\"\n[sources\n");
    assert!(e.starts_with("/cfg/config.toml:2:"), "{e}");
}

#[test]
fn a_bare_word_names_its_key_and_says_it_lacks_quotes() {
    let e = err("[notify.email]\nsmtp_host = \"smtp.example.com\"\nsmtp_port = failed\n");
    assert_eq!(
        e,
        "/cfg/config.toml:3:13: key `notify.email.smtp_port`: `failed` is not a value TOML \
         knows: text goes in quotes (\"failed\"); numbers, true and false do not"
    );
    let e = err("[[accounts]]\nname = work\n");
    assert!(
        e.contains("key `accounts.name`: `work` is not a value"),
        "{e}"
    );
    // Other syntax errors keep the parser's words, with the key when the line has one.
    let e = err("poll_interval = \"5m\n");
    assert!(e.contains("key `poll_interval`: "), "{e}");
}

#[test]
fn oauth_interval_floor_applies_except_on_loopback() {
    let c = Config::parse(
        Path::new("c.toml"),
        "[sources.claude_oauth]\ninterval = \"1m\"\n",
    )
    .unwrap();
    assert_eq!(c.oauth.interval.as_secs(), 300);
    assert_eq!(c.oauth.base_url, "https://api.anthropic.com");
    assert!(
        c.warnings[0].contains("sources.claude_oauth.interval"),
        "{:?}",
        c.warnings
    );
    let local = Config::parse(
        Path::new("c.toml"),
        "[sources.claude_oauth]\ninterval = \"1s\"\nbase_url = \"http://127.0.0.1:8080/\"\n",
    )
    .unwrap();
    assert_eq!(local.oauth.interval.as_secs(), 1);
    assert_eq!(local.oauth.base_url, "http://127.0.0.1:8080");
    assert!(local.warnings.is_empty());
}

#[test]
fn oauth_base_url_must_be_https_off_this_machine() {
    let e = err("[sources.claude_oauth]\nbase_url = \"http://example.com\"\n");
    assert!(
        e.contains("/cfg/config.toml:2:") && e.contains("sources.claude_oauth.base_url"),
        "{e}"
    );
    assert!(e.contains("only allowed to this machine"), "{e}");
    let e = err("[sources.claude_oauth]\ncredentials = \"/x\"\n");
    assert!(e.contains("unknown field `credentials`"), "{e}");
}

#[test]
fn the_admin_source_is_off_until_a_key_is_configured() {
    let c = Config::parse(Path::new("c.toml"), "").unwrap();
    assert!(c.admin.is_none());
    let c = Config::parse(
        Path::new("c.toml"),
        "[sources.anthropic_admin]\napi_key_file = \"/k/admin.key\"\ninterval = \"1m\"\n",
    )
    .unwrap();
    let admin = c.admin.unwrap();
    assert_eq!(admin.key, KeyRef::File("/k/admin.key".into()));
    assert_eq!(admin.interval.as_secs(), 300, "raised to the floor");
    assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
    let c = Config::parse(
        Path::new("c.toml"),
        "[sources.anthropic_admin]\nenabled = true\n",
    )
    .unwrap();
    assert_eq!(
        c.admin.unwrap().key,
        KeyRef::Env("ANTHROPIC_ADMIN_KEY".into())
    );
    let c = Config::parse(
        Path::new("c.toml"),
        "[sources.anthropic_admin]\nenabled = false\napi_key_env = \"K\"\n",
    )
    .unwrap();
    assert!(c.admin.is_none());
}

#[test]
fn an_admin_table_with_two_keys_names_its_line() {
    let e = err("\n[sources.anthropic_admin]\napi_key_env = \"K\"\napi_key_file = \"/k\"\n");
    assert!(e.starts_with("/cfg/config.toml:2:"), "{e}");
    assert!(e.contains("sources.anthropic_admin"), "{e}");
    assert!(e.contains("not both"), "{e}");
}

#[test]
fn notifiers_and_quiet_hours_are_read_and_checked() {
    let c = Config::parse(Path::new("c.toml"), "").unwrap();
    assert!(c.notify.desktop && c.notify.webhook.is_none());
    let c = Config::parse(
        Path::new("c.toml"),
        "rules_dir = \"/r\"\n[quiet_hours]\ndesktop = \"22:00-08:00\"\n[notify.desktop]\nenabled = false\n[notify.webhook]\nurl = \"https://ntfy.sh\"\ntopic = \"t\"\nheaders_env = { Authorization = \"NTFY_TOKEN\" }\n",
    )
    .unwrap();
    assert!(!c.notify.desktop);
    let w = c.notify.webhook.unwrap();
    assert_eq!(
        (w.url.as_str(), w.topic.as_deref()),
        ("https://ntfy.sh/", Some("t"))
    );
    assert_eq!(w.headers_env["Authorization"], "NTFY_TOKEN");
    assert_eq!(c.rules_dir.unwrap(), Path::new("/r"));
    assert_eq!(c.quiet_hours[&Channel::Desktop].start_min, 22 * 60);
    assert_eq!(
        err("\n[notify.webhook]\nenabled = true\n"),
        "/cfg/config.toml:2:1: key `notify.webhook`: `enabled = true` needs a `url`"
    );
    assert!(
        err("[notify.webhook]\nurl = \"http://example.com/x\"\n")
            .contains("plain http is only allowed to this machine")
    );
    assert!(err("[quiet_hours]\ndesktop = \"late\"\n").contains("key `quiet_hours.desktop`"));
    assert!(err("[quiet_hours]\npager = \"22:00-08:00\"\n").contains("unknown field `pager`"));
}

#[test]
fn email_settings_are_checked_where_they_are_written() {
    let base = "[notify.email]\nsmtp_host = \"smtp.example.com\"\nfrom = \"cw <cw@example.com>\"\nto = [\"ana@example.com\"]\n";
    let c = Config::parse(
        Path::new("c.toml"),
        &format!("{base}username = \"ana\"\npassword_env = \"PW\"\n"),
    )
    .unwrap();
    let e = c.notify.email.unwrap();
    assert_eq!((e.port, e.tls), (465, crate::config::TlsMode::Implicit));
    assert_eq!(e.password, Some(crate::secret::SecretRef::Env("PW".into())));
    let starttls =
        Config::parse(Path::new("c.toml"), &format!("{base}tls = \"starttls\"\n")).unwrap();
    assert_eq!(starttls.notify.email.unwrap().port, 587);
    assert!(
        Config::parse(Path::new("c.toml"), "")
            .unwrap()
            .notify
            .email
            .is_none()
    );
    for (extra, says) in [
        ("tls = \"none\"\n", "only allowed to this machine"),
        ("username = \"ana\"\n", "`username` needs a password"),
        ("password_env = \"PW\"\n", "`username` is missing"),
        (
            "username = \"a\"\npassword_env = \"PW\"\npassword_file = \"/p\"\n",
            "not several",
        ),
        ("tls = \"ssl\"\n", "unknown variant `ssl`"),
    ] {
        let e = err(&format!("{base}{extra}"));
        assert!(e.contains(says), "{extra}: {e}");
        assert!(e.starts_with("/cfg/config.toml:"), "{e}");
    }
    assert!(
        err("[notify.email]\nsmtp_host = \"h\"\nfrom = \"not an address\"\nto = [\"a@b.c\"]\n")
            .contains("`from`")
    );
    assert!(
        err("[notify.email]\nsmtp_host = \"h\"\nfrom = \"a@b.c\"\n").contains("`to` is missing")
    );
    let local = Config::parse(Path::new("c.toml"), "[notify.email]\nsmtp_host = \"localhost\"\ntls = \"none\"\nfrom = \"a@b.c\"\nto = [\"a@b.c\"]\n").unwrap();
    assert_eq!(local.notify.email.unwrap().port, 25);
}

#[test]
fn urls_with_credentials_are_refused_with_file_line_and_key() {
    for (table, key, url) in [
        (
            "[sources.claude_oauth]",
            "sources.claude_oauth.base_url",
            "http://localhost:1@evil.example:8765",
        ),
        (
            "[sources.anthropic_admin]\napi_key_env = \"K\"",
            "sources.anthropic_admin.base_url",
            "http://[::1]@evil.example",
        ),
        (
            "[notify.webhook]",
            "notify.webhook.url",
            "https://u:p@ntfy.sh/t",
        ),
    ] {
        let field = if key.ends_with("url") && key.starts_with("notify") {
            "url"
        } else {
            "base_url"
        };
        let e = err(&format!("{table}\n{field} = \"{url}\"\n"));
        let line = table.lines().count() + 1;
        assert!(
            e.starts_with(&format!("/cfg/config.toml:{line}:")),
            "{url}: {e}"
        );
        assert!(e.contains(&format!("key `{key}`")), "{url}: {e}");
        assert!(e.contains("user name or password"), "{url}: {e}");
    }
}

#[test]
fn a_lookalike_of_localhost_gets_the_polling_floor() {
    let c = Config::parse(
        Path::new("c.toml"),
        "[sources.claude_oauth]\ninterval = \"1m\"\nbase_url = \"https://localhost.evil.example\"\n",
    )
    .unwrap();
    assert_eq!(c.oauth.interval.as_secs(), 300);
    for url in ["http://localhost.evil.example", "http://127.0.0.1.nip.io"] {
        let e = err(&format!("[sources.claude_oauth]\nbase_url = \"{url}\"\n"));
        assert!(e.contains("plain http is only allowed"), "{url}: {e}");
    }
}

#[test]
fn values_that_cannot_work_are_refused_with_their_key() {
    let base = "[notify.email]\nsmtp_host = \"smtp.example.com\"\nfrom = \"cw@example.com\"\nto = [\"a@example.com\"]\n";
    let e = err(&format!("{base}smtp_port = 0\n"));
    assert!(
        e.starts_with("/cfg/config.toml:5:13: key `notify.email.smtp_port`: 0 is not a port"),
        "{e}"
    );
    assert!(err(&format!("{base}smtp_port = 70000\n")).contains("70000 is not a port"));
    let e = err(&format!("{base}smtp_host2 = 1\n"));
    assert!(e.contains("smtp_host2"), "{e}");
    let e = err(
        "[notify.email]\nsmtp_host = \"localhost:25@evil.example\"\nfrom = \"a@b.c\"\nto = [\"a@b.c\"]\n",
    );
    assert!(
        e.contains("`smtp_host`") && e.contains("not a host name"),
        "{e}"
    );
    for headers in [
        "{ \"X-A\\nInjected: 1\" = \"V\" }",
        "{ \"X-A\\r\" = \"V\" }",
        "{ \"Bad Name\" = \"V\" }",
        "{ \"X-A\" = \"V\\r\\nInjected: 1\" }",
        "{ \"X-A\" = \"\" }",
    ] {
        let e = err(&format!(
            "[notify.webhook]\nurl = \"https://ntfy.sh/t\"\nheaders_env = {headers}\n"
        ));
        assert!(
            e.starts_with("/cfg/config.toml:3:") && e.contains("notify.webhook.headers_env"),
            "{headers}: {e}"
        );
    }
    for huge in [
        "18446744073709551615s",
        "9223372036854775807s",
        "106752d",
        "99999999999w",
    ] {
        let e = err(&format!("[sources.claude_oauth]\ninterval = \"{huge}\"\n"));
        assert!(
            e.starts_with("/cfg/config.toml:2:12: key `sources.claude_oauth.interval`"),
            "{huge}: {e}"
        );
        assert!(e.contains("too long"), "{huge}: {e}");
    }
}

#[test]
fn a_duplicate_key_is_named() {
    let e = err("poll_interval = \"5m\"\npoll_interval = \"6m\"\n");
    assert_eq!(
        e,
        "/cfg/config.toml:2:1: key `poll_interval`: duplicate key"
    );
    let e = err("[sources.claude_oauth]\ninterval = \"5m\"\n  interval = \"6m\"\n");
    assert!(
        e.starts_with("/cfg/config.toml:3:3: key `sources.claude_oauth.interval`: duplicate key"),
        "{e}"
    );
    let e = err(
        "[notify.webhook]\nurl = \"https://a.example\"\n[notify.webhook]\nurl = \"https://b.example\"\n",
    );
    assert!(
        e.contains("/cfg/config.toml:3:") && e.contains("notify.webhook"),
        "{e}"
    );
}
