//! Email delivery against a real SMTP server on loopback (in Rust): plain, STARTTLS and
//! implicit TLS with AUTH against a test CA, a refused password, 4xx retries, a 5xx, a
//! server that never greets; the received messages are parsed back.

use crate::support::http::{Answer, Server};
use crate::support::smtp::{Options, Pki, Smtp};
use creditwatch::config::Config;
use creditwatch::notify::{self, Delivery, message_id};
use creditwatch::store::{OutboxRow, Store};
use creditwatch::vocab::Channel;
use jiff::tz::TimeZone;
use mail_parser::{MessageParser, MimeHeaders};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::NOW;
pub(super) const PASSWORD: &str = "pw-CANARY-smtp-0000000000";

pub(super) fn row(key: &str) -> OutboxRow {
    OutboxRow {
        idempotency_key: format!("0123456789abcdef{key}"),
        key: String::new(),
        body: "$12.50 left; they run out tomorrow at 07:00 UTC (between 03:00 and 12:00), in 15h."
            .into(),
        figures: serde_json::json!({
            "now": NOW,
            "credits": {"balance_usd": 12.5, "burn_usd_per_day": 20.0, "burn_usd_next_24h": 19.5,
                "runs_out_at": NOW + 54_000, "runs_out_earliest": NOW + 39_600,
                "runs_out_latest": NOW + 72_000, "runs_out_means": "empty"},
            "top_app": {"name": "claude-code", "burn_usd_per_hour": 4.2, "today_usd": 18.3},
            "windows": {"five_hour": {"used_pct": 43.0}, "seven_day_opus": {"used_pct": 12.0}}
        }),
        ..crate::support::outbox::row(key, Channel::Email, NOW)
    }
}

/// A config for `server` with `extra` lines in `[notify.email]`.
fn config(port: u16, extra: &str, webhook: Option<&Server>) -> Config {
    let hook = webhook.map_or(String::new(), |s| {
        format!("[notify.webhook]\nurl = \"{}/hook\"\n", s.base_url)
    });
    let text = format!(
        "[notify.desktop]\nenabled = false\n[notify.email]\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {port}\nfrom = \"creditwatch <cw@example.com>\"\nto = [\"ana@example.com\"]\ntimeout = \"3s\"\n{extra}\n{hook}"
    );
    Config::parse(Path::new("config.toml"), &text).unwrap()
}

/// The store in `dir` and a delivery to the SMTP server on `port` configured with `extra`.
pub(super) fn deliverer(
    dir: &Path,
    port: u16,
    extra: &str,
    webhook: Option<&Server>,
) -> (Store, Delivery) {
    let delivery = Delivery::new(
        notify::build(&config(port, extra, webhook).notify, &TimeZone::UTC),
        TimeZone::UTC,
    );
    (open(dir), delivery)
}

fn open(dir: &Path) -> Store {
    Store::open(&dir.join("creditwatch.db")).unwrap()
}

/// A 0600 file holding `value`, in a folder of its own (the test's folder is searched for
/// the canary). Files, not environment variables: setting one while other test threads
/// read the environment is undefined behaviour.
fn secret_file(value: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secret");
    std::fs::write(&path, value).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    (dir, path)
}

/// The password is in no file under `dir` (database, received mail) and in none of `texts`.
fn assert_no_canary(dir: &Path, texts: &[String]) {
    for f in std::fs::read_dir(dir).unwrap().flatten() {
        let path = f.path();
        if path.is_dir() {
            assert_no_canary(&path, &[]);
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        assert!(
            !bytes
                .windows(PASSWORD.len())
                .any(|w| w == PASSWORD.as_bytes()),
            "password in {path:?}"
        );
    }
    for t in texts {
        assert!(!t.contains(PASSWORD), "password in {t}");
    }
}

#[test]
fn the_times_an_email_shows_are_in_the_zone_it_was_given() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = Smtp::plain(&dir.path().join("mail"));
    let tokyo = TimeZone::get("Asia/Tokyo").unwrap();
    let config = config(smtp.port, "tls = \"none\"", None);
    let mut delivery = Delivery::new(notify::build(&config.notify, &tokyo), tokyo.clone());
    let store = open(dir.path());
    // A body that gives no time, so the one shown is the email's own, from the figures.
    store
        .enqueue(&OutboxRow {
            body: "Your credits are running low.".into(),
            ..row("tokyo")
        })
        .unwrap();
    assert_eq!(delivery.run(&store, NOW).unwrap().sent, 1);
    let mail = smtp.messages();
    let m = MessageParser::default().parse(mail[0].as_bytes()).unwrap();
    let text = m.body_text(0).unwrap().replace("\r\n", "\n");
    let at = creditwatch::calendar::zoned(NOW + 54_000, &tokyo)
        .strftime("at %H:%M")
        .to_string();
    assert!(
        text.contains(&at) && text.contains("JST"),
        "{at} JST in {text}"
    );
    assert!(!text.contains("UTC"), "{text}");
}

