//! `creditwatch plan` on a year of history: what the report and the snapshot's `plan.fit`
//! cost, and three seeded users to try `plan` and `forecast` on.
//!
//! ```text
//! cargo bench --bench plan                  # the cost
//! cargo bench --bench plan -- homes=DIR     # and leave the three users' homes in DIR
//! ```
//!
//! Each user's store holds a year of 5-minute samples of the 5-hour and the weekly window
//! (210,240 rows), six weeks of their credit balance (a forecast bench user's trace), and
//! their spend in the transcripts. `plan` reads the last 30 days and the months before;
//! the snapshot reads the last 30 days at every cycle.

#[path = "traces/mod.rs"]
#[allow(dead_code)]
mod traces;

use creditwatch::config::PlanConfig;
use creditwatch::plan;
use creditwatch::price::Tokens;
use creditwatch::store::{RequestRow, Sample, Store};
use jiff::tz::TimeZone;
use std::path::Path;
use std::time::{Duration, Instant};
use traces::Kind;

/// A seeded user.
struct User {
    /// Their home's folder name.
    name: &'static str,
    /// The plan name and tier the sign-in reports.
    plan: (&'static str, Option<&'static str>),
    /// The 5-hour window's daily peak is drawn between these, percent.
    five_hour: (f64, f64),
    /// The weekly window's end-of-week peak, percent.
    weekly: (f64, f64),
    /// Their spend at API prices, USD a working day.
    api_per_day: f64,
    /// Their credit balance's kind.
    kind: Kind,
}

const USERS: [User; 3] = [
    User {
        name: "light-pro",
        plan: ("pro", None),
        five_hour: (20.0, 85.0),
        weekly: (30.0, 70.0),
        api_per_day: 4.0,
        kind: Kind::Steady,
    },
    User {
        name: "max20x-at-a-quarter",
        plan: ("max", Some("default_claude_max_20x")),
        five_hour: (8.0, 27.0),
        weekly: (10.0, 24.0),
        api_per_day: 45.0,
        kind: Kind::Weekday,
    },
    User {
        name: "max5x-at-the-limit",
        plan: ("max", Some("default_claude_max_5x")),
        five_hour: (40.0, 115.0),
        weekly: (60.0, 105.0),
        api_per_day: 120.0,
        kind: Kind::AutoReload,
    },
];

fn main() {
    let keep = std::env::args().find_map(|a| a.strip_prefix("homes=").map(str::to_string));
    let tz = TimeZone::get("Europe/Paris").unwrap();
    for user in &USERS {
        let dir = tempfile::tempdir().unwrap();
        let home = match &keep {
            Some(d) => Path::new(d).join(user.name),
            None => dir.path().to_path_buf(),
        };
        std::fs::create_dir_all(home.join("data")).unwrap();
        let (store, now) = seed(&home, user, &tz);
        let config = PlanConfig::default();
        let report = time(20, || {
            plan::periods(&store, &config, "default", now, &tz).unwrap();
        });
        // Each run a new hour, so each works it out afresh; then the same hour, kept.
        let mut hour = 0;
        let fresh = time(50, || {
            hour += 3600;
            plan::last_30_days(&store, &config, "default", now + hour, &tz).unwrap();
        });
        let kept = time(200, || {
            plan::last_30_days(&store, &config, "default", now + hour, &tz).unwrap();
        });
        let fit = plan::last_30_days(&store, &config, "default", now, &tz)
            .unwrap()
            .unwrap();
        println!("{}: {}", user.name, fit.verdict);
        println!("  the report's periods (`creditwatch plan`): {report}");
        println!("  the last 30 days (`s.plan.fit`), the first cycle of an hour: {fresh}");
        println!("  the same, the other cycles of the hour (kept in the store): {kept}");
        if keep.is_some() {
            println!("  home: {} (now = {now})", home.display());
        }
    }
}

