use super::*;
use crate::config::QuietHours;
use crate::rule::Severity;
use crate::vocab::AlertState;
use crate::vocab::Channel;

const T0: i64 = 1_795_190_400; // 2026-11-20T16:00:00Z

fn meta(hold_s: i64, repeat_after_s: Option<i64>, notify_resolved: bool) -> Meta {
    Meta {
        description: String::new(),
        channels: vec![Channel::Email, Channel::Desktop],
        hold_s,
        repeat_after_s,
        notify_resolved,
        chart: None,
        scope: crate::vocab::Scope::Account,
    }
}

fn alert(key: &str) -> Alert {
    Alert {
        key: key.into(),
        title: format!("{key} runs out"),
        body: "soon".into(),
        severity: Severity::Warning,
    }
}

/// Runs one committed pass of rule `r` raising `alerts` at `now`; returns the transitions
/// enqueued, as `key:transition:channel`.
fn cycle(store: &Store, m: &Meta, alerts: &[Alert], quiet: &QuietConfig, now: i64) -> Vec<String> {
    let evaluations = vec![Evaluation {
        rule: "r".into(),
        file: "r.lua".into(),
        meta: m.clone(),
        result: Ok(alerts.to_vec()),
    }];
    let pass = Pass {
        resend: super::lasting::Resend {
            account: crate::DEFAULT_ACCOUNT,
            every_s: 60,
        },
        evaluations: &evaluations,
        broken: &[],
        quiet,
        tz: &TimeZone::UTC,
        now,
        figures: &serde_json::Value::Null,
        channels: &[Channel::Desktop, Channel::Email, Channel::Webhook],
    };
    let applied = store.atomically(|s| apply(s, &pass)).unwrap();
    applied
        .enqueued
        .iter()
        .map(|n| format!("{}:{}:{}", n.key, n.transition, n.channel))
        .collect()
}

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db.sqlite")).unwrap();
    (dir, store)
}

#[test]
fn hold_then_fire_then_repeat_then_resolve() {
    let (_d, store) = open();
    let m = meta(900, Some(3600), true);
    let q = QuietConfig::new();
    let a = [alert("k")];
    assert!(
        cycle(&store, &m, &a, &q, T0).is_empty(),
        "pending during hold"
    );
    assert!(cycle(&store, &m, &a, &q, T0 + 899).is_empty());
    assert_eq!(
        cycle(&store, &m, &a, &q, T0 + 900),
        ["k:firing:email", "k:firing:desktop"]
    );
    assert!(
        cycle(&store, &m, &a, &q, T0 + 901).is_empty(),
        "no second notification"
    );
    assert!(cycle(&store, &m, &a, &q, T0 + 900 + 3599).is_empty());
    assert_eq!(
        cycle(&store, &m, &a, &q, T0 + 900 + 3600),
        ["k:repeat-1:email", "k:repeat-1:desktop"]
    );
    assert_eq!(
        cycle(&store, &m, &[], &q, T0 + 5000),
        ["k:resolved:email", "k:resolved:desktop"]
    );
    assert!(cycle(&store, &m, &[], &q, T0 + 5001).is_empty());
    let rows = store.outbox_backlog().unwrap();
    assert_eq!(rows.len(), 6);
    // A reminder and the all-clear say what they are; the first notice is the title itself.
    let title = |transition: &str| {
        rows.iter()
            .find(|r| r.transition.word() == transition)
            .map(|r| r.title.clone())
            .unwrap()
    };
    let first = title("firing");
    let fired = crate::calendar::zoned(T0 + 900, &TimeZone::UTC)
        .strftime("%a %H:%M UTC")
        .to_string();
    assert_eq!(title("repeat-1"), format!("Still: {first} (since {fired})"));
    assert_eq!(title("resolved"), format!("Resolved: {first}"));
}

#[test]
fn a_condition_that_stops_during_hold_never_fires() {
    let (_d, store) = open();
    let m = meta(900, None, true);
    let q = QuietConfig::new();
    assert!(cycle(&store, &m, &[alert("k")], &q, T0).is_empty());
    assert!(cycle(&store, &m, &[], &q, T0 + 600).is_empty());
    // The hold starts again from the next time it holds.
    assert!(cycle(&store, &m, &[alert("k")], &q, T0 + 700).is_empty());
    assert!(cycle(&store, &m, &[alert("k")], &q, T0 + 1500).is_empty());
    assert_eq!(cycle(&store, &m, &[alert("k")], &q, T0 + 1600).len(), 2);
}