#[test]
fn plain_on_loopback_delivers_both_parts_with_a_stable_message_id() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = Smtp::plain(&dir.path().join("mail"));
    let (store, mut delivery) = deliverer(dir.path(), smtp.port, "tls = \"none\"", None);
    store.enqueue(&row("plain")).unwrap();
    assert_eq!(delivery.run(&store, NOW).unwrap().sent, 1);
    let mail = smtp.messages();
    assert_eq!(mail.len(), 1);
    let m = MessageParser::default().parse(mail[0].as_bytes()).unwrap();
    assert_eq!(m.subject(), Some("Claude credits run out tomorrow"));
    assert_eq!(m.message_id(), Some("0123456789abcdefplain@creditwatch"));
    assert_eq!(
        format!("<{}>", m.message_id().unwrap()),
        message_id("0123456789abcdefplain")
    );
    assert_eq!(
        m.from().unwrap().first().unwrap().address(),
        Some("cw@example.com")
    );
    assert_eq!(
        m.to().unwrap().first().unwrap().address(),
        Some("ana@example.com")
    );
    let text = m.body_text(0).unwrap().replace("\r\n", "\n");
    assert!(
        text.contains("$12.50 left; they run out tomorrow at 07:00 UTC"),
        "{text}"
    );
    // Where things stand adds what the body did not say, and does not say it twice.
    assert!(
        text.contains("Usage credits: the next 24 hours are expected to cost $19.50."),
        "{text}"
    );
    assert_eq!(text.matches("$12.50 left").count(), 1, "{text}");
    assert_eq!(
        text.matches("run out tomorrow at 07:00").count(),
        1,
        "{text}"
    );
    // It ends with what to do.
    assert!(
        text.contains(
            "What you can do:\n- Top up your usage credits, or turn on auto-reload, in your \
             Claude billing settings.\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("`creditwatch forecast` shows every pool with its range and method."),
        "{text}"
    );
    assert!(
        text.contains("Burning the most: claude-code, $4.20 an hour ($18.30 today)."),
        "{text}"
    );
    assert!(
        text.contains("Plan windows: 5-hour 43%, weekly Opus 12%."),
        "{text}"
    );
    assert!(
        text.contains("creditwatch silence credits-run-out-tomorrow --for 8h"),
        "{text}"
    );
    let html = m.body_html(0).unwrap();
    assert!(
        html.contains("<h2") && html.contains("Claude credits run out tomorrow"),
        "{html}"
    );
    assert!(
        html.contains("<li>Burning the most: claude-code, $4.20 an hour ($18.30 today).</li>"),
        "{html}"
    );
    assert!(html.contains("<b>Where things stand</b>"), "{html}");
    assert!(
        html.contains("<code>creditwatch forecast</code> shows every pool") && !html.contains('`'),
        "{html}"
    );
}

