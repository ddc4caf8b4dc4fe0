//! The chart in an email: a pool's last 7 days, and the forecast of when it runs out (the
//! median as a dashed line, the 10-90 % range as a band around it), drawn in Rust
//! (tiny-skia) with a bundled font, as a PNG. No browser and no system fonts.

use crate::alert::figures::Figures;
use crate::names::Metric;
use ab_glyph::FontRef;
use draw::{Frame, dot, grid, line, paint, polyline, rgb, text};
use jiff::tz::TimeZone;
use tiny_skia::{Color, Pixmap, StrokeDash, Transform};

mod draw;

/// The chart's size in pixels.
pub const WIDTH: u32 = 600;
/// See [`WIDTH`].
pub const HEIGHT: u32 = 260;

/// DejaVu Sans, cut down to Latin-1 (see `assets/LICENSE-DejaVu.txt`).
const FONT: &[u8] = include_bytes!("../../assets/DejaVuSans-subset.ttf");

const LEFT: f32 = 56.0;
const RIGHT: f32 = 16.0;
const TOP: f32 = 30.0;
const BOTTOM: f32 = 28.0;

/// What to draw.
pub struct Spec<'a> {
    /// The heading, e.g. "Usage credits, last 7 days".
    pub title: &'a str,
    /// Values are dollars (else percent).
    pub money: bool,
    /// The samples, oldest first.
    pub series: &'a [(i64, f64)],
    /// The instant the chart describes; the series ends here.
    pub now: i64,
    /// Where the pool is heading: the instant and the level (run-out, cap, 100 %).
    pub projection: Option<(i64, f64)>,
    /// The label at the end of the projection, e.g. "runs out Sat 07:00".
    pub projection_label: &'a str,
    /// The forecast's range: when the level is reached in the earliest and the latest of
    /// the likely futures (`None` for a latest beyond the chart).
    pub band: Option<(i64, Option<i64>)>,
}

/// What a metric's chart shows, before it is drawn.
struct Plot {
    title: String,
    money: bool,
    projection: Option<(i64, f64)>,
    label: Option<String>,
    band: Option<(i64, Option<i64>)>,
}

impl Plot {
    /// A line alone, with no forecast to draw.
    fn line(title: String, money: bool) -> Plot {
        Plot {
            title,
            money,
            projection: None,
            label: None,
            band: None,
        }
    }
}

/// The chart of `metric` (a rule's `chart`) for a notification decided at `now` with
/// `figures`: the last 7 days of `series` and, from the figures, where the pool is heading.
pub(crate) fn for_metric(
    metric: &str,
    series: &[(i64, f64)],
    figures: &Figures,
    now: i64,
    tz: &TimeZone,
) -> Option<Vec<u8>> {
    let when = |t: i64| {
        let time = crate::calendar::zoned(t, tz).strftime("%H:%M").to_string();
        format!("{} {time}", crate::calendar::zoned(t, tz).strftime("%a"))
    };
    let span = span_words(series, now);
    let plot = match Metric::parse(metric) {
        Some(Metric::CreditsBalance) => credits(figures, &span, &when),
        Some(Metric::ExtraUsageUsed) => extra_usage(figures, &span, &when),
        Some(Metric::WindowUsed(window)) => {
            let w = figures.windows.get(&window).cloned().unwrap_or_default();
            let p = w.full_at.map(|t| (t, 100.0));
            Plot {
                title: format!("{} window, {span}", crate::format::window_name(&window)),
                money: false,
                projection: p,
                label: p.map(|(t, _)| format!("full {}", when(t))),
                band: w.full_earliest.map(|e| (e, w.full_latest)),
            }
        }
        Some(Metric::AppSpend(app)) => Plot::line(format!("{app}, spend per hour, {span}"), true),
        None => Plot::line(format!("{metric}, {span}"), metric.ends_with("_usd")),
    };
    render(
        &Spec {
            title: &plot.title,
            money: plot.money,
            series,
            now,
            projection: plot.projection,
            projection_label: plot.label.as_deref().unwrap_or(""),
            band: plot.band,
        },
        tz,
    )
}

/// The credits' chart: down to the auto-reload threshold when it reloads, else to zero.
fn credits(figures: &Figures, span: &str, when: &dyn Fn(i64) -> String) -> Plot {
    let c = figures.credits.clone().unwrap_or_default();
    let (target, verb) = match c.reloads() {
        true => (c.auto_reload_threshold_usd.unwrap_or(0.0), "auto-reloads"),
        false => (0.0, "runs out"),
    };
    let p = c.runs_out_at.map(|t| (t, target));
    Plot {
        title: format!("Usage credits, {span}"),
        money: true,
        projection: p,
        label: p.map(|(t, _)| format!("{verb} {}", when(t))),
        band: c.runs_out_earliest.map(|e| (e, c.runs_out_latest)),
    }
}

/// Extra usage's chart: up to the monthly cap.
fn extra_usage(figures: &Figures, span: &str, when: &dyn Fn(i64) -> String) -> Plot {
    let x = figures.extra_usage.clone().unwrap_or_default();
    let p = x.limit_at.zip(x.limit_usd);
    Plot {
        title: format!("Extra usage this month, {span}"),
        money: true,
        projection: p,
        label: p.map(|(t, _)| format!("cap reached {}", when(t))),
        band: x.limit_earliest.map(|e| (e, x.limit_latest)),
    }
}

