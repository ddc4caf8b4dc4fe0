use super::super::{Pass, apply};
use super::*;
use crate::config::QuietConfig;
use crate::rule::{Alert, Evaluation, Severity};
use crate::vocab::Channel;
use crate::vocab::{OutboxState, Scope};
use jiff::tz::TimeZone;

const T0: i64 = 1_795_190_400;

fn meta(notify_resolved: bool) -> Meta {
    Meta {
        description: String::new(),
        channels: vec![CHANNEL, Channel::Email],
        hold_s: 0,
        repeat_after_s: Some(600),
        notify_resolved,
        chart: None,
        scope: Scope::Account,
    }
}

fn alert(severity: Severity) -> Alert {
    Alert {
        key: "k".into(),
        title: "low".into(),
        body: String::new(),
        severity,
    }
}

/// One pass at `now` raising `alerts`; what it enqueued, as `transition:channel`.
fn cycle(store: &Store, m: &Meta, alerts: &[Alert], now: i64) -> Vec<String> {
    let evaluations = vec![Evaluation {
        rule: "r".into(),
        file: "r.lua".into(),
        meta: m.clone(),
        result: Ok(alerts.to_vec()),
    }];
    let quiet = QuietConfig::new();
    let pass = Pass {
        evaluations: &evaluations,
        broken: &[],
        quiet: &quiet,
        tz: &TimeZone::UTC,
        now,
        figures: &serde_json::Value::Null,
        channels: &[Channel::Email, CHANNEL],
        resend: Resend {
            account: "ana@example.com",
            every_s: 60,
        },
    };
    let applied = store.atomically(|s| apply(s, &pass)).unwrap();
    applied
        .enqueued
        .iter()
        .map(|n| format!("{}:{}", n.transition, n.channel))
        .collect()
}

/// Marks every waiting row sent at `now`, as a delivery would.
fn deliver(store: &Store, now: i64) {
    for r in store.outbox_backlog().unwrap() {
        store
            .settle_delivery(r.id, &crate::store::Settled::Sent, now)
            .unwrap();
    }
}

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db.sqlite")).unwrap();
    (dir, store)
}

#[test]
fn a_firing_alert_is_told_again_every_resend_in_one_row_and_its_end_after_it() {
    let (_d, store) = open();
    let m = meta(false);
    let warn = [alert(Severity::Warning)];
    assert_eq!(
        cycle(&store, &m, &warn, T0),
        ["firing:alertmanager", "firing:email"]
    );
    deliver(&store, T0);
    // Within `resend` of the last post: nothing new.
    assert!(cycle(&store, &m, &warn, T0 + 30).is_empty());
    // A resend later the same row is armed again, with its end moved ahead; no reminder
    // goes to Alertmanager when the rule's repeat is due, only to email.
    assert_eq!(cycle(&store, &m, &warn, T0 + 60), ["firing:alertmanager"]);
    let rows = store.outbox_all().unwrap();
    let am: Vec<_> = rows.iter().filter(|r| r.channel == CHANNEL).collect();
    assert_eq!(am.len(), 1, "one row per episode: {rows:?}");
    assert_eq!(am[0].state, OutboxState::Pending);
    let lasting = am[0].lasting.clone().unwrap();
    assert_eq!(
        (lasting.starts_at, lasting.ends_at, lasting.account.as_str()),
        (T0, T0 + 60 + 240, "ana@example.com")
    );
    deliver(&store, T0 + 60);
    assert_eq!(
        cycle(&store, &m, &warn, T0 + 600),
        ["firing:alertmanager", "repeat-1:email"]
    );
    deliver(&store, T0 + 600);

    // It ends: Alertmanager is told though the rule does not ask for `notify_resolved`,
    // with the labels it fired with (a resolve is `info` on the other channels).
    assert_eq!(cycle(&store, &m, &[], T0 + 700), ["resolved:alertmanager"]);
    let end = store.outbox_backlog().unwrap().pop().unwrap();
    assert_eq!(end.severity, Severity::Warning);
    assert_eq!(end.title, "low");
    let lasting = end.lasting.unwrap();
    assert_eq!((lasting.starts_at, lasting.ends_at), (T0, T0 + 700));
    assert!(end.id > am[0].id, "sent after the firing row");
}

#[test]
fn a_silenced_alert_is_not_told_again_and_a_channel_that_is_off_gets_nothing() {
    let (_d, store) = open();
    let m = meta(true);
    let warn = [alert(Severity::Warning)];
    cycle(&store, &m, &warn, T0);
    deliver(&store, T0);
    store.add_silence("r", None, T0 + 3600, T0 + 10).unwrap();
    assert!(cycle(&store, &m, &warn, T0 + 120).is_empty());
    let off = Meta {
        channels: vec![Channel::Email],
        ..meta(true)
    };
    let (_d2, other) = open();
    assert_eq!(cycle(&other, &off, &warn, T0), ["firing:email"]);
}
