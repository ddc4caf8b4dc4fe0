//! Notifications for delivery tests, as the alert pass would enqueue them.

use creditwatch::store::OutboxRow;
use creditwatch::vocab::{Channel, OutboxState, Severity, Transition};

/// A pending notification of the credits rule on `channel`, decided at `at`.
pub fn row(key: &str, channel: Channel, at: i64) -> OutboxRow {
    OutboxRow {
        id: 0,
        idempotency_key: format!("0123456789abcdef{key}-{channel}"),
        rule: "credits-run-out-tomorrow".into(),
        key: key.into(),
        episode: 1,
        transition: Transition::Firing,
        channel,
        title: "Claude credits run out tomorrow".into(),
        body: "$12.50 left".into(),
        severity: Severity::Warning,
        figures: serde_json::json!({"now": at, "credits": {"balance_usd": 12.5}}),
        chart: None,
        created_at: at,
        not_before: at,
        state: OutboxState::Pending,
        attempts: 0,
        next_attempt_at: None,
        last_error: None,
        lasting: None,
    }
}
