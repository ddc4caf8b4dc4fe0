//! What the daemon owns between ticks: the config, the store, the sources and the rules.

use super::{DaemonError, Settings};
use crate::config::Config;
use crate::cycle::{self, Mode};
use crate::notify::{self, Delivery};
use crate::rule::{RuleSet, examples};
use crate::source::{self, Source};
use crate::store::Store;
use jiff::tz::TimeZone;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The daemon's state, moved onto a blocking thread for each step.
pub struct Engine {
    config: Config,
    store: Store,
    sources: Vec<Source>,
    rules: RuleSet,
    rules_dir: PathBuf,
    tz: TimeZone,
    delivery: Delivery,
}

impl Engine {
    /// Opens the store and loads the rules, creating the rules folder with the examples on
    /// the first run.
    pub fn start(settings: &Settings, config: Config, now: i64) -> Result<Engine, DaemonError> {
        let store = Store::open(&settings.paths.database())?;
        let tz = crate::calendar::local_zone();
        let rules_dir = config
            .rules_dir
            .clone()
            .unwrap_or_else(|| settings.paths.rules_dir());
        match examples::install(&rules_dir) {
            Ok(true) => {
                tracing::info!(dir = %rules_dir.display(), "created the rules folder with the example rules")
            }
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(dir = %rules_dir.display(), "cannot create the rules folder: {e}")
            }
        }
        let rules = RuleSet::load(&rules_dir, &tz, now);
        for e in rules.errors() {
            tracing::warn!("rule not loaded: {e}");
        }
        for row in store.requeue_sending(now)? {
            tracing::warn!(
                channel = row.channel,
                rule = row.rule,
                "interrupted while sending \"{}\"; sending it again (it may arrive twice)",
                row.title
            );
        }
        Ok(Engine {
            delivery: Delivery::new(notify::build(&config.notify)),
            sources: source::build(&config),
            config,
            store,
            rules,
            rules_dir,
            tz,
        })
    }

    /// The rules folder in force.
    pub fn rules_dir(&self) -> &Path {
        &self.rules_dir
    }

    /// Reloads the rules, and the config first when `config_file` is given. A broken
    /// config or rule is logged and the last good one stays in force.
    pub fn reload(&mut self, config_file: Option<&Path>, now: i64) {
        if let Some(path) = config_file {
            match Config::load(path) {
                Ok(config) => {
                    self.sources = source::build(&config);
                    // A fresh start for every channel, including one whose credentials were
                    // refused: the fix may be in this config.
                    self.delivery = Delivery::new(notify::build(&config.notify));
                    self.config = config;
                    tracing::info!(file = %path.display(), "config reloaded");
                }
                Err(e) => tracing::error!("{e}; the last good config stays in force"),
            }
        }
        let report = self.rules.reload(&self.tz, now);
        for e in &report.broken {
            tracing::warn!("{e}; the last good version stays in force");
        }
        tracing::info!(
            added = report.added.len(),
            changed = report.changed.len(),
            removed = report.removed.len(),
            broken = report.broken.len(),
            "rules reloaded"
        );
    }

    /// Sends what is due in the outbox; returns how many were delivered.
    pub fn deliver(&mut self, now: i64) -> usize {
        match self.delivery.run(&self.store, now) {
            Ok(pass) => pass.sent,
            Err(e) => {
                tracing::error!("delivery failed: {e}");
                0
            }
        }
    }

    /// Runs one committed cycle at `now`; returns how many notifications it enqueued. A
    /// failing store is logged and the next tick tries again.
    pub fn cycle(&mut self, now: i64) -> usize {
        let started = Instant::now();
        let result = cycle::run(
            &mut self.store,
            &mut self.sources,
            &self.rules,
            &self.config,
            now,
            &self.tz,
            Mode::Commit,
        );
        match result {
            Ok(report) => {
                let failed = report
                    .evaluations
                    .iter()
                    .filter(|e| e.result.is_err())
                    .count();
                let firing = report
                    .applied
                    .alerts
                    .iter()
                    .filter(|a| a.state == "firing")
                    .count();
                tracing::info!(
                    sources = report.outcomes.len(),
                    source_errors = report.outcomes.iter().filter(|o| o.error.is_some()).count(),
                    rules = report.evaluations.len(),
                    rule_errors = failed + report.broken.len(),
                    firing,
                    enqueued = report.applied.enqueued.len(),
                    took_ms = started.elapsed().as_millis() as u64,
                    "cycle"
                );
                report.applied.enqueued.len()
            }
            Err(e) => {
                tracing::error!("cycle failed: {e}");
                0
            }
        }
    }
}
