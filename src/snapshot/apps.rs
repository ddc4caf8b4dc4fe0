//! `s.apps[...]`: what each app spent over the standard periods, by model and project.

use crate::calendar;
use crate::price::Tokens;
use crate::store::{Store, StoreError};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The hours `burn_usd_per_hour` averages over.
pub const BURN_WINDOW_H: i64 = 3;

/// Spend in USD over the standard periods (local days and month).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Periods {
    /// The last 60 minutes.
    pub last_hour: f64,
    /// Since local midnight.
    pub today: f64,
    /// The last 24 hours.
    pub last_24h: f64,
    /// The last 7 days (168 hours).
    pub last_7d: f64,
    /// Since the start of the local calendar month.
    pub this_month: f64,
    /// Since Monday 00:00 local time; `None` for an app whose spend a command reports.
    pub this_week: Option<f64>,
    /// The local calendar week before this one, Monday to Sunday; `None` as `this_week`.
    pub last_week: Option<f64>,
}

/// One app's spend.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct App {
    /// Priced spend over the standard periods.
    pub spend_usd: Periods,
    /// Tokens this month.
    pub tokens: Tokens,
    /// Average spend per hour over the last `BURN_WINDOW_H` hours.
    pub burn_usd_per_hour: f64,
    /// Spend per base model (priced models only; see `unpriced_tokens`).
    pub by_model: BTreeMap<String, Periods>,
    /// Spend per project folder.
    pub by_project: BTreeMap<String, Periods>,
    /// Tokens this month of models the price table does not know, per model.
    pub unpriced_tokens: BTreeMap<String, u64>,
}

impl Periods {
    fn add(&mut self, spend: &[f64]) {
        self.last_hour += spend[0];
        self.today += spend[1];
        self.last_24h += spend[2];
        self.last_7d += spend[3];
        let week = self.this_week.unwrap_or(0.0) + spend[5];
        self.this_week = Some(week);
        self.last_week = Some(self.last_week.unwrap_or(0.0) + spend[6] - spend[5]);
        self.this_month += spend[7];
    }
}

/// Every app that spent anything this month or in the last 7 days, at `now`.
pub fn build(
    store: &Store,
    account: &str,
    now: i64,
    tz: &TimeZone,
) -> Result<BTreeMap<String, App>, StoreError> {
    // Order matters: index 4 is the burn window, and tokens count from the last entry.
    let starts = [
        now - 3600,
        calendar::start_of_day(now, 0, tz),
        now - 86_400,
        now - 7 * 86_400,
        now - BURN_WINDOW_H * 3600,
        calendar::start_of_week(now, 0, tz),
        calendar::start_of_week(now, -1, tz),
        calendar::start_of_month(now, tz),
    ];
    let mut apps: BTreeMap<String, App> = BTreeMap::new();
    for row in store.app_spend(account, &starts, now)? {
        let app = apps.entry(row.app).or_default();
        app.spend_usd.add(&row.spend);
        app.burn_usd_per_hour += row.spend[4] / BURN_WINDOW_H as f64;
        if row.priced > 0 {
            app.by_model
                .entry(row.model.clone())
                .or_default()
                .add(&row.spend);
        }
        app.by_project
            .entry(row.project)
            .or_default()
            .add(&row.spend);
        app.tokens += row.tokens;
        if row.unpriced_tokens > 0 {
            *app.unpriced_tokens.entry(row.model).or_default() += row.unpriced_tokens;
        }
    }
    Ok(apps)
}
