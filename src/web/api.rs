//! The answers anyone can build on: the snapshot, a metric's history, and the Prometheus
//! page. Each reads what the daemon published after its last cycle (or, for the history,
//! the database, read-only on a blocking thread), so a request never waits for a cycle.

use super::Web;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;

/// `GET /api/snapshot`: the last cycle's snapshot, as `check --json` prints it.
pub(super) async fn snapshot(State(web): State<Web>) -> Response {
    let body = web.published.borrow().snapshot.clone();
    if body.is_empty() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "no snapshot yet: the daemon has not finished its first cycle\n",
        )
            .into_response();
    }
    json(body.as_str().to_string())
}

/// `GET /metrics`: the gauges in the Prometheus text format.
pub(super) async fn metrics(State(web): State<Web>) -> Response {
    let body = web.published.borrow().metrics.clone();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body.as_str().to_string(),
    )
        .into_response()
}

/// `GET /api/history?metric=M&since=7d[&account=A]`: `[{"t": .., "v": ..}]`, oldest first.
pub(super) async fn history(
    State(web): State<Web>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(metric) = q.get("metric").cloned() else {
        return bad("`metric` is missing, e.g. ?metric=credits.balance_usd&since=7d");
    };
    if let Err(e) = crate::names::check_history(&metric) {
        return bad(&format!("metric: {e}"));
    }
    let back = match q.get("since").map_or(Ok(7 * 86_400), |s| since(s)) {
        Ok(s) => s,
        Err(e) => return bad(&e),
    };
    let account = q
        .get("account")
        .cloned()
        .unwrap_or_else(|| crate::DEFAULT_ACCOUNT.to_string());
    let now = web.published.borrow().now;
    let database = web.database.clone();
    let read = tokio::task::spawn_blocking(move || {
        let Some(store) = crate::store::Store::open_read_only(&database)? else {
            return Ok(Vec::new());
        };
        store.history(&account, &metric, now - back, now)
    })
    .await;
    match read {
        Ok(Ok(points)) => {
            let points: Vec<serde_json::Value> = points
                .into_iter()
                .map(|(t, v)| serde_json::json!({"t": t, "v": v}))
                .collect();
            json(serde_json::Value::Array(points).to_string())
        }
        Ok(Err(e)) => (StatusCode::SERVICE_UNAVAILABLE, format!("{e}\n")).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
    }
}

/// `since` as a duration (`7d`) or a number of seconds, back from the last cycle.
fn since(text: &str) -> Result<i64, String> {
    if let Ok(secs) = text.parse::<i64>() {
        return Ok(secs.max(0));
    }
    crate::config::parse_duration(text)
        .map(|d| d.as_secs() as i64)
        .map_err(|e| format!("since: {e}"))
}

fn json(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn bad(why: &str) -> Response {
    (StatusCode::BAD_REQUEST, format!("{why}\n")).into_response()
}