/// Renders the chart as a PNG; `None` with fewer than two samples.
pub fn render(spec: &Spec, tz: &TimeZone) -> Option<Vec<u8>> {
    if spec.series.len() < 2 {
        return None;
    }
    let font = FontRef::try_from_slice(FONT).ok()?;
    let mut pixmap = Pixmap::new(WIDTH, HEIGHT)?;
    pixmap.fill(Color::WHITE);
    let frame = frame(spec);
    grid(&mut pixmap, &font, &frame, spec, tz);
    band(&mut pixmap, &frame, spec);
    line(&mut pixmap, &frame, spec.series, rgb(31, 111, 235), None);
    projection(&mut pixmap, &font, &frame, spec);
    text(
        &mut pixmap,
        &font,
        spec.title,
        LEFT,
        18.0,
        14.0,
        rgb(27, 27, 27),
        false,
    );
    pixmap.encode_png().ok()
}

/// The axes: from the start of the history (or the day before) to now, or past it to the
/// projection (at most three days ahead); values from zero, in round steps.
fn frame(spec: &Spec) -> Frame {
    let start = axis_start(spec);
    let end = match spec.projection {
        // Show the projection (and a little of the range past it) up to three days ahead.
        Some((t, _)) if t > spec.now => {
            let late = spec.band.and_then(|(_, l)| l).unwrap_or(t);
            // At most twice the history shown, so a first day's hour is not squeezed to
            // the left of three days of projection.
            late.max(t)
                .min(t + (t - spec.now) / 2)
                .min(spec.now + 3 * 86_400)
                .min(spec.now + 2 * (spec.now - start))
        }
        _ => spec.now,
    };
    let values = spec
        .series
        .iter()
        .map(|p| p.1)
        .chain(spec.projection.map(|p| p.1));
    let (lo, hi) = values.fold((0.0f64, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let step = nice_step((hi - lo).max(1e-9) / 4.0);
    let (lo, hi) = (
        (lo / step).floor() * step,
        ((hi / step).ceil() * step).max(lo + step),
    );
    Frame {
        start,
        end,
        lo,
        hi,
        step,
    }
}

/// The dashed line from the last sample to the projected point (cut at the right edge),
/// its dot, and its legend at the top right.
fn projection(pixmap: &mut Pixmap, font: &FontRef<'_>, frame: &Frame, spec: &Spec) {
    let (Some((t, v)), Some(last)) = (spec.projection, spec.series.last()) else {
        return;
    };
    if t <= last.0 {
        return;
    }
    let cut = if t > frame.end {
        last.1 + (v - last.1) * (frame.end - last.0) as f64 / (t - last.0) as f64
    } else {
        v
    };
    let to = (t.min(frame.end), cut);
    let red = rgb(179, 38, 30);
    line(
        pixmap,
        frame,
        &[*last, to],
        red,
        StrokeDash::new(vec![6.0, 4.0], 0.0),
    );
    let (x, y) = frame.at(to.0, to.1);
    dot(pixmap, x, y, red);
    // Clear of the lines.
    let label = format!("- - {}", spec.projection_label);
    text(
        pixmap,
        font,
        &label,
        WIDTH as f32 - RIGHT,
        18.0,
        12.0,
        red,
        true,
    );
}

/// Where the time axis starts: the first sample, but at least an hour and at most a week
/// before now, so twenty minutes of history fill the chart rather than its last 5 %.
fn axis_start(spec: &Spec) -> i64 {
    start_for(spec.series, spec.now)
}

fn start_for(series: &[(i64, f64)], now: i64) -> i64 {
    let first = series.first().map_or(now, |p| p.0);
    first.max(now - 7 * 86_400).min(now - 3600)
}

/// The span the axis shows, for the title: "last hour", "last 3 hours", "last 7 days".
fn span_words(series: &[(i64, f64)], now: i64) -> String {
    crate::calendar::span_words(start_for(series, now), now)
}

/// The 10-90 % range: the area between the line to the earliest run-out and the line to
/// the latest, cut at the right edge.
fn band(pixmap: &mut Pixmap, frame: &Frame, spec: &Spec) {
    let (Some((_, target)), Some((early, late)), Some(&last)) =
        (spec.projection, spec.band, spec.series.last())
    else {
        return;
    };
    // A point of the line from `last` to (`t`, `target`), at the right edge if later.
    let cut = |t: i64| -> (i64, f64) {
        if t <= frame.end {
            return (t.max(last.0), target);
        }
        let share = (frame.end - last.0) as f64 / (t - last.0).max(1) as f64;
        (frame.end, last.1 + (target - last.1) * share)
    };
    let late = late.unwrap_or(i64::MAX / 4);
    let mut points = vec![last, cut(early)];
    if early < frame.end {
        points.push((late.min(frame.end), target));
    }
    points.push(cut(late));
    let mut pb = polyline(frame, &points);
    pb.close();
    if let Some(path) = pb.finish() {
        let color = Color::from_rgba8(179, 38, 30, 46);
        let fill = tiny_skia::FillRule::Winding;
        pixmap.fill_path(&path, &paint(color), fill, Transform::identity(), None);
    }
}

/// A round step (1, 2, 2.5 or 5 times a power of ten) at least `raw`.
fn nice_step(raw: f64) -> f64 {
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude)
}

#[cfg(test)]
mod tests;
