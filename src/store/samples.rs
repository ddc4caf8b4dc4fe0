//! Time series per (account, metric): plan window levels, balances, anything a pool reports.

use super::{Store, StoreError};
use rusqlite::{OptionalExtension, params};

/// One observation of a metric.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// When it was observed, unix seconds.
    pub t: i64,
    /// The value.
    pub v: f64,
}

impl Store {
    /// Records a sample; a second one for the same second replaces the first.
    pub fn record_sample(
        &self,
        account: &str,
        metric: &str,
        sample: Sample,
        source: &str,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO samples (account, metric, t, v, source) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(account, metric, t) DO UPDATE SET v = excluded.v, source = excluded.source",
            )
            .and_then(|mut s| s.execute(params![account, metric, sample.t, sample.v, source]))
            .map(|_| ())
            .map_err(self.err("record sample"))
    }

    /// The newest sample of a metric at or before `until`, with the source that recorded it.
    pub(crate) fn last_sample(
        &self,
        account: &str,
        metric: &str,
        until: i64,
    ) -> Result<Option<(Sample, String)>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT t, v, source FROM samples WHERE account = ?1 AND metric = ?2 AND t <= ?3
                 ORDER BY t DESC LIMIT 1",
            )
            .and_then(|mut s| {
                s.query_row(params![account, metric, until], |r| {
                    Ok((
                        Sample {
                            t: r.get(0)?,
                            v: r.get(1)?,
                        },
                        r.get(2)?,
                    ))
                })
                .optional()
            })
            .map_err(self.err("read sample"))
    }

    /// Every sample of a metric with `since <= t <= until`, oldest first.
    pub fn samples(
        &self,
        account: &str,
        metric: &str,
        since: i64,
        until: i64,
    ) -> Result<Vec<Sample>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT t, v FROM samples WHERE account = ?1 AND metric = ?2 AND t >= ?3 AND t <= ?4
                 ORDER BY t",
            )
            .map_err(self.err("read samples"))?;
        let rows = stmt
            .query_map(params![account, metric, since, until], |r| {
                Ok(Sample {
                    t: r.get(0)?,
                    v: r.get(1)?,
                })
            })
            .map_err(self.err("read samples"))?;
        rows.collect::<Result<_, _>>()
            .map_err(self.err("read samples"))
    }

    /// The highest value of a metric in each bucket of `bucket_secs` (aligned to the unix
    /// epoch) with `since <= t <= until`, as (bucket start, highest), oldest first: what a
    /// day's peak needs, without reading every sample into memory.
    pub(crate) fn peaks(
        &self,
        account: &str,
        metric: &str,
        since: i64,
        until: i64,
        bucket_secs: i64,
    ) -> Result<Vec<Sample>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT (t / ?5) * ?5 AS b, MAX(v) FROM samples
                 WHERE account = ?1 AND metric = ?2 AND t >= ?3 AND t <= ?4
                 GROUP BY b ORDER BY b",
            )
            .map_err(self.err("read peaks"))?;
        let rows = stmt
            .query_map(
                params![account, metric, since, until, bucket_secs.max(1)],
                |r| {
                    Ok(Sample {
                        t: r.get(0)?,
                        v: r.get(1)?,
                    })
                },
            )
            .map_err(self.err("read peaks"))?;
        rows.collect::<Result<_, _>>()
            .map_err(self.err("read peaks"))
    }

    /// What `s.history` and a rule's chart read: the stored samples of `metric`, or for
    /// `apps.<app>.spend_usd` what that app spent in each hour (one point per hour it spent
    /// in, at the hour's start), with `since <= t <= until`, oldest first.
    pub fn history(
        &self,
        account: &str,
        metric: &str,
        since: i64,
        until: i64,
    ) -> Result<Vec<(i64, f64)>, StoreError> {
        let Some(app) = crate::names::app_of(metric) else {
            let samples = self.samples(account, metric, since, until)?;
            return Ok(samples.into_iter().map(|s| (s.t, s.v)).collect());
        };
        let mut hours: std::collections::BTreeMap<i64, f64> = std::collections::BTreeMap::default();
        for b in self.spend_buckets(account, since, until, 3600)? {
            if b.app == app {
                *hours.entry(b.start).or_default() += b.cost_usd;
            }
        }
        Ok(hours.into_iter().collect())
    }

    /// Names of the metrics of an account that start with `prefix` and end with `suffix`.
    pub fn metrics(
        &self,
        account: &str,
        prefix: &str,
        suffix: &str,
    ) -> Result<Vec<String>, StoreError> {
        // One seek per name: a scan of DISTINCT metric would read every sample.
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT metric FROM samples WHERE account = ?1 AND metric > ?2
                 ORDER BY metric LIMIT 1",
            )
            .map_err(self.err("list metrics"))?;
        let mut names: Vec<String> = Vec::new();
        let mut after = prefix.to_string();
        // Names start at or after `prefix`; a name equal to it has nothing after it.
        after.pop();
        loop {
            let next: Option<String> = stmt
                .query_row(params![account, after], |r| r.get(0))
                .optional()
                .map_err(self.err("list metrics"))?;
            match next {
                Some(name) if name.starts_with(prefix) || name.as_str() < prefix => {
                    after.clone_from(&name);
                    names.push(name);
                }
                _ => break,
            }
        }
        Ok(names
            .into_iter()
            .filter(|m| {
                m.starts_with(prefix)
                    && m.ends_with(suffix)
                    && m.len() > prefix.len() + suffix.len()
            })
            .collect())
    }
}
