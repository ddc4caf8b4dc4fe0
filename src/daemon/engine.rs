//! What the daemon owns between ticks: the config, the store, the sources and the rules.
//!
//! Before each cycle it checks that the database file it has open is still the one at
//! its path: a database deleted (or replaced) under a running daemon would otherwise take
//! every sample, alert and notification into a file nobody can read. It is opened again
//! (created and migrated), and the user is told once.

use super::DaemonError;
use crate::config::Config;
use crate::cycle::{self, Mode};
use crate::notify::{self, Delivery};
use crate::paths::Paths;
use crate::rule::RuleSet;
use crate::rule::examples::{self, FirstRun};
use crate::source::{self, Source};
use crate::store::Store;
use crate::vocab::{AlertState, Channel};
use jiff::tz::TimeZone;
use std::path::{Path, PathBuf};
use std::time::Instant;
use tokio_util::sync::CancellationToken;

mod outputs;

/// What one cycle produced for the loop.
#[derive(Debug, Default)]
pub struct Cycled {
    /// Notifications enqueued.
    pub enqueued: usize,
    /// The push to a team's Prometheus, when remote write is on and one is due.
    pub push: Option<crate::remote_write::Batch>,
    /// What the web server shows until the next cycle, when it serves anything.
    pub published: Option<crate::web::Published>,
    /// What crashed or failed unexpectedly in this step, for `status`.
    pub crashes: Vec<String>,
}

/// The daemon's state, moved onto a blocking thread for each step.
pub struct Engine {
    config: Config,
    store: Store,
    sources: Vec<Source>,
    rules: RuleSet,
    rules_dir: PathBuf,
    tz: TimeZone,
    delivery: Delivery,
    /// When the last push batch was made, so one is made every `interval`.
    pushed_at: Option<i64>,
}

impl Engine {
    /// Takes the open store and loads the rules, creating the rules folder with the
    /// examples on the first run.
    pub fn start(
        config: Config,
        store: Store,
        paths: &Paths,
        now: i64,
    ) -> Result<Engine, DaemonError> {
        let tz = crate::calendar::local_zone();
        let rules_dir = config.rules_folder(paths);
        let (rules, first) = examples::open_folder(&rules_dir, &tz, now);
        match first {
            FirstRun::Created => {
                tracing::info!(dir = %rules_dir.display(), "created the rules folder with the example rules");
            }
            FirstRun::Existed => {}
            FirstRun::Failed(e) => {
                tracing::warn!(dir = %rules_dir.display(), error = %e, "cannot create the rules folder");
            }
        }
        for e in rules.errors() {
            tracing::warn!(rule = %e.file, error = %e, "rule not loaded");
        }
        for row in store.requeue_sending(now)? {
            tracing::warn!(
                channel = %row.channel,
                rule = row.rule,
                "interrupted while sending \"{}\"; sending it again (it may arrive twice)",
                row.title
            );
        }
        Ok(Engine {
            delivery: Delivery::new(notify::build(&config.notify, &tz), tz.clone()),
            sources: source::build(&config),
            config,
            store,
            rules,
            rules_dir,
            tz,
            pushed_at: None,
        })
    }

    /// The rules folder in force.
    pub fn rules_dir(&self) -> &Path {
        &self.rules_dir
    }

    /// The config in force: the last one that loaded.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Opens the database again when its file was deleted or replaced since it was opened,
    /// and says so in the log and once on a channel (the desktop when it is on).
    fn follow_the_database(&mut self, now: i64) {
        if !self.store.is_detached() {
            return;
        }
        let path = self.store.path().to_path_buf();
        let store = match Store::open(&path) {
            Ok(store) => store,
            Err(e) => {
                tracing::error!(
                    error = %e,
                    "the database was deleted or replaced while creditwatch ran, and cannot \
                     be opened again; trying again at the next cycle"
                );
                return;
            }
        };
        tracing::warn!(
            file = %path.display(),
            "the database was deleted or replaced while creditwatch ran; opened it again \
             (its history starts now; transcripts are read again)"
        );
        self.store = store;
        // Sources remember what they wrote; the new database has none of it.
        self.sources = source::build(&self.config);
        let channels = notify::channels(&self.config.notify);
        let Some(channel) = channels
            .iter()
            .find(|c| **c == Channel::Desktop)
            .or(channels.first())
        else {
            return;
        };
        let notice = notify::Notice {
            about: "creditwatch/database",
            key: "database",
            occasion: format!("reopened-{now}"),
            title: "creditwatch started a new database".into(),
            body: format!(
                "{} was deleted or replaced while creditwatch ran. It made a new one: history \
                 before now is gone from it, and Claude Code's transcripts are read again.",
                path.display()
            ),
        }
        .row(*channel, now);
        if let Err(e) = self.store.enqueue(&notice) {
            tracing::error!(error = %e, "cannot tell that the database was started anew");
        }
    }

