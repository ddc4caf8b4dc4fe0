//! Delivery passes against a real SQLite outbox and a real webhook notifier.

use super::*;
use crate::config::{Duration, WebhookConfig};
use crate::notify::Webhook;
use crate::vocab::Channel;
use crate::vocab::{OutboxState, Severity, Transition};
use jiff::tz::TimeZone;

const T0: i64 = 1_795_190_400;

fn row(key: &str, at: i64) -> OutboxRow {
    OutboxRow {
        id: 0,
        idempotency_key: format!("key-{key}"),
        rule: "r".into(),
        key: key.into(),
        episode: 1,
        transition: Transition::Firing,
        channel: Channel::Webhook,
        title: format!("alert {key}"),
        body: String::new(),
        severity: Severity::Warning,
        figures: serde_json::Value::Null,
        chart: None,
        created_at: at,
        not_before: at,
        state: OutboxState::Pending,
        attempts: 0,
        next_attempt_at: None,
        last_error: None,
        lasting: None,
    }
}

/// A webhook to a loopback port nothing listens on: every attempt is refused at once.
fn unreachable_webhook() -> Notifier {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    Notifier::Webhook(Webhook::build(&WebhookConfig {
        url: format!("http://127.0.0.1:{port}/hook"),
        topic: None,
        headers_env: std::collections::BTreeMap::default(),
        headers_file: std::collections::BTreeMap::default(),
        timeout: Duration::from_secs(2),
    }))
}

fn store_with(rows: usize) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db")).unwrap();
    for i in 0..rows {
        assert!(store.enqueue(&row(&i.to_string(), T0)).unwrap());
    }
    (dir, store)
}

fn attempts(store: &Store) -> i64 {
    store.outbox_all().unwrap().iter().map(|r| r.attempts).sum()
}

#[test]
fn an_unreachable_channel_is_tried_once_per_backoff_then_its_rows_expire() {
    let (_d, store) = store_with(26);
    let mut delivery = Delivery::new(vec![unreachable_webhook()], TimeZone::UTC);
    let mut now = T0;
    let mut before = 0;
    while now <= T0 + MAX_AGE_S + 120 {
        delivery.run(&store, now).unwrap();
        let after = attempts(&store);
        assert!(
            after - before <= 1,
            "one attempt per pass at most, {} at {now}",
            after - before
        );
        before = after;
        now += 60;
    }
    let health = store.channel_health(Channel::Webhook).unwrap().unwrap();
    // 30 s doubling to 30 min, with jitter: a few dozen tries in a day, not one per row.
    assert!((30..=110).contains(&before), "{before} attempts in 24h");
    assert_eq!(health.failures, before);
    assert_eq!(health.failing_since, T0);
    assert!(
        health.last_error.contains("127.0.0.1"),
        "{}",
        health.last_error
    );
    let rows = store.outbox_all().unwrap();
    assert!(
        rows.iter().all(|r| r.state == OutboxState::Expired),
        "{rows:?}"
    );
}

#[test]
fn a_channel_that_works_again_sends_what_waited_and_is_healthy() {
    let (_d, store) = store_with(3);
    let mut delivery = Delivery::new(vec![unreachable_webhook()], TimeZone::UTC);
    delivery.run(&store, T0).unwrap();
    let next = store
        .channel_health(Channel::Webhook)
        .unwrap()
        .unwrap()
        .next_try_at;
    assert!(next > T0 && next <= T0 + 30, "{next}");
    let waiting = store.outbox_backlog().unwrap();
    assert_eq!(
        waiting.iter().map(|r| r.attempts).sum::<i64>(),
        1,
        "only one was tried"
    );
    assert!(
        waiting.iter().all(|r| r.next_attempt_at == Some(next)),
        "{waiting:?}"
    );
    let ok = |_: &Notifier, _: &OutboxRow, _: Option<&[u8]>| Ok(());
    assert_eq!(
        delivery.run_with(&store, next - 1, &ok).unwrap().sent,
        0,
        "backing off"
    );
    assert_eq!(delivery.run_with(&store, next, &ok).unwrap().sent, 3);
    assert_eq!(store.channel_health(Channel::Webhook).unwrap(), None);
}

#[test]
fn a_sender_that_panics_puts_its_rows_back_to_be_sent_at_once() {
    let (_d, store) = store_with(2);
    let mut delivery = Delivery::new(vec![unreachable_webhook()], TimeZone::UTC);
    let crash = |_: &Notifier, _: &OutboxRow, _: Option<&[u8]>| -> Result<(), Failure> {
        panic!("a bug in a notifier")
    };
    let pass = delivery.run_with(&store, T0, &crash).unwrap();
    assert_eq!(pass.crashed, ["webhook: a bug in a notifier"]);
    let rows = store.outbox_all().unwrap();
    for r in &rows {
        assert_eq!(
            (r.state.as_str(), r.next_attempt_at),
            ("retry", Some(T0)),
            "{r:?}"
        );
        assert!(
            r.last_error.as_deref().unwrap().contains("crashed"),
            "{r:?}"
        );
    }
    let ok = |_: &Notifier, _: &OutboxRow, _: Option<&[u8]>| Ok(());
    assert_eq!(delivery.run_with(&store, T0, &ok).unwrap().sent, 2);
}

#[test]
fn a_channel_that_refuses_is_an_alert_told_once_elsewhere_and_resolved_when_it_works() {
    let (_d, store) = store_with(2);
    let notifiers = || {
        vec![
            unreachable_webhook(),
            Notifier::Desktop(crate::notify::Desktop::build(None)),
        ]
    };
    let refused = std::sync::atomic::AtomicBool::new(true);
    let send = |n: &Notifier, _: &OutboxRow, _: Option<&[u8]>| match n.channel() == Channel::Webhook
        && refused.load(std::sync::atomic::Ordering::SeqCst)
    {
        true => Err(Failure::Refused("HTTP 401: bad token".into())),
        false => Ok(()),
    };
    let told = |store: &Store| -> Vec<String> {
        let rows = store.outbox_all().unwrap();
        let own = rows
            .iter()
            .filter(|r| r.rule == crate::alert::CHANNEL_ERRORS);
        own.map(|r| format!("{} {}: {}", r.channel, r.transition, r.title))
            .collect()
    };
    let mut delivery = Delivery::new(notifiers(), TimeZone::UTC);
    delivery.run_with(&store, T0, &send).unwrap();
    delivery.run_with(&store, T0 + 60, &send).unwrap();
    // A restart (or a reload) tries again, is refused again, and says nothing new.
    let mut delivery = Delivery::new(notifiers(), TimeZone::UTC);
    delivery.run_with(&store, T0 + 120, &send).unwrap();
    assert_eq!(
        told(&store),
        ["desktop firing: creditwatch cannot send webhook notifications"]
    );
    let alerts = store.alerts().unwrap();
    assert_eq!(
        alerts.len(),
        1,
        "status lists it while it lasts: {alerts:?}"
    );
    assert!(alerts[0].body.contains("HTTP 401: bad token"), "{alerts:?}");
    refused.store(false, std::sync::atomic::Ordering::SeqCst);
    let mut delivery = Delivery::new(notifiers(), TimeZone::UTC);
    delivery.run_with(&store, T0 + 180, &send).unwrap();
    assert_eq!(
        told(&store)[1],
        "desktop resolved: Resolved: creditwatch cannot send webhook notifications"
    );
    assert_eq!(
        store.alerts().unwrap()[0].state,
        crate::vocab::AlertState::Inactive
    );
}
