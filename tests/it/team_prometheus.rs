//! A team's Prometheus, with the real engine: the series creditwatch pushes by remote write
//! arrive with their labels and the values `check` shows, and the shipped Grafana
//! dashboard asks only for series that are pushed. These need Prometheus, which `.ci/run`
//! installs.

use super::team::{ACCOUNT, LIMIT, LOW_CREDITS, Machine, anthropic};
use crate::support::anthropic::{TOKEN, fixture};
use crate::support::engines::{self, Engine};
use crate::support::wait::wait_for;
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// The samples of a PromQL query at this instant, as (labels, value).
fn query(prometheus: &Engine, promql: &str) -> Vec<(Value, f64)> {
    let url = reqwest::Url::parse_with_params(
        &format!("{}/api/v1/query", prometheus.url),
        &[("query", promql)],
    )
    .unwrap();
    let v = engines::get_json(url.as_str());
    v["data"]["result"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|r| {
            let value = r["value"][1].as_str().unwrap().parse().unwrap();
            (r["metric"].clone(), value)
        })
        .collect()
}

#[test]
#[ignore = "needs alertmanager and prometheus; .ci/run installs them"]
fn pushed_series_are_in_prometheus_with_their_labels_and_the_values_check_shows() {
    let prometheus = engines::prometheus();
    let server = anthropic(Arc::new(AtomicBool::new(true)));
    let push = format!(
        "[metrics.remote_write]\nurl = \"{}/api/v1/write\"\ninterval = \"1s\"\nlabels = {{ team = \"platform\" }}\n",
        prometheus.url
    );
    let m = Machine::with(&server, LOW_CREDITS, &push, "");
    // Two pushes, so that rates and increases have two samples to work with.
    wait_for("two pushes in Prometheus", LIMIT, || {
        !query(&prometheus, "creditwatch_credits_balance_usd").is_empty()
            && !query(
                &prometheus,
                "count_over_time(creditwatch_spend_usd_total[5m]) >= 2",
            )
            .is_empty()
    });
    let check = m.check();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let balance = query(&prometheus, "creditwatch_credits_balance_usd");
    assert_eq!(balance.len(), 1, "{balance:?}");
    let (labels, value) = &balance[0];
    assert_eq!(*value, check["credits"]["balance_usd"].as_f64().unwrap());
    assert_eq!(labels["account"], ACCOUNT);
    assert_eq!(labels["instance"], host.trim());
    assert_eq!(labels["job"], "creditwatch");
    assert_eq!(labels["team"], "platform");

    // Every app's spend this month is what `check` says it is.
    let apps = check["apps"].as_object().unwrap();
    let month = query(
        &prometheus,
        "creditwatch_app_spend_usd{period=\"this_month\"}",
    );
    assert_eq!(month.len(), apps.len(), "{month:?}");
    for (labels, value) in &month {
        let app = labels["app"].as_str().unwrap();
        let want = apps[app]["spend_usd"]["this_month"].as_f64().unwrap();
        assert!((value - want).abs() < 1e-9, "{app}: {value} vs {want}");
    }

    // The counters add up to the transcripts' known totals, by app and by model.
    let expected: Value =
        serde_json::from_slice(&fixture("claude-code/logs/expected.json")).unwrap();
    for (by, promql) in [
        ("by_app", "sum by (app) (creditwatch_spend_usd_total)"),
        (
            "by_model",
            "sum by (model) (creditwatch_spend_usd_total{model!=\"claude-mystery-9\"})",
        ),
    ] {
        let got = query(&prometheus, promql);
        let want = expected[by].as_object().unwrap();
        assert_eq!(got.len(), want.len(), "{by}: {got:?}");
        for (labels, value) in got {
            let name = labels[&by[3..]].as_str().unwrap();
            let want = want[name].as_f64().unwrap();
            assert!(
                (value - want).abs() < 1e-6,
                "{by} {name}: {value} vs {want}"
            );
        }
    }
    let output = query(
        &prometheus,
        "sum(creditwatch_tokens_total{type=\"output\"})",
    );
    assert_eq!(output[0].1, expected["tokens"]["output"].as_f64().unwrap());
    assert!(!m.log().contains(TOKEN));
    assert_dashboard_shows(&prometheus);

    // `status` says how the push is doing.
    let status = m.run(&["status"]);
    assert!(
        status.contains("Remote write: ") && status.contains("pushes taken"),
        "{status}"
    );
}

/// Every panel's queries in the dashboard, with its variables set to "all".
fn dashboard_queries() -> Vec<(String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("grafana/creditwatch.json");
    let dashboard: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let mut out = Vec::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        for t in panel["targets"].as_array().into_iter().flatten() {
            let expr = t["expr"].as_str().unwrap();
            let expr = expr.replace("$account", ".*").replace("$instance", ".*");
            out.push((panel["title"].as_str().unwrap().to_string(), expr));
        }
    }
    out
}

/// Every query of the Grafana dashboard is valid PromQL over the pushed series, and the
/// panels on credits, spend and alerts have something to show.
fn assert_dashboard_shows(prometheus: &Engine) {
    let must = [
        "Usage-credit balance",
        "Spend per person and app, last 24 h",
        "Firing alerts",
        "Machines reporting",
    ];
    for (title, expr) in dashboard_queries() {
        let url = reqwest::Url::parse_with_params(
            &format!("{}/api/v1/query", prometheus.url),
            &[("query", expr.as_str())],
        )
        .unwrap();
        let v = engines::get_json(url.as_str());
        assert_eq!(v["status"], "success", "{title}: {expr}: {v}");
        let shown = !v["data"]["result"].as_array().unwrap().is_empty();
        assert!(
            shown || !must.contains(&title.as_str()),
            "{title}: {expr} shows nothing"
        );
    }
}

#[test]
fn the_dashboard_asks_only_for_series_creditwatch_pushes() {
    let queries = dashboard_queries();
    assert!(queries.len() >= 20, "{queries:?}");
    for (title, expr) in &queries {
        let names: Vec<&str> = expr
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| w.starts_with("creditwatch_"))
            .collect();
        assert!(
            !names.is_empty(),
            "{title}: {expr} reads no creditwatch series"
        );
        for name in names {
            assert!(
                creditwatch::metrics::names::ALL
                    .iter()
                    .any(|n| n.name == name),
                "{title}: {name} is not pushed"
            );
        }
    }
}
