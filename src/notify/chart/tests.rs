//! The chart drawn and read back: its size, its band, its axis.

use super::*;

#[test]
fn the_axis_fits_the_history_and_labels_each_day_once() {
    let now = 1_795_190_400; // Friday 2026-11-20 16:00 UTC
    let minutes: Vec<(i64, f64)> = vec![(now - 1200, 10.0), (now, 9.0)];
    let mut spec = Spec {
        title: "Usage credits",
        money: true,
        series: &minutes,
        now,
        projection: None,
        projection_label: "",
        band: None,
    };
    assert_eq!(
        axis_start(&spec),
        now - 3600,
        "twenty minutes of history: an hour, not a day"
    );
    let long: Vec<(i64, f64)> = vec![(now - 20 * 86_400, 50.0), (now, 9.0)];
    spec.series = &long;
    assert_eq!(axis_start(&spec), now - 7 * 86_400, "at most a week");
    assert_eq!(span_words(&minutes, now), "last hour");
    assert_eq!(span_words(&long, now), "last 7 days");
    assert_eq!(
        span_words(&[(now - 3 * 86_400, 1.0), (now, 0.5)], now),
        "last 3 days"
    );
    let labels =
        crate::calendar::ticks(now - 7 * 86_400, now + 3 * 86_400, "%a %-d", &TimeZone::UTC);
    let names: Vec<&str> = labels.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(names.first(), Some(&"Sat 14"));
    assert_eq!(names.last(), Some(&"Mon 23"));
    let mut unique = names.clone();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "{names:?}");
    let first_hour = crate::calendar::ticks(now - 3600, now, "%a %-d", &TimeZone::UTC);
    assert_eq!(
        first_hour,
        vec![
            (now - 3600, "15:00".to_string()),
            (now, "16:00".to_string())
        ],
        "a first day's chart has a time axis"
    );
}

/// Pixels noticeably redder than they are green or blue.
fn reddish(png: &[u8]) -> usize {
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf[..info.buffer_size()]
        .chunks(info.color_type.samples())
        .filter(|p| {
            i32::from(p[0]) > i32::from(p[1]) + 15 && i32::from(p[0]) > i32::from(p[2]) + 15
        })
        .count()
}

#[test]
fn a_falling_balance_renders_as_a_png_of_the_chart_size() {
    let now = 1_795_190_400;
    let series: Vec<(i64, f64)> = (0..=168)
        .map(|h| (now - 7 * 86_400 + h * 3600, 60.0 - h as f64 * 0.28))
        .collect();
    let spec = Spec {
        title: "Usage credits, last 7 days",
        money: true,
        series: &series,
        now,
        projection: Some((now + 54_000, 0.0)),
        projection_label: "runs out Sat 07:00",
        band: Some((now + 40_000, Some(now + 90_000))),
    };
    let png = render(&spec, &TimeZone::UTC).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    // Width and height are the first fields of the IHDR chunk.
    assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), WIDTH);
    assert_eq!(u32::from_be_bytes(png[20..24].try_into().unwrap()), HEIGHT);
    if let Ok(path) = std::env::var("CREDITWATCH_CHART_OUT") {
        std::fs::write(path, &png).unwrap();
    }
    // The 10-90 % band is drawn: far more reddish pixels with it than with the line alone.
    let without = render(&Spec { band: None, ..spec }, &TimeZone::UTC).unwrap();
    assert!(
        reddish(&png) > reddish(&without) + 400,
        "{} vs {}",
        reddish(&png),
        reddish(&without)
    );
    assert!(
        render(
            &Spec {
                series: &series[..1],
                ..spec
            },
            &TimeZone::UTC
        )
        .is_none()
    );
}

#[test]
fn an_apps_hourly_spend_is_charted_without_a_forecast() {
    let now = 1_795_190_400;
    let series: Vec<(i64, f64)> = (0..48)
        .map(|h| (now - h * 3600, 0.5 + (h % 5) as f64))
        .rev()
        .collect();
    let png = for_metric(
        "apps.claude-code.spend_usd",
        &series,
        &Figures::default(),
        now,
        &TimeZone::UTC,
    )
    .expect("a chart");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(
        for_metric(
            "apps.claude-code.spend_usd",
            &series[..1],
            &Figures::default(),
            now,
            &TimeZone::UTC
        )
        .is_none(),
        "one point is no line"
    );
}
