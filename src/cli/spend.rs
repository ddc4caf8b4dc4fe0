//! `creditwatch spend`: what Claude Code has cost, by app, model, project and day.

use super::Context;
use super::table::Table;
use crate::calendar;
use crate::format::{tokens, usd};
use crate::price::Tokens;
use crate::report::{self, Columns, Query, Rows, period};
use crate::source;
use crate::store::{LogTotals, SpendBucket, Store, StoreError};
use anyhow::Context as _;
use jiff::tz::TimeZone;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Buckets of a quarter hour, so every bucket falls in one local day in every time zone.
const BUCKET_S: i64 = 900;

/// Spend totals over a period; the JSON shape of `spend --json`.
#[derive(Debug, Default, Serialize)]
pub struct Totals {
    /// Start of the period, unix seconds (`null` for all time).
    pub since: Option<i64>,
    /// End of the period, unix seconds.
    pub until: i64,
    /// Billed responses, each counted once.
    pub entries: u64,
    /// Priced spend, USD.
    pub total_usd: f64,
    /// Spend per app.
    pub by_app: BTreeMap<String, f64>,
    /// Spend per base model.
    pub by_model: BTreeMap<String, f64>,
    /// Spend per project folder.
    pub by_project: BTreeMap<String, f64>,
    /// Spend per day (local, or UTC with `--utc`).
    pub by_day: BTreeMap<String, f64>,
    /// Tokens of every response.
    pub tokens: Tokens,
    /// Tokens of models the price table does not know, per model.
    pub unpriced_tokens: BTreeMap<String, u64>,
    /// Transcript lines skipped as malformed (all time).
    pub malformed_lines: u64,
    /// Transcripts whose last line is still being written.
    pub partial_lines: u64,
    /// Transcript lines with usage of a kind creditwatch does not know, skipped (all time).
    pub unknown_lines: u64,
}

/// Rounds away float noise (`0.2381139000000002`) far below a millionth of a cent.
fn round9(v: &mut f64) {
    *v = (*v * 1e9).round() / 1e9;
}

impl Totals {
    fn round(&mut self) {
        round9(&mut self.total_usd);
        for map in [
            &mut self.by_app,
            &mut self.by_model,
            &mut self.by_project,
            &mut self.by_day,
        ] {
            map.values_mut().for_each(round9);
        }
    }

    fn add(&mut self, b: &SpendBucket, day: String) {
        self.entries += b.entries;
        self.total_usd += b.cost_usd;
        *self.by_app.entry(b.app.clone()).or_default() += b.cost_usd;
        if b.priced > 0 {
            *self.by_model.entry(b.model.clone()).or_default() += b.cost_usd;
        }
        *self.by_project.entry(b.project.clone()).or_default() += b.cost_usd;
        *self.by_day.entry(day).or_default() += b.cost_usd;
        self.tokens += b.tokens;
        if b.unpriced_tokens > 0 {
            *self.unpriced_tokens.entry(b.model.clone()).or_default() += b.unpriced_tokens;
        }
    }
}

/// Sums the stored spend for `since..=until`, grouping days in `tz`.
pub fn totals(
    store: &Store,
    account: &str,
    since: Option<i64>,
    until: i64,
    tz: &TimeZone,
    logs: LogTotals,
) -> Result<Totals, StoreError> {
    let mut totals = Totals {
        since,
        until,
        malformed_lines: logs.malformed_lines,
        partial_lines: logs.partial_lines,
        unknown_lines: logs.unknown_lines,
        ..Totals::default()
    };
    let buckets = store.spend_buckets(account, since.unwrap_or(i64::MIN), until, BUCKET_S)?;
    for b in &buckets {
        totals.add(b, calendar::day_label(b.start, tz));
    }
    totals.round();
    Ok(totals)
}

/// `creditwatch spend`'s arguments.
#[derive(Debug, clap::Args)]
pub struct SpendArgs {
    /// Where the report starts: a date (2026-11-01), today, yesterday, this-week,
    /// last-week, this-month, last-month, a duration back from now (7d, 12h), or all.
    /// Default: 30d, or all with `--by month`.
    #[arg(long, value_name = "WHEN")]
    since: Option<String>,
    /// Where it ends, included: the same forms, a date or a name meaning the end of that
    /// day, week or month. Default: now.
    #[arg(long, value_name = "WHEN")]
    until: Option<String>,
    /// The rows: day, week, month, session, block (Claude Code's 5-hour billing window),
    /// model, project or app; then, after a comma, columns: model, project or app
    /// (`--by day,model`). Without it, totals by app, model, project and day.
    #[arg(long, value_name = "ROWS[,COLUMNS]")]
    by: Option<String>,
    /// Count days, weeks and months in UTC instead of the local time zone.
    #[arg(long)]
    utc: bool,
    /// Print JSON: the same rows, columns and totals as the table.
    #[arg(long)]
    json: bool,
    /// The account, from `[[accounts]]`.
    #[arg(long, default_value = crate::DEFAULT_ACCOUNT)]
    account: String,
}

