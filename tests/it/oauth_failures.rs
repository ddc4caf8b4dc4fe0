//! The `claude_oauth` source when things go wrong: rate limits over a simulated hour,
//! backoff across a restart, 401/403/500, bad sign-ins, timeouts and broken bodies.

use crate::support::anthropic::{Harness, NOW, TOKEN, anthropic, fixture};
use crate::support::http::{Answer, Request, Server};
use creditwatch::source;
use creditwatch::store::Store;

/// Polls every simulated minute for an hour while the usage endpoint answers 429 with
/// `retry_after`; returns how many usage requests the server saw.
fn usage_requests_in_an_hour(retry_after: Option<fn(i64) -> String>) -> usize {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, Ordering};
    let clock = Arc::new(AtomicI64::new(NOW));
    let server_clock = clock.clone();
    let ok = anthropic("oauth_usage.flat.json", "prepaid_credits.json");
    let server = Server::start(move |r| {
        if r.path != "/api/oauth/usage" {
            return ok(r);
        }
        let headers = retry_after
            .map(|f| {
                vec![(
                    "Retry-After".to_string(),
                    f(server_clock.load(Ordering::SeqCst)),
                )]
            })
            .unwrap_or_default();
        Answer::Reply(429, headers, fixture("anthropic/oauth_usage.429.json"))
    });
    let mut h = Harness::new(&server, "credentials.json");
    for minute in 0..60 {
        let now = NOW + minute * 60;
        clock.store(now, Ordering::SeqCst);
        h.poll(now);
    }
    let s = h.snapshot(NOW + 3599);
    let health = &s.sources["claude_oauth"];
    assert!(
        health.error.as_deref().unwrap().contains("HTTP 429"),
        "{health:?}"
    );
    server.count("/api/oauth/usage")
}

#[test]
fn rate_limits_are_honoured_and_backoff_climbs_without_a_usable_retry_after() {
    // Retry-After: 120 -> one request every 2 minutes.
    assert_eq!(usage_requests_in_an_hour(Some(|_| "120".to_string())), 30);
    // An HTTP date 10 minutes ahead of the server's clock -> every 10 minutes.
    let date = |now: i64| {
        jiff::Timestamp::from_second(now + 600)
            .unwrap()
            .strftime("%a, %d %b %Y %H:%M:%S GMT")
            .to_string()
    };
    assert_eq!(usage_requests_in_an_hour(Some(date)), 6);
    // 0 and no header are unknown: 5, 10, 20 then 30 minutes -> at 0, 5, 15 and 35.
    assert_eq!(usage_requests_in_an_hour(Some(|_| "0".to_string())), 4);
    assert_eq!(usage_requests_in_an_hour(None), 4);
}

#[test]
fn backoff_survives_a_restart() {
    let server = Server::start(|_: &Request| Answer::json(500, "{}"));
    let mut h = Harness::new(&server, "credentials.json");
    h.poll(NOW);
    let asked = server.requests().len();
    assert!(asked >= 1);
    // A new process: the same database, new sources.
    let store = Store::open(&h.dir.path().join("creditwatch.db")).unwrap();
    h.store = store;
    h.sources = source::build(&h.config);
    h.poll(NOW + 240);
    assert_eq!(
        server.requests().len(),
        asked,
        "still backing off after a restart"
    );
    let s = h.snapshot(NOW + 240);
    assert_eq!(s.sources["claude_oauth"].backoff_until, Some(NOW + 300));
    h.poll(NOW + 300);
    assert!(server.requests().len() > asked);
}

#[test]
fn a_401_rereads_the_credentials_and_retries_once() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let refused = AtomicBool::new(false);
    let ok = anthropic("oauth_usage.flat.json", "prepaid_credits.json");
    let server = Server::start(move |r| {
        if r.path == "/api/oauth/usage" && !refused.swap(true, Ordering::SeqCst) {
            // A server that echoes the token must not make it leak.
            let body = format!(r#"{{"error":{{"message":"token {TOKEN} expired"}}}}"#);
            return Answer::json(401, body);
        }
        ok(r)
    });
    let mut h = Harness::new(&server, "credentials.json");
    let outcome = h.poll(NOW);
    assert_eq!(server.count("/api/oauth/usage"), 2);
    let s = h.snapshot(NOW);
    assert_eq!(s.plan.windows["five_hour"].used_pct, 43.0);
    h.check_secrets(&s, &outcome);
}

#[test]
fn a_token_that_keeps_failing_says_so_without_leaking() {
    let server = Server::start(|_: &Request| {
        Answer::json(
            401,
            format!(r#"{{"error":{{"message":"token {TOKEN} revoked"}}}}"#),
        )
    });
    let mut h = Harness::new(&server, "credentials.json");
    let outcome = h.poll(NOW);
    assert_eq!(server.count("/api/oauth/usage"), 2, "one retry, no more");
    let error = outcome.error.clone().unwrap();
    assert!(
        error.contains("HTTP 401") && error.contains("sign in again"),
        "{error}"
    );
    assert!(error.contains("<redacted>"), "{error}");
    let s = h.snapshot(NOW);
    h.check_secrets(&s, &outcome);
}

#[test]
fn scope_and_expiry_problems_are_reported_without_calling() {
    let server = Server::start(anthropic("oauth_usage.flat.json", "prepaid_credits.json"));
    for (creds, says) in [
        (
            "credentials.inference_only.json",
            "lacks the user:profile scope",
        ),
        ("credentials.expired.json", "has expired"),
    ] {
        let mut h = Harness::new(&server, creds);
        let outcome = h.poll(NOW);
        let error = outcome.error.clone().unwrap();
        assert!(
            error.contains(says) && error.contains("sign in again with `claude`"),
            "{error}"
        );
        for secret in ["FIXTURE-INFERENCE-ONLY", "FIXTURE-EXPIRED"] {
            assert!(!error.contains(secret));
        }
    }
    assert_eq!(server.requests().len(), 0);
}

#[test]
fn a_403_scope_answer_is_reported() {
    let server = Server::start(|_: &Request| {
        Answer::json(403, fixture("anthropic/oauth_usage.403_scope.json"))
    });
    let mut h = Harness::new(&server, "credentials.json");
    let error = h.poll(NOW).error.unwrap();
    assert!(
        error.contains("HTTP 403") && error.contains("user:profile"),
        "{error}"
    );
}

#[test]
fn broken_answers_are_errors_that_say_what_was_wrong() {
    type Case = (fn(&Request) -> Answer, &'static str);
    let cases: [Case; 4] = [
        (
            |_| Answer::json(200, r#"{"five_hour": {"utilization": 4"#),
            "not a JSON object",
        ),
        (
            |_| Answer::Reply(200, vec![], b"<!doctype html><title>Login</title>".to_vec()),
            "it is HTML",
        ),
        (|_| Answer::json(200, vec![b' '; 10 << 20]), "over 1024 KiB"),
        (|_| Answer::Silence, "no answer within 1s"),
    ];
    for (answer, says) in cases {
        let server = Server::start(answer);
        let mut h = Harness::new(&server, "credentials.json");
        let outcome = h.poll(NOW);
        let error = outcome.error.clone().unwrap_or_default();
        assert!(
            error.starts_with("usage: ") && error.contains(says),
            "{says}: {error}"
        );
        let s = h.snapshot(NOW);
        assert!(s.plan.windows.is_empty() && s.credits.is_none());
        assert!(!s.sources["claude_oauth"].ok);
        h.check_secrets(&s, &outcome);
    }
}
