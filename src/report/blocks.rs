//! Claude Code's 5-hour billing blocks, cut as ccusage's `blocks` cuts them: a block starts
//! at the hour (UTC) of its first response, and the next starts with the first response at
//! or after its end, five hours after its start (a pause of more than five hours always
//! ends a block, since its responses are later still).
//!
//! Responses are stored to the second: one answered at 21:00:00.574 is at 21:00:00, which
//! is why a block ends *at* its fifth hour, as a half-open span, to agree with ccusage's
//! milliseconds.

use super::Row;
use serde::Serialize;

/// How long a block lasts.
pub const LENGTH_S: i64 = 5 * 3600;
/// The shortest time a block's burn rate is measured over, so two responses a second
/// apart do not make a rate of thousands of dollars an hour.
const MIN_ELAPSED_S: i64 = 10 * 60;

/// Assigns responses, oldest first, to their blocks.
#[derive(Debug, Default)]
pub struct Cutter {
    start: Option<i64>,
}

impl Cutter {
    /// The start of the block a response answered at `t` falls in; `t` is never before the
    /// one given last.
    pub(crate) fn start_of(&mut self, t: i64) -> i64 {
        let start = match self.start {
            Some(s) if t - s < LENGTH_S => s,
            _ => t - t.rem_euclid(3600),
        };
        self.start = Some(start);
        start
    }
}

/// A block's span, and for the block going on, how it is going.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Block {
    /// Its start, unix seconds.
    pub start: i64,
    /// Its end, five hours later.
    pub end: i64,
    /// Whether it is going on: it has not ended and had a response in the last five hours.
    pub active: bool,
    /// Seconds until it ends (the block going on only).
    pub left_s: Option<i64>,
    /// USD per hour since its first response (the block going on only).
    pub burn_usd_per_hour: Option<f64>,
    /// What it will have cost at its end at that rate (the block going on only).
    pub projected_usd: Option<f64>,
}

impl Block {
    /// The block starting at `start` whose responses `row` sums, seen at `now`.
    pub fn of(start: i64, row: &Row, now: i64) -> Block {
        let end = start + LENGTH_S;
        let last = row.last_at.unwrap_or(start);
        let active = now < end && now - last < LENGTH_S;
        let mut block = Block {
            start,
            end,
            active,
            left_s: None,
            burn_usd_per_hour: None,
            projected_usd: None,
        };
        if active {
            let first = row.first_at.unwrap_or(start);
            let elapsed = (now - first).max(MIN_ELAPSED_S);
            let rate = row.cost_usd / elapsed as f64 * 3600.0;
            block.left_s = Some(end - now);
            block.burn_usd_per_hour = Some(rate);
            block.projected_usd = Some(row.cost_usd + rate * (end - now) as f64 / 3600.0);
        }
        block
    }
}

/// A block's key: its start as RFC 3339 in UTC (`2026-11-30T09:00:00Z`), as ccusage names it.
pub fn key(start: i64) -> String {
    jiff::Timestamp::from_second(start).map_or_else(
        |_| start.to_string(),
        |t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_starts_at_the_hour_and_ends_after_five_hours_or_a_pause() {
        let mut c = Cutter::default();
        let h = 3600;
        let base = 1_796_029_200; // 09:00 UTC
        assert_eq!(
            c.start_of(base + 25 * 60),
            base,
            "09:25 starts the 09:00 block"
        );
        assert_eq!(
            c.start_of(base + 5 * h - 1),
            base,
            "13:59:59 is still in it"
        );
        assert_eq!(
            c.start_of(base + 5 * h),
            base + 5 * h,
            "14:00 starts the next"
        );
        // After a pause, the next block starts at the hour of the response that ends it.
        assert_eq!(c.start_of(base + 10 * h + 30 * 60), base + 10 * h);
        assert_eq!(key(base), "2026-11-30T09:00:00Z");
    }

    #[test]
    fn the_block_going_on_has_its_time_left_and_projection() {
        let start = 1_796_029_200;
        let row = Row {
            cost_usd: 3.0,
            first_at: Some(start),
            last_at: Some(start + 3600),
            ..Row::default()
        };
        let going = Block::of(start, &row, start + 2 * 3600);
        assert!(going.active);
        assert_eq!(going.left_s, Some(3 * 3600));
        assert_eq!(going.burn_usd_per_hour, Some(1.5));
        assert_eq!(going.projected_usd, Some(7.5));
        let over = Block::of(start, &row, start + 5 * 3600);
        assert!(!over.active);
        assert_eq!((over.left_s, over.projected_usd), (None, None));
    }
}
