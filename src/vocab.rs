//! The closed sets of words creditwatch stores and shows: a rule's severity, an alert's
//! state, a notification's transition, its channel and its outbox state.
//!
//! Each is an enum, so a misspelt state cannot compile. In the database and in JSON each is
//! its lowercase word (`firing`, `repeat-2`), as before they were typed, so stored rows and
//! what scripts read do not change.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use std::fmt;

/// A word that is not one of its set's, read from the database.
#[derive(Debug, thiserror::Error)]
#[error("unknown {set} {word:?} in the database")]
pub struct UnknownWord {
    /// Which set: "severity", "alert state", ...
    pub set: &'static str,
    /// What was found.
    pub word: String,
}

/// Implements the word conversions of an enum of unit variants.
macro_rules! words {
    ($name:ident, $set:literal, { $($variant:ident => $word:literal),+ $(,)? }) => {
        impl $name {
            /// Its word.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word),+
                }
            }

            /// The value a word names, if any.
            pub fn parse(word: &str) -> Option<$name> {
                match word {
                    $($word => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                let word = value.as_str()?;
                $name::parse(word).ok_or_else(|| unknown($set, word))
            }
        }
    };
}

fn unknown(set: &'static str, word: &str) -> FromSqlError {
    FromSqlError::Other(Box::new(UnknownWord {
        set,
        word: word.to_string(),
    }))
}

/// How urgent an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Severity {
    /// For information.
    Info,
    /// Needs attention soon.
    #[default]
    Warning,
    /// Needs attention now.
    Critical,
}

words!(Severity, "severity", {
    Info => "info",
    Warning => "warning",
    Critical => "critical",
});

/// Where an alert instance is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlertState {
    /// Its condition does not hold.
    Inactive,
    /// Its condition holds, for less than the rule's `hold`.
    Pending,
    /// Its condition has held long enough: it notified.
    Firing,
}

words!(AlertState, "alert state", {
    Inactive => "inactive",
    Pending => "pending",
    Firing => "firing",
});

/// Where a notification goes: the notifiers a rule names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Channel {
    /// A desktop notification.
    Desktop,
    /// An email.
    Email,
    /// A JSON POST.
    Webhook,
    /// An alert posted to Alertmanager, told again while it lasts.
    Alertmanager,
}

words!(Channel, "channel", {
    Desktop => "desktop",
    Email => "email",
    Webhook => "webhook",
    Alertmanager => "alertmanager",
});

impl Channel {
    /// Every channel, in the order they are listed to people.
    pub const ALL: [Channel; 4] = [
        Channel::Desktop,
        Channel::Email,
        Channel::Webhook,
        Channel::Alertmanager,
    ];

    /// Every channel's word, joined by `sep` (for messages that list them).
    pub fn list(sep: &str) -> String {
        Channel::ALL.map(Channel::as_str).join(sep)
    }
}

/// Where a notification is in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutboxState {
    /// Waiting to be sent (perhaps for quiet hours to end).
    Pending,
    /// Claimed by a sender.
    Sending,
    /// Delivered.
    Sent,
    /// Failed for now; tried again at `next_attempt_at`.
    Retry,
    /// Failed for good.
    Dead,
    /// Too old to be worth sending.
    Expired,
}

words!(OutboxState, "outbox state", {
    Pending => "pending",
    Sending => "sending",
    Sent => "sent",
    Retry => "retry",
    Dead => "dead",
    Expired => "expired",
});

impl OutboxState {
    /// Every state, in the order a notification goes through them.
    pub const ALL: [OutboxState; 6] = [
        OutboxState::Pending,
        OutboxState::Sending,
        OutboxState::Retry,
        OutboxState::Sent,
        OutboxState::Dead,
        OutboxState::Expired,
    ];

    /// The states of a notification that still waits to be sent: the outbox's backlog.
    pub const WAITING: [OutboxState; 3] = [
        OutboxState::Pending,
        OutboxState::Sending,
        OutboxState::Retry,
    ];

