//! The `anthropic_admin` source against a real HTTP server on loopback: every page of the
//! cost report, the usage report, `s.api`, failures, and the key kept secret.

use crate::support::admin::{Harness, KEY, PAGE2, admin};
use crate::support::anthropic::{NOW, fixture};
use crate::support::http::{Answer, Server};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

#[test]
fn every_cost_page_is_read_and_the_days_add_up() {
    let server = Server::start(admin);
    let mut h = Harness::new(&server, KEY);
    let outcome = h.poll(NOW);
    assert_eq!(outcome.error, None, "{outcome:?}");
    assert_eq!(
        server.count("/v1/organizations/cost_report"),
        2,
        "both pages"
    );
    assert_eq!(server.count("/v1/organizations/usage_report/messages"), 1);
    let first = &server.requests()[0].path;
    assert!(!first.contains("page="), "{first}");
    assert!(
        first.contains("starting_at=2026-11-01T00%3A00%3A00Z")
            && first.contains("ending_at=2026-11-21T00%3A00%3A00Z")
            && first.contains("bucket_width=1d"),
        "{first}"
    );
    assert!(server.requests()[1].path.contains(PAGE2));
    let s = h.snapshot(NOW);
    let api = s.api.clone().expect("s.api once the report is read");
    assert!(close(api.today_usd, 8.833), "{api:?}");
    assert!(
        close(api.month_usd, 17.033 + 20.051_234_5 + 8.833),
        "{api:?}"
    );
    assert!(close(api.last_7d_usd, 17.033 + 20.051_234_5));
    assert!(close(api.burn_usd_per_day, (17.033 + 20.051_234_5) / 7.0));
    // 8 hours of November 20 and 10 more days, each drawn from the 19 complete days of
    // November (two of them cost $17.03 and $20.05, the others nothing).
    let mean = api.month_usd + (17.033 + 20.051_234_5) / 19.0 * (8.0 / 24.0 + 10.0);
    assert!(
        api.month_projected_low_usd < api.month_projected_usd
            && api.month_projected_usd < api.month_projected_high_usd,
        "{api:?}"
    );
    assert!(api.month_projected_low_usd >= api.month_usd, "{api:?}");
    assert!(
        (api.month_projected_usd - mean).abs() < 12.0,
        "{api:?} {mean}"
    );
    assert!(close(
        api.by_model["claude-opus-4-6"].month_usd,
        20.051_234_5
    ));
    assert!(close(api.by_model["claude-sonnet-4-6"].last_7d_usd, 17.033));
    assert!(close(api.by_model["web_search"].today_usd, 1.5));
    assert!(close(
        api.by_workspace["wrkspc_01AbCdEf"].month_usd,
        20.051_234_5 + 7.333
    ));
    assert!(close(api.by_workspace["default"].month_usd, 17.033 + 1.5));
    assert_eq!(api.tokens_last_24h.input, 18_250);
    assert_eq!(api.tokens_last_24h.cache_write(), 40_210);
    assert_eq!(api.tokens_last_24h.cache_read, 512_300);
    assert_eq!(api.age_s, 0);
    assert!(s.sources["anthropic_admin"].ok);
    h.check_secret(&s, &outcome);

    // Not due again within the interval; a later poll replaces the days, never doubles them.
    h.poll(NOW + 30);
    assert_eq!(server.count("/v1/organizations/cost_report"), 2);
    h.poll(NOW + 60);
    assert_eq!(server.count("/v1/organizations/cost_report"), 4);
    let again = h.snapshot(NOW + 60).own.api.unwrap();
    assert!(close(again.month_usd, api.month_usd), "{again:?}");
}

#[test]
fn no_api_table_until_configured_and_read() {
    let server = Server::start(|_: &crate::support::http::Request| Answer::json(500, "{}"));
    let mut h = Harness::new(&server, KEY);
    let outcome = h.poll(NOW);
    assert!(outcome.error.unwrap().contains("HTTP 500"));
    let s = h.snapshot(NOW);
    assert!(s.api.is_none(), "nothing read is unknown, not $0");
    let health = &s.sources["anthropic_admin"];
    assert!(!health.ok);
    assert_eq!(health.backoff_until, Some(NOW + 300));
}

