use super::*;

/// $4 an hour 09:00-17:00 on weekdays from `start` (a Monday), read every 5 minutes.
fn weekday_history(days: i64, start: i64) -> Vec<Sample> {
    let mut level = 1000.0;
    let mut out = Vec::new();
    for step in 0..(days * 288) {
        let t = start + step * 300;
        let s = week::slot(t, &TimeZone::UTC);
        if s / 24 < 5 && (9..17).contains(&(s % 24)) {
            level -= 4.0 / 12.0;
        }
        out.push(Sample { t, v: level });
    }
    out
}

const MONDAY: i64 = 1_795_392_000; // 2026-11-23

fn ask<'a>(samples: &'a [Sample], target: f64, card: Option<&'a Card>) -> Question<'a> {
    let now = samples.last().unwrap().t;
    Question {
        samples,
        direction: Direction::Falling,
        target,
        horizon: now + MAX_AHEAD_S,
        deadline: Some(week::day_of(now, &TimeZone::UTC) * 86_400 + 2 * 86_400 + 5 * 3600),
        now,
        tz: &UTC,
        prior: None,
        card,
    }
}

static UTC: TimeZone = TimeZone::UTC;

#[test]
fn a_friday_evening_forecast_waits_for_monday_and_never_goes_silent() {
    let samples = weekday_history(19, MONDAY); // up to Friday 2026-12-11 24:00
    let last = samples.last().unwrap();
    let card = choose(&samples, Direction::Falling, 0.0, last.t, &UTC, None);
    assert!(card.own, "{card:?}");
    assert_ne!(card.method, Method::Average, "{card:?}");
    let q = ask(&samples, last.v - 40.0, Some(&card)); // ten working hours away
    let f = forecast(&q);
    let at = f.at.expect("a quiet weekend is not 'no forecast'");
    // Monday 09:00 + 8h, then Tuesday 09:00 + 2h: Tuesday 11:00.
    let expected = MONDAY + 21 * 86_400 + 86_400 + 11 * 3600;
    assert!(
        (at - expected).abs() <= 3 * 3600,
        "{} h off",
        (at - expected) / 3600
    );
    let (lo, hi) = (f.earliest.unwrap(), f.latest.unwrap());
    assert!(lo <= at && at <= hi, "{lo} {at} {hi}");
    // Saturday and Sunday burn nothing, so nothing is reached by the end of Sunday.
    assert!(f.chance.unwrap() < 0.05, "{:?}", f.chance);
    assert!(f.next_24h.unwrap() < 2.0, "Saturday: {:?}", f.next_24h);
    assert!(f.method.starts_with("pooled profile"), "{}", f.method);
    assert!(f.method.contains("chosen on your last"), "{}", f.method);
}

#[test]
fn a_steady_user_is_near_certain_and_a_fresh_one_is_not() {
    // $1 an hour around the clock for 20 days.
    let samples: Vec<Sample> = (0..20 * 288)
        .map(|i| Sample {
            t: MONDAY + i * 300,
            v: 2000.0 - i as f64 / 12.0,
        })
        .collect();
    let last = *samples.last().unwrap();
    let card = choose(&samples, Direction::Falling, 0.0, last.t, &UTC, None);
    let f = forecast(&ask(&samples, last.v - 24.0, Some(&card)));
    let at = f.at.unwrap();
    assert!((at - (last.t + 86_400)).abs() < 1800, "{}", at - last.t);
    // Never of zero width: three weeks of exact errors do not make the next day certain
    // (the prior is as wide as the pool's own errors allow, and no narrower than 0.2).
    let width = f.latest.unwrap() - f.earliest.unwrap();
    assert!(width > 0 && width < 10 * 3600, "{width}");
    // The same day alone, without a card: the same median, a far wider range.
    let fresh = &samples[samples.len() - 288..];
    let f = forecast(&ask(fresh, last.v - 24.0, None));
    let fresh_width = f.latest.map_or(i64::MAX, |l| l - f.earliest.unwrap());
    assert!(fresh_width > 2 * width, "{fresh_width} against {width}");
}

