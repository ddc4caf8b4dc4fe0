//! The daemon's one web server, on loopback unless told otherwise. A listener serves some
//! of these ([`Routes`]):
//!
//! - the dashboard, behind its token: `/` the page, `/events` one server-sent event after
//!   each cycle, `/api/snapshot` the last cycle's snapshot exactly as `check --json` prints
//!   it, and `/api/history?metric=M&since=7d[&account=A]` a metric's stored history,
//!   `[{"t": ..., "v": ...}]` oldest first, as `s.history` gives it to rules;
//! - `/metrics`, the Prometheus page, without the token as scrapers expect, and only when
//!   `[metrics]` turns it on.
//!
//! Without the token (`?token=`, `Authorization: Bearer`, or the cookie the page sets) a
//! dashboard route answers 401 and no data. The daemon publishes what the server shows
//! after each cycle ([`Published`]), so a request never waits for a cycle and an open
//! page costs nothing in between.

mod api;
mod conn;
mod deadline;
pub mod guard;
mod host;
pub mod listen;
pub mod page;
mod plan;
mod spend;
mod status;
pub mod svg;
pub mod token;

pub use guard::cookie_name;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::watch;

/// What the daemon hands the server after each cycle.
#[derive(Debug, Clone, Default)]
pub struct Published {
    /// The snapshot as `check --json` prints it.
    pub snapshot: Arc<String>,
    /// The instant of the cycle, unix seconds: the end of every history asked for.
    pub now: i64,
    /// The page, rendered from the same cycle.
    pub page: Arc<String>,
    /// The Prometheus page, when `/metrics` is on.
    pub metrics: Arc<String>,
}

/// What every request reads.
#[derive(Clone)]
pub struct Web {
    published: watch::Receiver<Published>,
    database: PathBuf,
}

impl Web {
    /// The server's state: what the daemon publishes, and the database the history is
    /// read from.
    pub fn new(published: watch::Receiver<Published>, database: PathBuf) -> Web {
        Web {
            published,
            database,
        }
    }
}

/// What one listener serves.
#[derive(Debug, Clone, Default)]
pub struct Routes {
    /// The page, its events and the API, behind the token in this file (read at each
    /// request, so a new token takes effect at once); `None` leaves them out.
    pub dashboard: Option<Arc<std::path::Path>>,
    /// Whether `/metrics` is served.
    pub metrics: bool,
}

/// Why a listener cannot start.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen on {addr} (`{setting}`): {source}")]
pub struct WebError {
    /// The address from the config.
    pub addr: SocketAddr,
    /// The setting that named it, e.g. `[dashboard] listen`.
    pub setting: &'static str,
    /// What the OS said.
    pub source: std::io::Error,
}

/// The routes a listener serves; anything else is 404.
pub fn router(web: Web, routes: &Routes) -> Router {
    let mut app = Router::new();
    if let Some(token) = &routes.dashboard {
        let guarded = Router::new()
            .route("/", get(page))
            .route("/events", get(events))
            .route("/api/snapshot", get(api::snapshot))
            .route("/api/history", get(api::history))
            .route_layer(middleware::from_fn_with_state(token.clone(), guard::guard))
            .layer(middleware::map_response(guard::private));
        app = app.merge(guarded);
    }
    if routes.metrics {
        app = app.route("/metrics", get(api::metrics));
    }
    app.with_state(web)
}

/// Binds `addr` and serves `app` until the returned task is aborted; returns the address
/// bound (port 0 picks a free one). Only requests whose `Host` names it are answered.
pub async fn serve(
    addr: SocketAddr,
    setting: &'static str,
    app: Router,
) -> Result<(SocketAddr, tokio::task::JoinHandle<()>), WebError> {
    let fail = |source| WebError {
        addr,
        setting,
        source,
    };
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(fail)?;
    let bound = listener.local_addr().map_err(fail)?;
    if !bound.ip().is_loopback() {
        tracing::warn!(%bound, "serving beyond this machine over plain http: anyone who can reach it reads /metrics, and the dashboard's token crosses the network unencrypted");
    }
    let app = app.layer(middleware::from_fn_with_state(bound, host::check));
    let task = tokio::spawn(listen::accept(listener, app));
    Ok((bound, task))
}

/// The page; opened with `?token=`, the token moves into a cookie first.
async fn page(State(web): State<Web>, request: Request) -> Response {
    if let Some(t) = guard::in_query(request.uri().query()) {
        let name = request.extensions().get::<guard::CookieName>();
        return guard::keep_in_cookie(&t, name);
    }
    let body = web.published.borrow().page.clone();
    let body = match body.is_empty() {
        true => page::waiting(),
        false => body.as_str().to_string(),
    };
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

/// One server-sent event after each cycle, so an open page refreshes then and costs
/// nothing in between. At the first cycle after its token was replaced the stream says so
/// once and ends: nothing more is streamed to the old token.
async fn events(State(web): State<Web>, request: Request) -> Response {
    use axum::response::sse::{Event, Sse};
    let Some(admitted) = request.extensions().get::<guard::Admitted>().cloned() else {
        return axum::http::StatusCode::UNAUTHORIZED.into_response();
    };
    let start = (web.published.clone(), admitted, false);
    let cycles = futures_util::stream::unfold(start, |(mut rx, admitted, ended)| async move {
        if ended {
            return None;
        }
        rx.changed().await.ok()?;
        // The last event of a replaced token's stream carries no figure; the page asks for
        // itself again on it and is told it needs its token.
        let data = match admitted.still() {
            true => rx.borrow_and_update().now.to_string(),
            false => "token replaced".to_string(),
        };
        let ended = data == "token replaced";
        Some((
            Ok::<_, std::convert::Infallible>(Event::default().data(data)),
            (rx, admitted, ended),
        ))
    });
    // No keep-alive comments: on loopback nothing needs them, and the page then costs
    // the daemon nothing between cycles.
    Sse::new(cycles).into_response()
}
