//! Source `command`: a user's program that reports a pool or an app (Cursor, a company
//! proxy, ...). It runs on its own interval with a timeout; its stdout is JSON in the
//! shape [`reading`] describes, recorded under the same metric names the built-in sources
//! use, so the snapshot and the rules see it like any other pool. A non-zero exit, a
//! timeout or bad JSON is a health error quoting the first lines of stderr.

pub mod reading;
pub mod run;

use super::gate::{self, Attempt, Poll};
use super::pools::{self, Origin};
use crate::config::CommandConfig;
use crate::store::{Sample, Store, StoreError};

/// The source, built once from its `[[sources.command]]` table.
pub struct CommandSource {
    config: CommandConfig,
}

/// The metric of an app's reported spend over `period`.
pub(crate) fn spend_metric(app: &str, period: &str) -> String {
    format!("app.{app}.spend_usd.{period}")
}

/// The metric of an app's reported tokens of `kind`.
pub(crate) fn tokens_metric(app: &str, kind: &str) -> String {
    format!("app.{app}.tokens.{kind}")
}

impl CommandSource {
    /// Builds the source.
    pub fn build(config: &CommandConfig) -> CommandSource {
        CommandSource {
            config: config.clone(),
        }
    }

    /// Its name, as configured.
    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// The account its readings belong to.
    pub fn account(&self) -> &str {
        &self.config.account
    }

    /// How long the command may run.
    pub fn timeout(&self) -> std::time::Duration {
        self.config.timeout.0
    }

    /// Runs the command on the runtime when it is due at `now` and records what it
    /// reports in `poll`.
    pub async fn poll(&self, store: &Store, now: i64, poll: &mut Poll) -> Result<(), StoreError> {
        let (account, endpoint) = (self.account(), format!("command.{}", self.name()));
        let interval = self.config.interval.as_secs() as i64;
        if gate::wait(store, account, &endpoint, interval, now)?.is_some() {
            return Ok(());
        }
        poll.requests = 1;
        let result = run::run(&self.config.argv, self.config.timeout.0)
            .await
            .map_err(|e| e.to_string())
            .and_then(|out| reading::read(&out).map_err(|e| e.to_string()));
        let error = match result {
            Ok(reading) => {
                poll.read.push(self.record(store, &reading, now)?);
                None
            }
            Err(e) => {
                poll.errors.push(e.clone());
                Some(e)
            }
        };
        // A user's command is paced by its interval alone: a failure is retried on time.
        gate::record(
            store,
            account,
            &endpoint,
            now,
            &Attempt::Answered,
            error.as_deref(),
        )?;
        Ok(())
    }

    fn record(&self, store: &Store, r: &reading::Reading, now: i64) -> Result<String, StoreError> {
        let origin = Origin {
            account: self.account(),
            source: self.name(),
        };
        let mut read = Vec::new();
        if let Some(plan) = &r.plan_name {
            pools::plan_fact(store, origin, crate::names::PLAN_NAME, plan, now)?;
            read.push(format!("plan {plan}"));
        }
        if !r.usage.windows.is_empty() || r.usage.extra.is_some() {
            read.push(pools::usage(store, origin, &r.usage, now)?);
        }
        if let Some(b) = &r.balance {
            read.push(pools::balance(store, origin, b, now)?);
        }
        store.atomically(|store| {
            for app in &r.apps {
                for (period, v) in &app.spend {
                    let metric = spend_metric(&app.name, period);
                    store.record_sample(
                        origin.account,
                        &metric,
                        Sample { t: now, v: *v },
                        origin.source,
                    )?;
                }
                for (kind, n) in &app.tokens {
                    let metric = tokens_metric(&app.name, kind);
                    let sample = Sample {
                        t: now,
                        v: *n as f64,
                    };
                    store.record_sample(origin.account, &metric, sample, origin.source)?;
                }
            }
            Ok(())
        })?;
        read.extend(r.apps.iter().map(|a| format!("app {}", a.name)));
        Ok(read.join(", "))
    }
}
