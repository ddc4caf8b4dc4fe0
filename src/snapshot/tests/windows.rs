//! Plan windows in the snapshot: their burn, when they are foreseen full before they reset,
//! and what the status line keeps of it.

use super::{H, NOW, store};
use crate::snapshot::*;
use crate::store::Sample;

pub(super) fn window(s: &Store, t: i64, used: f64, resets: i64) {
    s.record_sample(
        "default",
        "plan.five_hour.used_pct",
        Sample { t, v: used },
        "statusline",
    )
    .unwrap();
    s.record_sample(
        "default",
        "plan.five_hour.resets_at",
        Sample {
            t,
            v: resets as f64,
        },
        "statusline",
    )
    .unwrap();
}

/// Eight days of a user who fills the 5-hour window at 20 points an hour around the clock;
/// this period began two hours ago and resets in three and a half (returned), at 40 % now.
fn filling(s: &Store) -> i64 {
    let start = NOW - 2 * H;
    let reset = NOW + 7 * H / 2;
    for k in 0..(8 * 24 * 6) {
        let t = NOW - 8 * 24 * H + k * 600;
        let (begun, resets) = if t >= start {
            (start, reset)
        } else {
            let n = (start - t + 5 * H - 1) / (5 * H);
            (start - n * 5 * H, start - (n - 1) * 5 * H)
        };
        let used = (20.0 * (t - begun) as f64 / H as f64).min(100.0);
        window(s, t, used, resets);
    }
    window(s, NOW, 40.0, reset);
    reset
}

#[test]
fn window_burn_and_full_at() {
    let (_d, s) = store();
    let reset = filling(&s);
    let snap = build(&s, &Config::default(), NOW + 60, &TimeZone::UTC).unwrap();
    let w = &snap.plan.windows["five_hour"];
    assert_eq!(w.used_pct, 40.0);
    assert_eq!(w.resets_at, Some(reset));
    assert_eq!(w.burn_pct_per_hour, Some(20.0));
    let at = w
        .full_at
        .expect("60 points at 20/h: in three hours, before the reset");
    assert!(
        (at - (NOW + 3 * H)).abs() <= H / 3,
        "{} min off",
        (at - NOW - 3 * H) / 60
    );
    assert!(w.full_earliest.unwrap() <= at && w.full_latest.is_none_or(|l| at <= l));
    assert_eq!(w.age_s, 60);
    assert_eq!(w.source, "statusline");
}

#[test]
fn the_status_line_keeps_a_forecast_until_a_reading_changes() {
    let (_d, s) = store();
    filling(&s);
    let fresh = |s: &Store, now| build(s, &Config::default(), now, &TimeZone::UTC).unwrap();
    let full_at = fresh(&s, NOW + 60).plan.windows["five_hour"].full_at;
    assert!(full_at.is_some());
    let look = |s: &Store, now| glance(s, "default", now, &TimeZone::UTC).unwrap();
    assert_eq!(look(&s, NOW + 60).five_hour_full_at, full_at);
    // Kept: an answer planted under the same basis is what the next look gives.
    let key = "forecast.kept.plan.five_hour.used_pct";
    let (json, _) = s.fact("default", key).unwrap().expect("kept");
    let mut kept: serde_json::Value = serde_json::from_str(&json).unwrap();
    let planted = NOW + 100;
    kept["at"] = planted.into();
    s.set_fact("default", key, &kept.to_string(), NOW + 60, "test")
        .unwrap();
    assert_eq!(look(&s, NOW + 90).five_hour_full_at, Some(planted));
    // A kept time that has passed is now, as a fresh answer would say.
    assert_eq!(look(&s, NOW + 200).five_hour_full_at, Some(NOW + 200));
    // The next hour: worked out afresh.
    assert_eq!(
        look(&s, NOW + H + 60).five_hour_full_at,
        fresh(&s, NOW + H + 60).plan.windows["five_hour"].full_at
    );
    // A new reading: worked out afresh, as the snapshot does.
    window(&s, NOW + 600, 43.0, NOW + 7 * H / 2);
    assert_eq!(
        look(&s, NOW + 660).five_hour_full_at,
        fresh(&s, NOW + 660).plan.windows["five_hour"].full_at
    );
    assert_ne!(look(&s, NOW + 660).five_hour_full_at, Some(planted));
}

#[test]
fn a_window_whose_last_reading_has_no_reset_gives_no_forecast() {
    let (_d, s) = store();
    // A day of a window filling at 20 points an hour, then a reading (a command's, say)
    // with no reset time: without one, nothing says how long it has to fill.
    for k in 0..(23 * 6) {
        let t = NOW - 24 * H + k * 600;
        let begun = t - (t - (NOW - 24 * H)) % (5 * H);
        window(
            &s,
            t,
            (20.0 * (t - begun) as f64 / H as f64).min(100.0),
            begun + 5 * H,
        );
    }
    s.record_sample(
        "default",
        "plan.five_hour.used_pct",
        Sample {
            t: NOW - H / 2,
            v: 99.0,
        },
        "cursor",
    )
    .unwrap();
    let snap = build(&s, &Config::default(), NOW, &TimeZone::UTC).unwrap();
    let w = &snap.plan.windows["five_hour"];
    assert_eq!((w.used_pct, w.resets_at), (99.0, None));
    assert_eq!(
        (
            w.full_at,
            w.full_earliest,
            w.full_latest,
            w.chance_full_before_reset
        ),
        (None, None, None, None),
        "no time, and never one before now"
    );
}

#[test]
fn a_window_that_fills_after_its_reset_has_no_full_at() {
    let (_d, s) = store();
    let reset = NOW + H;
    window(&s, NOW - H, 10.0, reset);
    window(&s, NOW, 20.0, reset);
    let snap = build(&s, &Config::default(), NOW, &TimeZone::UTC).unwrap();
    let w = &snap.plan.windows["five_hour"];
    assert_eq!(w.burn_pct_per_hour, Some(10.0));
    assert_eq!(w.full_at, None);
}

#[test]
fn one_sample_gives_no_burn_and_a_past_reset_hides_the_window() {
    let (_d, s) = store();
    window(&s, NOW, 50.0, NOW + H);
    let snap = build(&s, &Config::default(), NOW, &TimeZone::UTC).unwrap();
    assert_eq!(snap.plan.windows["five_hour"].burn_pct_per_hour, None);
    assert_eq!(snap.plan.windows["five_hour"].full_at, None);
    let later = build(&s, &Config::default(), NOW + 2 * H, &TimeZone::UTC).unwrap();
    assert!(later.plan.windows.is_empty(), "not live after its reset");
}