/// Reads `--by`: the rows, and the columns if a second grouping follows a comma.
fn grouping(by: &str) -> anyhow::Result<(Rows, Option<Columns>)> {
    let (rows, columns) = match by.split_once(',') {
        Some((rows, columns)) => (rows.trim(), Some(columns.trim())),
        None => (by.trim(), None),
    };
    let rows = <Rows as clap::ValueEnum>::from_str(rows, true).map_err(|_| {
        anyhow::anyhow!(
            "--by: {rows:?} is not one of day, week, month, session, block, model, project, app"
        )
    })?;
    let columns = match columns {
        None => None,
        Some("model") => Some(Columns::Model),
        Some("project") => Some(Columns::Project),
        Some("app") => Some(Columns::App),
        Some(other) => {
            anyhow::bail!("--by {by}: columns can be model, project or app, not {other:?}")
        }
    };
    let same = matches!(
        (rows, columns),
        (Rows::Model, Some(Columns::Model))
            | (Rows::Project, Some(Columns::Project))
            | (Rows::App, Some(Columns::App))
    );
    if same {
        anyhow::bail!("--by {by}: the rows and the columns are the same");
    }
    Ok((rows, columns))
}

/// Reads the logs, then prints one account's spend: totals, or the report `--by` asks for.
pub fn run(ctx: &Context, args: &SpendArgs) -> anyhow::Result<()> {
    let grouping = args.by.as_deref().map(grouping).transpose()?;
    let tz = if args.utc {
        TimeZone::UTC
    } else {
        calendar::local_zone()
    };
    let default_since = match grouping {
        Some((Rows::Month, _)) => "all",
        _ => "30d",
    };
    let since = args.since.as_deref().unwrap_or(default_since);
    let period = period::parse(since, args.until.as_deref(), ctx.now, &tz)?;
    let config = ctx.load_config()?;
    let account = args.account.as_str();
    if !config.accounts.iter().any(|a| a.name == account) {
        let known: Vec<&str> = config.accounts.iter().map(|a| a.name.as_str()).collect();
        anyhow::bail!(
            "--account: no account named {account:?} (configured: {})",
            known.join(", ")
        );
    }
    let mut working = ctx.working_store()?;
    let store = working.store();
    for s in &mut source::build(&config) {
        let outcome = s.poll(store, ctx.now)?;
        if let Some(e) = outcome.error {
            eprintln!("creditwatch: {}: {e}", outcome.source);
        }
    }
    let text = if let Some((rows, columns)) = grouping {
        let q = Query {
            account,
            rows,
            columns,
            period,
            now: ctx.now,
        };
        let r = report::build(store, &q, &tz)?;
        match args.json {
            true => serde_json::to_string_pretty(&r).context("encode the report")? + "\n",
            false => super::report_table::render(&r, &tz),
        }
    } else {
        let (since, until) = (period.since, period.until);
        let t = totals(store, account, since, until, &tz, store.log_totals()?)?;
        match args.json {
            true => serde_json::to_string_pretty(&t).context("encode totals")? + "\n",
            false => render(&t, &tz),
        }
    };
    print!("{text}");
    Ok(())
}

/// The totals: each grouping costliest first, with its share; days in time order.
fn render(t: &Totals, tz: &TimeZone) -> String {
    let mut out = format!(
        "Spend, {}: {} in {} responses\n({} input, {} output, {} cache read, {} cache write)\n\n",
        super::report_table::span(t.since, t.until, tz),
        usd(t.total_usd),
        t.entries,
        tokens(t.tokens.input),
        tokens(t.tokens.output),
        tokens(t.tokens.cache_read),
        tokens(t.tokens.cache_write()),
    );
    for (title, map) in [
        ("app", &t.by_app),
        ("model", &t.by_model),
        ("project", &t.by_project),
        ("day", &t.by_day),
    ] {
        let mut entries: Vec<(&String, &f64)> = map.iter().collect();
        if title != "day" {
            entries.sort_by(|a, b| b.1.total_cmp(a.1).then_with(|| a.0.cmp(b.0)));
        }
        let mut table = Table::new(&[title, "spend", "share"]);
        for (k, v) in entries {
            table.row(vec![k.clone(), usd(*v), share(*v, t.total_usd)]);
        }
        if !table.is_empty() {
            let _ = writeln!(out, "By {title}\n{}", table.render());
        }
    }
    for (model, n) in &t.unpriced_tokens {
        let _ = writeln!(out, "Unpriced: {} tokens of {model}", tokens(*n));
    }
    out
}

/// `part` as a percentage of `whole`.
pub(super) fn share(part: f64, whole: f64) -> String {
    match whole > 0.0 {
        true => crate::format::pct(part / whole * 100.0),
        false => "-".to_string(),
    }
}

/// The last `days` local days, newest last, as a report section.
pub(crate) fn recent_days(
    store: &Store,
    now: i64,
    days: i64,
    tz: &TimeZone,
) -> Result<String, StoreError> {
    let since = calendar::start_of_day(now, 1 - days, tz);
    let buckets = store.spend_buckets(crate::DEFAULT_ACCOUNT, since, now, BUCKET_S)?;
    let mut per_day: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
    for b in &buckets {
        *per_day
            .entry(calendar::day_label(b.start, tz))
            .or_default()
            .entry(b.app.clone())
            .or_default() += b.cost_usd;
    }
    let mut table = Table::new(&["day", "spend", "top app"]).text_columns(&[2]);
    for offset in (0..days).rev() {
        let day = calendar::day_label(calendar::start_of_day(now, -offset, tz), tz);
        let apps = per_day.remove(&day).unwrap_or_default();
        let total: f64 = apps.values().sum();
        let top = apps
            .iter()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map_or(String::new(), |(app, v)| format!("{app} {}", usd(*v)));
        table.row(vec![day, usd(total), top]);
    }
    Ok(format!("Last {days} days\n{}", table.render()))
}
