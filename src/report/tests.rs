use super::*;
use crate::price::Tokens as Counts;
use crate::store::RequestRow;

/// Monday 2026-11-30 09:00 UTC.
const NOW: i64 = 1_796_029_200;
const H: i64 = 3600;

/// (hours before NOW, app, model, project, session, output tokens, cost)
type Line = (
    i64,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    u64,
    Option<f64>,
);

fn store(lines: &[Line]) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db.sqlite")).unwrap();
    let mut w = store.writer().unwrap();
    for (i, &(ago, app, model, project, session, output, cost)) in lines.iter().enumerate() {
        w.upsert(&RequestRow {
            key: i as i64,
            legacy_key: None,
            sidechain: false,
            account: "default",
            t: NOW - ago * H,
            app,
            model,
            project,
            session,
            tokens: Counts {
                output,
                ..Counts::default()
            },
            cost_usd: cost,
        })
        .unwrap();
    }
    w.commit().unwrap();
    (dir, store)
}

fn report(store: &Store, rows: Rows, columns: Option<Columns>, since: Option<i64>) -> Report {
    let q = Query {
        account: "default",
        rows,
        columns,
        period: Period { since, until: NOW },
        now: NOW,
    };
    build(store, &q, &TimeZone::UTC).unwrap()
}

const LINES: &[Line] = &[
    (
        50,
        "claude-code",
        "claude-opus-4-6",
        "~/api",
        "s1",
        100,
        Some(6.0),
    ),
    (
        49,
        "claude-code",
        "claude-sonnet-4-6",
        "~/api",
        "s1",
        100,
        Some(1.0),
    ),
    (
        26,
        "cursor",
        "claude-sonnet-4-6",
        "~/web",
        "s2",
        100,
        Some(2.0),
    ),
    (
        2,
        "claude-code",
        "claude-opus-4-6",
        "~/web",
        "s3",
        100,
        Some(1.0),
    ),
    (1, "claude-code", "mystery-9", "~/web", "s3", 50, None),
];

#[test]
fn days_come_in_time_order_with_shares_and_a_total() {
    let (_dir, s) = store(LINES);
    let r = report(&s, Rows::Day, None, None);
    let keys: Vec<&str> = r.rows.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys, ["2026-11-28", "2026-11-29", "2026-11-30"]);
    let costs: Vec<f64> = r.rows.iter().map(|r| r.cost_usd).collect();
    assert_eq!(costs, [7.0, 2.0, 1.0]);
    assert_eq!(r.rows[0].share, 0.7);
    assert_eq!(r.rows[0].models, ["claude-opus-4-6", "claude-sonnet-4-6"]);
    assert_eq!(
        (r.total.cost_usd, r.total.entries, r.total.share),
        (10.0, 5, 1.0)
    );
    assert_eq!(r.total.tokens.output, 450);
    assert_eq!(
        r.rows[2].entries, 2,
        "an unpriced response is still counted"
    );
    assert_eq!(r.unpriced_tokens["mystery-9"], 50);
    assert!(r.rows[0].project.is_none() && r.rows[0].first_at.is_none());
}

#[test]
fn models_come_costliest_first_and_columns_split_them_by_app() {
    let (_dir, s) = store(LINES);
    let r = report(&s, Rows::Model, Some(Columns::App), Some(NOW - 30 * H));
    let keys: Vec<&str> = r.rows.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys, ["claude-sonnet-4-6", "claude-opus-4-6", "mystery-9"]);
    assert_eq!(r.rows[0].columns["cursor"], 2.0);
    assert_eq!(r.rows[1].columns["claude-code"], 1.0);
    assert_eq!(r.total.columns["claude-code"], 1.0);
    assert_eq!(r.total.cost_usd, 3.0);
}

#[test]
fn a_session_has_its_project_and_span() {
    let (_dir, s) = store(LINES);
    let r = report(&s, Rows::Session, None, None);
    assert_eq!(r.rows[0].key, "s1");
    assert_eq!(r.rows[0].project.as_deref(), Some("~/api"));
    assert_eq!(r.rows[0].first_at, Some(NOW - 50 * H));
    assert_eq!(r.rows[0].last_at, Some(NOW - 49 * H));
}

#[test]
fn blocks_are_whole_and_the_one_going_on_is_projected() {
    let (_dir, s) = store(LINES);
    // Since 49.5 hours ago: the block that began 50 hours ago ends after that, so it is
    // shown whole, with the response before the period.
    let r = report(&s, Rows::Block, None, Some(NOW - 49 * H - H / 2));
    let keys: Vec<&str> = r.rows.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "2026-11-28T07:00:00Z",
            "2026-11-29T07:00:00Z",
            "2026-11-30T07:00:00Z"
        ]
    );
    assert_eq!(r.rows[0].cost_usd, 7.0);
    let going = r.rows[2].block.unwrap();
    assert!(going.active);
    assert_eq!(going.left_s, Some(3 * H));
    // $1 over the 2 hours since its first response, for 3 more hours.
    assert_eq!(going.projected_usd, Some(2.5));
    assert!(!r.rows[1].block.unwrap().active);
    let later = report(&s, Rows::Block, None, Some(NOW - 40 * H));
    assert_eq!(
        later.rows.len(),
        2,
        "a block that ended before the period is left out"
    );
}

#[test]
fn an_empty_period_is_an_empty_report() {
    let (_dir, s) = store(&[]);
    let r = report(&s, Rows::Session, Some(Columns::Model), None);
    assert!(r.rows.is_empty());
    assert_eq!((r.total.cost_usd, r.total.share), (0.0, 0.0));
}
