//! Finding the email settings that work: `creditwatch notify test email` against a real
//! SMTP server on loopback (each step, a refused password, the TLS mode the server
//! accepts), and what a TLS mode that does not fit the server says at delivery.

use super::email::{PASSWORD, deliverer, row};
use crate::support::NOW;
use crate::support::smtp::{Options, Pki, Smtp};
use creditwatch::config::Config;
use std::path::Path;

/// `creditwatch --config FILE notify test email` with the password in `var`.
fn notify_test(dir: &Path, config: &str, var: &str, password: &str) -> (i32, String, String) {
    let file = dir.join("config.toml");
    std::fs::write(&file, config).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_creditwatch"))
        .arg("--config")
        .arg(&file)
        .args(["notify", "test", "email"])
        .env("CREDITWATCH_HOME", dir.join("cw"))
        .env("RUST_LOG", "trace")
        .env(var, password)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn notify_test_email_reports_each_step_or_the_refusal() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(&dir.path().join("pki"));
    let smtp = Smtp::start(
        &dir.path().join("mail"),
        Some(&pki),
        &Options {
            tls: "starttls",
            auth: Some(("ana", PASSWORD)),
            ..Default::default()
        },
    );
    let config = format!(
        "[notify.desktop]\nenabled = false\n[notify.email]\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {}\ntls = \"starttls\"\nusername = \"ana\"\npassword_env = \"CW_SMTP_PW\"\nca_file = \"{}\"\nfrom = \"cw@example.com\"\nto = [\"ana@example.com\"]\ntimeout = \"5s\"\n",
        smtp.port,
        pki.ca.display()
    );
    let (code, out, err) = notify_test(dir.path(), &config, "CW_SMTP_PW", PASSWORD);
    assert_eq!(code, 0, "{out}{err}");
    for step in [
        format!("ok: connected to 127.0.0.1:{}", smtp.port),
        "ok: TLS established (STARTTLS)".to_string(),
        "ok: authenticated as ana".to_string(),
        "ok: accepted: a test message to ana@example.com".to_string(),
    ] {
        assert!(out.contains(&step), "{step}\n{out}");
    }
    assert_eq!(smtp.messages().len(), 1);
    let (code, out, err) = notify_test(dir.path(), &config, "CW_SMTP_PW", "wrong-CANARY-password");
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("email: credentials refused") && err.contains("535"),
        "{err}"
    );
    assert!(!format!("{out}{err}").contains("wrong-CANARY-password"));
    let (code, _, err) = notify_test(dir.path(), "", "CW_SMTP_PW", PASSWORD);
    assert_eq!(code, 1);
    assert!(err.contains("email is not set up"), "{err}");
    assert_eq!(smtp.messages().len(), 1);
}

#[test]
fn implicit_tls_against_a_plain_server_says_so_and_where_to_ask_what_works() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = Smtp::plain(&dir.path().join("mail"));
    let (store, mut delivery) = deliverer(dir.path(), smtp.port, "tls = \"implicit\"", None);
    store.enqueue(&row("plain-server")).unwrap();
    delivery.run(&store, NOW).unwrap();
    let error = store.outbox_all().unwrap()[0].last_error.clone().unwrap();
    assert!(
        error.starts_with(&format!(
            "127.0.0.1:{}: the server does not speak TLS from the first byte on this port",
            smtp.port
        )) && error.ends_with("`creditwatch notify test email` asks it what works"),
        "{error}"
    );
    assert!(smtp.messages().is_empty());
}

/// `notify test email` asks the server what it offers and names the setting that works,
/// rather than sending the user from one TLS mode to the other and back.
#[test]
fn notify_test_names_the_tls_setting_the_server_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(&dir.path().join("pki"));
    let plain = Smtp::plain(&dir.path().join("plain"));
    let starttls = Smtp::start(
        &dir.path().join("starttls"),
        Some(&pki),
        &Options {
            tls: "starttls",
            ..Default::default()
        },
    );
    let config = |port: u16, tls: &str| {
        format!(
            "[notify.desktop]\nenabled = false\n[notify.email]\nsmtp_host = \"127.0.0.1\"\n\
             smtp_port = {port}\ntls = \"{tls}\"\nfrom = \"cw@example.com\"\n\
             to = [\"ana@example.com\"]\ntimeout = \"5s\"\n"
        )
    };
    for (port, tls, works) in [
        (plain.port, "implicit", "set tls = \"none\""),
        (plain.port, "starttls", "set tls = \"none\""),
        (
            starttls.port,
            "implicit",
            "it offers STARTTLS: set tls = \"starttls\"",
        ),
    ] {
        let (code, out, err) = notify_test(dir.path(), &config(port, tls), "CW_UNUSED", "");
        assert_eq!(code, 1, "{out}{err}");
        assert!(
            err.contains("email: failed: ") && err.contains(works),
            "{tls} against port {port}: {err}"
        );
    }
}

#[test]
fn port_587_without_tls_means_starttls_and_says_so() {
    let text = "[notify.email]\nsmtp_host = \"smtp.example.com\"\nsmtp_port = 587\nfrom = \"a@example.com\"\nto = [\"a@example.com\"]\n";
    let c = Config::parse(Path::new("config.toml"), text).unwrap();
    let email = c.notify.email.as_ref().unwrap();
    assert_eq!(email.tls, creditwatch::config::TlsMode::Starttls);
    assert!(
        c.warnings
            .iter()
            .any(|w| w.contains("smtp_port = 587 without `tls`: using STARTTLS")),
        "{:?}",
        c.warnings
    );
    let set = Config::parse(
        Path::new("config.toml"),
        &text.replace("smtp_port = 587", "smtp_port = 587\ntls = \"implicit\""),
    )
    .unwrap();
    assert_eq!(
        set.notify.email.unwrap().tls,
        creditwatch::config::TlsMode::Implicit
    );
    assert!(set.warnings.is_empty(), "{:?}", set.warnings);
}
