//! Notifiers and delivery: taking what the alert pass put in the outbox to the user.
//!
//! Each notifier is built once from the config. A delivery pass claims the rows that are
//! due, sends each channel's rows on its own thread (so a slow channel never delays
//! another), then records how each attempt ended: sent; dead after a permanent failure;
//! after a transient one (no desktop notification service, an SMTP server that does not
//! answer) the channel itself backs off, 30 s doubling to 30 min with jitter, and its rows
//! wait for it, so an unreachable channel costs one attempt per backoff however much waits
//! for it; and, when a channel's credentials are refused, the channel is disabled until
//! the config is reloaded, and the user is told once on another channel. A row older than
//! 24 hours expires instead of being sent late. A sending thread that panics puts its
//! rows back to be sent again. Channels that are off in the config get no rows at all
//! (the alert pass enqueues only for the channels [`channels`] names).

mod alertmanager;
pub mod chart;
pub mod compose;
mod delivery;
mod desktop;
mod email;
pub mod reach;
mod webhook;

pub use alertmanager::Alertmanager;
pub use delivery::{Delivery, MAX_AGE_S, Pass, backoff_cap};
pub use desktop::Desktop;
pub use email::{Email, message_id};
pub use webhook::{Webhook, payload};

use crate::config::NotifyConfig;
use crate::store::OutboxRow;
use crate::vocab::{Channel, OutboxState, Severity, Transition};

/// How one delivery attempt failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Worth trying again later: a timeout, a refused connection, a 5xx or 429.
    Transient(String),
    /// Never worth trying again: the receiver rejected this message.
    Permanent(String),
    /// The channel's credentials were refused: every message would fail the same way.
    Refused(String),
}

/// A configured way to reach the user.
pub enum Notifier {
    /// A desktop notification.
    Desktop(Desktop),
    /// An email over SMTP.
    Email(Email),
    /// A JSON POST to a URL.
    Webhook(Webhook),
    /// An alert posted to Alertmanager.
    Alertmanager(Alertmanager),
}

impl Failure {
    /// What went wrong, in words.
    pub fn said(&self) -> String {
        match self {
            Failure::Transient(e) | Failure::Permanent(e) | Failure::Refused(e) => e.clone(),
        }
    }
}

impl Notifier {
    /// The channel rules name it by.
    pub fn channel(&self) -> Channel {
        match self {
            Notifier::Desktop(_) => Channel::Desktop,
            Notifier::Email(_) => Channel::Email,
            Notifier::Webhook(_) => Channel::Webhook,
            Notifier::Alertmanager(_) => Channel::Alertmanager,
        }
    }

    /// Sends one notification on the runtime; `chart` is its PNG chart, for the notifiers
    /// that show one. The desktop's D-Bus call blocks, so it runs on a blocking thread.
    pub async fn send(&self, row: &OutboxRow, chart: Option<&[u8]>) -> Result<(), Failure> {
        match self {
            Notifier::Desktop(d) => {
                let (d, row) = (d.clone(), row.clone());
                tokio::task::spawn_blocking(move || d.deliver(&row))
                    .await
                    .unwrap_or_else(|e| Err(Failure::Transient(format!("desktop: {e}"))))
            }
            Notifier::Email(e) => e.deliver(row, chart).await,
            Notifier::Webhook(w) => w.deliver(row).await,
            Notifier::Alertmanager(a) => a.deliver(row).await,
        }
    }

    /// [`Notifier::send`] from blocking code.
    pub fn deliver(&self, row: &OutboxRow, chart: Option<&[u8]>) -> Result<(), Failure> {
        crate::http::block_on(self.send(row, chart))
    }

    /// `notify test`: sends `row` now and says what happened, step by step.
    pub fn probe(&self, row: &OutboxRow) -> Result<Vec<String>, (Vec<String>, Failure)> {
        let done = |what: &str| vec![what.to_string()];
        match self {
            Notifier::Email(e) => crate::http::block_on(e.probe(row)),
            Notifier::Desktop(d) => d
                .deliver(row)
                .map(|()| done("shown by the desktop's notification service"))
                .map_err(|f| (Vec::new(), f)),
            Notifier::Webhook(w) => crate::http::block_on(w.deliver(row))
                .map(|()| done("accepted by the webhook (HTTP 2xx)"))
                .map_err(|f| (Vec::new(), f)),
            Notifier::Alertmanager(a) => crate::http::block_on(a.deliver(row))
                .map(|()| done("accepted by Alertmanager (HTTP 2xx); it routes it like any alert"))
                .map_err(|f| (Vec::new(), f)),
        }
    }

    /// Whether it reaches the person at this machine, who can fix creditwatch's config
    /// (Alertmanager routes a team's alerts instead).
    fn reaches_the_person(&self) -> bool {
        !matches!(self, Notifier::Alertmanager(_))
    }

    /// Whether it shows charts (so the delivery pass draws them).
    fn shows_charts(&self) -> bool {
        matches!(self, Notifier::Email(_))
    }
}

/// A notification creditwatch sends about itself, not from a rule.
#[derive(Debug, Clone)]
pub struct Notice<'a> {
    /// Names it as a rule would: `creditwatch/...`.
    pub about: &'a str,
    /// What it is about, as a rule's key.
    pub key: &'a str,
    /// Makes each occasion its own notification (`reopened-<now>`).
    pub occasion: String,
    /// The headline.
    pub title: String,
    /// The text.
    pub body: String,
}

impl Notice<'_> {
    /// The outbox row that sends it on `channel`, decided at `now`.
    pub fn row(self, channel: Channel, now: i64) -> OutboxRow {
        let key = crate::alert::idempotency_key(self.about, self.key, 0, &self.occasion, channel);
        OutboxRow {
            id: 0,
            idempotency_key: key,
            rule: self.about.into(),
            key: self.key.into(),
            episode: 0,
            transition: Transition::Notice,
            channel,
            title: self.title,
            body: self.body,
            severity: Severity::Critical,
            figures: serde_json::Value::Null,
            chart: None,
            created_at: now,
            not_before: now,
            state: OutboxState::Pending,
            attempts: 0,
            next_attempt_at: None,
            last_error: None,
            lasting: None,
        }
    }
}

/// The channels that are on in `config`: the ones the alert pass enqueues for.
pub fn channels(config: &NotifyConfig) -> Vec<Channel> {
    Channel::ALL
        .into_iter()
        .filter(|c| match c {
            Channel::Desktop => config.desktop,
            Channel::Email => config.email.is_some(),
            Channel::Webhook => config.webhook.is_some(),
            Channel::Alertmanager => config.alertmanager.is_some(),
        })
        .collect()
}

/// The notifiers the config turns on that this version can send with; `tz` is the user's
/// time zone, for the times an email shows.
pub fn build(config: &NotifyConfig, tz: &jiff::tz::TimeZone) -> Vec<Notifier> {
    let mut out = Vec::new();
    if config.desktop {
        out.push(Notifier::Desktop(Desktop::build(
            config.desktop_bus.clone(),
        )));
    }
    if let Some(e) = &config.email {
        out.push(Notifier::Email(Email::build(e, tz.clone())));
    }
    if let Some(w) = &config.webhook {
        out.push(Notifier::Webhook(Webhook::build(w)));
    }
    if let Some(a) = &config.alertmanager {
        out.push(Notifier::Alertmanager(Alertmanager::build(a)));
    }
    out
}
