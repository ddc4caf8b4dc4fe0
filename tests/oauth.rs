//! The `claude_oauth` source against a real HTTP server on loopback serving the fixtures:
//! both usage shapes, credits, politeness under 429, 401/403/500, timeouts, broken
//! bodies, and secrets that never leak.

mod support;

use creditwatch::config::Config;
use creditwatch::snapshot::{self, Snapshot};
use creditwatch::source::{self, Source};
use creditwatch::store::Store;
use jiff::tz::TimeZone;
use std::path::{Path, PathBuf};
use support::http::{Answer, Request, Server};

const TOKEN: &str = "sk-ant-oat01-FIXTURE-ACCESS-TOKEN-not-a-real-secret";
const REFRESH: &str = "sk-ant-ort01-FIXTURE-REFRESH-TOKEN-not-a-real-secret";
const ORG: &str = "9c0d2f41-0000-4000-8000-0000000000b2";
/// 2026-11-20T16:00:00Z, before every reset in the fixtures.
const NOW: i64 = 1_795_190_400;

fn fixture(name: &str) -> Vec<u8> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    std::fs::read(root.join(name)).unwrap()
}

/// Answers like the real service: the OAuth headers are checked, then the route.
fn anthropic(usage: &'static str, credits: &'static str) -> impl Fn(&Request) -> Answer {
    move |r: &Request| {
        let bearer = format!("Bearer {TOKEN}");
        if r.header("authorization") != Some(bearer.as_str())
            || r.header("anthropic-beta") != Some("oauth-2025-04-20")
            || !r
                .header("user-agent")
                .is_some_and(|u| u.starts_with("claude-code/"))
        {
            return Answer::json(
                401,
                r#"{"type":"error","error":{"type":"authentication_error","message":"bad headers"}}"#,
            );
        }
        let credits_path = format!("/api/oauth/organizations/{ORG}/prepaid/credits");
        match r.path.as_str() {
            "/api/oauth/usage" => Answer::json(200, fixture(&format!("anthropic/{usage}"))),
            "/api/oauth/profile" => Answer::json(200, fixture("anthropic/oauth_profile.json")),
            p if p == credits_path => Answer::json(200, fixture(&format!("anthropic/{credits}"))),
            _ => Answer::json(404, "{}"),
        }
    }
}

struct Harness {
    dir: tempfile::TempDir,
    creds: PathBuf,
    creds_before: (Vec<u8>, std::time::SystemTime),
    config: Config,
    store: Store,
    sources: Vec<Source>,
}

impl Harness {
    fn new(server: &Server, credentials: &str) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let creds = dir.path().join(".credentials.json");
        std::fs::write(&creds, fixture(&format!("claude-code/{credentials}"))).unwrap();
        let text = format!(
            "[sources.claude_code_logs]\nenabled = false\n[sources.claude_oauth]\n\
             enabled = true\ninterval = \"1m\"\ntimeout = \"1s\"\nbase_url = {:?}\n\
             credentials_file = {:?}\n",
            server.base_url,
            creds.display().to_string()
        );
        let config = Config::parse(&dir.path().join("config.toml"), &text).unwrap();
        let store = Store::open(&dir.path().join("creditwatch.db")).unwrap();
        let sources = source::build(&config);
        assert_eq!(sources.len(), 1);
        let meta = std::fs::metadata(&creds).unwrap();
        let creds_before = (std::fs::read(&creds).unwrap(), meta.modified().unwrap());
        Harness {
            dir,
            creds,
            creds_before,
            config,
            store,
            sources,
        }
    }

    fn poll(&mut self, now: i64) -> source::Outcome {
        self.sources[0].poll(&mut self.store, now).unwrap()
    }

    fn snapshot(&self, now: i64) -> Snapshot {
        snapshot::build(&self.store, &self.config, now, &TimeZone::UTC).unwrap()
    }

    /// The credentials are untouched and no secret is anywhere we write.
    fn check_secrets(&self, snapshot: &Snapshot, outcome: &source::Outcome) {
        let meta = std::fs::metadata(&self.creds).unwrap();
        assert_eq!(std::fs::read(&self.creds).unwrap(), self.creds_before.0);
        assert_eq!(meta.modified().unwrap(), self.creds_before.1);
        let json = serde_json::to_string(snapshot).unwrap();
        let mut written = json.into_bytes();
        written.extend(format!("{outcome:?}").bytes());
        for f in std::fs::read_dir(self.dir.path()).unwrap().flatten() {
            if f.file_name()
                .to_string_lossy()
                .starts_with("creditwatch.db")
            {
                written.extend(std::fs::read(f.path()).unwrap());
            }
        }
        for secret in [TOKEN, REFRESH, "FIXTURE-MCP-TOKEN"] {
            assert!(
                !written
                    .windows(secret.len())
                    .any(|w| w == secret.as_bytes()),
                "{secret} leaked"
            );
        }
    }
}

