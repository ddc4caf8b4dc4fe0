//! The snapshot: everything a rule sees, built from the store alone at one instant `now`.
//!
//! Field names are public API (rules and `check --json` use them) and are documented in
//! `rules/README.md`. An unknown value is `None` (JSON `null`, Lua `nil`), never 0.

pub mod advice;
mod api;
mod apps;
pub mod burn;
mod cap;
mod foresee;
mod money;
mod reported;
mod sources;
mod windows;

pub use advice::TopUp;
pub use api::{Api, ApiSpend};
pub use apps::{App, Periods};
pub use money::{AutoReload, Credits, ExtraUsage, RunsOutMeans};
pub use reported::between as reported_between;
pub use sources::SourceHealth;
pub use windows::Window;

use crate::config::Config;
use crate::store::{Store, StoreError};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a rule sees: the default account's tables at the top level (`s.credits`, read in
/// Rust through `Deref` as well), and every account's under `accounts`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Snapshot {
    /// The instant it describes, unix seconds.
    pub now: i64,
    /// The account the top-level tables belong to.
    pub account: String,
    /// That account's tables, at the top level of the JSON.
    #[serde(flatten)]
    pub own: Account,
    /// The same tables for every configured account.
    pub accounts: BTreeMap<String, Account>,
}

impl std::ops::Deref for Snapshot {
    type Target = Account;

    fn deref(&self) -> &Account {
        &self.own
    }
}

/// One account's tables.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Account {
    /// The subscription and its windows.
    pub plan: Plan,
    /// Pay-as-you-go usage beyond the plan; `None` when unknown.
    pub extra_usage: Option<ExtraUsage>,
    /// The prepaid credit balance; `None` when unknown.
    pub credits: Option<Credits>,
    /// API spend from the Admin API; `None` when not configured or not read yet.
    pub api: Option<Api>,
    /// Spend per app.
    pub apps: BTreeMap<String, App>,
    /// Health of each source.
    pub sources: BTreeMap<String, SourceHealth>,
}

/// The subscription.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Plan {
    /// `pro`, `max`, `team`, ...; unknown until a source reports it.
    pub name: Option<String>,
    /// The rate-limit tier the sign-in reports (`default_claude_max_20x`), which tells Max
    /// 5x from Max 20x.
    pub tier: Option<String>,
    /// Does the plan fit: the last 30 days of `creditwatch plan`; `None` when nothing was
    /// read or spent in them.
    pub fit: Option<crate::plan::Fit>,
    /// Live windows by name (`five_hour`, `seven_day`, `seven_day_opus`, ...).
    pub windows: BTreeMap<String, Window>,
}

/// Builds the snapshot of every account at `now`, with local days in `tz`.
pub fn build(
    store: &Store,
    config: &Config,
    now: i64,
    tz: &TimeZone,
) -> Result<Snapshot, StoreError> {
    let mut accounts = BTreeMap::new();
    for a in &config.accounts {
        accounts.insert(
            a.name.clone(),
            build_account(store, config, &a.name, now, tz)?,
        );
    }
    let account_name = crate::DEFAULT_ACCOUNT;
    let account = match accounts.get(account_name) {
        Some(a) => a.clone(),
        None => build_account(store, config, account_name, now, tz)?,
    };
    Ok(Snapshot {
        now,
        account: account_name.to_string(),
        own: account,
        accounts,
    })
}

/// What the status line shows of an account's pools: when the 5-hour window is foreseen
/// full, and the credit balance with when it runs out; the forecasts kept while their
/// readings are the same (`foresee::Seer::glimpse`).
pub struct Glance {
    /// When the 5-hour window is foreseen full before it resets.
    pub five_hour_full_at: Option<i64>,
    /// The credit balance, USD, and when it is foreseen to run out (or reload), when a
    /// source reported one.
    pub credits: Option<(f64, Option<i64>)>,
}

/// The [`Glance`] of `account` at `now`.
pub(crate) fn glance(
    store: &Store,
    account: &str,
    now: i64,
    tz: &TimeZone,
) -> Result<Glance, StoreError> {
    let seer = foresee::Seer::new(store, account, now, tz, foresee::Choosing::Kept);
    Ok(Glance {
        five_hour_full_at: windows::full_at(&seer, store, account, "five_hour", now)?,
        credits: money::balance_glance(&seer, store, account, now, tz)?,
    })
}

fn build_account(
    store: &Store,
    config: &Config,
    account: &str,
    now: i64,
    tz: &TimeZone,
) -> Result<Account, StoreError> {
    // Anthropic's billing months are UTC months.
    let month_ends = crate::calendar::start_of_next_month(now, &TimeZone::UTC);
    let seer = foresee::Seer::new(store, account, now, tz, foresee::Choosing::Daily);
    Ok(Account {
        plan: Plan {
            name: store
                .fact(account, crate::names::PLAN_NAME)?
                .map(|(name, _)| name),
            tier: store
                .fact(account, crate::names::PLAN_TIER)?
                .map(|(tier, _)| tier),
            fit: crate::plan::last_30_days(store, &config.plan, account, now, tz)?,
            windows: windows::build(&seer, store, account, now)?,
        },
        extra_usage: money::extra_usage(&seer, store, account, now, month_ends, tz)?,
        credits: money::credits(&seer, store, account, now, tz)?,
        api: match config.admin {
            Some(_) if account == crate::DEFAULT_ACCOUNT => api::build(store, account, now)?,
            _ => None,
        },
        apps: {
            // A command's report of an app replaces what the logs say of it.
            let mut apps = apps::build(store, account, now, tz)?;
            apps.extend(reported::apps(store, account, now, tz)?);
            cap::apps(apps)
        },
        sources: sources::build(store, config, account, now)?,
    })
}

#[cfg(test)]
mod tests;
