//! The daemon's web server on loopback: the API a page (or anyone) builds on, behind the
//! dashboard token.
//!
//! - `GET /api/snapshot`: the last cycle's snapshot, exactly as `check --json` prints it;
//! - `GET /api/history?metric=M&since=7d[&account=A]`: the stored history of a metric, as
//!   `s.history` gives it to rules, `[{"t": ..., "v": ...}]` oldest first.
//!
//! Every request needs the token (`?token=`, `Authorization: Bearer`, or the cookie the page
//! sets); without it the answer is 401 and no data. The daemon publishes what the server
//! shows after each cycle ([`Published`]), so a request never waits for a cycle, and the
//! history is read from the database on a blocking thread, read-only.

pub mod page;
pub mod svg;
pub mod token;

use crate::secret::Secret;
use axum::Router;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::watch;

/// The cookie the page keeps the token in.
pub const COOKIE: &str = "creditwatch_token";

/// What the daemon hands the server after each cycle.
#[derive(Debug, Clone, Default)]
pub struct Published {
    /// The snapshot as `check --json` prints it.
    pub snapshot: Arc<String>,
    /// The instant of the cycle, unix seconds: the end of every history asked for.
    pub now: i64,
    /// The page, rendered from the same cycle.
    pub page: Arc<String>,
}

/// What every request reads.
#[derive(Clone)]
pub struct Web {
    token: Arc<Secret>,
    published: watch::Receiver<Published>,
    database: PathBuf,
}

/// Why the server cannot start.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen for the dashboard on {addr} (`[dashboard] listen`): {source}")]
pub struct WebError {
    /// The address from the config.
    pub addr: SocketAddr,
    /// What the OS said.
    pub source: std::io::Error,
}

impl Web {
    /// The server's state: the token, what the daemon publishes, and the database the
    /// history is read from.
    pub fn new(token: Secret, published: watch::Receiver<Published>, database: PathBuf) -> Web {
        Web {
            token: Arc::new(token),
            published,
            database,
        }
    }
}

/// The routes, behind the token.
pub fn router(web: Web) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/events", get(events))
        .route("/api/snapshot", get(snapshot))
        .route("/api/history", get(history))
        .layer(middleware::from_fn_with_state(web.clone(), guard))
        .with_state(web)
}

/// Binds `addr` and serves until the returned task is aborted; returns the address bound.
pub async fn serve(
    addr: SocketAddr,
    web: Web,
) -> Result<(SocketAddr, tokio::task::JoinHandle<()>), WebError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| WebError { addr, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| WebError { addr, source })?;
    let app = router(web);
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "the dashboard server stopped");
        }
    });
    Ok((bound, task))
}

/// Lets a request through only with the token.
async fn guard(State(web): State<Web>, request: Request, next: Next) -> Response {
    let given = given_token(request.headers(), request.uri().query());
    match given.is_some_and(|t| token::matches(&web.token, &t)) {
        true => next.run(request).await,
        false => (
            StatusCode::UNAUTHORIZED,
            "the dashboard needs its token: run `creditwatch dashboard` for the address\n",
        )
            .into_response(),
    }
}

/// The token a request carries: `?token=`, `Authorization: Bearer`, or the cookie.
fn given_token(headers: &HeaderMap, query: Option<&str>) -> Option<String> {
    let from_query = query.and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "token")
            .map(|(_, v)| v.into_owned())
    });
    let from_header = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    let from_cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            c.trim()
                .strip_prefix(&format!("{COOKIE}="))
                .map(str::to_string)
        });
    from_query.or(from_header).or(from_cookie)
}

/// The page. Opened with `?token=`, it keeps the token in a cookie for this address only
/// and sends the browser to the address without it, so the token leaves the address bar.
async fn page(State(web): State<Web>, request: Request) -> Response {
    let query = request.uri().query().unwrap_or("");
    if let Some(t) = given_token(&HeaderMap::new(), Some(query)) {
        let cookie = format!("{COOKIE}={t}; Path=/; HttpOnly; SameSite=Strict");
        return (
            StatusCode::SEE_OTHER,
            [
                (header::SET_COOKIE, cookie),
                (header::LOCATION, "/".to_string()),
            ],
        )
            .into_response();
    }
    let body = web.published.borrow().page.clone();
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body.as_str().to_string(),
    )
        .into_response()
}

/// One server-sent event after each cycle, so an open page reloads then and costs
/// nothing in between.
async fn events(State(web): State<Web>) -> Response {
    use axum::response::sse::{Event, KeepAlive, Sse};
    let cycles = futures_util::stream::unfold(web.published.clone(), |mut rx| async move {
        rx.changed().await.ok()?;
        let now = rx.borrow_and_update().now;
        Some((
            Ok::<_, std::convert::Infallible>(Event::default().data(now.to_string())),
            rx,
        ))
    });
    Sse::new(cycles)
        .keep_alive(KeepAlive::default())
        .into_response()
}

async fn snapshot(State(web): State<Web>) -> Response {
    let body = web.published.borrow().snapshot.clone();
    json(body.as_str().to_string())
}

async fn history(State(web): State<Web>, Query(q): Query<HashMap<String, String>>) -> Response {
    let Some(metric) = q.get("metric").cloned() else {
        return bad("`metric` is missing, e.g. ?metric=credits.balance_usd&since=7d");
    };
    if let Err(e) = crate::metric::check_history(&metric) {
        return bad(&format!("metric: {e}"));
    }
    let back = match q.get("since").map(|s| since(s)).unwrap_or(Ok(7 * 86_400)) {
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