#[test]
fn flat_usage_capped_extra_usage_and_credits_with_auto_reload() {
    let server = Server::start(anthropic("oauth_usage.flat.json", "prepaid_credits.json"));
    let mut h = Harness::new(&server, "credentials.json");
    let outcome = h.poll(NOW);
    assert_eq!(outcome.error, None, "{outcome:?}");
    let s = h.snapshot(NOW);
    assert_eq!(s.plan.name.as_deref(), Some("max"));
    let w = &s.plan.windows;
    assert_eq!(w["five_hour"].used_pct, 43.0);
    assert_eq!(w["seven_day"].used_pct, 61.0);
    assert_eq!(w["seven_day_opus"].used_pct, 12.5);
    assert_eq!(w["five_hour"].source, "claude_oauth");
    let e = s.extra_usage.clone().unwrap();
    assert_eq!(e.enabled, Some(true));
    assert!((e.used_usd.unwrap() - 154.20).abs() < 1e-9);
    assert_eq!(e.limit_usd, Some(200.0));
    assert!((e.remaining_usd.unwrap() - 45.80).abs() < 1e-9);
    assert!((e.used_pct.unwrap() - 77.1).abs() < 1e-9);
    assert_eq!(e.resets_at, 1_796_083_200, "2026-12-01T00:00:00Z");
    let c = s.credits.clone().unwrap();
    assert!((c.balance_usd - 42.13).abs() < 1e-9);
    assert_eq!(c.currency.as_deref(), Some("USD"));
    let a = c.auto_reload.clone().unwrap();
    assert!(a.enabled);
    assert_eq!((a.threshold_usd, a.amount_usd), (Some(10.0), Some(50.0)));
    assert_eq!(c.runs_out_means, "reload");
    assert_eq!(c.burn_usd_per_hour, None, "one sample gives no rate");
    assert!(s.sources["claude_oauth"].ok);
    h.check_secrets(&s, &outcome);
}

#[test]
fn limits_list_uncapped_extra_usage_and_a_balance_without_reload() {
    let server = Server::start(anthropic(
        "oauth_usage.limits.json",
        "prepaid_credits.no_reload.json",
    ));
    let mut h = Harness::new(&server, "credentials.json");
    let outcome = h.poll(NOW);
    assert_eq!(outcome.error, None, "{outcome:?}");
    let s = h.snapshot(NOW);
    assert_eq!(s.plan.windows["five_hour"].used_pct, 87.0);
    assert_eq!(s.plan.windows["seven_day"].used_pct, 34.5);
    assert_eq!(s.plan.windows["seven_day_opus"].used_pct, 9.0);
    let e = s.extra_usage.clone().unwrap();
    assert!((e.used_usd.unwrap() - 106.31).abs() < 1e-9);
    assert_eq!(
        (e.limit_usd, e.remaining_usd, e.used_pct, e.limit_at),
        (None, None, None, None)
    );
    let c = s.credits.clone().unwrap();
    assert!((c.balance_usd - 18.75).abs() < 1e-9);
    assert!(!c.auto_reload.clone().unwrap().enabled);
    assert_eq!(c.runs_out_means, "empty");
    h.check_secrets(&s, &outcome);
}

#[test]
fn disabled_extra_usage_a_window_not_started_and_the_balance_sentinel() {
    let server = Server::start(anthropic(
        "oauth_usage.disabled.json",
        "prepaid_credits.sentinel.json",
    ));
    let mut h = Harness::new(&server, "credentials.json");
    h.poll(NOW);
    let s = h.snapshot(NOW);
    assert_eq!(s.plan.windows["five_hour"].resets_at, None);
    assert_eq!(s.plan.windows["seven_day_sonnet"].used_pct, 1.0);
    assert_eq!(s.extra_usage.as_ref().unwrap().enabled, Some(false));
    assert_eq!(s.extra_usage.as_ref().unwrap().used_usd, None);
    assert!(s.credits.is_none(), "amount -1 is no balance, not -$0.01");
}

