//! Politeness state of each network endpoint, and facts that are text rather than numbers
//! (plan name, currencies, organisation): kept in the store so backoff survives a restart.

use super::{Store, StoreError};
use rusqlite::{OptionalExtension, params};

/// The fact that holds an account's email address, from the OAuth profile. It names the
/// account to a team's Alertmanager and Prometheus; the snapshot never holds it.
pub const EMAIL_FACT: &str = "account.email";

/// When an endpoint was last asked and how long it must be left alone.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EndpointState {
    /// When the last request was sent, unix seconds.
    pub last_request_at: i64,
    /// No request before this time, unix seconds.
    pub backoff_until: Option<i64>,
    /// Failures in a row (rate limits, server errors, timeouts) since the last success.
    pub failures: u32,
    /// What the last failure was, repeated while backing off.
    pub last_error: Option<String>,
}

impl Store {
    /// The state of an endpoint, if it was ever asked.
    pub fn endpoint(
        &self,
        account: &str,
        endpoint: &str,
    ) -> Result<Option<EndpointState>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT last_request_at, backoff_until, failures, last_error FROM endpoints
                 WHERE account = ?1 AND endpoint = ?2",
            )
            .and_then(|mut s| {
                s.query_row(params![account, endpoint], |r| {
                    Ok(EndpointState {
                        last_request_at: r.get(0)?,
                        backoff_until: r.get(1)?,
                        failures: r.get(2)?,
                        last_error: r.get(3)?,
                    })
                })
                .optional()
            })
            .map_err(self.err("read endpoint state"))
    }

    /// Records the state of an endpoint after a request.
    pub(crate) fn save_endpoint(
        &self,
        account: &str,
        endpoint: &str,
        state: &EndpointState,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO endpoints
                   (account, endpoint, last_request_at, backoff_until, failures, last_error)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT(account, endpoint) DO UPDATE SET
                   last_request_at = excluded.last_request_at,
                   backoff_until = excluded.backoff_until, failures = excluded.failures,
                   last_error = excluded.last_error",
            )
            .and_then(|mut s| {
                s.execute(params![
                    account,
                    endpoint,
                    state.last_request_at,
                    state.backoff_until,
                    state.failures,
                    state.last_error,
                ])
            })
            .map(|_| ())
            .map_err(self.err("save endpoint state"))
    }

    /// The current value of a text fact, with the time it was reported.
    pub(crate) fn fact(
        &self,
        account: &str,
        key: &str,
    ) -> Result<Option<(String, i64)>, StoreError> {
        self.conn
            .prepare_cached("SELECT value, t FROM facts WHERE account = ?1 AND key = ?2")
            .and_then(|mut s| {
                s.query_row(params![account, key], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
            })
            .map_err(self.err("read fact"))
    }

    /// When a text fact was last reported, without reading its value (a daily choice is
    /// kilobytes of JSON; what changed it is its time).
    pub(crate) fn fact_time(&self, account: &str, key: &str) -> Result<Option<i64>, StoreError> {
        self.conn
            .prepare_cached("SELECT t FROM facts WHERE account = ?1 AND key = ?2")
            .and_then(|mut s| s.query_row(params![account, key], |r| r.get(0)).optional())
            .map_err(self.err("read fact"))
    }

    /// Sets a text fact.
    pub fn set_fact(
        &self,
        account: &str,
        key: &str,
        value: &str,
        t: i64,
        source: &str,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO facts (account, key, value, t, source) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(account, key) DO UPDATE SET value = excluded.value, t = excluded.t,
                   source = excluded.source",
            )
            .and_then(|mut s| s.execute(params![account, key, value, t, source]))
            .map(|_| ())
            .map_err(self.err("record fact"))
    }

    /// The name a team's servers know `account` by: its Claude email address once the
    /// profile has said it (the same on every machine it is used on), else its name here.
    pub(crate) fn account_label(&self, account: &str) -> String {
        match self.fact(account, EMAIL_FACT) {
            Ok(Some((email, _))) => email,
            _ => account.to_string(),
        }
    }
}
