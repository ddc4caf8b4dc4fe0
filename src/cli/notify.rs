//! `creditwatch notify test CHANNEL`: a real test message through one configured channel,
//! and exactly what happened.

use super::Context;
use crate::notify::{self, Failure};
use crate::store::OutboxRow;
use crate::vocab::{Channel, OutboxState, Severity, Transition};

/// Sends a test message on `channel`; an error when it is not configured or fails.
pub fn test(ctx: &Context, name: &str) -> anyhow::Result<()> {
    let config = ctx.load_config()?;
    let Some(channel) = Channel::parse(name) else {
        anyhow::bail!(
            "no channel named {name:?}; the channels are {}",
            Channel::list(", ")
        );
    };
    let notifiers = notify::build(&config.notify, &crate::calendar::local_zone());
    let Some(n) = notifiers.iter().find(|n| n.channel() == channel) else {
        anyhow::bail!(
            "{channel} is not set up: see [notify.{channel}] in the README (config file {})",
            ctx.config_file.display()
        );
    };
    let row = test_row(channel, ctx.now);
    println!("{channel}: sending a test notification...");
    match n.probe(&row) {
        Ok(steps) => {
            for s in steps {
                println!("  ok: {s}");
            }
            Ok(())
        }
        Err((steps, failure)) => {
            for s in steps {
                println!("  ok: {s}");
            }
            let (kind, e) = match failure {
                Failure::Transient(e) => ("failed", e),
                Failure::Permanent(e) => ("refused (would not be retried)", e),
                Failure::Refused(e) => ("credentials refused (the channel would be turned off)", e),
            };
            anyhow::bail!("{channel}: {kind}: {e}")
        }
    }
}

fn test_row(channel: Channel, now: i64) -> OutboxRow {
    OutboxRow {
        id: 0,
        idempotency_key: format!("test-{now}"),
        rule: "creditwatch/test".into(),
        key: String::new(),
        episode: 0,
        transition: Transition::Notice,
        channel,
        title: "creditwatch test notification".into(),
        body: "If you can read this, creditwatch can reach you here.".into(),
        severity: Severity::Info,
        figures: serde_json::Value::Null,
        chart: None,
        created_at: now,
        not_before: now,
        state: OutboxState::Sending,
        attempts: 1,
        next_attempt_at: None,
        last_error: None,
        // A test alert in Alertmanager ends by itself five minutes later.
        lasting: (channel == Channel::Alertmanager).then(|| crate::store::Lasting {
            account: String::new(),
            scope: crate::vocab::Scope::Machine,
            starts_at: now,
            ends_at: now + 300,
        }),
    }
}
