//! Charts drawn as SVG on the server: a pool's level over the last week and, from now on,
//! its forecast as a median line inside the 10-90 % band, as the email's chart draws it.
//! Each point carries a `<title>`, so hovering shows its value and time without a script,
//! and the caller writes the same figures in text beside the chart.

use jiff::tz::TimeZone;
use maud::{Markup, html};

/// Where a pool is heading: the level it reaches and when (median, 10th, 90th percentile).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Heading {
    /// The level it heads for: 0 for an empty balance, the reload threshold, a cap.
    pub level: f64,
    /// When it gets there, the median.
    pub at: i64,
    /// The 10th percentile.
    pub earliest: i64,
    /// The 90th percentile.
    pub latest: i64,
}

/// What a chart shows.
pub struct Chart<'a> {
    /// Its accessible name.
    pub title: &'a str,
    /// The history, oldest first.
    pub points: &'a [(i64, f64)],
    /// The instant the chart ends its history at.
    pub now: i64,
    /// The forecast, when there is one.
    pub heading: Option<Heading>,
    /// How a value reads (`$12.50`, `72%`).
    pub format: fn(f64) -> String,
}

const W: f64 = 720.0;
const H: f64 = 240.0;
const LEFT: f64 = 56.0;
const BOTTOM: f64 = 24.0;
const TOP: f64 = 8.0;
/// The forecast is drawn at most this far ahead.
const AHEAD_MAX_S: i64 = 7 * 86_400;

/// The most points drawn (and hoverable): a week of 5-minute samples is thinned to about
/// one per 40 minutes, each the last of its stretch, so the page stays small.
pub const MAX_POINTS: usize = 250;

/// At most [`MAX_POINTS`] of `points`, evenly spread, the last one always kept.
fn thin(points: &[(i64, f64)]) -> Vec<(i64, f64)> {
    if points.len() <= MAX_POINTS {
        return points.to_vec();
    }
    let step = points.len().div_ceil(MAX_POINTS);
    let mut kept: Vec<(i64, f64)> = points
        .iter()
        .skip(step - 1)
        .step_by(step)
        .copied()
        .collect();
    if kept.last() != points.last() {
        kept.extend(points.last());
    }
    kept
}

/// The chart as an inline `<svg>`.
pub fn render(chart: &Chart, tz: &TimeZone) -> Markup {
    let thinned = thin(chart.points);
    let chart = &Chart {
        points: &thinned,
        ..*chart
    };
    let start = start_of(chart.points, chart.now);
    // The forecast gets at most twice the history shown: a first day's hour is not pressed
    // to the left of days of projection.
    let end = chart.heading.map_or(chart.now, |h| {
        h.latest
            .max(h.at)
            .clamp(chart.now, chart.now + AHEAD_MAX_S)
            .min(chart.now + 2 * (chart.now - start))
    });
    let top = chart
        .points
        .iter()
        .map(|p| p.1)
        .chain(chart.heading.map(|h| h.level))
        .fold(0.0_f64, f64::max)
        .max(1e-9)
        * 1.1;
    let span = (end - start).max(1) as f64;
    let x = |t: i64| LEFT + (t - start) as f64 / span * (W - LEFT - 8.0);
    let y = |v: f64| TOP + (1.0 - v / top) * (H - TOP - BOTTOM);
    let line: Vec<String> = chart
        .points
        .iter()
        .map(|&(t, v)| format!("{:.1},{:.1}", x(t), y(v)))
        .collect();
    let nx = n(x(chart.now));
    html! {
        svg.chart viewBox={ "0 0 " (W) " " (H) } role="img" aria-label=(chart.title) {
            (axes(start, end, top, chart.format, tz, (&x, &y)))
            line.now x1=(nx) y1=(TOP) x2=(nx) y2=(n(H - BOTTOM)) {}
            text.label x=(nx) y=(n(TOP - 4.0)) text-anchor="middle" { "now" }
            @if let Some(h) = chart.heading { (forecast(chart, h, end, (&x, &y))) }
            polyline.line points=(line.join(" ")) {}
            @for &(t, v) in chart.points {
                circle.dot cx=(n(x(t))) cy=(n(y(v))) r="4" {
                    title { ((chart.format)(v)) " at " (crate::calendar::zoned(t, tz).strftime("%a %H:%M")) }
                }
            }
        }
    }
}

/// A number to a tenth, written straight into the page (a chart has hundreds).
#[derive(Clone, Copy)]
pub(super) struct Tenth(pub f64);

impl maud::Render for Tenth {
    fn render_to(&self, out: &mut String) {
        use std::fmt::Write as _;
        let _ = write!(out, "{:.1}", self.0);
    }
}

fn n(v: f64) -> Tenth {
    Tenth(v)
}

