//! Politeness per endpoint and account: at most one request per interval, `Retry-After`
//! honoured (seconds or an HTTP date; `0`, absent or unreadable means unknown), and
//! otherwise a backoff of 5, 10, 20, then 30 minutes after each failure in a row. The
//! state lives in the store, so a restart does not reset it.
//!
//! Every network source asks its endpoints the same way: `admit` decides whether an
//! endpoint may be asked now, the source sends its request, and `settle` records how it
//! ended, in the store and in the source's [`Poll`].

use crate::http::{HttpError, Reply};
use crate::store::{EndpointState, Store, StoreError};

/// What one poll of a network source did.
#[derive(Debug, Default)]
pub struct Poll {
    /// Requests sent.
    pub requests: u32,
    /// What was recorded, for the summary.
    pub read: Vec<String>,
    /// What went wrong; secrets never appear here.
    pub errors: Vec<String>,
    /// The latest time an endpoint is backing off until.
    pub backoff_until: Option<i64>,
}

/// One endpoint of one account, at one instant.
#[derive(Clone, Copy)]
pub struct Ask<'a> {
    /// The store that keeps the endpoint's state.
    pub store: &'a Store,
    /// The account asking.
    pub account: &'a str,
    /// The endpoint's short name (`usage`, `cost_report`, ...).
    pub endpoint: &'a str,
    /// The source's interval, seconds.
    pub interval_s: i64,
    /// Now, unix seconds.
    pub now: i64,
}

/// Whether the endpoint may be asked now; a backoff is noted in `poll` as an error.
pub(crate) fn admit(ask: Ask<'_>, poll: &mut Poll) -> Result<bool, StoreError> {
    match wait(
        ask.store,
        ask.account,
        ask.endpoint,
        ask.interval_s,
        ask.now,
    )? {
        None => Ok(true),
        Some(Wait::NotDue) => Ok(false),
        Some(Wait::Backoff(until, error)) => {
            let at = jiff::Timestamp::from_second(until).map_or(String::new(), |t| t.to_string());
            poll.errors
                .push(format!("{}: {error}; next try at {at}", ask.endpoint));
            poll.backoff_until = poll.backoff_until.max(Some(until));
            Ok(false)
        }
    }
}

/// Records how a request ended; returns the reply when it is a 2xx. `describe` words a
/// non-2xx reply, and `redact` cleans every message before it is stored or shown.
pub(crate) fn settle(
    ask: Ask<'_>,
    poll: &mut Poll,
    result: Result<Reply, HttpError>,
    describe: impl Fn(&Reply) -> String,
    redact: impl Fn(&str) -> String,
) -> Result<Option<Reply>, StoreError> {
    let (attempt, reply, error) = match result {
        Ok(r) if (200..300).contains(&r.status) => (Attempt::Answered, Some(r), None),
        Ok(r) => {
            let attempt = match r.status {
                429 => Attempt::RateLimited(r.retry_after.clone()),
                _ => Attempt::Failed,
            };
            (attempt, None, Some(describe(&r)))
        }
        Err(e) => (Attempt::Failed, None, Some(e.to_string())),
    };
    let error = error.map(|e| redact(&e));
    let backoff = record(
        ask.store,
        ask.account,
        ask.endpoint,
        ask.now,
        &attempt,
        error.as_deref(),
    )?;
    if let Some(e) = error {
        poll.errors.push(format!("{}: {e}", ask.endpoint));
    }
    poll.backoff_until = poll.backoff_until.max(backoff);
    Ok(reply)
}

/// A one-line account of a non-2xx answer: the status, the API's own message
/// (`error.message`, as Anthropic's APIs send it) and a hint.
pub fn refusal(r: &Reply, hint: &str) -> String {
    let message = serde_json::from_slice::<serde_json::Value>(&r.body)
        .ok()
        .and_then(|v| {
            v.pointer("/error/message")
                .and_then(|m| m.as_str())
                .map(|m| crate::format::truncate(m, 200).to_string())
        });
    let hint = if hint.is_empty() {
        String::new()
    } else {
        format!(" ({hint})")
    };
    match message {
        Some(m) => format!("HTTP {}: {m}{hint}", r.status),
        None => format!("HTTP {}{hint}", r.status),
    }
}

/// Backoff after the 1st, 2nd, 3rd and later failures in a row, seconds.
pub const LADDER_S: [i64; 4] = [300, 600, 1200, 1800];
/// A `Retry-After` longer than this is read as this.
const MAX_RETRY_AFTER_S: i64 = 86_400;

/// How a request ended, as far as politeness is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// An answer that needs no backoff.
    Answered,
    /// 429, with its `Retry-After` header if any.
    RateLimited(Option<String>),
    /// A server error, a timeout or a refusal: back off along the ladder.
    Failed,
}

/// Why an endpoint is not asked now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wait {
    /// It was asked less than an interval ago.
    NotDue,
    /// It is backing off until then after this error.
    Backoff(i64, String),
}

