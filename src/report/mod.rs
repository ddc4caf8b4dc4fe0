//! Spend reports: the stored responses of a period grouped into rows (days, weeks, months,
//! sessions, 5-hour blocks, models, projects or apps), optionally split into columns
//! (by model, project or app), with tokens, cost and each row's share of the total.
//!
//! A report is built from the store and `now` only; `creditwatch spend` prints it as a
//! table or as JSON of the same shape.

pub mod blocks;
pub mod period;

use crate::calendar;
use crate::price::Tokens;
use crate::store::{Response, Store, StoreError};
use jiff::tz::TimeZone;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

pub use blocks::Block;
pub use period::{Period, PeriodError};

/// What the rows of a report are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Rows {
    /// Local days (`2026-11-01`).
    Day,
    /// Local calendar weeks from Monday, named by their Monday.
    Week,
    /// Local months (`2026-11`).
    Month,
    /// Claude Code sessions.
    Session,
    /// Claude Code's 5-hour billing blocks.
    Block,
    /// Base models.
    Model,
    /// Project folders.
    Project,
    /// Apps.
    App,
}

/// What the columns of a report split each row's cost by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Columns {
    /// Base models.
    Model,
    /// Project folders.
    Project,
    /// Apps.
    App,
}

impl Rows {
    /// Whether rows are spans of time, shown oldest first rather than by cost.
    pub(crate) fn in_time(self) -> bool {
        matches!(self, Rows::Day | Rows::Week | Rows::Month | Rows::Block)
    }
}

/// What a report is asked for.
#[derive(Debug, Clone, Copy)]
pub struct Query<'a> {
    /// The account.
    pub account: &'a str,
    /// The rows.
    pub rows: Rows,
    /// The columns, if any.
    pub columns: Option<Columns>,
    /// The period.
    pub period: Period,
    /// Now, unix seconds: whether a block is still going on.
    pub now: i64,
}

/// One row of a report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Row {
    /// What the row is: a date, week start, month, session id, block start
    /// (`2026-11-30T09:00:00Z`), model, project or app; `total` for the totals.
    pub key: String,
    /// Priced spend, USD.
    pub cost_usd: f64,
    /// Its share of the report's cost, 0 to 1.
    pub share: f64,
    /// Responses.
    pub entries: u64,
    /// Tokens.
    pub tokens: Tokens,
    /// The models used, costliest first.
    pub models: Vec<String>,
    /// Cost by column value, when the report has columns.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub columns: BTreeMap<String, f64>,
    /// The first and last response, unix seconds (sessions and blocks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_at: Option<i64>,
    /// See `first_at`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_at: Option<i64>,
    /// The project a session ran in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// A block's span, and for the one going on, its time left and projected cost.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block: Option<Block>,
}

/// A report: its rows, their total, and the tokens no price covers.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The first second counted (`null` for all time).
    pub since: Option<i64>,
    /// The last second counted.
    pub until: i64,
    /// The time zone days, weeks and months are counted in.
    pub zone: String,
    /// What the rows are.
    pub by: Rows,
    /// What the columns are, if any.
    pub columns: Option<Columns>,
    /// The rows: spans of time oldest first, the others costliest first.
    pub rows: Vec<Row>,
    /// Every row together.
    pub total: Row,
    /// Tokens of models no price covers, by model (not in any cost).
    pub unpriced_tokens: BTreeMap<String, u64>,
}

/// A row being summed.
#[derive(Default)]
struct Sum {
    row: Row,
    models: HashMap<String, f64>,
    projects: HashMap<String, f64>,
}

impl Sum {
    fn add(&mut self, r: &Response, column: Option<&str>) {
        let cost = r.cost_usd.unwrap_or(0.0);
        let row = &mut self.row;
        row.cost_usd += cost;
        row.entries += 1;
        row.tokens += r.tokens;
        row.first_at = Some(row.first_at.map_or(r.t, |f| f.min(r.t)));
        row.last_at = Some(row.last_at.map_or(r.t, |l| l.max(r.t)));
        *self.models.entry(r.model.clone()).or_default() += cost;
        *self.projects.entry(r.project.clone()).or_default() += cost;
        if let Some(c) = column {
            *row.columns.entry(c.to_string()).or_default() += cost;
        }
    }

    fn finish(mut self, key: String) -> Row {
        self.row.key = key;
        self.row.models = costliest(self.models);
        self.row.cost_usd = round9(self.row.cost_usd);
        self.row.columns.values_mut().for_each(|v| *v = round9(*v));
        self.row.project = costliest(self.projects).into_iter().next();
        self.row
    }
}

