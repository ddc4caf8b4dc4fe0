//! Snapshot math with `now` passed in, against a real store.

use super::*;
use crate::names;
use crate::price::Tokens;
use crate::store::{HealthRow, RequestRow, Sample};

mod windows;
use windows::window;

const H: i64 = 3600;
/// 2026-11-20 12:00 UTC, a Friday.
const NOW: i64 = 1_795_176_000;

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db")).unwrap();
    (dir, store)
}

fn spend(store: &mut Store, rows: &[(i64, &str, &str, Option<f64>)]) {
    let mut w = store.writer().unwrap();
    for (i, &(t, app, model, cost)) in rows.iter().enumerate() {
        w.upsert(&RequestRow {
            legacy_key: None,
            sidechain: false,
            key: i as i64,
            account: "default",
            t,
            app,
            model,
            project: "~/p",
            session: "s1",
            tokens: Tokens {
                input: 10,
                output: 5,
                cache_read: 100,
                cache_write_5m: 3,
                cache_write_1h: 2,
            },
            cost_usd: cost,
        })
        .unwrap();
    }
    w.commit().unwrap();
}

#[test]
fn calendar_weeks_start_on_monday_in_local_time() {
    let (_d, mut s) = store();
    spend(
        &mut s,
        &[
            // Saturday 2026-11-14 12:00 and Monday 2026-11-09 00:30 UTC: last week.
            (
                NOW - 6 * 24 * H,
                "claude-code",
                "claude-opus-4-6",
                Some(2.0),
            ),
            (
                NOW - 11 * 24 * H - 11 * H - 30 * 60,
                "claude-code",
                "claude-opus-4-6",
                Some(4.0),
            ),
            // Sunday 2026-11-08 23:30 UTC: the week before.
            (
                NOW - 11 * 24 * H - 12 * H - 30 * 60,
                "claude-code",
                "claude-opus-4-6",
                Some(8.0),
            ),
            // Monday 2026-11-16 00:30 UTC: this week.
            (
                NOW - 4 * 24 * H - 11 * H - 30 * 60,
                "claude-code",
                "claude-opus-4-6",
                Some(1.0),
            ),
        ],
    );
    let utc = build(&s, &Config::default(), NOW, &TimeZone::UTC).unwrap();
    let p = utc.apps["claude-code"].spend_usd;
    assert_eq!((p.this_week, p.last_week), (Some(1.0), Some(6.0)));
    // In Tokyo (UTC+9) Monday 00:30 UTC is already Monday morning, and Sunday 23:30 UTC is
    // Monday 08:30: both weeks move.
    let tokyo = TimeZone::get("Asia/Tokyo").unwrap();
    let p = build(&s, &Config::default(), NOW, &tokyo).unwrap().apps["claude-code"].spend_usd;
    assert_eq!((p.this_week, p.last_week), (Some(1.0), Some(14.0)));
}

#[test]
fn app_spend_over_every_period() {
    let (_d, mut s) = store();
    spend(
        &mut s,
        &[
            (NOW - 30 * 60, "claude-code", "claude-opus-4-6", Some(1.0)), // last hour
            (NOW - 2 * H, "claude-code", "claude-opus-4-6", Some(2.0)),   // today, burn window
            (NOW - 13 * H, "claude-code", "claude-sonnet-4-5", Some(4.0)), // yesterday, last 24h
            (
                NOW - 3 * 24 * H,
                "claude-code",
                "claude-opus-4-6",
                Some(8.0),
            ), // last 7 days
            (
                NOW - 15 * 24 * H,
                "claude-code",
                "claude-opus-4-6",
                Some(16.0),
            ), // this month only
            (
                NOW - 40 * 24 * H,
                "claude-code",
                "claude-opus-4-6",
                Some(32.0),
            ), // last month
            (NOW + H, "claude-code", "claude-opus-4-6", Some(64.0)),      // after `now`
            (NOW - 60, "claude-code", "claude-mystery-9", None),
        ],
    );
    let snap = build(&s, &Config::default(), NOW, &TimeZone::UTC).unwrap();
    let app = &snap.apps["claude-code"];
    assert_eq!(
        app.spend_usd,
        Periods {
            last_hour: 1.0,
            today: 3.0,
            last_24h: 7.0,
            last_7d: 15.0,
            this_month: 31.0,
            // NOW is a Friday: this week holds the four latest rows; last week none.
            this_week: Some(15.0),
            last_week: Some(0.0),
        }
    );
    assert_eq!(app.burn_usd_per_hour, 1.0, "$3 over the last 3 hours");
    assert_eq!(app.by_model["claude-sonnet-4-5"].last_24h, 4.0);
    assert!(
        !app.by_model.contains_key("claude-mystery-9"),
        "unpriced is not $0"
    );
    assert_eq!(app.unpriced_tokens["claude-mystery-9"], 120);
    assert_eq!(app.by_project["~/p"].this_month, 31.0);
    // Tokens count this month: six rows (not last month's, not the future one).
    assert_eq!(app.tokens.input, 60);
    assert_eq!(app.tokens.cache_write(), 30);
    assert_eq!(snap.accounts["default"].apps, snap.apps);
}

