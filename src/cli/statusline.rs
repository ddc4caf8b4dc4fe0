//! `creditwatch statusline`: Claude Code's status line command. It must never break the
//! status line: whatever goes wrong, it prints a short line and exits 0.

use super::Context;
use crate::calendar;
use crate::source::{claude_code_logs, statusline};
use crate::store::{Store, StoreError};
use std::io::{Read, Write};
use std::process::ExitCode;
use std::time::Duration;

/// How long the status line waits for a database another process is writing.
const BUSY_WAIT: Duration = Duration::from_millis(25);
/// The most input read from stdin.
const MAX_INPUT: u64 = 1 << 20;

/// Reads stdin, records it, prints the line; always exits 0.
pub fn run(ctx: &Context) -> ExitCode {
    let line = std::panic::catch_unwind(|| line_for_stdin(ctx))
        .unwrap_or_else(|_| "creditwatch: internal error".to_string());
    let mut out = std::io::stdout().lock();
    // A closed pipe is not our failure to report.
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
    ExitCode::SUCCESS
}

fn line_for_stdin(ctx: &Context) -> String {
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin().take(MAX_INPUT).read_to_end(&mut input) {
        tracing::warn!(error = %e, "cannot read status line input");
    }
    let Some(status) = statusline::parse(&input) else {
        return "creditwatch: no status input".to_string();
    };
    let extras = match record_and_read(ctx, &status) {
        Ok(extras) => extras,
        Err(e) => {
            tracing::warn!(error = %e, "status line store");
            statusline::Extras::default()
        }
    };
    statusline::render(&status, &extras, ctx.now, &calendar::local_zone())
}

/// The account whose Claude Code runs this status line: the one whose
/// `claude_config_dir` is Claude Code's `CLAUDE_CONFIG_DIR`, else the default.
fn account_for(ctx: &Context, config_dir: Option<std::ffi::OsString>) -> String {
    let default = crate::DEFAULT_ACCOUNT.to_string();
    let Some(dir) = config_dir.filter(|d| !d.is_empty()) else {
        return default;
    };
    let dir = crate::paths::expand_tilde(std::path::Path::new(&dir));
    let Ok(config) = ctx.load_config() else {
        return default;
    };
    config
        .accounts
        .into_iter()
        .find(|a| a.claude_config_dir.as_deref() == Some(dir.as_path()))
        .map_or(default, |a| a.name)
}

fn record_and_read(
    ctx: &Context,
    status: &statusline::Status,
) -> Result<statusline::Extras, StoreError> {
    let account = &account_for(ctx, std::env::var_os("CLAUDE_CONFIG_DIR"));
    let store = Store::open_with_timeout(&ctx.paths.database(), BUSY_WAIT)?;
    if let Err(e) = statusline::record(&store, account, status, ctx.now) {
        // Still show what the store knows when it is busy.
        tracing::warn!(error = %e, "cannot record status");
    }
    let logs_ran = store
        .health(account)?
        .iter()
        .any(|h| h.source == claude_code_logs::NAME);
    let today_usd = if logs_ran {
        let tz = calendar::local_zone();
        let since = calendar::start_of_day(ctx.now, 0, &tz);
        Some(store.total_spend(account, since, ctx.now)?)
    } else {
        None
    };
    let glance = crate::snapshot::glance(&store, account, ctx.now, &calendar::local_zone())?;
    Ok(statusline::Extras {
        today_usd,
        credits_usd: glance.credits.map(|(usd, _)| usd),
        credits_run_out_at: glance.credits.and_then(|(_, at)| at),
        full_at: glance
            .five_hour_full_at
            .map(|t| ("five_hour".to_string(), t))
            .into_iter()
            .collect(),
    })
}