/// Whether `endpoint` must be left alone at `now`, and why.
pub fn wait(
    store: &Store,
    account: &str,
    endpoint: &str,
    interval_s: i64,
    now: i64,
) -> Result<Option<Wait>, StoreError> {
    let Some(state) = store.endpoint(account, endpoint)? else {
        return Ok(None);
    };
    let state = match measured_from(&state, now) {
        // Kept, so the next look (at a later `now`) measures from here as well.
        Some(corrected) => {
            store.save_endpoint(account, endpoint, &corrected)?;
            corrected
        }
        None => state,
    };
    if let Some(until) = state.backoff_until.filter(|&b| b > now) {
        let error = state.last_error.unwrap_or_else(|| "failed".to_string());
        return Ok(Some(Wait::Backoff(until, error)));
    }
    Ok((state.last_request_at + interval_s > now).then_some(Wait::NotDue))
}

/// The state as seen from `now` when the clock has gone back since the last request (or
/// was ahead when it was sent): the request counts as sent now, and a backoff keeps its
/// length from there. Without this, a clock an hour ahead at one poll would hold every
/// endpoint for an hour, and a year ahead for a year.
fn measured_from(state: &EndpointState, now: i64) -> Option<EndpointState> {
    let ahead = state.last_request_at - now;
    (ahead > 0).then(|| EndpointState {
        last_request_at: now,
        backoff_until: state.backoff_until.map(|b| b - ahead),
        ..state.clone()
    })
}

/// Records a request sent at `now`, how it ended and the error it gave; returns the
/// backoff, if any.
pub fn record(
    store: &Store,
    account: &str,
    endpoint: &str,
    now: i64,
    attempt: &Attempt,
    error: Option<&str>,
) -> Result<Option<i64>, StoreError> {
    let failures = store.endpoint(account, endpoint)?.map_or(0, |s| s.failures);
    let ladder = || now + LADDER_S[(failures as usize).min(LADDER_S.len() - 1)];
    let (backoff_until, failures) = match attempt {
        Attempt::Answered => (None, 0),
        Attempt::RateLimited(header) => (
            Some(
                header
                    .as_deref()
                    .and_then(|h| retry_after(h, now))
                    .unwrap_or_else(ladder),
            ),
            failures + 1,
        ),
        Attempt::Failed => (Some(ladder()), failures + 1),
    };
    store.save_endpoint(
        account,
        endpoint,
        &EndpointState {
            last_request_at: now,
            backoff_until,
            failures,
            last_error: error.map(str::to_string),
        },
    )?;
    Ok(backoff_until)
}

/// The time a `Retry-After` header asks to wait until, when it says anything usable.
pub fn retry_after(header: &str, now: i64) -> Option<i64> {
    let h = header.trim();
    let until = match h.parse::<i64>() {
        Ok(secs) => now.checked_add(secs)?,
        Err(_) => jiff::fmt::rfc2822::parse(h).ok()?.timestamp().as_second(),
    };
    (until > now).then(|| until.min(now + MAX_RETRY_AFTER_S))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_that_went_back_does_not_stall_an_endpoint() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        let now = 1_795_190_400;
        let wait = |at| wait(&store, "default", "usage", 300, at).unwrap();
        for ahead in [3600, 365 * 86_400] {
            record(
                &store,
                "default",
                "usage",
                now + ahead,
                &Attempt::Answered,
                None,
            )
            .unwrap();
            assert_eq!(
                wait(now),
                Some(Wait::NotDue),
                "asked just now, as far as now knows"
            );
            assert_eq!(
                wait(now + 300),
                None,
                "due one interval later, not {ahead}s later"
            );
        }
        // A backoff set with the clock ahead keeps its length, measured from now.
        record(
            &store,
            "default",
            "usage",
            now + 3600,
            &Attempt::Failed,
            Some("HTTP 500"),
        )
        .unwrap();
        assert!(matches!(wait(now), Some(Wait::Backoff(b, _)) if b == now + 300));
        assert!(matches!(wait(now + 299), Some(Wait::Backoff(b, _)) if b == now + 300));
        assert_eq!(wait(now + 300), None);
    }

    #[test]
    fn retry_after_reads_seconds_and_dates_and_ignores_zero() {
        let now = 1_763_650_000; // 2025-11-20T14:46:40Z
        assert_eq!(retry_after("120", now), Some(now + 120));
        assert_eq!(retry_after("0", now), None);
        assert_eq!(retry_after("-5", now), None);
        assert_eq!(retry_after("soon", now), None);
        assert_eq!(
            retry_after("Thu, 20 Nov 2025 15:00:00 GMT", now),
            Some(1_763_650_800)
        );
        assert_eq!(retry_after("Thu, 20 Nov 2025 14:00:00 GMT", now), None);
        assert_eq!(retry_after("999999999", now), Some(now + MAX_RETRY_AFTER_S));
    }
}
