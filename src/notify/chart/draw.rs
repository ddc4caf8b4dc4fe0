//! The chart's drawing primitives on a tiny-skia pixmap: the frame that maps instants and
//! values to pixels, lines, dots, rectangles, the grid with its labels, and text drawn
//! glyph by glyph from the bundled font (tiny-skia has no text of its own).

use super::{BOTTOM, HEIGHT, LEFT, RIGHT, Spec, TOP, WIDTH};
use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use jiff::tz::TimeZone;
use tiny_skia::{Color, Mask, Paint, PathBuilder, Pixmap, Rect, Stroke, StrokeDash, Transform};

/// The axes: the instants and the values the plot spans, and the values' step.
pub(super) struct Frame {
    pub(super) start: i64,
    pub(super) end: i64,
    pub(super) lo: f64,
    pub(super) hi: f64,
    pub(super) step: f64,
}

/// A filled dot centred on (`x`, `y`).
pub(super) fn dot(pixmap: &mut Pixmap, x: f32, y: f32, color: Color) {
    if let Some(path) = PathBuilder::from_circle(x, y, 3.5) {
        pixmap.fill_path(
            &path,
            &paint(color),
            tiny_skia::FillRule::Winding,
            Transform::identity(),
            None,
        );
    }
}

impl Frame {
    /// The pixel of value `v` at instant `t`.
    pub(super) fn at(&self, t: i64, v: f64) -> (f32, f32) {
        let w = WIDTH as f32 - LEFT - RIGHT;
        let h = HEIGHT as f32 - TOP - BOTTOM;
        let x = LEFT + w * ((t - self.start) as f32 / (self.end - self.start).max(1) as f32);
        let y = TOP + h * (1.0 - ((v - self.lo) / (self.hi - self.lo)) as f32);
        (x, y)
    }
}

/// An opaque colour.
pub(super) fn rgb(r: u8, g: u8, b: u8) -> Color {
    Color::from_rgba8(r, g, b, 255)
}

/// An anti-aliased paint of `color`.
pub(super) fn paint(color: Color) -> Paint<'static> {
    let mut p = Paint::default();
    p.set_color(color);
    p.anti_alias = true;
    p
}

/// A path through `points`, in the frame's pixels.
pub(super) fn polyline(frame: &Frame, points: &[(i64, f64)]) -> PathBuilder {
    let mut pb = PathBuilder::new();
    for (i, (t, v)) in points.iter().enumerate() {
        let (x, y) = frame.at(*t, *v);
        if i == 0 {
            pb.move_to(x, y);
        } else {
            pb.line_to(x, y);
        }
    }
    pb
}

/// A 2-pixel line through `points`, dashed if `dash`.
pub(super) fn line(
    pixmap: &mut Pixmap,
    frame: &Frame,
    points: &[(i64, f64)],
    color: Color,
    dash: Option<StrokeDash>,
) {
    let Some(path) = polyline(frame, points).finish() else {
        return;
    };
    let stroke = Stroke {
        width: 2.0,
        dash,
        ..Stroke::default()
    };
    pixmap.stroke_path(&path, &paint(color), &stroke, Transform::identity(), None);
}

/// Horizontal lines with their values, and a label at each local midnight.
pub(super) fn grid(pixmap: &mut Pixmap, font: &FontRef, frame: &Frame, spec: &Spec, tz: &TimeZone) {
    let grey = rgb(225, 225, 225);
    let label = rgb(110, 110, 110);
    let lines = ((frame.hi - frame.lo) / frame.step).round() as i64;
    for i in 0..=lines {
        let v = frame.lo + frame.step * i as f64;
        let (_, y) = frame.at(frame.start, v);
        rect(pixmap, LEFT, y, WIDTH as f32 - LEFT - RIGHT, 1.0, grey);
        let text_v = match (spec.money, frame.step >= 1.0) {
            (true, true) => format!("${v:.0}"),
            (true, false) => crate::format::usd(v),
            (false, _) => format!("{v:.0}%"),
        };
        text(
            pixmap,
            font,
            &text_v,
            LEFT - 6.0,
            y + 4.0,
            11.0,
            label,
            true,
        );
    }
    for (day, name) in crate::calendar::ticks(frame.start, frame.end, "%a %-d", tz) {
        let (x, _) = frame.at(day, frame.lo);
        rect(pixmap, x, TOP, 1.0, HEIGHT as f32 - TOP - BOTTOM, grey);
        text(
            pixmap,
            font,
            &name,
            x + 3.0,
            HEIGHT as f32 - 10.0,
            11.0,
            label,
            false,
        );
    }
    let (now_x, _) = frame.at(spec.now, frame.lo);
    rect(
        pixmap,
        now_x,
        TOP,
        1.0,
        HEIGHT as f32 - TOP - BOTTOM,
        rgb(170, 170, 170),
    );
    text(
        pixmap,
        font,
        "now",
        now_x + 3.0,
        TOP + 11.0,
        11.0,
        label,
        false,
    );
    // Which clock the days are on, under the value labels, clear of the day names.
    let zone = crate::calendar::zoned(spec.now, tz)
        .strftime("%Z")
        .to_string();
    text(
        pixmap,
        font,
        &zone,
        LEFT - 6.0,
        HEIGHT as f32 - 10.0,
        11.0,
        label,
        true,
    );
}

/// A filled rectangle.
pub(super) fn rect(pixmap: &mut Pixmap, x: f32, y: f32, w: f32, h: f32, color: Color) {
    if let Some(r) = Rect::from_xywh(x, y, w, h) {
        pixmap.fill_rect(r, &paint(color), Transform::identity(), None);
    }
}

/// Draws `s` with its baseline at `y`, starting at `x` (or ending there when `right`).
#[allow(clippy::too_many_arguments)]
pub(super) fn text(
    pixmap: &mut Pixmap,
    font: &FontRef,
    s: &str,
    x: f32,
    y: f32,
    size: f32,
    color: Color,
    right: bool,
) {
    let scaled = font.as_scaled(PxScale::from(size));
    let width: f32 = s.chars().map(|c| scaled.h_advance(font.glyph_id(c))).sum();
    let mut pen = if right { x - width } else { x };
    let Some(mut mask) = Mask::new(WIDTH, HEIGHT) else {
        return;
    };
    let data = mask.data_mut();
    for c in s.chars() {
        let id = font.glyph_id(c);
        let glyph = id.with_scale_and_position(size, ab_glyph::point(pen, y));
        pen += scaled.h_advance(id);
        let Some(outline) = font.outline_glyph(glyph) else {
            continue;
        };
        let b = outline.px_bounds();
        outline.draw(|gx, gy, coverage| {
            let px = b.min.x as i32 + gx as i32;
            let py = b.min.y as i32 + gy as i32;
            if px >= 0 && py >= 0 && (px as u32) < WIDTH && (py as u32) < HEIGHT {
                let i = py as usize * WIDTH as usize + px as usize;
                data[i] = data[i].max((coverage * 255.0) as u8);
            }
        });
    }
    let all = Rect::from_xywh(0.0, 0.0, WIDTH as f32, HEIGHT as f32);
    if let Some(all) = all {
        pixmap.fill_rect(all, &paint(color), Transform::identity(), Some(&mask));
    }
}