/// The shipped rule's body says the next 24 hours' cost in a sentence of its own: "Where
/// things stand" does not say it again.
#[test]
fn where_things_stand_leaves_out_what_the_body_said_whatever_its_capitals() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = Smtp::plain(&dir.path().join("mail"));
    let (store, mut delivery) = deliverer(dir.path(), smtp.port, "tls = \"none\"", None);
    let said = OutboxRow {
        body: "$12.50 left; they run out tomorrow at 07:00 UTC.\nThe next 24 hours are expected \
               to cost $19.50."
            .into(),
        ..row("said")
    };
    store.enqueue(&said).unwrap();
    assert_eq!(delivery.run(&store, NOW).unwrap().sent, 1);
    let mail = smtp.messages();
    let m = MessageParser::default().parse(mail[0].as_bytes()).unwrap();
    let text = m.body_text(0).unwrap().replace("\r\n", "\n");
    assert_eq!(text.matches("$19.50").count(), 1, "{text}");
    assert!(
        !text.contains("Usage credits:"),
        "nothing left to add: {text}"
    );
}

#[test]
fn starttls_and_implicit_tls_with_auth_against_a_test_ca() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(&dir.path().join("pki"));
    let (_kept, password) = secret_file(PASSWORD);
    for (mode, sub) in [("starttls", "a"), ("implicit", "b")] {
        let smtp = Smtp::start(
            &dir.path().join(sub),
            Some(&pki),
            &Options {
                tls: mode,
                auth: Some(("ana", PASSWORD)),
                ..Default::default()
            },
        );
        let extra = format!(
            "tls = \"{mode}\"\nusername = \"ana\"\npassword_file = \"{}\"\nca_file = \"{}\"",
            password.display(),
            pki.ca.display()
        );
        let store = Store::open(&dir.path().join(format!("{sub}.db"))).unwrap();
        let mut delivery = Delivery::new(
            notify::build(&config(smtp.port, &extra, None).notify, &TimeZone::UTC),
            TimeZone::UTC,
        );
        store.enqueue(&row(sub)).unwrap();
        let pass = delivery.run(&store, NOW).unwrap();
        let errors: Vec<_> = store
            .outbox_all()
            .unwrap()
            .into_iter()
            .filter_map(|r| r.last_error)
            .collect();
        assert_eq!(pass.sent, 1, "{mode}: {errors:?}");
        assert_eq!(smtp.messages().len(), 1, "{mode}");
    }
    assert_no_canary(dir.path(), &[]);
}

#[test]
fn a_refused_password_turns_email_off_and_says_so_once_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(&dir.path().join("pki"));
    let smtp = Smtp::start(
        &dir.path().join("mail"),
        Some(&pki),
        &Options {
            tls: "implicit",
            auth: Some(("ana", "the-right-one")),
            ..Default::default()
        },
    );
    let (_kept, password) = secret_file(PASSWORD);
    let hook = Server::start(|_| Answer::json(200, "{}"));
    let extra = format!(
        "tls = \"implicit\"\nusername = \"ana\"\npassword_file = \"{}\"\nca_file = \"{}\"",
        password.display(),
        pki.ca.display()
    );
    let (store, mut delivery) = deliverer(dir.path(), smtp.port, &extra, Some(&hook));
    store.enqueue(&row("refused")).unwrap();
    for t in [NOW, NOW + 60, NOW + 3600] {
        delivery.run(&store, t).unwrap();
    }
    assert!(smtp.messages().is_empty());
    let rows = store.outbox_all().unwrap();
    let email = rows.iter().find(|r| r.channel == Channel::Email).unwrap();
    assert_eq!(
        (email.state.as_str(), email.attempts),
        ("retry", 1),
        "tried once, then waits: {email:?}"
    );
    assert!(
        email.last_error.as_deref().unwrap().contains("535"),
        "{email:?}"
    );
    assert_eq!(hook.count("/hook"), 1, "told once on the webhook");
    let notice: serde_json::Value = serde_json::from_slice(&hook.requests()[0].body).unwrap();
    assert_eq!(
        notice["title"],
        "creditwatch cannot send email notifications"
    );
    let errors: Vec<String> = rows.iter().filter_map(|r| r.last_error.clone()).collect();
    drop(store);
    assert_no_canary(dir.path(), &errors);
}