#[test]
fn a_failing_second_page_keeps_the_first_pages_days() {
    let server = Server::start(|r: &crate::support::http::Request| {
        if r.path.contains(PAGE2) {
            Answer::json(200, "{\"data\": [")
        } else {
            admin(r)
        }
    });
    let mut h = Harness::new(&server, KEY);
    let outcome = h.poll(NOW);
    let error = outcome.error.clone().unwrap();
    assert!(
        error.contains("cost_report: the answer is not a JSON object"),
        "{error}"
    );
    let api = h.snapshot(NOW).own.api.unwrap();
    assert!(close(api.month_usd, 17.033 + 20.051_234_5), "{api:?}");
    assert_eq!(api.today_usd, 0.0);
}

#[test]
fn a_refused_key_is_reported_without_the_key() {
    let server = Server::start(admin);
    let mut h = Harness::new(&server, "sk-ant-admin01-WRONG-CANARY");
    let outcome = h.poll(NOW);
    let error = outcome.error.clone().unwrap();
    assert!(
        error.contains("HTTP 401: invalid x-api-key (the Admin API key was refused)"),
        "{error}"
    );
    assert!(!error.contains("WRONG-CANARY"));
    let s = h.snapshot(NOW);
    assert!(
        s.sources["anthropic_admin"]
            .error
            .as_deref()
            .unwrap()
            .contains("401")
    );
    h.check_secret(&s, &outcome);
}

#[test]
fn a_key_file_others_can_read_is_refused_before_any_request() {
    use std::os::unix::fs::PermissionsExt;
    let server = Server::start(admin);
    let mut h = Harness::new(&server, KEY);
    std::fs::set_permissions(&h.key_file, std::fs::Permissions::from_mode(0o640)).unwrap();
    let outcome = h.poll(NOW);
    assert_eq!(outcome.summary, "nothing read");
    let error = outcome.error.unwrap();
    assert!(
        error.contains("mode 0640") && error.contains("chmod 600"),
        "{error}"
    );
    assert!(server.requests().is_empty());
}

#[test]
fn a_server_that_always_has_more_pages_is_cut_off() {
    let server = Server::start(|r: &crate::support::http::Request| {
        let body = String::from_utf8(fixture("anthropic/admin_cost_report.page1.json")).unwrap();
        match r.path.starts_with("/v1/organizations/cost_report") {
            true => Answer::json(200, body),
            false => admin(r),
        }
    });
    let mut h = Harness::new(&server, KEY);
    let outcome = h.poll(NOW);
    assert_eq!(server.count("/v1/organizations/cost_report"), 20);
    assert!(outcome.error.unwrap().contains("stopped after 20 pages"));
}

#[test]
fn check_reports_api_spend_and_never_prints_the_key() {
    let server = Server::start(admin);
    let dir = tempfile::tempdir().unwrap();
    let (home, cw) = (dir.path().join("home"), dir.path().join("cw"));
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&cw).unwrap();
    std::fs::write(
        cw.join("config.toml"),
        format!(
            "[sources.claude_oauth]\nenabled = false\n[sources.anthropic_admin]\n\
             api_key_env = \"CW_TEST_ADMIN_KEY\"\nbase_url = {:?}\n",
            server.base_url
        ),
    )
    .unwrap();
    let env = [("CW_TEST_ADMIN_KEY", KEY)];
    let run = |args: &[&str]| crate::support::bin::run(&home, &cw, &env, args, &[KEY]);
    let report = run(&["check"]);
    for says in [
        "API spend",
        "today $8.83",
        "this month $45.92",
        "claude-opus-4-6: $20.05",
    ] {
        assert!(report.contains(says), "{says:?} missing from:\n{report}");
    }
    let json: serde_json::Value = serde_json::from_str(&run(&["check", "--json"])).unwrap();
    assert_eq!(
        json["api"]["by_workspace"]["wrkspc_01AbCdEf"]["month_usd"],
        27.3842345
    );
}
