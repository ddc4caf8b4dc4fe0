use super::*;
use crate::vocab::{AlertState, OutboxState};

fn snapshot(name: &str) -> Snapshot {
    let path = format!(
        "{}/tests/fixtures/snapshots/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn alert(rule: &str, key: &str, state: &str) -> AlertRow {
    AlertRow::example(rule, key, AlertState::parse(state).unwrap())
}

fn page() -> String {
    let alerts = [
        alert("credits-run-out-tomorrow", "default", "firing"),
        alert("app-spend-spike", "say \"hi\"\n", "firing"),
        alert("plan-window-nearly-full", "five_hour", "pending"),
    ];
    let outbox = [(OutboxState::Sent, 4), (OutboxState::Retry, 1)];
    render(
        &snapshot("busy"),
        &Counts {
            alerts: &alerts,
            outbox: &outbox,
            now: 1_795_190_400,
        },
    )
}

fn sample<'a>(page: &'a str, series: &str) -> Option<&'a str> {
    page.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|r| r.strip_prefix(' ')))
}

#[test]
fn the_pools_come_out_as_gauges_with_their_account() {
    let page = page();
    assert_eq!(
        sample(
            &page,
            "creditwatch_credits_balance_usd{account=\"default\"}"
        ),
        Some("12.5")
    );
    assert_eq!(
        sample(
            &page,
            "creditwatch_credits_runs_out_at_seconds{account=\"default\"}"
        ),
        Some("1795244400")
    );
    // The forecast's range comes with it.
    for (bound, at) in [("earliest", "1795230000"), ("latest", "1795262400")] {
        let series = format!("creditwatch_credits_runs_out_{bound}_seconds{{account=\"default\"}}");
        assert_eq!(sample(&page, &series), Some(at), "{series}");
    }
    assert_eq!(
        sample(
            &page,
            "creditwatch_plan_window_used_ratio{account=\"default\",window=\"five_hour\"}"
        ),
        Some("0.72")
    );
    assert_eq!(
        sample(
            &page,
            "creditwatch_app_spend_usd{account=\"default\",app=\"cursor\",period=\"today\"}"
        ),
        Some("1.2")
    );
    assert_eq!(
        sample(
            &page,
            "creditwatch_source_up{account=\"default\",source=\"claude_oauth\"}"
        ),
        Some("0")
    );
    // A null projection is left out rather than reported as 0.
    assert!(page.contains("window=\"seven_day\"} 0.4"), "{page}");
    assert!(!page.contains("full_at_seconds{account=\"default\",window=\"seven_day\"}"));
    // No API billing in this snapshot: the family is absent, not zero.
    assert!(!page.contains("creditwatch_api_month_usd"));
}

#[test]
fn alerts_and_the_outbox_are_counted_and_labels_are_escaped() {
    let page = page();
    assert_eq!(
        sample(&page, "creditwatch_alerts{state=\"firing\"}"),
        Some("2")
    );
    assert_eq!(
        sample(&page, "creditwatch_alerts{state=\"pending\"}"),
        Some("1")
    );
    assert_eq!(
        sample(&page, "creditwatch_outbox{state=\"retry\"}"),
        Some("1")
    );
    assert_eq!(
        sample(&page, "creditwatch_outbox{state=\"dead\"}"),
        Some("0")
    );
    assert!(page.contains(r#"key="say \"hi\"\n""#), "{page}");
}

#[test]
fn every_family_is_announced_once_before_its_samples() {
    let page = page();
    let mut announced = std::collections::BTreeSet::new();
    for line in page.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let name = rest.split(' ').next().unwrap();
            assert!(announced.insert(name.to_string()), "{name} twice");
            assert!(rest.ends_with(" gauge"));
        } else if !line.starts_with('#') {
            let name = line.split(['{', ' ']).next().unwrap();
            assert!(announced.contains(name), "{name} before its TYPE");
        }
    }
    assert!(announced.len() > 10);
}

#[test]
fn what_waits_is_pending_sending_and_retry() {
    let outbox = [
        (OutboxState::Sent, 4),
        (OutboxState::Retry, 1),
        (OutboxState::Pending, 2),
        (OutboxState::Sending, 1),
        (OutboxState::Dead, 3),
    ];
    let counts = Counts {
        alerts: &[],
        outbox: &outbox,
        now: 0,
    };
    assert_eq!(counts.waiting(), 4);
}

#[test]
fn every_family_is_in_the_table_once_and_documented() {
    let page = page();
    let announced: Vec<&str> = page
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split(' ').next())
        .collect();
    assert!(announced.len() > 20, "{page}");
    for name in &announced {
        assert!(
            names::ALL.iter().any(|n| n.name == *name),
            "{name} not in the table"
        );
    }
    let mut all: Vec<&str> = names::ALL.iter().map(|n| n.name).collect();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), names::ALL.len(), "a name is in the table twice");
    let root = env!("CARGO_MANIFEST_DIR");
    let docs = ["README.md", "docs/teams.md"]
        .map(|f| std::fs::read_to_string(format!("{root}/{f}")).unwrap())
        .join("\n");
    // The docs shorten a family's siblings to their tail (`creditwatch_extra_usage_used_usd`,
    // `_limit_usd`): a name counts as documented in full or as such a tail.
    for n in names::ALL {
        let shortened = n.name.match_indices('_').any(|(i, _)| {
            docs.contains(&n.name[..i]) && docs.contains(&format!("`{}`", &n.name[i..]))
        });
        assert!(
            docs.contains(n.name) || shortened,
            "{} is not in the README or docs/teams.md",
            n.name
        );
    }
}