/// A store for `user` under `home`, and the instant after its last reading.
fn seed(home: &Path, user: &User, tz: &TimeZone) -> (Store, i64) {
    let trace = traces::generate(user.kind, 11);
    // Whole weeks later, so the user's weekdays stay theirs: the trace ends at 2026-12-07.
    let week = 7 * 86_400;
    let shift = (1_796_601_600 - trace.end).div_euclid(week) * week;
    let now = trace.end + shift;
    let store = Store::open(&home.join("data/creditwatch.db")).unwrap();
    let mut rng = fastrand::Rng::with_seed(user.name.len() as u64);
    let draw = |rng: &mut fastrand::Rng, (lo, hi): (f64, f64)| lo + (hi - lo) * rng.f64();
    store
        .atomically(|s| {
            let first = creditwatch::calendar::start_of_day(now - 365 * 86_400, 0, tz);
            let mut weekly_peak = draw(&mut rng, user.weekly);
            for d in 0..365 {
                let day = first + d * 86_400;
                if d % 7 == 0 {
                    weekly_peak = draw(&mut rng, user.weekly);
                }
                let peak = draw(&mut rng, user.five_hour);
                for step in 0..288 {
                    let t = day + step * 300;
                    let hour = step as f64 / 12.0;
                    // Work from 09:00 to 19:00, the 5-hour window peaking mid-afternoon.
                    let five = match hour {
                        h if (9.0..19.0).contains(&h) => peak * (1.0 - ((h - 15.0) / 6.0).powi(2)),
                        _ => 0.0,
                    };
                    let weekly = weekly_peak * ((d % 7) as f64 + hour / 24.0 + 1.0) / 8.0;
                    for (metric, v) in [
                        ("plan.five_hour.used_pct", five),
                        ("plan.seven_day.used_pct", weekly),
                    ] {
                        s.record_sample(
                            "default",
                            metric,
                            Sample {
                                t,
                                v: (v * 10.0).round() / 10.0,
                            },
                            "bench",
                        )?;
                    }
                }
            }
            for &Sample { t, v } in &trace.samples {
                s.record_sample(
                    "default",
                    "credits.balance_usd",
                    Sample { t: t + shift, v },
                    "bench",
                )?;
            }
            if let Some((threshold, to)) = trace.auto_reload {
                let t = trace.samples[0].t + shift;
                for (metric, v) in [
                    ("credits.auto_reload.enabled", 1.0),
                    ("credits.auto_reload.threshold_usd", threshold),
                    ("credits.auto_reload.reload_to_usd", to),
                ] {
                    s.record_sample("default", metric, Sample { t, v }, "bench")?;
                }
            }
            s.set_fact("default", "plan.name", user.plan.0, now, "bench")?;
            if let Some(tier) = user.plan.1 {
                s.set_fact("default", "plan.tier", tier, now, "bench")?;
            }
            Ok(())
        })
        .unwrap();
    let mut w = store.writer().unwrap();
    let first = now - 365 * 86_400;
    for (i, hour) in (0..365 * 24).enumerate() {
        let t = first + hour * 3600;
        let local = creditwatch::calendar::zoned(t, tz);
        if !(9..19).contains(&local.hour()) || local.weekday().to_monday_one_offset() > 5 {
            continue;
        }
        w.upsert(&RequestRow {
            key: i as i64 + 1,
            legacy_key: None,
            sidechain: false,
            account: "default",
            t,
            app: "claude-code",
            model: "claude-sonnet-4-6",
            project: "/work",
            session: "bench",
            tokens: Tokens::default(),
            cost_usd: Some(user.api_per_day / 10.0),
        })
        .unwrap();
    }
    w.commit().unwrap();
    std::fs::write(
        home.join("config.toml"),
        "[sources.claude_code_logs]\nroots = []\n[sources.claude_oauth]\nenabled = false\n",
    )
    .unwrap();
    (store, now)
}

/// The median and slowest of `runs` runs of `f`.
fn time(runs: usize, mut f: impl FnMut()) -> String {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed()
        })
        .collect();
    times.sort();
    format!(
        "median {:.2} ms, slowest {:.2} ms ({runs} runs)",
        times[runs / 2].as_secs_f64() * 1e3,
        times[runs - 1].as_secs_f64() * 1e3
    )
}