#[test]
fn today_is_the_local_day() {
    let (_d, mut s) = store();
    // 2026-11-20 00:30 UTC is still the 19th in New York.
    spend(
        &mut s,
        &[(
            NOW - 11 * H - 30 * 60,
            "claude-code",
            "claude-opus-4-6",
            Some(1.0),
        )],
    );
    let ny = TimeZone::get("America/New_York").unwrap();
    let utc = build(&s, &Config::default(), NOW, &TimeZone::UTC).unwrap();
    let local = build(&s, &Config::default(), NOW, &ny).unwrap();
    assert_eq!(utc.apps["claude-code"].spend_usd.today, 1.0);
    assert_eq!(local.apps["claude-code"].spend_usd.today, 0.0);
}

#[test]
fn sources_go_stale_after_three_missed_polls() {
    let (_d, s) = store();
    s.record_health(
        "default",
        &HealthRow {
            source: "claude_code_logs".into(),
            ok: true,
            last_attempt_at: NOW,
            last_success_at: Some(NOW),
            error: None,
            backoff_until: None,
            failing_since: None,
        },
    )
    .unwrap();
    let fresh = build(&s, &Config::default(), NOW + 900, &TimeZone::UTC).unwrap();
    assert!(!fresh.sources["claude_code_logs"].stale);
    assert_eq!(fresh.sources["claude_code_logs"].age_s, Some(900));
    let old = build(&s, &Config::default(), NOW + 901, &TimeZone::UTC).unwrap();
    assert!(old.sources["claude_code_logs"].stale);
}

#[test]
fn unknown_is_null_in_json() {
    let (_d, s) = store();
    window(&s, NOW, 50.0, NOW + H);
    let json =
        serde_json::to_value(build(&s, &Config::default(), NOW, &TimeZone::UTC).unwrap()).unwrap();
    assert!(json["plan"]["name"].is_null());
    assert!(json["plan"]["windows"]["five_hour"]["burn_pct_per_hour"].is_null());
    assert!(json["plan"]["windows"]["five_hour"]["full_at"].is_null());
    assert_eq!(json["account"], "default");
}

/// $1 an hour falling from $300 for 3 days, auto-reload at $20 back to $120; extra usage
/// rising $2 an hour under a $500 cap.
#[test]
fn money_pools_say_what_to_do_from_their_forecasts() {
    let (_d, s) = store();
    let start = NOW - 3 * 24 * H;
    s.atomically(|w| {
        for i in 0..=(3 * 24 * 12) {
            let t = start + i * 300;
            let hours = (t - start) as f64 / H as f64;
            w.record_sample(
                "default",
                names::CREDITS_BALANCE,
                Sample {
                    t,
                    v: 300.0 - hours,
                },
                "t",
            )?;
            w.record_sample("default", names::EXTRA_ENABLED, Sample { t, v: 1.0 }, "t")?;
            w.record_sample("default", names::EXTRA_CAPPED, Sample { t, v: 1.0 }, "t")?;
            w.record_sample("default", names::EXTRA_LIMIT, Sample { t, v: 500.0 }, "t")?;
            w.record_sample(
                "default",
                names::EXTRA_USED,
                Sample { t, v: 2.0 * hours },
                "t",
            )?;
        }
        for (m, v) in [
            (names::AUTO_RELOAD_ENABLED, 1.0),
            (names::AUTO_RELOAD_THRESHOLD, 20.0),
            (names::AUTO_RELOAD_TO, 120.0),
        ] {
            w.record_sample("default", m, Sample { t: start, v }, "t")?;
        }
        Ok(())
    })
    .unwrap();
    let snap = build(&s, &Config::default(), NOW, &TimeZone::UTC).unwrap();
    let c = snap.credits.as_ref().unwrap();
    // $228 left, $208 above the threshold; 7 days foresee $168, 30 days $720. Three days of
    // history are little evidence, so the futures are wide: up to about 4 times that (on
    // the bench's users in their first week, even that lasted only 86 % of the time).
    let t = c.topup_usd.as_ref().expect("top-up advice");
    assert!(t.days_7 > 0.0 && t.days_7 < 168.0 * 4.0 - 208.0, "{t:?}");
    assert!(
        t.days_30 >= 720.0 - 208.0 && t.days_30 < 720.0 * 4.0 - 208.0,
        "{t:?}"
    );
    assert!(t.month_end > t.days_7 && t.month_end < t.days_30, "{t:?}");
    let r = c.auto_reload.as_ref().unwrap();
    // $720 in 30 days: the first reload after $208, then one each $100 — about 6.
    let n = r.reloads_next_30d.expect("reloads");
    assert!((5.0..=8.0).contains(&n), "{n}");
    // A week's burn is $168: reload to about $20 + $168.
    let to = r.suggested_reload_to_usd.unwrap();
    assert!((180.0..=200.0).contains(&to), "{to}");
    let x = snap.extra_usage.as_ref().unwrap();
    // $144 spent; the month (to 1 Dec) has 10.5 days at $48 a day to come, widened as the
    // top-up is by three days of history.
    let cap = x.cap_needed_usd.expect("the cap the month needs");
    let foreseen = 144.0 + 10.5 * 48.0;
    assert!((foreseen..foreseen * 3.5).contains(&cap), "{cap}");
}
