//! What a cycle hands out besides its alerts: what the web server shows until the next
//! cycle (the snapshot, the dashboard page, the Prometheus page) and the remote-write push
//! when one is due.

use super::Engine;
use crate::cycle;

impl Engine {
    /// What the cycle hands out: what the web server shows until the next cycle (the
    /// snapshot's JSON and the page when the dashboard is on, the Prometheus page when
    /// `/metrics` is) and the push batch when one is due. The alerts and the outbox counts
    /// they share are read once, and not at all when nothing is on.
    pub(super) fn outputs(
        &mut self,
        report: &cycle::Report,
        now: i64,
    ) -> (
        Option<crate::web::Published>,
        Option<crate::remote_write::Batch>,
    ) {
        let push_due = self.config.remote_write.as_ref().is_some_and(|rw| {
            let every = rw.interval.as_secs() as i64;
            self.pushed_at.is_none_or(|t| now - t >= every || now < t)
        });
        let (dashboard, metrics) = (
            self.config.dashboard.is_some(),
            self.config.metrics_listen.is_some(),
        );
        if !dashboard && !metrics && !push_due {
            return (None, None);
        }
        // An unreadable store is not "no alerts, nothing waiting": the page, /metrics and
        // the push keep their last figures this cycle rather than show zeros.
        let read = self
            .store
            .alerts()
            .and_then(|a| Ok((a, self.store.outbox_counts()?)));
        let (alerts, outbox) = match read {
            Ok(both) => both,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the alerts or the outbox: the page, /metrics and the push keep their last figures");
                return (None, None);
            }
        };
        let counts = crate::metrics::Counts {
            alerts: &alerts,
            outbox: &outbox,
            now,
        };
        let push = push_due
            .then(|| self.push(&report.snapshot, &counts))
            .flatten();
        let published = (dashboard || metrics).then(|| {
            use std::sync::Arc;
            let mut published = crate::web::Published {
                now,
                ..crate::web::Published::default()
            };
            if metrics {
                published.metrics = Arc::new(crate::metrics::render(&report.snapshot, &counts));
            }
            if dashboard {
                match serde_json::to_string_pretty(&report.snapshot) {
                    Ok(json) => published.snapshot = Arc::new(json),
                    Err(e) => {
                        // A bug, not a state: the API keeps the last snapshot it served.
                        tracing::error!(error = %e, "cannot encode the snapshot for the dashboard");
                        return None;
                    }
                }
                published.page = Arc::new(self.page(report, &counts));
            }
            Some(published)
        });
        (published.flatten(), push)
    }

    /// The push batch of this cycle's series.
    fn push(
        &mut self,
        snapshot: &crate::snapshot::Snapshot,
        counts: &crate::metrics::Counts,
    ) -> Option<crate::remote_write::Batch> {
        let rw = self.config.remote_write.as_ref()?;
        self.pushed_at = Some(counts.now);
        let who = crate::remote_write::series::Identity {
            instance: crate::paths::host_name(),
            extra: rw.labels.clone(),
        };
        match crate::remote_write::series::collect(&self.store, snapshot, counts, &who, counts.now)
        {
            Ok(series) => match crate::remote_write::Batch::of(&series, counts.now) {
                Ok(batch) => Some(batch),
                Err(e) => {
                    tracing::error!(error = %e, "cannot compress the series to push");
                    None
                }
            },
            Err(e) => {
                tracing::error!(error = %e, "cannot read the series to push");
                None
            }
        }
    }

    /// The dashboard page for this cycle.
    fn page(&self, report: &cycle::Report, counts: &crate::metrics::Counts) -> String {
        let snapshot = &report.snapshot;
        let now = snapshot.now;
        let credits = snapshot
            .accounts
            .keys()
            .map(|a| {
                let h = self
                    .store
                    .history(a, crate::names::CREDITS_BALANCE, now - 7 * 86_400, now);
                // The page still renders without the chart; the cause is in the log.
                let h = h.unwrap_or_else(|e| {
                    tracing::warn!(account = %a, error = %e, "cannot read the balance's week for the dashboard");
                    Vec::new()
                });
                (a.clone(), h)
            })
            .collect();
        let rule_errors: Vec<crate::rule::RuleError> = report
            .broken
            .iter()
            .cloned()
            .chain(
                report
                    .evaluations
                    .iter()
                    .filter_map(|e| e.result.clone().err()),
            )
            .collect();
        crate::web::page::render(&crate::web::page::Input {
            snapshot,
            credits: &credits,
            alerts: counts.alerts,
            rule_errors: &rule_errors,
            outbox_waiting: counts.waiting(),
            tz: &self.tz,
        })
    }
}