#[test]
fn credits_burn_ignores_a_top_up_and_projects_the_run_out() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    // The balance falls $1 per 5-minute poll, with a $50 top-up in the middle.
    let cents = Arc::new(AtomicU64::new(4000));
    let served = cents.clone();
    let base = anthropic("oauth_usage.flat.json", "prepaid_credits.no_reload.json");
    let server = Server::start(move |r| {
        if r.path.ends_with("/prepaid/credits") {
            let c = served.load(Ordering::SeqCst);
            return Answer::json(
                200,
                format!(r#"{{"amount": {c}, "currency": "USD", "auto_reload_settings": null}}"#),
            );
        }
        base(r)
    });
    let mut h = Harness::new(&server, "credentials.json");
    for i in 0..13 {
        if i == 6 {
            cents.fetch_add(5000, Ordering::SeqCst);
        }
        h.poll(NOW + i * 300);
        cents.fetch_sub(100, Ordering::SeqCst);
    }
    let now = NOW + 12 * 300;
    let c = h.snapshot(now).credits.unwrap();
    assert!((c.balance_usd - 78.0).abs() < 1e-9, "{c:?}");
    // $11 of falls in the hour (the poll that saw the top-up saw no fall), $78 left.
    assert!((c.burn_usd_per_hour.unwrap() - 11.0).abs() < 1e-9, "{c:?}");
    assert_eq!(
        c.runs_out_at,
        Some(now + (78.0 / 11.0 * 3600.0_f64).round() as i64)
    );
    assert!((c.runs_out_in_hours.unwrap() - 78.0 / 11.0).abs() < 1e-3);
    assert!(
        c.method
            .unwrap()
            .contains("rises (top-ups, reloads) ignored")
    );
}

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

#[test]
fn check_finds_claude_codes_credentials_reports_every_pool_and_logs_no_secret() {
    let server = Server::start(anthropic("oauth_usage.flat.json", "prepaid_credits.json"));
    let dir = tempfile::tempdir().unwrap();
    let (home, cw) = (dir.path().join("home"), dir.path().join("cw"));
    std::fs::create_dir_all(home.join(".claude")).unwrap();
    let creds = home.join(".claude/.credentials.json");
    std::fs::write(&creds, fixture("claude-code/credentials.json")).unwrap();
    let before = (
        std::fs::read(&creds).unwrap(),
        std::fs::metadata(&creds).unwrap().modified().unwrap(),
    );
    std::fs::create_dir_all(&cw).unwrap();
    std::fs::write(
        cw.join("config.toml"),
        format!(
            "[sources.claude_oauth]\nbase_url = {:?}\ninterval = \"1m\"\n",
            server.base_url
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_creditwatch"))
            .args(["--now", &NOW.to_string()])
            .args(args)
            .env("HOME", &home)
            .env("CREDITWATCH_HOME", &cw)
            .env("TZ", "UTC")
            .env("RUST_LOG", "trace")
            .env_remove("CLAUDE_CONFIG_DIR")
            .env_remove("XDG_CONFIG_HOME")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        for secret in [TOKEN, REFRESH] {
            assert!(!text.contains(secret), "{secret} printed");
        }
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let report = run(&["check"]);
    for says in [
        "Plan windows (max plan)",
        "Extra usage",
        "spent $154.20",
        "cap $200.00",
        "Usage credits",
        "balance $42.13",
        "auto-reload to $50.00 below $10.00",
    ] {
        assert!(report.contains(says), "{says:?} missing from:\n{report}");
    }
    let json: serde_json::Value = serde_json::from_str(&run(&["check", "--json"])).unwrap();
    assert_eq!(json["credits"]["balance_usd"], 42.13);
    assert_eq!(json["credits"]["runs_out_means"], "reload");
    assert_eq!(json["extra_usage"]["limit_usd"], 200.0);
    assert_eq!(json["plan"]["windows"]["five_hour"]["used_pct"], 43.0);
    assert_eq!(std::fs::read(&creds).unwrap(), before.0);
    assert_eq!(
        std::fs::metadata(&creds).unwrap().modified().unwrap(),
        before.1
    );
}
