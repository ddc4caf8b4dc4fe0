//! The headline story, end to end, with the real binary and nothing started by hand but the
//! daemon: a loopback Anthropic serves a credit balance that falls at every poll, a loopback
//! SMTP server takes the mail, the rules folder starts empty. The test copies
//! `rules/credits-run-out-tomorrow.lua` into it while the daemon runs; exactly one email
//! arrives, with the subject, the figures and the chart, and later cycles send nothing more
//! (the rule repeats after 12 hours).
//!
//! The daemon's clock starts at the fixtures' instant and runs 900 times faster than real
//! time (`run --clock-speed`, hidden), so each one-second tick is 15 minutes of its time:
//! the rule's 15-minute hold passes in a tick or two, and nobody waits.

use crate::support::anthropic::{NOW, ORG, anthropic, fixture};
use crate::support::http::{Answer, Server};
use crate::support::smtp::Smtp;
use crate::support::wait::{cycles, wait_for};
use mail_parser::{MessageParser, MimeHeaders};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// A real-time bound on each wait; never reached when all is well.
const LIMIT: Duration = Duration::from_secs(60);

fn daemon(home: &Path) -> Child {
    crate::support::bin::command(NOW, home, home, &["run", "--clock-speed", "900"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// The usual fixtures, except the credit balance: $60.00 at the first poll, 75 cents less
/// at each one after ($3 an hour at one poll per 15 minutes).
fn falling_balance() -> Server {
    let polls = Arc::new(AtomicU64::new(0));
    let usual = anthropic("oauth_usage.limits.json", "prepaid_credits.no_reload.json");
    let credits = format!("/api/oauth/organizations/{ORG}/prepaid/credits");
    Server::start(move |r| {
        let answer = usual(r);
        if r.path != credits || !matches!(answer, Answer::Reply(200, ..)) {
            return answer;
        }
        let n = polls.fetch_add(1, Ordering::SeqCst);
        let cents = 6000 - 75 * n as i64;
        Answer::json(
            200,
            format!(r#"{{"amount": {cents}, "currency": "USD", "auto_reload_settings": null}}"#),
        )
    })
}

#[test]
fn a_dropped_in_rule_sends_exactly_one_email_with_the_figures_and_the_chart() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("cw");
    let rules = home.join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    let empty = dir.path().join("no-transcripts");
    std::fs::create_dir_all(&empty).unwrap();
    let creds = dir.path().join(".credentials.json");
    std::fs::write(&creds, fixture("claude-code/credentials.json")).unwrap();
    let server = falling_balance();
    let smtp = Smtp::plain(&dir.path().join("mail"));
    std::fs::write(
        home.join("config.toml"),
        format!(
            "tick = \"1s\"\n\
             [sources.claude_code_logs]\nroots = [{:?}]\n\
             [sources.claude_oauth]\nenabled = true\ninterval = \"5m\"\nbase_url = {:?}\ncredentials_file = {:?}\n\
             [notify.desktop]\nenabled = false\n\
             [notify.email]\nenabled = true\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {}\ntls = \"none\"\n\
             from = \"creditwatch <cw@example.com>\"\nto = [\"ana@example.com\"]\n",
            empty.display().to_string(),
            server.base_url,
            creds.display().to_string(),
            smtp.port
        ),
    )
    .unwrap();
    let mut child = daemon(&home);

    // A few polls with no rule: the history builds up, nothing is sent, no example rules
    // appear in the folder the user made.
    wait_for("three cycles", LIMIT, || cycles(&home) >= 3);
    assert!(smtp.messages().is_empty());
    assert_eq!(std::fs::read_dir(&rules).unwrap().count(), 0);

    let rule = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/credits-run-out-tomorrow.lua");
    std::fs::copy(&rule, rules.join("credits-run-out-tomorrow.lua")).unwrap();
    wait_for("the email", LIMIT, || !smtp.messages().is_empty());
    let after = cycles(&home);
    // Six more cycles are an hour and a half of the daemon's time: no repeat before 12 h.
    wait_for("six more cycles", LIMIT, || cycles(&home) >= after + 6);
    let mail = smtp.messages();
    assert_eq!(mail.len(), 1, "exactly one email");
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    assert_eq!(child.wait().unwrap().code(), Some(0));

    let m = MessageParser::default().parse(mail[0].as_bytes()).unwrap();
    let subject = m.subject().unwrap();
    assert!(subject.starts_with("Claude credits run out "), "{subject}");
    let text = m.body_text(0).unwrap();
    assert!(text.contains(" left; they run out "), "{text}");
    assert!(
        text.contains("The next 24 hours are expected to cost $"),
        "{text}"
    );
    assert!(text.contains("(between "), "the forecast's range: {text}");
    assert!(
        text.contains("To last the next 7 days, add $") && text.contains("9 futures out of 10"),
        "what to do about it: {text}"
    );
    assert!(server.count("/api/oauth/usage") >= 3);
    let chart = m
        .attachments()
        .find(|a| a.content_id() == Some("chart@creditwatch"))
        .expect("the chart of the last week");
    let png = png::Decoder::new(std::io::Cursor::new(chart.contents()));
    let info = png.read_info().unwrap();
    assert_eq!((info.info().width, info.info().height), (600, 260));
}