/// Keys by cost, largest first (then by name, so the order is stable).
fn costliest(costs: HashMap<String, f64>) -> Vec<String> {
    let mut all: Vec<(String, f64)> = costs.into_iter().collect();
    all.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    all.into_iter().map(|(k, _)| k).collect()
}

/// Rounds away float noise far below a millionth of a cent.
fn round9(v: f64) -> f64 {
    (v * 1e9).round() / 1e9
}

/// The key of the row a response falls in, for every grouping but blocks.
fn row_key(rows: Rows, r: &Response, tz: &TimeZone) -> String {
    match rows {
        Rows::Day => calendar::day_label(r.t, tz),
        Rows::Week => calendar::day_label(calendar::start_of_week(r.t, 0, tz), tz),
        Rows::Month => calendar::day_label(r.t, tz)[..7].to_string(),
        Rows::Session if r.session.is_empty() => "unknown".to_string(),
        Rows::Session => r.session.clone(),
        Rows::Model => r.model.clone(),
        Rows::Project => r.project.clone(),
        Rows::App | Rows::Block => r.app.clone(),
    }
}

fn column_key(columns: Columns, r: &Response) -> &str {
    match columns {
        Columns::Model => &r.model,
        Columns::Project => &r.project,
        Columns::App => &r.app,
    }
}

/// Builds the report `q` asks for, counting days, weeks and months in `tz`.
pub fn build(store: &Store, q: &Query<'_>, tz: &TimeZone) -> Result<Report, StoreError> {
    let mut sums: BTreeMap<Key, Sum> = BTreeMap::new();
    let mut total = Sum::default();
    let mut unpriced: BTreeMap<String, u64> = BTreeMap::new();
    let mut cutter = blocks::Cutter::default();
    // A block depends on the blocks before it: they are cut from the first response on,
    // and those that end before the period are left out.
    let read_from = match q.rows {
        Rows::Block => i64::MIN,
        _ => q.period.since.unwrap_or(i64::MIN),
    };
    let since = q.period.since.unwrap_or(i64::MIN);
    store.each_response(q.account, read_from, q.period.until, |r| {
        let key = match q.rows {
            Rows::Block => match cutter.start_of(r.t) {
                start if start + blocks::LENGTH_S <= since => return,
                start => Key::Block(start),
            },
            rows => Key::Text(row_key(rows, &r, tz)),
        };
        let column = q.columns.map(|c| column_key(c, &r));
        sums.entry(key).or_default().add(&r, column);
        total.add(&r, column);
        if r.cost_usd.is_none() {
            *unpriced.entry(r.model.clone()).or_default() += r.tokens.total();
        }
    })?;
    let mut rows: Vec<Row> = sums
        .into_iter()
        .map(|(key, sum)| finish_row(q, sum, key))
        .collect();
    let total = total.finish("total".to_string());
    for row in &mut rows {
        row.share = share(row.cost_usd, total.cost_usd);
    }
    sort(&mut rows, q.rows);
    Ok(Report {
        since: q.period.since,
        until: q.period.until,
        zone: tz.iana_name().unwrap_or("UTC").to_string(),
        by: q.rows,
        columns: q.columns,
        rows,
        total: Row {
            share: share(total.cost_usd, total.cost_usd),
            project: None,
            first_at: None,
            last_at: None,
            ..total
        },
        unpriced_tokens: unpriced,
    })
}

/// What a row sums: a 5-hour block by its start, or everything with one name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    /// The block starting then.
    Block(i64),
    /// A day, week, month, session, model, project or app.
    Text(String),
}

/// A summed row with what only its grouping has: a session's project and span, a block's
/// span and projection.
fn finish_row(q: &Query<'_>, sum: Sum, key: Key) -> Row {
    let (mut row, start) = match key {
        Key::Block(start) => (sum.finish(blocks::key(start)), Some(start)),
        Key::Text(text) => (sum.finish(text), None),
    };
    match (q.rows, start) {
        (Rows::Session, _) => {}
        (Rows::Block, Some(start)) => {
            row.block = Some(Block::of(start, &row, q.now));
            row.project = None;
        }
        _ => {
            row.project = None;
            row.first_at = None;
            row.last_at = None;
        }
    }
    row
}

fn share(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        round9(part / whole)
    } else {
        0.0
    }
}

/// Spans of time oldest first; the rest costliest first, then by name.
fn sort(rows: &mut [Row], by: Rows) {
    if by.in_time() {
        return;
    }
    rows.sort_by(|a, b| {
        b.cost_usd
            .total_cmp(&a.cost_usd)
            .then_with(|| a.key.cmp(&b.key))
    });
}

#[cfg(test)]
mod tests;