#[test]
fn a_restart_in_the_middle_of_a_hold_keeps_its_timer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    let m = meta(900, None, false);
    let q = QuietConfig::new();
    {
        let store = Store::open(&path).unwrap();
        assert!(cycle(&store, &m, &[alert("k")], &q, T0).is_empty());
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(
        cycle(&store, &m, &[alert("k")], &q, T0 + 900).len(),
        2,
        "fires at the original hold end"
    );
    drop(store);
    let store = Store::open(&path).unwrap();
    assert!(
        cycle(&store, &m, &[alert("k")], &q, T0 + 1000).is_empty(),
        "not re-sent after a restart"
    );
}

#[test]
fn keys_are_separate_instances() {
    let (_d, store) = open();
    let m = meta(0, None, true);
    let q = QuietConfig::new();
    assert_eq!(
        cycle(&store, &m, &[alert("a"), alert("b")], &q, T0).len(),
        4
    );
    assert_eq!(
        cycle(&store, &m, &[alert("b")], &q, T0 + 60),
        ["a:resolved:email", "a:resolved:desktop"]
    );
    assert_eq!(
        cycle(&store, &m, &[alert("a"), alert("b")], &q, T0 + 120),
        ["a:firing:email", "a:firing:desktop"]
    );
    let keys: Vec<String> = store
        .outbox_backlog()
        .unwrap()
        .into_iter()
        .map(|n| n.idempotency_key)
        .collect();
    let unique: BTreeSet<&String> = keys.iter().collect();
    assert_eq!(unique.len(), keys.len(), "a new episode has new keys");
}

#[test]
fn a_silence_holds_back_and_releases_when_it_ends() {
    let (_d, store) = open();
    let m = meta(0, Some(3600), true);
    let q = QuietConfig::new();
    let id = store.add_silence("r", None, T0 + 8 * 3600, T0).unwrap();
    assert!(
        cycle(&store, &m, &[alert("k")], &q, T0).is_empty(),
        "silenced"
    );
    assert!(
        cycle(&store, &m, &[alert("k")], &q, T0 + 2 * 3600).is_empty(),
        "repeats are held too"
    );
    assert_eq!(store.silences(T0).unwrap()[0].id, id);
    // The silence ends; the alert still fires: it is told once, as it started.
    assert_eq!(
        cycle(&store, &m, &[alert("k")], &q, T0 + 8 * 3600),
        ["k:firing:email", "k:firing:desktop"]
    );
    assert!(cycle(&store, &m, &[alert("k")], &q, T0 + 8 * 3600 + 60).is_empty());
}

#[test]
fn an_alert_that_starts_and_ends_inside_a_silence_says_nothing() {
    let (_d, store) = open();
    let m = meta(0, None, true);
    let q = QuietConfig::new();
    store.add_silence("r", Some("k"), T0 + 3600, T0).unwrap();
    assert!(
        cycle(&store, &m, &[alert("k"), alert("other")], &q, T0)
            .iter()
            .all(|n| n.starts_with("other:"))
    );
    assert!(cycle(&store, &m, &[alert("other")], &q, T0 + 60).is_empty());
    assert!(
        cycle(&store, &m, &[alert("other")], &q, T0 + 7200).is_empty(),
        "nothing left to release"
    );
}

#[test]
fn a_removed_silence_releases_at_once() {
    let (_d, store) = open();
    let m = meta(0, None, false);
    let q = QuietConfig::new();
    let id = store.add_silence("r", None, T0 + 8 * 3600, T0).unwrap();
    assert!(cycle(&store, &m, &[alert("k")], &q, T0).is_empty());
    assert!(store.remove_silence(id).unwrap());
    assert!(!store.remove_silence(id).unwrap());
    assert_eq!(cycle(&store, &m, &[alert("k")], &q, T0 + 60).len(), 2);
}

#[test]
fn quiet_hours_delay_one_channel_only() {
    let (_d, store) = open();
    let m = meta(0, None, false);
    let mut q = QuietConfig::new();
    q.insert(Channel::Desktop, QuietHours::parse("15:00-18:00").unwrap());
    cycle(&store, &m, &[alert("k")], &q, T0);
    let rows = store.outbox_backlog().unwrap();
    let by: BTreeMap<&str, i64> = rows
        .iter()
        .map(|r| (r.channel.as_str(), r.not_before))
        .collect();
    assert_eq!(by["email"], T0);
    assert_eq!(by["desktop"], T0 + 2 * 3600, "held until 18:00 UTC");
}