    /// Reloads the rules, and the config first when `config_file` is given. A broken
    /// config or rule is logged and the last good one stays in force.
    pub fn reload(&mut self, config_file: Option<&Path>, now: i64) {
        if let Some(path) = config_file {
            let loaded = Config::load(path);
            self.config_loaded(
                loaded.as_ref().err().map(ToString::to_string).as_deref(),
                now,
            );
            match loaded {
                Ok(config) => {
                    self.sources = source::build(&config);
                    // A fresh start for every channel, including one whose credentials were
                    // refused: the fix may be in this config.
                    self.delivery =
                        Delivery::new(notify::build(&config.notify, &self.tz), self.tz.clone());
                    self.config = config;
                    tracing::info!(file = %path.display(), "config reloaded");
                }
                Err(e) => tracing::error!(error = %e, "the last good config stays in force"),
            }
        }
        let report = self.rules.reload(&self.tz, now);
        for e in &report.broken {
            tracing::warn!(rule = %e.file, error = %e, "the last good version stays in force");
        }
        tracing::info!(
            added = report.added.len(),
            changed = report.changed.len(),
            removed = report.removed.len(),
            broken = report.broken.len(),
            "rules reloaded"
        );
    }

    /// Sends what is due in the outbox; returns how many were delivered, and the channels
    /// whose sender crashed.
    pub fn deliver(&mut self, now: i64, stop: &CancellationToken) -> (usize, Vec<String>) {
        match self.delivery.run_until(&self.store, now, stop) {
            Ok(pass) => (
                pass.sent,
                pass.crashed
                    .into_iter()
                    .map(|c| format!("a sender crashed: {c}"))
                    .collect(),
            ),
            Err(e) => {
                tracing::error!(error = %e, "delivery failed");
                (0, Vec::new())
            }
        }
    }

    /// Records that the config file loaded (or not) at a load attempt, so the config
    /// alert is raised or resolved; the notification goes out with the next delivery.
    pub(crate) fn config_loaded(&self, problem: Option<&str>, now: i64) {
        let channels = notify::channels(&self.config.notify);
        let told = crate::alert::config_problem(&self.store, problem, &channels, &self.tz, now);
        if let Err(e) = told {
            tracing::error!(error = %e, "cannot record the config's state");
        }
    }

    /// Runs one committed cycle at `now`. A failing store is logged and the next tick
    /// tries again.
    pub fn cycle(&mut self, now: i64, stop: &CancellationToken) -> Cycled {
        self.follow_the_database(now);
        let started = Instant::now();
        let result = cycle::run(
            &mut self.store,
            &mut self.sources,
            &self.rules,
            &self.config,
            cycle::At {
                now,
                tz: &self.tz,
                stop,
            },
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
                    .filter(|a| a.state == AlertState::Firing)
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
                let (published, push) = self.outputs(&report, now);
                Cycled {
                    enqueued: report.applied.enqueued.len(),
                    push,
                    published,
                    crashes: Vec::new(),
                }
            }
            Err(e @ cycle::CycleError::Snapshot(_)) => Cycled {
                crashes: vec![format!("cycle failed: {e}")],
                ..Cycled::default()
            },
            Err(cycle::CycleError::Store(e)) => {
                tracing::error!(error = %e, "cycle failed; trying again at the next tick");
                Cycled::default()
            }
        }
    }
}
