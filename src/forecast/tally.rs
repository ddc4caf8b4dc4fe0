//! The rolling sums behind the candidates: a pool's hourly burn indexed by hour of the week
//! and day once ([`Hours`]), and the sums of the 28 and the 7 days before an origin
//! ([`Tally`]) that roll forward an hour at a time, so a backtest that asks at every hour
//! of three weeks costs about what three weeks of hours do.

use super::hourly::Hourly;
use super::week::{self, WEEK};
use jiff::tz::TimeZone;

/// Hours in the long and the short look back.
const LONG_H: usize = 28 * 24;
const SHORT_H: usize = 7 * 24;

/// The hourly burn with each hour's slot of the week and day, worked out once.
pub struct Hours<'a> {
    /// The burn.
    pub h: &'a Hourly,
    /// Each hour's slot of the week.
    pub slots: Vec<u8>,
    /// Each hour's day (cut at 05:00 local).
    pub days: Vec<i64>,
    /// The watched hours before each hour (and after the last): `watched[j] - watched[i]`
    /// is how much of hours `i..j` was watched.
    pub watched: Vec<f64>,
}

impl<'a> Hours<'a> {
    /// Indexes `h` in `tz`.
    pub fn of(h: &'a Hourly, tz: &TimeZone) -> Hours<'a> {
        let (slots, days) = (0..h.burn.len())
            .map(|i| {
                let (slot, day) = week::place(h.start(i), tz);
                (slot as u8, day)
            })
            .unzip();
        let mut watched = Vec::with_capacity(h.cover.len() + 1);
        watched.push(0.0);
        for c in &h.cover {
            watched.push(watched[watched.len() - 1] + c);
        }
        Hours {
            h,
            slots,
            days,
            watched,
        }
    }

    /// Each hour of `range` as its slot of the week, day, cover and burn; `None` when the
    /// range runs past the last hour.
    pub(crate) fn at(
        &self,
        range: std::ops::Range<usize>,
    ) -> Option<impl Iterator<Item = (usize, i64, f64, f64)> + '_> {
        let (slots, days) = (
            self.slots.get(range.clone())?,
            self.days.get(range.clone())?,
        );
        let (cover, burn) = (self.h.cover.get(range.clone())?, self.h.burn.get(range)?);
        let hours = slots.iter().zip(days).zip(cover.iter().zip(burn));
        Some(hours.map(|((&s, &d), (&c, &b))| (s as usize, d, c, b)))
    }
}

/// Burn and watched hours summed.
#[derive(Clone, Copy, Default)]
pub(super) struct Sum {
    pub(super) burn: f64,
    pub(super) cover: f64,
}

/// The sums of the 28 and the 7 days before an origin, by hour of the week.
pub struct Tally {
    pub(super) long: [Sum; WEEK],
    pub(super) short: [Sum; WEEK],
    /// The sums over every hour of the week, kept as they roll (asked at every origin).
    pub(super) long_all: Sum,
    pub(super) short_all: Sum,
    /// The long look back's sums by hour of the day, on weekdays and on weekend days
    /// ([`kind_hour`]): the pooled profile asks for them at every origin.
    pub(super) by_kind: [Sum; 48],
    /// The first hour in each look back, and the origin (exclusive).
    lo_long: usize,
    lo_short: usize,
    hi: usize,
}

impl Default for Tally {
    fn default() -> Tally {
        Tally::new()
    }
}

impl Tally {
    /// Sums of nothing, at the start of the hours.
    pub fn new() -> Tally {
        Tally {
            long: [Sum::default(); WEEK],
            short: [Sum::default(); WEEK],
            long_all: Sum::default(),
            short_all: Sum::default(),
            by_kind: [Sum::default(); 48],
            lo_long: 0,
            lo_short: 0,
            hi: 0,
        }
    }

    /// Moves the origin forward to `origin` (hours before it are the history).
    pub(crate) fn advance(&mut self, x: &Hours<'_>, origin: usize) {
        let origin = origin.min(x.h.burn.len());
        let at = |i: usize| (x.slots[i] as usize, x.h.burn[i], x.h.cover[i]);
        while self.hi < origin {
            let (s, b, c) = at(self.hi);
            for sum in [
                &mut self.long[s],
                &mut self.short[s],
                &mut self.long_all,
                &mut self.short_all,
                &mut self.by_kind[kind_hour(s)],
            ] {
                sum.burn += b;
                sum.cover += c;
            }
            self.hi += 1;
        }
        for (lo, sums, all, mut by_kind, span) in [
            (
                &mut self.lo_long,
                &mut self.long,
                &mut self.long_all,
                Some(&mut self.by_kind),
                LONG_H,
            ),
            (
                &mut self.lo_short,
                &mut self.short,
                &mut self.short_all,
                None,
                SHORT_H,
            ),
        ] {
            while *lo + span < self.hi {
                let (s, b, c) = at(*lo);
                let kind = by_kind.as_deref_mut().map(|k| &mut k[kind_hour(s)]);
                for sum in [&mut sums[s], all].into_iter().chain(kind) {
                    sum.burn -= b;
                    sum.cover -= c;
                }
                *lo += 1;
            }
        }
    }

    /// Days watched in the long look back.
    pub fn days(&self) -> f64 {
        self.long_all.cover / 24.0
    }

    /// The long look back's mean rate of each hour of the day (`flat` for an hour never
    /// watched).
    pub(super) fn of_hour(&self, flat: f64) -> [f64; 24] {
        std::array::from_fn(|h| {
            let (a, b) = (self.by_kind[h], self.by_kind[24 + h]);
            let cover = a.cover + b.cover;
            if cover > 0.0 {
                (a.burn + b.burn) / cover
            } else {
                flat
            }
        })
    }
}

/// Where an hour of the week falls among [`Tally::by_kind`]: its hour of the day, among
/// weekdays' (Monday to Friday) or weekend days'.
pub(super) fn kind_hour(slot: usize) -> usize {
    usize::from(slot >= 5 * 24) * 24 + slot % 24
}