#[test]
fn a_451_then_a_421_then_success_delivers_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(
        &dir.path().join("mail"),
        None,
        &Options {
            tls: "none",
            data_replies: &["451", "421"],
            ..Default::default()
        },
    );
    let (store, mut delivery) = deliverer(dir.path(), smtp.port, "tls = \"none\"", None);
    store.enqueue(&row("retry")).unwrap();
    let mut t = NOW;
    let mut sent = 0;
    for _ in 0..3 {
        sent += delivery.run(&store, t).unwrap().sent;
        t = store.outbox_all().unwrap()[0].next_attempt_at.unwrap_or(t);
    }
    assert_eq!(sent, 1);
    assert_eq!(smtp.messages().len(), 1);
    let r = &store.outbox_all().unwrap()[0];
    assert_eq!((r.state.as_str(), r.attempts), ("sent", 3));
}

#[test]
fn a_550_is_dead_after_one_attempt() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(
        &dir.path().join("mail"),
        None,
        &Options {
            tls: "none",
            data_replies: &["550"],
            ..Default::default()
        },
    );
    let (store, mut delivery) = deliverer(dir.path(), smtp.port, "tls = \"none\"", None);
    store.enqueue(&row("dead")).unwrap();
    assert_eq!(delivery.run(&store, NOW).unwrap().dead, 1);
    assert_eq!(
        delivery.run(&store, NOW + 7200).unwrap(),
        Default::default()
    );
    let r = &store.outbox_all().unwrap()[0];
    assert_eq!((r.state.as_str(), r.attempts), ("dead", 1));
    assert!(r.last_error.as_deref().unwrap().contains("550"), "{r:?}");
    assert!(smtp.messages().is_empty());
}

#[test]
fn a_server_that_never_greets_costs_one_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accepts every connection and never says a word.
    let held = std::thread::spawn(move || {
        let mut open = Vec::new();
        for s in listener.incoming().take(2) {
            open.push(s);
        }
        open
    });
    let (store, mut delivery) = deliverer(dir.path(), port, "tls = \"none\"", None);
    store.enqueue(&row("silent")).unwrap();
    let started = Instant::now();
    let pass = delivery.run(&store, NOW).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "the 3s timeout bounds it: {:?}",
        started.elapsed()
    );
    assert_eq!(pass.retried, 1);
    let r = &store.outbox_all().unwrap()[0];
    assert_eq!(r.state, creditwatch::vocab::OutboxState::Retry);
    drop(held);
}

#[test]
fn the_html_part_carries_the_week_as_an_inline_png() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = Smtp::plain(&dir.path().join("mail"));
    let store = open(dir.path());
    for h in 0..=168 {
        let t = NOW - 7 * 86_400 + h * 3600;
        let s = creditwatch::store::Sample {
            t,
            v: 60.0 - 0.28 * h as f64,
        };
        store
            .record_sample("default", "credits.balance_usd", s, "claude_oauth")
            .unwrap();
    }
    let mut delivery = Delivery::new(
        notify::build(
            &config(smtp.port, "tls = \"none\"", None).notify,
            &TimeZone::UTC,
        ),
        TimeZone::UTC,
    );
    store
        .enqueue(&OutboxRow {
            chart: Some("credits.balance_usd".into()),
            ..row("chart")
        })
        .unwrap();
    assert_eq!(delivery.run(&store, NOW).unwrap().sent, 1);
    let mail = smtp.messages();
    let m = MessageParser::default().parse(mail[0].as_bytes()).unwrap();
    let html = m.body_html(0).unwrap();
    assert!(
        html.contains("<img src=\"cid:chart@creditwatch\""),
        "{html}"
    );
    assert!(
        m.body_text(0)
            .unwrap()
            .contains("Usage credits: the next 24 hours are expected to cost $19.50.")
    );
    let image = m
        .attachments()
        .find(|a| a.content_id() == Some("chart@creditwatch"))
        .expect("the inline chart");
    assert_eq!(
        image.content_type().map(|c| (c.ctype(), c.subtype())),
        Some(("image", Some("png")))
    );
    let decoder = png::Decoder::new(std::io::Cursor::new(image.contents()));
    let reader = decoder.read_info().unwrap();
    assert_eq!((reader.info().width, reader.info().height), (600, 260));
}