    /// Whether a notification in this state still waits to be sent.
    pub(crate) fn is_waiting(self) -> bool {
        Self::WAITING.contains(&self)
    }
}

/// Whom an alert is about: the Claude account (its pools look the same from every machine
/// signed in to it) or this machine (its transcripts, its sources). Alertmanager merges an
/// account's alerts from several machines because they carry no `instance` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// The account's pools: plan windows, extra usage, credits, API billing.
    #[default]
    Account,
    /// This machine: labelled with its host name.
    Machine,
}

words!(Scope, "scope", {
    Account => "account",
    Machine => "machine",
});

/// What a notification announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transition {
    /// The alert started firing.
    Firing,
    /// The alert still fires: the `n`th reminder of its episode.
    Repeat(u32),
    /// The alert stopped firing.
    Resolved,
    /// Not an alert's: a notice creditwatch sends about itself (a channel turned off, a
    /// database started anew) or a test notification.
    Notice,
}

/// The words earlier versions stored for notices, each with its occasion after it.
const OLD_NOTICES: &[&str] = &["disabled-", "reopened-", "broken-"];

impl Transition {
    /// Its word: `firing`, `repeat-2`, `resolved`.
    pub fn word(self) -> String {
        match self {
            Transition::Firing => "firing".into(),
            Transition::Repeat(n) => format!("repeat-{n}"),
            Transition::Resolved => "resolved".into(),
            Transition::Notice => "notice".into(),
        }
    }

    /// The transition a word names, if any.
    pub fn parse(word: &str) -> Option<Transition> {
        match word {
            "firing" => Some(Transition::Firing),
            "resolved" => Some(Transition::Resolved),
            "notice" | "test" => Some(Transition::Notice),
            _ if OLD_NOTICES.iter().any(|p| word.starts_with(p)) => Some(Transition::Notice),
            _ => word
                .strip_prefix("repeat-")
                .and_then(|n| n.parse().ok())
                .map(Transition::Repeat),
        }
    }
}

impl fmt::Display for Transition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.word())
    }
}

impl serde::Serialize for Transition {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.word())
    }
}

impl ToSql for Transition {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.word()))
    }
}

impl FromSql for Transition {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let word = value.as_str()?;
        Transition::parse(word).ok_or_else(|| unknown("transition", word))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_read_back_as_what_they_were_and_strangers_are_named() {
        for t in [
            Transition::Firing,
            Transition::Repeat(3),
            Transition::Resolved,
            Transition::Notice,
        ] {
            assert_eq!(Transition::parse(&t.word()), Some(t));
        }
        assert_eq!(
            Transition::parse("disabled-1795190400"),
            Some(Transition::Notice),
            "rows stored before the words were typed still read"
        );
        assert_eq!(Transition::parse("repeat-x"), None);
        for d in OutboxState::ALL {
            assert_eq!(OutboxState::parse(d.as_str()), Some(d));
        }
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let read: Result<AlertState, _> = conn.query_row("SELECT 'fiering'", [], |r| r.get(0));
        let err = read.unwrap_err().to_string();
        assert!(err.contains("unknown alert state \"fiering\""), "{err}");
        let back: Severity = conn
            .query_row("SELECT ?1", [Severity::Critical], |r| r.get(0))
            .unwrap();
        assert_eq!(back, Severity::Critical);
        assert_eq!(
            serde_json::to_string(&Transition::Repeat(2)).unwrap(),
            "\"repeat-2\""
        );
    }

    #[test]
    fn channels_read_back_and_line_up_in_tables() {
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
        }
        assert_eq!(Channel::parse("sms"), None);
        assert_eq!(Channel::list(", "), "desktop, email, webhook, alertmanager");
        assert_eq!(format!("{:<9}|", Channel::Email), "email    |");
        assert_eq!(format!("{:>8}|", Transition::Resolved), "resolved|");
        assert_eq!(format!("{:>9}|", Transition::Repeat(2)), " repeat-2|");
        assert!(OutboxState::WAITING.iter().all(|s| s.is_waiting()));
        assert!(!OutboxState::Sent.is_waiting());
    }
}
