//! Rules: the user's Luau files in the rules folder, each deciding when to tell them what.
//!
//! A rule file returns a table (its contract: description, channels, timing, and a
//! `check(s)` function). [`RuleSet`] loads the folder, keeps the last good version of a
//! file whose new version is broken, and evaluates every rule against the snapshot. Each
//! evaluation runs in a fresh [`sandbox`] with a memory cap and a time budget, so a broken,
//! slow or hostile rule fails alone. What a rule returns becomes [`Alert`]s, which the
//! `alert` module turns into notifications.

mod contract;
mod error;
pub mod examples;
mod folder;
mod helpers;
mod run;
pub mod sandbox;
mod strict;
mod value;
mod verdict;

pub use error::RuleError;
pub use folder::{Evaluation, Reload, RuleSet, is_rule_file, watch};
pub use run::{Input, Open, compile, evaluate, evaluate_measured, open_of};
pub use value::{History, NoHistory};
pub use verdict::{BODY_MAX_BYTES, TITLE_MAX_CHARS};

use serde::Serialize;

/// What a rule says about itself, besides `check`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Meta {
    /// One line on what the rule is for.
    pub description: String,
    /// The channels its notifications go to.
    pub channels: Vec<crate::vocab::Channel>,
    /// How long the condition must hold before it fires, in seconds.
    pub hold_s: i64,
    /// How often to notify again while it keeps firing, in seconds; `None` = never.
    pub repeat_after_s: Option<i64>,
    /// Whether to notify when it stops firing.
    pub notify_resolved: bool,
    /// The metric an email charts over the last 7 days, e.g. `credits.balance_usd`.
    pub chart: Option<String>,
    /// Whom its alerts are about; an account's alerts carry no `instance` label in
    /// Alertmanager, so several machines' copies merge.
    pub scope: crate::vocab::Scope,
}

/// A rule file that compiled and returned a valid contract.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Its name: the file name without `.lua` or `.luau`.
    pub name: String,
    /// The file name in the rules folder.
    pub file: String,
    /// Its contract.
    pub meta: Meta,
    source: String,
    bytecode: Vec<u8>,
}

impl Rule {
    /// The source text this version was compiled from.
    pub fn source(&self) -> &str {
        &self.source
    }
}

/// One alert a rule raised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    /// Tells apart alerts of one rule (e.g. one per app); empty for a rule's single alert.
    pub key: String,
    /// The notification's title.
    pub title: String,
    /// The notification's text.
    pub body: String,
    /// How serious it is.
    pub severity: Severity,
}

pub use crate::vocab::Severity;

#[cfg(test)]
mod tests;