#[test]
fn a_failing_rule_keeps_its_alerts_and_says_so_once() {
    let (_d, store) = open();
    let m = meta(0, None, true);
    let q = QuietConfig::new();
    cycle(&store, &m, &[alert("k")], &q, T0);
    let failing = |now| {
        let evaluations = vec![Evaluation {
            rule: "r".into(),
            file: "r.lua".into(),
            meta: m.clone(),
            result: Err(RuleError::new("r.lua", Some(3), "boom")),
        }];
        let pass = Pass {
            resend: super::lasting::Resend {
                account: crate::DEFAULT_ACCOUNT,
                every_s: 60,
            },
            evaluations: &evaluations,
            broken: &[],
            quiet: &q,
            tz: &TimeZone::UTC,
            now,
            figures: &serde_json::Value::Null,
            channels: &[Channel::Desktop, Channel::Email],
        };
        store.atomically(|s| apply(s, &pass)).unwrap()
    };
    let first = failing(T0 + 60);
    assert_eq!(first.enqueued.len(), 1);
    assert_eq!(first.enqueued[0].rule, RULE_ERRORS);
    assert!(first.enqueued[0].body.contains("r.lua:3: boom"));
    assert!(
        first
            .alerts
            .iter()
            .any(|a| a.rule == "r" && a.state == AlertState::Firing),
        "not resolved by an error"
    );
    assert!(
        failing(T0 + 120).enqueued.is_empty(),
        "one notification per change, not per cycle"
    );
    // Fixed: the error resolves (told once), the rule's alert stays firing without a resend.
    let fixed = cycle(&store, &m, &[alert("k")], &q, T0 + 180);
    assert_eq!(fixed, ["r.lua:resolved:desktop"]);
}

#[test]
fn a_rehearsal_writes_nothing() {
    let (_d, store) = open();
    let m = meta(0, None, false);
    let evaluations = vec![Evaluation {
        rule: "r".into(),
        file: "r.lua".into(),
        meta: m,
        result: Ok(vec![alert("k")]),
    }];
    let q = QuietConfig::new();
    let pass = Pass {
        resend: super::lasting::Resend {
            account: crate::DEFAULT_ACCOUNT,
            every_s: 60,
        },
        evaluations: &evaluations,
        broken: &[],
        quiet: &q,
        tz: &TimeZone::UTC,
        now: T0,
        figures: &serde_json::Value::Null,
        channels: &[Channel::Desktop, Channel::Email, Channel::Webhook],
    };
    let applied = store.rehearse(|s| apply(s, &pass)).unwrap();
    assert_eq!(applied.enqueued.len(), 2);
    assert!(store.alerts().unwrap().is_empty());
    assert!(store.outbox_backlog().unwrap().is_empty());
}

#[test]
fn a_clock_that_went_back_does_not_stretch_a_hold_or_a_repeat() {
    let (_d, store) = open();
    let m = meta(900, Some(3600), false);
    let q = QuietConfig::new();
    let a = [alert("k")];
    // Pending with the clock an hour ahead, then the clock is put right.
    assert!(cycle(&store, &m, &a, &q, T0 + 3600).is_empty());
    assert!(
        cycle(&store, &m, &a, &q, T0).is_empty(),
        "the hold starts now"
    );
    assert_eq!(
        cycle(&store, &m, &a, &q, T0 + 900),
        ["k:firing:email", "k:firing:desktop"],
        "fired after its 15 minutes, not 75"
    );
    // Notified with the clock a day ahead: the next repeat is an hour after now.
    assert!(cycle(&store, &m, &a, &q, T0 + 900 + 3600 + 86_400).len() == 2);
    assert!(cycle(&store, &m, &a, &q, T0 + 1000).is_empty());
    assert_eq!(cycle(&store, &m, &a, &q, T0 + 1000 + 3600).len(), 2);
}

#[test]
fn a_channel_that_is_off_gets_no_rows() {
    let (_d, store) = open();
    let evaluations = vec![Evaluation {
        rule: "r".into(),
        file: "r.lua".into(),
        meta: meta(0, None, true),
        result: Ok(vec![alert("k")]),
    }];
    let q = QuietConfig::new();
    // Desktop is off: the rule's email goes, its desktop does not, and a broken rule file
    // (told on the desktop) queues nothing.
    let pass = Pass {
        resend: super::lasting::Resend {
            account: crate::DEFAULT_ACCOUNT,
            every_s: 60,
        },
        evaluations: &evaluations,
        broken: &[RuleError::new("b.lua", Some(1), "syntax")],
        quiet: &q,
        tz: &TimeZone::UTC,
        now: T0,
        figures: &serde_json::Value::Null,
        channels: &[Channel::Email],
    };
    let applied = store.atomically(|s| apply(s, &pass)).unwrap();
    let enqueued: Vec<String> = applied
        .enqueued
        .iter()
        .map(|n| format!("{}:{}", n.rule, n.channel))
        .collect();
    assert_eq!(enqueued, ["r:email"]);
    assert_eq!(store.outbox_backlog().unwrap().len(), 1);
    assert!(
        applied.alerts.iter().any(|a| a.rule == RULE_ERRORS),
        "still recorded"
    );
}