/// The forecast from the last point: the 10-90 % band and the median line.
fn forecast(chart: &Chart, h: Heading, end: i64, (x, y): Scale) -> Markup {
    let Some(&(_, last)) = chart.points.last() else {
        return html! {};
    };
    // Where the straight way from now to `t` (reaching the level) leaves the chart: at
    // `t` itself, or on its right edge, part of the way down.
    let reach = |t: i64| {
        let t = t.max(chart.now + 1);
        let part = ((end - chart.now) as f64 / (t - chart.now) as f64).min(1.0);
        (x(t.min(end)), y(last + (h.level - last) * part))
    };
    let (now, lx) = (x(chart.now), y(last));
    let (e, l, m) = (reach(h.earliest), reach(h.latest), reach(h.at));
    let ly = y(h.level);
    let band = format!(
        "{now:.1},{lx:.1} {:.1},{:.1} {:.1},{ly:.1} {:.1},{ly:.1} {:.1},{:.1}",
        e.0, e.1, e.0, l.0, l.0, l.1
    );
    html! {
        polygon.band points=(band) {}
        line.median x1=(n(now)) y1=(n(lx)) x2=(n(m.0)) y2=(n(m.1)) {}
    }
}

type Scale<'a> = (&'a dyn Fn(i64) -> f64, &'a dyn Fn(f64) -> f64);

/// The value grid (4 lines) and the time marks: local midnights, or round hours on a
/// first day.
fn axes(
    start: i64,
    end: i64,
    top: f64,
    format: fn(f64) -> String,
    tz: &TimeZone,
    (x, y): Scale,
) -> Markup {
    html! {
        @for i in 0..=3 {
            @let v = top / 1.1 * f64::from(i) / 3.0;
            line.grid x1=(LEFT) y1=(n(y(v))) x2=(W - 8.0) y2=(n(y(v))) {}
            text.label x=(LEFT - 6.0) y=(n(y(v) + 4.0)) text-anchor="end" { (format(v)) }
        }
        @for (t, name) in crate::calendar::ticks(start, end, "%a", tz) {
            text.label x=(n(x(t))) y=(H - 6.0) text-anchor="middle" { (name) }
        }
    }
}

/// Where the time axis starts: the first point, but at least an hour and at most a week
/// before now, so a first day's minutes fill the chart.
pub(crate) fn start_of(points: &[(i64, f64)], now: i64) -> i64 {
    points
        .first()
        .map_or(now - 7 * 86_400, |p| p.0)
        .max(now - 7 * 86_400)
        .min(now - 3600)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_days_twenty_minutes_fill_the_chart_with_hours_and_now_marked() {
        let now = 1_795_190_400; // 16:00 UTC
        let points: Vec<(i64, f64)> = (0..5)
            .map(|i| (now - 1200 + i * 300, 50.0 - i as f64))
            .collect();
        let chart = Chart {
            title: "first day",
            points: &points,
            now,
            heading: None,
            format: crate::format::usd,
        };
        let svg = render(&chart, &TimeZone::UTC).into_string();
        assert!(
            svg.contains(">15:00</text>") && svg.contains(">16:00</text>"),
            "{svg}"
        );
        assert!(
            svg.contains("class=\"now\"") && svg.contains(">now</text>"),
            "{svg}"
        );
        // The history spans the last third of the axis, not its last 1 %.
        let first_x: f64 = svg
            .split("<circle class=\"dot\" cx=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .and_then(|x| x.parse().ok())
            .unwrap();
        assert!(first_x < W * 0.75, "{first_x}");
        assert_eq!(
            crate::calendar::span_words(start_of(&points, now), now),
            "last hour"
        );
    }

    #[test]
    fn a_balance_with_a_forecast_has_its_line_band_median_and_hover_values() {
        let now = 1_795_190_400;
        let points: Vec<(i64, f64)> = (0..8)
            .map(|i| (now - (7 - i) * 86_400, 80.0 - 8.0 * i as f64))
            .collect();
        let chart = Chart {
            title: "Credits <default>",
            points: &points,
            now,
            heading: Some(Heading {
                level: 0.0,
                at: now + 3 * 86_400,
                earliest: now + 2 * 86_400,
                latest: now + 5 * 86_400,
            }),
            format: |v| format!("${v:.2}"),
        };
        let svg = render(&chart, &TimeZone::UTC).into_string();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("aria-label=\"Credits &lt;default&gt;\""));
        assert_eq!(svg.matches("<circle").count(), 8);
        assert!(svg.contains("<title>$24.00 at Fri 16:00</title>"), "{svg}");
        assert_eq!(svg.matches("class=\"band\"").count(), 1);
        assert_eq!(svg.matches("class=\"median\"").count(), 1);
        let flat = Chart {
            heading: None,
            ..chart
        };
        assert!(!render(&flat, &TimeZone::UTC).into_string().contains("band"));
    }
}