#[test]
fn a_few_seconds_of_readings_are_learning_not_a_forecast() {
    let samples = [
        Sample { t: 1000, v: 21.0 },
        Sample { t: 1002, v: 21.5 },
        Sample { t: 1004, v: 22.0 },
    ];
    let q = Question {
        direction: Direction::Rising,
        target: 100.0,
        ..ask(&samples, 0.0, None)
    };
    let f = forecast(&q);
    assert_eq!((f.at, f.earliest, f.chance), (None, None, None));
    assert!(f.learning_s.unwrap() > 3500, "{f:?}");
    assert!(f.method.starts_with("learning (59m"), "{}", f.method);
}

#[test]
fn at_or_past_the_level_it_is_now_and_without_burn_it_says_why() {
    let samples: Vec<Sample> = (0..30).map(|i| Sample { t: i * 600, v: 5.0 }).collect();
    let reached = forecast(&Question {
        now: 20_000,
        ..ask(&samples, 5.0, None)
    });
    assert_eq!((reached.at, reached.latest), (Some(20_000), Some(20_000)));
    assert_eq!(reached.chance, Some(1.0));
    let mut moving = samples.clone();
    for (i, s) in moving.iter_mut().enumerate() {
        s.v += (i % 2) as f64; // up and down: falls exist, so it is not learning
    }
    moving.push(Sample {
        t: 30 * 600,
        v: 5.0,
    });
    let idle: Vec<Sample> = samples.iter().map(|s| Sample { v: 9.0, ..*s }).collect();
    let f = forecast(&ask(&idle, 0.0, None));
    assert_eq!(f.at, None);
    assert!(f.method.starts_with("learning"), "{}", f.method);
    let f = forecast(&ask(&moving, 0.0, None));
    assert!(f.at.is_some(), "{f:?}");
}

#[test]
fn a_month_is_what_was_spent_and_draws_of_the_users_days() {
    let [median, low, high] = month_total(&[10.0, 10.0, 30.0], 100.0, 2.5).unwrap();
    assert!(low >= 125.0 && high <= 175.0 && low <= median && median <= high);
    assert_eq!(month_total(&[], 1.0, 3.0), None);
}

#[test]
fn the_pooled_profile_reads_one_heavy_tuesday_as_one_weekday_of_twenty() {
    // 28 days from a Monday: $1 an hour 09:00-17:00 on weekdays, $5 on the second Tuesday.
    let mut level = 10_000.0;
    let samples: Vec<Sample> = (0..28 * 288)
        .map(|step| {
            let t = MONDAY + step * 300;
            let s = week::slot(t, &TimeZone::UTC);
            if s / 24 < 5 && (9..17).contains(&(s % 24)) {
                level -= if step / 288 == 8 { 5.0 } else { 1.0 } / 12.0;
            }
            Sample { t, v: level }
        })
        .collect();
    let h = hourly::Hourly::of(&samples, Direction::Falling, 0.0);
    let x = method::Hours::of(&h, &UTC);
    let mut tally = method::Tally::new();
    tally.advance(&x, h.burn.len());
    let course = |m| method::course(m, &x, &tally, h.burn.len(), None).unwrap();
    let (plain, pooled) = (course(Method::Profile), course(Method::Pooled));
    let (tuesday, wednesday, saturday) = (24 + 12, 48 + 12, 5 * 24 + 12);
    // The plain profile expects every Tuesday noon to burn twice a Wednesday's.
    assert!(
        (plain.base[tuesday] - 2.0).abs() < 1e-6,
        "{}",
        plain.base[tuesday]
    );
    // Pooled with the other weekdays' noons (1.2 on average), the Tuesday's own four hours
    // keep a third of the weight: (8 + 8 x 1.2) / 12.
    assert!(
        (pooled.base[tuesday] - 17.6 / 12.0).abs() < 1e-6,
        "{}",
        pooled.base[tuesday]
    );
    assert!(
        (pooled.base[wednesday] - 13.6 / 12.0).abs() < 1e-6,
        "{}",
        pooled.base[wednesday]
    );
    // A weekend hour is pooled with weekend hours only: still nothing.
    assert!(
        pooled.base[saturday].abs() < 1e-9,
        "{}",
        pooled.base[saturday]
    );
    assert_eq!(
        (plain.basis, pooled.basis),
        ("hour-of-week profile", "pooled profile")
    );
}
