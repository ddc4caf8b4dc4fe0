//! `creditwatch outbox`: notifications waiting to be sent, being retried, or given up on.

use super::Context;
use super::table::Table;
use crate::format::duration;
use crate::store::{OutboxRow, Store};
use crate::vocab::OutboxState;

/// How far back given-up notifications are listed.
const FAILED_SINCE_S: i64 = 7 * 86_400;

/// Prints the backlog and the last week's dead and expired notifications.
pub fn run(ctx: &Context, json: bool) -> anyhow::Result<()> {
    let store = Store::open(&ctx.paths.database())?;
    let waiting = store.outbox_backlog()?;
    let failed = store.outbox_failed(ctx.now - FAILED_SINCE_S)?;
    if json {
        let out = serde_json::json!({"waiting": waiting, "failed": failed});
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    if waiting.is_empty() && failed.is_empty() {
        println!("The outbox is empty: nothing waiting, nothing failed in the last 7 days.");
        return Ok(());
    }
    if !waiting.is_empty() {
        println!("Waiting\n{}", table(&waiting, ctx.now));
    }
    if !failed.is_empty() {
        println!("Not sent (last 7 days)\n{}", table(&failed, ctx.now));
    }
    Ok(())
}

fn table(rows: &[OutboxRow], now: i64) -> String {
    let mut t = Table::new(&["channel", "state", "title", "tries", "next", "error"])
        .text_columns(&[1, 2, 5]);
    for r in rows {
        let next = match (r.state, r.next_attempt_at) {
            (OutboxState::Retry, Some(at)) if at > now => format!("in {}", duration(at - now)),
            (OutboxState::Pending, _) if r.not_before > now => {
                format!("in {} (quiet hours)", duration(r.not_before - now))
            }
            (OutboxState::Pending | OutboxState::Retry, _) => "now".into(),
            _ => "-".into(),
        };
        t.row(vec![
            r.channel.to_string(),
            r.state.to_string(),
            crate::format::truncate(&r.title, 60).to_string(),
            r.attempts.to_string(),
            next,
            r.last_error.clone().unwrap_or_default(),
        ]);
    }
    t.render()
}
